//! Pools (公海): membership, claims with their limits, release, moves between pools, locks,
//! recycling sweeps and warnings. Claims are conditional writes inside one transaction, so two
//! reps racing for a customer cannot both own it: the loser sees `AlreadyOwned`.

use super::{check_expected, non_empty, Crm, Ctx};
use crate::customer::{Customer, CustomerId, CustomerStatus, DealStatus};
use crate::error::{CrmError, EntityKind, Result};
use crate::event::{EventKind, OwnershipReason};
use crate::limits::Bounded;
use crate::pool::{
    check_claim, check_lock, evaluate, lock_until, ClaimContext, NewPool, Pool, PoolRules,
    PoolRulesPatch, RecycleWarning, Recycled, SweepReport,
};
use crate::store::{CustomerQuery, Doc, DocKind, Tx};
use chrono::{DateTime, Utc};
use std::collections::{BTreeMap, BTreeSet};

pub(super) fn load_pool(tx: &mut dyn Tx, id: &str) -> Result<Pool> {
    super::load(tx, DocKind::Pool, id)
}

fn save_pool(tx: &mut dyn Tx, pool: &Pool) -> Result<()> {
    tx.put_doc(Doc::new(DocKind::Pool, &pool.id, None, pool.version, pool)?)
}

fn validate_rules(rules: &PoolRules) -> Result<()> {
    let mut kinds = BTreeSet::new();
    for rule in &rules.recycle {
        if rule.min_days() == 0 {
            return Err(CrmError::invalid(
                "rules.recycle",
                format!("{} must wait at least one day", rule.kind.describe()),
            ));
        }
        if !kinds.insert(format!("{:?}", rule.kind)) {
            return Err(CrmError::invalid(
                "rules.recycle",
                format!("{} is configured twice", rule.kind.describe()),
            ));
        }
    }
    Ok(())
}

/// The claimer's daily counter: a versioned document per rep and local day.
fn claims_key(user_id: &str, day: chrono::NaiveDate) -> String {
    format!("claims/{user_id}/{day}")
}

fn counter(tx: &mut dyn Tx, key: &str) -> Result<(u64, u64)> {
    Ok(match tx.doc(DocKind::Counter, key)? {
        Some(doc) => (doc.decode()?, doc.version),
        None => (0, 0),
    })
}

fn owned_counts(tx: &mut dyn Tx, user_id: &str, now: DateTime<Utc>) -> Result<(u64, u64, u64)> {
    let owned = tx.customers(&CustomerQuery {
        owners: Some(vec![user_id.to_string()]),
        ..CustomerQuery::default()
    })?;
    let won = owned
        .iter()
        .filter(|c| c.deal_status == DealStatus::Won)
        .count();
    let locked = owned.iter().filter(|c| c.is_locked_at(now)).count();
    Ok((owned.len() as u64, won as u64, locked as u64))
}

/// Clears the owner and puts the customer into `pool_id`.
fn to_pool(
    cx: &mut Ctx<'_>,
    c: &mut Customer,
    pool_id: &str,
    cause: OwnershipReason,
    why: &str,
) -> Result<()> {
    let from = c.owner_id.take();
    if from.is_some() {
        c.released_at = Some(cx.now);
    }
    c.previous_owner_id = from.clone().or(c.previous_owner_id.take());
    c.pool_id = Some(pool_id.to_string());
    c.pooled_at = Some(cx.now);
    c.owned_since = None;
    c.locked = false;
    c.locked_until = None;
    c.updated_at = cx.now;
    c.version += 1;
    cx.save_customer(c)?;
    cx.emit(
        EventKind::OwnerChanged {
            customer_id: c.id.clone(),
            from_owner_id: from,
            to_owner_id: None,
            cause,
        },
        why,
    )?;
    Ok(())
}

