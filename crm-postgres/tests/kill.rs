//! A client that dies in the middle of a batch leaves no trace of it. The batch (one rep claiming
//! 40 customers, one transaction) is stopped at its 20th customer by a row lock held from another
//! session, after 19 customers were updated and their events appended inside the transaction; then
//! either the client process is killed (SIGKILL) or the server drops its connection. Afterwards the
//! organisation's rows are exactly what they were before the batch, and the next claim goes through.

mod common;

use crm_core::pool::NewPool;
use crm_core::{Crm, NewCustomer, NewUser, Role, SystemClock};
use crm_postgres::PgPool;
use std::sync::Arc;
use std::time::{Duration, Instant};

struct Org {
    name: String,
    crm: Crm,
    rep: String,
    ids: Vec<String>,
}

fn organisation() -> Org {
    let name = common::org_name("kill");
    let crm = Crm::new(
        PgPool::connect(&common::url(), 2)
            .unwrap()
            .store(&name)
            .unwrap(),
        Arc::new(SystemClock),
    );
    crm.bootstrap("admin", None).unwrap();
    let rep = crm
        .create_user(
            "u-1",
            NewUser {
                name: "rep".into(),
                role: Role::Rep,
                scope: None,
                team_id: None,
            },
        )
        .unwrap()
        .id;
    crm.create_pool(
        "u-1",
        NewPool {
            name: "pool".into(),
            member_ids: vec![rep.clone()],
            member_team_ids: Vec::new(),
            admin_ids: Vec::new(),
            rules: Default::default(),
        },
    )
    .unwrap();
    let ids = (0..40)
        .map(|i| {
            crm.create_customer(
                "u-1",
                NewCustomer {
                    name: format!("customer {i}"),
                    pool_id: Some("p-1".into()),
                    ..NewCustomer::default()
                },
            )
            .unwrap()
            .customer
            .id
        })
        .collect();
    Org {
        name,
        crm,
        rep,
        ids,
    }
}

/// Holds a row lock on one customer from a superuser session until dropped; returns the
/// session's backend pid.
fn block(admin: &mut postgres::Client, org: &str, customer: &str) -> i32 {
    admin.batch_execute("BEGIN").unwrap();
    admin
        .execute(
            "SELECT 1 FROM customers WHERE org_id = $1 AND id = $2 FOR UPDATE",
            &[&org, &customer],
        )
        .unwrap();
    admin
        .query_one("SELECT pg_backend_pid()", &[])
        .unwrap()
        .get(0)
}

/// The backend of the batch, once it waits on `locker`'s lock inside its customer update.
fn blocked_backend(observer: &mut postgres::Client, locker: i32) -> i32 {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let row = observer
            .query_opt(
                "SELECT pid FROM pg_stat_activity
                 WHERE $1 = ANY(pg_blocking_pids(pid)) AND query LIKE 'UPDATE customers%'",
                &[&locker],
            )
            .unwrap();
        if let Some(row) = row {
            return row.get(0);
        }
        assert!(
            Instant::now() < deadline,
            "the batch never reached the lock"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn wait_gone(observer: &mut postgres::Client, pid: i32) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while observer
        .query_opt("SELECT 1 FROM pg_stat_activity WHERE pid = $1", &[&pid])
        .unwrap()
        .is_some()
    {
        assert!(
            Instant::now() < deadline,
            "backend {pid} outlived its client"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn nothing_changed_and_work_goes_on(org: &Org, before: &[(String, i64, String)]) {
    let mut admin = common::admin();
    assert_eq!(
        common::fingerprint(&mut admin, &org.name),
        before,
        "rows changed by a batch whose client died"
    );
    assert!(org
        .crm
        .customers("u-1")
        .unwrap()
        .iter()
        .all(|c| c.owner_id.is_none()));
    let claimed = org.crm.claim_customers(&org.rep, &org.ids[..2]).unwrap();
    assert_eq!(claimed.len(), 2, "the organisation is not left locked");
}

/// The example program the child process runs (`cargo test` builds examples; a lone `--test kill`
/// does not, so build it then).
fn claim_batch() -> std::path::PathBuf {
    let exe = std::env::current_exe().unwrap();
    let path = exe
        .parent()
        .unwrap()
        .parent()
        .unwrap()
        .join("examples/claim_batch");
    if !path.exists() {
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
        let status = std::process::Command::new(cargo)
            .args(["build", "-p", "crm-postgres", "--example", "claim_batch"])
            .status()
            .unwrap();
        assert!(status.success());
    }
    path
}

#[test]
#[ignore = "needs PostgreSQL: bash crm-postgres/test.sh"]
fn a_killed_client_process_leaves_no_partial_batch() {
    let org = organisation();
    let mut admin = common::admin();
    let before = common::fingerprint(&mut admin, &org.name);
    let mut locker = common::admin();
    let locker_pid = block(&mut locker, &org.name, &org.ids[19]);
    let example = claim_batch();
    let mut child = std::process::Command::new(&example)
        .args([&common::url(), &org.name, &org.rep])
        .args(&org.ids)
        .spawn()
        .unwrap_or_else(|e| panic!("{}: {e}", example.display()));
    let pid = blocked_backend(&mut admin, locker_pid);
    child.kill().unwrap();
    assert!(!child.wait().unwrap().success());
    // The backend wakes when the lock goes, finds its client gone and rolls back.
    locker.batch_execute("ROLLBACK").unwrap();
    wait_gone(&mut admin, pid);
    nothing_changed_and_work_goes_on(&org, &before);
}

#[test]
#[ignore = "needs PostgreSQL: bash crm-postgres/test.sh"]
fn a_connection_dropped_mid_batch_leaves_no_partial_batch() {
    let org = organisation();
    let mut admin = common::admin();
    let before = common::fingerprint(&mut admin, &org.name);
    let mut locker = common::admin();
    let locker_pid = block(&mut locker, &org.name, &org.ids[19]);
    let result = std::thread::scope(|s| {
        let batch = s.spawn(|| org.crm.claim_customers(&org.rep, &org.ids));
        let pid = blocked_backend(&mut admin, locker_pid);
        admin
            .execute("SELECT pg_terminate_backend($1)", &[&pid])
            .unwrap();
        wait_gone(&mut admin, pid);
        batch.join().unwrap()
    });
    locker.batch_execute("ROLLBACK").unwrap();
    let err = result.expect_err("the batch failed with its connection");
    assert_eq!(err.code(), "STORAGE", "{err}");
    nothing_changed_and_work_goes_on(&org, &before);
}
