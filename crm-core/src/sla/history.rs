//! A ticket's SLA state from its history: hosts that keep tickets themselves pass the timeline of
//! what happened and get every clock's state at `now`, with no SLA state of their own to store.

use super::calendar::Calendar;
use super::policy::SlaPolicy;
use super::ticket::{ClockStatus, SlaTicket};
use crate::error::{CrmError, Result};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// One thing that happened to a ticket.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum TicketAction {
    /// The ticket was created (the first action, exactly once).
    Open {
        priority: String,
        status: String,
    },
    Status {
        status: String,
    },
    Respond,
    CustomerReplied,
    Resolve,
    Reopen,
    Priority {
        priority: String,
    },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TicketEntry {
    pub at: DateTime<Utc>,
    #[serde(flatten)]
    pub action: TicketAction,
}

/// Replays `history` (in time order) under `policy` and measures every clock at `now`.
pub fn ticket_status(
    calendar: &Calendar,
    policy: &SlaPolicy,
    history: &[TicketEntry],
    now: DateTime<Utc>,
) -> Result<Vec<ClockStatus>> {
    let (first, rest) = history
        .split_first()
        .ok_or_else(|| CrmError::invalid("history", "must start with an open action"))?;
    let TicketAction::Open { priority, status } = &first.action else {
        return Err(CrmError::invalid(
            "history",
            "must start with an open action",
        ));
    };
    let mut ticket = SlaTicket::open(policy, priority, status, first.at)?;
    for entry in rest {
        let at = entry.at;
        match &entry.action {
            TicketAction::Open { .. } => {
                return Err(CrmError::invalid("history", "a ticket opens once"))
            }
            TicketAction::Status { status } => ticket.set_status(policy, status, at)?,
            TicketAction::Respond => ticket.respond(at)?,
            TicketAction::CustomerReplied => ticket.customer_replied(policy, at)?,
            TicketAction::Resolve => ticket.resolve(at)?,
            TicketAction::Reopen => ticket.reopen(policy, at)?,
            TicketAction::Priority { priority } => ticket.change_priority(policy, priority)?,
        }
    }
    ticket.statuses(calendar, policy, now)
}
