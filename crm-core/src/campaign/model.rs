//! Campaign records: the campaign with its member statuses, its members, saved audiences.

use crate::customer::ConsentChannel;
use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[serde(rename_all = "snake_case")]
pub enum CampaignKind {
    Email,
    Sms,
    Event,
    Webinar,
    Advertising,
    Referral,
    Other,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[serde(rename_all = "snake_case")]
pub enum CampaignStatus {
    Planned,
    Active,
    Completed,
    Aborted,
}

impl CampaignKind {
    /// The channel an email or SMS campaign reaches people on; the others reach them on none
    /// unless the campaign names one.
    pub fn channel(self) -> Option<ConsentChannel> {
        match self {
            CampaignKind::Email => Some(ConsentChannel::Email),
            CampaignKind::Sms => Some(ConsentChannel::Sms),
            _ => None,
        }
    }
}

/// One status a member can have in a campaign (`sent`, `responded`, `registered`, `attended`...).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[serde(deny_unknown_fields)]
pub struct MemberStatus {
    pub label: String,
    /// Reaching it counts as a response (sets `first_responded_at` once).
    pub responded: bool,
    /// New members get it; exactly one status is the default.
    pub default: bool,
    /// Place in lists and funnels, smallest first.
    pub order: u32,
}

impl MemberStatus {
    /// What every new campaign starts with: `sent` (default) and `responded`.
    pub fn defaults() -> Vec<MemberStatus> {
        vec![
            MemberStatus {
                label: "sent".into(),
                responded: false,
                default: true,
                order: 1,
            },
            MemberStatus {
                label: "responded".into(),
                responded: true,
                default: false,
                order: 2,
            },
        ]
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct Campaign {
    pub id: String,
    pub name: String,
    pub kind: CampaignKind,
    /// The channel whose opt-outs it honours (default: email for email campaigns, SMS for SMS).
    pub channel: Option<ConsentChannel>,
    /// The campaign this one belongs to; reports roll children up into it.
    pub parent_id: Option<String>,
    pub status: CampaignStatus,
    pub start_date: Option<NaiveDate>,
    pub end_date: Option<NaiveDate>,
    pub budgeted_cost: Decimal,
    pub actual_cost: Decimal,
    pub expected_revenue: Decimal,
    pub owner_id: Option<String>,
    pub member_statuses: Vec<MemberStatus>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: u64,
}

impl Campaign {
    pub fn status_of(&self, label: &str) -> Option<&MemberStatus> {
        self.member_statuses.iter().find(|s| s.label == label)
    }

    pub fn default_status(&self) -> &MemberStatus {
        self.member_statuses
            .iter()
            .find(|s| s.default)
            .unwrap_or(&self.member_statuses[0])
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[serde(deny_unknown_fields)]
pub struct NewCampaign {
    pub name: String,
    pub kind: CampaignKind,
    #[serde(default)]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub channel: Option<ConsentChannel>,
    #[serde(default)]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub parent_id: Option<String>,
    /// Default: planned.
    #[serde(default)]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub status: Option<CampaignStatus>,
    #[serde(default)]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub start_date: Option<NaiveDate>,
    #[serde(default)]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub end_date: Option<NaiveDate>,
    #[serde(default)]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub budgeted_cost: Option<Decimal>,
    #[serde(default)]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub actual_cost: Option<Decimal>,
    #[serde(default)]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub expected_revenue: Option<Decimal>,
    /// Default: the acting user.
    #[serde(default)]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub owner_id: Option<String>,
}

/// A change to a campaign; `None` leaves a value as it is.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[serde(deny_unknown_fields)]
pub struct CampaignPatch {
    #[serde(default)]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub name: Option<String>,
    #[serde(default)]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub status: Option<CampaignStatus>,
    #[serde(default)]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub start_date: Option<NaiveDate>,
    #[serde(default)]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub end_date: Option<NaiveDate>,
    #[serde(default)]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub budgeted_cost: Option<Decimal>,
    #[serde(default)]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub actual_cost: Option<Decimal>,
    #[serde(default)]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub expected_revenue: Option<Decimal>,
    /// Statuses of members: replaces the whole set (its rules are checked, and no status in use
    /// may go).
    #[serde(default)]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub member_statuses: Option<Vec<MemberStatus>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[serde(rename_all = "snake_case")]
pub enum MemberKind {
    Customer,
    Contact,
    Lead,
}

/// Who to add to a campaign: a customer, a contact or a lead, by id.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[serde(deny_unknown_fields)]
pub struct MemberRef {
    pub kind: MemberKind,
    pub id: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct CampaignMember {
    pub id: String,
    pub campaign_id: String,
    pub kind: MemberKind,
    /// The customer's, contact's or lead's id.
    pub member_id: String,
    /// The customer it belongs to (a contact's customer, a converted lead's customer).
    pub customer_id: Option<String>,
    pub status: String,
    pub added_at: DateTime<Utc>,
    /// Set once, when the member first reaches a responded status.
    pub first_responded_at: Option<DateTime<Utc>>,
    pub updated_at: DateTime<Utc>,
    pub version: u64,
}

/// Why a member was not added.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct MemberExclusion {
    pub kind: MemberKind,
    pub id: String,
    /// `opted_out` (of the campaign's channel) or `already_member`.
    pub reason: String,
}

/// What adding members did.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct MembersAdded {
    pub added: Vec<CampaignMember>,
    pub excluded: Vec<MemberExclusion>,
}

/// Saved criteria evaluated against the customers in the actor's scope at the time of use; every
/// criterion given must hold (an empty list is no condition).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[serde(deny_unknown_fields)]
pub struct AudienceCriteria {
    /// Add the customers' contacts rather than the customers.
    #[serde(default)]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub contacts: bool,
    #[serde(default)]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub levels: Vec<String>,
    /// Customers carrying any of these tags.
    #[serde(default)]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub tags_any: Vec<String>,
    /// Customers carrying all of these tags.
    #[serde(default)]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub tags_all: Vec<String>,
    #[serde(default)]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub owner_ids: Vec<String>,
    /// Customers owned by members of these teams.
    #[serde(default)]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub team_ids: Vec<String>,
    /// Unowned customers waiting in these pools.
    #[serde(default)]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub pool_ids: Vec<String>,
    #[serde(default)]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub regions: Vec<String>,
    /// Last follow-up before this instant (never followed up counts as before).
    #[serde(default)]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub last_follow_up_before: Option<DateTime<Utc>>,
    #[serde(default)]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub last_follow_up_after: Option<DateTime<Utc>>,
    /// Custom fields equal to these values (compared as text).
    #[serde(default)]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub custom_fields: BTreeMap<String, String>,
    /// Customers with a member (itself or a contact) in each of these campaigns.
    #[serde(default)]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub in_campaigns: Vec<String>,
    /// Customers with a member that responded to each of these campaigns.
    #[serde(default)]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub responded_to: Vec<String>,
    /// Customers with no member in any of these campaigns.
    #[serde(default)]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub not_in_campaigns: Vec<String>,
    /// Customers in one of these RFM segments (`Champions`, `At risk`...), scored with the
    /// default quintiles over the won deals in the actor's scope as of today (local date); a
    /// customer with no won deal has no segment.
    #[serde(default)]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub rfm_segments: Vec<String>,
    /// Customers whose RFM score (as above) is at least this.
    #[serde(default)]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub rfm_score_min: Option<Decimal>,
    /// Customers whose RFM score (as above) is at most this.
    #[serde(default)]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub rfm_score_max: Option<Decimal>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct Audience {
    pub id: String,
    pub name: String,
    pub criteria: AudienceCriteria,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    pub version: u64,
}

/// An audience evaluated now: how many it reaches and a first few of them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct AudiencePreview {
    pub count: u64,
    /// The first members in id order, at most the sample size asked for.
    pub sample: Vec<MemberRef>,
}

/// A campaign's results, rolled up over the campaigns under it (DOMAIN.md section 10), over the
/// members, leads and deals in the reader's scope; attributed amounts by one model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct CampaignReport {
    pub campaign_id: String,
    pub name: String,
    /// This campaign and every campaign under it: the figures are their sums.
    pub campaign_ids: Vec<String>,
    pub model: crate::campaign::AttributionModel,
    pub members: u64,
    /// Members that reached the default status or a later one (by order).
    pub sent: u64,
    /// Members with a first response.
    pub responded: u64,
    /// Responded / sent, four places (none when nothing was sent).
    pub response_rate: Option<Decimal>,
    /// Leads whose primary campaign source is one of these campaigns.
    pub leads: u64,
    pub converted_leads: u64,
    /// Opportunities whose primary campaign source is one of these campaigns.
    pub opportunities: u64,
    pub won: u64,
    pub won_amount: Decimal,
    /// The campaigns' shares of every won deal they touched, by the model.
    pub attributed_won_amount: Decimal,
    /// The same shares of the money collected on those deals' contracts, net of refunds (回款).
    pub attributed_collected_amount: Decimal,
    pub budgeted_cost: Decimal,
    pub actual_cost: Decimal,
    /// Actual cost / leads, two places.
    pub cost_per_lead: Option<Decimal>,
    /// Actual cost / won deals, two places.
    pub cost_per_won_deal: Option<Decimal>,
    /// (Attributed collected − actual cost) / actual cost, four places; none when cost is zero.
    pub roi: Option<Decimal>,
}
