//! SQLite's name index through transactions, committed or rolled back, with the gram counts kept
//! in memory until a transaction commits: reads inside the transaction see what it changed, and
//! after any sequence of key changes each gram's stored count is its number of indexed names, no
//! gram without names keeps a row, and each held name is under exactly its variants.

use crm_core::customer::variants::name_variants;
use crm_core::store::Store;
use crm_core::CrmError;
use crm_sqlite::SqliteStore;
use proptest::prelude::*;
use std::collections::{BTreeMap, BTreeSet};

/// Names sharing many grams and variants, so one transaction moves them up and down.
const NAMES: [&str; 5] = ["acme", "acmee", "acne", "星辰科技", "星辰"];

/// One key change: customer `c` now holds name `NAMES[n]`, or no name.
type Change = (u8, Option<usize>);
/// Rows of (text, text or count), in order.
type Rows<T> = Vec<(String, T)>;

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

fn rows<T: rusqlite::types::FromSql>(conn: &rusqlite::Connection, sql: &str) -> Rows<T> {
    let mut stmt = conn.prepare(sql).unwrap();
    let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?))).unwrap();
    rows.map(Result::unwrap).collect()
}

/// The names any customer holds.
fn held(holders: &BTreeMap<u8, usize>) -> BTreeSet<&'static str> {
    holders.values().map(|&n| NAMES[n]).collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]
    #[test]
    fn stored_rows_are_the_names_indexed(txs in transactions()) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("crm.db");
        let store = SqliteStore::open(&path).unwrap();
        let mut committed: BTreeMap<u8, usize> = BTreeMap::new();
        for (changes, fails) in &txs {
            let mut holders = committed.clone();
            let done = store.write(&mut |tx| {
                holders = committed.clone();
                for &(customer, name) in changes {
                    let keys: Vec<String> =
                        name.iter().map(|&n| format!("n:{}", NAMES[n])).collect();
                    tx.set_dedup_keys(&format!("c-{customer}"), &keys)?;
                    match name {
                        Some(n) => holders.insert(customer, n),
                        None => holders.remove(&customer),
                    };
                    // The open transaction finds names by their variants as it left them.
                    for probe in NAMES {
                        let expected: Vec<&str> = held(&holders)
                            .into_iter()
                            .filter(|h| name_variants(h).iter().any(|v| v == probe))
                            .collect();
                        assert_eq!(tx.names_with_variants(&[probe.to_string()])?, expected);
                    }
                }
                if *fails {
                    return Err(CrmError::invalid("test", "the work fails at its end"));
                }
                Ok(())
            });
            prop_assert_eq!(done.is_err(), *fails);
            if !fails {
                committed = holders;
            }
        }
        drop(store);
        let conn = rusqlite::Connection::open(&path).unwrap();
        let counts: Rows<i64> = rows(&conn, "SELECT gram, names FROM name_gram_counts ORDER BY gram");
        let indexed: Rows<i64> =
            rows(&conn, "SELECT gram, count(*) FROM name_grams GROUP BY gram ORDER BY gram");
        prop_assert_eq!(counts, indexed);
        let variants: Rows<String> =
            rows(&conn, "SELECT variant, name FROM name_variants ORDER BY variant, name");
        let expected: BTreeSet<(String, String)> = held(&committed)
            .into_iter()
            .flat_map(|h| name_variants(h).into_iter().map(move |v| (v, h.to_string())))
            .collect();
        prop_assert_eq!(variants, expected.into_iter().collect::<Rows<String>>());
    }
}
