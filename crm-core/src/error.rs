//! One error type for the whole core. Every variant has a stable `code()` that all surfaces share,
//! so a caller in any language can branch on the same string.

use crate::customer::DuplicateMatch;

/// Which kind of record an error is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[serde(rename_all = "snake_case")]
pub enum EntityKind {
    User,
    Team,
    Customer,
    Contact,
    FollowUp,
    Settings,
    Pool,
    Lead,
    Opportunity,
    Allocator,
    Pipeline,
    Contract,
    ApiToken,
    Campaign,
    CampaignMember,
    Audience,
    Ticket,
    TicketComment,
    Article,
    ServiceDesk,
    Import,
    ImportMapping,
    /// An operation a device pushed or queued.
    SyncOperation,
    SyncConflict,
}

impl EntityKind {
    pub fn as_str(self) -> &'static str {
        match self {
            EntityKind::User => "user",
            EntityKind::Team => "team",
            EntityKind::Customer => "customer",
            EntityKind::Contact => "contact",
            EntityKind::FollowUp => "follow_up",
            EntityKind::Settings => "settings",
            EntityKind::Pool => "pool",
            EntityKind::Lead => "lead",
            EntityKind::Opportunity => "opportunity",
            EntityKind::Allocator => "allocator",
            EntityKind::Pipeline => "pipeline",
            EntityKind::Contract => "contract",
            EntityKind::ApiToken => "api_token",
            EntityKind::Campaign => "campaign",
            EntityKind::CampaignMember => "campaign_member",
            EntityKind::Audience => "audience",
            EntityKind::Ticket => "ticket",
            EntityKind::TicketComment => "ticket_comment",
            EntityKind::Article => "article",
            EntityKind::ServiceDesk => "service_desk",
            EntityKind::Import => "import",
            EntityKind::ImportMapping => "import_mapping",
            EntityKind::SyncOperation => "sync_operation",
            EntityKind::SyncConflict => "sync_conflict",
        }
    }
}

impl std::fmt::Display for EntityKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Serialised as `{"code": "NOT_FOUND", "details": {...}}`: the details are the variant's fields,
/// so every surface shows the same facts under the same names.
#[derive(Debug, Clone, PartialEq, thiserror::Error, serde::Serialize)]
#[cfg_attr(feature = "client", derive(serde::Deserialize))]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Error), uniffi::export(Display))]
#[serde(tag = "code", content = "details", rename_all = "SCREAMING_SNAKE_CASE")]
pub enum CrmError {
    #[error("{kind} {id} not found")]
    NotFound { kind: EntityKind, id: String },
    #[error("{kind} {id} already exists")]
    AlreadyExists { kind: EntityKind, id: String },
    #[error(
        "{kind} {id} was changed by someone else: expected version {expected}, found {actual}"
    )]
    VersionConflict {
        kind: EntityKind,
        id: String,
        expected: u64,
        actual: u64,
    },
    #[error("user {actor} may not access {kind} {id}: outside their data scope")]
    OutOfScope {
        actor: String,
        kind: EntityKind,
        id: String,
    },
    #[error("user {actor} may not {action}")]
    PermissionDenied { actor: String, action: String },
    /// A server could not tell who is calling: the credential is missing, malformed, unknown or
    /// revoked, or its user was deactivated. One error for all, so it reveals no token.
    #[error("not authenticated: {reason}")]
    Unauthenticated { reason: String },
    #[error("user {id} is inactive")]
    InactiveUser { id: String },
    #[error("invalid phone number {input:?}: {reason}")]
    InvalidPhone { input: String, reason: String },
    #[error("invalid email address {input:?}")]
    InvalidEmail { input: String },
    #[error("invalid {field}: {reason}")]
    InvalidInput { field: String, reason: String },
    #[error("{} possible duplicate(s) found; creation is blocked", matches.len())]
    DuplicateFound { matches: Vec<DuplicateMatch> },
    #[error("invalid state: {reason}")]
    InvalidState { reason: String },
    #[error("customer {customer_id} is already owned by {owner_id}")]
    AlreadyOwned {
        customer_id: String,
        owner_id: String,
    },
    #[error("user {user_id} has reached the daily claim limit of {limit} for {date}")]
    DailyLimitReached {
        user_id: String,
        limit: u64,
        date: chrono::NaiveDate,
    },
    #[error("user {user_id} would exceed the {cap} cap of {limit} owned customers (owns {owned})")]
    OwnershipCapReached {
        user_id: String,
        /// Which cap: `rep`, `team` or `everyone`.
        cap: String,
        limit: u64,
        owned: u64,
    },
    #[error("user {user_id} may lock at most {limit} customers")]
    LockLimitReached { user_id: String, limit: u64 },
    #[error("user {user_id} may not re-claim customer {customer_id} before {until} (cool-down)")]
    CoolDown {
        customer_id: String,
        user_id: String,
        until: chrono::DateTime<chrono::Utc>,
    },
    #[error(
        "customer {customer_id} entered its pool recently and cannot be claimed before {until}"
    )]
    WaitingPeriod {
        customer_id: String,
        until: chrono::DateTime<chrono::Utc>,
    },
    #[error("lead {lead_id}: no eligible rep ({reason})")]
    NoEligibleRep { lead_id: String, reason: String },
    #[error("opportunity {opportunity_id} may not move from {from_stage} to {to_stage}: {reason}")]
    TransitionNotAllowed {
        opportunity_id: String,
        from_stage: String,
        to_stage: String,
        reason: String,
    },
    #[error("opportunity {opportunity_id} cannot enter stage {stage}: missing {}", fields.join(", "))]
    RequiredFieldsMissing {
        opportunity_id: String,
        stage: String,
        fields: Vec<String>,
    },
    #[error("storage failure: {message}")]
    Storage { message: String },
    /// Another writer (a thread, connection or process) held the database for longer than the
    /// store's busy timeout. Retryable: nothing was changed, and the same call may succeed once
    /// the other writer finishes.
    #[error("the database is busy: another writer held it for more than {timeout_ms} ms; nothing was changed, try again")]
    StorageBusy {
        /// The busy timeout the store waited for, in milliseconds.
        timeout_ms: u64,
    },
    /// The disk (or the store's size limit) is full; nothing was changed. Retrying helps only
    /// after space is freed.
    #[error("storage full: {reason}; nothing was changed")]
    StorageFull { reason: String },
    /// The database cannot be written: it was opened read-only, or the file, its directory or the
    /// medium is read-only. Reads still work in a read-only store.
    #[error("the database is read-only: {reason}")]
    ReadOnly { reason: String },
}

