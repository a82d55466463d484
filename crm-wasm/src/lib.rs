//! crm for JavaScript: the core's operation table behind one `Crm` class and one function for the
//! pure operations. Arguments and results cross as JSON text in the core's own serde form
//! (snake_case names, RFC 3339 instants, decimal strings) going in, and come back with record
//! fields in camelCase (crm-core's `camel-case-json` feature writes them so, straight from the
//! typed records), so this crate knows no record and no field. The JS glue (`js/convert.js`)
//! converts arguments and turns instants into `Date`s. Errors cross as `{code, message,
//! details}` JSON text, thrown as a `CrmError` by the glue. `columns` holds the typed-array batch
//! paths (RFM, SLA due times).

mod columns;
mod decimal;
mod replica;

use chrono::{DateTime, Utc};
use crm_core::{api, Clock, CrmError, FixedClock};
use std::sync::Arc;
use wasm_bindgen::prelude::*;

/// The error as the glue reads it: `{code, message, details}` JSON text, details in JS spelling.
pub(crate) fn error_text(error: &CrmError) -> String {
    api::error_json(error).to_string()
}

pub(crate) fn invalid(field: &str, reason: impl Into<String>) -> String {
    error_text(&CrmError::invalid(field, reason))
}

/// An instant given as epoch milliseconds (what `Date.getTime()` gives).
pub(crate) fn instant(ms: f64, field: &str) -> Result<DateTime<Utc>, String> {
    Some(ms)
        .filter(|ms| ms.fract() == 0.0 && ms.abs() <= 8.64e15)
        .and_then(|ms| DateTime::from_timestamp_millis(ms as i64))
        .ok_or_else(|| invalid(field, "a valid Date"))
}

/// The browser's or Node's clock (wasm32 has no system clock of its own).
struct JsClock;

impl Clock for JsClock {
    fn now(&self) -> DateTime<Utc> {
        DateTime::from_timestamp_millis(js_sys::Date::now() as i64).unwrap_or_default()
    }
}

/// A clock, and the fixed one behind it when the caller gave `now` (epoch milliseconds).
type Clocks = (Arc<dyn Clock>, Option<Arc<FixedClock>>);

pub(crate) fn clock(now_ms: Option<f64>) -> Result<Clocks, String> {
    let fixed = match now_ms {
        Some(ms) => Some(Arc::new(FixedClock::new(instant(ms, "now")?))),
        None => None,
    };
    let clock: Arc<dyn Clock> = match &fixed {
        Some(f) => f.clone(),
        None => Arc::new(JsClock),
    };
    Ok((clock, fixed))
}

/// An organisation on the in-memory store (the glue's `Crm` wraps it).
#[wasm_bindgen]
pub struct Crm {
    inner: crm_core::Crm,
    /// The fixed clock when the caller gave `now`; None on the JavaScript clock.
    fixed: Option<Arc<FixedClock>>,
}

#[wasm_bindgen]
impl Crm {
    /// `now_ms` fixes the clock (which `set_now` then moves); without it the JavaScript clock runs.
    #[wasm_bindgen(constructor)]
    pub fn new(now_ms: Option<f64>) -> Result<Crm, String> {
        let (clock, fixed) = clock(now_ms)?;
        Ok(Crm {
            inner: crm_core::Crm::in_memory(clock),
            fixed,
        })
    }

    #[wasm_bindgen(js_name = setNow)]
    pub fn set_now(&self, now_ms: f64) -> Result<(), String> {
        let Some(clock) = &self.fixed else {
            return Err(error_text(&CrmError::InvalidState {
                reason: "this CRM runs on the JavaScript clock; pass { now } to fix it".into(),
            }));
        };
        clock.set(instant(now_ms, "now")?);
        Ok(())
    }

    /// The clock's time in epoch milliseconds.
    pub fn now(&self) -> f64 {
        self.inner.now().timestamp_millis() as f64
    }

    /// Runs operation `op` as `actor` with named arguments (JSON text); the result as JSON text
    /// in JS spelling.
    pub fn call(&self, op: &str, actor: &str, args: &str) -> Result<String, String> {
        api::call_json(&self.inner, op, actor, args).map_err(|e| error_text(&e))
    }
}

/// Runs pure operation `op` (no organisation) with named arguments (JSON text).
#[wasm_bindgen(js_name = callPure)]
pub fn call_pure(op: &str, args: &str) -> Result<String, String> {
    match api::call_pure(op, args) {
        Some(answer) => answer.map_err(|e| error_text(&e)),
        None => Err(invalid("op", format!("{op:?} is not a pure operation"))),
    }
}

/// The operations a replica makes offline (the core's `sync::SYNC_OPERATIONS`).
#[wasm_bindgen(js_name = syncOperations)]
pub fn sync_operations() -> Vec<String> {
    crm_core::sync::SYNC_OPERATIONS
        .iter()
        .map(|s| s.to_string())
        .collect()
}

/// Every operation of the core's table, so the glue's tests can check its facts against the build.
#[wasm_bindgen]
pub fn operations() -> Vec<String> {
    api::ORG_OPERATIONS
        .iter()
        .chain(api::PURE_OPERATIONS)
        .map(|s| s.to_string())
        .collect()
}
