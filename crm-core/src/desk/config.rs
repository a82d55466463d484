//! The service desk's configuration: custom statuses and their categories, the grace period,
//! SLA policies matched by conditions, routes, agents and CSAT reasons.

use super::model::{StatusCategory, TicketChannel, TicketPriority};
use crate::error::{CrmError, Result};
use crate::sla::{OnPriorityChange, SlaMetric, SlaPolicy, SlaTarget};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// The built-in statuses and their categories (`on_hold`'s may be changed).
pub const BUILT_IN_STATUSES: [(&str, StatusCategory); 6] = [
    ("new", StatusCategory::Open),
    ("open", StatusCategory::Open),
    ("pending", StatusCategory::Paused),
    ("on_hold", StatusCategory::Paused),
    ("solved", StatusCategory::Resolved),
    ("closed", StatusCategory::Closed),
];

/// A status an organisation adds, mapped to one category (never `closed`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[serde(deny_unknown_fields)]
pub struct TicketStatusDef {
    pub name: String,
    pub category: StatusCategory,
}

/// Ticket fields a policy or route matches on: every list given must contain the ticket's value
/// (tags: any of them); an empty list matches everything.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[serde(deny_unknown_fields)]
pub struct TicketConditions {
    #[serde(default)]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub priorities: Vec<TicketPriority>,
    #[serde(default)]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub channels: Vec<TicketChannel>,
    #[serde(default)]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub group_ids: Vec<String>,
    #[serde(default)]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub customer_levels: Vec<String>,
    #[serde(default)]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub tags: Vec<String>,
}

/// What conditions are matched against.
pub struct TicketFacts<'a> {
    pub priority: TicketPriority,
    pub channel: TicketChannel,
    pub group_id: Option<&'a str>,
    pub customer_level: Option<&'a str>,
    pub tags: &'a [String],
}

impl TicketConditions {
    pub fn matches(&self, t: &TicketFacts<'_>) -> bool {
        let has = |list: &[String], v: Option<&str>| {
            list.is_empty() || v.is_some_and(|v| list.iter().any(|x| x == v))
        };
        (self.priorities.is_empty() || self.priorities.contains(&t.priority))
            && (self.channels.is_empty() || self.channels.contains(&t.channel))
            && has(&self.group_ids, t.group_id)
            && has(&self.customer_levels, t.customer_level)
            && (self.tags.is_empty() || self.tags.iter().any(|x| t.tags.contains(x)))
    }
}

/// An SLA policy of the desk: matched in order by its conditions, timed on its calendar.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[serde(deny_unknown_fields)]
pub struct DeskPolicy {
    pub name: String,
    #[serde(default)]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub conditions: TicketConditions,
    /// The business calendar (DOMAIN.md section 7 TOML) business targets count on.
    pub calendar: String,
    /// Priority (`low`, `normal`, `high`, `urgent`) to each metric's target; every priority
    /// given needs first response and resolution, and no response target may exceed its
    /// resolution target.
    pub targets: BTreeMap<String, BTreeMap<SlaMetric, SlaTarget>>,
    /// Percent of a target after which a clock warns (default 75).
    #[serde(default = "default_warn")]
    #[cfg_attr(feature = "uniffi", uniffi(default = 75))]
    pub warn_at_percent: u32,
    #[serde(default)]
    pub on_priority_change: OnPriorityChange,
}

const PRIORITIES: [&str; 4] = ["low", "normal", "high", "urgent"];

fn default_warn() -> u32 {
    75
}

impl DeskPolicy {
    /// The pure clock's policy: targets by priority name, pausing in `paused` statuses.
    pub fn sla_policy(&self, paused: &BTreeSet<String>) -> SlaPolicy {
        SlaPolicy {
            name: self.name.clone(),
            targets: self.targets.clone(),
            warn_at_percent: self.warn_at_percent,
            pause_statuses: paused.clone(),
            on_priority_change: self.on_priority_change,
        }
    }

