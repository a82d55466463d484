//! Sixteen connections at once on one organisation for at least 20 s (CRM_PG_STRESS_SECS): fourteen
//! reps claim (singly and in batches), release and record follow-ups on the same 300 customers, a
//! manager captures and allocates leads in batches with the capacity strategy, and an administrator
//! sweeps the pool, while the clock crosses a local midnight every second (daily counters reset and
//! unattended customers fall due). At the end there is no double owner, no limit was exceeded at
//! any point of the log, stored ownership and counters equal what the log says, and every refusal
//! was a rule's refusal, never a storage failure or a version conflict.

mod common;

use chrono::{Duration, NaiveDate, TimeZone, Utc};
use crm_core::allocation::{AllocationStrategy, AllocatorRep, NewAllocator};
use crm_core::event::EventKind;
use crm_core::lead::NewLead;
use crm_core::pool::{
    CapScope, ClaimPolicy, NewPool, OwnershipCap, PoolRules, RecycleKind, RecycleRule,
};
use crm_core::store::DocKind;
use crm_core::testing::ownership::Replay;
use crm_core::{
    Channel, Clock, Crm, FixedClock, NewCustomer, NewFollowUp, NewUser, OrgSettings, Role,
};
use crm_postgres::PgPool;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

const REPS: usize = 14;
const CUSTOMERS: usize = 300;
const DAILY_LIMIT: u64 = 40;
const CAP: u64 = 15;
const LEAD_DAILY_CAP: u64 = 6;
const LEAD_TOTAL_CAP: u64 = 60;

#[derive(Default, Debug, Clone)]
struct Tally {
    ops: u64,
    claimed: u64,
    released: u64,
    follow_ups: u64,
    /// Lost races: the customer was owned by the time the claim ran.
    already_owned: u64,
    /// Daily limit or ownership cap.
    limited: u64,
    /// A release or follow-up on a customer the sweep had taken back meanwhile.
    swept_away: u64,
    allocated: u64,
    no_eligible_rep: u64,
    sweeps: u64,
    recycled: u64,
}

impl Tally {
    fn add(&mut self, o: &Tally) {
        self.ops += o.ops;
        self.claimed += o.claimed;
        self.released += o.released;
        self.follow_ups += o.follow_ups;
        self.already_owned += o.already_owned;
        self.limited += o.limited;
        self.swept_away += o.swept_away;
        self.allocated += o.allocated;
        self.no_eligible_rep += o.no_eligible_rep;
        self.sweeps += o.sweeps;
        self.recycled += o.recycled;
    }
}

fn next(state: &mut u64) -> u64 {
    *state ^= *state << 13;
    *state ^= *state >> 7;
    *state ^= *state << 17;
    *state
}

/// Each worker has a pool of exactly one connection: sixteen workers, sixteen connections.
fn crm(org: &str, clock: Arc<FixedClock>) -> Crm {
    let pool = PgPool::connect(&common::url(), 1).unwrap();
    Crm::new(pool.store(org).unwrap(), clock)
}

