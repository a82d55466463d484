//! PostgreSQL figures (run through `bash crm-postgres/bench.sh`, which starts a throwaway cluster):
//! - claims: single-customer claims per second with 1, 4 and 16 connections, all in one
//!   organisation (writers of one organisation are serialised) and each connection in its own
//!   organisation (independent organisations write in parallel);
//! - sweep: the recycling sweep of 1,000,000 owned customers spread over 100 organisations
//!   (10,000 each, about one in ninety due), organisation after organisation on one connection.
//!   Each sample sweeps a fresh copy of the seeded database (CREATE DATABASE ... TEMPLATE).

use chrono::{TimeZone, Utc};
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use crm_core::pool::NewPool;
use crm_core::store;
use crm_core::testing::{conformance, population};
use crm_core::{Crm, FixedClock, NewUser, Role};
use crm_postgres::{PgPool, PgStore};
use std::sync::Arc;
use std::time::{Duration, Instant};

const CLAIMS_PER_CONNECTION: usize = 25;

fn env(name: &str) -> String {
    std::env::var(name)
        .unwrap_or_else(|_| panic!("{name} is not set: run bash crm-postgres/bench.sh"))
}

/// The URL of another database on the same server.
fn database(url: &str, name: &str) -> String {
    let (server, _) = url.rsplit_once('/').expect("a URL ending in /database");
    format!("{server}/{name}")
}

/// An organisation with `reps` reps (u-2..) and `per_rep` pool customers for each, so each rep
/// claims from a slice of its own.
fn claim_org(pool: &PgPool, org: &str, reps: usize, per_rep: usize) -> Crm {
    let store = pool.store(org).unwrap();
    store.delete_org().unwrap();
    let store = pool.store(org).unwrap();
    let crm = Crm::new(
        store.clone(),
        Arc::new(FixedClock::new(
            Utc.with_ymd_and_hms(2026, 11, 24, 2, 0, 0).unwrap(),
        )),
    );
    crm.bootstrap("admin", None).unwrap();
    let ids: Vec<String> = (0..reps)
        .map(|i| {
            crm.create_user(
                "u-1",
                NewUser {
                    name: format!("rep {i}"),
                    role: Role::Rep,
                    scope: None,
                    team_id: None,
                },
            )
            .unwrap()
            .id
        })
        .collect();
    crm.create_pool(
        "u-1",
        NewPool {
            name: "pool".into(),
            member_ids: ids,
            member_team_ids: Vec::new(),
            admin_ids: Vec::new(),
            rules: Default::default(),
        },
    )
    .unwrap();
    store::write(&store, |tx| {
        for i in 0..reps * per_rep {
            let mut c = conformance::customer(&format!("c-{}", i + 1), None, 1);
            c.pool_id = Some("p-1".into());
            tx.put_customer(&c)?;
        }
        Ok(())
    })
    .unwrap();
    crm
}

/// Runs `op` on each connection's customers at once: connection `t` acts as rep `t` of the one
/// shared organisation, or as the single rep of organisation `t`.
fn on_each_connection(
    orgs: &[Crm],
    connections: usize,
    op: impl Fn(&Crm, &str, &str) -> crm_core::Result<()> + Sync,
) {
    let shared = orgs.len() == 1;
    std::thread::scope(|s| {
        for t in 0..connections {
            let (crm, op) = (&orgs[if shared { 0 } else { t }], &op);
            let rep_index = if shared { t } else { 0 };
            s.spawn(move || {
                let rep = format!("u-{}", rep_index + 2);
                let first = rep_index * 2 * CLAIMS_PER_CONNECTION;
                for k in 0..CLAIMS_PER_CONNECTION {
                    op(crm, &rep, &format!("c-{}", first + k + 1)).unwrap();
                }
            });
        }
    });
}

