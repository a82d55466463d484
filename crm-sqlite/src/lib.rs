//! crm-sqlite: the embedded default store of crm. One SQLite file (bundled SQLite, WAL), numbered
//! migrations, and every `Store` write as an `IMMEDIATE` transaction so concurrent writers, in this
//! process or another, are serialised by SQLite and stale versions fail with `VersionConflict`.
//!
//! Writes go through one writer connection; reads through a small pool of reader connections
//! beside it, which WAL lets read their own snapshots while the writer works, so reads scale with
//! threads, provided SQLite is built without `SQLITE_ENABLE_MEMORY_MANAGEMENT` (rusqlite's bundled
//! build turns it on, and it makes all connections share one page cache lock): this repository
//! sets `LIBSQLITE3_FLAGS=-USQLITE_ENABLE_MEMORY_MANAGEMENT` in `.cargo/config.toml`, and an
//! application building crm-sqlite in its own workspace should set it too. A call that cannot get its lock within the busy timeout fails with `STORAGE_BUSY`
//! (retryable) instead of stalling the app; a full disk is `STORAGE_FULL`, a file that cannot be
//! written `READ_ONLY`. The log is copied into the file by a thread of the store's own (see
//! `checkpoint`), not by the write whose commit fills it.

mod checkpoint;
mod errors;
mod facts;
mod migrations;
mod pool;
mod tx;

use crm_core::store::{Store, Tx};
use crm_core::{CrmError, Result};
use errors::{from_sqlite, with_timeout};
use pool::Pool;
use rusqlite::{Connection, OpenFlags, TransactionBehavior};
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

pub use migrations::SCHEMA_VERSION;

/// How long a call waits for a lock held by another writer by default: long enough to ride out
/// another process's batch or a checkpoint, well under Android's 5 s "not responding" limit.
pub const DEFAULT_BUSY_TIMEOUT: Duration = Duration::from_secs(2);

/// The number of reader connections by default: enough for the cores of a phone or a small server;
/// more readers than threads that read only cost memory.
pub const DEFAULT_READERS: usize = 4;

/// The writer's page cache by default: 64 MiB (SQLite's default is 2 MiB), so a batch of writes
/// to the duplicate keys' and name grams' B-trees of a large organisation stays in memory instead
/// of spilling and re-reading pages (an import of 100,000 customers: 25.7 s with SQLite's
/// default). The cache grows only as pages are used.
pub const DEFAULT_CACHE_SIZE: u64 = 64 << 20;

/// The log's size in pages that starts a checkpoint when `checkpoint_after` is not set: SQLite's
/// own default.
const DEFAULT_CHECKPOINT_PAGES: u32 = 1000;

/// How a [`SqliteStore`] opens its file. Start from `SqliteOptions::default()`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct SqliteOptions {
    /// How long a call waits for a lock held elsewhere (another thread, connection or process)
    /// before failing with `STORAGE_BUSY`.
    pub busy_timeout: Duration,
    /// Open for reading only: every write fails with `READ_ONLY`, and the file is never changed
    /// (no migration, no journal mode switch). For a database shipped read-only, as in an app
    /// bundle. A WAL file whose directory cannot be written is read as immutable (SQLite cannot
    /// share a lock index there, so no writer can have it open); a writer that opens it later
    /// from elsewhere is not seen.
    pub read_only: bool,
    /// Reader connections beside the writer (0: reads share the writer connection).
    pub readers: usize,
    /// An upper bound on the database's size in bytes: a write that would grow it beyond fails
    /// with `STORAGE_FULL`, as on a full disk, so an app can keep its data from filling a device.
    pub max_size: Option<u64>,
    /// The writer's page cache in bytes, used only as pages are read: [`DEFAULT_CACHE_SIZE`].
    /// A bulk job over a large organisation (an import) gains from more: each row writes to
    /// index B-trees of hundreds of MB at random places, and a page that leaves the cache is
    /// read back from the OS, or written to the log and read back from it, on its next use.
    pub cache_size: u64,
    /// How much the write-ahead log may hold before it is copied into the database file, in
    /// bytes (`None`: SQLite's 1,000 pages, about 4 MiB): by the store's own thread with
    /// `background_checkpoints`, else by the commit that crosses it. That copy
    /// ends in a sync of the whole file, so a bulk job whose every batch outgrows the default
    /// pays it on each commit; a larger log copies a page written by many batches once (an
    /// import of 300,000 customers: 74.6-77.9 s at the default, 61.8-63.5 s at 256 MiB). The
    /// log file keeps its largest size until the last connection closes.
    pub checkpoint_after: Option<u64>,
    /// Copy the log into the database file on a thread of the store's own, beside the writer,
    /// instead of in the call whose commit fills it: on by default, as it takes the copy and its
    /// sync out of one write in about 25 (with 1,000,000 customers stored, creates' p99 went
    /// from 25-29 ms to 9-10 ms). The log may then grow to 8 times `checkpoint_after` before a
    /// commit copies it itself. Off, SQLite checkpoints as it ships.
    pub background_checkpoints: bool,
}

