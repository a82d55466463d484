//! The organisation's operations: each runs one call of the service layer as the acting user.

use super::operations;
use crate::access::{NewUser, Team, User};
use crate::allocation::{Allocator, LeadAllocation, NewAllocator};
use crate::campaign::{
    AttributionSettings, Audience, AudienceCriteria, AudiencePreview, Campaign, CampaignMember,
    CampaignPatch, CampaignReport, DealAttribution, MemberRef, MembersAdded, NewCampaign,
};
use crate::commission::{CommissionPlan, CommissionStatement};
use crate::contract::{
    Contract, NewContract, NewPayment, OutstandingBy, OutstandingRow, OverdueInstalment,
};
use crate::customer::{
    Contact, Customer, CustomerPatch, DuplicateMatch, DuplicateProbe, FollowUp, NewContact,
    NewCustomer, NewFollowUp, OverdueFollowUp,
};
use crate::desk::{
    Article, ArticleState, ArticleUsage, NewArticle, NewCsat, NewTicket, NewTicketComment,
    ServiceDesk, ServiceDeskPatch, ServiceReport, Ticket, TicketBreach, TicketComment, TicketPatch,
    TicketQuery, TicketReply,
};
use crate::event::{Event, OwnershipChange};
use crate::import::quality::{QualityOptions, QualityReport};
use crate::import::{
    ImportColumn, ImportJob, ImportMapping, ImportOptions, ImportResult, RejectedRow, RevertReport,
    SavedMapping,
};
use crate::lead::{Lead, LeadCaptured, LeadConversion, NewLead};
use crate::opportunity::{NewOpportunity, Opportunity, OpportunityPatch};
use crate::performance::{Achievement, PeriodKind};
use crate::pipeline::{ForecastRow, Pipeline, Rotting, StageConversion, StageTime, Velocity};
use crate::pool::{NewPool, Pool, PoolRulesPatch, RecycleWarning, SweepReport};
use crate::service::{Crm, CustomerCreated};
use crate::settings::{OrgSettings, SettingsPatch};
use crate::sla::SlaClockStatus;
use crate::sync::{DeviceOp, PullResponse, PushResponse, Snapshot, SyncConflict};
use chrono::{DateTime, Utc};

#[cfg_attr(not(feature = "schema"), allow(dead_code))]
const NEEDS_ACTOR: bool = true;

