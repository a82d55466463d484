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
//! `description`. A panic would surface as uniffi's internal error, never an abort (the `mobile`
//! profile keeps `panic = "unwind"` for this); none is expected, since foreign values the core
//! cannot hold are refused as `INVALID_INPUT` on the way in.
//!
//! # Blocking and asynchronous calls
//! `Crm`'s methods block (SQLite, the busy timeout). [`AsyncCrm`] has the same methods as Kotlin
//! `suspend` and Swift `async` functions, generated from the same list (the `operations!` macro),
//! each running the blocking method on a worker thread of the `blocking` crate's pool: no async
//! runtime is needed on either side, and the caller's thread (an Android main thread, a coroutine
//! dispatcher, a Swift actor) never waits on storage. [`AsyncRules`] does the same for the pure
//! rules (see the `pure` module).
//!
//! # Numbers and instants in the bindings
//! The pinned generator (`bindgen/`, the `uniffi-bindgen` binary) edits uniffi's output in two
//! checked places: Kotlin gets signed `Long`/`Int`/`Short`/`Byte` for the core's unsigned numbers
//! (Java cannot call a function taking Kotlin's unsigned inline classes), refusing a negative one
//! before the call; Swift sends a `Date` to the nearest microsecond, the core clock's step, so an
//! instant read from the core goes back unchanged.
//!
//! # A crm server
//! [`RemoteCrm`] (and its `suspend`/`async` twin [`AsyncRemoteCrm`]) has the same operations,
//! from the same list, against a crm server (crm-server's `POST /v1/ops/{name}`), as the
//! credential's user. The host makes the HTTP requests through [`HttpTransport`] (see the
//! `remote` module): this library carries no HTTP client and does not depend on crm-server.
//!
//! # Offline
//! [`Replica`] has the same operations again, on one user's scope kept on the device (a SQLite
//! file): the ones a rep makes in the field apply at once and wait in an outbox, and
//! `replica.sync(remote)` pushes them through a `RemoteCrm` and pulls what changed.