impl Default for SqliteOptions {
    fn default() -> Self {
        SqliteOptions {
            busy_timeout: DEFAULT_BUSY_TIMEOUT,
            read_only: false,
            readers: DEFAULT_READERS,
            max_size: None,
            cache_size: DEFAULT_CACHE_SIZE,
            checkpoint_after: None,
            background_checkpoints: true,
        }
    }
}

impl SqliteOptions {
    pub fn busy_timeout(mut self, timeout: Duration) -> Self {
        self.busy_timeout = timeout;
        self
    }

    pub fn read_only(mut self) -> Self {
        self.read_only = true;
        self
    }

    pub fn readers(mut self, readers: usize) -> Self {
        self.readers = readers;
        self
    }

    pub fn max_size(mut self, bytes: u64) -> Self {
        self.max_size = Some(bytes);
        self
    }

    pub fn cache_size(mut self, bytes: u64) -> Self {
        self.cache_size = bytes;
        self
    }

    pub fn checkpoint_after(mut self, bytes: u64) -> Self {
        self.checkpoint_after = Some(bytes);
        self
    }

    pub fn background_checkpoints(mut self, on: bool) -> Self {
        self.background_checkpoints = on;
        self
    }
}

pub struct SqliteStore {
    readers: Arc<Pool>,
    /// `None` in a read-only store.
    writer: Option<Arc<Pool>>,
    busy_timeout: Duration,
    /// Dropped after the writer's connection, whose commit hook points into it (fields drop in
    /// order).
    _checkpoints: Option<checkpoint::Checkpointer>,
}

impl SqliteStore {
    /// Opens (creating if missing) a database file with the default options and brings its schema
    /// up to date.
    pub fn open(path: impl AsRef<Path>) -> Result<Self> {
        Self::open_with(path, SqliteOptions::default())
    }

    /// Opens a database file with `options`: read-write (created if missing, migrated) or
    /// read-only (it must exist and have this build's schema).
    pub fn open_with(path: impl AsRef<Path>, options: SqliteOptions) -> Result<Self> {
        if options.read_only {
            Self::open_read_only(path.as_ref(), &options)
        } else {
            Self::open_read_write(path.as_ref(), &options)
        }
    }

    /// A private database that lives as long as the store (one connection for reads and writes).
    pub fn open_in_memory() -> Result<Self> {
        let options = SqliteOptions::default();
        let mut conn = Connection::open_in_memory().map_err(from_sqlite)?;
        configure(&conn, &options)?;
        migrations::migrate(&mut conn)?;
        let pool = Arc::new(Pool::new(1, Some(conn), no_more_connections()));
        Ok(SqliteStore {
            readers: pool.clone(),
            writer: Some(pool),
            busy_timeout: options.busy_timeout,
            _checkpoints: None,
        })
    }

