//! crm-postgres: the `Store` of crm on PostgreSQL, for teams that outgrow an embedded file.
//!
//! One database holds many organisations. Every row carries its organisation's id, every query
//! names it, and forced row-level security keyed on the transaction-local setting `crm.org` makes
//! any other organisation's rows invisible and unwritable even to a query that forgot to filter.
//! Connect as an ordinary role (not a superuser, not `BYPASSRLS`): PostgreSQL exempts those from
//! row-level security.
//!
//! Writes of one organisation are serialised by a row lock on the organisation taken first in each
//! write transaction (READ COMMITTED, so every later statement sees what earlier writers committed):
//! the rules' reads and checks then act on current data, event sequence numbers stay gap-free, and
//! there is no deadlock to retry. Versioned `put_*` are still conditional updates
//! (`WHERE version = v - 1`), so a caller holding a stale record gets `VersionConflict`. Writers of
//! different organisations run in parallel; reads run on a REPEATABLE READ snapshot and never wait.

mod migrations;
mod pool;
mod tx;

use crm_core::store::{Store, Tx};
use crm_core::{CrmError, Result};
use postgres::{IsolationLevel, Transaction};

pub use migrations::SCHEMA_VERSION;
pub use pool::PgPool;

/// One organisation's view of a PostgreSQL database.
#[derive(Clone)]
pub struct PgStore {
    pool: PgPool,
    org: String,
}

/// The driver's message with its cause (the database's own message, or why a value did not encode).
pub(crate) fn db(e: postgres::Error) -> CrmError {
    match std::error::Error::source(&e) {
        Some(cause) if !e.to_string().contains(&cause.to_string()) => {
            CrmError::storage(format!("{e}: {cause}"))
        }
        _ => CrmError::storage(e),
    }
}

impl PgStore {
    /// Connects (a pool of up to 16 connections), brings the schema up to date and opens `org`,
    /// creating the organisation if it is new. `url` is a libpq-style URL or key=value string.
    pub fn connect(url: &str, org: &str) -> Result<PgStore> {
        PgPool::connect(url, 16)?.store(org)
    }

    /// Opens `org` on an existing pool, creating the organisation if it is new.
    pub fn open(pool: &PgPool, org: &str) -> Result<PgStore> {
        Self::open_with(pool, org, true)
    }

    /// Opens an organisation that must exist already (`InvalidInput` on `org` otherwise), as tools that only
    /// read or maintain want.
    pub fn open_existing(pool: &PgPool, org: &str) -> Result<PgStore> {
        Self::open_with(pool, org, false)
    }

    fn open_with(pool: &PgPool, org: &str, create: bool) -> Result<PgStore> {
        if org.is_empty() || org.len() > 200 || org.chars().any(char::is_control) {
            return Err(CrmError::invalid(
                "org",
                "an organisation id is 1 to 200 printable characters",
            ));
        }
        let store = PgStore {
            pool: pool.clone(),
            org: org.to_string(),
        };
        let mut exists = false;
        store.session(&mut |txn, org| {
            if create {
                txn.execute(
                    "INSERT INTO orgs (id) VALUES ($1) ON CONFLICT (id) DO NOTHING",
                    &[&org],
                )
                .map_err(db)?;
            }
            exists = txn
                .query_opt("SELECT 1 FROM orgs WHERE id = $1", &[&org])
                .map_err(db)?
                .is_some();
            Ok(())
        })?;
        if !exists {
            return Err(CrmError::invalid(
                "org",
                format!("no organisation {org} in this database"),
            ));
        }
        Ok(store)
    }

    pub fn org(&self) -> &str {
        &self.org
    }

    pub fn pool(&self) -> &PgPool {
        &self.pool
    }

    /// Deletes the organisation and everything it holds. A later write through this store fails
    /// until the organisation is opened again.
    pub fn delete_org(&self) -> Result<()> {
        self.session(&mut |txn, org| {
            txn.execute("DELETE FROM orgs WHERE id = $1", &[&org])
                .map_err(db)?;
            Ok(())
        })
    }

    /// Starts a transaction bound to this organisation (`crm.org` set for it alone): READ
    /// COMMITTED to write, a REPEATABLE READ snapshot to read.
    fn begin<'c>(&self, client: &'c mut postgres::Client, write: bool) -> Result<Transaction<'c>> {
        let level = if write {
            IsolationLevel::ReadCommitted
        } else {
            IsolationLevel::RepeatableRead
        };
        let mut txn = client
            .build_transaction()
            .isolation_level(level)
            .start()
            .map_err(db)?;
        txn.execute("SELECT set_config('crm.org', $1, true)", &[&self.org])
            .map_err(db)?;
        Ok(txn)
    }

    /// Runs `work` in a committed transaction bound to this organisation.
    fn session(
        &self,
        work: &mut dyn FnMut(&mut Transaction<'_>, &str) -> Result<()>,
    ) -> Result<()> {
        let mut conn = self.pool.get()?;
        let mut txn = self.begin(&mut conn.client, true)?;
        work(&mut txn, &self.org)?;
        txn.commit().map_err(db)
    }

    fn run(&self, write: bool, work: &mut dyn FnMut(&mut dyn Tx) -> Result<()>) -> Result<()> {
        let mut conn = self.pool.get()?;
        let pool::Conn { client, statements } = &mut *conn;
        let mut txn = self.begin(client, write)?;
        let lock = if write {
            "SELECT event_seq FROM orgs WHERE id = $1 FOR NO KEY UPDATE"
        } else {
            "SELECT event_seq FROM orgs WHERE id = $1"
        };
        let seq: i64 = txn
            .query_opt(lock, &[&self.org])
            .map_err(db)?
            .ok_or_else(|| CrmError::storage(format!("organisation {} does not exist", self.org)))?
            .get(0);
        let mut tx = tx::PgTx::new(&mut txn, statements, &self.org, seq);
        work(&mut tx)?;
        let last = tx.last_seq();
        if !write {
            return txn.rollback().map_err(db);
        }
        if last != seq {
            txn.execute(
                "UPDATE orgs SET event_seq = $2 WHERE id = $1",
                &[&self.org, &last],
            )
            .map_err(db)?;
        }
        txn.commit().map_err(db)
    }
}

impl Store for PgStore {
    fn write(&self, work: &mut dyn FnMut(&mut dyn Tx) -> Result<()>) -> Result<()> {
        self.run(true, work)
    }

    fn read(&self, work: &mut dyn FnMut(&mut dyn Tx) -> Result<()>) -> Result<()> {
        self.run(false, work)
    }
}
