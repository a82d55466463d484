//! crm-core: the pure domain of the crm engine. Rules are functions of configuration, state and
//! `now`; the [`Crm`] service runs them against a [`Store`] and records an [`Event`] for every change.
//! No I/O and no global state live here: storage backends and language bindings wrap this crate.
//!
//! # Choices where the domain spec is silent
//! - Ids are generated per organisation as `u-1`, `t-1`, `c-1`, `ct-1`, `f-1`: deterministic, so
//!   parity scenarios can name them, and sortable in creation order (`c-2` before `c-10`).
//! - Scopes: a rep (`own`) reaches customers they own, a manager (`team`) those owned by members of
//!   their team, an admin (`all`) every customer, including unowned ones and merged tombstones.
//!   Creating a customer for someone else, transferring and handing over need the actor to manage
//!   the other user (a manager for their team, an admin for anyone); a rep manages only themselves.
//! - Users are never deleted: a leaver is deactivated (and can no longer act) after a handover.
//! - A follow-up replaces the customer's planned next follow-up with its own (none clears it), since
//!   the contact fulfilled the previous plan; it may not lie in the future.
//! - Merging keeps the survivor's values and fills its gaps from the other record; tags, phones,
//!   emails (by normal form) and custom fields are united; the earliest creation, the latest
//!   follow-up and the soonest planned follow-up win; the merged record stays as a tombstone
//!   (`status = merged`, `merged_into`) and its history is reached through the survivor.
//! - Duplicate matches report every customer regardless of the asker's scope, with only the facts a
//!   rep needs to avoid a clash (id, name, owner, pool, locked, won).
//! - Pools (公海): a customer is *in* a pool when it has no owner and its `pool_id` names the
//!   pool; an owned customer keeps the `pool_id` it came from as the pool recycling and release
//!   return it to (`OrgSettings::default_pool_id` for customers that never had one). Members
//!   (users or whole teams) claim; pool admins and organisation admins manage. Pool rules live
//!   with the pool; claim and lock limits are organisation-wide (the daily limit counts across
//!   all pools, per rep and local day of the organisation's time zone).
//! - Ownership caps are per-rep limits aimed at everyone, a team's members or one rep; the
//!   strictest that matches applies, so every matching cap holds after a claim. Only claims are
//!   limited: assignment by a manager, allocation and handover are deliberate and not capped.
//! - A claim is refused, first reason wins, for: owned (`ALREADY_OWNED`), not in a pool, not a
//!   member, waiting period (`WAITING_PERIOD`, from `pooled_at`: a move to another pool starts it
//!   again), cool-down of the previous owner (`COOL_DOWN`, from `released_at`, the release or
//!   recycle: nothing else restarts it), daily limit, cap. A batch claim is all or nothing and
//!   lists no customer twice. Warnings list customers already due but not yet swept too.
//! - Inputs have bounds (text lengths, list sizes, day counts, amounts: `limits`), the same on every
//!   surface; a refusal names the field as the caller spells it and quotes at most a short prefix.
//! - Recycling days are whole 24-hour days from the rule's clock. When several rules match, the
//!   one that runs out first is reported. A lock postpones recycling to its end (an open-ended
//!   lock prevents it); locks are capped per owner and in length. Release and recycling clear
//!   the lock. Each customer stores `recycle_due_at` (kept current on every write and re-derived
//!   when pool rules, a pool or the default pool change), so sweeps and warnings read an index.
//! - Leads are separate records until converted; allocation places them with reps (or parks them
//!   in a pool named by a rule, waiting for a later allocation) and converting makes a customer
//!   owned by the lead's owner, with an optional opportunity. Opportunities here are open, won or
//!   lost; a won one marks the customer won (`last_won_at`), which the rules exempt by default.
//! - RFM: the second default map is the 25-cell R x FM grid, FM being the mean of F and M rounded
//!   half up; a map is either all three-digit codes or all two-digit cells. Segment movement
//!   compares two scorings by customer id (absent on one side is `None`); the default churn
//!   warning fires when a customer leaves Champions, Loyal, Potential loyalist or Cannot lose them
//!   for a cooling segment, or when R falls by two points or more. Large slices are aggregated on
//!   every core (not in WebAssembly); integer-looking ids are hashed as numbers, but `"007"` and
//!   `"7"` stay different customers.
//! - Performance: periods are `YYYY-MM`, `YYYY-Qn` or `YYYY`, on local dates; attainment is
//!   achieved / target rounded half-even to 4 places (none for a zero target); ranks are per kind
//!   of subject and period, ordered by ratio then amount, and equal results share a rank
//!   (1, 2, 2, 4).
//! - Pipelines: probabilities are percentages; an override lasts until the stage changes; without
//!   explicit transitions deals move forward or back among open stages, to won from any open stage
//!   and to lost from any open stage with a reason from the pipeline's list; leaving won or lost is
//!   a reopen that needs a listed role (managers and admins by default). A change of amount,
//!   probability or close date starts a new history entry, so a forecast as of any past instant
//!   reads what was known then. A follow-up with the customer counts as activity on its open
//!   opportunities. The `default` pipeline is the built-in standard one until an admin stores it.
//! - Contracts: one live contract per won opportunity; instalments must sum to its amount; a
//!   payment pays the instalment it names first, then the oldest due; refunds take back from the
//!   latest; an instalment is overdue from the day after its due date (local dates).
//! - Phones: a leading `+` or `00` marks an international number; China (+86) numbers normalise to
//!   the national form (landlines regain their trunk `0`), others keep `+CC`.
//! - Imports: blank cells leave a field as it is; a row's every bad cell is reported; phones are
//!   stored in E.164 (an update that only respells a stored number changes nothing); tags in a
//!   file replace the record's; owners and pools change by transfer, never by import; a resolved
//!   address is stored as the custom fields `address` (canonical division names + detail) and
//!   `division_code`. Matching: id first, then exact phone or email keys (several customers:
//!   `AMBIGUOUS_MATCH`), then the most similar name over the organisation's threshold. A row
//!   matching a record an earlier row of the same file created or updated is a duplicate within
//!   the file. Create mode leaves a matched stored record alone (`duplicate`). Revert deletes a
//!   created record only when nothing changed it since (and a customer only without contacts
//!   added since).
//! - Quality report: a field's validity counts records whose every value passes (phones by
//!   libphonenumber, emails, the custom field `address` by the division list); duplicate
//!   clusters join customers sharing a normalised phone, email or name; a customer is stale after
//!   `stale_days` (90) without a follow-up since its current ownership began; an inconsistency is
//!   a person customer whose record and contacts hold more than one phone or email.
//! - Sync: a replica holds the customers in its user's data scope with their contacts,
//!   follow-ups, opportunities and open conflicts, the unowned customers of the user's pools (the
//!   record alone), and every user, team, pipeline, the user's pools, the settings and today's
//!   claim counter. Offline a replica makes only the operations of `sync::SYNC_OPERATIONS`;
//!   records it creates are numbered from 10^12 up until a push answers with the server's ids
//!   (paired in creation order per kind). An edit's base is the version and values of the
//!   fields its patch sets; `add_tags`/`remove_tags` merge by themselves. A refused operation is
//!   answered as an outcome and kept as a receipt, so a retry gets the same refusal. Pulls name a
//!   customer for removal only when an event in the page could have taken it out of a replica
//!   (a change of owner other than creation, a merge, a deletion, a move or recycling) and the
//!   user no longer reaches it.

pub mod access;
pub mod allocation;
pub mod api;
pub mod auth;
pub mod campaign;
pub mod clock;
pub mod commission;
pub mod contract;
pub mod customer;
pub mod desk;
pub mod error;
pub mod event;
#[cfg(feature = "uniffi")]
mod ffi;
pub mod ids;
pub mod import;
pub mod lead;
pub mod limits;
pub use pipeline::opportunity;
pub mod performance;
pub mod pipeline;
pub mod pool;
pub mod rfm;
pub mod service;
pub mod settings;
pub mod sla;
pub mod store;
pub mod sync;
#[cfg(feature = "testing")]
pub mod testing;

// The records' uniffi metadata and converters (crm-mobile exports them to Kotlin and Swift).
#[cfg(feature = "uniffi")]
uniffi::setup_scaffolding!();

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
pub use settings::{OrgSettings, SettingsPatch};
pub use store::{MemoryStore, Store};
