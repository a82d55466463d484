//! The data quality report (数据质量) over stored customers: completeness and validity per field,
//! the same per owner and team, duplicate clusters, stale records and one person's inconsistent
//! contact details, with plain statements of the worst findings.

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[serde(deny_unknown_fields)]
pub struct QualityOptions {
    /// A customer is stale after this many days without a follow-up (default 90).
    #[serde(default)]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub stale_days: Option<u32>,
    /// Region of phone numbers written without a country code (default `CN`).
    #[serde(default)]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub default_region: Option<String>,
    /// The most duplicate clusters and inconsistencies listed (default 100; the counts are whole).
    #[serde(default)]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub limit: Option<u32>,
}

/// One field over every customer in scope.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct FieldQuality {
    /// `name`, `phones`, `emails`, `industry`, ..., `custom_fields.birthday`.
    pub field: String,
    pub records: u64,
    /// Records with a value.
    pub filled: u64,
    /// `filled / records` in percent, one decimal place.
    pub completeness: Decimal,
    /// Values with a check (phones, emails, addresses); `None` for fields without one.
    pub valid: Option<u64>,
    /// `valid / filled` in percent, one decimal place.
    pub validity: Option<Decimal>,
}

/// The customers of one owner or one team.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct GroupQuality {
    /// A user id, a team id, or `(pool)` / `(no team)`.
    pub group: String,
    pub customers: u64,
    /// Filled values of the report's fields over `customers × fields`, in percent.
    pub completeness: Decimal,
    /// Values failing their check.
    pub invalid_values: u64,
    /// Customers in a duplicate cluster.
    pub duplicates: u64,
    pub stale: u64,
}

/// Customers that share a normalised phone, email or name: probably one customer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct DuplicateCluster {
    pub customer_ids: Vec<String>,
    /// What they share: `phone 13800138000`, `email a@b.cn`, `name 华为技术`.
    pub shared: Vec<String>,
}

/// One person's details that disagree across the customer record and its contacts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct Inconsistency {
    pub customer_id: String,
    /// `phones` or `emails`.
    pub field: String,
    /// The distinct normalised values.
    pub values: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct QualityReport {
    pub as_of: DateTime<Utc>,
    pub customers: u64,
    pub fields: Vec<FieldQuality>,
    pub by_owner: Vec<GroupQuality>,
    pub by_team: Vec<GroupQuality>,
    /// Every cluster's count; the list holds at most `limit`, largest first.
    pub duplicate_cluster_count: u64,
    pub duplicate_clusters: Vec<DuplicateCluster>,
    pub stale_days: u32,
    pub stale: u64,
    pub inconsistency_count: u64,
    pub inconsistencies: Vec<Inconsistency>,
    /// The report in sentences, worst first: "31.2% of addresses are invalid".
    pub findings: Vec<String>,
}

/// `part / whole` in percent, one decimal place (0 of nothing is 0%).
pub fn percent(part: u64, whole: u64) -> Decimal {
    if whole == 0 {
        return Decimal::new(0, 1);
    }
    let mut share = (Decimal::from(part) * Decimal::ONE_HUNDRED / Decimal::from(whole)).round_dp(1);
    share.rescale(1);
    share
}
