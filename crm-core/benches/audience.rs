//! Audience evaluation (`Crm::preview_audience`) over an organisation of 1,000,000 customers on
//! the memory store: a selective criteria set (level A, tag `vip`, region Shanghai: about one
//! customer in a thousand) and a broad one (everyone owned by a member of team `t-1`: about
//! 450,000), each as the admin (scope all) and as the manager of `t-1` (scope team).
//!
//! `cargo bench -p crm-core --bench audience`

use chrono::{TimeZone, Utc};
use criterion::{criterion_group, criterion_main, Criterion};
use crm_core::testing::audience::{cases, check, seed};
use crm_core::{Crm, FixedClock, MemoryStore};
use std::sync::Arc;
use std::time::Duration as StdDuration;

fn preview(c: &mut Criterion) {
    let now = Utc.with_ymd_and_hms(2026, 11, 24, 2, 0, 0).unwrap();
    let store = MemoryStore::new();
    seed(&store, now, 100_000).unwrap();
    let crm = Crm::new(store, Arc::new(FixedClock::new(now)));
    let mut group = c.benchmark_group("audience_preview");
    group
        .sample_size(10)
        .warm_up_time(StdDuration::from_millis(500))
        .measurement_time(StdDuration::from_secs(5));
    for case in cases(now) {
        eprintln!("memory {}: {} customers", case.name, case.count);
        group.bench_function(format!("memory_1m_customers/{}", case.name), |b| {
            b.iter(|| check(&crm, &case))
        });
    }
    group.finish();
}

criterion_group!(benches, preview);
criterion_main!(benches);