impl CrmError {
    /// The stable, language-neutral code of this error (e.g. `VERSION_CONFLICT`).
    pub fn code(&self) -> &'static str {
        match self {
            CrmError::NotFound { .. } => "NOT_FOUND",
            CrmError::AlreadyExists { .. } => "ALREADY_EXISTS",
            CrmError::VersionConflict { .. } => "VERSION_CONFLICT",
            CrmError::OutOfScope { .. } => "OUT_OF_SCOPE",
            CrmError::PermissionDenied { .. } => "PERMISSION_DENIED",
            CrmError::Unauthenticated { .. } => "UNAUTHENTICATED",
            CrmError::InactiveUser { .. } => "INACTIVE_USER",
            CrmError::InvalidPhone { .. } => "INVALID_PHONE",
            CrmError::InvalidEmail { .. } => "INVALID_EMAIL",
            CrmError::InvalidInput { .. } => "INVALID_INPUT",
            CrmError::DuplicateFound { .. } => "DUPLICATE_FOUND",
            CrmError::InvalidState { .. } => "INVALID_STATE",
            CrmError::AlreadyOwned { .. } => "ALREADY_OWNED",
            CrmError::DailyLimitReached { .. } => "DAILY_LIMIT_REACHED",
            CrmError::OwnershipCapReached { .. } => "OWNERSHIP_CAP_REACHED",
            CrmError::LockLimitReached { .. } => "LOCK_LIMIT_REACHED",
            CrmError::CoolDown { .. } => "COOL_DOWN",
            CrmError::WaitingPeriod { .. } => "WAITING_PERIOD",
            CrmError::NoEligibleRep { .. } => "NO_ELIGIBLE_REP",
            CrmError::TransitionNotAllowed { .. } => "TRANSITION_NOT_ALLOWED",
            CrmError::RequiredFieldsMissing { .. } => "REQUIRED_FIELDS_MISSING",
            CrmError::Storage { .. } => "STORAGE",
            CrmError::StorageBusy { .. } => "STORAGE_BUSY",
            CrmError::StorageFull { .. } => "STORAGE_FULL",
            CrmError::ReadOnly { .. } => "READ_ONLY",
        }
    }

    /// Bad input naming the offending field; also for backends refusing what they cannot store.
    pub fn invalid(field: impl Into<String>, reason: impl Into<String>) -> Self {
        CrmError::InvalidInput {
            field: field.into(),
            reason: reason.into(),
        }
    }

    pub(crate) fn not_found(kind: EntityKind, id: impl Into<String>) -> Self {
        CrmError::NotFound {
            kind,
            id: id.into(),
        }
    }

    /// The error with every text a caller handed in clipped: ids and values to [`QUOTE`]
    /// characters (the longest valid id is never clipped), reasons and messages, which may quote
    /// a value, to [`QUOTE_REASON`]. Applied where a call returns, so no message repeats a whole
    /// oversized input.
    pub fn clipped(mut self) -> Self {
        use CrmError::*;
        let (short, long): (Vec<&mut String>, Vec<&mut String>) = match &mut self {
            NotFound { id, .. }
            | AlreadyExists { id, .. }
            | VersionConflict { id, .. }
            | InactiveUser { id } => (vec![id], vec![]),
            OutOfScope { actor, id, .. } => (vec![actor, id], vec![]),
            PermissionDenied { actor, action } => (vec![actor], vec![action]),
            InvalidPhone { input, reason } => (vec![input], vec![reason]),
            InvalidEmail { input } => (vec![input], vec![]),
            InvalidInput { field, reason } => (vec![field], vec![reason]),
            InvalidState { reason } | Unauthenticated { reason } => (vec![], vec![reason]),
            AlreadyOwned {
                customer_id,
                owner_id,
            } => (vec![customer_id, owner_id], vec![]),
            DailyLimitReached { user_id, .. }
            | OwnershipCapReached { user_id, .. }
            | LockLimitReached { user_id, .. } => (vec![user_id], vec![]),
            CoolDown {
                customer_id,
                user_id,
                ..
            } => (vec![customer_id, user_id], vec![]),
            WaitingPeriod { customer_id, .. } => (vec![customer_id], vec![]),
            NoEligibleRep { lead_id, reason } => (vec![lead_id], vec![reason]),
            TransitionNotAllowed {
                opportunity_id,
                from_stage,
                to_stage,
                reason,
            } => (vec![opportunity_id, from_stage, to_stage], vec![reason]),
            RequiredFieldsMissing {
                opportunity_id,
                stage,
                ..
            } => (vec![opportunity_id, stage], vec![]),
            Storage { message } => (vec![], vec![message]),
            StorageFull { reason } | ReadOnly { reason } => (vec![], vec![reason]),
            DuplicateFound { .. } | StorageBusy { .. } => (vec![], vec![]),
        };
        short.into_iter().for_each(|s| clip(s, QUOTE));
        long.into_iter().for_each(|s| clip(s, QUOTE_REASON));
        self
    }

    /// For storage backends: wraps a driver error.
    pub fn storage(err: impl std::fmt::Display) -> Self {
        CrmError::Storage {
            message: err.to_string(),
        }
    }
}

