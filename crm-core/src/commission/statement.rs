//! The statement engine: one rep's commission per period, every line explaining itself, computed
//! period by period from the first credit so draws and clawbacks carry exactly.

use super::credits::{deals, CommissionCredit, CommissionCreditKind, Deal};
use super::plan::{CommissionBase, CommissionPlan, CommissionRates};
use super::rates::{slices, tier_of};
use crate::error::{CrmError, Result};
use crate::performance::{period_of, period_range};
use chrono::{Days, NaiveDate};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[serde(rename_all = "snake_case")]
pub enum CommissionLineKind {
    Commission,
    DealCap,
    DealFloor,
    /// Accelerator or decelerator on quota attainment.
    Band,
    Gate,
    Clawback,
    PeriodCap,
    PeriodFloor,
    DrawTopUp,
    DrawRecovery,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct CommissionLine {
    pub kind: CommissionLineKind,
    pub deal_id: Option<String>,
    /// What the line is computed on.
    pub base: Decimal,
    /// 1-based tier of a tiered rate.
    pub tier: Option<u32>,
    /// Percent, or the multiplier of a band or gate.
    pub rate: Option<Decimal>,
    /// Exact amount before rounding.
    pub exact: Decimal,
    /// Rounded, with the rounding difference carried to the next line.
    pub amount: Decimal,
    pub explanation: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct CommissionStatement {
    pub rep_id: String,
    pub period: String,
    /// Credited base in the period (booked amounts or cash, after splits).
    pub base_total: Decimal,
    pub quota: Option<Decimal>,
    /// Percent of quota, 2 places.
    pub attainment: Option<Decimal>,
    pub lines: Vec<CommissionLine>,
    pub exact_total: Decimal,
    /// The sum of the lines: the exact total rounded once.
    pub total: Decimal,
    /// Recoverable draw still to be recovered after this period.
    pub draw_balance: Decimal,
}

fn overflow() -> CrmError {
    CrmError::invalid("amount", "commission arithmetic overflows")
}

fn mul(a: Decimal, b: Decimal) -> Result<Decimal> {
    a.checked_mul(b).ok_or_else(overflow)
}

fn add(a: Decimal, b: Decimal) -> Result<Decimal> {
    a.checked_add(b).ok_or_else(overflow)
}

fn sub(a: Decimal, b: Decimal) -> Result<Decimal> {
    a.checked_sub(b).ok_or_else(overflow)
}

fn div(a: Decimal, b: Decimal) -> Result<Decimal> {
    a.checked_div(b).ok_or_else(overflow)
}

fn pct(a: Decimal, rate: Decimal) -> Result<Decimal> {
    Ok(mul(a, rate)? / Decimal::ONE_HUNDRED)
}

fn sum(lines: &[CommissionLine]) -> Result<Decimal> {
    lines.iter().try_fold(Decimal::ZERO, |s, l| add(s, l.exact))
}

/// What the rep has earned on a deal so far, for clawbacks.
#[derive(Default, Clone)]
struct DealState {
    earned: Decimal,
    credited: Decimal,
    clawed: Decimal,
    first_earned: Option<NaiveDate>,
}

/// One credited amount in a period, in the order slices are filled.
struct Item<'a> {
    date: NaiveDate,
    deal: &'a Deal,
    percent: Decimal,
    base: Decimal,
    /// Share of a per-deal amount this item earns (payment / contract total; 1 when booked).
    fraction: Decimal,
}

fn line(
    kind: CommissionLineKind,
    deal: Option<&str>,
    base: Decimal,
    rate: Option<Decimal>,
    exact: Decimal,
    explanation: String,
) -> CommissionLine {
    CommissionLine {
        kind,
        deal_id: deal.map(str::to_string),
        base,
        tier: None,
        rate,
        exact,
        amount: Decimal::ZERO,
        explanation,
    }
}

struct Engine<'a> {
    plan: &'a CommissionPlan,
    rep: &'a str,
    deals: &'a BTreeMap<String, Deal>,
    credits: &'a [CommissionCredit],
    state: BTreeMap<String, DealState>,
    balance: Decimal,
}

impl<'a> Engine<'a> {
    fn show(&self, d: Decimal) -> Decimal {
        self.plan.rounding.round(d)
    }

    fn share(&self, deal: &Deal) -> Option<Decimal> {
        deal.shares
            .iter()
            .find(|s| s.rep_id == self.rep)
            .map(|s| s.percent)
    }

