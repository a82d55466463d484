//! Numbered schema migrations, tracked in `PRAGMA user_version`.

use crm_core::{CrmError, Result};
use rusqlite::Connection;

/// Migration N (from 1) is `MIGRATIONS[N - 1]`; never edit one that has shipped, add the next.
const MIGRATIONS: &[&str] = &[
    include_str!("../migrations/0001_init.sql"),
    include_str!("../migrations/0002_pools.sql"),
    include_str!("../migrations/0003_docs_due.sql"),
    include_str!("../migrations/0004_name_grams.sql"),
    include_str!("../migrations/0005_docs_due_at.sql"),
    include_str!("../migrations/0006_customer_facts.sql"),
    include_str!("../migrations/0007_name_variants.sql"),
];

/// The migration after whose SQL the stored customers' quality facts are computed, in Rust
/// (they need libphonenumber's checks), inside the same transaction.
const FACTS: u32 = 6;

/// The schema version this build writes.
pub const SCHEMA_VERSION: u32 = MIGRATIONS.len() as u32;

pub(crate) fn migrate(conn: &mut Connection) -> Result<()> {
    migrate_to(conn, SCHEMA_VERSION)
}

/// Applies migrations up to `target`, each in its own transaction with its version bump.
pub(crate) fn migrate_to(conn: &mut Connection, target: u32) -> Result<()> {
    let current: u32 = conn
        .pragma_query_value(None, "user_version", |r| r.get(0))
        .map_err(CrmError::storage)?;
    if current > SCHEMA_VERSION {
        return Err(CrmError::storage(format!(
            "the database has schema version {current}, newer than this build's {SCHEMA_VERSION}"
        )));
    }
    for version in current + 1..=target {
        let txn = conn.transaction().map_err(CrmError::storage)?;
        txn.execute_batch(MIGRATIONS[version as usize - 1])
            .map_err(|e| CrmError::storage(format!("migration {version}: {e}")))?;
        if version == FACTS {
            crate::facts::backfill(&txn)?;
        }
        txn.pragma_update(None, "user_version", version)
            .map_err(CrmError::storage)?;
        txn.commit().map_err(CrmError::storage)?;
    }
    Ok(())
}
