//! Checkpoints mostly off the caller's path. In WAL mode SQLite copies the log into the database
//! file when a commit takes the log past its size, on the thread that committed: that call waits
//! for the copy of the whole log and a sync (with 1,000,000 customers stored, one create in about
//! 25 paid 20-70 ms for it). Here such a commit only wakes a thread of the store's own, which
//! copies the log with a connection of its own in SQLite's PASSIVE mode (it neither waits for nor
//! blocks writers and readers) while the writer goes on.
//!
//! The log is rewound (written again from its start) by the first write that finds all of it
//! copied; between a writer's commits the thread usually catches up, so it is. Should a writer
//! that never pauses let the log grow to [`BACKSTOP`] times its size, the committing call copies
//! the rest itself once the thread is idle (what is left since the thread's last copy), as SQLite
//! would have, and the log is rewound: the log stays bounded. Measured with 1,000,000 customers
//! stored and 4,000 creates in a row: p99 9.3-10.0 ms and 6.3-6.8 s in all, against 24.8-26.6 ms
//! and 9.8-10.6 s with SQLite's own checkpoints.
//!
//! Written against SQLite's C hook because rusqlite's `wal_hook` takes a plain function, with no
//! way to reach the thread to wake.

use crate::errors::from_sqlite;
use crm_core::{CrmError, Result};
use rusqlite::{ffi, Connection, OpenFlags};
use std::os::raw::{c_char, c_int, c_void};
use std::path::Path;
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::JoinHandle;

/// How many times its size the log may grow before a commit copies it whatever it costs (8
/// measured better than 4 or 16 at the default size: a 32 MiB log at most).
pub(crate) const BACKSTOP: c_int = 8;

/// The background checkpoints of one writer connection. Must be dropped after that connection
/// is closed: the connection's hook points into it.
pub(crate) struct Checkpointer {
    hook: Arc<Hook>,
    thread: Option<JoinHandle<()>>,
}

/// What the hook and the thread share.
struct Hook {
    /// The log's size in pages that wakes the thread.
    pages: c_int,
    state: Mutex<State>,
    /// Signals a change of `State` (the thread waits for `due`, a commit at the backstop for
    /// the thread to be idle).
    changed: Condvar,
}

#[derive(Default)]
struct State {
    /// A commit asked for a copy.
    due: bool,
    /// The thread is copying, or about to.
    running: bool,
    stop: bool,
}

impl Hook {
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn wait<'a>(&self, state: MutexGuard<'a, State>) -> MutexGuard<'a, State> {
        self.changed.wait(state).unwrap_or_else(|e| e.into_inner())
    }

    /// Waits until a copy is due (true) or the store closes (false).
    fn due(&self) -> bool {
        let mut state = self.lock();
        while !state.due && !state.stop {
            state = self.wait(state);
        }
        state.due = false;
        !state.stop
    }

    fn copied(&self) {
        self.lock().running = false;
        self.changed.notify_all();
    }
}

impl Checkpointer {
    /// Hooks `writer`'s commits and starts the thread, which copies the log of the database at
    /// `path` once the log holds `pages` pages.
    pub(crate) fn start(writer: &Connection, path: &Path, pages: u32) -> Result<Self> {
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let copier = Connection::open_with_flags(path, flags).map_err(from_sqlite)?;
        let hook = Arc::new(Hook {
            pages: c_int::try_from(pages).unwrap_or(c_int::MAX).max(1),
            state: Mutex::default(),
            changed: Condvar::new(),
        });
        let shared = hook.clone();
        let thread = std::thread::Builder::new()
            .name("crm-sqlite-checkpoint".into())
            .spawn(move || copy_when_due(&shared, &copier))
            .map_err(|e| CrmError::storage(format!("cannot start a thread: {e}")))?;
        // SAFETY: this `Checkpointer` keeps the hook alive, and the store drops it after the
        // writer connection (`SqliteStore`'s field order); the callback only reads it.
        unsafe {
            let arg = Arc::as_ptr(&hook).cast_mut().cast::<c_void>();
            ffi::sqlite3_wal_hook(writer.handle(), Some(committed), arg);
        }
        Ok(Checkpointer {
            hook,
            thread: Some(thread),
        })
    }
}

impl Drop for Checkpointer {
    fn drop(&mut self) {
        self.hook.lock().stop = true;
        self.hook.changed.notify_all();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// The thread's loop: a PASSIVE checkpoint each time a commit finds the log due, until the
/// store closes. A failed copy is left to the next one (or to the backstop).
fn copy_when_due(hook: &Hook, copier: &Connection) {
    while hook.due() {
        let _ = copier.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(()));
        hook.copied();
    }
}

/// SQLite's WAL hook: called on the committing thread with the log's size in pages.
unsafe extern "C" fn committed(
    arg: *mut c_void,
    db: *mut ffi::sqlite3,
    name: *const c_char,
    pages: c_int,
) -> c_int {
    // SAFETY: `arg` is the `Hook` `Checkpointer::start` registered, alive while the connection is.
    let hook = unsafe { &*arg.cast::<Hook>() };
    if pages < hook.pages {
        return ffi::SQLITE_OK;
    }
    let mut state = hook.lock();
    if pages >= hook.pages.saturating_mul(BACKSTOP) {
        // The thread's copy would hold the log's start (and this copy would fail as busy).
        while state.running {
            state = hook.wait(state);
        }
        drop(state);
        // What SQLite's own hook does; a failure (another process copying) is not the commit's.
        unsafe { ffi::sqlite3_wal_checkpoint(db, name) };
    } else if !state.running {
        state.running = true;
        state.due = true;
        drop(state);
        hook.changed.notify_all();
    }
    ffi::SQLITE_OK
}
