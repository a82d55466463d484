//! SLA timing for mobile apps: pure functions over a calendar's TOML text, with typed policies,
//! ticket histories and clock states.

use crate::{CrmError, Result};
use crm_core::api;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::time::SystemTime;

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, uniffi::Enum,
)]
#[serde(rename_all = "snake_case")]
pub enum Metric {
    FirstResponse,
    NextResponse,
    Resolution,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, uniffi::Enum)]
#[serde(rename_all = "snake_case")]
pub enum TimeBasis {
    Business,
    Calendar,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, uniffi::Enum)]
#[serde(rename_all = "snake_case")]
pub enum OnPriorityChange {
    Recompute,
    Keep,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, uniffi::Record)]
pub struct Target {
    pub minutes: i64,
    pub basis: TimeBasis,
}

/// One row of a policy: the target of `metric` for tickets of `priority`.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct PriorityTarget {
    pub priority: String,
    pub metric: Metric,
    pub target: Target,
}

#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct SlaPolicy {
    pub name: String,
    pub targets: Vec<PriorityTarget>,
    pub warn_at_percent: u32,
    #[uniffi(default = [])]
    pub pause_statuses: Vec<String>,
    /// None: recompute (the default).
    #[uniffi(default = None)]
    pub on_priority_change: Option<OnPriorityChange>,
}

impl SlaPolicy {
    fn to_json(&self) -> Value {
        let mut targets: BTreeMap<&str, BTreeMap<Metric, &Target>> = BTreeMap::new();
        for t in &self.targets {
            targets
                .entry(&t.priority)
                .or_default()
                .insert(t.metric, &t.target);
        }
        json!({
            "name": self.name, "targets": targets, "warn_at_percent": self.warn_at_percent,
            "pause_statuses": self.pause_statuses,
            "on_priority_change": self.on_priority_change.unwrap_or(OnPriorityChange::Recompute),
        })
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, uniffi::Enum)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum TicketAction {
    Open { priority: String, status: String },
    Status { status: String },
    Respond,
    CustomerReplied,
    Resolve,
    Reopen,
    Priority { priority: String },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, uniffi::Record)]
pub struct TicketEntry {
    #[serde(with = "crate::time")]
    pub at: SystemTime,
    #[serde(flatten)]
    pub action: TicketAction,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, uniffi::Enum)]
#[serde(rename_all = "snake_case")]
pub enum ClockState {
    Running,
    Paused,
    Warning,
    Breached,
    Met,
    MetLate,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, uniffi::Enum)]
#[serde(rename_all = "snake_case")]
pub enum SlaEventKind {
    Warning,
    Breach,
    Fulfilled,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, uniffi::Record)]
pub struct SlaEvent {
    pub metric: Metric,
    pub cycle: u64,
    pub kind: SlaEventKind,
    #[serde(with = "crate::time")]
    pub at: SystemTime,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, uniffi::Record)]
pub struct ClockStatus {
    pub metric: Metric,
    pub cycle: u64,
    pub state: ClockState,
    pub target: Target,
    pub elapsed_ms: i64,
    /// Negative once breached.
    pub remaining_ms: i64,
    #[serde(with = "crate::time::option")]
    pub due_at: Option<SystemTime>,
    #[serde(with = "crate::time::option")]
    pub warning_at: Option<SystemTime>,
    pub events: Vec<SlaEvent>,
}

fn run<T: serde::de::DeserializeOwned>(op: &str, args: Value) -> Result<T> {
    let value = api::call_sla(op, &args).unwrap_or_else(|| {
        Err(crm_core::CrmError::storage(format!(
            "{op} is not an SLA operation"
        )))
    })?;
    serde_json::from_value(value).map_err(|e| CrmError::from(crm_core::CrmError::storage(e)))
}

fn instant(field: &str, t: SystemTime) -> Result<Value> {
    Ok(json!(crate::time::utc(field, t)?))
}

#[derive(Deserialize)]
struct Due {
    #[serde(with = "crate::time")]
    due_at: SystemTime,
}

#[derive(Deserialize)]
struct Elapsed {
    elapsed_ms: i64,
}

#[derive(Deserialize)]
struct Instant(#[serde(with = "crate::time")] SystemTime);

/// The instant `minutes` of working time are used up, counting from `start`.
#[uniffi::export]
pub fn sla_due(calendar: String, start: SystemTime, minutes: i64) -> Result<SystemTime> {
    let due: Due = run(
        "sla_due",
        json!({"calendar": calendar, "start": instant("start", start)?, "minutes": minutes}),
    )?;
    Ok(due.due_at)
}

/// Due times of many tickets in one call.
#[uniffi::export]
pub fn sla_due_batch(
    calendar: String,
    starts: Vec<SystemTime>,
    minutes: Vec<i64>,
) -> Result<Vec<SystemTime>> {
    let starts = starts
        .into_iter()
        .map(|t| instant("starts", t))
        .collect::<Result<Vec<Value>>>()?;
    let due: Vec<Instant> = run(
        "sla_due_batch",
        json!({"calendar": calendar, "starts": starts, "minutes": minutes}),
    )?;
    Ok(due.into_iter().map(|d| d.0).collect())
}

/// Working milliseconds between two instants (negative when `to` is before `from`).
#[uniffi::export]
pub fn sla_elapsed_ms(calendar: String, from: SystemTime, to: SystemTime) -> Result<i64> {
    let e: Elapsed = run(
        "sla_elapsed",
        json!({"calendar": calendar, "from": instant("from", from)?, "to": instant("to", to)?}),
    )?;
    Ok(e.elapsed_ms)
}

/// Whether an instant is working time, and the next working instant from it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, uniffi::Record)]
pub struct WorkingAt {
    pub working: bool,
    #[serde(with = "crate::time")]
    pub next_working_at: SystemTime,
}

#[uniffi::export]
pub fn sla_working_at(calendar: String, at: SystemTime) -> Result<WorkingAt> {
    run(
        "sla_working_at",
        json!({"calendar": calendar, "at": instant("at", at)?}),
    )
}

/// Every SLA clock of a ticket at `now`, from its history (first entry: `TicketAction.Open`).
#[uniffi::export]
pub fn sla_ticket_status(
    calendar: String,
    policy: SlaPolicy,
    history: Vec<TicketEntry>,
    now: SystemTime,
) -> Result<Vec<ClockStatus>> {
    let history = serde_json::to_value(history).map_err(|e| {
        CrmError::from(crm_core::CrmError::InvalidInput {
            field: "history".into(),
            reason: e.to_string(),
        })
    })?;
    run(
        "sla_ticket_status",
        json!({"calendar": calendar, "policy": policy.to_json(), "history": history, "now": instant("now", now)?}),
    )
}

/// The SLA operations, for completeness checks.
#[uniffi::export]
pub fn sla_operations() -> Vec<String> {
    api::SLA_OPERATIONS.iter().map(|s| s.to_string()).collect()
}