    fn items(&self, from: NaiveDate, to: NaiveDate) -> Result<Vec<Item<'a>>> {
        let (all, credits): (&'a BTreeMap<String, Deal>, &'a [CommissionCredit]) =
            (self.deals, self.credits);
        let mut items = vec![];
        match self.plan.base {
            CommissionBase::Booked => {
                for deal in all.values() {
                    if let Some(s) = deal.shares.iter().find(|s| s.rep_id == self.rep) {
                        if (from..=to).contains(&deal.won_on) {
                            items.push(Item {
                                date: deal.won_on,
                                deal,
                                percent: s.percent,
                                base: s.amount,
                                fraction: Decimal::ONE,
                            });
                        }
                    }
                }
            }
            CommissionBase::Collected => {
                for c in credits
                    .iter()
                    .filter(|c| c.kind == CommissionCreditKind::Payment)
                {
                    let Some(deal) = all.get(&c.deal_id) else {
                        continue;
                    };
                    let Some(percent) = self.share(deal) else {
                        continue;
                    };
                    if (from..=to).contains(&c.date) {
                        let total = c.contract_total.unwrap_or(deal.amount);
                        items.push(Item {
                            date: c.date,
                            deal,
                            percent,
                            base: pct(c.amount, percent)?,
                            fraction: div(c.amount, total)?,
                        });
                    }
                }
            }
        }
        items.sort_by(|a, b| (a.date, &a.deal.id).cmp(&(b.date, &b.deal.id)));
        Ok(items)
    }

    fn rate_lines(&self, items: &[Item<'_>]) -> Result<Vec<CommissionLine>> {
        let mut lines = vec![];
        let what = |i: &Item<'_>| match self.plan.base {
            CommissionBase::Booked => format!(
                "deal {} ({}% of {}) booked {}",
                i.deal.id, i.percent, i.deal.amount, i.date
            ),
            CommissionBase::Collected => format!(
                "deal {} ({}% of a payment) collected {}",
                i.deal.id, i.percent, i.date
            ),
        };
        match &self.plan.rates {
            CommissionRates::Flat { rate } => {
                for i in items {
                    let exact = pct(i.base, *rate)?;
                    lines.push(line(
                        CommissionLineKind::Commission,
                        Some(&i.deal.id),
                        i.base,
                        Some(*rate),
                        exact,
                        format!("{}: {} at {rate}% = {}", what(i), i.base, self.show(exact)),
                    ));
                }
            }
            CommissionRates::PerDeal { amount } => {
                for i in items {
                    let exact = mul(pct(*amount, i.percent)?, i.fraction)?;
                    lines.push(line(
                        CommissionLineKind::Commission,
                        Some(&i.deal.id),
                        i.base,
                        None,
                        exact,
                        format!(
                            "{}: {amount} per deal x {}% split x {} of the contract = {}",
                            what(i),
                            i.percent,
                            i.fraction.round_dp(4),
                            self.show(exact)
                        ),
                    ));
                }
            }
            CommissionRates::Graduated { tiers } => {
                let mut running = Decimal::ZERO;
                for i in items {
                    let end = add(running, i.base)?;
                    for sl in slices(tiers, running, end) {
                        let (k, lo, hi, slice) = (sl.tier, sl.lo, sl.hi, sl.width());
                        let rate = tiers[k].rate;
                        let exact = pct(slice, rate)?;
                        let mut l = line(
                            CommissionLineKind::Commission,
                            Some(&i.deal.id),
                            slice,
                            Some(rate),
                            exact,
                            format!(
                                "{}: slice {lo}-{hi} of the period total, tier {} at {}% = {}",
                                what(i),
                                k + 1,
                                rate,
                                self.show(exact)
                            ),
                        );
                        l.tier = Some(k as u32 + 1);
                        lines.push(l);
                    }
                    running = end;
                }
            }
            CommissionRates::Retroactive { tiers } => {
                let total = items
                    .iter()
                    .try_fold(Decimal::ZERO, |s, i| add(s, i.base))?;
                let k = tier_of(tiers, total, self.plan.boundary);
                let rate = tiers[k].rate;
                for i in items {
                    let exact = pct(i.base, rate)?;
                    let mut l = line(
                        CommissionLineKind::Commission,
                        Some(&i.deal.id),
                        i.base,
                        Some(rate),
                        exact,
                        format!(
                            "{}: {} at {rate}%, the rate of tier {} reached by the period total {total} = {}",
                            what(i),
                            i.base,
                            k + 1,
                            self.show(exact)
                        ),
                    );
                    l.tier = Some(k as u32 + 1);
                    lines.push(l);
                }
            }
        }
        Ok(lines)
    }

    /// Per-deal caps and floors; records what each deal earned.
    fn per_deal(&mut self, items: &[Item<'_>], lines: &mut Vec<CommissionLine>) -> Result<()> {
        let mut per: BTreeMap<String, (Decimal, Decimal, NaiveDate)> = BTreeMap::new();
        for l in lines.iter() {
            let id = l.deal_id.clone().unwrap_or_default();
            let e = per
                .entry(id)
                .or_insert((Decimal::ZERO, Decimal::ZERO, NaiveDate::MAX));
            e.0 = add(e.0, l.exact)?;
        }
        for i in items {
            let e = per.entry(i.deal.id.clone()).or_insert((
                Decimal::ZERO,
                Decimal::ZERO,
                NaiveDate::MAX,
            ));
            e.1 = add(e.1, i.base)?;
            e.2 = e.2.min(i.date);
        }
        for (id, (earned, base, first)) in per {
            let mut paid = earned;
            if let Some(cap) = self.plan.deal_cap.filter(|c| earned > *c) {
                lines.push(line(
                    CommissionLineKind::DealCap,
                    Some(&id),
                    earned,
                    None,
                    sub(cap, earned)?,
                    format!("deal {id}: {} capped at {cap} per deal", self.show(earned)),
                ));
                paid = cap;
            }
            if let Some(floor) = self
                .plan
                .deal_floor
                .filter(|f| earned < *f && base > Decimal::ZERO)
            {
                lines.push(line(
                    CommissionLineKind::DealFloor,
                    Some(&id),
                    earned,
                    None,
                    sub(floor, earned)?,
                    format!(
                        "deal {id}: {} raised to the floor of {floor} per deal",
                        self.show(earned)
                    ),
                ));
                paid = floor;
            }
            let s = self.state.entry(id).or_default();
            s.earned = add(s.earned, paid)?;
            s.credited = add(s.credited, base)?;
            s.first_earned = Some(s.first_earned.map_or(first, |f| f.min(first)));
        }
        Ok(())
    }

    fn clawbacks(
        &mut self,
        from: NaiveDate,
        to: NaiveDate,
        lines: &mut Vec<CommissionLine>,
    ) -> Result<()> {
        let window = self.plan.clawback_days;
        for c in self.credits.iter().filter(|c| {
            matches!(
                c.kind,
                CommissionCreditKind::Refund | CommissionCreditKind::Cancel
            ) && (from..=to).contains(&c.date)
        }) {
            let Some(deal) = self.deals.get(&c.deal_id) else {
                continue;
            };
            let Some(percent) = self.share(deal) else {
                continue;
            };
            let s = self.state.entry(deal.id.clone()).or_default();
            let left = sub(s.earned, s.clawed)?;
            let Some(first) = s.first_earned.filter(|_| left > Decimal::ZERO) else {
                continue;
            };
            let what = match c.kind {
                CommissionCreditKind::Refund => {
                    format!("refund of {} on deal {} on {}", c.amount, deal.id, c.date)
                }
                _ => format!("deal {} cancelled on {}", deal.id, c.date),
            };
            let age = (c.date - first).num_days();
            if window == 0 || age > i64::from(window) {
                lines.push(line(
                    CommissionLineKind::Clawback,
                    Some(&deal.id),
                    Decimal::ZERO,
                    None,
                    Decimal::ZERO,
                    format!(
                        "{what}: no clawback, {age} days after the first earning (window {window} days)"
                    ),
                ));
                continue;
            }
            let (base, back) = match c.kind {
                CommissionCreditKind::Refund => {
                    let base = pct(c.amount, percent)?;
                    let per_unit = if s.credited.is_zero() {
                        Decimal::ZERO
                    } else {
                        div(s.earned, s.credited)?
                    };
                    (base, mul(base, per_unit)?.min(left))
                }
                _ => (s.credited, left),
            };
            s.clawed = add(s.clawed, back)?;
            let rate = (!s.credited.is_zero())
                .then(|| div(s.earned, s.credited).map(|r| mul(r, Decimal::ONE_HUNDRED)))
                .transpose()?
                .transpose()?;
            let explanation = format!(
                "{what}: {} reversed at the {}% originally paid",
                self.show(back),
                rate.unwrap_or_default().round_dp(4)
            );
            lines.push(line(
                CommissionLineKind::Clawback,
                Some(&deal.id),
                base,
                rate,
                -back,
                explanation,
            ));
        }
        Ok(())
    }

    fn period(&mut self, period: &str) -> Result<CommissionStatement> {
        let (from, to) = period_range(period)?;
        let items = self.items(from, to)?;
        let mut lines = self.rate_lines(&items)?;
        self.per_deal(&items, &mut lines)?;
        let base_total = items
            .iter()
            .try_fold(Decimal::ZERO, |s, i| add(s, i.base))?;
        let quota = self.plan.quota_of(self.rep);
        let attainment = quota
            .map(|q| div(mul(base_total, Decimal::ONE_HUNDRED)?, q))
            .transpose()?;
        if let Some(a) = attainment {
            let shown = a.round_dp(2);
            let band = self
                .plan
                .bands
                .iter()
                .filter(|b| a >= b.min_attainment)
                .max_by(|x, y| x.min_attainment.cmp(&y.min_attainment));
            if let Some(b) = band.filter(|b| b.multiplier != Decimal::ONE) {
                let so_far = sum(&lines)?;
                lines.push(line(
                    CommissionLineKind::Band,
                    None,
                    so_far,
                    Some(b.multiplier),
                    mul(so_far, sub(b.multiplier, Decimal::ONE)?)?,
                    format!(
                        "attainment {shown}% reaches the {}% band: {} x {}",
                        b.min_attainment,
                        self.show(so_far),
                        b.multiplier
                    ),
                ));
            }
            if let Some(g) = self.plan.gate.as_ref().filter(|g| a < g.min_attainment) {
                let so_far = sum(&lines)?;
                lines.push(line(
                    CommissionLineKind::Gate,
                    None,
                    so_far,
                    Some(g.factor),
                    -mul(so_far, sub(Decimal::ONE, g.factor)?)?,
                    format!(
                        "attainment {shown}% is below the {}% gate: {} x {}",
                        g.min_attainment,
                        self.show(so_far),
                        g.factor
                    ),
                ));
            }
        }
        self.clawbacks(from, to, &mut lines)?;
        let e = sum(&lines)?;
        if let Some(cap) = self.plan.period_cap.filter(|c| e > *c) {
            lines.push(line(
                CommissionLineKind::PeriodCap,
                None,
                e,
                None,
                sub(cap, e)?,
                format!("{} capped at {cap} per period", self.show(e)),
            ));
        }
        if let Some(floor) = self.plan.period_floor.filter(|f| e < *f) {
            lines.push(line(
                CommissionLineKind::PeriodFloor,
                None,
                e,
                None,
                sub(floor, e)?,
                format!("{} raised to the floor of {floor} per period", self.show(e)),
            ));
        }
        if let Some(d) = &self.plan.draw {
            let e = sum(&lines)?;
            if e < d.amount {
                let top = sub(d.amount, e)?;
                if d.recoverable {
                    self.balance = add(self.balance, top)?;
                }
                lines.push(line(
                    CommissionLineKind::DrawTopUp,
                    None,
                    e,
                    None,
                    top,
                    format!(
                        "earnings {} below the {} draw: topped up by {}{}",
                        self.show(e),
                        d.amount,
                        self.show(top),
                        if d.recoverable {
                            " (recoverable, carried)"
                        } else {
                            ""
                        }
                    ),
                ));
            } else if d.recoverable && self.balance > Decimal::ZERO {
                let back = sub(e, d.amount)?.min(self.balance);
                if back > Decimal::ZERO {
                    self.balance = sub(self.balance, back)?;
                    lines.push(line(
                        CommissionLineKind::DrawRecovery,
                        None,
                        e,
                        None,
                        -back,
                        format!(
                            "recovers {} of the carried draw from earnings above {} ({} still carried)",
                            self.show(back),
                            d.amount,
                            self.show(self.balance)
                        ),
                    ));
                }
            }
        }
        let rounding = self.plan.rounding;
        let (mut exact_run, mut shown_run) = (Decimal::ZERO, Decimal::ZERO);
        let mut shown_sum = Decimal::ZERO;
        for l in &mut lines {
            exact_run = add(exact_run, l.exact)?;
            let rounded = rounding.round(exact_run);
            l.amount = sub(rounded, shown_run)?;
            shown_run = rounded;
            // Exactly: an exact sum keeps the larger scale.
            let scale = shown_sum.scale().max(l.amount.scale());
            shown_sum = shown_sum
                .checked_add(l.amount)
                .filter(|s| s.scale() >= scale)
                .ok_or_else(overflow)?;
        }
        // At the edge of its range a Decimal keeps its 96-bit mantissa by dropping decimal
        // places, so there the lines can stop adding up to the total: refused, not shown.
        if shown_sum != shown_run {
            return Err(overflow());
        }
        Ok(CommissionStatement {
            rep_id: self.rep.to_string(),
            period: period.to_string(),
            base_total,
            quota,
            attainment: attainment.map(|a| a.round_dp(2)),
            lines,
            exact_total: exact_run,
            total: shown_run,
            draw_balance: self.balance,
        })
    }
}

