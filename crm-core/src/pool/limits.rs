//! Claim limits and lock limits as pure checks: the service loads the counts, these decide.

use super::Pool;
use crate::access::{TeamId, User, UserId};
use crate::customer::Customer;
use crate::error::{CrmError, Result};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

/// Organisation-wide claim limits (each optional).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[serde(default)]
#[serde(deny_unknown_fields)]
pub struct ClaimPolicy {
    /// Claims per rep per local day, across all pools.
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub daily_limit: Option<u64>,
    /// Caps on customers owned per rep; the strictest that matches a rep applies.
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub caps: Vec<OwnershipCap>,
}

/// Whom a cap applies to; each matching rep may own at most `max_owned` customers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum CapScope {
    Everyone,
    Team { team_id: TeamId },
    Rep { user_id: UserId },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[serde(deny_unknown_fields)]
pub struct OwnershipCap {
    pub scope: CapScope,
    pub max_owned: u64,
    /// Whether won customers count against the cap.
    #[serde(default)]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub count_won: bool,
}

impl OwnershipCap {
    fn applies_to(&self, user: &User) -> bool {
        match &self.scope {
            CapScope::Everyone => true,
            CapScope::Team { team_id } => user.team_id.as_ref() == Some(team_id),
            CapScope::Rep { user_id } => &user.id == user_id,
        }
    }

    fn name(&self) -> &'static str {
        match self.scope {
            CapScope::Everyone => "everyone",
            CapScope::Team { .. } => "team",
            CapScope::Rep { .. } => "rep",
        }
    }
}

/// Organisation-wide protection limits.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[serde(default)]
#[serde(deny_unknown_fields)]
pub struct LockPolicy {
    /// Locked customers per rep.
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub max_locked: Option<u64>,
    /// The longest a lock may last.
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub max_days: Option<u32>,
}

/// What a claim is checked against: the claimer's counts before this customer.
pub struct ClaimContext<'a> {
    pub actor: &'a User,
    /// The customer's pool, when it sits in one.
    pub pool: Option<&'a Pool>,
    pub customer: &'a Customer,
    pub now: DateTime<Utc>,
    pub today: NaiveDate,
    pub claims_today: u64,
    pub owned: u64,
    pub owned_won: u64,
}

/// Whether `cx.actor` may claim `cx.customer` now, first refusal wins.
pub fn check_claim(policy: &ClaimPolicy, cx: &ClaimContext<'_>) -> Result<()> {
    let c = cx.customer;
    if let Some(owner) = &c.owner_id {
        return Err(CrmError::AlreadyOwned {
            customer_id: c.id.clone(),
            owner_id: owner.clone(),
        });
    }
    let pool = match cx.pool {
        Some(p) if c.in_pool() && c.pool_id.as_ref() == Some(&p.id) => p,
        _ => {
            return Err(CrmError::InvalidState {
                reason: format!("customer {} is not in a pool", c.id),
            })
        }
    };
    if !pool.is_member(cx.actor) {
        return Err(CrmError::PermissionDenied {
            actor: cx.actor.id.clone(),
            action: format!("claim from pool {}", pool.id),
        });
    }
    let rules = &pool.rules;
    if let Some(pooled) = c.pooled_at {
        let until = crate::clock::after_hours(pooled, i64::from(rules.waiting_hours));
        if rules.waiting_hours > 0 && cx.now < until {
            return Err(CrmError::WaitingPeriod {
                customer_id: c.id.clone(),
                until,
            });
        }
    }
    // Records stored before `released_at` existed count from `pooled_at`, as they did then.
    if let Some(released) = c.released_at.or(c.pooled_at) {
        let until = crate::clock::after_days(released, i64::from(rules.cool_down_days));
        if rules.cool_down_days > 0
            && c.previous_owner_id.as_ref() == Some(&cx.actor.id)
            && cx.now < until
        {
            return Err(CrmError::CoolDown {
                customer_id: c.id.clone(),
                user_id: cx.actor.id.clone(),
                until,
            });
        }
    }
    if let Some(limit) = policy.daily_limit {
        if cx.claims_today >= limit {
            return Err(CrmError::DailyLimitReached {
                user_id: cx.actor.id.clone(),
                limit,
                date: cx.today,
            });
        }
    }
    let strictest = policy
        .caps
        .iter()
        .filter(|cap| cap.applies_to(cx.actor))
        .map(|cap| {
            let owned = if cap.count_won {
                cx.owned
            } else {
                cx.owned - cx.owned_won.min(cx.owned)
            };
            (cap, owned)
        })
        .min_by_key(|(cap, owned)| cap.max_owned.saturating_sub(*owned));
    if let Some((cap, owned)) = strictest {
        if owned >= cap.max_owned {
            return Err(CrmError::OwnershipCapReached {
                user_id: cx.actor.id.clone(),
                cap: cap.name().to_string(),
                limit: cap.max_owned,
                owned,
            });
        }
    }
    Ok(())
}

/// Whether an owner with `locked` customers locked may lock one more.
pub fn check_lock(policy: &LockPolicy, owner_id: &str, locked: u64) -> Result<()> {
    match policy.max_locked {
        Some(limit) if locked >= limit => Err(CrmError::LockLimitReached {
            user_id: owner_id.to_string(),
            limit,
        }),
        _ => Ok(()),
    }
}

/// When a lock asked for `days` (or open-ended) ends under the policy's maximum.
pub fn lock_until(
    policy: &LockPolicy,
    days: Option<u32>,
    now: DateTime<Utc>,
) -> Result<Option<DateTime<Utc>>> {
    if days == Some(0) {
        return Err(CrmError::invalid("days", "a lock lasts at least one day"));
    }
    let days = match (days, policy.max_days) {
        (Some(d), Some(max)) => Some(d.min(max)),
        (d, max) => d.or(max),
    };
    Ok(days.map(|d| crate::clock::after_days(now, i64::from(d))))
}
