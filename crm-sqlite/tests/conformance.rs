//! The shared store conformance suite, each case on a fresh database file.

use crm_sqlite::SqliteStore;

fn fresh() -> Box<dyn crm_core::store::Store> {
    // The directory is leaked on purpose: it must outlive the store, and the OS temp dir is cleaned.
    let dir = tempfile::tempdir().expect("temp dir").keep();
    Box::new(SqliteStore::open(dir.join("crm.db")).expect("open"))
}

crm_core::store_conformance!(fresh);

#[test]
fn the_in_memory_database_conforms_too() {
    crm_core::testing::scenario::run_all(&|| Box::new(SqliteStore::open_in_memory().unwrap()));
}
