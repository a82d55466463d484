//! Marketing campaigns (市场营销): campaigns with member statuses, members and responses,
//! audiences, the campaign report and the attribution of won deals and collected cash.

use crate::{AsyncCrm, AsyncRemoteCrm, Crm, RemoteCrm, Replica, Result};
use crm_core::campaign::{
    AttributionSettings, Audience, AudienceCriteria, AudiencePreview, Campaign, CampaignMember,
    CampaignPatch, CampaignReport, DealAttribution, MemberRef, MembersAdded, NewCampaign,
};

operations! {
    /// A campaign, starting with the member statuses `sent` (default) and `responded`.
    /// Managers and admins.
    pub fn create_campaign(&self, actor: String, input: NewCampaign) -> Result<Campaign> {
        self.inner.create_campaign(&actor, input)
    }

    pub fn campaign(&self, actor: String, id: String) -> Result<Campaign> {
        self.inner.campaign(&actor, &id)
    }

    pub fn campaigns(&self, actor: String) -> Result<Vec<Campaign>> {
        self.inner.campaigns(&actor)
    }

    /// Changes what the patch gives; a new member status set keeps every status in use.
    pub fn update_campaign(
        &self,
        actor: String,
        id: String,
        expected_version: u64,
        patch: CampaignPatch,
    ) -> Result<Campaign> {
        self.inner.update_campaign(&actor, &id, expected_version, patch)
    }

    /// Adds customers, contacts or leads; opted-out and present ones are reported, not added.
    pub fn add_campaign_members(
        &self,
        actor: String,
        campaign_id: String,
        members: Vec<MemberRef>,
    ) -> Result<MembersAdded> {
        self.inner.add_campaign_members(&actor, &campaign_id, &members)
    }

    pub fn campaign_members(
        &self,
        actor: String,
        campaign_id: String,
    ) -> Result<Vec<CampaignMember>> {
        self.inner.campaign_members(&actor, &campaign_id)
    }

    /// Moves a member to another status; the first responded status sets `first_responded_at`.
    pub fn set_member_status(
        &self,
        actor: String,
        member_id: String,
        expected_version: u64,
        status: String,
    ) -> Result<CampaignMember> {
        self.inner
            .set_member_status(&actor, &member_id, expected_version, &status)
    }

    /// Saves audience criteria under a name, evaluated whenever used.
    pub fn save_audience(
        &self,
        actor: String,
        name: String,
        criteria: AudienceCriteria,
    ) -> Result<Audience> {
        self.inner.save_audience(&actor, &name, criteria)
    }

    pub fn audiences(&self, actor: String) -> Result<Vec<Audience>> {
        self.inner.audiences(&actor)
    }

    /// How many the criteria reach now, with a sample (10 when left out).
    #[uniffi::method(default(sample = None))]
    pub fn preview_audience(
        &self,
        actor: String,
        criteria: AudienceCriteria,
        sample: Option<u32>,
    ) -> Result<AudiencePreview> {
        self.inner.preview_audience(&actor, criteria, sample)
    }

    /// Adds everyone a saved audience reaches now.
    pub fn add_audience_members(
        &self,
        actor: String,
        campaign_id: String,
        audience_id: String,
    ) -> Result<MembersAdded> {
        self.inner
            .add_audience_members(&actor, &campaign_id, &audience_id)
    }

    /// Every campaign's results (or one's), rolled up over its children, attributed by a model
    /// (U-shaped when left out).
    #[uniffi::method(default(campaign_id = None, attribution = None))]
    pub fn campaign_report(
        &self,
        actor: String,
        campaign_id: Option<String>,
        attribution: Option<AttributionSettings>,
    ) -> Result<Vec<CampaignReport>> {
        self.inner
            .campaign_report(&actor, campaign_id.as_deref(), attribution)
    }

    /// How a won deal is shared among the campaigns that touched its customer.
    #[uniffi::method(default(attribution = None))]
    pub fn deal_attribution(
        &self,
        actor: String,
        opportunity_id: String,
        attribution: Option<AttributionSettings>,
    ) -> Result<DealAttribution> {
        self.inner
            .deal_attribution(&actor, &opportunity_id, attribution)
    }
}
