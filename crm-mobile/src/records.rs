//! The records and enums of the mobile API. Field names and serde forms are the core's, so a record
//! converts to and from the core through the operation table's JSON.

use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::time::SystemTime;

macro_rules! simple_enum {
    ($(#[$m:meta])* $name:ident { $($variant:ident),* $(,)? }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, uniffi::Enum)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($variant),* }
    };
}

simple_enum!(Role {
    Rep,
    Manager,
    Admin
});
simple_enum!(DataScope { Own, Team, All });
simple_enum!(CustomerKind { Company, Person });
simple_enum!(CustomerStatus { Active, Merged });
simple_enum!(DealStatus { None, Won });
simple_enum!(Channel {
    Call,
    Visit,
    Email,
    Message,
    Meeting,
    Other
});
simple_enum!(MatchField { Phone, Email, Name });
simple_enum!(DuplicateMode { Off, Warn, Block });
simple_enum!(
    /// Which kind of record an error is about.
    EntityKind {
        User,
        Team,
        Customer,
        Contact,
        FollowUp,
        Settings
    }
);
simple_enum!(OwnershipReason {
    Created,
    Claimed,
    Assigned,
    Transferred,
    Recycled,
    Released,
    Merged,
    Handover
});

/// A custom field value. Numbers are decimal strings (exact, never floats); dates `YYYY-MM-DD`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, uniffi::Enum)]
#[serde(tag = "type", content = "value", rename_all = "snake_case")]
pub enum FieldValue {
    Text(String),
    Number(String),
    Bool(bool),
    Date(String),
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, uniffi::Record)]
pub struct DuplicatePolicy {
    pub on_create: DuplicateMode,
    pub name_threshold: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, uniffi::Record)]
pub struct OrgSettings {
    pub timezone: String,
    pub duplicates: DuplicatePolicy,
    pub version: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, uniffi::Record)]
pub struct User {
    pub id: String,
    pub name: String,
    pub role: Role,
    pub scope: DataScope,
    pub team_id: Option<String>,
    pub active: bool,
    #[serde(with = "crate::time")]
    pub created_at: SystemTime,
    pub version: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, uniffi::Record)]
pub struct NewUser {
    pub name: String,
    pub role: Role,
    #[uniffi(default = None)]
    pub scope: Option<DataScope>,
    #[uniffi(default = None)]
    pub team_id: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, uniffi::Record)]
pub struct Team {
    pub id: String,
    pub name: String,
    #[serde(with = "crate::time")]
    pub created_at: SystemTime,
    pub version: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, uniffi::Record)]
pub struct Customer {
    pub id: String,
    pub name: String,
    pub kind: CustomerKind,
    pub level: Option<String>,
    pub tags: Vec<String>,
    pub source: Option<String>,
    pub industry: Option<String>,
    pub region: Option<String>,
    pub phones: Vec<String>,
    pub emails: Vec<String>,
    pub owner_id: Option<String>,
    pub previous_owner_id: Option<String>,
    pub pool_id: Option<String>,
    #[serde(with = "crate::time::option")]
    pub pooled_at: Option<SystemTime>,
    pub status: CustomerStatus,
    pub merged_into: Option<String>,
    pub merged_from: Vec<String>,
    #[serde(with = "crate::time")]
    pub created_at: SystemTime,
    #[serde(with = "crate::time")]
    pub updated_at: SystemTime,
    #[serde(with = "crate::time::option")]
    pub owned_since: Option<SystemTime>,
    #[serde(with = "crate::time::option")]
    pub last_follow_up_at: Option<SystemTime>,
    #[serde(with = "crate::time::option")]
    pub next_follow_up_at: Option<SystemTime>,
    pub deal_status: DealStatus,
    pub locked: bool,
    pub custom_fields: HashMap<String, FieldValue>,
    pub version: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, uniffi::Record)]
