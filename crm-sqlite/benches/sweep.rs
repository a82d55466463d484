//! The recycling sweep of 1,000,000 owned customers in one SQLite file (the steady state of a
//! daily sweep: about one customer in ninety is due). Each sample sweeps a fresh copy of the file.

use chrono::{TimeZone, Utc};
use criterion::{criterion_group, criterion_main, Criterion};
use crm_core::testing::population;
use crm_core::{Crm, FixedClock};
use crm_sqlite::SqliteStore;
use std::sync::Arc;
use std::time::{Duration, Instant};

fn sweep(c: &mut Criterion) {
    let now = Utc.with_ymd_and_hms(2026, 11, 24, 2, 0, 0).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let seeded = dir.path().join("seeded.db");
    let due = {
        let store = SqliteStore::open(&seeded).unwrap();
        population::seed(&store, 1_000_000, 1_000, now, 50_000).unwrap()
    };
    eprintln!("sqlite: 1,000,000 customers, {due} due");
    let work = dir.path().join("work.db");
    let mut group = c.benchmark_group("sweep");
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(20));
    group.bench_function("sqlite_1m_customers", |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                for suffix in ["-wal", "-shm"] {
                    let _ = std::fs::remove_file(format!("{}{suffix}", work.display()));
                }
                std::fs::copy(&seeded, &work).unwrap();
                let crm = Crm::new(
                    SqliteStore::open(&work).unwrap(),
                    Arc::new(FixedClock::new(now)),
                );
                let started = Instant::now();
                let report = crm.sweep_pools("u-1").unwrap();
                total += started.elapsed();
                assert_eq!(report.recycled.len(), due);
            }
            total
        })
    });
    group.finish();
}

criterion_group!(benches, sweep);
criterion_main!(benches);
