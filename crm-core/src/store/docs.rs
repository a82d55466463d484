//! Documents: small aggregates (pools, allocators, leads, opportunities, counters) that the rules
//! load and save whole. One generic table per backend keeps each new aggregate from costing a
//! schema change; what a rule must query by is either the `parent` key or a trait method.

use crate::error::{CrmError, EntityKind, Result};
use chrono::{DateTime, NaiveDate, Utc};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::Value;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DocKind {
    Pool,
    Allocator,
    /// Listed by owner.
    Lead,
    /// Listed by customer.
    Opportunity,
    /// A named count (daily claims per rep), versioned so racing increments conflict.
    Counter,
    Pipeline,
    /// Listed by customer.
    Contract,
    /// An API token (its secret's hash, never the secret), listed by user.
    ApiToken,
    /// Listed by parent campaign.
    Campaign,
    /// Listed by campaign.
    CampaignMember,
    Audience,
    /// Listed by customer; found by `due_at` (its earliest running SLA clock's due time).
    Ticket,
    /// Listed by ticket.
    TicketComment,
    Article,
    /// The service desk's configuration and routing state.
    ServiceDesk,
    /// An import job: its mapping, counts and progress.
    ImportJob,
    /// One committed batch of an import (what it changed, the rows it refused), listed by job.
    ImportBatch,
    /// A saved column mapping.
    ImportMapping,
    /// The server's record of a pushed operation (applied or refused), so a retry repeats the
    /// answer instead of the work; listed by user and device.
    SyncReceipt,
    /// A value a synced edit overwrote, listed by customer.
    SyncConflict,
    /// A replica's queued operation, by zero-padded operation id.
    SyncOutbox,
    /// A replica's operation the server refused.
    SyncRejection,
    /// A replica's device id, cursor and next operation id.
    SyncState,
}

impl DocKind {
    pub const ALL: [DocKind; 23] = [
        DocKind::Pool,
        DocKind::Allocator,
        DocKind::Lead,
        DocKind::Opportunity,
        DocKind::Counter,
        DocKind::Pipeline,
        DocKind::Contract,
        DocKind::ApiToken,
        DocKind::Campaign,
        DocKind::CampaignMember,
        DocKind::Audience,
        DocKind::Ticket,
        DocKind::TicketComment,
        DocKind::Article,
        DocKind::ServiceDesk,
        DocKind::ImportJob,
        DocKind::ImportBatch,
        DocKind::ImportMapping,
        DocKind::SyncReceipt,
        DocKind::SyncConflict,
        DocKind::SyncOutbox,
        DocKind::SyncRejection,
        DocKind::SyncState,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            DocKind::Pool => "pool",
            DocKind::Allocator => "allocator",
            DocKind::Lead => "lead",
            DocKind::Opportunity => "opportunity",
            DocKind::Counter => "counter",
            DocKind::Pipeline => "pipeline",
            DocKind::Contract => "contract",
            DocKind::ApiToken => "api_token",
            DocKind::Campaign => "campaign",
            DocKind::CampaignMember => "campaign_member",
            DocKind::Audience => "audience",
            DocKind::Ticket => "ticket",
            DocKind::TicketComment => "ticket_comment",
            DocKind::Article => "article",
            DocKind::ServiceDesk => "service_desk",
            DocKind::ImportJob => "import_job",
            DocKind::ImportBatch => "import_batch",
            DocKind::ImportMapping => "import_mapping",
            DocKind::SyncReceipt => "sync_receipt",
            DocKind::SyncConflict => "sync_conflict",
            DocKind::SyncOutbox => "sync_outbox",
            DocKind::SyncRejection => "sync_rejection",
            DocKind::SyncState => "sync_state",
        }
    }

    pub fn parse(s: &str) -> Option<DocKind> {
        DocKind::ALL.into_iter().find(|k| k.as_str() == s)
    }

    pub fn entity(self) -> EntityKind {
        match self {
            DocKind::Pool => EntityKind::Pool,
            DocKind::Allocator => EntityKind::Allocator,
            DocKind::Lead => EntityKind::Lead,
            DocKind::Opportunity => EntityKind::Opportunity,
            DocKind::Counter => EntityKind::Settings,
            DocKind::Pipeline => EntityKind::Pipeline,
            DocKind::Contract => EntityKind::Contract,
            DocKind::ApiToken => EntityKind::ApiToken,
            DocKind::Campaign => EntityKind::Campaign,
            DocKind::CampaignMember => EntityKind::CampaignMember,
            DocKind::Audience => EntityKind::Audience,
            DocKind::Ticket => EntityKind::Ticket,
            DocKind::TicketComment => EntityKind::TicketComment,
            DocKind::Article => EntityKind::Article,
            DocKind::ServiceDesk => EntityKind::ServiceDesk,
            DocKind::ImportJob | DocKind::ImportBatch => EntityKind::Import,
            DocKind::ImportMapping => EntityKind::ImportMapping,
            DocKind::SyncConflict => EntityKind::SyncConflict,
            DocKind::SyncReceipt
            | DocKind::SyncOutbox
            | DocKind::SyncRejection
            | DocKind::SyncState => EntityKind::SyncOperation,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Doc {
    pub kind: DocKind,
    pub id: String,
    pub parent: Option<String>,
    pub version: u64,
    pub body: Value,
    /// The date a time-driven list finds the document by (a contract: its earliest open
    /// instalment's due date), so `Tx::docs_due` reads an index instead of every document.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub due: Option<NaiveDate>,
    /// The instant a deadline list finds the document by (a ticket: its earliest running SLA
    /// clock's due time), so `Tx::docs_due_at` reads an index instead of every document.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub due_at: Option<DateTime<Utc>>,
}

impl Doc {
    pub fn new<T: Serialize>(
        kind: DocKind,
        id: &str,
        parent: Option<&str>,
        version: u64,
        value: &T,
    ) -> Result<Doc> {
        Ok(Doc {
            kind,
            id: id.to_string(),
            parent: parent.map(str::to_string),
            version,
            body: serde_json::to_value(value).map_err(CrmError::storage)?,
            due: None,
            due_at: None,
        })
    }

    /// Sets the date `Tx::docs_due` finds this document by.
    pub fn due_on(mut self, due: Option<NaiveDate>) -> Doc {
        self.due = due;
        self
    }

    /// Sets the instant `Tx::docs_due_at` finds this document by.
    pub fn due_at(mut self, at: Option<DateTime<Utc>>) -> Doc {
        self.due_at = at;
        self
    }

    pub fn decode<T: DeserializeOwned>(&self) -> Result<T> {
        T::deserialize(&self.body).map_err(|e| {
            CrmError::storage(format!(
                "{} {} is unreadable: {e}",
                self.kind.as_str(),
                self.id
            ))
        })
    }
}
