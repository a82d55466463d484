//! Marketing campaigns (市场营销, DOMAIN.md section 10): campaigns, their member statuses and
//! members, audiences, and the attribution of won deals and collected cash to them.

pub mod attribution;
mod model;

pub use crate::customer::ConsentChannel;
pub use attribution::{
    AttributedDeal, AttributionLine, AttributionModel, AttributionSettings, DealAttribution, Touch,
};
pub use model::{
    Audience, AudienceCriteria, AudiencePreview, Campaign, CampaignKind, CampaignMember,
    CampaignPatch, CampaignReport, CampaignStatus, MemberExclusion, MemberKind, MemberRef,
    MemberStatus, MembersAdded, NewCampaign,
};

/// Opt-out channels as stored: sorted, each once.
pub fn channels(mut list: Vec<ConsentChannel>) -> Vec<ConsentChannel> {
    list.sort();
    list.dedup();
    list
}
