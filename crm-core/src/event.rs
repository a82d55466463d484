//! Domain events: every state change leaves one, with its reason, so "why did this happen?" always
//! has an answer. The event log is also the ownership history.

use crate::access::UserId;
use crate::contract::PaymentKind;
use crate::customer::CustomerId;
use crate::pipeline::StageMove;
use crate::pool::RecycleKind;
use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// Why a customer's owner changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[serde(rename_all = "snake_case")]
pub enum OwnershipReason {
    /// First owner, at creation.
    Created,
    /// Taken from a pool by the rep (领取).
    Claimed,
    /// Given by allocation or a manager (分配).
    Assigned,
    /// Moved from one rep to another (转移).
    Transferred,
    /// Returned to a pool by a recycling rule (回收).
    Recycled,
    /// Given back to a pool by the owner (释放).
    Released,
    /// Folded into another customer.
    Merged,
    /// Handed over because the owner left (离职交接).
    Handover,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum EventKind {
    UserCreated {
        user_id: UserId,
    },
    UserDeactivated {
        user_id: UserId,
    },
    TeamCreated {
        team_id: String,
    },
    SettingsChanged,
    CustomerCreated {
        customer_id: CustomerId,
    },
    CustomerUpdated {
        customer_id: CustomerId,
        fields: Vec<String>,
    },
    OwnerChanged {
        customer_id: CustomerId,
        #[serde(alias = "from")]
        from_owner_id: Option<UserId>,
        #[serde(alias = "to")]
        to_owner_id: Option<UserId>,
        cause: OwnershipReason,
    },
    ContactAdded {
        customer_id: CustomerId,
        contact_id: String,
    },
    FollowUpRecorded {
        customer_id: CustomerId,
        follow_up_id: String,
    },
    CustomersMerged {
        survivor_id: CustomerId,
        merged_id: CustomerId,
    },
    PoolCreated {
        pool_id: String,
    },
    PoolUpdated {
        pool_id: String,
    },
    PoolDeleted {
        pool_id: String,
    },
    /// A customer's pool changed (moved between pools, or put into one).
    CustomerPoolChanged {
        customer_id: CustomerId,
        #[serde(alias = "from")]
        from_pool_id: Option<String>,
        #[serde(alias = "to")]
        to_pool_id: String,
    },
    /// A recycling rule returned the customer to its pool; the figures say why.
    CustomerRecycled {
        customer_id: CustomerId,
        pool_id: String,
        rule: RecycleKind,
        days: u32,
        clock_start: DateTime<Utc>,
        due_at: DateTime<Utc>,
    },
    CustomerLocked {
        customer_id: CustomerId,
        until: Option<DateTime<Utc>>,
    },
    CustomerUnlocked {
        customer_id: CustomerId,
    },
    AllocatorCreated {
        allocator_id: String,
    },
    LeadCaptured {
        lead_id: String,
    },
    /// Allocation placed a lead with a rep or in a pool.
    LeadAllocated {
        lead_id: String,
        #[serde(alias = "from")]
        from_owner_id: Option<UserId>,
        #[serde(alias = "to")]
        to_owner_id: Option<UserId>,
        pool_id: Option<String>,
    },
    LeadConverted {
        lead_id: String,
        customer_id: CustomerId,
        opportunity_id: Option<String>,
    },
    OpportunityCreated {
        opportunity_id: String,
        customer_id: CustomerId,
    },
    /// A stage transition (won and lost included); the reason holds a loss's reason.
    OpportunityMoved {
        opportunity_id: String,
        customer_id: CustomerId,
        #[serde(alias = "from")]
        from_stage: String,
        #[serde(alias = "to")]
        to_stage: String,
        transition: StageMove,
    },
    OpportunityUpdated {
        opportunity_id: String,
        customer_id: CustomerId,
        fields: Vec<String>,
    },
    /// A note or completed task on the opportunity: resets its rotting clock.
    OpportunityActivity {
        opportunity_id: String,
        customer_id: CustomerId,
    },
    PipelineSaved {
        pipeline_id: String,
    },
    ContractCreated {
        contract_id: String,
        customer_id: CustomerId,
        opportunity_id: String,
    },
    /// Money received (or refunded) on a contract.
    PaymentRecorded {
        contract_id: String,
        customer_id: CustomerId,
        payment_id: String,
        kind: PaymentKind,
        amount: Decimal,
    },
    ContractCancelled {
        contract_id: String,
        customer_id: CustomerId,
    },
    CampaignCreated {
        campaign_id: String,
    },
    CampaignUpdated {
        campaign_id: String,
        fields: Vec<String>,
    },
    CampaignMembersAdded {
        campaign_id: String,
        count: u64,
    },
    CampaignMemberStatusChanged {
        campaign_id: String,
        member_id: String,
        from_status: String,
        to_status: String,
    },
    AudienceSaved {
        audience_id: String,
    },
    TicketCreated {
        ticket_id: String,
        customer_id: CustomerId,
        /// The closed ticket it follows up, for a late requester reply.
        follow_up_of: Option<String>,
    },
    TicketUpdated {
        ticket_id: String,
        customer_id: CustomerId,
        fields: Vec<String>,
    },
    TicketStatusChanged {
        ticket_id: String,
        customer_id: CustomerId,
        from_status: String,
        to_status: String,
    },
    /// Assigned by a route or reassigned by hand; the event's reason says why.
    TicketAssigned {
        ticket_id: String,
        customer_id: CustomerId,
        assignee_id: Option<UserId>,
        group_id: Option<String>,
    },
    TicketCommented {
        ticket_id: String,
        customer_id: CustomerId,
        comment_id: String,
        public: bool,
        from_requester: bool,
    },
    TicketRated {
        ticket_id: String,
        customer_id: CustomerId,
        rating: crate::desk::CsatRating,
    },
    TicketArticleLinked {
        ticket_id: String,
        customer_id: CustomerId,
        article_id: String,
    },
    ArticleSaved {
        article_id: String,
        state: crate::desk::ArticleState,
    },
    ServiceDeskChanged,
    /// A customer an import created, deleted by the import's revert.
    CustomerDeleted {
        customer_id: CustomerId,
        import_id: String,
    },
    ContactUpdated {
        customer_id: CustomerId,
        contact_id: String,
        fields: Vec<String>,
    },
    /// A contact an import created, deleted by the import's revert.
    ContactDeleted {
        customer_id: CustomerId,
        contact_id: String,
        import_id: String,
    },
    LeadUpdated {
        lead_id: String,
        fields: Vec<String>,
    },
    /// A lead an import created, deleted by the import's revert.
    LeadDeleted {
        lead_id: String,
        import_id: String,
    },
    ImportFinished {
        import_id: String,
        counts: crate::import::ImportCounts,
    },
    ImportReverted {
        import_id: String,
    },
}

impl EventKind {
    /// The customers this event concerns, for per-customer history.
    pub fn customer_ids(&self) -> Vec<&CustomerId> {
        match self {
            EventKind::CustomerCreated { customer_id }
            | EventKind::CustomerUpdated { customer_id, .. }
            | EventKind::OwnerChanged { customer_id, .. }
            | EventKind::ContactAdded { customer_id, .. }
            | EventKind::FollowUpRecorded { customer_id, .. }
            | EventKind::CustomerPoolChanged { customer_id, .. }
            | EventKind::CustomerRecycled { customer_id, .. }
            | EventKind::CustomerLocked { customer_id, .. }
            | EventKind::CustomerUnlocked { customer_id }
            | EventKind::LeadConverted { customer_id, .. }
            | EventKind::OpportunityCreated { customer_id, .. }
            | EventKind::OpportunityMoved { customer_id, .. }
            | EventKind::OpportunityUpdated { customer_id, .. }
            | EventKind::OpportunityActivity { customer_id, .. }
            | EventKind::ContractCreated { customer_id, .. }
            | EventKind::PaymentRecorded { customer_id, .. }
            | EventKind::ContractCancelled { customer_id, .. }
            | EventKind::TicketCreated { customer_id, .. }
            | EventKind::TicketUpdated { customer_id, .. }
            | EventKind::TicketStatusChanged { customer_id, .. }
            | EventKind::TicketAssigned { customer_id, .. }
            | EventKind::TicketCommented { customer_id, .. }
            | EventKind::TicketRated { customer_id, .. }
            | EventKind::TicketArticleLinked { customer_id, .. }
            | EventKind::CustomerDeleted { customer_id, .. }
            | EventKind::ContactUpdated { customer_id, .. }
            | EventKind::ContactDeleted { customer_id, .. } => vec![customer_id],
            EventKind::CustomersMerged {
                survivor_id,
                merged_id,
            } => vec![survivor_id, merged_id],
            _ => Vec::new(),
        }
    }
}

/// An event not yet in the log; the store gives it its sequence number.
#[derive(Debug, Clone, PartialEq)]
pub struct NewEvent {
    pub at: DateTime<Utc>,
    pub actor_id: Option<UserId>,
    pub kind: EventKind,
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct Event {
    /// Position in the log, from 1, gap-free.
    pub seq: u64,
    pub at: DateTime<Utc>,
    pub actor_id: Option<UserId>,
    pub kind: EventKind,
    pub reason: String,
}

/// One entry of a customer's ownership history, read from `OwnerChanged` events.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct OwnershipChange {
    pub seq: u64,
    pub customer_id: CustomerId,
    pub from_owner_id: Option<UserId>,
    pub to_owner_id: Option<UserId>,
    pub cause: OwnershipReason,
    pub actor_id: Option<UserId>,
    pub at: DateTime<Utc>,
    pub reason: String,
}

impl OwnershipChange {
    pub fn from_event(event: &Event) -> Option<Self> {
        match &event.kind {
            EventKind::OwnerChanged {
                customer_id,
                from_owner_id,
                to_owner_id,
                cause,
            } => Some(OwnershipChange {
                seq: event.seq,
                customer_id: customer_id.clone(),
                from_owner_id: from_owner_id.clone(),
                to_owner_id: to_owner_id.clone(),
                cause: *cause,
                actor_id: event.actor_id.clone(),
                at: event.at,
                reason: event.reason.clone(),
            }),
            _ => None,
        }
    }
}