/// How far back statements are replayed (a century of months): a bound on the work one call
/// does, whatever dates the credits carry.
pub const MAX_PERIODS: usize = 1200;

/// The periods from the one holding `first` through `last`.
fn periods(plan: &CommissionPlan, first: NaiveDate, last: &str) -> Result<Vec<String>> {
    let kind = plan.period.as_str();
    let (_, end) = period_range(last)?;
    if period_of(end, kind)? != last {
        return Err(CrmError::invalid(
            "period",
            format!("{last:?} is not a {kind} (the plan pays per {kind})"),
        ));
    }
    let mut out = vec![];
    let mut day = first;
    while day <= end {
        let p = period_of(day, kind)?;
        let (_, p_end) = period_range(&p)?;
        out.push(p);
        if out.len() > MAX_PERIODS {
            return Err(CrmError::invalid(
                "credits",
                format!("reach back more than {MAX_PERIODS} periods before {last}"),
            ));
        }
        day = p_end
            .checked_add_days(Days::new(1))
            .ok_or_else(|| CrmError::invalid("period", "out of range"))?;
    }
    if out.is_empty() {
        out.push(last.to_string());
    }
    Ok(out)
}

fn rep_dates<'a>(
    credits: &'a [CommissionCredit],
    deals: &'a BTreeMap<String, Deal>,
    rep: &str,
) -> impl Iterator<Item = NaiveDate> + 'a {
    let rep = rep.to_string();
    credits.iter().filter_map(move |c| {
        let deal = deals.get(&c.deal_id)?;
        deal.shares
            .iter()
            .any(|s| s.rep_id == rep)
            .then_some(c.date)
    })
}

