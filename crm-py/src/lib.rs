//! The native half of the Python binding: one `NativeCrm` that runs any operation of the core's
//! operation table with JSON arguments, the pure SLA and analytics operations, and a columnar RFM
//! entry point for large batches. The typed Python API (records, enums, exceptions, Decimal and
//! datetime conversion) lives in `python/crm/`.

use chrono::{DateTime, NaiveDate, Utc};
use crm_core::rfm::{self, Order, RfmConfig, RfmRow};
use crm_core::{api, Clock, Crm, CrmError, FixedClock, SystemClock};
use crm_sqlite::SqliteStore;
use pyo3::create_exception;
use pyo3::exceptions::PyException;
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyInt, PyList, PyString, PyTuple};
use rust_decimal::Decimal;
use std::str::FromStr;
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
            .chain(api::ANALYTICS_OPERATIONS)
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

/// Runs an analytics operation (RFM, segment movement, churn warnings, performance; pure: no
/// organisation); JSON text in and out, with the GIL released while the core works.
#[pyfunction]
fn analytics_call(py: Python<'_>, op: &str, args_json: &str) -> PyResult<String> {
    // A batch can be large: parsing, the work and the result's text all run without the GIL.
    let result = py.detach(|| {
        let args: serde_json::Value =
            serde_json::from_str(args_json).map_err(|e| invalid("args", &e.to_string()))?;
        match api::call_analytics(op, &args) {
            Some(result) => result.map(|v| v.to_string()),
            None => Err(invalid(
                "op",
                &format!("{op:?} is not an analytics operation"),
            )),
        }
    });
    result.map_err(|e| raise(&e))
}

/// The names of the analytics operations of the core.
#[pyfunction]
fn analytics_operations() -> Vec<&'static str> {
    api::ANALYTICS_OPERATIONS.to_vec()
}

/// Days from 0001-01-01 (day 1) to 1970-01-01, chrono's count of days from the common era.
const UNIX_EPOCH_DAYS_FROM_CE: i64 = 719_163;

fn row_error(field: &str, row: usize, reason: impl std::fmt::Display) -> PyErr {
    raise(&invalid(field, &format!("row {row}: {reason}")))
}

fn text<'a>(
    item: &'a Bound<'_, PyAny>,
    field: &str,
    row: usize,
) -> PyResult<std::borrow::Cow<'a, str>> {
    let s = item.cast::<PyString>().map_err(|_| {
        row_error(
            field,
            row,
            format!("expected a str, got {}", type_name(item)),
        )
    })?;
    s.to_cow()
}

fn type_name(item: &Bound<'_, PyAny>) -> String {
    item.get_type()
        .name()
        .map(|n| n.to_string())
        .unwrap_or_else(|_| "?".into())
}

/// A date given as days since 1970-01-01 (an int) or as `YYYY-MM-DD` text.
fn order_date(item: &Bound<'_, PyAny>, row: usize) -> PyResult<NaiveDate> {
    if item.is_instance_of::<PyInt>() && !item.is_instance_of::<PyBool>() {
        let days: i64 = item
            .extract()
            .map_err(|_| row_error("date", row, "days since 1970-01-01 out of range"))?;
        return days
            .checked_add(UNIX_EPOCH_DAYS_FROM_CE)
            .and_then(|d| i32::try_from(d).ok())
            .and_then(NaiveDate::from_num_days_from_ce_opt)
            .ok_or_else(|| {
                row_error(
                    "date",
                    row,
                    format!("{days} days since 1970-01-01 is out of range"),
                )
            });
    }
    if item.is_instance_of::<PyString>() {
        let s = text(item, "date", row)?;
        return NaiveDate::from_str(&s)
            .map_err(|_| row_error("date", row, format!("{s:?} is not a YYYY-MM-DD date")));
    }
    Err(row_error(
        "date",
        row,
        format!(
            "expected days since 1970-01-01 (int) or YYYY-MM-DD text, got {}",
            type_name(item)
        ),
    ))
}