impl Crm {
    pub fn create_pool(&self, actor: &str, new: NewPool) -> Result<Pool> {
        new.check_bounds()?;
        self.act(actor, |cx| {
            cx.require_admin("create pools")?;
            let name = non_empty("name", &new.name)?;
            validate_rules(&new.rules)?;
            for id in new.member_ids.iter().chain(&new.admin_ids) {
                cx.user(id)?;
            }
            for id in &new.member_team_ids {
                cx.tx
                    .team(id)?
                    .ok_or_else(|| CrmError::not_found(EntityKind::Team, id))?;
            }
            let pool = Pool {
                id: cx.new_id("p")?,
                name,
                member_ids: new.member_ids,
                member_team_ids: new.member_team_ids,
                admin_ids: new.admin_ids,
                rules: new.rules,
                created_at: cx.now,
                version: 1,
            };
            save_pool(cx.tx, &pool)?;
            cx.emit(
                EventKind::PoolCreated {
                    pool_id: pool.id.clone(),
                },
                format!("pool {:?} created", pool.name),
            )?;
            Ok(pool)
        })
    }

    /// Pools the actor belongs to or manages (administrators: all).
    pub fn pools(&self, actor: &str) -> Result<Vec<Pool>> {
        self.look(actor, |cx| {
            let mut out = Vec::new();
            for doc in cx.tx.docs(DocKind::Pool, None)? {
                let pool: Pool = doc.decode()?;
                if pool.is_member(&cx.actor) {
                    out.push(pool);
                }
            }
            Ok(out)
        })
    }

    pub fn update_pool_rules(
        &self,
        actor: &str,
        pool_id: &str,
        expected_version: u64,
        patch: PoolRulesPatch,
    ) -> Result<Pool> {
        patch.check_bounds()?;
        self.act(actor, |cx| {
            let mut pool = load_pool(cx.tx, pool_id)?;
            if !pool.is_admin(&cx.actor) {
                return Err(cx.denied(&format!("change the rules of pool {pool_id}")));
            }
            check_expected(EntityKind::Pool, pool_id, expected_version, pool.version)?;
            let rules = patch.apply(&pool.rules);
            validate_rules(&rules)?;
            pool.rules = rules;
            pool.version += 1;
            save_pool(cx.tx, &pool)?;
            reschedule(cx)?;
            cx.emit(
                EventKind::PoolUpdated {
                    pool_id: pool.id.clone(),
                },
                "pool rules changed",
            )?;
            Ok(pool)
        })
    }

    /// Deletes an empty pool; a pool with customers in it is refused.
    pub fn delete_pool(&self, actor: &str, pool_id: &str) -> Result<()> {
        self.act(actor, |cx| {
            cx.require_admin("delete pools")?;
            let pool = load_pool(cx.tx, pool_id)?;
            // Refused while anything still leads there: customers in it or recycled to it, the
            // default pool setting, or an allocation rule.
            let homed = cx
                .tx
                .customers(&CustomerQuery::default())?
                .into_iter()
                .filter(|c| c.pool_id.as_deref() == Some(pool_id))
                .count();
            if homed > 0 {
                return Err(CrmError::InvalidState {
                    reason: format!(
                        "pool {pool_id} still holds or receives {homed} customer(s); move them first"
                    ),
                });
            }
            if cx.tx.settings()?.unwrap_or_default().default_pool_id.as_deref() == Some(pool_id) {
                return Err(CrmError::InvalidState {
                    reason: format!("pool {pool_id} is the default pool"),
                });
            }
            for doc in cx.tx.docs(DocKind::Lead, None)? {
                let lead: crate::lead::Lead = doc.decode()?;
                if lead.pool_id.as_deref() == Some(pool_id) && lead.owner_id.is_none() {
                    return Err(CrmError::InvalidState {
                        reason: format!("lead {} waits in pool {pool_id}", lead.id),
                    });
                }
            }
            for doc in cx.tx.docs(DocKind::Allocator, None)? {
                let allocator: crate::allocation::Allocator = doc.decode()?;
                if allocator.strategy.targets_pool(pool_id) {
                    return Err(CrmError::InvalidState {
                        reason: format!("allocator {} places leads in pool {pool_id}", allocator.id),
                    });
                }
            }
            cx.tx.delete_doc(DocKind::Pool, pool_id, pool.version)?;
            reschedule(cx)?;
            cx.emit(
                EventKind::PoolDeleted {
                    pool_id: pool_id.to_string(),
                },
                format!("pool {:?} deleted", pool.name),
            )?;
            Ok(())
        })
    }

