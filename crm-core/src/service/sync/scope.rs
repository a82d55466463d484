//! What of the organisation a user's replica holds: the records every user reads (settings,
//! users, teams, pipelines, the user's pools and claim counter), the customers in the user's
//! data scope with their contacts, follow-ups, opportunities and open conflicts, and the
//! unowned customers of the user's pools (the record alone, to claim).

use super::super::Ctx;
use crate::customer::{Customer, CustomerStatus};
use crate::error::Result;
use crate::event::{Event, EventKind};
use crate::pool::Pool;
use crate::store::{CustomerQuery, Doc, DocKind, Tx};
use crate::sync::{ConflictState, PullResponse, Records, Snapshot, SyncConflict, SyncCounter};
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// How much of a customer a user's replica holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Reach {
    /// In the user's data scope: the customer and everything under it.
    Full,
    /// Unowned in one of the user's pools: the record alone.
    Pool,
    Outside,
}

pub(crate) struct Scope {
    pools: Vec<Pool>,
}

impl Scope {
    pub(crate) fn load(cx: &mut Ctx<'_>) -> Result<Scope> {
        let mut pools = Vec::new();
        for doc in cx.tx.docs(DocKind::Pool, None)? {
            let pool: Pool = doc.decode()?;
            if pool.is_member(&cx.actor) {
                pools.push(pool);
            }
        }
        pools.sort_by(|a, b| crate::ids::record_order(&a.id, &b.id));
        Ok(Scope { pools })
    }

    pub(crate) fn reach(&self, cx: &mut Ctx<'_>, c: &Customer) -> Result<Reach> {
        // A merged customer lives on as its survivor: replicas drop it.
        if c.status == CustomerStatus::Merged {
            return Ok(Reach::Outside);
        }
        if c.owner_id.is_some() && cx.in_scope(c)? {
            return Ok(Reach::Full);
        }
        let pooled = c.owner_id.is_none()
            && c.status == CustomerStatus::Active
            && c.pool_id
                .as_ref()
                .is_some_and(|p| self.pools.iter().any(|pool| &pool.id == p));
        Ok(if pooled {
            Reach::Pool
        } else if cx.in_scope(c)? {
            Reach::Full
        } else {
            Reach::Outside
        })
    }

    /// The records every replica of this user holds whatever its customers.
    pub(crate) fn shared(&self, cx: &mut Ctx<'_>, out: &mut Records) -> Result<()> {
        let settings = cx.tx.settings()?.unwrap_or_default();
        let mut users = cx.tx.users()?;
        users.sort_by(|a, b| crate::ids::record_order(&a.id, &b.id));
        let mut teams = cx.tx.teams()?;
        teams.sort_by(|a, b| crate::ids::record_order(&a.id, &b.id));
        let mut pipelines: Vec<crate::pipeline::Pipeline> = cx
            .tx
            .docs(DocKind::Pipeline, None)?
            .iter()
            .map(Doc::decode)
            .collect::<Result<_>>()?;
        pipelines.sort_by(|a, b| crate::ids::record_order(&a.id, &b.id));
        out.counters = counters(cx)?;
        out.settings = Some(settings);
        out.users = users;
        out.teams = teams;
        out.pools = self.pools.clone();
        out.pipelines = pipelines;
        Ok(())
    }

    /// Adds the customers by id (refreshed after refusals) with the user's counters.
    pub(crate) fn refresh(
        &self,
        cx: &mut Ctx<'_>,
        ids: &BTreeSet<String>,
        out: &mut Records,
    ) -> Result<Vec<String>> {
        out.counters = counters(cx)?;
        self.add_ids(cx, ids, out)
    }

    /// Adds a customer as far as the user reaches it; `false` when it is outside.
    pub(crate) fn add(&self, cx: &mut Ctx<'_>, c: Customer, out: &mut Records) -> Result<bool> {
        let reach = self.reach(cx, &c)?;
        add_reached(cx, c, reach, out, None)
    }

