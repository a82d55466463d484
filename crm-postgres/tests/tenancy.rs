//! Many organisations in one database: organisation A can never read or change B's data, through
//! the store's calls (every conformance case and every scenario, run beside neighbours that hold
//! the very same ids) or through SQL that forgets to filter (row-level security).

mod common;

use crm_core::store::Store;
use crm_core::testing::conformance as c;
use std::sync::Mutex;

type Case = fn(c::Factory);

const CASES: [(&str, Case); 15] = [
    ("versioned_puts", c::versioned_puts),
    ("failed_writes_roll_back", c::failed_writes_roll_back),
    ("reads_do_not_persist", c::reads_do_not_persist),
    ("sequences", c::sequences),
    ("customer_queries", c::customer_queries),
    ("dedup_keys", c::dedup_keys),
    ("name_gram_index", c::name_gram_index),
    (
        "contacts_and_follow_ups_move",
        c::contacts_and_follow_ups_move,
    ),
    ("event_log", c::event_log),
    ("documents", c::documents),
    ("documents_due", c::documents_due),
    ("pool_and_recycling_indexes", c::pool_and_recycling_indexes),
    ("delete_customers", c::delete_customers),
    ("delete_contacts", c::delete_contacts),
    ("scenarios", c::scenarios),
];

/// Runs a case on fresh organisations and returns their names.
fn run(case: Case, prefix: &str) -> Vec<String> {
    let opened = Mutex::new(Vec::new());
    case(&|| -> Box<dyn Store> {
        let store = common::fresh(prefix);
        opened.lock().unwrap().push(store.org().to_string());
        Box::new(store)
    });
    opened.into_inner().unwrap()
}

#[test]
#[ignore = "needs PostgreSQL: bash crm-postgres/test.sh"]
fn every_case_passes_beside_neighbours_holding_the_same_ids_and_leaves_them_unchanged() {
    let mut admin = common::admin();
    for (name, case) in CASES {
        // The neighbours hold the end state of the same case: the same ids, versions, keys,
        // sequences and events. Any read that crossed over would trip the case's assertions (it
        // expects absent records, versions starting at 1, an empty log, sequences from 1).
        let neighbours = run(case, "neighbour");
        let before: Vec<_> = neighbours
            .iter()
            .map(|o| common::fingerprint(&mut admin, o))
            .collect();
        assert!(
            before
                .iter()
                .all(|f| f.iter().any(|(t, n, _)| t == "events" && *n > 0) || name != "event_log"),
            "{name}: the neighbour holds data"
        );
        let ours = run(case, "tenant");
        assert_eq!(ours.len(), neighbours.len());
        let after: Vec<_> = neighbours
            .iter()
            .map(|o| common::fingerprint(&mut admin, o))
            .collect();
        assert_eq!(before, after, "{name} changed a neighbour's rows");
        // And the same case left the same data in both (ids, versions, bodies minus org id).
        for (a, b) in neighbours.iter().zip(&ours) {
            let counts = |o: &str, admin: &mut postgres::Client| -> Vec<(String, i64)> {
                common::fingerprint(admin, o)
                    .into_iter()
                    .map(|(t, n, _)| (t, n))
                    .collect()
            };
            assert_eq!(counts(a, &mut admin), counts(b, &mut admin), "{name}");
        }
    }
}

#[test]
#[ignore = "needs PostgreSQL: bash crm-postgres/test.sh"]
fn row_level_security_hides_and_guards_other_organisations_rows() {
    let a = common::fresh("rls-a");
    let b = common::fresh("rls-b");
    for store in [&a, &b] {
        crm_core::store::write(store, |tx| {
            tx.put_customer(&c::customer("c-1", Some("u-1"), 1))?;
            tx.put_user(&c::user("u-1", 1))
        })
        .unwrap();
    }
    let mut client = postgres::Client::connect(&common::url(), postgres::NoTls).unwrap();
    // Without an organisation the ordinary role sees nothing, although both rows exist.
    let seen: i64 = client
        .query_one("SELECT count(*) FROM customers", &[])
        .unwrap()
        .get(0);
    assert_eq!(seen, 0);

    let mut txn = client.transaction().unwrap();
    txn.execute("SELECT set_config('crm.org', $1, true)", &[&a.org()])
        .unwrap();
    let visible: Vec<String> = txn
        .query("SELECT org_id FROM customers", &[])
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert_eq!(
        visible,
        vec![a.org().to_string()],
        "A sees only its own row"
    );
    let changed = txn
        .execute(
            "UPDATE customers SET owner_id = 'thief' WHERE org_id = $1",
            &[&b.org()],
        )
        .unwrap();
    assert_eq!(changed, 0, "B's rows cannot be updated from A");
    let deleted = txn
        .execute("DELETE FROM events WHERE org_id = $1", &[&b.org()])
        .unwrap();
    assert_eq!(deleted, 0);
    let err = txn
        .execute(
            "INSERT INTO users (org_id, id, version, body) VALUES ($1, 'u-9', 1, '{}')",
            &[&b.org()],
        )
        .expect_err("writing a row into B is refused");
    let message = err.as_db_error().map(|e| e.message().to_string());
    assert!(
        message
            .as_deref()
            .is_some_and(|m| m.contains("row-level security")),
        "refused by the policy: {message:?}"
    );
    drop(txn);

    let mut admin = common::admin();
    let owner: Option<String> = admin
        .query_one(
            "SELECT owner_id FROM customers WHERE org_id = $1 AND id = 'c-1'",
            &[&b.org()],
        )
        .unwrap()
        .get(0);
    assert_eq!(owner.as_deref(), Some("u-1"));
}