pub type Result<T, E = CrmError> = std::result::Result<T, E>;

/// The most characters of an id or value an error repeats (the longest valid id).
pub const QUOTE: usize = crate::limits::ID;
/// The most characters of an error's reason or message.
pub const QUOTE_REASON: usize = 500;

/// Cuts `text` to at most `max` characters, the end saying how long it was; text within `max` is
/// kept, so clipping twice changes nothing.
fn clip(text: &mut String, max: usize) {
    if text.char_indices().nth(max).is_none() {
        return;
    }
    let mark = format!("… ({} characters)", text.chars().count());
    let keep = max.saturating_sub(mark.chars().count());
    let at = text
        .char_indices()
        .nth(keep)
        .map_or(text.len(), |(at, _)| at);
    text.truncate(at);
    text.push_str(&mark);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_ids_and_reasons_are_clipped_with_their_length_and_short_ones_kept() {
        let huge = "x".repeat(1_048_576);
        let e = CrmError::not_found(EntityKind::Customer, huge.clone()).clipped();
        let shown = e.to_string();
        assert!(shown.len() < 200, "{shown}");
        assert!(
            shown.ends_with("… (1048576 characters) not found"),
            "{shown}"
        );
        let e = CrmError::invalid("name", format!("bad value {huge}")).clipped();
        assert!(e.to_string().chars().count() < QUOTE_REASON + 60);
        let kept = CrmError::not_found(EntityKind::Customer, "c-1".repeat(33)).clipped();
        assert_eq!(
            kept,
            CrmError::not_found(EntityKind::Customer, "c-1".repeat(33))
        );
        let mut cjk = "星".repeat(101);
        clip(&mut cjk, 100);
        assert_eq!(cjk, format!("{}… (101 characters)", "星".repeat(82)));
        let once = cjk.clone();
        clip(&mut cjk, 100);
        assert_eq!(cjk, once, "clipping twice changes nothing");
    }
}