    fn validate(&self) -> Result<()> {
        let field = |f: &str| format!("policies[{}].{f}", self.name);
        if self.name.trim().is_empty() {
            return Err(CrmError::invalid("policies.name", "must not be empty"));
        }
        crate::sla::parse_calendar(&self.calendar)?;
        self.sla_policy(&BTreeSet::new()).validate()?;
        for (p, metrics) in &self.targets {
            if !PRIORITIES.contains(&p.as_str()) {
                return Err(CrmError::invalid(
                    field("targets"),
                    format!("{p:?} is not a priority (low, normal, high, urgent)"),
                ));
            }
            let resolution = metrics.get(&SlaMetric::Resolution).ok_or_else(|| {
                CrmError::invalid(field("targets"), format!("{p} has no resolution target"))
            })?;
            if !metrics.contains_key(&SlaMetric::FirstResponse) {
                return Err(CrmError::invalid(
                    field("targets"),
                    format!("{p} has no first_response target"),
                ));
            }
            for metric in [SlaMetric::FirstResponse, SlaMetric::NextResponse] {
                if let Some(t) = metrics.get(&metric) {
                    if t.minutes > resolution.minutes {
                        return Err(CrmError::invalid(
                            field("targets"),
                            format!(
                                "{p}: the {metric:?} target ({} min) exceeds the resolution target ({} min)",
                                t.minutes, resolution.minutes
                            ),
                        ));
                    }
                }
            }
        }
        Ok(())
    }
}

/// How a route picks an agent among its group's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[serde(rename_all = "snake_case")]
pub enum RouteStrategy {
    /// In turn from a persisted pointer.
    RoundRobin,
    /// The agent with the fewest unsolved tickets (ties by id).
    LeastOpen,
    /// The agent with the most capacity left, as a share of their capacity (ties by id).
    Capacity,
}

/// A routing rule: tickets matching its conditions go to its group, to an agent its strategy
/// picks among the group's active agents with capacity left (and, with `skills`, every tag).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[serde(deny_unknown_fields)]
pub struct DeskRoute {
    pub name: String,
    #[serde(default)]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub conditions: TicketConditions,
    /// The team (service group) that gets the ticket.
    pub group_id: String,
    pub strategy: RouteStrategy,
    /// Only agents whose skills include every tag of the ticket.
    #[serde(default)]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub skills: bool,
}

/// A user who works tickets: in a group, with skills and a capacity of unsolved tickets.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[serde(deny_unknown_fields)]
pub struct Agent {
    pub user_id: String,
    pub group_id: String,
    #[serde(default)]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub skills: Vec<String>,
    /// The most unsolved tickets the agent holds; none: no limit.
    #[serde(default)]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub capacity: Option<u32>,
}

/// The desk's configuration (one per organisation).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct ServiceDesk {
    /// Statuses beyond the built-in ones.
    pub statuses: Vec<TicketStatusDef>,
    /// `on_hold`'s category: paused (the default) or open (counting third-party waits).
    pub on_hold_category: StatusCategory,
    /// Days after solving in which a requester reply reopens; later ones open a follow-up.
    pub grace_days: u32,
    pub policies: Vec<DeskPolicy>,
    pub routes: Vec<DeskRoute>,
    pub agents: Vec<Agent>,
    /// The reasons a bad rating may give (empty: any text).
    pub csat_reasons: Vec<String>,
    pub version: u64,
}

impl Default for ServiceDesk {
    fn default() -> Self {
        ServiceDesk {
            statuses: Vec::new(),
            on_hold_category: StatusCategory::Paused,
            grace_days: 4,
            policies: Vec::new(),
            routes: Vec::new(),
            agents: Vec::new(),
            csat_reasons: Vec::new(),
            version: 0,
        }
    }
}

/// What `update_service_desk` changes: each part given replaces that part.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[serde(deny_unknown_fields)]
pub struct ServiceDeskPatch {
    #[serde(default)]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub statuses: Option<Vec<TicketStatusDef>>,
    #[serde(default)]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub on_hold_category: Option<StatusCategory>,
    #[serde(default)]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub grace_days: Option<u32>,
    #[serde(default)]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub policies: Option<Vec<DeskPolicy>>,
    #[serde(default)]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub routes: Option<Vec<DeskRoute>>,
    #[serde(default)]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub agents: Option<Vec<Agent>>,
    #[serde(default)]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub csat_reasons: Option<Vec<String>>,
}

