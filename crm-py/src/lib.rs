//! The native half of the Python binding: one `NativeCrm` that runs any operation of the core's
//! operation table with JSON arguments. The typed Python API (records, enums, exceptions, Decimal
//! and datetime conversion) lives in `python/crm/__init__.py`.

use chrono::{DateTime, Utc};
use crm_core::{api, Clock, Crm, CrmError, FixedClock, SystemClock};
use crm_sqlite::SqliteStore;
use pyo3::create_exception;
use pyo3::exceptions::PyException;
use pyo3::prelude::*;
use std::sync::Arc;

create_exception!(
    _crm,
    NativeError,
    PyException,
    "A core error: args are (code, message, details_json)."
);

fn raise(error: &CrmError) -> PyErr {
    let json = api::error_json(error);
    NativeError::new_err((error.code(), error.to_string(), json["details"].to_string()))
}

fn parse_now(now: Option<&str>) -> PyResult<Option<DateTime<Utc>>> {
    now.map(|s| {
        DateTime::parse_from_rfc3339(s)
            .map(|t| t.with_timezone(&Utc))
            .map_err(|_| raise(&invalid("now", "an RFC 3339 time with offset")))
    })
    .transpose()
}

fn invalid(field: &str, reason: &str) -> CrmError {
    CrmError::InvalidInput {
        field: field.into(),
        reason: reason.into(),
    }
}

#[pyclass(frozen, module = "crm._crm")]
struct NativeCrm {
    crm: Crm,
    fixed: Option<Arc<FixedClock>>,
}

#[pymethods]
impl NativeCrm {
    /// `path` None: the in-memory store. `now` (RFC 3339) None: the system clock.
    #[new]
    #[pyo3(signature = (path=None, now=None))]
    fn new(py: Python<'_>, path: Option<String>, now: Option<&str>) -> PyResult<Self> {
        let fixed = parse_now(now)?.map(|t| Arc::new(FixedClock::new(t)));
        let clock: Arc<dyn Clock> = match &fixed {
            Some(f) => f.clone(),
            None => Arc::new(SystemClock),
        };
        let crm = match path {
            Some(path) => {
                let store = py
                    .detach(|| SqliteStore::open(&path))
                    .map_err(|e| raise(&e))?;
                Crm::new(store, clock)
            }
            None => Crm::in_memory(clock),
        };
        Ok(NativeCrm { crm, fixed })
    }

    /// Runs one operation; arguments and result are JSON text in the core's serde form.
    fn call(&self, py: Python<'_>, op: &str, actor: &str, args_json: &str) -> PyResult<String> {
        let args: serde_json::Value =
            serde_json::from_str(args_json).map_err(|e| raise(&invalid("args", &e.to_string())))?;
        let result = py.detach(|| api::call(&self.crm, op, actor, &args));
        result.map(|v| v.to_string()).map_err(|e| raise(&e))
    }

    /// Moves the fixed clock; refused when the CRM runs on the system clock.
    fn set_now(&self, now: &str) -> PyResult<()> {
        let Some(clock) = &self.fixed else {
            return Err(raise(&CrmError::InvalidState {
                reason: "this CRM runs on the system clock; pass now= to use a settable clock"
                    .into(),
            }));
        };
        if let Some(t) = parse_now(Some(now))? {
            clock.set(t);
        }
        Ok(())
    }

    fn now(&self) -> String {
        self.crm.now().to_rfc3339()
    }

    #[staticmethod]
    fn operations() -> Vec<&'static str> {
        api::OPERATIONS
            .iter()
            .chain(api::SLA_OPERATIONS)
            .copied()
            .collect()
    }
}

/// Runs an SLA operation (pure: no organisation); JSON text in and out.
#[pyfunction]
fn sla_call(py: Python<'_>, op: &str, args_json: &str) -> PyResult<String> {
    let args: serde_json::Value =
        serde_json::from_str(args_json).map_err(|e| raise(&invalid("args", &e.to_string())))?;
    let result = py.detach(|| api::call_sla(op, &args));
    match result {
        Some(Ok(v)) => Ok(v.to_string()),
        Some(Err(e)) => Err(raise(&e)),
        None => Err(raise(&invalid(
            "op",
            &format!("{op:?} is not an SLA operation"),
        ))),
    }
}

#[pymodule]
fn _crm(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<NativeCrm>()?;
    m.add_function(wrap_pyfunction!(sla_call, m)?)?;
    m.add("NativeError", m.py().get_type::<NativeError>())?;
    Ok(())
}
