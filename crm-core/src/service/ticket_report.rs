//! What the service desk reports: tickets about to breach (from the deadline index), service
//! performance per agent and group, and solved tickets as performance achievements.

use super::desk::{all_tickets, Desk};
use super::tickets::sees;
use super::{Crm, Ctx};
use crate::desk::{
    service_rows, ServiceReport, StatusCategory, Ticket, TicketBreach, TicketSample,
};
use crate::error::{CrmError, Result};
use crate::ids::record_order;
use crate::limits;
use crate::performance::{period_range, Achievement, PerformanceBasis};
use crate::sla::{SlaClockState, SlaMetric, MAX_TARGET_MINUTES};
use crate::store::DocKind;
use chrono::{DateTime, Duration, NaiveDate, Utc};
use chrono_tz::Tz;
use rust_decimal::Decimal;

/// The default look-ahead of the breach list.
pub const BREACH_WINDOW_MINUTES: i64 = 60;

fn in_period(cx: &mut Ctx<'_>, period: &str) -> Result<(Tz, NaiveDate, NaiveDate)> {
    let (from, to) = period_range(period)?;
    let tz = cx.tx.settings()?.unwrap_or_default().tz()?;
    Ok((tz, from, to))
}

/// The scoped tickets of a group (or all), for the reports.
fn report_tickets(cx: &mut Ctx<'_>, group_id: Option<&str>) -> Result<Vec<Ticket>> {
    let mut out = Vec::new();
    for t in all_tickets(cx.tx)? {
        if group_id.is_none_or(|g| t.group_id.as_deref() == Some(g)) && sees(cx, &t)? {
            out.push(t);
        }
    }
    Ok(out)
}

impl Crm {
    /// Tickets in the actor's scope (or of one agent or group) whose SLA is breached or runs out
    /// within `within_minutes` (default 60) of `at` (default now): breached first, then the
    /// soonest due. Read from the tickets' deadline index, never by scanning every ticket; the
    /// index holds each ticket's deadline as of its last change, so `at` looks ahead (or back)
    /// over the tickets as they are now.
    pub fn ticket_breaches(
        &self,
        actor: &str,
        at: Option<DateTime<Utc>>,
        within_minutes: Option<i64>,
        assignee_id: Option<String>,
        group_id: Option<String>,
    ) -> Result<Vec<TicketBreach>> {
        let within = within_minutes.unwrap_or(BREACH_WINDOW_MINUTES);
        if !(0..=MAX_TARGET_MINUTES).contains(&within) {
            return Err(CrmError::invalid(
                "within_minutes",
                format!("must lie between 0 and {MAX_TARGET_MINUTES}"),
            ));
        }
        limits::opt_text("assignee_id", assignee_id.as_deref(), limits::ID)?;
        limits::opt_text("group_id", group_id.as_deref(), limits::ID)?;
        self.look(actor, |cx| {
            let at = at.unwrap_or(cx.now);
            // Saturating: `at` is the caller's and may lie at the end of time.
            let until = at
                .checked_add_signed(Duration::minutes(within))
                .unwrap_or(DateTime::<Utc>::MAX_UTC);
            let desk = Desk::load(cx.tx)?;
            let mut out = Vec::new();
            for doc in cx.tx.docs_due_at(DocKind::Ticket, until)? {
                let t: Ticket = doc.decode()?;
                let wanted = t.category == StatusCategory::Open
                    && assignee_id
                        .as_ref()
                        .is_none_or(|a| t.assignee_id.as_ref() == Some(a))
                    && group_id
                        .as_ref()
                        .is_none_or(|g| t.group_id.as_ref() == Some(g));
                if !wanted || !sees(cx, &t)? {
                    continue;
                }
                let first = desk
                    .clocks(&t, at)?
                    .into_iter()
                    .filter(|c| {
                        matches!(
                            c.state,
                            SlaClockState::Running
                                | SlaClockState::Warning
                                | SlaClockState::Breached
                        )
                    })
                    .filter_map(|c| c.due_at.map(|d| (d, c)))
                    .filter(|(d, _)| *d <= until)
                    .min_by_key(|(d, c)| (*d, c.metric));
                if let Some((due_at, clock)) = first {
                    out.push(TicketBreach {
                        ticket_id: t.id,
                        customer_id: t.customer_id,
                        subject: t.subject,
                        priority: t.priority,
                        status: t.status,
                        assignee_id: t.assignee_id,
                        group_id: t.group_id,
                        metric: clock.metric,
                        state: clock.state,
                        due_at,
                        remaining_minutes: clock.remaining_minutes,
                        warning_at: clock.warning_at,
                    });
                }
            }
            out.sort_by(|a, b| {
                (a.state != SlaClockState::Breached)
                    .cmp(&(b.state != SlaClockState::Breached))
                    .then(a.due_at.cmp(&b.due_at))
                    .then_with(|| record_order(&a.ticket_id, &b.ticket_id))
            });
            Ok(out)
        })
    }

