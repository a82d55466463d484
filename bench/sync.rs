//! Sync over the loopback: `crm serve` on a SQLite file in its own process, a rep's replica on a
//! SQLite file in this one, through the Rust client. Measures the first sync of a scope of
//! CRM_SYNC_CUSTOMERS customers (default 100,000: time, bytes on the wire, the replica's size on
//! disk), push throughput (follow-ups recorded offline, pushed in batches of 1,000) and pull
//! throughput (events another user made on the server, pulled in pages of 1,000).
//!
//! `cargo bench -p crm-cli --bench sync`

mod serve;

use crm_core::api::Operations;
use crm_core::sync::Replica;
use crm_core::{Crm, NewUser, Role, SystemClock};
use crm_server::Client;
use crm_sqlite::SqliteStore;
use serde_json::{json, Value};
use std::path::Path;
use std::sync::Arc;
use std::time::Instant;

const PUSHED: usize = 5_000;
const PULLED: usize = 5_000;

fn main() {
    let customers: usize = std::env::var("CRM_SYNC_CUSTOMERS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(100_000);
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("server.db");
    let crm = Crm::new(SqliteStore::open(&db).unwrap(), Arc::new(SystemClock));
    let admin = crm.bootstrap("Bench Admin", None).unwrap().id;
    let rep = crm
        .create_user(
            &admin,
            NewUser {
                name: "Li".into(),
                role: Role::Rep,
                scope: None,
                team_id: None,
            },
        )
        .unwrap()
        .id;
    let issued = |user: &str| {
        crm.issue_token(
            &admin,
            "default",
            user,
            "bench",
            crm_server::new_secret().unwrap(),
        )
        .unwrap()
        .credential
    };
    let (admin_key, rep_key) = (issued(&admin), issued(&rep));
    let t = Instant::now();
    seed(&crm, &rep, customers);
    println!(
        "seeded {customers} customers of {rep} in {:.1} s",
        t.elapsed().as_secs_f64()
    );

    let (mut server, base) = serve::start(db.to_str().unwrap());

    let client = Client::new(&base, &rep_key);
    let bytes = std::cell::Cell::new(0usize);
    let mut transport = |op: &str, args: Value| -> crm_core::Result<Value> {
        let answer = client.call_value(op, "", args)?;
        bytes.set(bytes.get() + answer.to_string().len());
        Ok(answer)
    };
    let replica_file = dir.path().join("replica.db");
    let replica = Replica::open(
        SqliteStore::open(&replica_file).unwrap(),
        Arc::new(SystemClock),
        &rep,
        "bench-phone",
    )
    .unwrap();
    let t = Instant::now();
    let snapshot = transport("sync_snapshot", json!({})).unwrap();
    let fetched = t.elapsed().as_secs_f64();
    let t = Instant::now();
    replica
        .apply_snapshot(serde_json::from_value(snapshot).unwrap())
        .unwrap();
    let applied = t.elapsed().as_secs_f64();
    let first = replica.sync(&mut transport).unwrap();
    assert!(!first.snapshot);
    println!(
        "first sync of {customers} customers: {:.2} s ({fetched:.2} s the server's snapshot over HTTP, \
         {applied:.2} s stored in the replica), {:.1} MB of JSON received, replica {} on disk",
        fetched + applied,
        bytes.get() as f64 / 1e6,
        disk(&replica_file)
    );

    // Push: follow-ups recorded offline on the rep's customers.
    let ids: Vec<String> = replica
        .call("customers", &json!({}))
        .unwrap()
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap().to_string())
        .collect();
    let t = Instant::now();
    for i in 0..PUSHED {
        let args = json!({"customer_id": ids[i * 7 % ids.len()], "follow_up": {"channel": "call", "note": "offline call"}});
        replica.call("record_follow_up", &args).unwrap();
    }
    let offline = t.elapsed().as_secs_f64();
    let t = Instant::now();
    let pushed = replica.sync(&mut transport).unwrap();
    let took = t.elapsed().as_secs_f64();
    assert_eq!(pushed.applied, PUSHED as u64);
    println!(
        "push: {PUSHED} operations in {took:.2} s, {:.0} operations/s (and the pull of their {} events); offline they took {:.0} µs each",
        PUSHED as f64 / took,
        pushed.events,
        offline * 1e6 / PUSHED as f64
    );

    // Pull: the administrator records follow-ups on the rep's customers on the server.
    let admin_client = Client::new(&base, &admin_key);
    for i in 0..PULLED {
        let args = json!({"customer_id": ids[i * 13 % ids.len()], "follow_up": {"channel": "visit", "note": "manager visit"}});
        admin_client
            .call_value("record_follow_up", "", args)
            .unwrap();
    }
    let t = Instant::now();
    let pulled = replica.sync(&mut transport).unwrap();
    let took = t.elapsed().as_secs_f64();
    assert_eq!(pulled.events, PULLED as u64);
    println!(
        "pull: {PULLED} events in {took:.2} s, {:.0} events/s; replica {} on disk",
        PULLED as f64 / took,
        disk(&replica_file)
    );
    server.kill().ok();
    server.wait().ok();
}

/// The customers, owned by `rep`, entered by an import as the rep (names and phones).
fn seed(crm: &Crm, rep: &str, n: usize) {
    let options = serde_json::from_value(json!({"mapping": {
        "kind": "customers", "columns": {"name": "name", "phone": "phones", "city": "region"}
    }}))
    .unwrap();
    let names = (0..n)
        .map(|i| Some(format!("客户 {i:06} 贸易有限公司")))
        .collect();
    let phones = (0..n).map(|i| Some(format!("139{:08}", i))).collect();
    let cities = (0..n)
        .map(|i| Some(["上海", "杭州", "南京"][i % 3].to_string()))
        .collect();
    let columns = vec![
        crm_core::import::ImportColumn {
            name: "name".into(),
            values: names,
        },
        crm_core::import::ImportColumn {
            name: "phone".into(),
            values: phones,
        },
        crm_core::import::ImportColumn {
            name: "city".into(),
            values: cities,
        },
    ];
    let result = crm.import_columns(rep, options, columns).unwrap();
    assert_eq!(result.counts.created, n as u64, "{:?}", result.counts);
}

/// A SQLite file's size and its write-ahead log's (SQLite folds the log back by itself).
fn disk(file: &Path) -> String {
    let size = |p: &Path| std::fs::metadata(p).map_or(0, |m| m.len()) as f64 / 1e6;
    let wal = file.with_extension("db-wal");
    format!(
        "{:.1} MB (+ {:.1} MB of write-ahead log)",
        size(file),
        size(&wal)
    )
}