    /// Adds the customers by id; returns the ones the user no longer reaches.
    pub(crate) fn add_ids(
        &self,
        cx: &mut Ctx<'_>,
        ids: &BTreeSet<String>,
        out: &mut Records,
    ) -> Result<Vec<String>> {
        let mut gone = Vec::new();
        for id in ids {
            let reached = match cx.tx.customer(id)? {
                Some(c) => self.add(cx, c, out)?,
                None => false,
            };
            if !reached {
                gone.push(id.clone());
            }
        }
        sort_records(out);
        Ok(gone)
    }
}

/// The user's claim counter of today (every replica copy of it is replaced by this list).
fn counters(cx: &mut Ctx<'_>) -> Result<Vec<SyncCounter>> {
    let settings = cx.tx.settings()?.unwrap_or_default();
    let today = cx.now.with_timezone(&settings.tz()?).date_naive();
    let key = format!("claims/{}/{today}", cx.actor.id);
    Ok(match cx.tx.doc(DocKind::Counter, &key)? {
        Some(doc) => vec![SyncCounter {
            count: doc.decode()?,
            id: doc.id,
            version: doc.version,
        }],
        None => Vec::new(),
    })
}

/// Opportunities and conflicts by customer, read once for a whole snapshot.
struct Children {
    opportunities: HashMap<String, Vec<Doc>>,
    conflicts: HashMap<String, Vec<Doc>>,
}

impl Children {
    fn load(tx: &mut dyn Tx) -> Result<Children> {
        let mut by_parent = |kind| -> Result<HashMap<String, Vec<Doc>>> {
            let mut map: HashMap<String, Vec<Doc>> = HashMap::new();
            for doc in tx.docs(kind, None)? {
                if let Some(parent) = doc.parent.clone() {
                    map.entry(parent).or_default().push(doc);
                }
            }
            Ok(map)
        };
        Ok(Children {
            opportunities: by_parent(DocKind::Opportunity)?,
            conflicts: by_parent(DocKind::SyncConflict)?,
        })
    }
}

fn add_reached(
    cx: &mut Ctx<'_>,
    c: Customer,
    reach: Reach,
    out: &mut Records,
    children: Option<&mut Children>,
) -> Result<bool> {
    match reach {
        Reach::Outside => return Ok(false),
        Reach::Pool => out.pool_customers.push(c),
        Reach::Full => {
            out.contacts.extend(cx.tx.contacts_of(&c.id)?);
            out.follow_ups.extend(cx.tx.follow_ups_of(&c.id)?);
            let (opportunities, conflicts) = match children {
                Some(all) => (
                    all.opportunities.remove(&c.id).unwrap_or_default(),
                    all.conflicts.remove(&c.id).unwrap_or_default(),
                ),
                None => (
                    cx.tx.docs(DocKind::Opportunity, Some(&c.id))?,
                    cx.tx.docs(DocKind::SyncConflict, Some(&c.id))?,
                ),
            };
            for doc in opportunities {
                out.opportunities.push(doc.decode()?);
            }
            for doc in conflicts {
                let conflict: SyncConflict = doc.decode()?;
                if conflict.state == ConflictState::Open {
                    out.conflicts.push(conflict);
                }
            }
            out.customers.push(c);
        }
    }
    Ok(true)
}

fn sort_records(out: &mut Records) {
    use crate::ids::record_order;
    out.customers.sort_by(|a, b| record_order(&a.id, &b.id));
    out.pool_customers
        .sort_by(|a, b| record_order(&a.id, &b.id));
    out.contacts.sort_by(|a, b| record_order(&a.id, &b.id));
    out.follow_ups.sort_by(|a, b| record_order(&a.id, &b.id));
    out.opportunities.sort_by(|a, b| record_order(&a.id, &b.id));
    out.conflicts.sort_by(|a, b| record_order(&a.id, &b.id));
}

/// The highest event sequence number (0 for an empty log): a galloping search over
/// `events_after`, a handful of indexed reads whatever the log's length.
pub(crate) fn last_seq(tx: &mut dyn Tx) -> Result<u64> {
    let exists_after =
        |tx: &mut dyn Tx, n: u64| -> Result<bool> { Ok(!tx.events_after(n, 1)?.is_empty()) };
    if !exists_after(tx, 0)? {
        return Ok(0);
    }
    let mut high = 1u64;
    while exists_after(tx, high)? {
        high = high.saturating_mul(2);
    }
    // Some event has seq > low, none has seq > high.
    let mut low = high / 2;
    while high - low > 1 {
        let mid = low + (high - low) / 2;
        if exists_after(tx, mid)? {
            low = mid;
        } else {
            high = mid;
        }
    }
    Ok(high)
}

