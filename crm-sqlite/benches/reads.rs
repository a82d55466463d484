//! Point reads (`Crm::customer`) from 1, 2 and 4 threads on one store over a file of 10,000
//! customers: 40,000 reads per sample, split between the threads. `pooled` is the default store
//! (a pool of reader connections beside the writer); `one_connection` opens it with `readers(0)`,
//! so every read goes through the writer connection, as before the pool.
//!
//! `cargo bench -p crm-sqlite --bench reads`; criterion prints reads/s as `thrpt`.

use chrono::{TimeZone, Utc};
use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use crm_core::testing::population;
use crm_core::{Crm, FixedClock};
use crm_sqlite::{SqliteOptions, SqliteStore};
use std::sync::Arc;
use std::time::{Duration, Instant};

const CUSTOMERS: usize = 10_000;
const READS: usize = 40_000;

fn reads(c: &mut Criterion) {
    let now = Utc.with_ymd_and_hms(2026, 3, 2, 1, 0, 0).unwrap();
    let clock = Arc::new(FixedClock::new(now));
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("reads.db");
    let ids: Vec<String> = {
        let store = SqliteStore::open(&path).unwrap();
        population::seed(&store, CUSTOMERS, 10, now, 1_000).unwrap();
        (1..=CUSTOMERS).map(|i| format!("c-{i}")).collect()
    };
    eprintln!(
        "reads: {CUSTOMERS} customers, {READS} point reads per sample, {} cores",
        std::thread::available_parallelism().map_or(0, |n| n.get())
    );
    let mut group = c.benchmark_group("point_reads");
    group.throughput(Throughput::Elements(READS as u64));
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(10));
    for (mode, options) in [
        ("pooled", SqliteOptions::default()),
        ("one_connection", SqliteOptions::default().readers(0)),
    ] {
        let crm = Crm::new(
            SqliteStore::open_with(&path, options).unwrap(),
            clock.clone(),
        );
        for threads in [1, 2, 4] {
            group.bench_function(format!("{mode}/{threads}_threads"), |b| {
                b.iter_custom(|iters| {
                    let mut total = Duration::ZERO;
                    for _ in 0..iters {
                        let started = Instant::now();
                        std::thread::scope(|s| {
                            for t in 0..threads {
                                let (crm, ids) = (&crm, &ids);
                                s.spawn(move || {
                                    let mut i = t * 7919;
                                    for _ in 0..READS / threads {
                                        i = (i + 7919) % ids.len();
                                        let c = crm.customer("u-1", &ids[i]).unwrap();
                                        assert_eq!(c.id, ids[i]);
                                    }
                                });
                            }
                        });
                        total += started.elapsed();
                    }
                    total
                })
            });
        }
    }
    group.finish();
}

criterion_group!(benches, reads);
criterion_main!(benches);
