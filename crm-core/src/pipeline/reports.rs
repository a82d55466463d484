//! Pipeline reports, pure over opportunities and their stage history: weighted forecast (also as
//! of a past instant), stage-to-stage conversion, time in stage, sales velocity and rotting deals.

use super::opportunity::{Opportunity, OpportunityStatus};
use super::{ForecastCategory, Pipeline, StageKind};
use crate::error::{CrmError, Result};
use crate::performance::period_of;
use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use rust_decimal::{Decimal, RoundingStrategy};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct ForecastRow {
    pub period: String,
    /// Open opportunities expected to close in the period.
    pub open: u32,
    /// Their amounts, unweighted (omitted ones excluded).
    pub amount: Decimal,
    /// sum(amount x probability / 100) of those open opportunities.
    pub weighted: Decimal,
    pub pipeline: Decimal,
    pub best_case: Decimal,
    pub commit: Decimal,
    /// Won in the period.
    pub closed: Decimal,
}

fn overflow() -> CrmError {
    CrmError::invalid("amount", "forecast total overflows")
}

fn add(a: &mut Decimal, b: Decimal) -> Result<()> {
    *a = a.checked_add(b).ok_or_else(overflow)?;
    Ok(())
}

/// The weighted forecast per period (`month`, `quarter`, `year` of local dates in `tz`) as the
/// opportunities stood at `at`: open ones by expected close date (undated ones are left out),
/// won ones by the local date they were won.
pub fn forecast(
    opportunities: &[Opportunity],
    period_kind: &str,
    at: DateTime<Utc>,
    tz: Tz,
) -> Result<Vec<ForecastRow>> {
    period_of(chrono::NaiveDate::MIN, period_kind)?;
    let mut rows: BTreeMap<String, ForecastRow> = BTreeMap::new();
    for o in opportunities {
        let Some(e) = o.as_of(at) else { continue };
        let (date, open) = match e.status {
            OpportunityStatus::Open => match e.expected_close {
                Some(d) if e.category != ForecastCategory::Omitted => (d, true),
                _ => continue,
            },
            OpportunityStatus::Won => {
                let won_at = o
                    .history
                    .iter()
                    .rev()
                    .filter(|h| h.entered_at <= at)
                    .take_while(|h| h.status == OpportunityStatus::Won)
                    .last()
                    .map_or(e.entered_at, |h| h.entered_at);
                (won_at.with_timezone(&tz).date_naive(), false)
            }
            OpportunityStatus::Lost => continue,
        };
        let period = period_of(date, period_kind)?;
        let row = rows.entry(period.clone()).or_insert_with(|| ForecastRow {
            period,
            ..ForecastRow::default()
        });
        if !open {
            add(&mut row.closed, e.amount)?;
            continue;
        }
        row.open += 1;
        add(&mut row.amount, e.amount)?;
        let weighted =
            e.amount.checked_mul(e.probability).ok_or_else(overflow)? / Decimal::ONE_HUNDRED;
        add(&mut row.weighted, weighted)?;
        match e.category {
            ForecastCategory::Pipeline => add(&mut row.pipeline, e.amount)?,
            ForecastCategory::BestCase => add(&mut row.best_case, e.amount)?,
            ForecastCategory::Commit => add(&mut row.commit, e.amount)?,
            ForecastCategory::Closed | ForecastCategory::Omitted => {}
        }
    }
    Ok(rows.into_values().collect())
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct StageConversion {
    pub from_stage: String,
    pub to_stage: String,
    /// Opportunities that were ever in `from_stage`.
    pub entered: u32,
    /// Of those, how many later reached `to` or a stage beyond it.
    pub advanced: u32,
    /// advanced / entered, 4 places; `None` when none entered.
    pub rate: Option<Decimal>,
}

fn ratio(a: u32, b: u32) -> Option<Decimal> {
    (b > 0).then(|| {
        (Decimal::from(a) / Decimal::from(b))
            .round_dp_with_strategy(4, RoundingStrategy::MidpointNearestEven)
    })
}

/// The order deals progress in: open stages as listed, then won stages.
fn progress(p: &Pipeline) -> Vec<&str> {
    let of = |k: StageKind| p.stages.iter().filter(move |s| s.kind == k);
    of(StageKind::Open)
        .chain(of(StageKind::Won))
        .map(|s| s.key.as_str())
        .collect()
}

/// Conversion between consecutive stages of `p` (open stages, then won), over its opportunities.
pub fn conversion(opportunities: &[Opportunity], p: &Pipeline) -> Vec<StageConversion> {
    let order = progress(p);
    let pos = |stage: &str| order.iter().position(|s| *s == stage);
    order
        .windows(2)
        .enumerate()
        .map(|(k, pair)| {
            let (mut entered, mut advanced) = (0, 0);
            for o in opportunities.iter().filter(|o| o.pipeline_id == p.id) {
                let Some(first) = o.history.iter().position(|e| e.stage == pair[0]) else {
                    continue;
                };
                entered += 1;
                if o.history[first..]
                    .iter()
                    .any(|e| pos(&e.stage).is_some_and(|q| q > k))
                {
                    advanced += 1;
                }
            }
            StageConversion {
                from_stage: pair[0].to_string(),
                to_stage: pair[1].to_string(),
                entered,
                advanced,
                rate: ratio(advanced, entered),
            }
        })
        .collect()
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct StageTime {
    pub stage: String,
    /// Completed stays (entered and left).
    pub stays: u32,
    /// Their average length in days, 2 places; `None` without stays.
    pub average_days: Option<Decimal>,
}

fn days(from: DateTime<Utc>, to: DateTime<Utc>) -> Decimal {
    Decimal::from((to - from).num_seconds()) / Decimal::from(86_400)
}

/// How long completed stays in each open stage of `p` lasted.
pub fn time_in_stage(opportunities: &[Opportunity], p: &Pipeline) -> Vec<StageTime> {
    let mut totals: BTreeMap<&str, (u32, Decimal)> = BTreeMap::new();
    for o in opportunities.iter().filter(|o| o.pipeline_id == p.id) {
        let mut i = 0;
        while i < o.history.len() {
            let stage = &o.history[i].stage;
            let start = o.history[i].entered_at;
            let mut j = i;
            while j + 1 < o.history.len() && o.history[j + 1].stage == *stage {
                j += 1;
            }
            if let Some(end) = o.history[j].left_at {
                let t = totals.entry(stage.as_str()).or_default();
                t.0 += 1;
                t.1 += days(start, end);
            }
            i = j + 1;
        }
    }
    p.stages
        .iter()
        .filter(|s| s.kind == StageKind::Open)
        .map(|s| {
            let (stays, total) = totals.get(s.key.as_str()).copied().unwrap_or_default();
            StageTime {
                stage: s.key.clone(),
                stays,
                average_days: (stays > 0).then(|| {
                    (total / Decimal::from(stays))
                        .round_dp_with_strategy(2, RoundingStrategy::MidpointNearestEven)
                }),
            }
        })
        .collect()
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct Velocity {
    /// Open at `to`.
    pub open: u32,
    /// Won and lost with a close in [from, to).
    pub won: u32,
    pub lost: u32,
    /// won / (won + lost), 4 places.
    pub win_rate: Option<Decimal>,
    /// Mean amount of the won deals, 2 places.
    pub average_won: Option<Decimal>,
    /// Mean days from creation to win, 2 places.
    pub cycle_days: Option<Decimal>,
    /// open x win rate x average won / cycle days: the amount the pipeline yields per day.
    pub per_day: Option<Decimal>,
}

/// Sales velocity from deals closed in [from, to) and the deals open at `to`.
pub fn velocity(
    opportunities: &[Opportunity],
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<Velocity> {
    if to <= from {
        return Err(CrmError::invalid("to", "must be after from"));
    }
    let (mut won, mut lost, mut open) = (0u32, 0u32, 0u32);
    let (mut won_total, mut cycle_total) = (Decimal::ZERO, Decimal::ZERO);
    for o in opportunities {
        if o.as_of(to - chrono::Duration::nanoseconds(1))
            .is_some_and(|e| e.status == OpportunityStatus::Open)
        {
            open += 1;
        }
        let Some(closed) = o.closed_at.filter(|c| (from..to).contains(c)) else {
            continue;
        };
        match o.status {
            OpportunityStatus::Won => {
                won += 1;
                add(&mut won_total, o.amount)?;
                cycle_total += days(o.created_at, closed);
            }
            OpportunityStatus::Lost => lost += 1,
            OpportunityStatus::Open => {}
        }
    }
    let round2 = |d: Decimal| d.round_dp_with_strategy(2, RoundingStrategy::MidpointNearestEven);
    let win_rate = ratio(won, won + lost);
    let average_won = (won > 0).then(|| won_total / Decimal::from(won));
    let cycle = (won > 0).then(|| cycle_total / Decimal::from(won));
    let per_day = match (win_rate, average_won, cycle) {
        (Some(_), Some(avg), Some(c)) if !c.is_zero() => Decimal::from(open)
            .checked_mul(Decimal::from(won))
            .and_then(|x| x.checked_mul(avg))
            .map(|x| x / Decimal::from(won + lost) / c)
            .map(round2),
        _ => None,
    };
    Ok(Velocity {
        open,
        won,
        lost,
        win_rate,
        average_won: average_won.map(round2),
        cycle_days: cycle.map(round2),
        per_day,
    })
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct Rotting {
    pub opportunity_id: String,
    pub customer_id: String,
    pub owner_id: Option<String>,
    pub stage: String,
    /// The later of entering the stage and the last activity.
    pub since: DateTime<Utc>,
    /// Whole days idle at `now`.
    pub idle_days: i64,
    pub rot_days: u32,
}

/// Open opportunities idle in their stage for at least the stage's `rot_days`, longest idle first.
pub fn rotting(
    opportunities: &[Opportunity],
    pipelines: &[Pipeline],
    now: DateTime<Utc>,
) -> Vec<Rotting> {
    let mut out: Vec<Rotting> = opportunities
        .iter()
        .filter(|o| o.status == OpportunityStatus::Open)
        .filter_map(|o| {
            let p = pipelines.iter().find(|p| p.id == o.pipeline_id)?;
            let limit = p.stage(&o.stage).ok()?.rot_days?;
            let since = o
                .stage_since()?
                .max(o.last_activity_at.unwrap_or(o.created_at));
            let idle_days = (now - since).num_days();
            (idle_days >= i64::from(limit)).then(|| Rotting {
                opportunity_id: o.id.clone(),
                customer_id: o.customer_id.clone(),
                owner_id: o.owner_id.clone(),
                stage: o.stage.clone(),
                since,
                idle_days,
                rot_days: limit,
            })
        })
        .collect();
    out.sort_by(|a, b| {
        b.idle_days
            .cmp(&a.idle_days)
            .then_with(|| crate::ids::record_order(&a.opportunity_id, &b.opportunity_id))
    });
    out
}
