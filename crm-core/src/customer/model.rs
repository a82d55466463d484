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

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CustomerKind {
    Company,
    Person,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CustomerStatus {
    Active,
    /// Folded into another customer by a merge; kept so nothing is lost.
    Merged,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DealStatus {
    None,
    Won,
}

/// A typed custom field value (自定义字段).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", content = "value", rename_all = "snake_case")]
pub enum FieldValue {
    Text(String),
    Number(Decimal),
    Bool(bool),
    Date(NaiveDate),
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
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
    pub custom_fields: BTreeMap<String, FieldValue>,
    pub version: u64,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct NewCustomer {
    pub name: String,
    #[serde(default)]
    pub kind: Option<CustomerKind>,
    #[serde(default)]
    pub level: Option<String>,
    #[serde(default)]
    pub tags: Vec<String>,
    #[serde(default)]
    pub source: Option<String>,
    #[serde(default)]
    pub industry: Option<String>,
    #[serde(default)]
    pub region: Option<String>,
    #[serde(default)]
    pub phones: Vec<String>,
    #[serde(default)]
    pub emails: Vec<String>,
    /// The owner; defaults to the acting user.
    #[serde(default)]
    pub owner_id: Option<UserId>,
    #[serde(default)]
    pub custom_fields: BTreeMap<String, FieldValue>,
}

/// A partial update: `None` leaves a field as it is. Owner changes go through `transfer_customer`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CustomerPatch {
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub kind: Option<CustomerKind>,
    /// `Some(None)` clears the level.
    #[serde(default, with = "double_option")]
    pub level: Option<Option<String>>,
    #[serde(default)]
    pub add_tags: Vec<String>,
    #[serde(default)]
    pub remove_tags: Vec<String>,
    #[serde(default)]
    pub source: Option<String>,
    #[serde(default)]
    pub industry: Option<String>,
    #[serde(default)]
    pub region: Option<String>,
    #[serde(default)]
    pub phones: Option<Vec<String>>,
    #[serde(default)]
    pub emails: Option<Vec<String>>,
    /// Fields to set; a `None` value removes the field.
    #[serde(default)]
    pub custom_fields: BTreeMap<String, Option<FieldValue>>,
}

mod double_option {
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    pub fn serialize<S: Serializer>(v: &Option<Option<String>>, s: S) -> Result<S::Ok, S::Error> {
        v.serialize(s)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<Option<Option<String>>, D::Error> {
        Option::<String>::deserialize(d).map(Some)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Contact {
    pub id: ContactId,
    pub customer_id: CustomerId,
    pub name: String,
    pub phones: Vec<String>,
    pub emails: Vec<String>,
    /// The contact's role at the customer (e.g. purchaser, decision maker).
    pub role: Option<String>,
    pub created_at: DateTime<Utc>,
    pub version: u64,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct NewContact {
    pub name: String,
    #[serde(default)]
    pub phones: Vec<String>,
    #[serde(default)]
    pub emails: Vec<String>,
    #[serde(default)]
    pub role: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
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
pub struct NewFollowUp {
    pub channel: Channel,
    #[serde(default)]
    pub note: String,
    /// Defaults to now; may not lie in the future.
    #[serde(default)]
    pub at: Option<DateTime<Utc>>,
    #[serde(default)]
    pub next_follow_up_at: Option<DateTime<Utc>>,
}

/// A customer whose planned next follow-up has passed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OverdueFollowUp {
    pub customer_id: CustomerId,
    pub customer_name: String,
    pub owner_id: UserId,
    pub due_at: DateTime<Utc>,
}
