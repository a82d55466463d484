//! Sync as the server side of it (DOMAIN.md section 12): pushed operations applied exactly once,
//! pulls and snapshots of the caller's scope, and the conflicts a synced edit left to restore.

use crate::{AsyncCrm, AsyncRemoteCrm, Crm, RemoteCrm, Replica, Result};
use crm_core::sync::{DeviceOp, PullResponse, PushResponse, Snapshot, SyncConflict};

operations! {
    /// Applies a device's queued operations, each exactly once (a repeated `opId` gets its
    /// first answer), as the calling user; refusals come back as outcomes.
    pub fn sync_push(&self, actor: String, device_id: String, ops: Vec<DeviceOp>) -> Result<PushResponse> {
        self.inner.sync_push(&actor, &device_id, ops)
    }

    /// A page of the events after `cursor` that the caller's scope may see, with the records
    /// they touched and the customers that left the scope.
    #[uniffi::method(default(limit = None))]
    pub fn sync_pull(&self, actor: String, cursor: u64, limit: Option<u32>) -> Result<PullResponse> {
        self.inner.sync_pull(&actor, cursor, limit)
    }

    /// The caller's whole scope and the cursor to pull from: a new device's first sync.
    pub fn sync_snapshot(&self, actor: String) -> Result<Snapshot> {
        self.inner.sync_snapshot(&actor)
    }

    /// Open conflicts (values a synced edit overwrote) on customers in scope.
    pub fn sync_conflicts(&self, actor: String) -> Result<Vec<SyncConflict>> {
        self.inner.sync_conflicts(&actor)
    }

    /// Puts a conflict's lost value back and marks it restored.
    pub fn restore_conflict(&self, actor: String, id: String, expected_version: u64) -> Result<SyncConflict> {
        self.inner.restore_conflict(&actor, &id, expected_version)
    }
}