    fn open_read_write(path: &Path, options: &SqliteOptions) -> Result<Self> {
        let mut conn = Connection::open(path).map_err(|e| open_error(path, e, options))?;
        configure(&conn, options)?;
        // SQLite quietly opens a file it may not write for reading; say so now, not at the
        // first write.
        if conn
            .is_readonly(rusqlite::MAIN_DB)
            .map_err(|e| open_error(path, e, options))?
        {
            return Err(CrmError::ReadOnly {
                reason: format!(
                    "{} cannot be written by this process; open it read-only to read it",
                    path.display()
                ),
            });
        }
        conn.pragma_update(None, "journal_mode", "WAL")
            .map_err(|e| open_error(path, e, options))?;
        conn.pragma_update(None, "synchronous", "NORMAL")
            .map_err(|e| open_error(path, e, options))?;
        // A negative cache_size is in KiB.
        let kib = i64::try_from(options.cache_size / 1024)
            .unwrap_or(i64::MAX)
            .max(1);
        conn.pragma_update(None, "cache_size", -kib)
            .map_err(|e| open_error(path, e, options))?;
        let page: u64 = conn
            .pragma_query_value(None, "page_size", |r| r.get::<_, i64>(0))
            .map_err(from_sqlite)?
            .max(1) as u64;
        if let Some(bytes) = options.max_size {
            let pages = (bytes / page).clamp(1, u32::MAX as u64);
            conn.pragma_update(None, "max_page_count", pages)
                .map_err(from_sqlite)?;
        }
        // 0 pages would turn checkpoints off and let the log grow without end.
        let log_pages = options
            .checkpoint_after
            .map_or(DEFAULT_CHECKPOINT_PAGES, |bytes| {
                (bytes / page).clamp(1, i32::MAX as u64) as u32
            });
        conn.pragma_update(None, "wal_autocheckpoint", log_pages)
            .map_err(from_sqlite)?;
        migrations::migrate(&mut conn).map_err(|e| with_timeout(e, options.busy_timeout))?;
        let checkpoints = if options.background_checkpoints {
            let started = checkpoint::Checkpointer::start(&conn, path, log_pages);
            Some(started.map_err(|e| opened_error(path, e))?)
        } else {
            None
        };
        let writer = Arc::new(Pool::new(1, Some(conn), no_more_connections()));
        let readers = if options.readers == 0 {
            writer.clone()
        } else {
            let (path, options) = (path.to_path_buf(), options.clone());
            Arc::new(Pool::new(
                options.readers,
                None,
                Box::new(move || {
                    // Read-write (but never creating), as `Store::read` lets work write and
                    // throws the writes away.
                    let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
                        | OpenFlags::SQLITE_OPEN_URI
                        | OpenFlags::SQLITE_OPEN_NO_MUTEX;
                    let conn = Connection::open_with_flags(&path, flags)
                        .map_err(|e| open_error(&path, e, &options))?;
                    configure(&conn, &options)?;
                    Ok(conn)
                }),
            ))
        };
        Ok(SqliteStore {
            readers,
            writer: Some(writer),
            busy_timeout: options.busy_timeout,
            _checkpoints: checkpoints,
        })
    }

    fn open_read_only(path: &Path, options: &SqliteOptions) -> Result<Self> {
        let uri = file_uri(path);
        let open = move |immutable: bool| -> Result<Connection> {
            let uri = if immutable {
                format!("{uri}?mode=ro&immutable=1")
            } else {
                format!("{uri}?mode=ro")
            };
            let flags = OpenFlags::SQLITE_OPEN_READ_ONLY
                | OpenFlags::SQLITE_OPEN_URI
                | OpenFlags::SQLITE_OPEN_NO_MUTEX;
            Connection::open_with_flags(uri, flags).map_err(from_sqlite)
        };
        let version = |conn: &Connection| -> rusqlite::Result<u32> {
            conn.pragma_query_value(None, "user_version", |r| r.get(0))
        };
        let first = open(false).and_then(|conn| {
            configure(&conn, options)?;
            Ok(conn)
        });
        let (conn, immutable, schema) = match first.map(|conn| {
            let v = version(&conn);
            (conn, v)
        }) {
            Ok((conn, Ok(v))) => (conn, false, v),
            // A WAL file in a directory this process cannot write (an app bundle) has no
            // shared-memory index and cannot get one, so no writer has it open: read it as the
            // immutable file it is.
            Ok((_, Err(e)))
                if e.sqlite_error().map(|e| e.extended_code)
                    == Some(rusqlite::ffi::SQLITE_READONLY_DIRECTORY) =>
            {
                let conn = open(true)?;
                configure(&conn, options)?;
                let v = version(&conn).map_err(|e| open_error(path, e, options))?;
                (conn, true, v)
            }
            Ok((_, Err(e))) => return Err(open_error(path, e, options)),
            Err(e) => return Err(opened_error(path, e)),
        };
        if schema > SCHEMA_VERSION {
            return Err(CrmError::storage(format!(
                "the database has schema version {schema}, newer than this build's {SCHEMA_VERSION}"
            )));
        }
        if schema < SCHEMA_VERSION {
            return Err(CrmError::ReadOnly {
                reason: format!(
                    "{} has schema version {schema}, older than this build's {SCHEMA_VERSION}, \
                     and a read-only store cannot migrate it: open it read-write once",
                    path.display()
                ),
            });
        }
        let each = options.clone();
        let readers = Arc::new(Pool::new(
            options.readers,
            Some(conn),
            Box::new(move || {
                let conn = open(immutable)?;
                configure(&conn, &each)?;
                Ok(conn)
            }),
        ));
        Ok(SqliteStore {
            readers,
            writer: None,
            busy_timeout: options.busy_timeout,
            _checkpoints: None,
        })
    }