pub struct NewCustomer {
    pub name: String,
    #[uniffi(default = None)]
    pub kind: Option<CustomerKind>,
    #[uniffi(default = None)]
    pub level: Option<String>,
    #[uniffi(default = [])]
    pub tags: Vec<String>,
    #[uniffi(default = None)]
    pub source: Option<String>,
    #[uniffi(default = None)]
    pub industry: Option<String>,
    #[uniffi(default = None)]
    pub region: Option<String>,
    #[uniffi(default = [])]
    pub phones: Vec<String>,
    #[uniffi(default = [])]
    pub emails: Vec<String>,
    #[uniffi(default = None)]
    pub owner_id: Option<String>,
    #[uniffi(default)]
    pub custom_fields: HashMap<String, FieldValue>,
}

/// Only what is given changes. `clear_level` empties the level; a custom field mapped to null is
/// removed.
#[derive(Debug, Clone, PartialEq, Default, uniffi::Record)]
pub struct CustomerPatch {
    #[uniffi(default = None)]
    pub name: Option<String>,
    #[uniffi(default = None)]
    pub kind: Option<CustomerKind>,
    #[uniffi(default = None)]
    pub level: Option<String>,
    #[uniffi(default = false)]
    pub clear_level: bool,
    #[uniffi(default = [])]
    pub add_tags: Vec<String>,
    #[uniffi(default = [])]
    pub remove_tags: Vec<String>,
    #[uniffi(default = None)]
    pub source: Option<String>,
    #[uniffi(default = None)]
    pub industry: Option<String>,
    #[uniffi(default = None)]
    pub region: Option<String>,
    #[uniffi(default = None)]
    pub phones: Option<Vec<String>>,
    #[uniffi(default = None)]
    pub emails: Option<Vec<String>>,
    #[uniffi(default)]
    pub custom_fields: HashMap<String, Option<FieldValue>>,
}

impl CustomerPatch {
    /// The core's patch form (`level: null` clears, an absent key leaves alone).
    pub fn to_json(&self) -> serde_json::Value {
        use serde_json::json;
        let mut patch = json!({
            "add_tags": self.add_tags, "remove_tags": self.remove_tags, "custom_fields": self.custom_fields,
        });
        let fields: [(&str, serde_json::Value); 8] = [
            ("name", json!(self.name)),
            ("kind", json!(self.kind)),
            ("level", json!(self.level)),
            ("source", json!(self.source)),
            ("industry", json!(self.industry)),
            ("region", json!(self.region)),
            ("phones", json!(self.phones)),
            ("emails", json!(self.emails)),
        ];
        for (key, value) in fields {
            if !value.is_null() {
                patch[key] = value;
            }
        }
        if self.clear_level {
            patch["level"] = serde_json::Value::Null;
        }
        patch
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, uniffi::Record)]
pub struct DuplicateMatch {
    pub customer_id: String,
    pub customer_name: String,
    pub matched_on: MatchField,
    pub matched_value: String,
    pub similarity: f64,
    pub owner_id: Option<String>,
    pub pool_id: Option<String>,
    pub locked: bool,
    pub deal_status: DealStatus,
}

impl From<crm_core::EntityKind> for EntityKind {
    fn from(k: crm_core::EntityKind) -> Self {
        use crm_core::EntityKind as K;
        match k {
            K::User => EntityKind::User,
            K::Team => EntityKind::Team,
            K::Customer => EntityKind::Customer,
            K::Contact => EntityKind::Contact,
            K::FollowUp => EntityKind::FollowUp,
            K::Settings => EntityKind::Settings,
        }
    }
}

