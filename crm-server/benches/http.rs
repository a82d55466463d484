//! What HTTP adds to a call: a one-record read in-process (the operation table's JSON path) and
//! through crm-server on the loopback (keep-alive, token checked on every call), on SQLite.
//!
//! `cargo bench -p crm-server --bench http`

use criterion::{criterion_group, criterion_main, Criterion};
use crm_core::{Crm, NewCustomer, SystemClock};
use crm_server::{Limits, OneOrg, Running};
use std::sync::Arc;

fn read(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let store = crm_sqlite::SqliteStore::open(dir.path().join("crm.db")).unwrap();
    let crm = Arc::new(Crm::new(store, Arc::new(SystemClock)));
    let admin = crm.bootstrap("Ada", None).unwrap().id;
    let customer = NewCustomer {
        name: "Acme Trading".into(),
        phones: vec!["13900000001".into()],
        ..NewCustomer::default()
    };
    let id = crm.create_customer(&admin, customer).unwrap().customer.id;
    let secret = crm_server::new_secret().unwrap();
    let credential = crm
        .issue_token(&admin, "default", &admin, "bench", secret)
        .unwrap()
        .credential;
    let server = Running::start(
        Arc::new(OneOrg::new("default", crm.clone())),
        Limits::default(),
    )
    .unwrap();
    let args = format!(r#"{{"id":"{id}"}}"#);
    let url = format!("{}/v1/ops/customer", server.url());
    let auth = format!("Bearer {credential}");
    let agent: ureq::Agent = ureq::Agent::config_builder().build().into();

    let mut group = c.benchmark_group("one-record read");
    group.bench_function("in-process (call_json)", |b| {
        b.iter(|| crm_core::api::call_json(&crm, "customer", &admin, &args).unwrap())
    });
    group.bench_function("over HTTP (loopback, keep-alive)", |b| {
        b.iter(|| {
            agent
                .post(&url)
                .header("Authorization", &auth)
                .send(&args)
                .unwrap()
                .body_mut()
                .read_to_string()
                .unwrap()
        })
    });
    group.finish();
}

criterion_group!(benches, read);
criterion_main!(benches);
