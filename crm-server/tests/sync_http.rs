//! Sync over HTTP (DOMAIN.md section 12): replicas on SQLite files sync with `crm serve` through
//! the Rust client; the rules decide a race of offline claims; a push whose answer was lost is
//! retried across a server restart and applies nothing twice; a replica survives its app's
//! restart with its outbox and rejections. The same runs on PostgreSQL.

mod common;

use chrono::{TimeZone, Utc};
use common::*;
use crm_core::api::Operations;
use crm_core::sync::Replica;
use crm_core::{Crm, FixedClock};
use crm_server::{Client as RustClient, Limits, OneOrg, Running};
use serde_json::{json, Value};
use std::path::Path;
use std::sync::Arc;

fn start() -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 2, 1, 0, 0).unwrap()
}

/// Reps `u-2` and `u-3` in a pool of three customers; their credentials.
fn seed(crm: &Crm, org: &str) -> (String, String, Vec<String>) {
    let (admin, _) = bootstrap(crm, org);
    let rep = |name: &str| {
        let user = crm
            .create_user(
                &admin,
                crm_core::NewUser {
                    name: name.into(),
                    role: crm_core::Role::Rep,
                    scope: None,
                    team_id: None,
                },
            )
            .unwrap();
        crm.issue_token(
            &admin,
            org,
            &user.id,
            "phone",
            crm_server::new_secret().unwrap(),
        )
        .unwrap()
        .credential
    };
    let (li, wang) = (rep("Li"), rep("Wang"));
    let args = json!({"name": "公海", "member_ids": ["u-2", "u-3"], "admin_ids": [admin]});
    let pool = crm_core::api::call(crm, "create_pool", &admin, &args).unwrap()["id"].clone();
    let pooled = (0..3)
        .map(|i| {
            let args = json!({"name": format!("Pooled {i}"), "pool_id": pool});
            crm_core::api::call(crm, "create_customer", &admin, &args).unwrap()["customer"]["id"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    (li, wang, pooled)
}

fn replica(path: &Path, clock: &Arc<FixedClock>, user: &str, device: &str) -> Replica {
    let store = crm_sqlite::SqliteStore::open(path).unwrap();
    Replica::open(store, clock.clone(), user, device).unwrap()
}

fn sync(replica: &Replica, url: &str, credential: &str) -> crm_core::sync::SyncSummary {
    let client = RustClient::new(url, credential);
    replica
        .sync(&mut |op, args| client.call_value(op, "", args))
        .unwrap()
}

fn claims_on(crm: &Crm, customer: &str) -> usize {
    crm.customer_events("u-1", customer)
        .unwrap()
        .iter()
        .filter(|e| matches!(e.kind, crm_core::EventKind::OwnerChanged { .. }))
        .count()
}

/// The whole story against a server at `url` on `crm`; `restart` stops the server and starts
/// a new one on the same store, returning its URL.
fn story(
    crm: &Crm,
    org: &str,
    clock: &Arc<FixedClock>,
    mut url: String,
    restart: &mut dyn FnMut() -> String,
) {
    let (li_key, wang_key, pooled) = seed(crm, org);
    let dir = tempfile::tempdir().unwrap();
    let (li_file, wang_file) = (dir.path().join("li.db"), dir.path().join("wang.db"));
    let li = replica(&li_file, clock, "u-2", "li-phone");
    let wang = replica(&wang_file, clock, "u-3", "wang-phone");
    assert!(sync(&li, &url, &li_key).snapshot);
    sync(&wang, &url, &wang_key);

    // Both claim the same customer offline; Li syncs first.
    li.call("claim_customer", &json!({"customer_id": pooled[0]}))
        .unwrap();
    wang.call("claim_customer", &json!({"customer_id": pooled[0]}))
        .unwrap();
    assert_eq!(sync(&li, &url, &li_key).applied, 1);
    // Wang's app restarts before syncing: the outbox is on disk.
    drop(wang);
    let wang = replica(&wang_file, clock, "u-3", "wang-phone");
    assert_eq!(wang.outbox().unwrap().len(), 1);
    let summary = sync(&wang, &url, &wang_key);
    assert_eq!((summary.applied, summary.rejected), (0, 1));
    let refused = wang.rejections().unwrap();
    assert_eq!(refused[0].code, "ALREADY_OWNED");
    assert_eq!(
        crm.customer("u-1", &pooled[0]).unwrap().owner_id.as_deref(),
        Some("u-2")
    );
    drop(wang);
    let wang = replica(&wang_file, clock, "u-3", "wang-phone");
    assert_eq!(
        wang.rejections().unwrap(),
        refused,
        "rejections survive a restart"
    );

    // Li works offline: a claim, a new customer with a follow-up.
    li.call("claim_customer", &json!({"customer_id": pooled[1]}))
        .unwrap();
    let temp = li
        .call("create_customer", &json!({"name": "杭州新客户"}))
        .unwrap()["customer"]["id"]
        .clone();
    li.call(
        "record_follow_up",
        &json!({"customer_id": temp, "follow_up": {"channel": "visit", "note": "met the buyer"}}),
    )
    .unwrap();
    // The push reaches the server but the answer is lost, and the server restarts.
    let ops = li.outbox().unwrap();
    let client = RustClient::new(&url, &li_key);
    client
        .call_value(
            "sync_push",
            "",
            json!({"device_id": "li-phone", "ops": ops}),
        )
        .unwrap();
    url = restart();
    let summary = sync(&li, &url, &li_key);
    assert_eq!((summary.applied, summary.rejected), (3, 0));
    assert_eq!(
        claims_on(crm, &pooled[1]),
        1,
        "claimed once, though pushed twice"
    );
    let mine: Vec<Value> =
        serde_json::from_value(crm_core::api::call(crm, "customers", "u-2", &json!({})).unwrap())
            .unwrap();
    let names: Vec<&str> = mine.iter().map(|c| c["name"].as_str().unwrap()).collect();
    assert_eq!(
        names,
        ["Pooled 0", "Pooled 1", "杭州新客户"],
        "the new customer exists once"
    );
    let created = mine[2]["id"].as_str().unwrap();
    assert_eq!(crm.follow_ups("u-2", created).unwrap().len(), 1);
    // Li's replica equals the server's view of Li's scope, after an app restart too.
    drop(li);
    let li = replica(&li_file, clock, "u-2", "li-phone");
    let server = crm_core::api::call(crm, "sync_snapshot", "u-2", &json!({})).unwrap();
    let local = li.call("sync_snapshot", &json!({})).unwrap();
    assert_eq!(local["records"], server["records"]);
    // And Wang's pool view lost both claimed customers.
    sync(&wang, &url, &wang_key);
    let pool = wang.call("customers", &json!({})).unwrap();
    assert_eq!(pool, json!([]));
    let snapshot = wang.call("sync_snapshot", &json!({})).unwrap();
    let left: Vec<&str> = snapshot["records"]["pool_customers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap())
        .collect();
    assert_eq!(left, [pooled[2].as_str()]);
}

#[test]
fn replicas_on_sqlite_sync_with_a_server_on_sqlite_across_its_restart() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("server.db");
    let clock = Arc::new(FixedClock::new(start()));
    let crm = Arc::new(Crm::new(
        crm_sqlite::SqliteStore::open(&file).unwrap(),
        clock.clone(),
    ));
    let serve =
        |crm: Arc<Crm>| Running::start(Arc::new(OneOrg::new(ORG, crm)), Limits::default()).unwrap();
    let mut running = Some(serve(crm.clone()));
    let url = running.as_ref().unwrap().url();
    let mut restart = || {
        drop(running.take());
        // A new process would open the file again: so does the new server.
        let reopened = Arc::new(Crm::new(
            crm_sqlite::SqliteStore::open(&file).unwrap(),
            clock.clone(),
        ));
        let next = serve(reopened);
        let url = next.url();
        running = Some(next);
        url
    };
    story(&crm, ORG, &clock, url, &mut restart);
}

#[test]
#[ignore = "needs PostgreSQL: bash crm-postgres/test.sh"]
fn replicas_on_sqlite_sync_with_a_server_on_postgres_across_its_restart() {
    let pg = pg_server(start(), Limits::default());
    let org = format!("sync-{}", std::process::id());
    let crm = org_of(&pg.orgs, &pg.pool, &org);
    let url = pg.server.url();
    let mut servers = vec![pg.server];
    let (orgs, clock) = (pg.orgs.clone(), pg.clock.clone());
    let mut restart = || {
        servers.clear();
        let next = Running::start(orgs.clone(), Limits::default()).unwrap();
        let url = next.url();
        servers.push(next);
        url
    };
    story(&crm, &org, &clock, url, &mut restart);
}