/// Declares `Crm`'s operations once and exports each five times: as the blocking method written
/// here; as an `async` method of the same name, doc and defaults on [`AsyncCrm`] that runs the
/// blocking one on a worker thread; as a blocking method of [`RemoteCrm`] that calls a crm server
/// through the core's `Operations` trait (the body written here is not used there); and as an
/// `async` one on [`AsyncRemoteCrm`] running that on a worker thread; and as a blocking method of
/// [`Replica`] that runs it on the device's replica (through the same `Operations` trait). One
/// list, so the five APIs cannot drift apart. `[no_actor]` marks the operations without an acting
/// user (every other one takes `actor: String` first). (uniffi wants the bare type names: a
/// caller imports `Crm`, `AsyncCrm`, `RemoteCrm`, `AsyncRemoteCrm` and `Replica`.)
macro_rules! operations {
    ($(
        $(#[$attr:meta])*
        $([$flag:ident])?
        pub fn $name:ident(&$self:ident $(, $arg:ident: $ty:ty)* $(,)?) -> $ret:ty $body:block
    )*) => {
        #[uniffi::export]
        impl Crm {
            $(
                $(#[$attr])*
                pub fn $name(&$self $(, $arg: $ty)*) -> $ret $body
            )*
        }

        #[uniffi::export]
        impl AsyncCrm {
            $(
                $(#[$attr])*
                pub async fn $name(&$self $(, $arg: $ty)*) -> $ret {
                    let crm = $self.crm.clone();
                    $crate::unblock(move || crm.$name($($arg),*)).await
                }
            )*
        }

        #[uniffi::export]
        impl RemoteCrm {
            $(
                $(#[$attr])*
                pub fn $name(&$self $(, $arg: $ty)*) -> $ret {
                    $crate::remote::remote_call!(&$self.remote, $name, [$($flag)?]; $($arg),*)
                }
            )*
        }

        #[uniffi::export]
        impl Replica {
            $(
                $(#[$attr])*
                pub fn $name(&$self $(, $arg: $ty)*) -> $ret {
                    $crate::remote::remote_call!(&$self.local, $name, [$($flag)?]; $($arg),*)
                }
            )*
        }

        #[uniffi::export]
        impl AsyncRemoteCrm {
            $(
                $(#[$attr])*
                pub async fn $name(&$self $(, $arg: $ty)*) -> $ret {
                    let crm = $self.crm.clone();
                    $crate::unblock(move || crm.$name($($arg),*)).await
                }
            )*
        }
    };
}

mod campaigns;
mod customers;
mod deals;
mod desk;
mod imports;
mod pools;
mod pure;
mod remote;
mod replica;
mod sync;
#[cfg(test)]
mod tests;

pub use pure::*;
pub use remote::{HttpResponse, HttpTransport, TransportError};
pub use replica::Replica;

use chrono::{DateTime, NaiveDate, Utc};
use crm_core::{Clock, CrmError, FixedClock, SystemClock};
use crm_sqlite::SqliteStore;
use std::panic::{catch_unwind, resume_unwind, AssertUnwindSafe};
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

/// `Crm`'s operations as `suspend` (Kotlin) and `async` (Swift) functions over the same
/// organisation: `AsyncCrm(crm)`; the blocking object stays usable beside it.
///
/// Each call runs `Crm`'s blocking method on a worker thread. Cancelling the caller (a Kotlin
/// coroutine's job, `withTimeout`) returns at once: a call still queued never runs, and one
/// already running finishes on its worker with its result dropped; like every call, its write
/// commits whole or not at all (a call waiting for SQLite's write lock fails with `STORAGE_BUSY`
/// after the busy timeout, changing nothing).
#[derive(uniffi::Object)]
pub struct AsyncCrm {
    crm: Arc<Crm>,
}

#[uniffi::export]
impl AsyncCrm {
    #[uniffi::constructor]
    pub fn new(crm: Arc<Crm>) -> Arc<Self> {
        Arc::new(AsyncCrm { crm })
    }

    /// The blocking `Crm` this object calls.
    pub fn blocking(&self) -> Arc<Crm> {
        self.crm.clone()
    }
}

/// Runs `f` on the `blocking` crate's thread pool (threads start on demand and stop when idle).
/// A panic in `f` is caught on the worker and resumed in the awaiting future, where uniffi turns
/// it into an internal error for the caller: it neither kills the worker nor leaves the caller
/// waiting forever.
async fn unblock<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    match blocking::unblock(move || catch_unwind(AssertUnwindSafe(f))).await {
        Ok(value) => value,
        Err(panic) => resume_unwind(panic),
    }
}

/// A crm server's organisation (crm-server), as the token's user: `Crm`'s operations with the same
/// names, arguments, defaults, records and errors, each one HTTP request made by the host's
/// [`HttpTransport`]. Every call acts as the credential's user: another `actor` is refused as
/// `INVALID_INPUT` (field `actor`) before any request (the user is asked once, `whoami`). The
/// server's own refusals (`OVERLOADED`, `TIMEOUT`, `BODY_TOO_LARGE`, ...) and a transport failure
/// are `CrmError::Storage` naming the code or the server. Calls block the calling thread for the
/// round trip (the transport is called on it): call them off the main thread, or use
/// [`AsyncRemoteCrm`].
#[derive(uniffi::Object)]
pub struct RemoteCrm {
    remote: remote::Remote,
}

#[uniffi::export]
impl RemoteCrm {
    /// The server at `base_url` (`https://crm.example.com`), with a bearer `credential`
    /// (`crm1.…`, from `crm token issue`), over `transport`. Sends nothing yet.
    #[uniffi::constructor]
    pub fn new(
        base_url: String,
        credential: String,
        transport: Arc<dyn HttpTransport>,
    ) -> Arc<Self> {
        Arc::new(RemoteCrm {
            remote: remote::remote(&base_url, &credential, transport),
        })
    }

    /// The credential's user (`GET /v1/whoami`).
    pub fn whoami(&self) -> Result<crm_core::User> {
        self.remote.whoami()
    }
}

/// `RemoteCrm`'s operations as `suspend` (Kotlin) and `async` (Swift) functions:
/// `AsyncRemoteCrm(remote)`. Each call runs the blocking one on a worker thread of the same pool as
/// `AsyncCrm`, where the host's transport is called; cancelling the caller returns at once, and a
/// request already sent may still be carried out by the server (re-read before retrying).
#[derive(uniffi::Object)]
pub struct AsyncRemoteCrm {
    crm: Arc<RemoteCrm>,
}

#[uniffi::export]
impl AsyncRemoteCrm {
    #[uniffi::constructor]
    pub fn new(remote: Arc<RemoteCrm>) -> Arc<Self> {
        Arc::new(AsyncRemoteCrm { crm: remote })
    }

    /// The blocking `RemoteCrm` this object calls.
    pub fn blocking(&self) -> Arc<RemoteCrm> {
        self.crm.clone()
    }

    /// The credential's user (`GET /v1/whoami`).
    pub async fn whoami(&self) -> Result<crm_core::User> {
        let crm = self.crm.clone();
        unblock(move || crm.whoami()).await
    }
}
