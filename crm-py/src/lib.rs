//! The native half of the Python binding (`crm._crm`): an organisation that runs any operation of
//! `crm_core::api` on JSON text, the pure operations, and the Arrow batch paths (`batch`). The
//! typed Python API (generated records, conversions, exceptions) lives in `python/crm/`. Every
//! call releases the GIL while the core works; core errors cross as `NativeError(code, message,
//! details_json)`, which `crm._convert.error` turns into the typed exception.

mod attribution;
mod batch;
mod columns;
mod imports;
mod replica;
mod rfm;
mod tables;

use chrono::{DateTime, Utc};
use crm_core::{api, Clock, Crm, CrmError, FixedClock, SystemClock};
use crm_sqlite::SqliteStore;
use pyo3::create_exception;
use pyo3::exceptions::PyException;
use pyo3::prelude::*;
use std::sync::{Arc, Mutex};

create_exception!(
    _crm,
    NativeError,
    PyException,
    "A core error: args are (code, message, details_json)."
);

pub(crate) fn raise(error: &CrmError) -> PyErr {
    let json = api::error_json(error);
    NativeError::new_err((error.code(), error.to_string(), json["details"].to_string()))
}

fn parse_now(now: &str) -> PyResult<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(now)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|_| raise(&CrmError::invalid("now", "an RFC 3339 time with offset")))
}

/// A clock, and the fixed one behind it when there is one.
pub(crate) type Clocks = (Arc<dyn Clock>, Option<Arc<FixedClock>>);

/// The clock of `now` (RFC 3339; None: the system clock), and the fixed one behind it.
pub(crate) fn clocks(now: Option<&str>) -> PyResult<Clocks> {
    let fixed = now
        .map(parse_now)
        .transpose()?
        .map(|t| Arc::new(FixedClock::new(t)));
    let clock: Arc<dyn Clock> = match &fixed {
        Some(f) => f.clone(),
        None => Arc::new(SystemClock),
    };
    Ok((clock, fixed))
}

/// Moves a fixed clock; refused when `what` runs on the system clock.
pub(crate) fn set_fixed(fixed: Option<&FixedClock>, now: &str, what: &str) -> PyResult<()> {
    let Some(clock) = fixed else {
        return Err(raise(&CrmError::InvalidState {
            reason: format!("{what} runs on the system clock; pass now= to use a settable clock"),
        }));
    };
    clock.set(parse_now(now)?);
    Ok(())
}

/// An organisation: the in-memory store or a SQLite file, on the system clock or a fixed one.
#[pyclass(frozen, module = "crm._crm")]
struct NativeCrm {
    /// None once closed; calls hold their own `Arc` so `close` never waits on running work.
    crm: Mutex<Option<Arc<Crm>>>,
    fixed: Option<Arc<FixedClock>>,
}

impl NativeCrm {
    fn crm(&self) -> PyResult<Arc<Crm>> {
        let guard = self.crm.lock().unwrap_or_else(|e| e.into_inner());
        guard.clone().ok_or_else(|| {
            raise(&CrmError::InvalidState {
                reason: "the CRM is closed".into(),
            })
        })
    }
}

#[pymethods]
impl NativeCrm {
    /// `path` None: the in-memory store. `now` (RFC 3339) None: the system clock.
    #[new]
    #[pyo3(signature = (path=None, now=None))]
    fn new(py: Python<'_>, path: Option<String>, now: Option<&str>) -> PyResult<Self> {
        let (clock, fixed) = clocks(now)?;
        let crm = match path {
            Some(path) => {
                let store = py
                    .detach(|| SqliteStore::open(&path))
                    .map_err(|e| raise(&e))?;
                Crm::new(store, clock)
            }
            None => Crm::in_memory(clock),
        };
        Ok(NativeCrm {
            crm: Mutex::new(Some(Arc::new(crm))),
            fixed,
        })
    }

    /// Runs one operation as `actor`; arguments and result are JSON text in the core's serde form.
    fn call(&self, py: Python<'_>, op: &str, actor: &str, args_json: &str) -> PyResult<String> {
        let crm = self.crm()?;
        py.detach(|| api::call_json(&crm, op, actor, args_json))
            .map_err(|e| raise(&e))
    }

    /// Imports the rows of an Arrow table or stream, or a dict of columns (`crm.Crm.import_table`)
    /// in one crossing: the batches are taken with the GIL held, then each column becomes cells
    /// (see `imports`) and `Crm::import_columns` runs with the GIL released. `options_json` is
    /// an `ImportOptions` and the answer an `ImportResult`, as JSON text in the core's serde form.
    fn import_table(
        &self,
        py: Python<'_>,
        actor: &str,
        options_json: &str,
        data: &Bound<'_, PyAny>,
    ) -> PyResult<String> {
        let crm = self.crm()?;
        let table = batch::read(data, "data")?;
        py.detach(|| {
            let options: crm_core::import::ImportOptions = serde_json::from_str(options_json)
                .map_err(|e| CrmError::invalid("options", e.to_string()))?;
            let columns = imports::columns(&table)?;
            drop(table);
            let result = crm.import_columns(actor, options, columns)?;
            serde_json::to_string(&result).map_err(CrmError::storage)
        })
        .map_err(|e| raise(&e.clipped()))
    }

    /// Moves the fixed clock; refused when the CRM runs on the system clock.
    fn set_now(&self, now: &str) -> PyResult<()> {
        set_fixed(self.fixed.as_deref(), now, "this CRM")
    }

    fn now(&self) -> PyResult<String> {
        Ok(self.crm()?.now().to_rfc3339())
    }

    /// Lets the store go (a SQLite file is closed once running calls finish); later calls fail.
    fn close(&self) {
        self.crm.lock().unwrap_or_else(|e| e.into_inner()).take();
    }
}

/// Runs a pure operation (no organisation); JSON text in and out, parsed and written without
/// the GIL.
#[pyfunction]
fn call_pure(py: Python<'_>, op: &str, args_json: &str) -> PyResult<String> {
    py.detach(|| match api::call_pure(op, args_json) {
        Some(answer) => answer,
        None => Err(CrmError::invalid(
            "op",
            format!("{op:?} is not a pure operation"),
        )),
    })
    .map_err(|e| raise(&e))
}

#[pymodule]
fn _crm(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<NativeCrm>()?;
    m.add_function(wrap_pyfunction!(call_pure, m)?)?;
    batch::register(m)?;
    attribution::register(m)?;
    imports::register(m)?;
    replica::register(m)?;
    m.add("NativeError", m.py().get_type::<NativeError>())?;
    Ok(())
}