#[test]
#[ignore = "needs PostgreSQL: bash crm-postgres/test.sh"]
fn sixteen_connections_race_and_the_log_agrees_with_the_state() {
    let secs: u64 = std::env::var("CRM_PG_STRESS_SECS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(20);
    let org = common::org_name("stress");
    let clock = Arc::new(FixedClock::new(
        Utc.with_ymd_and_hms(2026, 6, 1, 1, 0, 0).unwrap(),
    ));
    let setup = crm(&org, clock.clone());
    setup
        .bootstrap(
            "admin",
            Some(OrgSettings {
                claims: ClaimPolicy {
                    daily_limit: Some(DAILY_LIMIT),
                    caps: vec![OwnershipCap {
                        scope: CapScope::Everyone,
                        max_owned: CAP,
                        count_won: true,
                    }],
                },
                ..OrgSettings::default()
            }),
        )
        .unwrap();
    let user = |name: String, role| NewUser {
        name,
        role,
        scope: None,
        team_id: None,
    };
    // The administrator captures and allocates leads (allocation needs a manager of the reps).
    let manager = "u-1".to_string();
    let reps: Vec<String> = (0..REPS)
        .map(|i| {
            setup
                .create_user("u-1", user(format!("rep {i}"), Role::Rep))
                .unwrap()
                .id
        })
        .collect();
    setup
        .create_pool(
            "u-1",
            NewPool {
                name: "pool".into(),
                member_ids: reps.clone(),
                member_team_ids: Vec::new(),
                admin_ids: Vec::new(),
                rules: PoolRules {
                    recycle: vec![RecycleRule {
                        kind: RecycleKind::NoFollowUp,
                        days: 2,
                        days_by_level: BTreeMap::new(),
                    }],
                    ..PoolRules::default()
                },
            },
        )
        .unwrap();
    let allocator = setup
        .create_allocator(
            "u-1",
            NewAllocator {
                name: "inbound".into(),
                strategy: AllocationStrategy::Capacity,
                reps: reps
                    .iter()
                    .map(|r| AllocatorRep {
                        rep_id: r.clone(),
                        weight: 1,
                        daily_cap: Some(LEAD_DAILY_CAP),
                        total_cap: Some(LEAD_TOTAL_CAP),
                    })
                    .collect(),
            },
        )
        .unwrap()
        .id;
    let ids: Vec<String> = (0..CUSTOMERS)
        .map(|i| {
            setup
                .create_customer(
                    "u-1",
                    NewCustomer {
                        name: format!("customer {i:03}"),
                        pool_id: Some("p-1".into()),
                        ..NewCustomer::default()
                    },
                )
                .unwrap()
                .customer
                .id
        })
        .collect();

    let stop = AtomicBool::new(false);
    let started = std::time::Instant::now();
    let tallies: Vec<Tally> = std::thread::scope(|s| {
        let mut workers = Vec::new();
        for (t, rep) in reps.iter().enumerate() {
            let (ids, stop, org, clock) = (&ids, &stop, &org, clock.clone());
            workers.push(s.spawn(move || {
                let crm = crm(org, clock);
                let mut seed = 0x9E37_79B9_7F4A_7C15u64 ^ (t as u64 + 1);
                let mut mine: BTreeSet<String> = BTreeSet::new();
                let mut tally = Tally::default();
                while !stop.load(Ordering::Relaxed) {
                    tally.ops += 1;
                    let roll = next(&mut seed) % 10;
                    if roll < 5 && !mine.is_empty() {
                        let pick = (next(&mut seed) as usize) % mine.len();
                        let id = mine.iter().nth(pick).unwrap().clone();
                        let result = if roll < 3 {
                            crm.release_customer(rep, &id, "stress").map(|_| ())
                        } else {
                            crm.record_follow_up(
                                rep,
                                &id,
                                NewFollowUp {
                                    channel: Channel::Call,
                                    note: "called".into(),
                                    at: None,
                                    next_follow_up_at: None,
                                },
                            )
                            .map(|_| ())
                        };
                        match result {
                            Ok(()) if roll < 3 => {
                                mine.remove(&id);
                                tally.released += 1;
                            }
                            Ok(()) => tally.follow_ups += 1,
                            // Recycled meanwhile: no longer this rep's to touch.
                            Err(e) if e.code() == "OUT_OF_SCOPE" => {
                                mine.remove(&id);
                                tally.swept_away += 1;
                            }
                            Err(e) => panic!("unexpected refusal {}: {e}", e.code()),
                        }
                        continue;
                    }
                    let n = if roll == 9 { 3 } else { 1 };
                    let batch: Vec<String> = (0..n)
                        .map(|_| ids[(next(&mut seed) as usize) % ids.len()].clone())
                        .collect::<BTreeSet<_>>()
                        .into_iter()
                        .collect();
                    match crm.claim_customers(rep, &batch) {
                        Ok(got) => {
                            tally.claimed += got.len() as u64;
                            mine.extend(got.into_iter().map(|c| c.id));
                        }
                        Err(e) => match e.code() {
                            "ALREADY_OWNED" => tally.already_owned += 1,
                            "DAILY_LIMIT_REACHED" | "OWNERSHIP_CAP_REACHED" => tally.limited += 1,
                            other => panic!("unexpected refusal {other}: {e}"),
                        },
                    }
                }
                tally
            }));
        }
        {
            let (stop, org, clock, manager, allocator) =
                (&stop, &org, clock.clone(), &manager, &allocator);
            workers.push(s.spawn(move || {
                let crm = crm(org, clock);
                let mut tally = Tally::default();
                let mut n = 0;
                while !stop.load(Ordering::Relaxed) {
                    tally.ops += 1;
                    let leads: Vec<String> = (0..5)
                        .map(|_| {
                            n += 1;
                            crm.capture_lead(
                                manager,
                                NewLead {
                                    name: format!("lead {n}"),
                                    ..NewLead::default()
                                },
                            )
                            .unwrap()
                            .lead
                            .id
                        })
                        .collect();
                    match crm.allocate_leads(manager, allocator, &leads, false) {
                        Ok(placed) => tally.allocated += placed.len() as u64,
                        Err(e) if e.code() == "NO_ELIGIBLE_REP" => tally.no_eligible_rep += 1,
                        Err(e) => panic!("unexpected refusal {}: {e}", e.code()),
                    }
                }
                tally
            }));
        }
        {
            let (stop, org, clock) = (&stop, &org, clock.clone());
            workers.push(s.spawn(move || {
                let crm = crm(org, clock);
                let mut tally = Tally::default();
                while !stop.load(Ordering::Relaxed) {
                    tally.ops += 1;
                    tally.sweeps += 1;
                    tally.recycled += crm.sweep_pools("u-1").unwrap().recycled.len() as u64;
                    std::thread::sleep(std::time::Duration::from_millis(50));
                }
                tally
            }));
        }
        // A local midnight every second: daily counters reset, unattended customers fall due.
        for _ in 0..secs {
            std::thread::sleep(std::time::Duration::from_secs(1));
            clock.set(clock.now() + Duration::hours(24));
        }
        stop.store(true, Ordering::Relaxed);
        workers.into_iter().map(|w| w.join().unwrap()).collect()
    });
    let elapsed = started.elapsed().as_secs_f64();
    let mut total = Tally::default();
    for t in &tallies {
        total.add(t);
    }

    // Replay the log: every claim took a free customer, no owner ever held more than the cap, no
    // rep claimed more than the daily limit or was allocated more leads than its capacity.
    let events = setup.events("u-1", 0, usize::MAX).unwrap();
    let tz: chrono_tz::Tz = "Asia/Shanghai".parse().unwrap();
    let replay = Replay::check(&events, tz, CAP, DAILY_LIMIT);
    let mut leads_per_day: HashMap<(String, NaiveDate), u64> = HashMap::new();
    let mut leads_total: HashMap<String, u64> = HashMap::new();
    let mut lead_owner: HashMap<String, String> = HashMap::new();
    for e in &events {
        if let EventKind::LeadAllocated {
            lead_id,
            to_owner_id: Some(rep),
            ..
        } = &e.kind
        {
            let day = e.at.with_timezone(&tz).date_naive();
            let d = leads_per_day.entry((rep.clone(), day)).or_default();
            *d += 1;
            let t = leads_total.entry(rep.clone()).or_default();
            *t += 1;
            assert!(
                *d <= LEAD_DAILY_CAP && *t <= LEAD_TOTAL_CAP,
                "event {}",
                e.seq
            );
            assert!(lead_owner.insert(lead_id.clone(), rep.clone()).is_none());
        }
    }
    assert_eq!(
        (replay.claimed, replay.released, replay.recycled),
        (total.claimed, total.released, total.recycled),
        "the log records exactly the successful operations"
    );
    assert_eq!(lead_owner.len() as u64, total.allocated);
    for c in setup.customers("u-1").unwrap() {
        assert_eq!(
            replay.owner.get(&c.id).cloned().flatten(),
            c.owner_id,
            "{}",
            c.id
        );
    }
    for lead in setup.leads("u-1").unwrap() {
        assert_eq!(
            lead.owner_id.as_ref(),
            lead_owner.get(&lead.id),
            "{}",
            lead.id
        );
    }
    let store = common::pool().store(&org).unwrap();
    for ((rep, day), n) in &replay.claims {
        let doc = crm_core::store::read(&store, |tx| {
            tx.doc(DocKind::Counter, &format!("claims/{rep}/{day}"))
        })
        .unwrap()
        .expect("a counter for every day with claims");
        assert_eq!(
            doc.decode::<u64>().unwrap(),
            *n,
            "counter of {rep} on {day}"
        );
    }
    assert!(
        total.claimed > 0 && total.already_owned > 0 && total.recycled > 0 && total.allocated > 0,
        "the workers really raced: {total:?}"
    );
    println!(
        "postgres stress: 16 connections, {elapsed:.1} s, {} operations ({:.0}/s), {} events; \
         {} claimed, {} lost races (ALREADY_OWNED), {} refused by limits, {} released, \
         {} follow-ups, {} released/followed-up after the sweep took them, {} leads allocated \
         ({} batches refused: every rep at capacity), {} sweeps recycled {}; \
         0 version conflicts, 0 retries",
        total.ops,
        total.ops as f64 / elapsed,
        events.len(),
        total.claimed,
        total.already_owned,
        total.limited,
        total.released,
        total.follow_ups,
        total.swept_away,
        total.allocated,
        total.no_eligible_rep,
        total.sweeps,
        total.recycled,
    );
}
