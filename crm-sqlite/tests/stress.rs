//! Claim stress on one SQLite file: 8 threads, each a rep with its own connection, claim (singly
//! and in batches) and release the same 200 customers for a few seconds while a ninth thread moves
//! the clock across local midnights. At the end, ownership and the daily counters agree exactly with
//! the event log, and every refused claim was refused for ownership or a limit (or a busy file,
//! changing nothing, then retried), never silently.

use chrono::{Duration, TimeZone, Utc};
use crm_core::pool::{CapScope, ClaimPolicy, NewPool, OwnershipCap};
use crm_core::testing::ownership::Replay;
use crm_core::{Clock, Crm, FixedClock, NewCustomer, NewUser, OrgSettings, Role};
use crm_sqlite::SqliteStore;
use std::collections::BTreeSet;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

const THREADS: usize = 8;
const CUSTOMERS: usize = 200;
const DAILY_LIMIT: u64 = 300;
const CAP: u64 = 20;

#[derive(Default, Debug)]
struct Tally {
    claimed: u64,
    released: u64,
    already_owned: u64,
    limited: u64,
    /// Refused with `STORAGE_BUSY` (changing nothing) and retried.
    busy: u64,
    ops: u64,
}

/// A tiny deterministic generator, so each thread's choices are reproducible.
fn next(state: &mut u64) -> u64 {
    *state ^= *state << 13;
    *state ^= *state >> 7;
    *state ^= *state << 17;
    *state
}

#[test]
fn racing_claims_never_make_a_double_owner_and_agree_with_the_log() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("stress.db");
    let clock = Arc::new(FixedClock::new(
        Utc.with_ymd_and_hms(2026, 6, 1, 1, 0, 0).unwrap(),
    ));
    let setup = Crm::new(SqliteStore::open(&path).unwrap(), clock.clone());
    let settings = OrgSettings {
        claims: ClaimPolicy {
            daily_limit: Some(DAILY_LIMIT),
            caps: vec![OwnershipCap {
                scope: CapScope::Everyone,
                max_owned: CAP,
                count_won: true,
            }],
        },
        ..OrgSettings::default()
    };
    setup.bootstrap("admin", Some(settings)).unwrap();
    let reps: Vec<String> = (0..THREADS)
        .map(|i| {
            setup
                .create_user(
                    "u-1",
                    NewUser {
                        name: format!("rep {i}"),
                        role: Role::Rep,
                        scope: None,
                        team_id: None,
                    },
                )
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
                rules: Default::default(),
            },
        )
        .unwrap();
    let ids: Vec<String> = (0..CUSTOMERS)
        .map(|i| {
            setup
                .create_customer(
                    "u-1",
                    NewCustomer {
                        name: format!("customer {i:03} {}", "y".repeat(i % 7)),
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
        let workers: Vec<_> = reps
            .iter()
            .enumerate()
            .map(|(t, rep)| {
                let (ids, stop, path, clock) = (&ids, &stop, &path, clock.clone());
                s.spawn(move || {
                    let crm = Crm::new(SqliteStore::open(path).unwrap(), clock);
                    let mut seed = 0x9E37_79B9_7F4A_7C15u64 ^ (t as u64 + 1);
                    let mut mine: BTreeSet<String> = BTreeSet::new();
                    let mut tally = Tally::default();
                    while !stop.load(Ordering::Relaxed) {
                        tally.ops += 1;
                        let roll = next(&mut seed) % 10;
                        if roll < 3 && !mine.is_empty() {
                            let pick = (next(&mut seed) as usize) % mine.len();
                            let id = mine.iter().nth(pick).unwrap().clone();
                            match crm.release_customer(rep, &id, "stress") {
                                Ok(_) => {
                                    mine.remove(&id);
                                    tally.released += 1;
                                }
                                // Eight connections hammering one file: SQLite's lock is not
                                // fair, so a writer may wait out its timeout; it retries.
                                Err(e) if e.code() == "STORAGE_BUSY" => tally.busy += 1,
                                Err(e) => panic!("release refused: {e}"),
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
                                "DAILY_LIMIT_REACHED" | "OWNERSHIP_CAP_REACHED" => {
                                    tally.limited += 1
                                }
                                "STORAGE_BUSY" => tally.busy += 1,
                                other => panic!("unexpected refusal {other}: {e}"),
                            },
                        }
                    }
                    tally
                })
            })
            .collect();
        // The clock crosses a local midnight every 700 ms, so daily counters reset mid-run.
        let ticker = s.spawn(|| {
            for _ in 0..5 {
                std::thread::sleep(std::time::Duration::from_millis(700));
                clock.set(clock.now() + Duration::hours(24));
            }
            stop.store(true, Ordering::Relaxed);
        });
        ticker.join().unwrap();
        workers.into_iter().map(|w| w.join().unwrap()).collect()
    });
    let elapsed = started.elapsed().as_secs_f64();

    // Ownership replayed from the log equals the stored owners; every claim took a free customer,
    // and no cap or daily limit was exceeded at any point.
    let events = setup.events("u-1", 0, usize::MAX).unwrap();
    let tz: chrono_tz::Tz = "Asia/Shanghai".parse().unwrap();
    let replay = Replay::check(&events, tz, CAP, DAILY_LIMIT);
    for c in &setup.customers("u-1").unwrap() {
        assert_eq!(
            replay.owner.get(&c.id).cloned().flatten(),
            c.owner_id,
            "{}",
            c.id
        );
    }
    let claimed: u64 = tallies.iter().map(|t| t.claimed).sum();
    let released: u64 = tallies.iter().map(|t| t.released).sum();
    assert_eq!((claimed, released), (replay.claimed, replay.released));
    let claims = replay.claims;
    // The stored daily counters say exactly what the log says.
    let store = SqliteStore::open(&path).unwrap();
    for ((rep, day), n) in &claims {
        let doc = crm_core::store::read(&store, |tx| {
            tx.doc(
                crm_core::store::DocKind::Counter,
                &format!("claims/{rep}/{day}"),
            )
        })
        .unwrap()
        .expect("a counter for every day with claims");
        assert_eq!(
            doc.decode::<u64>().unwrap(),
            *n,
            "counter of {rep} on {day}"
        );
    }
    let lost: u64 = tallies.iter().map(|t| t.already_owned).sum();
    let limited: u64 = tallies.iter().map(|t| t.limited).sum();
    let ops: u64 = tallies.iter().map(|t| t.ops).sum();
    let busy: u64 = tallies.iter().map(|t| t.busy).sum();
    assert!(
        claimed > 0 && lost > 0,
        "the threads really raced: {tallies:?}"
    );
    eprintln!(
        "stress: {THREADS} threads, {elapsed:.1} s, {ops} operations ({:.0}/s): {claimed} claimed, {released} released, {lost} lost races (ALREADY_OWNED), {limited} refused by limits, {busy} busy and retried",
        ops as f64 / elapsed
    );
}
