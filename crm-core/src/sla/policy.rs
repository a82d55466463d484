//! SLA policies: targets per priority and metric, in business or calendar time.

use crate::error::{CrmError, Result};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// What is being timed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[serde(rename_all = "snake_case")]
pub enum SlaMetric {
    FirstResponse,
    NextResponse,
    Resolution,
}

/// Whether a target counts only working time of the calendar or all time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[serde(rename_all = "snake_case")]
pub enum SlaTimeBasis {
    Business,
    Calendar,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[serde(deny_unknown_fields)]
pub struct SlaTarget {
    pub minutes: i64,
    pub basis: SlaTimeBasis,
}

/// What a priority change does to a running clock.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[serde(rename_all = "snake_case")]
pub enum OnPriorityChange {
    /// The new priority's target applies to the cycle from its start (the default).
    #[default]
    Recompute,
    /// The target in force when the cycle started stays.
    Keep,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[serde(deny_unknown_fields)]
pub struct SlaPolicy {
    pub name: String,
    /// Priority name (e.g. "urgent") to the target of each metric it has.
    pub targets: BTreeMap<String, BTreeMap<SlaMetric, SlaTarget>>,
    /// A clock enters `warning` once this share of its target is used (percent, 1..=100).
    pub warn_at_percent: u32,
    /// Ticket statuses in which clocks stand still (e.g. "waiting_on_customer").
    pub pause_statuses: BTreeSet<String>,
    #[serde(default)]
    pub on_priority_change: OnPriorityChange,
}

/// Ten years of minutes: a longer target is a typo, and ten years keeps every clock's arithmetic
/// in range.
pub const MAX_TARGET_MINUTES: i64 = 10 * 366 * 24 * 60;

impl SlaPolicy {
    pub fn validate(&self) -> Result<()> {
        if !(1..=100).contains(&self.warn_at_percent) {
            return Err(CrmError::invalid(
                "warn_at_percent",
                "must lie between 1 and 100",
            ));
        }
        for (priority, metrics) in &self.targets {
            for (metric, target) in metrics {
                if !(1..=MAX_TARGET_MINUTES).contains(&target.minutes) {
                    return Err(CrmError::invalid(
                        "targets",
                        format!(
                            "{priority}/{metric:?}: a target must be from 1 to {MAX_TARGET_MINUTES} minutes (ten years)"
                        ),
                    ));
                }
            }
        }
        Ok(())
    }

    pub fn target(&self, priority: &str, metric: SlaMetric) -> Result<SlaTarget> {
        self.targets
            .get(priority)
            .and_then(|m| m.get(&metric))
            .copied()
            .ok_or_else(|| {
                CrmError::invalid(
                    "priority",
                    format!(
                        "policy {:?} has no {metric:?} target for priority {priority:?}",
                        self.name
                    ),
                )
            })
    }
}
