//! Ticket clocks: each SLA metric of a ticket runs in cycles that start, pause, resume and are
//! fulfilled; queries measure them against a calendar at a given `now`.

use super::calendar::Calendar;
use super::policy::{OnPriorityChange, SlaMetric, SlaPolicy, SlaTarget, SlaTimeBasis};
use crate::error::{CrmError, Result};
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct SlaCycle {
    pub started_at: DateTime<Utc>,
    pub target: SlaTarget,
    /// Spans the clock ran; the last one is open while running.
    pub runs: Vec<(DateTime<Utc>, Option<DateTime<Utc>>)>,
    pub fulfilled_at: Option<DateTime<Utc>>,
}

impl SlaCycle {
    fn running(&self) -> bool {
        self.fulfilled_at.is_none() && self.runs.last().is_some_and(|r| r.1.is_none())
    }
}

/// One metric's clock; a reopen or a new customer message starts a new cycle.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct SlaClock {
    pub metric: SlaMetric,
    pub cycles: Vec<SlaCycle>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[serde(rename_all = "snake_case")]
pub enum SlaClockState {
    Running,
    Paused,
    Warning,
    Breached,
    Met,
    MetLate,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[serde(rename_all = "snake_case")]
pub enum SlaEventKind {
    Warning,
    Breach,
    Fulfilled,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct SlaEvent {
    pub metric: SlaMetric,
    pub cycle: u32,
    pub kind: SlaEventKind,
    pub at: DateTime<Utc>,
}

/// A clock's current cycle as seen at `now`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct SlaClockStatus {
    pub metric: SlaMetric,
    pub cycle: u32,
    pub state: SlaClockState,
    pub target: SlaTarget,
    /// Time counted against the target, in whole minutes (rounded down).
    pub elapsed_minutes: i64,
    /// Target minus elapsed, in whole minutes (rounded down): negative once breached.
    pub remaining_minutes: i64,
    /// When the target runs out if the clock keeps running; none while paused.
    pub due_at: Option<DateTime<Utc>>,
    pub warning_at: Option<DateTime<Utc>>,
    pub events: Vec<SlaEvent>,
}

/// Whole minutes, rounded down (towards the past), so a clock 30 seconds past its target
/// shows -1 and never a breach as 0.
fn whole_minutes(ms: i64) -> i64 {
    ms.div_euclid(60_000)
}

fn not_monotonic(at: DateTime<Utc>, last: DateTime<Utc>) -> CrmError {
    CrmError::invalid(
        "at",
        format!("{at} lies before the clock's last change at {last}"),
    )
}

impl SlaClock {
    pub fn start(metric: SlaMetric, target: SlaTarget, at: DateTime<Utc>) -> Self {
        SlaClock {
            metric,
            cycles: vec![SlaCycle {
                started_at: at,
                target,
                runs: vec![(at, None)],
                fulfilled_at: None,
            }],
        }
    }

    fn current(&mut self) -> &mut SlaCycle {
        self.cycles
            .last_mut()
            .expect("a clock has at least one cycle")
    }

    fn last_change(&self) -> DateTime<Utc> {
        let c = self.cycles.last().expect("a clock has at least one cycle");
        let run = c
            .runs
            .last()
            .map(|r| r.1.unwrap_or(r.0))
            .unwrap_or(c.started_at);
        c.fulfilled_at.unwrap_or(run)
    }

    fn check_time(&self, at: DateTime<Utc>) -> Result<()> {
        let last = self.last_change();
        if at < last {
            Err(not_monotonic(at, last))
        } else {
            Ok(())
        }
    }

    pub fn is_open(&self) -> bool {
        self.cycles.last().is_some_and(|c| c.fulfilled_at.is_none())
    }

    pub fn is_running(&self) -> bool {
        self.cycles.last().is_some_and(SlaCycle::running)
    }

    pub fn pause(&mut self, at: DateTime<Utc>) -> Result<()> {
        self.check_time(at)?;
        if !self.is_running() {
            return Err(CrmError::InvalidState {
                reason: format!("the {:?} clock is not running", self.metric),
            });
        }
        if let Some(run) = self.current().runs.last_mut() {
            run.1 = Some(at);
        }
        Ok(())
    }

    pub fn resume(&mut self, at: DateTime<Utc>) -> Result<()> {
        self.check_time(at)?;
        if !self.is_open() || self.is_running() {
            return Err(CrmError::InvalidState {
                reason: format!("the {:?} clock is not paused", self.metric),
            });
        }
        self.current().runs.push((at, None));
        Ok(())
    }

