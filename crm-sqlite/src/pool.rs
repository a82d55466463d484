//! Connections lent one call at a time. The writer is a pool of one and the readers a pool of a
//! few, so a call waiting for a connection waits at most until the same deadline SQLite's busy
//! timeout gives it, and then fails with `STORAGE_BUSY` instead of blocking the app.

use crm_core::Result;
use rusqlite::Connection;
use std::collections::VecDeque;
use std::ops::{Deref, DerefMut};
use std::sync::{Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

type Opener = Box<dyn Fn() -> Result<Connection> + Send + Sync>;

pub(crate) struct Pool {
    state: Mutex<State>,
    freed: Condvar,
    max: usize,
    /// Opens one more connection when all are lent and fewer than `max` exist.
    open: Opener,
}

struct State {
    idle: Vec<Connection>,
    /// Connections that exist: idle, lent or being opened.
    count: usize,
    /// Tickets of the callers waiting, oldest first: connections go to them in turn, so a thread
    /// that gives one back and asks again cannot overtake them (and starve them into
    /// `STORAGE_BUSY`).
    queue: VecDeque<u64>,
    next_ticket: u64,
}

impl Pool {
    /// A pool of at most `max` connections (at least one), starting with `first` if given.
    pub(crate) fn new(max: usize, first: Option<Connection>, open: Opener) -> Pool {
        let count = usize::from(first.is_some());
        Pool {
            state: Mutex::new(State {
                idle: first.into_iter().collect(),
                count,
                queue: VecDeque::new(),
                next_ticket: 0,
            }),
            freed: Condvar::new(),
            max: max.max(1),
            open,
        }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Lends a connection, waiting in turn until `deadline` (`None`: without limit) for one to come
    /// free; `timeout` is what a `STORAGE_BUSY` error reports.
    pub(crate) fn take(&self, deadline: Option<Instant>, timeout: Duration) -> Result<Lent<'_>> {
        let mut state = self.lock();
        let ticket = state.next_ticket;
        state.next_ticket += 1;
        state.queue.push_back(ticket);
        loop {
            if state.queue.front() == Some(&ticket) {
                if let Some(conn) = state.idle.pop() {
                    state.queue.pop_front();
                    // The next in line may find another idle connection.
                    self.freed.notify_all();
                    return Ok(Lent {
                        pool: self,
                        conn: Some(conn),
                    });
                }
                if state.count < self.max {
                    state.count += 1;
                    state.queue.pop_front();
                    self.freed.notify_all();
                    drop(state);
                    return match (self.open)() {
                        Ok(conn) => Ok(Lent {
                            pool: self,
                            conn: Some(conn),
                        }),
                        Err(e) => {
                            self.forget();
                            Err(e)
                        }
                    };
                }
            }
            state = match deadline {
                None => self.freed.wait(state).unwrap_or_else(|e| e.into_inner()),
                Some(deadline) => {
                    let left = deadline.saturating_duration_since(Instant::now());
                    if left.is_zero() {
                        state.queue.retain(|t| *t != ticket);
                        self.freed.notify_all();
                        return Err(crate::errors::busy(timeout));
                    }
                    self.freed
                        .wait_timeout(state, left)
                        .unwrap_or_else(|e| e.into_inner())
                        .0
                }
            };
        }
    }

    /// One connection fewer exists (it failed to open or was discarded): a waiter may open one.
    fn forget(&self) {
        self.lock().count -= 1;
        self.freed.notify_all();
    }
}

/// A lent connection; it goes back to its pool when dropped.
pub(crate) struct Lent<'a> {
    pool: &'a Pool,
    conn: Option<Connection>,
}

impl Drop for Lent<'_> {
    fn drop(&mut self) {
        let Some(conn) = self.conn.take() else {
            return;
        };
        // A transaction left open (its work panicked and the rollback failed) must not reach the
        // next caller: roll it back, or discard the connection.
        if !conn.is_autocommit()
            && (conn.execute_batch("ROLLBACK").is_err() || !conn.is_autocommit())
        {
            drop(conn);
            self.pool.forget();
            return;
        }
        self.pool.lock().idle.push(conn);
        self.pool.freed.notify_all();
    }
}

impl Deref for Lent<'_> {
    type Target = Connection;

    fn deref(&self) -> &Connection {
        self.conn
            .as_ref()
            .expect("a lent connection is present until dropped")
    }
}

impl DerefMut for Lent<'_> {
    fn deref_mut(&mut self) -> &mut Connection {
        self.conn
            .as_mut()
            .expect("a lent connection is present until dropped")
    }
}
