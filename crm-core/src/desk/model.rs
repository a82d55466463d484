//! Ticket records: the ticket with its SLA history, comments, satisfaction ratings and the
//! knowledge-base articles linked to it.

use crate::customer::FieldValue;
use crate::sla::SlaHistoryEntry;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Where the requester reached the service team.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[serde(rename_all = "snake_case")]
pub enum TicketChannel {
    Phone,
    Email,
    WebForm,
    Chat,
    Wechat,
    Visit,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[serde(rename_all = "snake_case")]
pub enum TicketPriority {
    Low,
    Normal,
    High,
    Urgent,
}

impl TicketPriority {
    /// The name SLA policies key their targets by.
    pub fn as_str(self) -> &'static str {
        match self {
            TicketPriority::Low => "low",
            TicketPriority::Normal => "normal",
            TicketPriority::High => "high",
            TicketPriority::Urgent => "urgent",
        }
    }
}

/// What a status means for the clocks: every status has exactly one category.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[serde(rename_all = "snake_case")]
pub enum StatusCategory {
    /// Clocks run (`new`, `open`).
    Open,
    /// Clocks stand still (`pending`: waiting on the requester; `on_hold` by default).
    Paused,
    /// Solved: a requester reply within the grace period reopens it.
    Resolved,
    /// Final: nothing changes any more.
    Closed,
}

/// Who wrote a comment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum CommentAuthor {
    /// A user of the organisation.
    Agent { user_id: String },
    /// The ticket's requester (recorded by the user who took the message in).
    Requester,
}

/// A satisfaction rating: good or bad, or a 1–5 score where 4–5 is good, 3 neutral, 1–2 bad.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[serde(rename_all = "snake_case")]
pub enum CsatRating {
    Good,
    Neutral,
    Bad,
}

impl CsatRating {
    /// The rating a 1–5 score stands for.
    pub fn of_score(score: u8) -> Option<CsatRating> {
        match score {
            1 | 2 => Some(CsatRating::Bad),
            3 => Some(CsatRating::Neutral),
            4 | 5 => Some(CsatRating::Good),
            _ => None,
        }
    }
}

/// One rating of one solve cycle of a ticket.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct Csat {
    pub rating: CsatRating,
    /// The 1–5 score when the rating came as one.
    pub score: Option<u8>,
    /// One of the service desk's CSAT reasons.
    pub reason: Option<String>,
    pub comment: Option<String>,
    /// The solve cycle rated (0 for the first solve, one more per reopen).
    pub cycle: u32,
    pub rated_at: DateTime<Utc>,
}

/// A rating as the requester gives it: exactly one of `rating` (good or bad) and `score` (1–5).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[serde(deny_unknown_fields)]
pub struct NewCsat {
    #[serde(default)]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub rating: Option<CsatRating>,
    #[serde(default)]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub score: Option<u8>,
    #[serde(default)]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub reason: Option<String>,
    #[serde(default)]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub comment: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct Ticket {
    pub id: String,
    /// The requester's customer; its owner's scope (and the ticket's group and assignee) see it.
    pub customer_id: String,
    /// The requester among the customer's contacts, when known.
    pub contact_id: Option<String>,
    pub channel: TicketChannel,
    pub subject: String,
    pub description: String,
    pub priority: TicketPriority,
    /// Type or category (问题分类), free text.
    pub kind: Option<String>,
    /// Sorted; routing matches agents' skills against them.
    pub tags: Vec<String>,
    pub custom_fields: BTreeMap<String, FieldValue>,
    pub assignee_id: Option<String>,
    /// The team working it.
    pub group_id: Option<String>,
    pub status: String,
    /// The category of `status`, kept beside it so lists need no configuration to read it.
    pub category: StatusCategory,
    /// The SLA policy applied at creation (by name), if one matched.
    pub policy: Option<String>,
    /// What happened to the ticket, as the SLA clock reads it: its clocks are this history
    /// replayed (`crm_core::sla::ticket_status`).
    pub sla_history: Vec<SlaHistoryEntry>,
    /// The solve cycle: 0 until the first reopen, one more per reopen.
    pub cycle: u32,
    pub first_responded_at: Option<DateTime<Utc>>,
    pub solved_at: Option<DateTime<Utc>>,
    pub closed_at: Option<DateTime<Utc>>,
    /// One rating per solve cycle, oldest first.
    pub ratings: Vec<Csat>,
    /// Knowledge-base articles linked to it, sorted.
    pub article_ids: Vec<String>,
    /// The closed ticket a late requester reply followed up.
    pub follow_up_of: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: u64,
}

