//! Migrations over stored data: a database at an older schema, with rows of two organisations
//! written past row-level security, comes up to date with its derived columns and indexes filled
//! for every organisation (a migration runs with no organisation set, so it must look past the
//! policies it is subject to as the tables' owner).

mod common;

use crm_core::store::Near;
use crm_postgres::PgPool;

/// A new database owned by the ordinary role, at schema version 2 (what builds before the name
/// gram and variant indexes wrote), and its URL.
fn database_at_version_2() -> String {
    let name = format!("crm_mig_{}", std::process::id());
    let mut admin = common::admin();
    // One statement per call: neither may run inside the implicit transaction of a batch.
    admin
        .batch_execute(&format!("DROP DATABASE IF EXISTS {name}"))
        .unwrap();
    admin
        .batch_execute(&format!("CREATE DATABASE {name} OWNER crm"))
        .unwrap();
    let url = common::url();
    let url = format!("{}/{name}", url.rsplit_once('/').unwrap().0);
    let mut client = postgres::Client::connect(&url, postgres::NoTls).unwrap();
    client
        .batch_execute(include_str!("../migrations/0001_init.sql"))
        .unwrap();
    client
        .batch_execute(include_str!("../migrations/0002_docs_due.sql"))
        .unwrap();
    client
        .batch_execute(
            "CREATE TABLE crm_schema_migrations (
                 version INTEGER PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL DEFAULT now());
             INSERT INTO crm_schema_migrations (version) VALUES (1), (2);",
        )
        .unwrap();
    url
}

#[test]
#[ignore = "needs PostgreSQL: bash crm-postgres/test.sh"]
fn names_and_contract_due_dates_stored_before_are_indexed_for_every_organisation() {
    let url = database_at_version_2();
    let admin_url = std::env::var("CRM_PG_ADMIN_URL").unwrap();
    let admin_url = format!(
        "{}/{}",
        admin_url.rsplit_once('/').unwrap().0,
        url.rsplit_once('/').unwrap().1
    );
    let mut admin = postgres::Client::connect(&admin_url, postgres::NoTls).unwrap();
    // Rows as version 2 left them, for two organisations, written as the superuser.
    admin
        .batch_execute(
            r#"INSERT INTO orgs (id) VALUES ('a'), ('b');
               INSERT INTO dedup_keys (org_id, key, customer_id) VALUES
                 ('a', 'n:acmetrading', 'c-1'), ('a', 'n:acmetrading', 'c-2'),
                 ('a', 'p:8613800000000', 'c-1'), ('b', 'n:星辰科技', 'c-1');
               INSERT INTO docs (org_id, kind, id, version, body) VALUES
                 ('b', 'contract', 'k-1', 1,
                  '{"status": "active", "instalments": [{"due_date": "2026-03-12"},
                                                        {"due_date": "2026-02-01"}]}');"#,
        )
        .unwrap();
    let pool = PgPool::connect(&url, 2).unwrap();
    let mut names = |org: &str| -> Vec<(String, i32, String)> {
        admin
            .query(
                "SELECT gram, len, name FROM name_grams WHERE org_id = $1 ORDER BY 1, 2, 3",
                &[&org],
            )
            .unwrap()
            .iter()
            .map(|r| (r.get(0), r.get(1), r.get(2)))
            .collect()
    };
    let a = names("a");
    let mut grams = crm_core::customer::grams::name_grams("acmetrading");
    grams.sort();
    let expected: Vec<_> = grams
        .into_iter()
        .map(|g| (g, 11, "acmetrading".to_string()))
        .collect();
    assert_eq!(a, expected, "the 13 grams of the 11 characters, padded");
    let b: Vec<String> = names("b").into_iter().map(|(g, _, _)| g).collect();
    assert_eq!(b, ["^^星", "^星辰", "技$$", "星辰科", "科技$", "辰科技"]);
    let count: i64 = admin
        .query_one(
            "SELECT names FROM name_gram_counts WHERE org_id = 'a' AND gram = 'acm'",
            &[],
        )
        .unwrap()
        .get(0);
    assert_eq!(count, 1, "a name held by two customers counts once");
    // And under its deletion variants, once however many hold it, for each organisation.
    let mut variants = |org: &str| -> Vec<String> {
        admin
            .query(
                "SELECT variant FROM name_variants WHERE org_id = $1 AND name <> '' ORDER BY 1",
                &[&org],
            )
            .unwrap()
            .iter()
            .map(|r| r.get(0))
            .collect()
    };
    for (org, name) in [("a", "acmetrading"), ("b", "星辰科技")] {
        let mut expected = crm_core::customer::variants::name_variants(name);
        expected.sort();
        assert_eq!(variants(org), expected, "{org}");
    }
    let due: Option<chrono::NaiveDate> = admin
        .query_one("SELECT due FROM docs WHERE id = 'k-1'", &[])
        .unwrap()
        .get(0);
    assert_eq!(due, chrono::NaiveDate::from_ymd_opt(2026, 2, 1));

    // The store finds the migrated names through the index.
    let store = pool.store("a").unwrap();
    let matches = crm_core::store::read(&store, |tx| {
        tx.names_with_grams(&["acm".to_string()], 10..=12, 1, Near::ANY)
    })
    .unwrap();
    assert_eq!(matches, [std::sync::Arc::from("acmetrading")]);
    let matches = crm_core::store::read(&store, |tx| {
        tx.names_with_variants(&["acmetradin".to_string()])
    })
    .unwrap();
    assert_eq!(matches, ["acmetrading"]);
    drop(store);
    drop(pool);
    let mut admin = common::admin();
    let name = url.rsplit_once('/').unwrap().1.to_string();
    admin
        .batch_execute(&format!("DROP DATABASE {name} WITH (FORCE)"))
        .unwrap();
}
