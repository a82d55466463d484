//! Where the CLI's data lives: an SQLite file (the embedded default) or, for a `postgres://` or
//! `postgresql://` URL, one organisation of a PostgreSQL database.

use chrono::{DateTime, Utc};
use crm_core::store::Store;
use crm_core::{Clock, Crm, FixedClock};
use crm_postgres::{PgPool, PgStore};
use crm_sqlite::{SqliteOptions, SqliteStore};
use std::path::PathBuf;
use std::sync::Arc;

type CliError = Box<dyn std::error::Error>;

/// A database (file path or PostgreSQL URL) and the organisation to work on in it.
#[derive(Debug, Clone)]
pub struct Target {
    pub db: PathBuf,
    /// Only PostgreSQL holds many organisations; an SQLite file is one.
    pub org: String,
}

impl Target {
    #[cfg(test)]
    pub fn file(db: impl AsRef<std::path::Path>) -> Target {
        Target {
            db: db.as_ref().to_path_buf(),
            org: DEFAULT_ORG.to_string(),
        }
    }

    pub fn postgres_url(&self) -> Option<&str> {
        self.db
            .to_str()
            .filter(|s| s.starts_with("postgres://") || s.starts_with("postgresql://"))
    }

    /// Where, for reports: the file, or the organisation and the server without credentials.
    pub fn describe(&self) -> String {
        match self.postgres_url() {
            Some(url) => {
                let host = url.rsplit('@').next().unwrap_or(url);
                let host = host
                    .trim_start_matches("postgresql://")
                    .trim_start_matches("postgres://");
                format!("organisation {} on PostgreSQL {host}", self.org)
            }
            None => format!("SQLite file {}", self.db.display()),
        }
    }

    /// Opens the store; a file that does not exist yet is created only when `create` says so.
    pub fn store(&self, create: bool) -> Result<Box<dyn Store>, CliError> {
        self.store_with(create, SqliteOptions::default())
    }

    /// [`Target::store`] with the options an SQLite file opens with (PostgreSQL ignores them).
    fn store_with(&self, create: bool, options: SqliteOptions) -> Result<Box<dyn Store>, CliError> {
        if let Some(url) = self.postgres_url() {
            let pool = PgPool::connect(url, 4)?;
            return Ok(Box::new(if create {
                PgStore::open(&pool, &self.org)?
            } else {
                PgStore::open_existing(&pool, &self.org)?
            }));
        }
        if !create && !self.db.exists() {
            return Err(format!("no database at {}", self.db.display()).into());
        }
        Ok(Box::new(SqliteStore::open_with(&self.db, options)?))
    }

    /// An existing store for a job that writes many records in large batches (an import, its
    /// revert): an SQLite file gets a writer cache of [`BULK_CACHE`] and a log of [`BULK_LOG`]
    /// instead of the defaults, copied into the file by the committing batch as SQLite does
    /// (a background copy gained nothing here: 300,000 rows in 57.6 s against 58.6 s, and its
    /// backstop would let the log reach 2 GiB).
    pub fn open_bulk(&self, clock: Arc<dyn Clock>) -> Result<Crm, CliError> {
        let options = SqliteOptions::default()
            .cache_size(BULK_CACHE)
            .checkpoint_after(BULK_LOG)
            .background_checkpoints(false);
        Ok(Crm::new(self.store_with(false, options)?, clock))
    }

    /// Deletes everything: the file, or the organisation's rows.
    pub fn reset(&self) -> Result<(), CliError> {
        match self.postgres_url() {
            Some(url) => Ok(PgStore::connect(url, &self.org)?.delete_org()?),
            None if self.db.exists() => Ok(std::fs::remove_file(&self.db)?),
            None => Ok(()),
        }
    }

    /// A CRM on the existing database whose clock stands at `at`.
    pub fn open_at(&self, at: DateTime<Utc>) -> Result<Crm, CliError> {
        self.open(Arc::new(FixedClock::new(at)), false)
    }

    pub fn open(&self, clock: Arc<dyn Clock>, create: bool) -> Result<Crm, CliError> {
        Ok(Crm::new(self.store(create)?, clock))
    }
}

pub const DEFAULT_ORG: &str = "default";

/// The SQLite writer cache of bulk jobs: 256 MiB. An import of 1,000,000 customers writes
/// about 650 MB of index B-trees at random places, and with the default 64 MiB most of those
/// writes first read their page back (`bash bench/import.sh 1000000 50000`: 230 s with 64 MiB,
/// 189 s with 256 MiB at 541 MB peak). The cache takes memory only as pages are used.
pub const BULK_CACHE: u64 = 256 << 20;

/// The SQLite log of bulk jobs: checkpointed after 256 MiB rather than SQLite's 4 MiB, which
/// every batch of 5,000 customers outgrows, so each commit copied its pages into the file and
/// synced it (300,000 customers: 74.6-77.9 s before, 61.8-63.5 s after; sys time 11.2 -> 7.7 s).
/// The log is folded in and removed when the job closes the file.
pub const BULK_LOG: u64 = 256 << 20;