impl Ticket {
    /// The rating that counts: the latest cycle's.
    pub fn csat(&self) -> Option<&Csat> {
        self.ratings.last()
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[serde(deny_unknown_fields)]
pub struct NewTicket {
    pub customer_id: String,
    #[serde(default)]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub contact_id: Option<String>,
    /// Default: web form.
    #[serde(default)]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub channel: Option<TicketChannel>,
    pub subject: String,
    #[serde(default)]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub description: String,
    /// Default: normal.
    #[serde(default)]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub priority: Option<TicketPriority>,
    #[serde(default)]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub kind: Option<String>,
    #[serde(default)]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub tags: Vec<String>,
    #[serde(default)]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub custom_fields: BTreeMap<String, FieldValue>,
    /// Given: the ticket goes to this agent (and group); left out: the routes decide.
    #[serde(default)]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub assignee_id: Option<String>,
    #[serde(default)]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub group_id: Option<String>,
}

/// What `update_ticket` changes; parts left out stay.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[serde(deny_unknown_fields)]
pub struct TicketPatch {
    #[serde(default)]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub subject: Option<String>,
    #[serde(default)]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub description: Option<String>,
    /// A new priority moves the SLA targets as the policy's `on_priority_change` says.
    #[serde(default)]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub priority: Option<TicketPriority>,
    #[serde(default)]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub kind: Option<String>,
    #[serde(default)]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub tags: Option<Vec<String>>,
    /// A value sets the field; null removes it.
    #[serde(default)]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub custom_fields: BTreeMap<String, Option<FieldValue>>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct TicketComment {
    pub id: String,
    pub ticket_id: String,
    pub author: CommentAuthor,
    /// Public replies reach the requester; internal notes stay with the team.
    pub public: bool,
    pub body: String,
    pub at: DateTime<Utc>,
    pub version: u64,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[serde(deny_unknown_fields)]
pub struct NewTicketComment {
    pub body: String,
    /// A public reply (default) or an internal note; a requester's message is always public.
    #[serde(default)]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub internal: bool,
    /// The requester wrote it (taken in by the acting user): it reopens or follows up.
    #[serde(default)]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub from_requester: bool,
    /// A status to move to with the reply (an agent replying and setting `pending`).
    #[serde(default)]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub status: Option<String>,
}

/// What a comment did: the ticket after it, and the follow-up ticket a reply to a closed ticket
/// opened (the comment then belongs to the follow-up).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct TicketReply {
    pub comment: TicketComment,
    pub ticket: Ticket,
    pub follow_up: Option<Ticket>,
}

/// Which tickets `tickets` lists; every part given must hold.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[serde(deny_unknown_fields)]
pub struct TicketQuery {
    #[serde(default)]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub customer_id: Option<String>,
    #[serde(default)]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub assignee_id: Option<String>,
    #[serde(default)]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub group_id: Option<String>,
    #[serde(default)]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub category: Option<StatusCategory>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[serde(rename_all = "snake_case")]
pub enum ArticleState {
    Draft,
    InReview,
    Published,
    Archived,
}

impl ArticleState {
    /// The moves an article may make: drafts go to review, reviews are published or sent back,
    /// published articles are archived, archived ones may be drafted again.
    pub fn may_become(self, to: ArticleState) -> bool {
        use ArticleState::*;
        matches!(
            (self, to),
            (Draft, InReview)
                | (InReview, Draft)
                | (InReview, Published)
                | (Published, Archived)
                | (Archived, Draft)
        )
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct Article {
    pub id: String,
    pub title: String,
    pub body: String,
    pub category: Option<String>,
    pub state: ArticleState,
    pub author_id: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: u64,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[serde(deny_unknown_fields)]
pub struct NewArticle {
    pub title: String,
    #[serde(default)]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub body: String,
    #[serde(default)]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub category: Option<String>,
}

/// How much an article is used: tickets linking it, and how many of those were solved.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct ArticleUsage {
    pub article_id: String,
    pub title: String,
    pub state: ArticleState,
    pub tickets: u64,
    pub solved_tickets: u64,
}
