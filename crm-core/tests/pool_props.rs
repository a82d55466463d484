//! Property tests of the public pool over random sequences of claims, batch claims, releases,
//! locks, follow-ups, wins, sweeps and the passing of time, by four reps on one pool:
//! - no customer ever has two owners: every claim of an owned customer is refused with
//!   `ALREADY_OWNED`, and each customer's owner is exactly what its ownership events say;
//! - no daily claim limit (per rep and local day, across pools) and no ownership or lock cap is
//!   ever exceeded;
//! - a refused call changes nothing;
//! - a sweep run twice at the same `now` changes nothing the second time.

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use crm_core::event::{EventKind, OwnershipReason};
use crm_core::opportunity::NewOpportunity;
use crm_core::pool::{
    evaluate, CapScope, ClaimPolicy, LockPolicy, NewPool, OwnershipCap, PoolRules, RecycleKind,
    RecycleRule,
};
use crm_core::{
    Channel, Clock, Crm, Customer, DealStatus, FixedClock, NewCustomer, NewFollowUp, NewUser,
    OrgSettings, Role,
};
use proptest::prelude::*;
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

const CUSTOMERS: usize = 16;
const REPS: [&str; 4] = ["u-2", "u-3", "u-4", "u-5"];
const DAILY_LIMIT: u64 = 3;
const MAX_LOCKED: usize = 1;

#[derive(Debug, Clone)]
enum Op {
    Claim {
        rep: usize,
        customers: Vec<usize>,
    },
    Release {
        rep: usize,
        customer: usize,
    },
    Lock {
        rep: usize,
        customer: usize,
        days: u32,
    },
    FollowUp {
        rep: usize,
        customer: usize,
    },
    Win {
        rep: usize,
        customer: usize,
    },
    Advance {
        hours: i64,
    },
    Sweep,
    ChangeRules {
        follow_up_days: u32,
    },
}

fn op() -> impl Strategy<Value = Op> {
    let rep = 0..REPS.len();
    let c = 0..CUSTOMERS;
    prop_oneof![
        4 => (rep.clone(), proptest::collection::vec(c.clone(), 1..4))
            .prop_map(|(rep, customers)| Op::Claim { rep, customers }),
        1 => (rep.clone(), c.clone()).prop_map(|(rep, customer)| Op::Release { rep, customer }),
        1 => (rep.clone(), c.clone(), 1u32..10).prop_map(|(rep, customer, days)| Op::Lock { rep, customer, days }),
        2 => (rep.clone(), c.clone()).prop_map(|(rep, customer)| Op::FollowUp { rep, customer }),
        1 => (rep, c).prop_map(|(rep, customer)| Op::Win { rep, customer }),
        2 => (1i64..96).prop_map(|hours| Op::Advance { hours }),
        1 => Just(Op::Sweep),
        1 => (1u32..6).prop_map(|follow_up_days| Op::ChangeRules { follow_up_days }),
    ]
}

fn caps() -> Vec<OwnershipCap> {
    vec![
        OwnershipCap {
            scope: CapScope::Everyone,
            max_owned: 5,
            count_won: true,
        },
        OwnershipCap {
            scope: CapScope::Team {
                team_id: "t-1".into(),
            },
            max_owned: 4,
            count_won: false,
        },
        OwnershipCap {
            scope: CapScope::Rep {
                user_id: "u-2".into(),
            },
            max_owned: 2,
            count_won: true,
        },
    ]
}

fn rules(follow_up_days: u32) -> PoolRules {
    PoolRules {
        cool_down_days: 2,
        waiting_hours: 6,
        recycle: vec![
            RecycleRule {
                kind: RecycleKind::NoFollowUp,
                days: follow_up_days,
                days_by_level: BTreeMap::from([("A".to_string(), follow_up_days + 2)]),
            },
            RecycleRule {
                kind: RecycleKind::NoWonDeal,
                days: 8,
                days_by_level: BTreeMap::new(),
            },
        ],
        warn_days: 1,
        ..PoolRules::default()
    }
}

