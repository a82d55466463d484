//! A large, realistic organisation for benchmarks: a thousand reps, one pool with level-dependent
//! recycling rules, and customers in the steady state of a daily sweep (whatever fell due before
//! yesterday was recycled yesterday, so about one customer in ninety is due today).

use crate::access::{DataScope, Role, User};
use crate::customer::{Customer, CustomerKind, CustomerStatus, DealStatus};
use crate::error::Result;
use crate::pool::{evaluate, Pool, PoolRules, RecycleKind, RecycleRule};
use crate::settings::OrgSettings;
use crate::store::{self, Doc, DocKind, Store};
use chrono::{DateTime, Duration, Utc};
use std::collections::BTreeMap;

pub fn rules() -> PoolRules {
    PoolRules {
        recycle: vec![
            RecycleRule {
                kind: RecycleKind::NoFollowUp,
                days: 30,
                days_by_level: BTreeMap::from([("A".into(), 60), ("B".into(), 45)]),
            },
            RecycleRule {
                kind: RecycleKind::NoWonDeal,
                days: 120,
                days_by_level: BTreeMap::new(),
            },
        ],
        warn_days: 3,
        ..PoolRules::default()
    }
}

/// A splitmix64 step: deterministic, so every run benchmarks the same organisation.
fn next(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// Writes admin `u-1`, reps `u-2..`, pool `p-1` and `customers` owned customers in batches of
/// `batch` per transaction. Returns how many are due at `now`.
pub fn seed(
    store: &dyn Store,
    customers: usize,
    reps: usize,
    now: DateTime<Utc>,
    batch: usize,
) -> Result<usize> {
    let rules = rules();
    store::write(store, |tx| {
        tx.put_settings(&OrgSettings {
            version: 1,
            ..OrgSettings::default()
        })?;
        for i in 0..=reps {
            tx.put_user(&User {
                id: format!("u-{}", i + 1),
                name: format!("user {}", i + 1),
                role: if i == 0 { Role::Admin } else { Role::Rep },
                scope: if i == 0 {
                    DataScope::All
                } else {
                    DataScope::Own
                },
                team_id: None,
                active: true,
                created_at: now - Duration::days(400),
                version: 1,
            })?;
        }
        let pool = Pool {
            id: "p-1".into(),
            name: "public pool".into(),
            member_ids: Vec::new(),
            member_team_ids: Vec::new(),
            admin_ids: Vec::new(),
            rules: rules.clone(),
            created_at: now - Duration::days(400),
            version: 1,
        };
        tx.put_doc(Doc::new(DocKind::Pool, "p-1", None, 1, &pool)?)
    })?;
    let mut seed = 42u64;
    let mut due = 0;
    let mut start = 0;
    while start < customers {
        let end = (start + batch).min(customers);
        store::write(store, |tx| {
            for i in start..end {
                let level = ["A", "B", "C"][i % 3];
                let days = match level {
                    "A" => 60,
                    "B" => 45,
                    _ => 30,
                };
                // Due between a day ago and 89 days ahead; owned up to 30 days before the clock.
                let due_in = Duration::minutes((next(&mut seed) % (90 * 24 * 60)) as i64)
                    - Duration::days(1);
                let follow_up = now + due_in - Duration::days(days);
                let owned_since =
                    follow_up - Duration::minutes((next(&mut seed) % (30 * 24 * 60)) as i64);
                let mut c = Customer {
                    id: format!("c-{}", i + 1),
                    name: format!("Customer {} Trading Co., Ltd.", i + 1),
                    kind: CustomerKind::Company,
                    level: Some(level.to_string()),
                    tags: Default::default(),
                    source: Some("web".into()),
                    industry: Some("manufacturing".into()),
                    region: Some("Shanghai".into()),
                    phones: vec![format!("138{:08}", i)],
                    emails: Vec::new(),
                    owner_id: Some(format!("u-{}", 2 + i % reps)),
                    previous_owner_id: None,
                    pool_id: Some("p-1".into()),
                    pooled_at: None,
                    released_at: None,
                    status: CustomerStatus::Active,
                    merged_into: None,
                    merged_from: Vec::new(),
                    created_at: owned_since,
                    updated_at: follow_up,
                    owned_since: Some(owned_since),
                    last_follow_up_at: Some(follow_up),
                    next_follow_up_at: None,
                    deal_status: if next(&mut seed) % 10 == 0 {
                        DealStatus::Won
                    } else {
                        DealStatus::None
                    },
                    locked: false,
                    locked_until: None,
                    last_won_at: None,
                    open_opportunities: 0,
                    recycle_due_at: None,
                    custom_fields: Default::default(),
                    opt_outs: vec![],
                    campaign_id: None,
                    version: 1,
                };
                c.recycle_due_at = evaluate(&rules, &c).map(|d| d.recycle_at());
                if c.recycle_due_at.is_some_and(|d| d <= now) {
                    due += 1;
                }
                tx.put_customer(&c)?;
            }
            Ok(())
        })?;
        start = end;
    }
    Ok(due)
}
