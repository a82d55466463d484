//! The public pool (公海): pools and their members, the limits on claiming (领取), recycling
//! (回收) and ownership protection (保护), as data and pure rules. Section 3 of DOMAIN.md.

mod limits;
mod recycle;

pub use limits::{
    check_claim, check_lock, lock_until, CapScope, ClaimContext, ClaimPolicy, LockPolicy,
    OwnershipCap,
};
pub use recycle::{
    evaluate, RecycleDue, RecycleKind, RecycleRule, RecycleWarning, Recycled, SweepReport,
};

use crate::access::{TeamId, User, UserId};
use crate::customer::PoolId;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// A pool with its members, admins and rules. Customers are in it when they have no owner and
/// their `pool_id` names it; owned customers whose `pool_id` names it return to it when recycled.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct Pool {
    pub id: PoolId,
    pub name: String,
    /// Users who may claim from it.
    pub member_ids: Vec<UserId>,
    /// Teams whose members may claim from it.
    pub member_team_ids: Vec<TeamId>,
    /// Users who may manage it (move customers in and out); organisation admins always may.
    pub admin_ids: Vec<UserId>,
    #[serde(default)]
    pub rules: PoolRules,
    pub created_at: DateTime<Utc>,
    pub version: u64,
}

/// The timing rules of one pool.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[serde(default)]
#[serde(deny_unknown_fields)]
pub struct PoolRules {
    /// The previous owner may not re-claim a customer for this many days after it was recycled
    /// or released (0: no cool-down).
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub cool_down_days: u32,
    /// A customer newly put into the pool cannot be claimed for this many hours (0: at once).
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub waiting_hours: u32,
    /// Enabled recycling rules for customers whose pool this is; any one matching recycles.
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub recycle: Vec<RecycleRule>,
    /// Won customers are never recycled.
    #[cfg_attr(feature = "uniffi", uniffi(default = true))]
    pub exempt_won: bool,
    /// Customers with an open opportunity are never recycled.
    #[cfg_attr(feature = "uniffi", uniffi(default = true))]
    pub exempt_open_opportunity: bool,
    /// Owners are warned this many days before a rule recycles a customer (0: no warnings).
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub warn_days: u32,
}

impl Default for PoolRules {
    fn default() -> Self {
        PoolRules {
            cool_down_days: 0,
            waiting_hours: 0,
            recycle: Vec::new(),
            exempt_won: true,
            exempt_open_opportunity: true,
            warn_days: 0,
        }
    }
}

/// What `update_pool_rules` changes: each rule given replaces that rule; rules left out stay.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[serde(deny_unknown_fields)]
pub struct PoolRulesPatch {
    #[serde(default)]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub cool_down_days: Option<u32>,
    #[serde(default)]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub waiting_hours: Option<u32>,
    /// Replaces the whole list of recycling rules.
    #[serde(default)]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub recycle: Option<Vec<RecycleRule>>,
    #[serde(default)]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub exempt_won: Option<bool>,
    #[serde(default)]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub exempt_open_opportunity: Option<bool>,
    #[serde(default)]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub warn_days: Option<u32>,
}

/// A patch that gives every rule: the whole rule set replaced.
impl From<PoolRules> for PoolRulesPatch {
    fn from(r: PoolRules) -> Self {
        PoolRulesPatch {
            cool_down_days: Some(r.cool_down_days),
            waiting_hours: Some(r.waiting_hours),
            recycle: Some(r.recycle),
            exempt_won: Some(r.exempt_won),
            exempt_open_opportunity: Some(r.exempt_open_opportunity),
            warn_days: Some(r.warn_days),
        }
    }
}

impl PoolRulesPatch {
    pub fn apply(self, current: &PoolRules) -> PoolRules {
        PoolRules {
            cool_down_days: self.cool_down_days.unwrap_or(current.cool_down_days),
            waiting_hours: self.waiting_hours.unwrap_or(current.waiting_hours),
            recycle: self.recycle.unwrap_or_else(|| current.recycle.clone()),
            exempt_won: self.exempt_won.unwrap_or(current.exempt_won),
            exempt_open_opportunity: self
                .exempt_open_opportunity
                .unwrap_or(current.exempt_open_opportunity),
            warn_days: self.warn_days.unwrap_or(current.warn_days),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[serde(deny_unknown_fields)]
pub struct NewPool {
    pub name: String,
    #[serde(default)]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub member_ids: Vec<UserId>,
    #[serde(default)]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub member_team_ids: Vec<TeamId>,
    #[serde(default)]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub admin_ids: Vec<UserId>,
    #[serde(default)]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub rules: PoolRules,
}

impl Pool {
    /// Whether `user` may claim from this pool.
    pub fn is_member(&self, user: &User) -> bool {
        self.member_ids.contains(&user.id)
            || user
                .team_id
                .as_ref()
                .is_some_and(|t| self.member_team_ids.contains(t))
            || self.is_admin(user)
    }

    /// Whether `user` may manage this pool's customers and settings.
    pub fn is_admin(&self, user: &User) -> bool {
        user.role == crate::access::Role::Admin || self.admin_ids.contains(&user.id)
    }
}
