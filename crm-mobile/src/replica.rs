//! A device's replica for Kotlin and Swift (DOMAIN.md section 12): one user's scope in a SQLite
//! file (or memory), with every operation of `Crm` as a typed method run locally. The operations a
//! rep makes in the field apply at once under the same rules and wait in an outbox; any other
//! change needs the server (`CrmException.InvalidState`). `sync(remote)` pushes the outbox through
//! a [`RemoteCrm`] (the host's HTTP transport) and pulls what changed.

use crate::{RemoteCrm, Result};
use chrono::{DateTime, Utc};
use crm_core::api::Operations;
use crm_core::sync::{DeviceOp, Rejection, Replica as Core, SyncSummary};
use crm_core::{Clock, CrmError, FixedClock, MemoryStore, SystemClock};
use crm_sqlite::SqliteStore;
use serde_json::Value;
use std::sync::Arc;

/// The replica as the operation table's transport: the typed methods of `Replica` (from the same
/// `operations!` list as `Crm`'s) call it as `RemoteCrm`'s call a server.
pub(crate) struct Local(Core);

impl Operations for Local {
    fn call_value(&self, op: &str, actor: &str, args: Value) -> crm_core::Result<Value> {
        if !actor.is_empty() && actor != self.0.user_id() {
            return Err(CrmError::invalid(
                "actor",
                format!("this replica acts as {}, not {actor}", self.0.user_id()),
            ));
        }
        self.0.call(op, &args)
    }
}

/// One user's scope on this device; see the module's docs.
#[derive(uniffi::Object)]
pub struct Replica {
    pub(crate) local: Local,
    fixed: Option<Arc<FixedClock>>,
}

#[uniffi::export]
impl Replica {
    /// The replica in the SQLite file at `path` (created if missing; `None`: in memory) for
    /// `user_id` on `device_id`. A file that already holds a replica keeps its device id and
    /// refuses another user. With `now` the clock stands still until `set_now` moves it.
    #[uniffi::constructor(default(now = None))]
    pub fn open(
        path: Option<String>,
        user_id: String,
        device_id: String,
        now: Option<DateTime<Utc>>,
    ) -> Result<Arc<Self>> {
        let fixed = now.map(|t| Arc::new(FixedClock::new(t)));
        let clock: Arc<dyn Clock> = match &fixed {
            Some(f) => f.clone(),
            None => Arc::new(SystemClock),
        };
        let core = match path {
            Some(path) => Core::open(SqliteStore::open(path)?, clock, &user_id, &device_id)?,
            None => Core::open(MemoryStore::new(), clock, &user_id, &device_id)?,
        };
        Ok(Arc::new(Replica {
            local: Local(core),
            fixed,
        }))
    }

    pub fn user_id(&self) -> String {
        self.local.0.user_id().to_string()
    }

    pub fn device_id(&self) -> String {
        self.local.0.device_id().to_string()
    }

    /// The last server event applied; `null` before the first sync.
    pub fn cursor(&self) -> Result<Option<u64>> {
        self.local.0.cursor()
    }

    /// The operations made offline and not yet pushed, oldest first.
    pub fn outbox(&self) -> Result<Vec<DeviceOp>> {
        self.local.0.outbox()
    }

    /// The operations the server refused, with the error's code and details, oldest first.
    pub fn rejections(&self) -> Result<Vec<Rejection>> {
        self.local.0.rejections()
    }

    /// Forgets a refusal the user has seen.
    pub fn dismiss_rejection(&self, op_id: u64) -> Result<()> {
        self.local.0.dismiss_rejection(op_id)
    }

    /// Pushes the outbox and pulls the server's changes (the whole scope on the first sync)
    /// through `remote`. A failure to reach the server throws; what was applied before it stays
    /// applied, and the next sync carries on. Blocking: call it off the main thread, or use
    /// `sync_async`.
    pub fn sync(&self, remote: Arc<RemoteCrm>) -> Result<SyncSummary> {
        self.local
            .0
            .sync(&mut |op, args| remote.remote.call_value(op, "", args))
    }

    /// `sync` as a Kotlin `suspend` / Swift `async` function: the round trips run on a worker
    /// thread, so a coroutine or task may call it from the main thread. Cancelling the caller
    /// stops waiting, not the sync, which ends as a whole push or pull page either way.
    pub async fn sync_async(self: Arc<Self>, remote: Arc<RemoteCrm>) -> Result<SyncSummary> {
        crate::unblock(move || self.sync(remote)).await
    }

    /// Moves the fixed clock; `INVALID_STATE` when the replica runs on the system clock.
    pub fn set_now(&self, now: DateTime<Utc>) -> Result<()> {
        let clock = self.fixed.as_ref().ok_or_else(|| CrmError::InvalidState {
            reason: "this replica runs on the system clock; pass now to use a settable clock"
                .into(),
        })?;
        clock.set(now);
        Ok(())
    }
}