    /// The customers waiting in a pool, for its members, in id order.
    pub fn pool_customers(&self, actor: &str, pool_id: &str) -> Result<Vec<Customer>> {
        self.look(actor, |cx| {
            let pool = load_pool(cx.tx, pool_id)?;
            if !pool.is_member(&cx.actor) {
                return Err(cx.denied(&format!("see pool {pool_id}")));
            }
            let mut inside = cx.tx.customers(&CustomerQuery {
                in_pool: Some(pool_id.to_string()),
                ..CustomerQuery::default()
            })?;
            inside.sort_by(|a, b| crate::ids::record_order(&a.id, &b.id));
            Ok(inside)
        })
    }

    pub fn claim_customer(&self, actor: &str, customer_id: &str) -> Result<Customer> {
        let mut claimed = self.claim_customers(actor, &[customer_id.to_string()])?;
        Ok(claimed.remove(0))
    }

    /// Claims every customer in the list, or none: the first refusal fails the whole batch.
    pub fn claim_customers(
        &self,
        actor: &str,
        customer_ids: &[CustomerId],
    ) -> Result<Vec<Customer>> {
        crate::limits::count("customer_ids", customer_ids.len(), crate::limits::BATCH)?;
        if customer_ids.is_empty() {
            return Err(CrmError::invalid("customer_ids", "must not be empty"));
        }
        let unique: BTreeSet<&CustomerId> = customer_ids.iter().collect();
        if unique.len() != customer_ids.len() {
            return Err(CrmError::invalid("customer_ids", "lists a customer twice"));
        }
        self.act(actor, |cx| {
            let settings = cx.tx.settings()?.unwrap_or_default();
            let today = cx.now.with_timezone(&settings.tz()?).date_naive();
            let key = claims_key(&cx.actor.id, today);
            let (mut claims_today, counter_version) = counter(cx.tx, &key)?;
            let (mut owned, mut owned_won, _) = owned_counts(cx.tx, &cx.actor.id.clone(), cx.now)?;
            let mut pools: BTreeMap<String, Pool> = BTreeMap::new();
            let mut out = Vec::with_capacity(customer_ids.len());
            for id in customer_ids {
                let mut c = cx
                    .tx
                    .customer(id)?
                    .ok_or_else(|| CrmError::not_found(EntityKind::Customer, id))?;
                if c.status == CustomerStatus::Merged {
                    return Err(CrmError::InvalidState {
                        reason: format!("customer {id} was merged into another"),
                    });
                }
                let pool_id = c.pool_id.clone().unwrap_or_default();
                if c.owner_id.is_none() && !pool_id.is_empty() && !pools.contains_key(&pool_id) {
                    pools.insert(pool_id.clone(), load_pool(cx.tx, &pool_id)?);
                }
                let pool = pools.get(&pool_id);
                check_claim(
                    &settings.claims,
                    &ClaimContext {
                        actor: &cx.actor,
                        pool,
                        customer: &c,
                        now: cx.now,
                        today,
                        claims_today,
                        owned,
                        owned_won,
                    },
                )?;
                claims_today += 1;
                owned += 1;
                owned_won += u64::from(c.deal_status == DealStatus::Won);
                c.owner_id = Some(cx.actor.id.clone());
                c.owned_since = Some(cx.now);
                c.pooled_at = None;
                c.updated_at = cx.now;
                c.version += 1;
                cx.save_customer(&mut c)?;
                cx.emit(
                    EventKind::OwnerChanged {
                        customer_id: c.id.clone(),
                        from_owner_id: None,
                        to_owner_id: Some(cx.actor.id.clone()),
                        cause: OwnershipReason::Claimed,
                    },
                    format!(
                        "claimed from pool {pool_id} (claim {claims_today} of the day {today})"
                    ),
                )?;
                out.push(c);
            }
            cx.tx.put_doc(Doc::new(
                DocKind::Counter,
                &key,
                Some(&cx.actor.id.clone()),
                counter_version + 1,
                &claims_today,
            )?)?;
            Ok(out)
        })
    }

