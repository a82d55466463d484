//! Audience evaluation (`Crm::preview_audience`) over an organisation of 1,000,000 customers in
//! one SQLite file: a selective criteria set (level A, tag `vip`, region Shanghai: about one
//! customer in a thousand) and a broad one (everyone owned by a member of team `t-1`: about
//! 450,000), each as the admin (scope all) and as the manager of `t-1` (scope team). The
//! organisation is the one of crm-core's `audience` bench; the file is seeded once per run.
//!
//! `cargo bench -p crm-sqlite --bench audience`

use chrono::{TimeZone, Utc};
use criterion::{criterion_group, criterion_main, Criterion};
use crm_core::testing::audience::{cases, check, seed};
use crm_core::{Crm, FixedClock};
use crm_sqlite::SqliteStore;
use std::sync::Arc;
use std::time::Duration as StdDuration;

fn preview(c: &mut Criterion) {
    let now = Utc.with_ymd_and_hms(2026, 11, 24, 2, 0, 0).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("audience.db");
    seed(&SqliteStore::open(&path).unwrap(), now, 50_000).unwrap();
    let crm = Crm::new(
        SqliteStore::open(&path).unwrap(),
        Arc::new(FixedClock::new(now)),
    );
    let mut group = c.benchmark_group("audience_preview");
    group
        .sample_size(10)
        .warm_up_time(StdDuration::from_millis(500))
        .measurement_time(StdDuration::from_secs(10));
    for case in cases(now) {
        eprintln!("sqlite {}: {} customers", case.name, case.count);
        group.bench_function(format!("sqlite_1m_customers/{}", case.name), |b| {
            b.iter(|| check(&crm, &case))
        });
    }
    group.finish();
}

criterion_group!(benches, preview);
criterion_main!(benches);
