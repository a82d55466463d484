//! The service desk on the memory store: the breach list of the next hour among 1,000,000 open
//! tickets (read from the deadline index), and creating and routing 100,000 tickets in one
//! `create_tickets` batch.
//!
//! `cargo bench -p crm-core --bench desk`

use chrono::{TimeZone, Utc};
use criterion::{criterion_group, criterion_main, BatchSize, Criterion};
use crm_core::testing::desk::{batch, breaches, configure, seed, ADMIN};
use crm_core::{Crm, FixedClock};
use std::sync::Arc;
use std::time::Duration as StdDuration;

fn desk(c: &mut Criterion) {
    let start = Utc.with_ymd_and_hms(2026, 11, 2, 1, 0, 0).unwrap();
    let clock = Arc::new(FixedClock::new(start));
    let crm = Crm::in_memory(clock.clone());
    configure(&crm).unwrap();
    seed(&crm, &clock, start, 1_000_000).unwrap();
    eprintln!(
        "memory: {} of 1,000,000 tickets due within the hour",
        breaches(&crm, start).unwrap()
    );
    let mut group = c.benchmark_group("desk");
    group
        .sample_size(10)
        .warm_up_time(StdDuration::from_millis(500))
        .measurement_time(StdDuration::from_secs(5));
    group.bench_function("memory_1m_tickets/breaches_next_hour", |b| {
        b.iter(|| breaches(&crm, start).unwrap())
    });
    group.bench_function("memory/create_and_route_100k", |b| {
        b.iter_batched(
            || {
                let crm = Crm::in_memory(Arc::new(FixedClock::new(start)));
                configure(&crm).unwrap();
                (crm, batch(100_000, 0))
            },
            |(crm, tickets)| {
                crm.create_tickets(ADMIN, tickets).unwrap();
                crm // dropped outside the measurement
            },
            BatchSize::PerIteration,
        )
    });
    group.finish();
}

criterion_group!(benches, desk);
criterion_main!(benches);