    /// Service performance for a period (`2026-11`, `2026-Q4`, `2026`) over the tickets in the
    /// actor's scope (or one group's): per agent, per group and in total.
    pub fn service_report(
        &self,
        actor: &str,
        period: &str,
        group_id: Option<String>,
    ) -> Result<ServiceReport> {
        limits::opt_text("group_id", group_id.as_deref(), limits::ID)?;
        self.look(actor, |cx| {
            let (tz, from, to) = in_period(cx, period)?;
            let desk = Desk::load(cx.tx)?;
            let now = cx.now;
            let mut samples = Vec::new();
            for t in report_tickets(cx, group_id.as_deref())? {
                let solved_in_period = t.solved_at.is_some_and(|s| {
                    let d = s.with_timezone(&tz).date_naive();
                    from <= d && d <= to
                });
                let clocks = desk.clocks(&t, now)?;
                let state = |m: SlaMetric| clocks.iter().find(|c| c.metric == m).map(|c| c.state);
                samples.push(TicketSample {
                    assignee_id: t.assignee_id.clone(),
                    group_id: t.group_id.clone(),
                    category: t.category,
                    solved_in_period,
                    created_at: t.created_at,
                    first_response_minutes: t
                        .first_responded_at
                        .map(|r| desk.minutes(&t, t.created_at, r))
                        .transpose()?,
                    resolution_minutes: t
                        .solved_at
                        .map(|s| desk.minutes(&t, t.created_at, s))
                        .transpose()?,
                    first_response_state: state(SlaMetric::FirstResponse),
                    resolution_state: state(SlaMetric::Resolution),
                    rating: t.csat().map(|c| c.rating),
                    reopened: t.cycle > 0,
                });
            }
            Ok(ServiceReport {
                period: period.to_string(),
                group_id: group_id.clone(),
                rows: service_rows(&samples, now),
            })
        })
    }

    /// The tickets solved in a period as achievements (amount 1 each, basis `tickets_solved`),
    /// for `evaluate` and `leaderboard` against service targets.
    pub fn service_achievements(&self, actor: &str, period: &str) -> Result<Vec<Achievement>> {
        self.look(actor, |cx| {
            let (tz, from, to) = in_period(cx, period)?;
            let mut out = Vec::new();
            for t in report_tickets(cx, None)? {
                let (Some(rep), Some(solved)) = (t.assignee_id, t.solved_at) else {
                    continue;
                };
                let date = solved.with_timezone(&tz).date_naive();
                if from <= date && date <= to {
                    out.push(Achievement {
                        rep_id: rep,
                        team_id: t.group_id,
                        date,
                        amount: Decimal::ONE,
                        basis: PerformanceBasis::TicketsSolved,
                    });
                }
            }
            Ok(out)
        })
    }
}