fn organisation() -> (Crm, Arc<FixedClock>) {
    let clock = Arc::new(FixedClock::new(
        Utc.with_ymd_and_hms(2026, 1, 5, 1, 0, 0).unwrap(),
    ));
    let crm = Crm::in_memory(clock.clone());
    let settings = OrgSettings {
        claims: ClaimPolicy {
            daily_limit: Some(DAILY_LIMIT),
            caps: caps(),
        },
        locks: LockPolicy {
            max_locked: Some(MAX_LOCKED as u64),
            max_days: Some(4),
        },
        ..OrgSettings::default()
    };
    crm.bootstrap("admin", Some(settings)).unwrap();
    let t1 = crm.create_team("u-1", "t1").unwrap();
    let t2 = crm.create_team("u-1", "t2").unwrap();
    for (i, team) in [&t1, &t1, &t2, &t2].into_iter().enumerate() {
        crm.create_user(
            "u-1",
            NewUser {
                name: format!("rep {i}"),
                role: Role::Rep,
                scope: None,
                team_id: Some(team.id.clone()),
            },
        )
        .unwrap();
    }
    let rules = rules(3);
    crm.create_pool(
        "u-1",
        NewPool {
            name: "pool".into(),
            member_ids: Vec::new(),
            member_team_ids: vec![t1.id, t2.id],
            admin_ids: Vec::new(),
            rules,
        },
    )
    .unwrap();
    for i in 0..CUSTOMERS {
        crm.create_customer(
            "u-1",
            NewCustomer {
                name: format!("Customer number {i} {}", "x".repeat(i)),
                level: (i % 3 == 0).then(|| "A".to_string()),
                pool_id: Some("p-1".into()),
                ..NewCustomer::default()
            },
        )
        .unwrap();
    }
    clock.set(clock.now() + Duration::hours(7));
    (crm, clock)
}

fn cid(i: usize) -> String {
    format!("c-{}", i + 1)
}

/// Everything a refused call must leave alone.
fn snapshot(crm: &Crm) -> (Vec<Customer>, usize) {
    let customers = crm.customers("u-1").unwrap();
    let events = crm.events("u-1", 0, usize::MAX).unwrap().len();
    (customers, events)
}

fn check_invariants(crm: &Crm) -> Result<(), TestCaseError> {
    let customers = crm.customers("u-1").unwrap();
    let events = crm.events("u-1", 0, usize::MAX).unwrap();
    let tz: chrono_tz::Tz = "Asia/Shanghai".parse().unwrap();
    // Owners replayed from the log.
    let mut owner: HashMap<String, Option<String>> = HashMap::new();
    let mut claims: HashMap<(String, NaiveDate), u64> = HashMap::new();
    for e in &events {
        if let EventKind::OwnerChanged {
            customer_id,
            from_owner_id: from,
            to_owner_id: to,
            cause,
        } = &e.kind
        {
            let before = owner.get(customer_id).cloned().flatten();
            prop_assert_eq!(
                &before,
                from,
                "event {} starts from the current owner",
                e.seq
            );
            if *cause == OwnershipReason::Claimed {
                prop_assert!(before.is_none(), "a claim took an owned customer");
                let rep = to.clone().unwrap();
                *claims
                    .entry((rep, e.at.with_timezone(&tz).date_naive()))
                    .or_default() += 1;
            }
            owner.insert(customer_id.clone(), to.clone());
        }
    }
    for c in &customers {
        prop_assert_eq!(
            owner.get(&c.id).cloned().flatten(),
            c.owner_id.clone(),
            "owner of {} agrees with the log",
            c.id
        );
    }
    for ((rep, day), n) in &claims {
        prop_assert!(*n <= DAILY_LIMIT, "{rep} claimed {n} on {day}");
    }
    // The due index says what the rules say.
    let pool = crm.pools("u-1").unwrap().remove(0);
    for c in &customers {
        let expected = evaluate(&pool.rules, c).map(|d| d.recycle_at());
        prop_assert_eq!(c.recycle_due_at, expected, "recycle_due_at of {}", c.id);
    }
    let now = crm.now();
    for (i, rep) in REPS.iter().enumerate() {
        let owned: Vec<&Customer> = customers
            .iter()
            .filter(|c| c.owner_id.as_deref() == Some(rep))
            .collect();
        let won = owned
            .iter()
            .filter(|c| c.deal_status == DealStatus::Won)
            .count();
        let team = if i < 2 { "t-1" } else { "t-2" };
        for cap in caps() {
            let applies = match &cap.scope {
                CapScope::Everyone => true,
                CapScope::Team { team_id } => team_id == team,
                CapScope::Rep { user_id } => user_id == rep,
            };
            let counted = if cap.count_won {
                owned.len()
            } else {
                owned.len() - won
            };
            prop_assert!(
                !applies || counted as u64 <= cap.max_owned,
                "{rep} owns {counted} under a cap of {}",
                cap.max_owned
            );
        }
        let locked = owned.iter().filter(|c| c.is_locked_at(now)).count();
        prop_assert!(locked <= MAX_LOCKED, "{rep} holds {locked} locks");
    }
    Ok(())
}

