//! Recycling (回收): when an owned customer falls due to go back to its pool, by which rule, and
//! the figures that say why. A rule is a pure function of the pool's rules, the customer and `now`.

use super::PoolRules;
use crate::access::UserId;
use crate::customer::{Customer, CustomerId, CustomerStatus, DealStatus, PoolId};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[serde(rename_all = "snake_case")]
pub enum RecycleKind {
    /// No follow-up for N days; clock = max(last follow-up, owned since).
    NoFollowUp,
    /// No won deal for N days since owned since.
    NoWonDeal,
    /// No open opportunity for N days since owned since.
    NoOpenOpportunity,
}

impl RecycleKind {
    /// The stable name, as in configuration and events.
    pub fn as_str(self) -> &'static str {
        match self {
            RecycleKind::NoFollowUp => "no_follow_up",
            RecycleKind::NoWonDeal => "no_won_deal",
            RecycleKind::NoOpenOpportunity => "no_open_opportunity",
        }
    }

    pub fn describe(self) -> &'static str {
        match self {
            RecycleKind::NoFollowUp => "no follow-up",
            RecycleKind::NoWonDeal => "no won deal",
            RecycleKind::NoOpenOpportunity => "no open opportunity",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[serde(deny_unknown_fields)]
pub struct RecycleRule {
    pub kind: RecycleKind,
    /// Days of 24 hours after the rule's clock starts.
    pub days: u32,
    /// Days for customers of a given level, instead of `days`.
    #[serde(default)]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub days_by_level: BTreeMap<String, u32>,
}

impl RecycleRule {
    pub fn days_for(&self, level: Option<&str>) -> u32 {
        level
            .and_then(|l| self.days_by_level.get(l))
            .copied()
            .unwrap_or(self.days)
    }

    /// The fewest days this rule waits for any level.
    pub fn min_days(&self) -> u32 {
        self.days_by_level
            .values()
            .copied()
            .fold(self.days, u32::min)
    }
}

/// When a customer falls due under the first rule to run out, and the figures behind it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct RecycleDue {
    pub rule: RecycleKind,
    pub days: u32,
    pub level: Option<String>,
    /// When the rule's clock started (last follow-up or start of ownership).
    pub clock_start: DateTime<Utc>,
    /// When the rule runs out.
    pub due_at: DateTime<Utc>,
    /// A lock that holds the customer past `due_at`.
    pub locked_until: Option<DateTime<Utc>>,
}

impl RecycleDue {
    /// When a sweep recycles the customer: the rule's due time, or the end of the lock if later.
    pub fn recycle_at(&self) -> DateTime<Utc> {
        self.locked_until
            .map_or(self.due_at, |l| l.max(self.due_at))
    }

    /// The sentence recorded with the event.
    pub fn explain(&self) -> String {
        let level = match &self.level {
            Some(l) => format!(" for level {l}"),
            None => String::new(),
        };
        let start = match self.rule {
            RecycleKind::NoFollowUp => "last follow-up or start of ownership",
            _ => "start of ownership",
        };
        let lock = match self.locked_until {
            Some(l) if l > self.due_at => format!(", held by a lock until {}", l.to_rfc3339()),
            _ => String::new(),
        };
        format!(
            "{} for {} days{level}: {start} {}, due {}{lock}",
            self.rule.describe(),
            self.days,
            self.clock_start.to_rfc3339(),
            self.due_at.to_rfc3339()
        )
    }
}

/// When a sweep will recycle `c` under the pool's rules, or `None` when no rule ever will as
/// things stand: not owned, exempt (won, an open opportunity, as the rules say) or locked with no
/// end. It needs no `now`: a lock only moves the moment to the lock's end, so the answer can be
/// stored with the customer and indexed, and a sweep reads only what is due.
pub fn evaluate(rules: &PoolRules, c: &Customer) -> Option<RecycleDue> {
    let owned_since = c.owned_since?;
    if c.owner_id.is_none() || c.status != CustomerStatus::Active {
        return None;
    }
    if (rules.exempt_won && c.deal_status == DealStatus::Won)
        || (rules.exempt_open_opportunity && c.open_opportunities > 0)
    {
        return None;
    }
    let locked_until = if c.locked {
        Some(c.locked_until?)
    } else {
        None
    };
    let mut best: Option<RecycleDue> = None;
    for rule in &rules.recycle {
        let clock_start = match rule.kind {
            RecycleKind::NoFollowUp => c.follow_up_clock()?,
            RecycleKind::NoWonDeal if c.last_won_at.is_some_and(|w| w >= owned_since) => continue,
            RecycleKind::NoOpenOpportunity if c.open_opportunities > 0 => continue,
            RecycleKind::NoWonDeal | RecycleKind::NoOpenOpportunity => owned_since,
        };
        let days = rule.days_for(c.level.as_deref());
        let due_at = crate::clock::after_days(clock_start, i64::from(days));
        if best.as_ref().is_none_or(|b| due_at < b.due_at) {
            best = Some(RecycleDue {
                rule: rule.kind,
                days,
                level: c.level.clone(),
                clock_start,
                due_at,
                locked_until,
            });
        }
    }
    best
}

/// A customer returned to its pool by a sweep.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct Recycled {
    pub customer_id: CustomerId,
    pub customer_name: String,
    pub owner_id: UserId,
    pub pool_id: PoolId,
    pub due: RecycleDue,
}

/// A customer that a rule will recycle within the pool's `warn_days`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct RecycleWarning {
    pub customer_id: CustomerId,
    pub customer_name: String,
    pub owner_id: UserId,
    pub pool_id: PoolId,
    pub due: RecycleDue,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct SweepReport {
    pub at: DateTime<Utc>,
    /// Customers the index offered as possibly due.
    pub examined: u64,
    pub recycled: Vec<Recycled>,
}