/// `rep_id`'s statement for `period` (`YYYY-MM` or `YYYY-Qn`, as the plan pays).
pub fn statement(
    plan: &CommissionPlan,
    credits: &[CommissionCredit],
    rep_id: &str,
    period: &str,
) -> Result<CommissionStatement> {
    plan.validate()?;
    let deals = deals(credits)?;
    let first = rep_dates(credits, &deals, rep_id)
        .min()
        .unwrap_or(period_range(period)?.0);
    let mut engine = Engine {
        plan,
        rep: rep_id,
        deals: &deals,
        credits,
        state: BTreeMap::new(),
        balance: Decimal::ZERO,
    };
    let mut last = None;
    for p in periods(plan, first, period)? {
        last = Some(engine.period(&p)?);
    }
    last.ok_or_else(|| CrmError::invalid("period", "no period to state"))
}

/// The statements of every rep the credits name, for `period`, by rep id.
pub fn statements(
    plan: &CommissionPlan,
    credits: &[CommissionCredit],
    period: &str,
) -> Result<Vec<CommissionStatement>> {
    plan.validate()?;
    period_range(period)?;
    let deals = deals(credits)?;
    let reps: BTreeSet<&str> = deals
        .values()
        .flat_map(|d| d.shares.iter().map(|s| s.rep_id.as_str()))
        .collect();
    let mut out = reps
        .into_iter()
        .map(|r| statement(plan, credits, r, period))
        .collect::<Result<Vec<_>>>()?;
    out.sort_by(|a, b| crate::ids::record_order(&a.rep_id, &b.rep_id));
    Ok(out)
}
