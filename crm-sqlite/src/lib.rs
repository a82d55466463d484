//! crm-sqlite: the embedded default store of crm. One SQLite file (bundled SQLite, WAL), numbered
//! migrations, and every `Store` write as an `IMMEDIATE` transaction so concurrent writers, in this
//! process or another, are serialised by SQLite and stale versions fail with `VersionConflict`.

mod migrations;
mod tx;

use crm_core::store::{Store, Tx};
use crm_core::{CrmError, Result};
use rusqlite::{Connection, TransactionBehavior};
use std::path::Path;
use std::sync::Mutex;
use std::time::Duration;

pub use migrations::SCHEMA_VERSION;

pub struct SqliteStore {
    conn: Mutex<Connection>,
}

fn storage(e: rusqlite::Error) -> CrmError {
    CrmError::storage(e)
}

impl SqliteStore {
    /// Opens (creating if missing) a database file and brings its schema up to date.
    pub fn open(path: impl AsRef<Path>) -> Result<Self> {
        let conn = Connection::open(path.as_ref()).map_err(|e| {
            CrmError::storage(format!("cannot open {}: {e}", path.as_ref().display()))
        })?;
        conn.pragma_update(None, "journal_mode", "WAL")
            .map_err(storage)?;
        conn.pragma_update(None, "synchronous", "NORMAL")
            .map_err(storage)?;
        Self::setup(conn)
    }

    /// A private database that lives as long as the store.
    pub fn open_in_memory() -> Result<Self> {
        Self::setup(Connection::open_in_memory().map_err(storage)?)
    }

    fn setup(mut conn: Connection) -> Result<Self> {
        conn.busy_timeout(Duration::from_secs(10))
            .map_err(storage)?;
        conn.pragma_update(None, "foreign_keys", "ON")
            .map_err(storage)?;
        migrations::migrate(&mut conn)?;
        Ok(SqliteStore {
            conn: Mutex::new(conn),
        })
    }

    fn run(
        &self,
        behavior: TransactionBehavior,
        commit: bool,
        work: &mut dyn FnMut(&mut dyn Tx) -> Result<()>,
    ) -> Result<()> {
        let mut conn = self.conn.lock().unwrap_or_else(|e| e.into_inner());
        let txn = conn.transaction_with_behavior(behavior).map_err(storage)?;
        work(&mut tx::SqliteTx { txn: &txn })?;
        if commit {
            txn.commit().map_err(storage)
        } else {
            txn.rollback().map_err(storage)
        }
    }
}

impl Store for SqliteStore {
    fn write(&self, work: &mut dyn FnMut(&mut dyn Tx) -> Result<()>) -> Result<()> {
        self.run(TransactionBehavior::Immediate, true, work)
    }

    fn read(&self, work: &mut dyn FnMut(&mut dyn Tx) -> Result<()>) -> Result<()> {
        self.run(TransactionBehavior::Deferred, false, work)
    }
}
