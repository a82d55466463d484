//! Other processes on one SQLite file. A process killed (SIGKILL) at random points of its batch
//! writes leaves an intact file and no partial batch; two processes claiming from one pool never
//! make a double owner. The children are this test binary run again with `--ignored` and the
//! role in an environment variable.

use chrono::{TimeZone, Utc};
use crm_core::pool::{CapScope, ClaimPolicy, NewPool, OwnershipCap};
use crm_core::testing::ownership::Replay;
use crm_core::{
    Crm, EventKind, FixedClock, NewCustomer, NewUser, OrgSettings, OwnershipReason, Role,
};
use crm_sqlite::SqliteStore;
use std::collections::BTreeSet;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::sync::Arc;
use std::time::{Duration, Instant};

const ROLE: &str = "CRM_SQLITE_CHILD";
const FILE: &str = "CRM_SQLITE_CHILD_FILE";
const SEED: &str = "CRM_SQLITE_CHILD_SEED";
/// Starts each protocol line of a child.
const MARK: &str = "@child ";

const KILLS: usize = 50;
/// Customers moved by each handover batch.
const BATCH: usize = 40;

const CUSTOMERS: usize = 30;
const CAP: u64 = 12;
const CLAIM_SECONDS: f64 = 1.5;

fn clock() -> Arc<FixedClock> {
    Arc::new(FixedClock::new(
        Utc.with_ymd_and_hms(2026, 6, 1, 1, 0, 0).unwrap(),
    ))
}

/// A tiny deterministic generator, so a run can be repeated from its printed seed.
fn next(state: &mut u64) -> u64 {
    *state ^= *state << 13;
    *state ^= *state >> 7;
    *state ^= *state << 17;
    *state
}

fn seed() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos() as u64
        | 1
}

fn rep(crm: &Crm, name: &str) -> String {
    crm.create_user(
        "u-1",
        NewUser {
            name: name.into(),
            role: Role::Rep,
            scope: None,
            team_id: None,
        },
    )
    .unwrap()
    .id
}

/// Kills its child when dropped, so a failed assertion leaves no process behind.
struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn spawn(role: &str, file: &Path, seed: u64) -> Running {
    let child = Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "child",
            "--ignored",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(ROLE, role)
        .env(FILE, file)
        .env(SEED, seed.to_string())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    Running(child)
}

/// The child's protocol lines (`ready`, `begin`, `end`, `tally ...`) as they arrive.
fn lines(child: &mut Running) -> mpsc::Receiver<String> {
    let out = child.0.stdout.take().unwrap();
    let (send, receive) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(out).lines().map_while(Result::ok) {
            // The test harness prints its own lines around the child's.
            let Some((_, said)) = line.split_once(MARK) else {
                continue;
            };
            if send.send(said.to_string()).is_err() {
                break;
            }
        }
    });
    receive
}

/// The tests of this file one after the other: each runs child processes for seconds, and two at
/// once on a two-core machine can starve one child of every claim, which the race test checks.
fn serial() -> std::sync::MutexGuard<'static, ()> {
    static SERIAL: std::sync::Mutex<()> = std::sync::Mutex::new(());
    SERIAL.lock().unwrap_or_else(|e| e.into_inner())
}

fn integrity(path: &Path) -> String {
    rusqlite::Connection::open(path)
        .unwrap()
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap()
}

