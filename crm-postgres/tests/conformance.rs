//! The shared store conformance suite, each case in a fresh organisation of one database.

mod common;

fn fresh() -> Box<dyn crm_core::store::Store> {
    Box::new(common::fresh("conformance"))
}

crm_core::store_conformance!(fresh, #[ignore = "needs PostgreSQL: bash crm-postgres/test.sh"]);

#[test]
#[ignore = "needs PostgreSQL: bash crm-postgres/test.sh"]
fn a_second_pool_finds_the_schema_current_and_the_organisation_intact() {
    let store = common::fresh("reopen");
    crm_core::store::write(&store, |tx| {
        tx.put_user(&crm_core::testing::conformance::user("u-1", 1))
    })
    .unwrap();
    let again = crm_postgres::PgStore::connect(&common::url(), store.org()).unwrap();
    let user = crm_core::store::read(&again, |tx| tx.user("u-1")).unwrap();
    assert_eq!(user.map(|u| u.version), Some(1));
    let mut admin = common::admin();
    let version: i32 = admin
        .query_one("SELECT max(version) FROM crm_schema_migrations", &[])
        .unwrap()
        .get(0);
    assert_eq!(version, crm_postgres::SCHEMA_VERSION);
}

#[test]
#[ignore = "needs PostgreSQL: bash crm-postgres/test.sh"]
fn bad_organisation_ids_and_urls_are_refused() {
    let pool = common::pool();
    for bad in ["", "a\nb", &"x".repeat(201)] {
        let err = pool.store(bad).err().expect("refused");
        assert_eq!(err.code(), "INVALID_INPUT", "{bad:?}");
    }
    let err = crm_postgres::PgStore::connect("postgres://nobody@/db?sslmode=bogus", "o")
        .err()
        .expect("refused");
    assert_eq!(err.code(), "INVALID_INPUT");
}

#[test]
#[ignore = "needs PostgreSQL: bash crm-postgres/test.sh"]
fn a_deleted_organisation_refuses_writes_and_leaves_no_rows() {
    let store = common::fresh("deleted");
    let crm = crm_core::Crm::new(
        store.clone(),
        std::sync::Arc::new(crm_core::FixedClock::new(chrono::Utc::now())),
    );
    crm.bootstrap("admin", None).unwrap();
    store.delete_org().unwrap();
    let err = crm.bootstrap("admin", None).expect_err("refused");
    assert_eq!(err.code(), "STORAGE");
    let mut admin = common::admin();
    for (table, rows, _) in common::fingerprint(&mut admin, store.org()) {
        assert_eq!(rows, 0, "{table} keeps rows of a deleted organisation");
    }
}