/// An amount as decimal text, read as the JSON form reads it (plain or scientific notation).
fn order_amount(item: &Bound<'_, PyAny>, row: usize) -> PyResult<Decimal> {
    let s = text(item, "amount", row)?;
    Decimal::from_str(&s)
        .or_else(|_| Decimal::from_scientific(&s))
        .map_err(|_| row_error("amount", row, format!("{s:?} is not a decimal number")))
}

/// The orders of three equally long columns.
fn orders(
    customer_ids: &Bound<'_, PyList>,
    dates: &Bound<'_, PyList>,
    amounts: &Bound<'_, PyList>,
) -> PyResult<Vec<Order>> {
    let n = customer_ids.len();
    if dates.len() != n || amounts.len() != n {
        return Err(raise(&invalid(
            "orders",
            &format!(
                "the columns differ in length: {n} customer ids, {} dates, {} amounts",
                dates.len(),
                amounts.len()
            ),
        )));
    }
    let mut out = Vec::with_capacity(n);
    for (row, ((id, date), amount)) in customer_ids
        .iter()
        .zip(dates.iter())
        .zip(amounts.iter())
        .enumerate()
    {
        out.push(Order {
            customer_id: text(&id, "customer_id", row)?.into_owned(),
            date: order_date(&date, row)?,
            amount: order_amount(&amount, row)?,
        });
    }
    Ok(out)
}

/// Scores orders given as three columns (the batch crosses once, no per-order objects): customer
/// ids (str), dates (days since 1970-01-01 as int, or `YYYY-MM-DD` text) and amounts (decimal
/// text). `config` is the RFM configuration (TOML text). Returns the rows as columns:
/// (customer_id, recency_days, frequency, monetary, r, f, m, score, level, segment), with
/// monetary and score as decimal text.
#[pyfunction]
#[pyo3(signature = (customer_ids, dates, amounts, as_of, config=None))]
fn rfm_score_columns<'py>(
    py: Python<'py>,
    customer_ids: &Bound<'py, PyList>,
    dates: &Bound<'py, PyList>,
    amounts: &Bound<'py, PyList>,
    as_of: &str,
    config: Option<&str>,
) -> PyResult<Bound<'py, PyTuple>> {
    let as_of = NaiveDate::from_str(as_of).map_err(|_| {
        raise(&invalid(
            "as_of",
            &format!("{as_of:?} is not a YYYY-MM-DD date"),
        ))
    })?;
    let config = match config {
        Some(text) => rfm::parse_config(text).map_err(|e| raise(&e))?,
        None => RfmConfig::default(),
    };
    let orders = orders(customer_ids, dates, amounts)?;
    let rows: Vec<RfmRow> = py
        .detach(|| rfm::score(&orders, as_of, &config))
        .map_err(|e| raise(&e))?;
    (
        PyList::new(py, rows.iter().map(|r| r.customer_id.as_str()))?,
        PyList::new(py, rows.iter().map(|r| r.recency_days))?,
        PyList::new(py, rows.iter().map(|r| r.frequency))?,
        PyList::new(py, rows.iter().map(|r| r.monetary.to_string()))?,
        PyList::new(py, rows.iter().map(|r| r.r))?,
        PyList::new(py, rows.iter().map(|r| r.f))?,
        PyList::new(py, rows.iter().map(|r| r.m))?,
        PyList::new(py, rows.iter().map(|r| r.score.to_string()))?,
        PyList::new(py, rows.iter().map(|r| r.level.as_deref()))?,
        PyList::new(py, rows.iter().map(|r| r.segment.as_str()))?,
    )
        .into_pyobject(py)
}

#[pymodule]
fn _crm(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<NativeCrm>()?;
    m.add_function(wrap_pyfunction!(sla_call, m)?)?;
    m.add_function(wrap_pyfunction!(analytics_call, m)?)?;
    m.add_function(wrap_pyfunction!(analytics_operations, m)?)?;
    m.add_function(wrap_pyfunction!(rfm_score_columns, m)?)?;
    m.add("NativeError", m.py().get_type::<NativeError>())?;
    Ok(())
}
