//! The answers of the calendar queries, as records so every surface names their parts alike.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// When a target of `minutes` business minutes runs out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct SlaDue {
    pub due_at: DateTime<Utc>,
}

/// Business time between two instants, in whole minutes (rounded down; negative when the end
/// lies before the start).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct SlaElapsed {
    pub elapsed_minutes: i64,
}

/// Whether the calendar is at work at an instant, and when work next starts (the instant itself
/// while working).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct SlaWorkingAt {
    pub working: bool,
    pub next_working_at: DateTime<Utc>,
}
