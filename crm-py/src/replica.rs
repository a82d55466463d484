//! The native half of `crm.Replica`: a device's offline replica (memory or a SQLite file) that
//! runs the operation table locally, queues what it changed, and syncs with a server through a
//! Python function the binding hands in (`RemoteCrm`'s transport), so this module makes no
//! network call of its own.

use crate::{clocks, raise, set_fixed};
use crm_core::sync::Replica;
use crm_core::{CrmError, FixedClock, MemoryStore};
use crm_sqlite::SqliteStore;
use pyo3::prelude::*;
use std::sync::Arc;

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<NativeReplica>()?;
    m.add_function(wrap_pyfunction!(sync_operations, m)?)
}

/// The operations a replica makes offline (the core's `sync::SYNC_OPERATIONS`).
#[pyfunction]
fn sync_operations() -> Vec<&'static str> {
    crm_core::sync::SYNC_OPERATIONS.to_vec()
}

#[pyclass(frozen, module = "crm._crm")]
struct NativeReplica {
    replica: Replica,
    fixed: Option<Arc<FixedClock>>,
}

fn json<T: serde::Serialize>(value: &T) -> PyResult<String> {
    serde_json::to_string(value).map_err(|e| raise(&CrmError::storage(e)))
}

#[pymethods]
impl NativeReplica {
    /// `path` None: in memory. `now` (RFC 3339) None: the system clock.
    #[new]
    #[pyo3(signature = (path, user_id, device_id, now=None))]
    fn new(
        py: Python<'_>,
        path: Option<String>,
        user_id: &str,
        device_id: &str,
        now: Option<&str>,
    ) -> PyResult<Self> {
        let (clock, fixed) = clocks(now)?;
        let replica = py
            .detach(|| match path {
                Some(path) => Replica::open(SqliteStore::open(&path)?, clock, user_id, device_id),
                None => Replica::open(MemoryStore::new(), clock, user_id, device_id),
            })
            .map_err(|e| raise(&e))?;
        Ok(NativeReplica { replica, fixed })
    }

    fn user_id(&self) -> String {
        self.replica.user_id().to_string()
    }

    fn device_id(&self) -> String {
        self.replica.device_id().to_string()
    }

    /// Runs an operation on the replica as its user (queued when it is one a device may make
    /// offline); JSON text in the core's serde form in and out.
    fn call(&self, py: Python<'_>, op: &str, args_json: &str) -> PyResult<String> {
        py.detach(|| self.replica.call_json(op, args_json))
            .map_err(|e| raise(&e))
    }

    fn outbox(&self, py: Python<'_>) -> PyResult<String> {
        let ops = py.detach(|| self.replica.outbox()).map_err(|e| raise(&e))?;
        json(&ops)
    }

    fn rejections(&self, py: Python<'_>) -> PyResult<String> {
        let list = py
            .detach(|| self.replica.rejections())
            .map_err(|e| raise(&e))?;
        json(&list)
    }

    fn dismiss_rejection(&self, py: Python<'_>, op_id: u64) -> PyResult<()> {
        py.detach(|| self.replica.dismiss_rejection(op_id))
            .map_err(|e| raise(&e))
    }

    fn cursor(&self, py: Python<'_>) -> PyResult<Option<u64>> {
        py.detach(|| self.replica.cursor()).map_err(|e| raise(&e))
    }

    /// One whole sync; `server(op, args_json) -> answer_json` reaches the server. An exception
    /// it raises stops the sync (what was applied stays applied) and is raised again here.
    fn sync(&self, server: Bound<'_, PyAny>) -> PyResult<String> {
        let mut failure: Option<PyErr> = None;
        let outcome = self.replica.sync(&mut |op, args| {
            let answer = server
                .call1((op, args.to_string()))
                .and_then(|a| a.extract::<String>());
            match answer {
                Ok(text) => serde_json::from_str(&text).map_err(|e| {
                    CrmError::storage(format!("the server's answer is not JSON: {e}"))
                }),
                Err(e) => {
                    let message = e.to_string();
                    failure = Some(e);
                    Err(CrmError::storage(message))
                }
            }
        });
        if let Some(e) = failure {
            return Err(e);
        }
        json(&outcome.map_err(|e| raise(&e))?)
    }

    fn set_now(&self, now: &str) -> PyResult<()> {
        set_fixed(self.fixed.as_deref(), now, "this replica")
    }
}
