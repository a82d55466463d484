//! Duplicate checks (撞单) over 1,000,000 stored customers (`CRM_BENCH_CUSTOMERS` overrides), on
//! the memory store and on SQLite, in one file so both run the same procedure: `create_customer`
//! with the default duplicate check on, `find_duplicates` with a misspelt stored name, a name over
//! the length limit (refused before any look-up) and the similarity of two names of the longest
//! allowed length.
//!
//! Criterion reports the mean of each; the tail the targets are stated in is measured beside it
//! (1,000 calls per store, each timed on its own) and printed as `p50 / p99 / max`.
//!
//! `cargo bench -p crm-sqlite --bench duplicates`

use chrono::{TimeZone, Utc};
use criterion::{criterion_group, criterion_main, Criterion};
use crm_core::access::{DataScope, Role};
use crm_core::customer::normalize::name_similarity;
use crm_core::customer::DuplicateProbe;
use crm_core::store::{self, Store};
use crm_core::testing::{conformance, names};
use crm_core::{Crm, FixedClock, MemoryStore, NewCustomer};
use crm_sqlite::SqliteStore;
use std::sync::Arc;
use std::time::{Duration, Instant};

const SEED: u64 = 7;
const TAIL_CALLS: usize = 1_000;

fn customers() -> usize {
    std::env::var("CRM_BENCH_CUSTOMERS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000)
}

/// `customers()` stored customers and an admin `u-admin` who sees them all.
fn seeded(store: impl Store + 'static) -> Crm {
    let now = Utc.with_ymd_and_hms(2026, 3, 2, 1, 0, 0).unwrap();
    let started = Instant::now();
    names::seed(&store, customers(), SEED, now, 10_000).expect("seed");
    let mut admin = conformance::user("u-admin", 1);
    admin.role = Role::Admin;
    admin.scope = DataScope::All;
    store::write(&store, |tx| tx.put_user(&admin)).expect("admin");
    eprintln!(
        "seeded {} customers in {:.1?}",
        customers(),
        started.elapsed()
    );
    Crm::new(store, Arc::new(FixedClock::new(now)))
}

/// Times each call on its own and prints the median, 99th percentile and slowest.
fn tail(label: &str, mut call: impl FnMut(usize)) {
    let mut times: Vec<Duration> = (0..TAIL_CALLS)
        .map(|i| {
            let t = Instant::now();
            call(i);
            t.elapsed()
        })
        .collect();
    times.sort();
    let at = |q: f64| times[((times.len() - 1) as f64 * q).round() as usize];
    println!(
        "{label}: p50 {:.3?} / p99 {:.3?} / max {:.3?} over {TAIL_CALLS} calls",
        at(0.5),
        at(0.99),
        at(1.0)
    );
}

/// A stored name with one character changed: what a rep types for a customer already held.
fn misspelt(generator: &mut names::Names) -> String {
    let name = generator.next().unwrap_or_default();
    let mut chars: Vec<char> = name.chars().collect();
    let at = chars.len() / 2;
    chars[at] = if chars[at].is_ascii() { 'x' } else { '鑫' };
    chars.into_iter().collect()
}

fn bench_store(c: &mut Criterion, label: &str, crm: Crm) {
    // Names of the same mix as the stored ones, but another sequence: mostly new customers.
    let mut fresh = names::Names::new(SEED + 1);
    let mut stored = names::Names::new(SEED);
    let mut created = 0usize;
    let mut create = |crm: &Crm, fresh: &mut names::Names| {
        created += 1;
        let new = NewCustomer {
            name: fresh.next().unwrap_or_default(),
            phones: vec![format!("186{created:08}")],
            ..Default::default()
        };
        // A refusal as a duplicate costs the same look-ups as a creation.
        let _ = crm.create_customer("u-admin", new);
    };
    tail(&format!("{label} create_customer"), |_| {
        create(&crm, &mut fresh)
    });
    tail(&format!("{label} find_duplicates"), |_| {
        let probe = DuplicateProbe {
            name: Some(misspelt(&mut stored)),
            ..Default::default()
        };
        crm.find_duplicates("u-admin", probe).expect("look-up");
    });
    let mut group = c.benchmark_group(format!("duplicates_{label}"));
    group.sample_size(20);
    group.bench_function("create_customer", |b| b.iter(|| create(&crm, &mut fresh)));
    group.bench_function("find_duplicates", |b| {
        b.iter(|| {
            let probe = DuplicateProbe {
                name: Some(misspelt(&mut stored)),
                ..Default::default()
            };
            crm.find_duplicates("u-admin", probe).expect("look-up")
        })
    });
    let huge = "星".repeat(100_000);
    group.bench_function("name_of_100000_characters_refused", |b| {
        b.iter(|| {
            let new = NewCustomer {
                name: huge.clone(),
                ..Default::default()
            };
            crm.create_customer("u-admin", new)
                .expect_err("over the limit")
        })
    });
    group.finish();
}

fn duplicates(c: &mut Criterion) {
    // Two names of the longest allowed length, far apart: the most a comparison does.
    let longest = crm_core::limits::NAME;
    let a: String = "星辰科技".chars().cycle().take(longest).collect();
    let b: String = "宏达贸易".chars().cycle().take(longest).collect();
    c.bench_function("name_similarity_longest_allowed", |bench| {
        bench.iter(|| name_similarity(&a, &b))
    });
    bench_store(c, "memory", seeded(MemoryStore::new()));
    let dir = tempfile::tempdir().expect("temporary directory");
    let file = SqliteStore::open(dir.path().join("bench.db")).expect("open");
    bench_store(c, "sqlite", seeded(file));
}

criterion_group!(benches, duplicates);
criterion_main!(benches);
