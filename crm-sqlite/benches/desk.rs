//! The service desk in one SQLite file: the breach list of the next hour among 1,000,000 open
//! tickets, read from the `docs_by_due_at` index. The desk and its tickets are those of
//! crm-core's `desk` bench (`crm_core::testing::desk`), opened through `create_tickets` in
//! batches of 1,000; the file is seeded once per run.
//!
//! `cargo bench -p crm-sqlite --bench desk`

use chrono::{TimeZone, Utc};
use criterion::{criterion_group, criterion_main, Criterion};
use crm_core::testing::desk::{breaches, configure, seed};
use crm_core::{Crm, FixedClock};
use crm_sqlite::SqliteStore;
use std::sync::Arc;
use std::time::{Duration as StdDuration, Instant};

fn desk(c: &mut Criterion) {
    let start = Utc.with_ymd_and_hms(2026, 11, 2, 1, 0, 0).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("desk.db");
    let clock = Arc::new(FixedClock::new(start));
    let crm = Crm::new(SqliteStore::open(&path).unwrap(), clock.clone());
    configure(&crm).unwrap();
    let t0 = Instant::now();
    seed(&crm, &clock, start, 1_000_000).unwrap();
    eprintln!(
        "sqlite: 1,000,000 tickets opened in {:.1} s; {} due within the hour",
        t0.elapsed().as_secs_f64(),
        breaches(&crm, start).unwrap()
    );
    let mut group = c.benchmark_group("desk");
    group
        .sample_size(10)
        .warm_up_time(StdDuration::from_millis(500))
        .measurement_time(StdDuration::from_secs(10));
    group.bench_function("sqlite_1m_tickets/breaches_next_hour", |b| {
        b.iter(|| breaches(&crm, start).unwrap())
    });
    group.finish();
}

criterion_group!(benches, desk);
criterion_main!(benches);
