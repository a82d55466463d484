//! The gram counts SQLite writes once per transaction (not once per name) stay what the gram
//! index holds: after any sequence of key changes, committed or rolled back, each gram's stored
//! count is its number of indexed names, and no gram without names keeps a row.

use crm_core::store::Store;
use crm_core::CrmError;
use crm_sqlite::SqliteStore;
use proptest::prelude::*;

/// Names sharing many grams, so one transaction moves a gram's count up and down.
const NAMES: [&str; 5] = ["acme", "acmee", "acne", "星辰科技", "星辰"];

/// One key change: customer `c` now holds name `NAMES[n]`, or no name.
type Change = (u8, Option<usize>);
/// Rows of (gram, count), in gram order.
type Counts = Vec<(String, i64)>;

fn change() -> impl Strategy<Value = Change> {
    (0u8..6, proptest::option::of(0..NAMES.len()))
}

/// Transactions of changes, each committed or (when `fails`) rolled back at its end.
fn transactions() -> impl Strategy<Value = Vec<(Vec<Change>, bool)>> {
    proptest::collection::vec(
        (proptest::collection::vec(change(), 1..8), any::<bool>()),
        1..8,
    )
}

fn stored_counts(conn: &rusqlite::Connection) -> (Counts, Counts) {
    let read = |sql: &str| -> Counts {
        let mut stmt = conn.prepare(sql).unwrap();
        let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?))).unwrap();
        rows.map(Result::unwrap).collect()
    };
    (
        read("SELECT gram, names FROM name_gram_counts ORDER BY gram"),
        read("SELECT gram, count(*) FROM name_grams GROUP BY gram ORDER BY gram"),
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]
    #[test]
    fn stored_counts_are_the_names_indexed(txs in transactions()) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("crm.db");
        let store = SqliteStore::open(&path).unwrap();
        for (changes, fails) in &txs {
            let done = store.write(&mut |tx| {
                for (customer, name) in changes {
                    let keys: Vec<String> =
                        name.iter().map(|&n| format!("n:{}", NAMES[n])).collect();
                    tx.set_dedup_keys(&format!("c-{customer}"), &keys)?;
                }
                if *fails {
                    return Err(CrmError::invalid("test", "the work fails at its end"));
                }
                Ok(())
            });
            prop_assert_eq!(done.is_err(), *fails);
        }
        drop(store);
        let (counts, indexed) = stored_counts(&rusqlite::Connection::open(&path).unwrap());
        prop_assert_eq!(counts, indexed);
    }
}