#[test]
fn a_process_killed_in_the_middle_of_batches_leaves_no_partial_batch() {
    let _one_at_a_time = serial();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("kill.db");
    let ids: Vec<String> = {
        let crm = Crm::new(SqliteStore::open(&path).unwrap(), clock());
        crm.bootstrap("Ada", None).unwrap();
        let a = rep(&crm, "A");
        rep(&crm, "B");
        (0..BATCH)
            .map(|i| {
                crm.create_customer(
                    "u-1",
                    NewCustomer {
                        name: format!("customer {i:02}"),
                        owner_id: Some(a.clone()),
                        ..Default::default()
                    },
                )
                .unwrap()
                .customer
                .id
            })
            .collect()
    };
    let mut state = seed();
    eprintln!("kill test seed {state}");
    let (mut mid_batch, mut batches) = (0, 0u64);
    for kill in 0..KILLS {
        let mut child = spawn("kill", &path, next(&mut state));
        let lines = lines(&mut child);
        let ready = lines.recv_timeout(Duration::from_secs(60));
        assert_eq!(ready.as_deref(), Ok("ready"), "kill {kill}");
        // A random point within the first few batches.
        std::thread::sleep(Duration::from_micros(next(&mut state) % 60_000));
        child.0.kill().unwrap();
        child.0.wait().unwrap();
        let seen: Vec<String> = lines.iter().collect();
        batches += seen.iter().filter(|l| *l == "end").count() as u64;
        if seen.last().map(String::as_str) == Some("begin") {
            mid_batch += 1;
        }

        assert_eq!(integrity(&path), "ok", "kill {kill}");
        let crm = Crm::new(SqliteStore::open(&path).unwrap(), clock());
        let customers: Vec<_> = ids
            .iter()
            .map(|id| crm.customer("u-1", id).unwrap())
            .collect();
        let owners: BTreeSet<_> = customers.iter().map(|c| c.owner_id.clone()).collect();
        let versions: BTreeSet<_> = customers.iter().map(|c| c.version).collect();
        assert_eq!(
            owners.len(),
            1,
            "kill {kill}: one owner for all: {owners:?}"
        );
        assert_eq!(
            versions.len(),
            1,
            "kill {kill}: one version for all: {versions:?}"
        );
        let handovers = crm
            .events("u-1", 0, usize::MAX)
            .unwrap()
            .iter()
            .filter(|e| {
                matches!(
                    e.kind,
                    EventKind::OwnerChanged {
                        cause: OwnershipReason::Handover,
                        ..
                    }
                )
            })
            .count();
        assert_eq!(
            handovers as u64,
            BATCH as u64 * (versions.first().unwrap() - 1),
            "kill {kill}: every committed batch logged all of its customers, and only those"
        );
    }
    eprintln!("{KILLS} kills, {mid_batch} in the middle of a batch, {batches} batches completed");
    assert!(
        mid_batch >= KILLS / 2,
        "most kills must land inside a batch: {mid_batch} of {KILLS}"
    );
}

#[test]
fn two_processes_claiming_from_one_pool_never_make_a_double_owner() {
    let _one_at_a_time = serial();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("claims.db");
    let ids: Vec<String> = {
        let crm = Crm::new(SqliteStore::open(&path).unwrap(), clock());
        let settings = OrgSettings {
            claims: ClaimPolicy {
                daily_limit: None,
                caps: vec![OwnershipCap {
                    scope: CapScope::Everyone,
                    max_owned: CAP,
                    count_won: true,
                }],
            },
            ..OrgSettings::default()
        };
        crm.bootstrap("Ada", Some(settings)).unwrap();
        let reps = vec![rep(&crm, "A"), rep(&crm, "B")];
        crm.create_pool(
            "u-1",
            NewPool {
                name: "pool".into(),
                member_ids: reps,
                member_team_ids: Vec::new(),
                admin_ids: Vec::new(),
                rules: Default::default(),
            },
        )
        .unwrap();
        (0..CUSTOMERS)
            .map(|i| {
                crm.create_customer(
                    "u-1",
                    NewCustomer {
                        name: format!("customer {i:02}"),
                        pool_id: Some("p-1".into()),
                        ..Default::default()
                    },
                )
                .unwrap()
                .customer
                .id
            })
            .collect()
    };
    let mut state = seed();
    eprintln!("two-process test seed {state}");
    let mut children: Vec<(Running, mpsc::Receiver<String>)> = ["u-2", "u-3"]
        .iter()
        .map(|rep| {
            let mut child = spawn(&format!("claim {rep}"), &path, next(&mut state));
            let lines = lines(&mut child);
            (child, lines)
        })
        .collect();
    let mut tallies = Vec::new();
    for (child, lines) in &mut children {
        let tally = lines
            .iter()
            .find(|l| l.starts_with("tally "))
            .expect("the child reports its tally");
        assert!(child.0.wait().unwrap().success(), "{tally}");
        let n: Vec<u64> = tally[6..].split(' ').map(|n| n.parse().unwrap()).collect();
        tallies.push(n);
    }
    let crm = Crm::new(SqliteStore::open(&path).unwrap(), clock());
    let events = crm.events("u-1", 0, usize::MAX).unwrap();
    let tz: chrono_tz::Tz = "Asia/Shanghai".parse().unwrap();
    // Panics at the first claim of an owned customer or an owner above the cap.
    let replay = Replay::check(&events, tz, CAP, u64::MAX);
    for id in &ids {
        let c = crm.customer("u-1", id).unwrap();
        assert_eq!(replay.owner.get(id).cloned().flatten(), c.owner_id, "{id}");
    }
    let claimed: u64 = tallies.iter().map(|t| t[0]).sum();
    let released: u64 = tallies.iter().map(|t| t[1]).sum();
    assert_eq!((claimed, released), (replay.claimed, replay.released));
    assert!(
        tallies.iter().all(|t| t[0] > 0),
        "both processes claimed: {tallies:?}"
    );
    assert!(
        tallies.iter().map(|t| t[2]).sum::<u64>() > 0,
        "the processes wanted the same customers: {tallies:?}"
    );
    assert_eq!(integrity(&path), "ok");
    eprintln!("two processes, {CLAIM_SECONDS} s each: [claimed, released, already owned, capped, busy retried] = {tallies:?}");
}

