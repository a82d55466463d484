//! Sync (DOMAIN.md section 12): one organisation's data on a server and on devices that work
//! offline. The server's store is the truth; a device holds a [`Replica`] of its actor's scope
//! and an outbox of the operations it made offline, applied at once to the replica by the same
//! rules and later pushed. Pushing applies each operation exactly once on the server (its device
//! operation id makes a retry harmless), as the authenticated user; the rules decide, not the
//! device's clock. Pulling brings the events after the device's cursor that its scope may see,
//! with the records they touched, and removes records that left the scope.
//!
//! Everything here is sans-I/O: the replica builds requests and applies responses; how they
//! travel (HTTP, a queue, a test calling the server in process) is the host's business.

pub(crate) mod merge;
pub(crate) mod recording;
mod replica;

pub use replica::{Replica, ReplicaImage, SyncSummary};

use crate::access::{Team, User};
use crate::customer::{Contact, Customer, CustomerId, FollowUp};
use crate::error::EntityKind;
use crate::event::Event;
use crate::opportunity::Opportunity;
use crate::pipeline::Pipeline;
use crate::pool::Pool;
use crate::settings::OrgSettings;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;

/// The operations a device may make offline and push: what a rep does in the field. Any other
/// operation needs the server (a replica refuses its writes).
pub const SYNC_OPERATIONS: &[&str] = &[
    "create_customer",
    "update_customer",
    "add_contact",
    "record_follow_up",
    "claim_customer",
    "release_customer",
    "create_opportunity",
    "update_opportunity",
    "move_opportunity",
    "close_opportunity",
    "record_opportunity_activity",
];

/// The most operations one push carries, and the most events one pull page holds.
pub const SYNC_BATCH: usize = 1000;

/// Added to the numbers of records a replica creates offline (`c-1000000000001`), so their
/// temporary ids never meet the server's; the push answers with the server's ids.
pub const LOCAL_ID_BASE: u64 = 1_000_000_000_000;

/// One operation a device made, as it pushes it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[serde(deny_unknown_fields)]
pub struct DeviceOp {
    /// Unique per device and increasing: the server applies each id once.
    pub op_id: u64,
    /// An operation a device may make offline (`SYNC_OPERATIONS`).
    pub op: String,
    /// Its named arguments, as the operation table takes them.
    pub args: Value,
    /// For an edit: the record as the device saw it, for the field-level merge.
    #[serde(default)]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub base: Option<RecordBase>,
    /// The temporary ids the operation gave the records it created on the device, in creation
    /// order: later operations of the same push that name them are pointed at the server's.
    #[serde(default)]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub created: Vec<String>,
}

/// The version and the values of the edited fields of a record as a device saw them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[serde(deny_unknown_fields)]
pub struct RecordBase {
    pub id: String,
    pub version: u64,
    /// Field path (`name`, `custom_fields.budget`) to its value then.
    pub fields: BTreeMap<String, Value>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[serde(rename_all = "snake_case")]
pub enum OpStatus {
    /// The server applied it (now or on an earlier push).
    Applied,
    /// The rules refused it; nothing changed.
    Rejected,
}

/// What the server did with one pushed operation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct OpOutcome {
    pub op_id: u64,
    pub status: OpStatus,
    /// Answered from an earlier push of the same operation (a retry).
    pub repeated: bool,
    /// The ids of the records the operation created on the server, in creation order: the
    /// device swaps its temporary ids for these.
    pub created: Vec<String>,
    pub rejection: Option<Rejection>,
    /// Values this edit overwrote that another user had set since the device read them.
    pub conflicts: Vec<SyncConflict>,
}

/// An operation the server refused, kept on the device for the user to see.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct Rejection {
    pub op_id: u64,
    pub op: String,
    pub args: Value,
    /// The error's stable code (`ALREADY_OWNED`, `DAILY_LIMIT_REACHED`, ...).
    pub code: String,
    pub message: String,
    /// The error's fields, as every surface reports them.
    pub details: Value,
    pub at: DateTime<Utc>,
}

/// The server's answer to a push.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct PushResponse {
    /// One per pushed operation, in order.
    pub outcomes: Vec<OpOutcome>,
    /// The current state of the customers refused operations named, so the device drops
    /// what it assumed.
    pub records: Records,
    /// Customers refused operations named that the device may no longer hold.
    pub removed: Vec<CustomerId>,
}

/// A page of the events after a cursor that the caller's scope may see.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct PullResponse {
    pub events: Vec<Event>,
    /// The records these events touched, as they are now.
    pub records: Records,
    /// Customers that left the scope (claimed by another rep, handed over, merged, deleted):
    /// the device removes them with their contacts, follow-ups and opportunities.
    pub removed: Vec<CustomerId>,
    /// The cursor for the next pull.
    pub cursor: u64,
    /// Whether more events follow.
    pub more: bool,
}

/// A new device's first download: its whole scope and the cursor to follow events from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct Snapshot {
    pub cursor: u64,
    pub records: Records,
}

/// Records of a scope, as a snapshot or a pull carries them.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct Records {
    pub settings: Option<OrgSettings>,
    pub users: Vec<User>,
    pub teams: Vec<Team>,
    /// The pools the user may claim from.
    pub pools: Vec<Pool>,
    pub pipelines: Vec<Pipeline>,
    /// Customers in the user's data scope, with their contacts, follow-ups and opportunities.
    pub customers: Vec<Customer>,
    /// Unowned customers in the user's pools: the record alone, for claiming.
    pub pool_customers: Vec<Customer>,
    pub contacts: Vec<Contact>,
    pub follow_ups: Vec<FollowUp>,
    pub opportunities: Vec<Opportunity>,
    pub conflicts: Vec<SyncConflict>,
    /// The user's claim counters, so the daily limit holds offline too; a replica replaces its
    /// own with these.
    pub counters: Vec<SyncCounter>,
}

/// A named count the rules keep (claims per rep and day).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct SyncCounter {
    pub id: String,
    pub count: u64,
    pub version: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[serde(rename_all = "snake_case")]
pub enum ConflictState {
    Open,
    /// The lost value was put back.
    Restored,
}

/// A value an edit overwrote though the editor had not seen it: two users changed the same
/// field, the one the server applied last won, and the losing value is kept here to restore.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct SyncConflict {
    /// `sc-N`.
    pub id: String,
    pub record_kind: EntityKind,
    pub record_id: String,
    /// Field path, as in a record base (`name`, `custom_fields.budget`).
    pub field: String,
    /// The value that won (the later edit's).
    pub kept: Value,
    /// The value it overwrote.
    pub lost: Value,
    /// The value the later editor had seen.
    pub seen: Value,
    /// Who made the winning edit, from which device and operation.
    pub user_id: String,
    pub device_id: String,
    pub op_id: u64,
    pub at: DateTime<Utc>,
    pub state: ConflictState,
    pub version: u64,
}
