//! Customer, contact and follow-up records and their inputs.

use crate::access::UserId;
use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

pub type CustomerId = String;
pub type ContactId = String;
pub type FollowUpId = String;
pub type PoolId = String;

impl Customer {
    /// Whether the protection holds at `now` (an expired lock protects nothing).
    pub fn is_locked_at(&self, now: DateTime<Utc>) -> bool {
        self.locked && self.locked_until.is_none_or(|until| until > now)
    }

    /// Sitting in a pool, waiting to be claimed.
    pub fn in_pool(&self) -> bool {
        self.owner_id.is_none() && self.pool_id.is_some() && self.status == CustomerStatus::Active
    }

    /// The clock of the "no follow-up" rule: the later of the last follow-up and the start of
    /// the current ownership.
    pub fn follow_up_clock(&self) -> Option<DateTime<Utc>> {
        let owned = self.owned_since?;
        Some(self.last_follow_up_at.map_or(owned, |f| f.max(owned)))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[serde(rename_all = "snake_case")]
pub enum CustomerKind {
    Company,
    Person,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[serde(rename_all = "snake_case")]
pub enum CustomerStatus {
    Active,
    /// Folded into another customer by a merge; kept so nothing is lost.
    Merged,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[serde(rename_all = "snake_case")]
pub enum DealStatus {
    None,
    Won,
}

/// A channel a customer or contact may opt out of; a campaign on it never adds them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[serde(rename_all = "snake_case")]
pub enum ConsentChannel {
    Email,
    Sms,
    Phone,
}

/// A typed custom field value (自定义字段).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[serde(tag = "type", content = "value", rename_all = "snake_case")]
pub enum FieldValue {
    Text(String),
    Number(Decimal),
    Bool(bool),
    Date(NaiveDate),
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct Customer {
    pub id: CustomerId,
    pub name: String,
    pub kind: CustomerKind,
    /// Customer level such as A/B/C or a VIP tier; rules may key on it.
    pub level: Option<String>,
    /// Profile tags (画像标签).
    pub tags: BTreeSet<String>,
    pub source: Option<String>,
    pub industry: Option<String>,
    pub region: Option<String>,
    /// Phone numbers as entered (validated); duplicate checks use their normal forms.
    pub phones: Vec<String>,
    pub emails: Vec<String>,
    pub owner_id: Option<UserId>,
    pub previous_owner_id: Option<UserId>,
    pub pool_id: Option<PoolId>,
    pub pooled_at: Option<DateTime<Utc>>,
    /// When the last owner let it go (released or recycled): that owner's cool-down counts from
    /// here, and nothing else restarts it (a move to another pool does not).
    #[serde(default)]
    pub released_at: Option<DateTime<Utc>>,
    pub status: CustomerStatus,
    pub merged_into: Option<CustomerId>,
    /// Customers folded into this one, transitively, so their history stays reachable.
    pub merged_from: Vec<CustomerId>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub owned_since: Option<DateTime<Utc>>,
    pub last_follow_up_at: Option<DateTime<Utc>>,
    pub next_follow_up_at: Option<DateTime<Utc>>,
    pub deal_status: DealStatus,
    /// Protected from recycling (保护).
    pub locked: bool,
    /// When the protection ends (`None`: until unlocked).
    #[serde(default)]
    pub locked_until: Option<DateTime<Utc>>,
    /// The latest won deal, for the "no won deal" recycling rule.
    #[serde(default)]
    pub last_won_at: Option<DateTime<Utc>>,
    /// Open opportunities, for the "no open opportunity" rule and its exemption.
    #[serde(default)]
    pub open_opportunities: u32,
    /// When the recycling sweep will return it to its pool under the rules in force when it was
    /// last written (`None`: no rule will); kept current by the service so sweeps and warnings
    /// read an index instead of every customer.
    #[serde(default)]
    pub recycle_due_at: Option<DateTime<Utc>>,
    pub custom_fields: BTreeMap<String, FieldValue>,
    /// Channels the customer opted out of (sorted): a campaign on one of them never adds it.
    #[serde(default)]
    pub opt_outs: Vec<ConsentChannel>,
    /// The campaign it came from (its lead's primary campaign source), kept on its deals.
    #[serde(default)]
    pub campaign_id: Option<String>,
    pub version: u64,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[serde(deny_unknown_fields)]
pub struct NewCustomer {
    pub name: String,
    #[serde(default)]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub kind: Option<CustomerKind>,
    #[serde(default)]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub level: Option<String>,
    #[serde(default)]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub tags: Vec<String>,
    #[serde(default)]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub source: Option<String>,
    #[serde(default)]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub industry: Option<String>,
    #[serde(default)]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub region: Option<String>,
    #[serde(default)]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub phones: Vec<String>,
    #[serde(default)]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub emails: Vec<String>,
    /// The owner; defaults to the acting user unless the customer goes into `pool_id` unowned.
    #[serde(default)]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub owner_id: Option<UserId>,
    /// The customer's pool: with no owner it enters the pool (公海) waiting to be claimed; with
    /// an owner it is the pool recycling returns it to.
    #[serde(default)]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub pool_id: Option<PoolId>,
    #[serde(default)]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub custom_fields: BTreeMap<String, FieldValue>,
    #[serde(default)]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub opt_outs: Vec<ConsentChannel>,
    /// The campaign it came from.
    #[serde(default)]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub campaign_id: Option<String>,
}

/// A partial update: `None` leaves a field as it is. Owner changes go through `transfer_customer`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[serde(deny_unknown_fields)]
pub struct CustomerPatch {
    #[serde(default)]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub name: Option<String>,
    #[serde(default)]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub kind: Option<CustomerKind>,
    #[serde(default)]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub level: Option<String>,
    /// Removes the level (`level` is then ignored).
    #[serde(default)]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub clear_level: bool,
    #[serde(default)]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub add_tags: Vec<String>,
    #[serde(default)]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub remove_tags: Vec<String>,
    #[serde(default)]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub source: Option<String>,
    #[serde(default)]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub industry: Option<String>,
    #[serde(default)]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub region: Option<String>,
    #[serde(default)]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub phones: Option<Vec<String>>,
    #[serde(default)]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub emails: Option<Vec<String>>,
    /// Fields to set; a `None` value removes the field.
    #[serde(default)]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub custom_fields: BTreeMap<String, Option<FieldValue>>,
    /// Replaces the channels the customer opted out of.
    #[serde(default)]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub opt_outs: Option<Vec<ConsentChannel>>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct Contact {
    pub id: ContactId,
    pub customer_id: CustomerId,
    pub name: String,
    pub phones: Vec<String>,
    pub emails: Vec<String>,
    /// The contact's role at the customer (e.g. purchaser, decision maker).
    pub role: Option<String>,
    pub created_at: DateTime<Utc>,
    /// Channels the contact opted out of (sorted).
    #[serde(default)]
    pub opt_outs: Vec<ConsentChannel>,
    pub version: u64,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[serde(deny_unknown_fields)]
pub struct NewContact {
    pub name: String,
    #[serde(default)]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub phones: Vec<String>,
    #[serde(default)]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub emails: Vec<String>,
    #[serde(default)]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub role: Option<String>,
    #[serde(default)]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub opt_outs: Vec<ConsentChannel>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    Call,
    Visit,
    Email,
    Message,
    Meeting,
    Other,
}

/// A follow-up record (跟进记录).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct FollowUp {
    pub id: FollowUpId,
    pub customer_id: CustomerId,
    pub rep_id: UserId,
    pub channel: Channel,
    pub note: String,
    /// When the contact with the customer happened.
    pub at: DateTime<Utc>,
    pub next_follow_up_at: Option<DateTime<Utc>>,
    pub version: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[serde(deny_unknown_fields)]
pub struct NewFollowUp {
    pub channel: Channel,
    #[serde(default)]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub note: String,
    /// Defaults to now; may not lie in the future.
    #[serde(default)]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub at: Option<DateTime<Utc>>,
    #[serde(default)]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub next_follow_up_at: Option<DateTime<Utc>>,
}

/// A customer whose planned next follow-up has passed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct OverdueFollowUp {
    pub customer_id: CustomerId,
    pub customer_name: String,
    pub owner_id: UserId,
    pub due_at: DateTime<Utc>,
}
