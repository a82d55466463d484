//! Opportunities (商机): an amount moving through a pipeline's stages. The status (open, won,
//! lost) is derived from the stage; the stage history keeps what every stay looked like, so
//! reports can answer "what did the forecast say on date D?".

use super::{ForecastCategory, StageKind, DEFAULT_PIPELINE};
use crate::access::UserId;
use crate::customer::CustomerId;
use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[serde(rename_all = "snake_case")]
pub enum OpportunityStatus {
    Open,
    Won,
    Lost,
}

impl From<StageKind> for OpportunityStatus {
    fn from(kind: StageKind) -> Self {
        match kind {
            StageKind::Open => OpportunityStatus::Open,
            StageKind::Won => OpportunityStatus::Won,
            StageKind::Lost => OpportunityStatus::Lost,
        }
    }
}

/// One stay in a stage, or a change of amount, probability or close date during a stay (which
/// ends the previous entry and starts a new one for the same stage).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct StageEntry {
    pub stage: String,
    pub status: OpportunityStatus,
    pub entered_at: DateTime<Utc>,
    pub left_at: Option<DateTime<Utc>>,
    pub amount: Decimal,
    /// Effective probability in percent.
    pub probability: Decimal,
    pub category: ForecastCategory,
    pub expected_close: Option<NaiveDate>,
}

impl StageEntry {
    /// Whether this entry describes the opportunity at `at`.
    pub fn covers(&self, at: DateTime<Utc>) -> bool {
        self.entered_at <= at && self.left_at.is_none_or(|l| at < l)
    }
}

fn default_pipeline() -> String {
    DEFAULT_PIPELINE.to_string()
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct Opportunity {
    pub id: String,
    pub customer_id: CustomerId,
    pub name: String,
    pub amount: Decimal,
    pub owner_id: Option<UserId>,
    pub status: OpportunityStatus,
    pub lost_reason: Option<String>,
    pub created_at: DateTime<Utc>,
    pub closed_at: Option<DateTime<Utc>>,
    #[serde(default = "default_pipeline")]
    pub pipeline_id: String,
    #[serde(default)]
    pub stage: String,
    /// Overrides the stage's default probability (percent) while the stage lasts.
    #[serde(default)]
    pub probability_override: Option<Decimal>,
    #[serde(default)]
    pub expected_close: Option<NaiveDate>,
    /// Custom fields stage guards may require.
    #[serde(default)]
    pub fields: BTreeMap<String, String>,
    #[serde(default)]
    pub history: Vec<StageEntry>,
    /// The last follow-up, note or completed task: resets the rotting clock.
    #[serde(default)]
    pub last_activity_at: Option<DateTime<Utc>>,
    /// Its primary campaign source (default: its customer's, so a converted lead's source stays).
    #[serde(default)]
    pub campaign_id: Option<String>,
    pub version: u64,
}

impl Opportunity {
    /// The history entry in force at `at` (`None` before the opportunity existed).
    pub fn as_of(&self, at: DateTime<Utc>) -> Option<&StageEntry> {
        self.history.iter().rev().find(|e| e.covers(at))
    }

    /// When the current stay in the current stage began (changes within a stay do not count).
    pub fn stage_since(&self) -> Option<DateTime<Utc>> {
        let mut since = None;
        for e in self.history.iter().rev() {
            if e.stage != self.stage {
                break;
            }
            since = Some(e.entered_at);
        }
        since
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[serde(deny_unknown_fields)]
pub struct NewOpportunity {
    pub name: String,
    pub amount: Decimal,
    /// Default: the organisation's `default` pipeline.
    #[serde(default)]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub pipeline_id: Option<String>,
    /// Default: the pipeline's first open stage. Its guards apply.
    #[serde(default)]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub stage: Option<String>,
    #[serde(default)]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub expected_close: Option<NaiveDate>,
    #[serde(default)]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub probability_override: Option<Decimal>,
    #[serde(default)]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub fields: BTreeMap<String, String>,
    /// Its primary campaign source; default: the customer's.
    #[serde(default)]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub campaign_id: Option<String>,
}

impl NewOpportunity {
    pub fn new(name: impl Into<String>, amount: Decimal) -> Self {
        NewOpportunity {
            name: name.into(),
            amount,
            pipeline_id: None,
            stage: None,
            expected_close: None,
            probability_override: None,
            fields: BTreeMap::new(),
            campaign_id: None,
        }
    }
}

/// A change to an open opportunity's figures; `None` leaves a value as it is.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[serde(deny_unknown_fields)]
pub struct OpportunityPatch {
    #[serde(default)]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub name: Option<String>,
    #[serde(default)]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub amount: Option<Decimal>,
    #[serde(default)]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub expected_close: Option<NaiveDate>,
    #[serde(default)]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub probability_override: Option<Decimal>,
    /// Removes the override, so the stage's probability applies (`probability_override` is then
    /// ignored).
    #[serde(default)]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub clear_probability_override: bool,
    /// Custom fields to set; an empty value removes one.
    #[serde(default)]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub fields: BTreeMap<String, String>,
}