    pub fn fulfil(&mut self, at: DateTime<Utc>) -> Result<()> {
        self.check_time(at)?;
        if !self.is_open() {
            return Err(CrmError::InvalidState {
                reason: format!("the {:?} clock is already fulfilled", self.metric),
            });
        }
        let cycle = self.current();
        if let Some(run) = cycle.runs.last_mut().filter(|r| r.1.is_none()) {
            run.1 = Some(at);
        }
        cycle.fulfilled_at = Some(at);
        Ok(())
    }

    /// Starts a new cycle (reopen, or a new customer message for next response).
    pub fn restart(&mut self, target: SlaTarget, at: DateTime<Utc>, running: bool) -> Result<()> {
        self.check_time(at)?;
        if self.is_open() {
            return Err(CrmError::InvalidState {
                reason: format!("the {:?} clock's cycle is still open", self.metric),
            });
        }
        self.cycles.push(SlaCycle {
            started_at: at,
            target,
            runs: if running {
                vec![(at, None)]
            } else {
                Vec::new()
            },
            fulfilled_at: None,
        });
        Ok(())
    }

    /// The current cycle measured at `now`.
    pub fn status(
        &self,
        calendar: &Calendar,
        warn_at_percent: u32,
        now: DateTime<Utc>,
    ) -> Result<SlaClockStatus> {
        let index = self.cycles.len() - 1;
        let cycle = &self.cycles[index];
        let target_ms = cycle.target.minutes * 60_000;
        let warn_ms = target_ms * i64::from(warn_at_percent) / 100;
        let measure = |from: DateTime<Utc>, to: DateTime<Utc>| -> Result<i64> {
            match cycle.target.basis {
                SlaTimeBasis::Business => Ok(calendar.elapsed(from, to)?.num_milliseconds()),
                SlaTimeBasis::Calendar => Ok((to - from).num_milliseconds()),
            }
        };
        let advance = |from: DateTime<Utc>, ms: i64| -> Result<DateTime<Utc>> {
            match cycle.target.basis {
                SlaTimeBasis::Business => calendar.due(from, Duration::milliseconds(ms)),
                SlaTimeBasis::Calendar => Ok(from + Duration::milliseconds(ms)),
            }
        };
        // Walk the runs up to `now`, noting when the warning and the target were crossed, and
        // projecting both from the open run when the clock is still running.
        let (mut used, mut warned_at, mut breached_at) = (0i64, None, None);
        let (mut warn_projection, mut due_projection) = (None, None);
        for &(from, to) in cycle.runs.iter().filter(|r| r.0 <= now) {
            let end = to.map_or(now, |t| t.min(now));
            let span = measure(from, end)?;
            if warned_at.is_none() && used < warn_ms && warn_ms <= used + span {
                warned_at = Some(advance(from, warn_ms - used)?);
            }
            if breached_at.is_none() && used <= target_ms && target_ms < used + span {
                breached_at = Some(advance(from, target_ms - used)?);
            }
            if to.is_none_or(|t| t > now) && cycle.fulfilled_at.is_none() {
                if used < warn_ms {
                    warn_projection = Some(advance(from, warn_ms - used)?);
                }
                if used <= target_ms {
                    due_projection = Some(advance(from, target_ms - used)?);
                }
            }
            used += span;
        }
        let fulfilled = cycle.fulfilled_at.filter(|f| *f <= now);
        let running = cycle
            .runs
            .last()
            .is_some_and(|r| r.0 <= now && r.1.is_none_or(|t| t > now));
        let state = match fulfilled {
            Some(_) if used <= target_ms => SlaClockState::Met,
            Some(_) => SlaClockState::MetLate,
            None if used > target_ms => SlaClockState::Breached,
            None if !running => SlaClockState::Paused,
            None if used >= warn_ms => SlaClockState::Warning,
            None => SlaClockState::Running,
        };
        let mut events = Vec::new();
        let event = |kind, at| SlaEvent {
            metric: self.metric,
            cycle: u32::try_from(index).unwrap_or(u32::MAX),
            kind,
            at,
        };
        if let Some(at) = warned_at {
            events.push(event(SlaEventKind::Warning, at));
        }
        if let Some(at) = breached_at {
            events.push(event(SlaEventKind::Breach, at));
        }
        if let Some(at) = fulfilled {
            events.push(event(SlaEventKind::Fulfilled, at));
        }
        let due_at = if fulfilled.is_some() {
            None
        } else {
            breached_at.or(due_projection)
        };
        let warning_at = warned_at.or(warn_projection);
        Ok(SlaClockStatus {
            metric: self.metric,
            cycle: u32::try_from(index).unwrap_or(u32::MAX),
            state,
            target: cycle.target,
            elapsed_minutes: whole_minutes(used),
            remaining_minutes: whole_minutes(target_ms - used),
            due_at,
            warning_at,
            events,
        })
    }
}

/// The SLA clocks of one ticket under a policy.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct SlaTicket {
    pub priority: String,
    pub status: String,
    pub clocks: BTreeMap<SlaMetric, SlaClock>,
}