impl From<crm_core::DuplicateMatch> for DuplicateMatch {
    fn from(m: crm_core::DuplicateMatch) -> Self {
        DuplicateMatch {
            customer_id: m.customer_id,
            customer_name: m.customer_name,
            matched_on: match m.matched_on {
                crm_core::MatchField::Phone => MatchField::Phone,
                crm_core::MatchField::Email => MatchField::Email,
                crm_core::MatchField::Name => MatchField::Name,
            },
            matched_value: m.matched_value,
            similarity: m.similarity,
            owner_id: m.owner_id,
            pool_id: m.pool_id,
            locked: m.locked,
            deal_status: match m.deal_status {
                crm_core::DealStatus::None => DealStatus::None,
                crm_core::DealStatus::Won => DealStatus::Won,
            },
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, uniffi::Record)]
pub struct CustomerCreated {
    pub customer: Customer,
    pub duplicates: Vec<DuplicateMatch>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, uniffi::Record)]
pub struct DuplicateProbe {
    #[uniffi(default = None)]
    pub name: Option<String>,
    #[uniffi(default = [])]
    pub phones: Vec<String>,
    #[uniffi(default = [])]
    pub emails: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, uniffi::Record)]
pub struct Contact {
    pub id: String,
    pub customer_id: String,
    pub name: String,
    pub phones: Vec<String>,
    pub emails: Vec<String>,
    pub role: Option<String>,
    #[serde(with = "crate::time")]
    pub created_at: SystemTime,
    pub version: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, uniffi::Record)]
pub struct NewContact {
    pub name: String,
    #[uniffi(default = [])]
    pub phones: Vec<String>,
    #[uniffi(default = [])]
    pub emails: Vec<String>,
    #[uniffi(default = None)]
    pub role: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, uniffi::Record)]
pub struct FollowUp {
    pub id: String,
    pub customer_id: String,
    pub rep_id: String,
    pub channel: Channel,
    pub note: String,
    #[serde(with = "crate::time")]
    pub at: SystemTime,
    #[serde(with = "crate::time::option")]
    pub next_follow_up_at: Option<SystemTime>,
    pub version: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, uniffi::Record)]
pub struct NewFollowUp {
    pub channel: Channel,
    #[uniffi(default = "")]
    pub note: String,
    #[uniffi(default = None)]
    #[serde(with = "crate::time::option")]
    pub at: Option<SystemTime>,
    #[uniffi(default = None)]
    #[serde(with = "crate::time::option")]
    pub next_follow_up_at: Option<SystemTime>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, uniffi::Record)]
pub struct OverdueFollowUp {
    pub customer_id: String,
    pub customer_name: String,
    pub owner_id: String,
    #[serde(with = "crate::time")]
    pub due_at: SystemTime,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, uniffi::Record)]
pub struct OwnershipChange {
    pub seq: u64,
    pub customer_id: String,
    /// The previous owner.
    #[serde(rename = "from")]
    pub from_owner: Option<String>,
    /// The new owner.
    #[serde(rename = "to")]
    pub to_owner: Option<String>,
    pub cause: OwnershipReason,
    pub actor_id: Option<String>,
    #[serde(with = "crate::time")]
    pub at: SystemTime,
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, uniffi::Enum)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum EventKind {
    UserCreated {
        user_id: String,
    },
    UserDeactivated {
        user_id: String,
    },
    TeamCreated {
        team_id: String,
    },
    SettingsChanged,
    CustomerCreated {
        customer_id: String,
    },
    CustomerUpdated {
        customer_id: String,
        fields: Vec<String>,
    },
    OwnerChanged {
        customer_id: String,
        #[serde(rename = "from")]
        from_owner: Option<String>,
        #[serde(rename = "to")]
        to_owner: Option<String>,
        cause: OwnershipReason,
    },
    ContactAdded {
        customer_id: String,
        contact_id: String,
    },
    FollowUpRecorded {
        customer_id: String,
        follow_up_id: String,
    },
    CustomersMerged {
        survivor_id: String,
        merged_id: String,
    },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, uniffi::Record)]
pub struct Event {
    pub seq: u64,
    #[serde(with = "crate::time")]
    pub at: SystemTime,
    pub actor_id: Option<String>,
    pub kind: EventKind,
    pub reason: String,
}