    /// The busy timeout this store was opened with.
    pub fn busy_timeout(&self) -> Duration {
        self.busy_timeout
    }

    /// Whether writes are refused (the store was opened read-only).
    pub fn is_read_only(&self) -> bool {
        self.writer.is_none()
    }

    fn run(
        &self,
        pool: &Pool,
        behavior: TransactionBehavior,
        commit: bool,
        work: &mut dyn FnMut(&mut dyn Tx) -> Result<()>,
    ) -> Result<()> {
        // One deadline for waiting on this store's connection and then on SQLite's lock.
        let deadline = Instant::now().checked_add(self.busy_timeout);
        let done = (|| {
            let mut conn = pool.take(deadline, self.busy_timeout)?;
            if let Some(deadline) = deadline {
                conn.busy_timeout(deadline.saturating_duration_since(Instant::now()))
                    .map_err(from_sqlite)?;
            }
            let txn = conn
                .transaction_with_behavior(behavior)
                .map_err(from_sqlite)?;
            let mut tx = tx::SqliteTx::new(&txn);
            work(&mut tx)?;
            if commit {
                tx.finish()?;
                txn.commit().map_err(from_sqlite)
            } else {
                txn.rollback().map_err(from_sqlite)
            }
        })();
        done.map_err(|e| with_timeout(e, self.busy_timeout))
    }
}

impl Store for SqliteStore {
    fn write(&self, work: &mut dyn FnMut(&mut dyn Tx) -> Result<()>) -> Result<()> {
        let Some(writer) = &self.writer else {
            return Err(CrmError::ReadOnly {
                reason: "the store was opened read-only".into(),
            });
        };
        self.run(writer, TransactionBehavior::Immediate, true, work)
    }

    fn read(&self, work: &mut dyn FnMut(&mut dyn Tx) -> Result<()>) -> Result<()> {
        self.run(&self.readers, TransactionBehavior::Deferred, false, work)
    }
}

/// Settings every connection of a store has.
fn configure(conn: &Connection, options: &SqliteOptions) -> Result<()> {
    conn.busy_timeout(options.busy_timeout)
        .map_err(from_sqlite)?;
    conn.pragma_update(None, "foreign_keys", "ON")
        .map_err(from_sqlite)
}

/// For pools that never open a second connection (their maximum is one, and it exists).
fn no_more_connections() -> Box<dyn Fn() -> Result<Connection> + Send + Sync> {
    Box::new(|| Err(CrmError::storage("the store's only connection was lost")))
}

/// A failure to open or set up `path`, with the path named and its own code kept.
fn open_error(path: &Path, e: rusqlite::Error, options: &SqliteOptions) -> CrmError {
    with_timeout(opened_error(path, from_sqlite(e)), options.busy_timeout)
}

fn opened_error(path: &Path, e: CrmError) -> CrmError {
    match e {
        CrmError::Storage { message } => {
            CrmError::storage(format!("cannot open {}: {message}", path.display()))
        }
        CrmError::ReadOnly { reason } => CrmError::ReadOnly {
            reason: format!(
                "{} cannot be written by this process ({reason}); open it read-only to read it",
                path.display()
            ),
        },
        other => other,
    }
}

/// `path` as an SQLite `file:` URI (so query parameters can follow): every byte but unreserved
/// ones and `/` percent-encoded.
fn file_uri(path: &Path) -> String {
    #[cfg(unix)]
    let bytes: Vec<u8> = std::os::unix::ffi::OsStrExt::as_bytes(path.as_os_str()).to_vec();
    #[cfg(not(unix))]
    let bytes: Vec<u8> = {
        let text = path.to_string_lossy().replace('\\', "/");
        // `C:/x` is `file:/C:/x` in a URI.
        let rooted = if text.as_bytes().get(1) == Some(&b':') {
            format!("/{text}")
        } else {
            text
        };
        rooted.into_bytes()
    };
    let mut uri = String::from("file:");
    for b in bytes {
        if b.is_ascii_alphanumeric() || b"-._~/".contains(&b) || (cfg!(not(unix)) && b == b':') {
            uri.push(b as char);
        } else {
            uri.push_str(&format!("%{b:02X}"));
        }
    }
    uri
}