    /// Gives an owned customer back to its pool (or the default pool).
    pub fn release_customer(
        &self,
        actor: &str,
        customer_id: &str,
        reason: &str,
    ) -> Result<Customer> {
        crate::limits::text("reason", reason, crate::limits::NOTE)?;
        self.act(actor, |cx| {
            let mut c = cx.customer(customer_id)?;
            if c.owner_id.is_none() {
                return Err(CrmError::InvalidState {
                    reason: format!("customer {customer_id} has no owner to release it"),
                });
            }
            let settings = cx.tx.settings()?.unwrap_or_default();
            let pool_id = home_pool(&c, settings.default_pool_id.as_deref()).ok_or_else(|| {
                CrmError::InvalidState {
                    reason: format!(
                        "customer {customer_id} has no pool and no default pool is set"
                    ),
                }
            })?;
            load_pool(cx.tx, &pool_id)?;
            let why = format!("released to pool {pool_id}: {reason}");
            to_pool(cx, &mut c, &pool_id, OwnershipReason::Released, &why)?;
            Ok(c)
        })
    }

    /// Moves a customer into another pool (a pool admin's move; an owned customer keeps its
    /// owner and will be recycled to the new pool).
    pub fn move_to_pool(
        &self,
        actor: &str,
        customer_id: &str,
        pool_id: &str,
        reason: &str,
    ) -> Result<Customer> {
        crate::limits::text("reason", reason, crate::limits::NOTE)?;
        self.act(actor, |cx| {
            let target = load_pool(cx.tx, pool_id)?;
            if !target.is_admin(&cx.actor) {
                return Err(cx.denied(&format!("move customers into pool {pool_id}")));
            }
            let mut c = cx
                .tx
                .customer(customer_id)?
                .ok_or_else(|| CrmError::not_found(EntityKind::Customer, customer_id))?;
            if c.owner_id.is_some() && !cx.in_scope(&c)? {
                return Err(CrmError::OutOfScope {
                    actor: cx.actor.id.clone(),
                    kind: EntityKind::Customer,
                    id: customer_id.to_string(),
                });
            }
            if c.owner_id.is_none() {
                if let Some(from) = &c.pool_id {
                    if !load_pool(cx.tx, from)?.is_admin(&cx.actor) {
                        return Err(cx.denied(&format!("move customers out of pool {from}")));
                    }
                }
            }
            if c.pool_id.as_deref() == Some(pool_id) {
                return Err(CrmError::InvalidState {
                    reason: format!("customer {customer_id} is already in pool {pool_id}"),
                });
            }
            let from = c.pool_id.replace(pool_id.to_string());
            if c.owner_id.is_none() {
                c.pooled_at = Some(cx.now);
            }
            c.updated_at = cx.now;
            c.version += 1;
            cx.save_customer(&mut c)?;
            cx.emit(
                EventKind::CustomerPoolChanged {
                    customer_id: c.id.clone(),
                    from_pool_id: from,
                    to_pool_id: pool_id.to_string(),
                },
                reason,
            )?;
            Ok(c)
        })
    }

