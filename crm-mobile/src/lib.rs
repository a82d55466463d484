//! crm for iOS and Android: the core's `Crm` service as a uniffi object, the core's pure rules as
//! top-level functions, and the core's own records and error, exported to Kotlin and Swift.
//!
//! # Why the core's types carry the uniffi derives (behind its `uniffi` feature)
//! The records are defined once, in crm-core, and this crate defines none. Of the three ways to
//! give uniffi a record that lives in another crate, the derives behind an opt-in feature are the
//! only one without a second copy of the record:
//! - `uniffi::remote` mirrors restate every field of every record here (132 types today); the
//!   compiler checks that the copy matches, but each core change is a second edit, and the mirrors
//!   are exactly the hand-written restatement this crate used to carry and let drift.
//! - Converters to local records fail to compile when a field is added, but they are a second
//!   definition plus a mapping in each direction, the largest of the three.
//! - `#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]` on the core's types (as bitwarden's
//!   sdk does) adds one attribute per type. A new field reaches Kotlin and Swift by regenerating;
//!   the feature is off in every other build (CLI, WASM, Python, PostgreSQL), which stay free of
//!   uniffi. The values uniffi lacks (instants, days, decimals, ordered maps) are custom types in
//!   crm-core's `ffi` module, next to the derives that need them.
//!
//! Every method calls the service with typed arguments and returns the typed result: no JSON in
//! between, no rule here. Methods mirror `crm_core::api`'s operation table (same names, same
//! argument order, acting user first), which `tests/records.json` lists and the Kotlin tests check.
//! Errors are the core's `CrmError` (Kotlin `CrmException.VersionConflict`, Swift
//! `CrmError.VersionConflict`) with its fields, `code()` and the core's text as `toString()` /
//! `description`. A panic would surface as uniffi's internal error, never an abort; none is
//! expected, since foreign values the core cannot hold are refused as `INVALID_INPUT` on the way in.

mod customers;
mod deals;
mod pools;
mod pure;
#[cfg(test)]
mod tests;

pub use pure::*;

use chrono::{DateTime, NaiveDate, Utc};
use crm_core::{Clock, CrmError, FixedClock, SystemClock};
use crm_sqlite::SqliteStore;
use std::sync::Arc;

uniffi::setup_scaffolding!();
// The core's custom types, for this crate's own signatures.
uniffi::use_remote_type!(crm_core::DateTime<Utc>);
uniffi::use_remote_type!(crm_core::NaiveDate);

type Result<T> = std::result::Result<T, CrmError>;

/// A CRM organisation on the in-memory store or a SQLite file.
#[derive(uniffi::Object)]
pub struct Crm {
    inner: crm_core::Crm,
    fixed: Option<Arc<FixedClock>>,
}

impl Crm {
    fn build(store: Option<SqliteStore>, now: Option<DateTime<Utc>>) -> Arc<Self> {
        let fixed = now.map(|t| Arc::new(FixedClock::new(t)));
        let clock: Arc<dyn Clock> = match &fixed {
            Some(f) => f.clone(),
            None => Arc::new(SystemClock),
        };
        let inner = match store {
            Some(store) => crm_core::Crm::new(store, clock),
            None => crm_core::Crm::in_memory(clock),
        };
        Arc::new(Crm { inner, fixed })
    }
}

#[uniffi::export]
impl Crm {
    /// An in-memory CRM. With `now`, its clock stands still until `set_now` moves it. (Fallible
    /// only for a `now` the core cannot hold.)
    #[uniffi::constructor(default(now = None))]
    pub fn in_memory(now: Option<DateTime<Utc>>) -> Result<Arc<Self>> {
        Ok(Crm::build(None, now))
    }

    /// A CRM on a SQLite file, created if missing.
    #[uniffi::constructor(default(now = None))]
    pub fn open(path: String, now: Option<DateTime<Utc>>) -> Result<Arc<Self>> {
        Ok(Crm::build(Some(SqliteStore::open(path)?), now))
    }

    /// Moves the fixed clock; `INVALID_STATE` when the CRM runs on the system clock.
    pub fn set_now(&self, now: DateTime<Utc>) -> Result<()> {
        let clock = self.fixed.as_ref().ok_or_else(|| CrmError::InvalidState {
            reason: "this CRM runs on the system clock; pass now to use a settable clock".into(),
        })?;
        clock.set(now);
        Ok(())
    }

    pub fn now(&self) -> DateTime<Utc> {
        self.inner.now()
    }
}
