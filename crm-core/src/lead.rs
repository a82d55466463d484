//! Leads (线索): prospects captured before they are customers, allocated to reps and converted.

use crate::access::UserId;
use crate::allocation::LeadView;
use crate::customer::{Customer, CustomerId, CustomerKind, DuplicateMatch, FieldValue, PoolId};
use crate::opportunity::Opportunity;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[serde(rename_all = "snake_case")]
pub enum LeadStatus {
    Open,
    Converted,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct Lead {
    pub id: String,
    pub name: String,
    pub kind: CustomerKind,
    pub phones: Vec<String>,
    pub emails: Vec<String>,
    pub source: Option<String>,
    pub region: Option<String>,
    pub industry: Option<String>,
    pub level: Option<String>,
    pub custom_fields: BTreeMap<String, FieldValue>,
    /// Capacity the lead consumes when allocated.
    pub weight: u64,
    pub owner_id: Option<UserId>,
    /// Where allocation rules parked it, waiting for a rep.
    pub pool_id: Option<PoolId>,
    pub status: LeadStatus,
    pub customer_id: Option<CustomerId>,
    /// Its primary campaign source, passed on to the customer and opportunity it converts into.
    #[serde(default)]
    pub campaign_id: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: u64,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[serde(deny_unknown_fields)]
pub struct NewLead {
    pub name: String,
    #[serde(default)]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub kind: Option<CustomerKind>,
    #[serde(default)]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub phones: Vec<String>,
    #[serde(default)]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub emails: Vec<String>,
    #[serde(default)]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub source: Option<String>,
    #[serde(default)]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub region: Option<String>,
    #[serde(default)]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub industry: Option<String>,
    #[serde(default)]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub level: Option<String>,
    #[serde(default)]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub custom_fields: BTreeMap<String, FieldValue>,
    /// Defaults to 1.
    #[serde(default)]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub weight: Option<u64>,
    /// A rep to own it at once (the actor must manage them); otherwise it waits for allocation.
    #[serde(default)]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub owner_id: Option<UserId>,
    /// The campaign that brought it (its primary campaign source).
    #[serde(default)]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub campaign_id: Option<String>,
}

/// A captured lead and the existing customers it may duplicate.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct LeadCaptured {
    pub lead: Lead,
    pub duplicates: Vec<DuplicateMatch>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct LeadConversion {
    pub lead: Lead,
    pub customer: Customer,
    pub duplicates: Vec<DuplicateMatch>,
    pub opportunity: Option<Opportunity>,
}

impl Lead {
    /// The fields allocation rules match on: source, region, industry, level and text-like custom
    /// fields by name.
    pub fn view(&self) -> LeadView {
        let mut fields = BTreeMap::new();
        for (name, value) in [
            ("source", &self.source),
            ("region", &self.region),
            ("industry", &self.industry),
            ("level", &self.level),
        ] {
            if let Some(v) = value {
                fields.insert(name.to_string(), v.clone());
            }
        }
        for (name, value) in &self.custom_fields {
            let text = match value {
                FieldValue::Text(t) => t.clone(),
                FieldValue::Number(n) => n.normalize().to_string(),
                FieldValue::Bool(b) => b.to_string(),
                FieldValue::Date(d) => d.to_string(),
            };
            fields.entry(name.clone()).or_insert(text);
        }
        LeadView {
            id: self.id.clone(),
            owner_id: self.owner_id.clone(),
            weight: self.weight.max(1),
            fields,
        }
    }
}
