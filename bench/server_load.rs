//! Load test of `crm serve` on PostgreSQL: 64 reps, each its own client thread with its own token,
//! read and claim from one pool for 30 s (CRM_LOAD_SECS) over the loopback; the server runs in
//! its own process. Afterwards the event log is replayed: no customer ever had two owners, no
//! claim exceeded the daily limit or the ownership cap, and the stored owners are the log's.
//!
//! `bash scripts/with-postgres.sh cargo bench -p crm-cli --bench server_load`

mod serve;

use crm_core::pool::{CapScope, ClaimPolicy, NewPool, OwnershipCap};
use crm_core::testing::ownership::Replay;
use crm_core::{Crm, NewCustomer, NewUser, OrgSettings, Role, SystemClock};
use crm_postgres::{PgPool, PgStore};
use std::collections::BTreeMap;

use std::process::Command;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

const CLIENTS: usize = 64;
const CUSTOMERS: usize = 1_000;
const DAILY_LIMIT: u64 = 200;
const CAP: u64 = 25;

fn main() {
    let Ok(url) = std::env::var("CRM_PG_URL") else {
        eprintln!("server_load needs PostgreSQL: bash scripts/with-postgres.sh cargo bench -p crm-cli --bench server_load");
        std::process::exit(2);
    };
    let secs: u64 = std::env::var("CRM_LOAD_SECS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(30);
    let org = format!("load-{}", std::process::id());
    let pool = PgPool::connect(&url, 4).unwrap();
    let crm = Crm::new(PgStore::open(&pool, &org).unwrap(), Arc::new(SystemClock));
    let (tokens, customers) = set_up(&crm, &org);

    let (mut server, base) = serve::start(&url);

    println!("{CLIENTS} clients, {CUSTOMERS} pool customers, {secs} s against {base} (PostgreSQL)");
    let stop = AtomicBool::new(false);
    let started = Instant::now();
    let results: Vec<Tally> = std::thread::scope(|s| {
        let workers: Vec<_> = (0..CLIENTS)
            .map(|i| {
                let (base, token, customers, stop) = (&base, &tokens[i], &customers, &stop);
                s.spawn(move || client(base, token, customers, stop, i as u64))
            })
            .collect();
        std::thread::sleep(Duration::from_secs(secs));
        stop.store(true, Ordering::Relaxed);
        workers.into_iter().map(|w| w.join().unwrap()).collect()
    });
    let elapsed = started.elapsed().as_secs_f64();
    Command::new("kill")
        .args(["-TERM", &server.id().to_string()])
        .status()
        .unwrap();
    server.wait().unwrap();

    let mut all = Tally::default();
    for r in results {
        all.merge(r);
    }
    let total: usize = all.latencies.values().map(Vec::len).sum();
    println!(
        "{total} requests in {elapsed:.1} s: {:.0} requests/s",
        total as f64 / elapsed
    );
    for (kind, lat) in &mut all.latencies {
        lat.sort_unstable();
        let at = |q: f64| lat[((lat.len() - 1) as f64 * q) as usize] as f64 / 1e3;
        println!(
            "  {kind:<8} {:>7} calls  p50 {:>6.2} ms  p99 {:>6.2} ms  max {:>7.2} ms",
            lat.len(),
            at(0.5),
            at(0.99),
            at(1.0)
        );
    }
    println!("  answers: {:?}", all.answers);
    let failures: u64 = all
        .answers
        .iter()
        .filter(|(k, _)| k.starts_with('5') || k.starts_with("transport"))
        .map(|(_, n)| n)
        .sum();

    // The invariants, on the whole log.
    let events = crm.events("u-1", 0, usize::MAX).unwrap();
    let replay = Replay::check(&events, chrono_tz::Asia::Shanghai, CAP, DAILY_LIMIT);
    for id in &customers {
        let stored = crm.customer("u-1", id).unwrap().owner_id;
        assert_eq!(
            replay.owner.get(id).cloned().flatten(),
            stored,
            "{id}: the stored owner is the log's"
        );
    }
    println!(
        "  event log: {} events, {} claims, {} releases; no double owner, no limit exceeded, stored owners agree",
        events.len(),
        replay.claimed,
        replay.released
    );
    PgStore::open_existing(&pool, &org)
        .unwrap()
        .delete_org()
        .unwrap();
    assert_eq!(failures, 0, "server errors or failed connections");
}

/// Settings with a daily limit and a cap, 64 reps with tokens, one pool of customers.
fn set_up(crm: &Crm, org: &str) -> (Vec<String>, Vec<String>) {
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
    let admin = crm.bootstrap("admin", Some(settings)).unwrap().id;
    let reps: Vec<String> = (0..CLIENTS)
        .map(|i| {
            let user = NewUser {
                name: format!("rep {i}"),
                role: Role::Rep,
                scope: None,
                team_id: None,
            };
            crm.create_user(&admin, user).unwrap().id
        })
        .collect();
    let tokens = reps
        .iter()
        .map(|r| {
            let secret = crm_server::new_secret().unwrap();
            crm.issue_token(&admin, org, r, "load", secret)
                .unwrap()
                .credential
        })
        .collect();
    let pool = NewPool {
        name: "pool".into(),
        member_ids: reps.clone(),
        member_team_ids: vec![],
        admin_ids: vec![],
        rules: Default::default(),
    };
    let pool_id = crm.create_pool(&admin, pool).unwrap().id;
    let t0 = Instant::now();
    let mut names = crm_core::testing::names::Names::new(7);
    let customers = (0..CUSTOMERS)
        .map(|i| {
            let c = NewCustomer {
                name: format!("{} {i}", names.next().unwrap_or_default()),
                pool_id: Some(pool_id.clone()),
                ..NewCustomer::default()
            };
            crm.create_customer(&admin, c).unwrap().customer.id
        })
        .collect();
    eprintln!(
        "set-up: {CUSTOMERS} customers in {:.1} s",
        t0.elapsed().as_secs_f64()
    );
    (tokens, customers)
}

#[derive(Default)]
struct Tally {
    /// Microseconds per call, by kind.
    latencies: BTreeMap<&'static str, Vec<u64>>,
    /// Answers by status and code (`200`, `409 ALREADY_OWNED`, ...).
    answers: BTreeMap<String, u64>,
}

impl Tally {
    fn merge(&mut self, other: Tally) {
        for (k, mut v) in other.latencies {
            self.latencies.entry(k).or_default().append(&mut v);
        }
        for (k, n) in other.answers {
            *self.answers.entry(k).or_default() += n;
        }
    }
}

/// One rep: half reads (their customers, one customer, the pool), a third claims, the rest
/// releases of what they hold.
fn client(base: &str, token: &str, customers: &[String], stop: &AtomicBool, seed: u64) -> Tally {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(30)))
        .build()
        .into();
    let auth = format!("Bearer {token}");
    let mut state = 0x9E37_79B9_7F4A_7C15u64 ^ (seed + 1);
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let mut mine: Vec<String> = vec![];
    let mut tally = Tally::default();
    while !stop.load(Ordering::Relaxed) {
        let roll = next() % 100;
        let any = &customers[(next() as usize) % customers.len()];
        let (kind, op, body) = match roll {
            0..=29 => ("read", "customers", "{}".to_string()),
            30..=49 => ("read", "customer", format!(r#"{{"id":"{any}"}}"#)),
            50..=54 => ("read", "pool_customers", r#"{"pool_id":"p-1"}"#.to_string()),
            55..=84 => (
                "claim",
                "claim_customer",
                format!(r#"{{"customer_id":"{any}"}}"#),
            ),
            _ if !mine.is_empty() => {
                let id = mine.swap_remove((next() as usize) % mine.len());
                (
                    "release",
                    "release_customer",
                    format!(r#"{{"customer_id":"{id}","reason":"load"}}"#),
                )
            }
            _ => ("read", "customers", "{}".to_string()),
        };
        let t = Instant::now();
        let sent = agent
            .post(format!("{base}/v1/ops/{op}"))
            .header("Authorization", &auth)
            .content_type("application/json")
            .send(&body);
        let answer = match sent {
            Ok(mut r) => {
                let status = r.status().as_u16();
                let text = r.body_mut().with_config().limit(64 << 20).read_to_string();
                let text = text.unwrap_or_default();
                if status == 200 {
                    if op == "claim_customer" {
                        mine.push(any.clone());
                    }
                    "200".to_string()
                } else {
                    let v: serde_json::Value = serde_json::from_str(&text).unwrap_or_default();
                    format!("{status} {}", v["code"].as_str().unwrap_or("?"))
                }
            }
            Err(e) => format!("transport {e}"),
        };
        let micros = u64::try_from(t.elapsed().as_micros()).unwrap_or(u64::MAX);
        tally.latencies.entry(kind).or_default().push(micros);
        *tally.answers.entry(answer).or_default() += 1;
    }
    tally
}
