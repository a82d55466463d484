//! Commission plans: the data, its TOML form and the checks that refuse a plan that cannot pay.

use crate::error::{CrmError, Result};
use rust_decimal::{Decimal, RoundingStrategy};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[serde(rename_all = "snake_case")]
pub enum CommissionBase {
    /// The deal amount when won.
    Booked,
    /// Cash received (回款).
    Collected,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[serde(rename_all = "snake_case")]
pub enum CommissionPeriod {
    Month,
    Quarter,
}

impl CommissionPeriod {
    pub fn as_str(self) -> &'static str {
        match self {
            CommissionPeriod::Month => "month",
            CommissionPeriod::Quarter => "quarter",
        }
    }
}

/// A slice of the period base total, from `from` to `to` (open-ended when `None`), at `rate` %.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct CommissionTier {
    pub lower: Decimal,
    #[serde(default)]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub upper: Option<Decimal>,
    pub rate: Decimal,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum CommissionRates {
    /// `rate` % of the base.
    Flat { rate: Decimal },
    /// A fixed amount per deal (prorated by payment in collected plans).
    PerDeal { amount: Decimal },
    /// Each slice at its own rate, like income tax.
    Graduated { tiers: Vec<CommissionTier> },
    /// The whole base at the rate of the tier the period total reaches.
    Retroactive { tiers: Vec<CommissionTier> },
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[serde(rename_all = "snake_case")]
pub enum TierBoundary {
    /// A total exactly on a boundary belongs to the lower tier.
    #[default]
    Lower,
    Upper,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct CommissionQuota {
    /// The quota of every rep without their own.
    #[serde(default)]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub default: Option<Decimal>,
    #[serde(default)]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub reps: BTreeMap<String, Decimal>,
}

/// From `min_attainment` % of quota on, commission is multiplied by `multiplier` (above 1: an
/// accelerator, below: a decelerator).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct QuotaBand {
    pub min_attainment: Decimal,
    pub multiplier: Decimal,
}

/// Below `min_attainment` % of quota the period's commission is multiplied by `factor`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct CommissionGate {
    pub min_attainment: Decimal,
    #[serde(default)]
    pub factor: Decimal,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct CommissionDraw {
    pub amount: Decimal,
    pub recoverable: bool,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[serde(rename_all = "snake_case")]
pub enum RoundingMode {
    #[default]
    HalfEven,
    HalfUp,
    HalfDown,
    /// Toward zero.
    Down,
    /// Away from zero.
    Up,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct CommissionRounding {
    #[serde(default = "two")]
    #[cfg_attr(feature = "uniffi", uniffi(default = 2))]
    pub scale: u32,
    #[serde(default)]
    pub mode: RoundingMode,
}

fn two() -> u32 {
    2
}

impl Default for CommissionRounding {
    fn default() -> Self {
        CommissionRounding {
            scale: 2,
            mode: RoundingMode::HalfEven,
        }
    }
}

impl CommissionRounding {
    pub fn round(&self, d: Decimal) -> Decimal {
        let strategy = match self.mode {
            RoundingMode::HalfEven => RoundingStrategy::MidpointNearestEven,
            RoundingMode::HalfUp => RoundingStrategy::MidpointAwayFromZero,
            RoundingMode::HalfDown => RoundingStrategy::MidpointTowardZero,
            RoundingMode::Down => RoundingStrategy::ToZero,
            RoundingMode::Up => RoundingStrategy::AwayFromZero,
        };
        let mut rounded = d.round_dp_with_strategy(self.scale, strategy);
        rounded.rescale(self.scale);
        rounded
    }
}

fn clawback_default() -> u32 {
    90
}

fn won_stage() -> String {
    "won".to_string()
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct CommissionPlan {
    pub name: String,
    pub base: CommissionBase,
    pub period: CommissionPeriod,
    pub rates: CommissionRates,
    #[serde(default)]
    pub boundary: TierBoundary,
    #[serde(default)]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub quota: Option<CommissionQuota>,
    #[serde(default)]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub bands: Vec<QuotaBand>,
    #[serde(default)]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub gate: Option<CommissionGate>,
    #[serde(default)]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub deal_cap: Option<Decimal>,
    #[serde(default)]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub deal_floor: Option<Decimal>,
    #[serde(default)]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub period_cap: Option<Decimal>,
    #[serde(default)]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub period_floor: Option<Decimal>,
    #[serde(default = "clawback_default")]
    #[cfg_attr(feature = "uniffi", uniffi(default = 90))]
    pub clawback_days: u32,
    #[serde(default)]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub draw: Option<CommissionDraw>,
    #[serde(default)]
    pub rounding: CommissionRounding,
    /// The pipeline stage whose entry books a deal (for credits taken from opportunities).
    #[serde(default = "won_stage")]
    #[cfg_attr(feature = "uniffi", uniffi(default = "won"))]
    pub booked_stage: String,
}

/// Reads a plan from TOML (decimals as strings) and checks it.
pub fn parse_plan(text: &str) -> Result<CommissionPlan> {
    let plan: CommissionPlan = toml::from_str(text)
        .map_err(|e| CrmError::invalid("plan", e.to_string().trim().replace('\n', " ")))?;
    plan.validate()?;
    Ok(plan)
}

fn bad(field: impl Into<String>, reason: impl Into<String>) -> CrmError {
    CrmError::invalid(field, reason)
}

fn not_negative(field: &str, d: Option<Decimal>) -> Result<()> {
    match d {
        Some(d) if d.is_sign_negative() && !d.is_zero() => Err(bad(field, "must not be negative")),
        _ => Ok(()),
    }
}

impl CommissionPlan {
    /// Refuses a plan that cannot pay, naming the field: overlapping or gapped tiers, negative
    /// rates or amounts, bands or a gate without a quota, a floor above its cap.
    pub fn validate(&self) -> Result<()> {
        if self.name.trim().is_empty() {
            return Err(bad("name", "must not be empty"));
        }
        match &self.rates {
            CommissionRates::Flat { rate } => not_negative("rates.rate", Some(*rate))?,
            CommissionRates::PerDeal { amount } => not_negative("rates.amount", Some(*amount))?,
            CommissionRates::Graduated { tiers } | CommissionRates::Retroactive { tiers } => {
                check_tiers(tiers)?
            }
        }
        for (i, b) in self.bands.iter().enumerate() {
            not_negative(
                &format!("bands[{i}].min_attainment"),
                Some(b.min_attainment),
            )?;
            not_negative(&format!("bands[{i}].multiplier"), Some(b.multiplier))?;
            if self.bands[..i]
                .iter()
                .any(|o| o.min_attainment == b.min_attainment)
            {
                return Err(bad(
                    format!("bands[{i}].min_attainment"),
                    "two bands start at the same attainment",
                ));
            }
        }
        if let Some(g) = &self.gate {
            not_negative("gate.min_attainment", Some(g.min_attainment))?;
            if g.factor.is_sign_negative() || g.factor > Decimal::ONE {
                return Err(bad("gate.factor", "must lie between 0 and 1"));
            }
        }
        let has_quota = self
            .quota
            .as_ref()
            .is_some_and(|q| q.default.is_some() || !q.reps.is_empty());
        if (!self.bands.is_empty() || self.gate.is_some()) && !has_quota {
            return Err(bad(
                "quota",
                "bands and gates measure attainment: give a quota",
            ));
        }
        if let Some(q) = &self.quota {
            for (rep, amount) in q
                .default
                .iter()
                .map(|a| ("default", a))
                .chain(q.reps.iter().map(|(r, a)| (r.as_str(), a)))
            {
                if *amount <= Decimal::ZERO {
                    return Err(bad(format!("quota.{rep}"), "must be positive"));
                }
            }
        }
        for (field, v) in [
            ("deal_cap", self.deal_cap),
            ("deal_floor", self.deal_floor),
            ("period_cap", self.period_cap),
            ("period_floor", self.period_floor),
        ] {
            not_negative(field, v)?;
        }
        for (floor, cap, name) in [
            (self.deal_floor, self.deal_cap, "deal_floor"),
            (self.period_floor, self.period_cap, "period_floor"),
        ] {
            if let (Some(f), Some(c)) = (floor, cap) {
                if f > c {
                    return Err(bad(name, "lies above its cap"));
                }
            }
        }
        if let Some(d) = &self.draw {
            not_negative("draw.amount", Some(d.amount))?;
        }
        if self.rounding.scale > 10 {
            return Err(bad("rounding.scale", "at most 10 places"));
        }
        Ok(())
    }

    /// Refuses a `booked_stage` that is not one of `known` (a pipeline's stage keys).
    pub fn validate_stages(&self, known: &[&str]) -> Result<()> {
        if known.contains(&self.booked_stage.as_str()) {
            Ok(())
        } else {
            Err(bad(
                "booked_stage",
                format!(
                    "unknown stage {:?} (stages: {})",
                    self.booked_stage,
                    known.join(", ")
                ),
            ))
        }
    }

    pub fn quota_of(&self, rep: &str) -> Option<Decimal> {
        let q = self.quota.as_ref()?;
        q.reps.get(rep).copied().or(q.default)
    }
}

fn check_tiers(tiers: &[CommissionTier]) -> Result<()> {
    if tiers.is_empty() {
        return Err(bad("rates.tiers", "needs at least one tier"));
    }
    let mut expected = Decimal::ZERO;
    for (i, t) in tiers.iter().enumerate() {
        let field = |f: &str| format!("rates.tiers[{i}].{f}");
        not_negative(&field("rate"), Some(t.rate))?;
        if t.lower < expected {
            return Err(bad(
                field("lower"),
                format!("overlaps the previous tier, which ends at {expected}"),
            ));
        }
        if t.lower > expected {
            return Err(bad(
                field("lower"),
                format!("leaves a gap after {expected}"),
            ));
        }
        match t.upper {
            Some(to) if to <= t.lower => {
                return Err(bad(field("upper"), "must lie above lower"));
            }
            Some(to) => expected = to,
            None if i + 1 < tiers.len() => {
                return Err(bad(field("to"), "only the last tier may be open-ended"));
            }
            None => {}
        }
    }
    Ok(())
}