/// The child processes of the tests above; does nothing unless one of them started it.
#[test]
#[ignore = "run by the tests above as a child process"]
fn child() {
    let Some(role) = std::env::var_os(ROLE) else {
        return;
    };
    let role = role.into_string().unwrap();
    let path = PathBuf::from(std::env::var_os(FILE).unwrap());
    let mut state: u64 = std::env::var(SEED).unwrap().parse().unwrap();
    let crm = Crm::new(SqliteStore::open(&path).unwrap(), clock());
    if role == "kill" {
        // Hands the batch back and forth between the two reps until killed.
        let first = crm.customers("u-1").unwrap()[0].clone();
        let mut from = first.owner_id.unwrap();
        println!("{MARK}ready");
        loop {
            let to = if from == "u-2" { "u-3" } else { "u-2" };
            println!("{MARK}begin");
            let moved = crm.handover("u-1", &from, to, "kill test").unwrap();
            assert_eq!(moved.len(), BATCH);
            println!("{MARK}end");
            from = to.to_string();
        }
    }
    let me = role.strip_prefix("claim ").unwrap();
    let ids: Vec<String> = crm
        .customers("u-1")
        .unwrap()
        .into_iter()
        .map(|c| c.id)
        .collect();
    let mut mine: BTreeSet<String> = BTreeSet::new();
    let (mut claimed, mut released, mut owned, mut capped, mut busy) = (0u64, 0u64, 0, 0, 0);
    let started = Instant::now();
    // SQLite does not queue writers of different processes fairly: one that writes back to back
    // can keep the other waiting for its whole window (seen under CI load). Each round pauses
    // a millisecond, as an app between a user's taps would, and a process that has not claimed
    // yet goes on (up to 10 s) until it has.
    while started.elapsed().as_secs_f64() < CLAIM_SECONDS
        || (claimed == 0 && started.elapsed() < Duration::from_secs(10))
    {
        let roll = next(&mut state) % 10;
        let result = if roll < 3 && !mine.is_empty() {
            let pick = (next(&mut state) as usize) % mine.len();
            let id = mine.iter().nth(pick).unwrap().clone();
            crm.release_customer(me, &id, "two processes").map(|_| {
                mine.remove(&id);
                released += 1;
            })
        } else {
            let n = if roll == 9 { 3 } else { 1 };
            let batch: Vec<String> = (0..n)
                .map(|_| ids[(next(&mut state) as usize) % ids.len()].clone())
                .collect::<BTreeSet<_>>()
                .into_iter()
                .collect();
            crm.claim_customers(me, &batch).map(|got| {
                claimed += got.len() as u64;
                mine.extend(got.into_iter().map(|c| c.id));
            })
        };
        if let Err(e) = result {
            match e.code() {
                "ALREADY_OWNED" => owned += 1,
                "OWNERSHIP_CAP_REACHED" => capped += 1,
                // Retryable: the next round simply tries again.
                "STORAGE_BUSY" => busy += 1,
                other => panic!("unexpected refusal {other}: {e}"),
            }
        }
        std::thread::sleep(Duration::from_millis(1));
    }
    println!("{MARK}tally {claimed} {released} {owned} {capped} {busy}");
}