operations! {
    context(crm: &Crm, actor: &str);

    /// Creates the first administrator of an empty organisation (no actor yet).
    [no_actor]
    fn bootstrap(admin_name: String, settings: Option<OrgSettings>) -> User {
        crm.bootstrap(&admin_name, settings)
    }
    /// The organisation's settings (readable by anyone).
    [no_actor]
    fn settings() -> OrgSettings {
        crm.settings()
    }
    /// Changes the parts of the settings the patch gives.
    fn update_settings(expected_version: u64, patch: SettingsPatch) -> OrgSettings {
        crm.update_settings(actor, expected_version, patch)
    }
    fn create_team(name: String) -> Team {
        crm.create_team(actor, &name)
    }
    fn teams() -> Vec<Team> {
        crm.teams(actor)
    }
    fn create_user(; ..input: NewUser) -> User {
        crm.create_user(actor, input)
    }
    fn user(id: String) -> User {
        crm.user(actor, &id)
    }
    fn users() -> Vec<User> {
        crm.users(actor)
    }
    /// A leaver can no longer act; hand their customers over first.
    fn deactivate_user(id: String, reason: String) -> User {
        crm.deactivate_user(actor, &id, &reason)
    }
    /// Without `owner_id` the actor owns the new customer, unless `pool_id` puts it into that
    /// pool unowned; the possible duplicates come back with it.
    fn create_customer(; ..input: NewCustomer) -> CustomerCreated {
        crm.create_customer(actor, input)
    }
    fn customer(id: String) -> Customer {
        crm.customer(actor, &id)
    }
    /// The customers in the actor's scope.
    fn customers() -> Vec<Customer> {
        crm.customers(actor)
    }
    fn update_customer(id: String, expected_version: u64, patch: CustomerPatch) -> Customer {
        crm.update_customer(actor, &id, expected_version, patch)
    }
    fn transfer_customer(
        id: String,
        expected_version: u64,
        to_user_id: String,
        reason: String
    ) -> Customer {
        crm.transfer_customer(actor, &id, expected_version, &to_user_id, &reason)
    }
    fn add_contact(customer_id: String, contact: NewContact) -> Contact {
        crm.add_contact(actor, &customer_id, contact)
    }
    fn contacts(customer_id: String) -> Vec<Contact> {
        crm.contacts(actor, &customer_id)
    }
    /// Records a follow-up (跟进记录); its `next_follow_up_at` becomes the customer's plan.
    fn record_follow_up(customer_id: String, follow_up: NewFollowUp) -> FollowUp {
        crm.record_follow_up(actor, &customer_id, follow_up)
    }
    fn follow_ups(customer_id: String) -> Vec<FollowUp> {
        crm.follow_ups(actor, &customer_id)
    }
    /// Planned follow-ups that are due, for one rep or everyone in scope.
    fn overdue_follow_ups(rep_id: Option<String>) -> Vec<OverdueFollowUp> {
        crm.overdue_follow_ups(actor, rep_id.as_deref())
    }
    /// Customers that would clash with these details (撞单), whoever owns them.
    fn find_duplicates(; ..probe: DuplicateProbe) -> Vec<DuplicateMatch> {
        crm.find_duplicates(actor, probe)
    }
    fn duplicates_of(customer_id: String) -> Vec<DuplicateMatch> {
        crm.duplicates_of(actor, &customer_id)
    }
    /// Merges `merged_id` into `survivor_id`, losing nothing; the merged record stays as a
    /// tombstone.
    fn merge_customers(survivor_id: String, merged_id: String) -> Customer {
        crm.merge_customers(actor, &survivor_id, &merged_id)
    }
    /// Hands every customer of a leaving rep to another (离职交接); the ids handed over.
    fn handover(from_user_id: String, to_user_id: String, reason: String) -> Vec<String> {
        crm.handover(actor, &from_user_id, &to_user_id, &reason)
    }
    fn ownership_history(customer_id: String) -> Vec<OwnershipChange> {
        crm.ownership_history(actor, &customer_id)
    }
    fn customer_events(customer_id: String) -> Vec<Event> {
        crm.customer_events(actor, &customer_id)
    }
    /// Events after sequence number `after`, at most `limit` of them (all when left out).
    fn events(after: u64, limit: Option<u64>) -> Vec<Event> {
        let limit = limit.map_or(usize::MAX, |l| usize::try_from(l).unwrap_or(usize::MAX));
        crm.events(actor, after, limit)
    }
    fn create_pool(; ..input: NewPool) -> Pool {
        crm.create_pool(actor, input)
    }
    /// The pools the actor belongs to or manages.
    fn pools() -> Vec<Pool> {
        crm.pools(actor)
    }
    /// Changes the rules the patch gives; the others stay.
    fn update_pool_rules(pool_id: String, expected_version: u64, patch: PoolRulesPatch) -> Pool {
        crm.update_pool_rules(actor, &pool_id, expected_version, patch)
    }
    /// Deletes an empty pool.
    fn delete_pool(pool_id: String) -> () {
        crm.delete_pool(actor, &pool_id)
    }
    fn pool_customers(pool_id: String) -> Vec<Customer> {
        crm.pool_customers(actor, &pool_id)
    }
    /// Claims an unowned customer from a pool (领取), if every claim limit allows it.
    fn claim_customer(customer_id: String) -> Customer {
        crm.claim_customer(actor, &customer_id)
    }
    /// Claims all of them or none.
    fn claim_customers(customer_ids: Vec<String>) -> Vec<Customer> {
        crm.claim_customers(actor, &customer_ids)
    }
    fn release_customer(customer_id: String, reason: String) -> Customer {
        crm.release_customer(actor, &customer_id, &reason)
    }
    fn move_to_pool(customer_id: String, pool_id: String, reason: String) -> Customer {
        crm.move_to_pool(actor, &customer_id, &pool_id, &reason)
    }
    /// Protects an owned customer from recycling for `days` (open-ended when left out).
    fn lock_customer(customer_id: String, days: Option<u32>) -> Customer {
        crm.lock_customer(actor, &customer_id, days)
    }
    fn unlock_customer(customer_id: String) -> Customer {
        crm.unlock_customer(actor, &customer_id)
    }
    /// Recycles every customer whose rule has run out now.
    fn sweep_pools() -> SweepReport {
        crm.sweep_pools(actor)
    }
    /// Customers a rule will recycle within their pool's warning days.
    fn recycle_warnings(owner_id: Option<String>) -> Vec<RecycleWarning> {
        crm.recycle_warnings(actor, owner_id.as_deref())
    }
    fn create_allocator(; ..input: NewAllocator) -> Allocator {
        crm.create_allocator(actor, input)
    }
    fn allocators() -> Vec<Allocator> {
        crm.allocators(actor)
    }
    fn capture_lead(; ..input: NewLead) -> LeadCaptured {
        crm.capture_lead(actor, input)
    }
    fn lead(id: String) -> Lead {
        crm.lead(actor, &id)
    }
    fn leads() -> Vec<Lead> {
        crm.leads(actor)
    }
    /// Places leads with reps by the allocator's strategy (or parks them in a pool).
    fn allocate_leads(
        allocator_id: String,
        lead_ids: Vec<String>,
        reassign_owned: Option<bool>
    ) -> Vec<LeadAllocation> {
        crm.allocate_leads(actor, &allocator_id, &lead_ids, reassign_owned.unwrap_or(false))
    }
    /// Turns an open lead into a customer, and optionally an opportunity, in one step.
    fn convert_lead(lead_id: String, opportunity: Option<NewOpportunity>) -> LeadConversion {
        crm.convert_lead(actor, &lead_id, opportunity)
    }
    fn create_opportunity(customer_id: String, opportunity: NewOpportunity) -> Opportunity {
        crm.create_opportunity(actor, &customer_id, opportunity)
    }
    /// Moves an open opportunity to its pipeline's first won or lost stage.
    fn close_opportunity(
        opportunity_id: String,
        won: bool,
        lost_reason: Option<String>
    ) -> Opportunity {
        crm.close_opportunity(actor, &opportunity_id, won, lost_reason)
    }
    fn opportunities(customer_id: String) -> Vec<Opportunity> {
        crm.opportunities(actor, &customer_id)
    }
    /// Stores a pipeline definition (`version`: the one read, 0 for a new one).
    fn save_pipeline(pipeline: Pipeline) -> Pipeline {
        crm.save_pipeline(actor, pipeline)
    }
    fn pipelines() -> Vec<Pipeline> {
        crm.pipelines(actor)
    }
    fn opportunity(id: String) -> Opportunity {
        crm.opportunity(actor, &id)
    }
    /// The opportunities of every customer in scope.
    fn all_opportunities() -> Vec<Opportunity> {
        crm.all_opportunities(actor)
    }
    fn move_opportunity(
        opportunity_id: String,
        expected_version: u64,
        stage: String,
        lost_reason: Option<String>
    ) -> Opportunity {
        crm.move_opportunity(actor, &opportunity_id, expected_version, &stage, lost_reason)
    }
    fn update_opportunity(
        opportunity_id: String,
        expected_version: u64,
        patch: OpportunityPatch
    ) -> Opportunity {
        crm.update_opportunity(actor, &opportunity_id, expected_version, patch)
    }
    fn record_opportunity_activity(opportunity_id: String, note: String) -> Opportunity {
        crm.record_opportunity_activity(actor, &opportunity_id, &note)
    }
    /// The weighted forecast per period as the opportunities stood at `as_of` (now when left
    /// out).
    fn forecast(period_kind: PeriodKind, as_of: Option<DateTime<Utc>>) -> Vec<ForecastRow> {
        crm.forecast(actor, period_kind, as_of)
    }
    fn stage_conversion(pipeline_id: String) -> Vec<StageConversion> {
        crm.stage_conversion(actor, &pipeline_id)
    }
    fn time_in_stage(pipeline_id: String) -> Vec<StageTime> {
        crm.time_in_stage(actor, &pipeline_id)
    }
    /// Deals closed between `start` and `end`, and how fast they moved.
    fn sales_velocity(start: DateTime<Utc>, end: DateTime<Utc>) -> Velocity {
        crm.sales_velocity(actor, start, end)
    }
    /// Open opportunities idle longer than their stage allows.
    fn rotting_opportunities() -> Vec<Rotting> {
        crm.rotting_opportunities(actor)
    }
    fn create_contract(opportunity_id: String, contract: NewContract) -> Contract {
        crm.create_contract(actor, &opportunity_id, contract)
    }
    fn contract(id: String) -> Contract {
        crm.contract(actor, &id)
    }
    fn contracts() -> Vec<Contract> {
        crm.contracts(actor)
    }
    /// Records money received (回款), matched to the instalment named, then the oldest due.
    fn record_payment(contract_id: String, expected_version: u64, payment: NewPayment) -> Contract {
        crm.record_payment(actor, &contract_id, expected_version, payment)
    }
    /// Records money returned, taken back from the latest paid instalments.
    fn record_refund(contract_id: String, expected_version: u64, refund: NewPayment) -> Contract {
        crm.record_refund(actor, &contract_id, expected_version, refund)
    }
    fn cancel_contract(contract_id: String, reason: String) -> Contract {
        crm.cancel_contract(actor, &contract_id, &reason)
    }
    fn overdue_instalments() -> Vec<OverdueInstalment> {
        crm.overdue_instalments(actor)
    }
    fn outstanding_balances(by: OutstandingBy) -> Vec<OutstandingRow> {
        crm.outstanding_balances(actor, by)
    }
    /// Commission statements for `period` over the actor's won deals and payments; the plan as
    /// a record or as TOML text (`plan_toml`).
    fn commission_statements(
        period: String,
        plan: Option<CommissionPlan>,
        plan_toml: Option<String>
    ) -> Vec<CommissionStatement> {
        let plan = super::pure::plan_of(plan, plan_toml.as_deref())?;
        crm.commission_statements(actor, &plan, &period)
    }
    /// A campaign, starting with the member statuses `sent` (default) and `responded`.
    /// Managers and admins.
    fn create_campaign(; ..input: NewCampaign) -> Campaign {
        crm.create_campaign(actor, input)
    }
    fn campaign(id: String) -> Campaign {
        crm.campaign(actor, &id)
    }
    fn campaigns() -> Vec<Campaign> {
        crm.campaigns(actor)
    }
    /// Changes what the patch gives; a new member status set keeps every status in use.
    fn update_campaign(id: String, expected_version: u64, patch: CampaignPatch) -> Campaign {
        crm.update_campaign(actor, &id, expected_version, patch)
    }
    /// Adds customers, contacts or leads; opted-out and present ones are reported, not added.
    fn add_campaign_members(campaign_id: String, members: Vec<MemberRef>) -> MembersAdded {
        crm.add_campaign_members(actor, &campaign_id, &members)
    }
    fn campaign_members(campaign_id: String) -> Vec<CampaignMember> {
        crm.campaign_members(actor, &campaign_id)
    }
    /// Moves a member to another status; the first responded status sets `first_responded_at`.
    fn set_member_status(member_id: String, expected_version: u64, status: String) -> CampaignMember {
        crm.set_member_status(actor, &member_id, expected_version, &status)
    }
    /// Saves audience criteria under a name, evaluated whenever used.
    fn save_audience(name: String, criteria: AudienceCriteria) -> Audience {
        crm.save_audience(actor, &name, criteria)
    }
    fn audiences() -> Vec<Audience> {
        crm.audiences(actor)
    }
    /// How many the criteria reach now, with a sample (10 when left out).
    fn preview_audience(criteria: AudienceCriteria, sample: Option<u32>) -> AudiencePreview {
        crm.preview_audience(actor, criteria, sample)
    }
    /// Adds everyone a saved audience reaches now.
    fn add_audience_members(campaign_id: String, audience_id: String) -> MembersAdded {
        crm.add_audience_members(actor, &campaign_id, &audience_id)
    }
    /// Every campaign's results (or one's), rolled up over its children, attributed by a model
    /// (U-shaped when left out).
    fn campaign_report(
        campaign_id: Option<String>,
        attribution: Option<AttributionSettings>
    ) -> Vec<CampaignReport> {
        crm.campaign_report(actor, campaign_id.as_deref(), attribution)
    }
    /// How a won deal is shared among the campaigns that touched its customer.
    fn deal_attribution(
        opportunity_id: String,
        attribution: Option<AttributionSettings>
    ) -> DealAttribution {
        crm.deal_attribution(actor, &opportunity_id, attribution)
    }
    /// The service desk's configuration: statuses, grace period, SLA policies, routes, agents.
    fn service_desk() -> ServiceDesk {
        crm.service_desk(actor)
    }
    /// Changes the parts of the desk's configuration the patch gives (admins).
    fn update_service_desk(expected_version: u64, patch: ServiceDeskPatch) -> ServiceDesk {
        crm.update_service_desk(actor, expected_version, patch)
    }
    /// Opens a ticket, routed by the desk's routes unless an assignee is given and timed by the
    /// first SLA policy that matches.
    fn create_ticket(; ..input: NewTicket) -> Ticket {
        crm.create_ticket(actor, input)
    }
    /// Opens many tickets in one transaction: every one or none.
    fn create_tickets(tickets: Vec<NewTicket>) -> Vec<Ticket> {
        crm.create_tickets(actor, tickets)
    }
    fn ticket(id: String) -> Ticket {
        crm.ticket(actor, &id)
    }
    /// The tickets in the actor's scope that the query selects.
    fn tickets(; ..query: TicketQuery) -> Vec<Ticket> {
        crm.tickets(actor, query)
    }
    /// Changes what the patch gives; a new priority moves the SLA targets as the policy says.
    fn update_ticket(id: String, expected_version: u64, patch: TicketPatch) -> Ticket {
        crm.update_ticket(actor, &id, expected_version, patch)
    }
    /// Moves a ticket to another status; solving fulfils its clocks, leaving solved reopens it.
    fn set_ticket_status(id: String, expected_version: u64, status: String) -> Ticket {
        crm.set_ticket_status(actor, &id, expected_version, status)
    }
    /// Gives a ticket to another agent or group, with the reason recorded.
    fn assign_ticket(
        id: String,
        expected_version: u64,
        assignee_id: Option<String>,
        group_id: Option<String>,
        reason: String
    ) -> Ticket {
        crm.assign_ticket(actor, &id, expected_version, assignee_id, group_id, reason)
    }
    /// A public reply or internal note; a requester's message reopens, or opens a follow-up.
    fn add_ticket_comment(ticket_id: String, comment: NewTicketComment) -> TicketReply {
        crm.add_ticket_comment(actor, &ticket_id, comment)
    }
    fn ticket_comments(ticket_id: String) -> Vec<TicketComment> {
        crm.ticket_comments(actor, &ticket_id)
    }
    /// The requester's satisfaction with a solved ticket: one rating per solve.
    fn rate_ticket(id: String, rating: NewCsat) -> Ticket {
        crm.rate_ticket(actor, &id, rating)
    }
    fn link_article(ticket_id: String, article_id: String) -> Ticket {
        crm.link_article(actor, &ticket_id, &article_id)
    }
    /// Every SLA clock of a ticket at `at` (now when left out), from the ticket's own history.
    fn ticket_sla(id: String, at: Option<DateTime<Utc>>) -> Vec<SlaClockStatus> {
        crm.ticket_sla(actor, &id, at)
    }
    /// Tickets breached or due within `within_minutes` (60) of `at` (now): breached first, then
    /// the soonest due; for one agent, one group or the actor's whole scope.
    fn ticket_breaches(
        at: Option<DateTime<Utc>>,
        within_minutes: Option<i64>,
        assignee_id: Option<String>,
        group_id: Option<String>
    ) -> Vec<TicketBreach> {
        crm.ticket_breaches(actor, at, within_minutes, assignee_id, group_id)
    }
    /// Closes the solved tickets whose grace period is over; their ids.
    fn close_solved_tickets() -> Vec<String> {
        crm.close_solved_tickets(actor)
    }
    /// A draft article of the knowledge base.
    fn create_article(; ..input: NewArticle) -> Article {
        crm.create_article(actor, input)
    }
    fn article(id: String) -> Article {
        crm.article(actor, &id)
    }
    fn articles() -> Vec<Article> {
        crm.articles(actor)
    }
    /// Draft → in review → published → archived; publishing and archiving need a manager.
    fn set_article_state(id: String, expected_version: u64, state: ArticleState) -> Article {
        crm.set_article_state(actor, &id, expected_version, state)
    }
    /// Each article with the tickets linking it and how many of them were solved.
    fn article_usage() -> Vec<ArticleUsage> {
        crm.article_usage(actor)
    }
    /// Service performance for a period per agent, per group and in total.
    fn service_report(period: String, group_id: Option<String>) -> ServiceReport {
        crm.service_report(actor, &period, group_id)
    }
    /// Tickets solved in a period as achievements, for `evaluate` and `leaderboard`.
    fn service_achievements(period: String) -> Vec<Achievement> {
        crm.service_achievements(actor, &period)
    }
    /// Imports rows given as columns (one list of cells per header): every row's outcome, and
    /// the stored job (none for a dry run).
    fn import_columns(options: ImportOptions, columns: Vec<ImportColumn>) -> ImportResult {
        crm.import_columns(actor, options, columns)
    }
    /// Imports a CSV file's text (UTF-8; a byte-order mark is skipped).
    fn import_csv(options: ImportOptions, csv: String) -> ImportResult {
        crm.import_csv(actor, options, &csv)
    }
    /// Carries on a running import after its last committed batch, given the same CSV again.
    fn resume_import_csv(job_id: String, csv: String) -> ImportResult {
        crm.resume_import_csv(actor, &job_id, &csv)
    }
    fn import_job(id: String) -> ImportJob {
        crm.import_job(actor, &id)
    }
    /// The actor's imports (every import, for an administrator), newest first.
    fn import_jobs() -> Vec<ImportJob> {
        crm.import_jobs(actor)
    }
    /// The rows an import refused, with their cells and errors.
    fn import_rejects(job_id: String) -> Vec<RejectedRow> {
        crm.import_rejects(actor, &job_id)
    }
    /// The refused rows as a CSV to fix and import again: the file's columns plus `error`.
    fn import_rejects_csv(job_id: String) -> String {
        crm.import_rejects_csv(actor, &job_id)
    }
    /// Deletes what an import created and restores what it updated, unless changed since.
    fn revert_import(job_id: String) -> RevertReport {
        crm.revert_import(actor, &job_id)
    }
    /// Keeps a column mapping under a name, for `ImportOptions::mapping_id`.
    fn save_import_mapping(name: String, mapping: ImportMapping) -> SavedMapping {
        crm.save_import_mapping(actor, &name, mapping)
    }
    fn import_mappings() -> Vec<SavedMapping> {
        crm.import_mappings(actor)
    }
    /// Completeness and validity per field, owner and team; duplicate clusters; stale customers;
    /// one person's conflicting phones and emails.
    fn quality_report(; ..options: QualityOptions) -> QualityReport {
        crm.quality_report(actor, options)
    }
    /// Applies a device's queued operations, each exactly once (a repeated `op_id` gets its
    /// first answer), as the calling user; refusals come back as outcomes.
    fn sync_push(device_id: String, ops: Vec<DeviceOp>) -> PushResponse {
        crm.sync_push(actor, &device_id, ops)
    }
    /// A page of the events after `cursor` that the caller's scope may see, with the records
    /// they touched and the customers that left the scope.
    fn sync_pull(cursor: u64, limit: Option<u32>) -> PullResponse {
        crm.sync_pull(actor, cursor, limit)
    }
    /// The caller's whole scope and the cursor to pull from: a new device's first sync.
    fn sync_snapshot() -> Snapshot {
        crm.sync_snapshot(actor)
    }
    /// Open conflicts (values a synced edit overwrote) on customers in scope.
    fn sync_conflicts() -> Vec<SyncConflict> {
        crm.sync_conflicts(actor)
    }
    /// Puts a conflict's lost value back and marks it restored.
    fn restore_conflict(id: String, expected_version: u64) -> SyncConflict {
        crm.restore_conflict(actor, &id, expected_version)
    }
}
