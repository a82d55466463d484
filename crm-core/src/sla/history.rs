//! A ticket's SLA state from its history: hosts that keep tickets themselves pass the timeline of
//! what happened and get every clock's state at `now`, with no SLA state of their own to store.

use super::calendar::Calendar;
use super::policy::SlaPolicy;
use super::ticket::{SlaClockStatus, SlaTicket};
use crate::error::{CrmError, Result};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// One thing that happened to a ticket, and when.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum SlaHistoryEntry {
    /// The ticket was created (the first entry, exactly once).
    Open {
        at: DateTime<Utc>,
        priority: String,
        status: String,
    },
    Status {
        at: DateTime<Utc>,
        status: String,
    },
    Respond {
        at: DateTime<Utc>,
    },
    CustomerReplied {
        at: DateTime<Utc>,
    },
    Resolve {
        at: DateTime<Utc>,
    },
    Reopen {
        at: DateTime<Utc>,
    },
    Priority {
        at: DateTime<Utc>,
        priority: String,
    },
}

impl SlaHistoryEntry {
    pub fn at(&self) -> DateTime<Utc> {
        match self {
            SlaHistoryEntry::Open { at, .. }
            | SlaHistoryEntry::Status { at, .. }
            | SlaHistoryEntry::Respond { at }
            | SlaHistoryEntry::CustomerReplied { at }
            | SlaHistoryEntry::Resolve { at }
            | SlaHistoryEntry::Reopen { at }
            | SlaHistoryEntry::Priority { at, .. } => *at,
        }
    }
}

/// Replays `history` (in time order) under `policy` and measures every clock at `now`.
pub fn ticket_status(
    calendar: &Calendar,
    policy: &SlaPolicy,
    history: &[SlaHistoryEntry],
    now: DateTime<Utc>,
) -> Result<Vec<SlaClockStatus>> {
    let (first, rest) = history
        .split_first()
        .ok_or_else(|| CrmError::invalid("history", "must start with an open action"))?;
    let SlaHistoryEntry::Open {
        at,
        priority,
        status,
    } = first
    else {
        return Err(CrmError::invalid(
            "history",
            "must start with an open action",
        ));
    };
    let mut ticket = SlaTicket::open(policy, priority, status, *at)?;
    for entry in rest {
        let at = entry.at();
        match entry {
            SlaHistoryEntry::Open { .. } => {
                return Err(CrmError::invalid("history", "a ticket opens once"))
            }
            SlaHistoryEntry::Status { status, .. } => ticket.set_status(policy, status, at)?,
            SlaHistoryEntry::Respond { .. } => ticket.respond(at)?,
            SlaHistoryEntry::CustomerReplied { .. } => ticket.customer_replied(policy, at)?,
            SlaHistoryEntry::Resolve { .. } => ticket.resolve(at)?,
            SlaHistoryEntry::Reopen { .. } => ticket.reopen(policy, at)?,
            SlaHistoryEntry::Priority { priority, .. } => {
                ticket.change_priority(policy, priority)?
            }
        }
    }
    ticket.statuses(calendar, policy, now)
}