pub(crate) fn snapshot(cx: &mut Ctx<'_>) -> Result<Snapshot> {
    let cursor = last_seq(cx.tx)?;
    let scope = Scope::load(cx)?;
    let mut records = Records::default();
    scope.shared(cx, &mut records)?;
    let mine = super::super::customers::scoped_customers(cx, CustomerQuery::default())?;
    let mut children = Children::load(cx.tx)?;
    let mut seen = BTreeSet::new();
    for c in mine {
        seen.insert(c.id.clone());
        // Owned customers of the scope's query are in scope: only merged ones and unowned ones
        // (an administrator's scope holds the pools too) need the full test.
        let reach = if c.owner_id.is_some() && c.status == CustomerStatus::Active {
            Reach::Full
        } else {
            scope.reach(cx, &c)?
        };
        add_reached(cx, c, reach, &mut records, Some(&mut children))?;
    }
    for pool in scope.pools.clone() {
        let inside = cx.tx.customers(&CustomerQuery {
            in_pool: Some(pool.id.clone()),
            ..CustomerQuery::default()
        })?;
        for c in inside {
            if seen.insert(c.id.clone()) {
                scope.add(cx, c, &mut records)?;
            }
        }
    }
    sort_records(&mut records);
    Ok(Snapshot { cursor, records })
}

/// Whether an event changes records every replica holds.
fn is_shared(kind: &EventKind) -> bool {
    matches!(
        kind,
        EventKind::UserCreated { .. }
            | EventKind::UserDeactivated { .. }
            | EventKind::TeamCreated { .. }
            | EventKind::SettingsChanged
            | EventKind::PoolCreated { .. }
            | EventKind::PoolUpdated { .. }
            | EventKind::PoolDeleted { .. }
            | EventKind::PipelineSaved { .. }
    )
}

/// Whether an event can take a customer out of a replica that held it.
fn can_remove(kind: &EventKind) -> bool {
    use crate::event::OwnershipReason;
    matches!(
        kind,
        EventKind::OwnerChanged { cause, .. } if *cause != OwnershipReason::Created
    ) || matches!(
        kind,
        EventKind::CustomersMerged { .. }
            | EventKind::CustomerDeleted { .. }
            | EventKind::CustomerPoolChanged { .. }
            | EventKind::CustomerRecycled { .. }
    )
}

pub(crate) fn pull(cx: &mut Ctx<'_>, cursor: u64, limit: usize) -> Result<PullResponse> {
    let page = cx.tx.events_after(cursor, limit)?;
    let more = page.len() == limit;
    let next = page.last().map_or(cursor, |e| e.seq);
    let scope = Scope::load(cx)?;
    let mut records = Records::default();
    // The customers each event touched, and whether one of them may have left a replica.
    let mut touched: BTreeMap<String, bool> = BTreeMap::new();
    let mut shared = false;
    for event in &page {
        shared |= is_shared(&event.kind);
        for id in event.kind.customer_ids() {
            let removal = touched.entry(id.clone()).or_default();
            *removal |= can_remove(&event.kind);
        }
    }
    if shared {
        scope.shared(cx, &mut records)?;
    } else {
        // The claim counter changes with every claim; it is one read.
        records.counters = counters(cx)?;
    }
    let ids: BTreeSet<String> = touched.keys().cloned().collect();
    let gone: BTreeSet<String> = scope.add_ids(cx, &ids, &mut records)?.into_iter().collect();
    let removed: Vec<String> = gone
        .iter()
        .filter(|id| touched.get(*id).copied().unwrap_or(false))
        .cloned()
        .collect();
    let events: Vec<Event> = page
        .into_iter()
        .filter(|e| {
            let ids = e.kind.customer_ids();
            if ids.is_empty() {
                is_shared(&e.kind)
            } else {
                ids.iter()
                    .any(|id| !gone.contains(*id) || removed.contains(*id))
            }
        })
        .collect();
    Ok(PullResponse {
        events,
        records,
        removed,
        cursor: next,
        more,
    })
}
