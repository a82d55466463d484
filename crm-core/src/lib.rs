//! crm-core: the pure domain of the crm engine. Rules are functions of configuration, state and
//! `now`; the [`Crm`] service runs them against a [`Store`] and records an [`Event`] for every change.
//! No I/O and no global state live here: storage backends and language bindings wrap this crate.

pub mod access;
pub mod clock;
pub mod customer;
pub mod error;
pub mod event;
pub mod service;
pub mod settings;
pub mod store;
#[cfg(feature = "testing")]
pub mod testing;

pub use access::{DataScope, NewUser, Role, Team, User};
pub use clock::{Clock, FixedClock, SystemClock};
pub use customer::{
    Channel, Contact, Customer, CustomerKind, CustomerPatch, CustomerStatus, DealStatus,
    DuplicateMatch, DuplicateMode, DuplicatePolicy, DuplicateProbe, FieldValue, FollowUp,
    MatchField, NewContact, NewCustomer, NewFollowUp, OverdueFollowUp,
};
pub use error::{CrmError, EntityKind, Result};
pub use event::{Event, EventKind, OwnershipChange, OwnershipReason};
pub use service::{Crm, CustomerCreated};
pub use settings::OrgSettings;
pub use store::{MemoryStore, Store};