fn apply(crm: &Crm, clock: &FixedClock, op: &Op) -> Result<(), TestCaseError> {
    let before = snapshot(crm);
    let result: Result<(), crm_core::CrmError> = match op {
        Op::Claim { rep, customers } => {
            let ids: Vec<String> = customers.iter().map(|&i| cid(i)).collect();
            let owned_before: Vec<Option<String>> = ids
                .iter()
                .map(|id| crm.customer("u-1", id).unwrap().owner_id)
                .collect();
            let result = crm.claim_customers(REPS[*rep], &ids).map(|_| ());
            if let Err(e) = &result {
                // The first refusal names a real problem; an owned customer is always refused.
                if e.code() == "ALREADY_OWNED" {
                    prop_assert!(owned_before.iter().any(Option::is_some));
                }
            } else {
                prop_assert!(owned_before.iter().all(Option::is_none));
            }
            result
        }
        Op::Release { rep, customer } => crm
            .release_customer(REPS[*rep], &cid(*customer), "test")
            .map(|_| ()),
        Op::Lock {
            rep,
            customer,
            days,
        } => crm
            .lock_customer(REPS[*rep], &cid(*customer), Some(*days))
            .map(|_| ()),
        Op::FollowUp { rep, customer } => crm
            .record_follow_up(
                REPS[*rep],
                &cid(*customer),
                NewFollowUp {
                    channel: Channel::Call,
                    note: String::new(),
                    at: None,
                    next_follow_up_at: None,
                },
            )
            .map(|_| ()),
        Op::Win { rep, customer } => crm
            .create_opportunity(
                REPS[*rep],
                &cid(*customer),
                NewOpportunity::new("deal", rust_decimal::Decimal::new(10_000, 2)),
            )
            .and_then(|o| crm.close_opportunity(REPS[*rep], &o.id, true, None))
            .map(|_| ()),
        Op::ChangeRules { follow_up_days } => {
            let pool = crm.pools("u-1").unwrap().remove(0);
            crm.update_pool_rules("u-1", &pool.id, pool.version, rules(*follow_up_days).into())
                .map(|_| ())
        }
        Op::Advance { hours } => {
            clock.set(clock.now() + Duration::hours(*hours));
            Ok(())
        }
        Op::Sweep => {
            let first = crm.sweep_pools("u-1").unwrap();
            let after_first = snapshot(crm);
            let second = crm.sweep_pools("u-1").unwrap();
            prop_assert!(
                second.recycled.is_empty(),
                "a second sweep recycled {:?}",
                second.recycled
            );
            prop_assert_eq!(
                snapshot(crm),
                after_first,
                "a second sweep changed something"
            );
            let now: DateTime<Utc> = clock.now();
            for r in &first.recycled {
                prop_assert!(r.due.due_at <= now);
                let c = crm.customer("u-1", &r.customer_id).unwrap();
                prop_assert!(c.owner_id.is_none() && c.pool_id.as_deref() == Some("p-1"));
            }
            Ok(())
        }
    };
    if result.is_err() {
        prop_assert_eq!(
            snapshot(crm),
            before,
            "a refused {:?} changed something",
            op
        );
    }
    check_invariants(crm)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]
    #[test]
    fn pool_rules_hold_over_random_operations(ops in proptest::collection::vec(op(), 1..60)) {
        let (crm, clock) = organisation();
        for op in &ops {
            apply(&crm, &clock, op)?;
        }
    }
}