impl ServiceDeskPatch {
    pub fn apply(self, current: &ServiceDesk) -> ServiceDesk {
        ServiceDesk {
            statuses: self.statuses.unwrap_or_else(|| current.statuses.clone()),
            on_hold_category: self.on_hold_category.unwrap_or(current.on_hold_category),
            grace_days: self.grace_days.unwrap_or(current.grace_days),
            policies: self.policies.unwrap_or_else(|| current.policies.clone()),
            routes: self.routes.unwrap_or_else(|| current.routes.clone()),
            agents: self.agents.unwrap_or_else(|| current.agents.clone()),
            csat_reasons: self
                .csat_reasons
                .unwrap_or_else(|| current.csat_reasons.clone()),
            version: current.version,
        }
    }
}

impl ServiceDesk {
    /// The category of a status, or `INVALID_INPUT` for a status the desk does not know.
    pub fn category(&self, status: &str) -> Result<StatusCategory> {
        if status == "on_hold" {
            return Ok(self.on_hold_category);
        }
        BUILT_IN_STATUSES
            .iter()
            .find(|(name, _)| *name == status)
            .map(|(_, c)| *c)
            .or_else(|| {
                self.statuses
                    .iter()
                    .find(|s| s.name == status)
                    .map(|s| s.category)
            })
            .ok_or_else(|| {
                CrmError::invalid("status", format!("{status:?} is not a ticket status"))
            })
    }

    /// Every status whose category pauses the clocks.
    pub fn paused_statuses(&self) -> BTreeSet<String> {
        BUILT_IN_STATUSES
            .iter()
            .map(|(n, _)| n.to_string())
            .chain(self.statuses.iter().map(|s| s.name.clone()))
            .filter(|s| self.category(s) == Ok(StatusCategory::Paused))
            .collect()
    }

    /// The first policy whose conditions match and that has targets for the priority.
    pub fn policy_for(&self, facts: &TicketFacts<'_>) -> Option<&DeskPolicy> {
        self.policies.iter().find(|p| {
            p.targets.contains_key(facts.priority.as_str()) && p.conditions.matches(facts)
        })
    }

    pub fn policy(&self, name: &str) -> Option<&DeskPolicy> {
        self.policies.iter().find(|p| p.name == name)
    }

    pub fn agent(&self, user_id: &str) -> Option<&Agent> {
        self.agents.iter().find(|a| a.user_id == user_id)
    }

    /// Checks the rules of a configuration (its sizes are `limits`' to check): statuses named
    /// once and never closing, policies with sound targets and calendars, names unique, every
    /// agent once.
    pub fn validate(&self) -> Result<()> {
        let mut names: BTreeSet<&str> = BUILT_IN_STATUSES.iter().map(|(n, _)| *n).collect();
        for s in &self.statuses {
            if s.name.trim().is_empty() || !names.insert(&s.name) {
                return Err(CrmError::invalid(
                    "statuses",
                    format!("{:?} is empty or named twice", s.name),
                ));
            }
            if s.category == StatusCategory::Closed {
                return Err(CrmError::invalid(
                    "statuses",
                    format!("{:?}: only the built-in `closed` status is final", s.name),
                ));
            }
        }
        if matches!(
            self.on_hold_category,
            StatusCategory::Resolved | StatusCategory::Closed
        ) {
            return Err(CrmError::invalid(
                "on_hold_category",
                "on_hold is paused or open",
            ));
        }
        let mut seen = BTreeSet::new();
        for p in &self.policies {
            if !seen.insert(p.name.as_str()) {
                return Err(CrmError::invalid(
                    "policies",
                    format!("{:?} is named twice", p.name),
                ));
            }
            p.validate()?;
        }
        let mut seen = BTreeSet::new();
        for r in &self.routes {
            if r.name.trim().is_empty() || !seen.insert(r.name.as_str()) {
                return Err(CrmError::invalid(
                    "routes",
                    format!("{:?} is empty or named twice", r.name),
                ));
            }
        }
        let mut seen = BTreeSet::new();
        for a in &self.agents {
            if !seen.insert(a.user_id.as_str()) {
                return Err(CrmError::invalid(
                    "agents",
                    format!("{:?} is listed twice", a.user_id),
                ));
            }
        }
        Ok(())
    }
}