    /// Protects an owned customer from recycling for `days` (the policy's maximum at most).
    pub fn lock_customer(
        &self,
        actor: &str,
        customer_id: &str,
        days: Option<u32>,
    ) -> Result<Customer> {
        days.map_or(Ok(()), |d| crate::limits::days("days", d))?;
        self.act(actor, |cx| {
            let mut c = cx.customer(customer_id)?;
            let owner = c.owner_id.clone().ok_or_else(|| CrmError::InvalidState {
                reason: format!(
                    "customer {customer_id} has no owner; only owned customers are locked"
                ),
            })?;
            if c.is_locked_at(cx.now) {
                return Err(CrmError::InvalidState {
                    reason: format!("customer {customer_id} is already locked"),
                });
            }
            let policy = cx.tx.settings()?.unwrap_or_default().locks;
            let (_, _, locked) = owned_counts(cx.tx, &owner, cx.now)?;
            check_lock(&policy, &owner, locked)?;
            let until = lock_until(&policy, days, cx.now)?;
            c.locked = true;
            c.locked_until = until;
            c.updated_at = cx.now;
            c.version += 1;
            cx.save_customer(&mut c)?;
            let why = match until {
                Some(t) => format!("locked until {}", t.to_rfc3339()),
                None => "locked until unlocked".to_string(),
            };
            cx.emit(
                EventKind::CustomerLocked {
                    customer_id: c.id.clone(),
                    until,
                },
                why,
            )?;
            Ok(c)
        })
    }

    pub fn unlock_customer(&self, actor: &str, customer_id: &str) -> Result<Customer> {
        self.act(actor, |cx| {
            let mut c = cx.customer(customer_id)?;
            if !c.locked {
                return Err(CrmError::InvalidState {
                    reason: format!("customer {customer_id} is not locked"),
                });
            }
            c.locked = false;
            c.locked_until = None;
            c.updated_at = cx.now;
            c.version += 1;
            cx.save_customer(&mut c)?;
            cx.emit(
                EventKind::CustomerUnlocked {
                    customer_id: c.id.clone(),
                },
                "unlocked",
            )?;
            Ok(c)
        })
    }

    /// Runs every pool's recycling rules at `now` in one transaction. Running it again at the
    /// same `now` changes nothing: recycled customers have no owner left to lose.
    pub fn sweep_pools(&self, actor: &str) -> Result<SweepReport> {
        self.act(actor, |cx| {
            cx.require_admin("run the recycling sweep")?;
            let recycling = Recycling::load(cx.tx)?;
            let candidates = cx.tx.recycle_due(cx.now)?;
            let examined = candidates.len();
            let mut recycled = Vec::new();
            for mut c in candidates {
                let Some((pool_id, due)) = recycling.pool_and_due(&c) else {
                    continue;
                };
                if due.recycle_at() > cx.now {
                    continue;
                }
                let owner_id = c.owner_id.clone().unwrap_or_default();
                let explained = due.explain();
                let why = format!("recycled to pool {pool_id}: {explained}");
                cx.emit(
                    EventKind::CustomerRecycled {
                        customer_id: c.id.clone(),
                        pool_id: pool_id.clone(),
                        rule: due.rule,
                        days: due.days,
                        clock_start: due.clock_start,
                        due_at: due.due_at,
                    },
                    explained,
                )?;
                to_pool(cx, &mut c, &pool_id, OwnershipReason::Recycled, &why)?;
                recycled.push(Recycled {
                    customer_id: c.id,
                    customer_name: c.name,
                    owner_id,
                    pool_id,
                    due,
                });
            }
            recycled.sort_by(|a, b| crate::ids::record_order(&a.customer_id, &b.customer_id));
            Ok(SweepReport {
                at: cx.now,
                examined: examined as u64,
                recycled,
            })
        })
    }