impl SlaTicket {
    /// Opens a ticket: its first-response and resolution clocks start at `at` (paused at once when
    /// the status is a pause status).
    pub fn open(
        policy: &SlaPolicy,
        priority: &str,
        status: &str,
        at: DateTime<Utc>,
    ) -> Result<Self> {
        policy.validate()?;
        let mut clocks = BTreeMap::new();
        for metric in [SlaMetric::FirstResponse, SlaMetric::Resolution] {
            let target = policy.target(priority, metric)?;
            clocks.insert(metric, SlaClock::start(metric, target, at));
        }
        let mut ticket = SlaTicket {
            priority: priority.to_string(),
            status: String::new(),
            clocks,
        };
        ticket.set_status(policy, status, at)?;
        Ok(ticket)
    }

    /// Pauses every open clock when entering a pause status, resumes them when leaving one.
    pub fn set_status(
        &mut self,
        policy: &SlaPolicy,
        status: &str,
        at: DateTime<Utc>,
    ) -> Result<()> {
        let was_paused = policy.pause_statuses.contains(&self.status);
        let pause = policy.pause_statuses.contains(status);
        for clock in self.clocks.values_mut().filter(|c| c.is_open()) {
            if pause && clock.is_running() {
                clock.pause(at)?;
            } else if !pause && was_paused && !clock.is_running() {
                clock.resume(at)?;
            }
        }
        self.status = status.to_string();
        Ok(())
    }

    /// An agent answered: fulfils first response and any open next-response cycle.
    pub fn respond(&mut self, at: DateTime<Utc>) -> Result<()> {
        for metric in [SlaMetric::FirstResponse, SlaMetric::NextResponse] {
            if let Some(clock) = self.clocks.get_mut(&metric).filter(|c| c.is_open()) {
                clock.fulfil(at)?;
            }
        }
        Ok(())
    }

    /// The customer wrote again: a next-response cycle starts (if the policy times it).
    pub fn customer_replied(&mut self, policy: &SlaPolicy, at: DateTime<Utc>) -> Result<()> {
        let Ok(target) = policy.target(&self.priority, SlaMetric::NextResponse) else {
            return Ok(());
        };
        let running = !policy.pause_statuses.contains(&self.status);
        match self.clocks.get_mut(&SlaMetric::NextResponse) {
            Some(clock) if clock.is_open() => Ok(()),
            Some(clock) => clock.restart(target, at, running),
            None => {
                let mut clock = SlaClock::start(SlaMetric::NextResponse, target, at);
                if !running {
                    clock.pause(at)?;
                }
                self.clocks.insert(SlaMetric::NextResponse, clock);
                Ok(())
            }
        }
    }

    pub fn resolve(&mut self, at: DateTime<Utc>) -> Result<()> {
        self.clock_mut(SlaMetric::Resolution)?.fulfil(at)
    }

    /// A resolved ticket came back: resolution starts a new cycle.
    pub fn reopen(&mut self, policy: &SlaPolicy, at: DateTime<Utc>) -> Result<()> {
        let target = policy.target(&self.priority, SlaMetric::Resolution)?;
        let running = !policy.pause_statuses.contains(&self.status);
        self.clock_mut(SlaMetric::Resolution)?
            .restart(target, at, running)
    }

    /// Recompute: open cycles take the new priority's targets from their start. Keep: nothing moves.
    pub fn change_priority(&mut self, policy: &SlaPolicy, priority: &str) -> Result<()> {
        if policy.on_priority_change == OnPriorityChange::Recompute {
            let mut targets = Vec::new();
            for (metric, clock) in &self.clocks {
                if clock.is_open() {
                    targets.push((*metric, policy.target(priority, *metric)?));
                }
            }
            for (metric, target) in targets {
                if let Some(cycle) = self
                    .clocks
                    .get_mut(&metric)
                    .and_then(|c| c.cycles.last_mut())
                {
                    cycle.target = target;
                }
            }
        } else {
            policy.target(priority, SlaMetric::Resolution)?;
        }
        self.priority = priority.to_string();
        Ok(())
    }

    pub fn statuses(
        &self,
        calendar: &Calendar,
        policy: &SlaPolicy,
        now: DateTime<Utc>,
    ) -> Result<Vec<SlaClockStatus>> {
        self.clocks
            .values()
            .map(|c| c.status(calendar, policy.warn_at_percent, now))
            .collect()
    }

    fn clock_mut(&mut self, metric: SlaMetric) -> Result<&mut SlaClock> {
        self.clocks
            .get_mut(&metric)
            .ok_or_else(|| CrmError::InvalidState {
                reason: format!("the ticket has no {metric:?} clock"),
            })
    }
}