fn claims(c: &mut Criterion) {
    let url = env("CRM_PG_URL");
    let pool = PgPool::connect(&url, 40).unwrap();
    let mut group = c.benchmark_group("claims");
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(10));
    for connections in [1usize, 4, 16] {
        group.throughput(Throughput::Elements(
            (connections * CLAIMS_PER_CONNECTION) as u64,
        ));
        for shared in [true, false] {
            // One organisation for all connections, or one per connection.
            let orgs: Vec<Crm> = if shared {
                vec![claim_org(
                    &pool,
                    "bench-claims",
                    connections,
                    2 * CLAIMS_PER_CONNECTION,
                )]
            } else {
                (0..connections)
                    .map(|i| {
                        claim_org(
                            &pool,
                            &format!("bench-claims-{i}"),
                            1,
                            2 * CLAIMS_PER_CONNECTION,
                        )
                    })
                    .collect()
            };
            let name = if shared {
                "one_org"
            } else {
                "org_per_connection"
            };
            group.bench_with_input(
                BenchmarkId::new(name, connections),
                &connections,
                |b, &n| {
                    b.iter_custom(|iters| {
                        let mut total = Duration::ZERO;
                        for _ in 0..iters {
                            let started = Instant::now();
                            on_each_connection(&orgs, n, |crm, rep, id| {
                                crm.claim_customer(rep, id).map(|_| ())
                            });
                            total += started.elapsed();
                            // Put them back, untimed, for the next iteration.
                            on_each_connection(&orgs, n, |crm, rep, id| {
                                crm.release_customer(rep, id, "bench").map(|_| ())
                            });
                        }
                        total
                    })
                },
            );
        }
    }
    group.finish();
}

fn sweep(c: &mut Criterion) {
    const ORGS: usize = 100;
    const PER_ORG: usize = 10_000;
    let now = Utc.with_ymd_and_hms(2026, 11, 24, 2, 0, 0).unwrap();
    let url = env("CRM_PG_URL");
    let admin_url = env("CRM_PG_ADMIN_URL");
    let mut admin =
        postgres::Client::connect(&database(&admin_url, "postgres"), postgres::NoTls).unwrap();
    admin
        .batch_execute("DROP DATABASE IF EXISTS crm_bench_work WITH (FORCE)")
        .unwrap();
    admin
        .batch_execute("DROP DATABASE IF EXISTS crm_bench_seed WITH (FORCE)")
        .unwrap();
    admin
        .batch_execute("CREATE DATABASE crm_bench_seed OWNER crm")
        .unwrap();
    let seeded = Instant::now();
    let due: usize = {
        let pool = PgPool::connect(&database(&url, "crm_bench_seed"), 4).unwrap();
        let next = std::sync::atomic::AtomicUsize::new(0);
        std::thread::scope(|s| {
            let workers: Vec<_> = (0..4)
                .map(|_| {
                    s.spawn(|| {
                        let mut due = 0;
                        loop {
                            let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                            if i >= ORGS {
                                return due;
                            }
                            let store = pool.store(&format!("org-{i:03}")).unwrap();
                            due += population::seed(&store, PER_ORG, 10, now, 2_000).unwrap();
                        }
                    })
                })
                .collect();
            workers.into_iter().map(|w| w.join().unwrap()).sum()
        })
    };
    admin.batch_execute("VACUUM ANALYZE").ok();
    eprintln!(
        "postgres: {} customers in {ORGS} organisations seeded in {:.0} s, {due} due",
        ORGS * PER_ORG,
        seeded.elapsed().as_secs_f64()
    );
    let mut group = c.benchmark_group("sweep");
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(60));
    group.bench_function("postgres_1m_customers_100_orgs", |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                admin
                    .batch_execute("DROP DATABASE IF EXISTS crm_bench_work WITH (FORCE)")
                    .unwrap();
                admin
                    .batch_execute(
                        "CREATE DATABASE crm_bench_work TEMPLATE crm_bench_seed OWNER crm",
                    )
                    .unwrap();
                let pool = PgPool::connect(&database(&url, "crm_bench_work"), 1).unwrap();
                let stores: Vec<PgStore> = (0..ORGS)
                    .map(|i| PgStore::open_existing(&pool, &format!("org-{i:03}")).unwrap())
                    .collect();
                let started = Instant::now();
                let mut recycled = 0;
                for store in stores {
                    let crm = Crm::new(store, Arc::new(FixedClock::new(now)));
                    recycled += crm.sweep_pools("u-1").unwrap().recycled.len();
                }
                total += started.elapsed();
                assert_eq!(recycled, due);
            }
            total
        })
    });
    group.finish();
}

criterion_group!(benches, claims, sweep);
criterion_main!(benches);