    /// Customers a rule will recycle within their pool's `warn_days` (those already due and not yet
    /// swept included), soonest first; a rep sees
    /// their own, a manager their team's, an administrator all (or one owner's with `owner_id`).
    pub fn recycle_warnings(
        &self,
        actor: &str,
        owner_id: Option<&str>,
    ) -> Result<Vec<RecycleWarning>> {
        self.look(actor, |cx| {
            let recycling = Recycling::load(cx.tx)?;
            let horizon = crate::clock::after_days(cx.now, recycling.max_warn_days());
            let mut out = Vec::new();
            for c in cx.tx.recycle_due(horizon)? {
                if owner_id.is_some_and(|o| c.owner_id.as_deref() != Some(o)) || !cx.in_scope(&c)? {
                    continue;
                }
                let Some((pool_id, due)) = recycling.pool_and_due(&c) else {
                    continue;
                };
                let at = due.recycle_at();
                let warn = recycling.warn_days(&pool_id);
                // Already due but not yet swept counts too: the owner still has a chance to act.
                if warn == 0 || at > crate::clock::after_days(cx.now, warn) {
                    continue;
                }
                out.push(RecycleWarning {
                    customer_id: c.id,
                    customer_name: c.name,
                    owner_id: c.owner_id.unwrap_or_default(),
                    pool_id,
                    due,
                });
            }
            out.sort_by(|a, b| {
                (a.due.recycle_at(), a.customer_id.len(), &a.customer_id).cmp(&(
                    b.due.recycle_at(),
                    b.customer_id.len(),
                    &b.customer_id,
                ))
            });
            Ok(out)
        })
    }
}

/// The pool a customer is released or recycled to: its own, else the organisation's default.
fn home_pool(c: &Customer, default_pool_id: Option<&str>) -> Option<String> {
    c.pool_id
        .clone()
        .or_else(|| default_pool_id.map(str::to_string))
}

/// Every pool's rules and the default pool: what decides a customer's `recycle_due_at`.
pub(super) struct Recycling {
    rules: BTreeMap<String, PoolRules>,
    default_pool_id: Option<String>,
}

impl Recycling {
    pub(super) fn load(tx: &mut dyn Tx) -> Result<Recycling> {
        let settings = tx.settings()?.unwrap_or_default();
        let mut rules = BTreeMap::new();
        for doc in tx.docs(DocKind::Pool, None)? {
            let pool: Pool = doc.decode()?;
            rules.insert(pool.id, pool.rules);
        }
        Ok(Recycling {
            rules,
            default_pool_id: settings.default_pool_id,
        })
    }

    /// The pool a customer goes back to and when, or `None` if no rule will recycle it.
    pub(super) fn due(&self, c: &Customer) -> Option<crate::pool::RecycleDue> {
        self.pool_and_due(c).map(|(_, due)| due)
    }

    fn pool_and_due(&self, c: &Customer) -> Option<(String, crate::pool::RecycleDue)> {
        let pool_id = home_pool(c, self.default_pool_id.as_deref())?;
        let rules = self.rules.get(&pool_id)?;
        evaluate(rules, c).map(|due| (pool_id, due))
    }

    fn warn_days(&self, pool_id: &str) -> i64 {
        self.rules
            .get(pool_id)
            .map_or(0, |r| i64::from(r.warn_days))
    }

    fn max_warn_days(&self) -> i64 {
        self.rules
            .values()
            .map(|r| i64::from(r.warn_days))
            .max()
            .unwrap_or(0)
    }
}

/// Brings every owned customer's `recycle_due_at` in line with changed rules.
fn reschedule(cx: &mut Ctx<'_>) -> Result<usize> {
    let recycling = Recycling::load(cx.tx)?;
    let mut stale = Vec::new();
    for c in cx.tx.customers(&CustomerQuery::default())? {
        if c.recycle_due_at != recycling.due(&c).map(|d| d.recycle_at()) {
            stale.push(c);
        }
    }
    cx.recycling = Some(recycling);
    let changed = stale.len();
    for mut c in stale {
        c.version += 1;
        cx.save_customer(&mut c)?;
    }
    Ok(changed)
}

/// For the settings service: the default pool changed.
pub(super) fn reschedule_all(cx: &mut Ctx<'_>) -> Result<usize> {
    reschedule(cx)
}
