//! SLA operations of the operation table: pure calendar arithmetic and ticket state, no store.

use super::{arg, out};
use crate::error::{CrmError, Result};
use crate::sla::{parse_calendar, ticket_status, Calendar, SlaPolicy, TicketEntry};
use chrono::{DateTime, Duration, Utc};
use serde_json::{json, Value};

pub const OPERATIONS: &[&str] = &[
    "sla_due",
    "sla_due_batch",
    "sla_elapsed",
    "sla_working_at",
    "sla_ticket_status",
];

fn calendar(args: &Value) -> Result<Calendar> {
    parse_calendar(&arg::<String>(args, "calendar")?)
}

fn minutes(m: i64) -> Result<Duration> {
    Duration::try_minutes(m).ok_or_else(|| CrmError::invalid("minutes", "out of range"))
}

pub(super) fn call(op: &str, a: &Value) -> Option<Result<Value>> {
    let result = match op {
        "sla_due" => (|| {
            let due = calendar(a)?.due(arg(a, "start")?, minutes(arg(a, "minutes")?)?)?;
            Ok(json!({ "due_at": due }))
        })(),
        "sla_due_batch" => (|| {
            let cal = calendar(a)?;
            let starts: Vec<DateTime<Utc>> = arg(a, "starts")?;
            let mins: Vec<i64> = arg(a, "minutes")?;
            let starts_ms: Vec<i64> = starts.iter().map(|t| t.timestamp_millis()).collect();
            let work_ms: Vec<i64> = mins.iter().map(|m| m.saturating_mul(60_000)).collect();
            let due = cal.due_batch(&starts_ms, &work_ms)?;
            let due: Vec<DateTime<Utc>> = due
                .into_iter()
                .filter_map(DateTime::from_timestamp_millis)
                .collect();
            out(Ok(due))
        })(),
        "sla_elapsed" => (|| {
            let elapsed = calendar(a)?.elapsed(arg(a, "from")?, arg(a, "to")?)?;
            Ok(json!({ "elapsed_ms": elapsed.num_milliseconds() }))
        })(),
        "sla_working_at" => (|| {
            let cal = calendar(a)?;
            let at: DateTime<Utc> = arg(a, "at")?;
            Ok(
                json!({ "working": cal.is_working_at(at)?, "next_working_at": cal.next_working_instant(at)? }),
            )
        })(),
        "sla_ticket_status" => (|| {
            let policy: SlaPolicy = arg(a, "policy")?;
            policy.validate()?;
            let history: Vec<TicketEntry> = arg(a, "history")?;
            out(ticket_status(
                &calendar(a)?,
                &policy,
                &history,
                arg(a, "now")?,
            ))
        })(),
        _ => return None,
    };
    Some(result)
}
