//! Numbered schema migrations, recorded in `crm_schema_migrations`. Processes starting at once
//! queue on an advisory lock, so each migration runs exactly once.

use crate::db;
use crm_core::{CrmError, Result};
use postgres::Client;

/// Migration N (from 1) is `MIGRATIONS[N - 1]`; never edit one that has shipped, add the next.
const MIGRATIONS: &[&str] = &[
    include_str!("../migrations/0001_init.sql"),
    include_str!("../migrations/0002_docs_due.sql"),
    include_str!("../migrations/0003_name_grams.sql"),
    include_str!("../migrations/0004_docs_due_backfill.sql"),
    include_str!("../migrations/0005_docs_due_at.sql"),
    include_str!("../migrations/0006_name_variants.sql"),
];

/// The schema version this build writes.
pub const SCHEMA_VERSION: i32 = MIGRATIONS.len() as i32;

/// An arbitrary constant naming crm's migration lock among the database's advisory locks.
const LOCK: i64 = 0x0063_726d_5f6d_6967;

pub(crate) fn migrate(client: &mut Client) -> Result<()> {
    let mut txn = client.transaction().map_err(db)?;
    txn.execute("SELECT pg_advisory_xact_lock($1)", &[&LOCK])
        .map_err(db)?;
    txn.batch_execute(
        "CREATE TABLE IF NOT EXISTS crm_schema_migrations (
             version    INTEGER PRIMARY KEY,
             applied_at TIMESTAMPTZ NOT NULL DEFAULT now()
         )",
    )
    .map_err(db)?;
    let current: i32 = txn
        .query_one(
            "SELECT COALESCE(MAX(version), 0) FROM crm_schema_migrations",
            &[],
        )
        .map_err(db)?
        .get(0);
    if current > SCHEMA_VERSION {
        return Err(CrmError::storage(format!(
            "the database has schema version {current}, newer than this build's {SCHEMA_VERSION}"
        )));
    }
    for version in current + 1..=SCHEMA_VERSION {
        txn.batch_execute(MIGRATIONS[version as usize - 1])
            .map_err(|e| CrmError::storage(format!("migration {version}: {e}")))?;
        txn.execute(
            "INSERT INTO crm_schema_migrations (version) VALUES ($1)",
            &[&version],
        )
        .map_err(db)?;
    }
    txn.commit().map_err(db)
}
