//! Allocation of 1,000,000 leads over 1,000 reps with the capacity strategy, and the recycling
//! sweep of 1,000,000 owned customers on the memory store (the steady state of a daily sweep:
//! about one customer in ninety is due).

use chrono::{TimeZone, Utc};
use criterion::{criterion_group, criterion_main, BatchSize, Criterion, SamplingMode};
use crm_core::allocation::{allocate, AllocationStrategy, AllocatorState, LeadView, RepLoad};
use crm_core::testing::population;
use crm_core::{Crm, FixedClock, MemoryStore};
use std::sync::Arc;
use std::time::Duration;

fn allocation(c: &mut Criterion) {
    let reps: Vec<RepLoad> = (0..1_000)
        .map(|i| RepLoad {
            rep_id: format!("u-{}", i + 2),
            active: i % 50 != 0,
            weight: 1 + (i % 5) as u32,
            open: 0,
            daily_cap: Some(2_000 + (i % 7) as u64 * 100),
            total_cap: None,
            used_today: (i % 13) as u64,
            used_total: 0,
        })
        .collect();
    let leads: Vec<LeadView> = (0..1_000_000)
        .map(|i| LeadView {
            id: format!("l-{i}"),
            owner_id: None,
            weight: 1 + (i % 3 == 0) as u64,
            fields: Default::default(),
        })
        .collect();
    let mut group = c.benchmark_group("allocation");
    group.sample_size(10);
    group.bench_function("capacity_1m_leads_1000_reps", |b| {
        b.iter_batched(
            || (reps.clone(), AllocatorState::default()),
            |(mut reps, mut state)| {
                let placed = allocate(
                    &AllocationStrategy::Capacity,
                    &mut reps,
                    &mut state,
                    &leads,
                    false,
                )
                .expect("room for every lead");
                assert_eq!(placed.len(), leads.len());
                placed
            },
            BatchSize::LargeInput,
        )
    });
    group.finish();
}

fn sweep(c: &mut Criterion) {
    let now = Utc.with_ymd_and_hms(2026, 11, 24, 2, 0, 0).unwrap();
    let seeded = || {
        let store = MemoryStore::new();
        let due = population::seed(&store, 1_000_000, 1_000, now, 1_000_000).unwrap();
        (store, due)
    };
    let (store, due) = seeded();
    eprintln!("memory store: 1,000,000 customers, {due} due");
    let sweep = |store: MemoryStore| {
        let crm = Crm::new(store, Arc::new(FixedClock::new(now)));
        let report = crm.sweep_pools("u-1").unwrap();
        assert_eq!(report.recycled.len(), due);
        crm
    };
    let mut group = c.benchmark_group("sweep");
    // Each run needs a freshly seeded store (seconds to build), so few and flat samples.
    group
        .sample_size(10)
        .sampling_mode(SamplingMode::Flat)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(1));
    // The store as an application holds it: a write changes it in place.
    group.bench_function("memory_1m_customers", |b| {
        b.iter_batched(|| seeded().0, sweep, BatchSize::PerIteration)
    });
    // While a snapshot or fork shares the data, a write copies every tree path it touches.
    group.bench_function("memory_1m_customers_shared_with_a_fork", |b| {
        b.iter_batched(|| store.fork(), sweep, BatchSize::PerIteration)
    });
    group.finish();
}

criterion_group!(benches, allocation, sweep);
criterion_main!(benches);