#[cfg(test)]
mod tests {
    use super::*;

    fn writer_pragma(store: &SqliteStore, name: &str) -> i64 {
        let writer = store.writer.as_ref().expect("a writable store");
        let conn = writer
            .take(None, Duration::ZERO)
            .expect("the writer is free");
        conn.pragma_query_value(None, name, |r| r.get(0))
            .expect("the pragma reads")
    }

    #[test]
    fn the_writer_checkpoints_after_the_log_size_asked_for() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("crm.db");
        let inline = SqliteOptions::default().background_checkpoints(false);
        let default = SqliteStore::open_with(&path, inline.clone()).unwrap();
        assert_eq!(writer_pragma(&default, "wal_autocheckpoint"), 1000);
        drop(default);
        let page = 4096;
        let bulk =
            SqliteStore::open_with(&path, inline.clone().checkpoint_after(256 << 20)).unwrap();
        assert_eq!(writer_pragma(&bulk, "page_size"), page);
        assert_eq!(
            writer_pragma(&bulk, "wal_autocheckpoint"),
            (256 << 20) / page
        );
        drop(bulk);
        // Less than a page is one page, never "off".
        let tiny = SqliteStore::open_with(&path, inline.checkpoint_after(1));
        assert_eq!(writer_pragma(&tiny.unwrap(), "wal_autocheckpoint"), 1);
        // By default the store's own hook takes the place of SQLite's.
        let background = SqliteStore::open(&path).unwrap();
        assert_eq!(writer_pragma(&background, "wal_autocheckpoint"), 0);
    }

    /// Users stored in the database file itself, read from a copy of the file without its log.
    fn users_in_file(path: &Path) -> i64 {
        let dir = tempfile::tempdir().unwrap();
        let copy = dir.path().join("copy.db");
        std::fs::copy(path, &copy).unwrap();
        let conn = Connection::open(&copy).unwrap();
        conn.query_row("SELECT count(*) FROM users", [], |r| r.get(0))
            .unwrap()
    }

    #[test]
    fn the_log_is_copied_into_the_file_off_the_committing_call() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("crm.db");
        // One page: every commit makes the log due.
        let store =
            SqliteStore::open_with(&path, SqliteOptions::default().checkpoint_after(1)).unwrap();
        crm_core::store::write(&store, |tx| {
            tx.put_user(&crm_core::testing::conformance::user("u-1", 1))
        })
        .unwrap();
        // The commit only woke the thread (SQLite's own checkpoint is off: see above); the
        // user reaches the file when the thread has copied the log.
        let deadline = Instant::now() + Duration::from_secs(20);
        while users_in_file(&path) == 0 {
            assert!(Instant::now() < deadline, "the log was never copied");
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    #[test]
    fn the_log_stays_bounded_under_a_writer_that_never_pauses() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("crm.db");
        let page: u64 = 4096;
        let store =
            SqliteStore::open_with(&path, SqliteOptions::default().checkpoint_after(2 * page))
                .unwrap();
        // The log file keeps its largest size: the migrations' commit made it this long.
        let log = || {
            std::fs::metadata(dir.path().join("crm.db-wal"))
                .unwrap()
                .len()
        };
        let migrated = log();
        for n in 0..1000 {
            let user = crm_core::testing::conformance::user(&format!("u-{n}"), 1);
            crm_core::store::write(&store, |tx| tx.put_user(&user)).unwrap();
        }
        // 1,000 commits of a page or more never rewound would make it 4 MB or more; the
        // backstop rewinds it at 16 pages.
        let grown = log();
        assert!(
            grown <= migrated.max(64 * (page + 24)),
            "the log grew from {migrated} to {grown} bytes"
        );
    }

    #[test]
    fn the_writer_cache_is_the_size_asked_for() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("crm.db");
        let default = SqliteStore::open(&path).unwrap();
        assert_eq!(
            writer_pragma(&default, "cache_size"),
            -65_536,
            "64 MiB in KiB"
        );
        drop(default);
        let bulk = SqliteStore::open_with(&path, SqliteOptions::default().cache_size(256 << 20));
        assert_eq!(writer_pragma(&bulk.unwrap(), "cache_size"), -262_144);
        // Below one KiB is one KiB, not SQLite's "0: the default".
        let tiny = SqliteStore::open_with(&path, SqliteOptions::default().cache_size(10));
        assert_eq!(writer_pragma(&tiny.unwrap(), "cache_size"), -1);
    }
}
