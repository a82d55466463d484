//! Duplicate detection (撞单 prevention): keys a store indexes, and how candidates are ranked.

use super::model::{Contact, Customer, CustomerId, DealStatus, PoolId};
use super::normalize::{normalize_email, normalize_name, normalize_phone};
use crate::access::UserId;
use crate::error::Result;
use serde::{Deserialize, Serialize};

/// What to do when a new customer looks like an existing one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[serde(rename_all = "snake_case")]
pub enum DuplicateMode {
    /// No check on creation (on-demand checks still work).
    Off,
    /// Create, and report the matches with the new customer.
    Warn,
    /// Refuse with `DuplicateFound`.
    Block,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[serde(deny_unknown_fields)]
pub struct DuplicatePolicy {
    pub on_create: DuplicateMode,
    /// Minimum normalised-name similarity (0..=1) for a fuzzy name match.
    pub name_threshold: f64,
}

impl Default for DuplicatePolicy {
    fn default() -> Self {
        DuplicatePolicy {
            on_create: DuplicateMode::Warn,
            name_threshold: 0.85,
        }
    }
}

/// What to look for: any mix of name, phones and emails.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[serde(deny_unknown_fields)]
pub struct DuplicateProbe {
    #[serde(default)]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub name: Option<String>,
    #[serde(default)]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub phones: Vec<String>,
    #[serde(default)]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub emails: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[serde(rename_all = "snake_case")]
pub enum MatchField {
    Phone,
    Email,
    Name,
}

/// One existing customer that matches, and where it lives, so the rep knows whom to talk to.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct DuplicateMatch {
    pub customer_id: CustomerId,
    pub customer_name: String,
    pub matched_on: MatchField,
    /// The normalised value that matched.
    pub matched_value: String,
    /// 1 for phone, email and exact name matches; the name similarity otherwise.
    pub similarity: f64,
    pub owner_id: Option<UserId>,
    pub pool_id: Option<PoolId>,
    pub locked: bool,
    pub deal_status: DealStatus,
}

/// The prefix of a customer's normalised-name key; stores also index these names by their grams
/// (`customer::grams`).
pub const NAME_PREFIX: &str = "n:";
const PHONE_PREFIX: &str = "p:";
const EMAIL_PREFIX: &str = "e:";

pub(crate) fn phone_key(phone: &str) -> Result<String> {
    Ok(format!("{PHONE_PREFIX}{}", normalize_phone(phone)?))
}

pub(crate) fn email_key(email: &str) -> Result<String> {
    Ok(format!("{EMAIL_PREFIX}{}", normalize_email(email)?))
}

pub(crate) fn name_key(name: &str) -> String {
    format!("{NAME_PREFIX}{}", normalize_name(name))
}

/// Every index key of a customer: its name, and the phones and emails of it and its contacts.
pub(crate) fn customer_keys(customer: &Customer, contacts: &[Contact]) -> Result<Vec<String>> {
    let mut keys = vec![name_key(&customer.name)];
    let phones = customer
        .phones
        .iter()
        .chain(contacts.iter().flat_map(|c| &c.phones));
    for phone in phones {
        keys.push(phone_key(phone)?);
    }
    let emails = customer
        .emails
        .iter()
        .chain(contacts.iter().flat_map(|c| &c.emails));
    for email in emails {
        keys.push(email_key(email)?);
    }
    keys.sort();
    keys.dedup();
    Ok(keys)
}

/// The probe's exact keys, field by field; validates every phone and email.
pub(crate) fn probe_keys(probe: &DuplicateProbe) -> Result<Vec<(MatchField, String)>> {
    let mut keys = Vec::new();
    for phone in &probe.phones {
        keys.push((MatchField::Phone, phone_key(phone)?));
    }
    for email in &probe.emails {
        keys.push((MatchField::Email, email_key(email)?));
    }
    Ok(keys)
}

/// Orders matches strongest first (phone, email, then name by similarity), one per customer.
pub(crate) fn rank(mut matches: Vec<DuplicateMatch>) -> Vec<DuplicateMatch> {
    matches.sort_by(|a, b| {
        a.matched_on
            .cmp(&b.matched_on)
            .then(b.similarity.total_cmp(&a.similarity))
            .then(a.customer_id.cmp(&b.customer_id))
    });
    let mut seen = std::collections::HashSet::new();
    matches.retain(|m| seen.insert(m.customer_id.clone()));
    matches
}
