//! Service performance (业绩评估 of the service team) and breach lists, as pure arithmetic over
//! what the service layer read: medians and 90th percentiles of business minutes, SLA
//! attainment, CSAT %, reopen rate and backlog by age.

use super::model::{CsatRating, StatusCategory, TicketPriority};
use crate::performance::PerformanceSubject;
use crate::sla::{SlaClockState, SlaMetric};
use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// A ticket whose clock is breached or runs out within the window asked about.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct TicketBreach {
    pub ticket_id: String,
    pub customer_id: String,
    pub subject: String,
    pub priority: TicketPriority,
    pub status: String,
    pub assignee_id: Option<String>,
    pub group_id: Option<String>,
    /// The clock that runs out first.
    pub metric: SlaMetric,
    pub state: SlaClockState,
    pub due_at: DateTime<Utc>,
    /// Negative once breached.
    pub remaining_minutes: i64,
    pub warning_at: Option<DateTime<Utc>>,
}

/// Unsolved tickets of one age band (`< 1 day`, `1-3 days`, `3-7 days`, `>= 7 days`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct BacklogBucket {
    pub label: String,
    pub tickets: u64,
}

/// One agent's or group's service in a period (or everyone's: `subject` none).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct ServiceRow {
    pub subject: Option<PerformanceSubject>,
    /// Tickets solved in the period (each solve of a reopened ticket counts once, on its last).
    pub solved: u64,
    /// Business minutes from creation to the first public agent reply.
    pub first_response_median_minutes: Option<i64>,
    pub first_response_p90_minutes: Option<i64>,
    /// Business minutes from creation to the (last) solve.
    pub resolution_median_minutes: Option<i64>,
    pub resolution_p90_minutes: Option<i64>,
    /// Share of timed clocks met (met / (met + met late + breached)), percent to 2 places.
    pub first_response_attainment_percent: Option<Decimal>,
    pub resolution_attainment_percent: Option<Decimal>,
    pub rated_good: u64,
    pub rated_bad: u64,
    /// good / (good + bad), percent to 2 places; unrated and neutral excluded.
    pub csat_percent: Option<Decimal>,
    /// Solved tickets that had been reopened, percent of solved to 2 places.
    pub reopen_rate_percent: Option<Decimal>,
    /// Unsolved tickets held now, by age.
    pub backlog: Vec<BacklogBucket>,
    /// 1 = most solved among subjects of the same kind; equal counts share a rank.
    pub rank: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct ServiceReport {
    pub period: String,
    pub group_id: Option<String>,
    /// Agents (ranked), then groups (ranked), then the total.
    pub rows: Vec<ServiceRow>,
}

/// good / (good + bad) in percent, rounded half-even to 2 places; none without a good or bad.
pub fn csat_percent(ratings: impl IntoIterator<Item = CsatRating>) -> Option<Decimal> {
    let (mut good, mut bad) = (0u64, 0u64);
    for r in ratings {
        match r {
            CsatRating::Good => good += 1,
            CsatRating::Bad => bad += 1,
            CsatRating::Neutral => {}
        }
    }
    percent(good, good + bad)
}

fn percent(part: u64, whole: u64) -> Option<Decimal> {
    (whole > 0)
        .then(|| (Decimal::from(part) * Decimal::from(100) / Decimal::from(whole)).round_dp(2))
}

/// The nearest-rank percentile (`p` in 1..=100) of unsorted values; none when empty.
pub fn percentile(values: &mut [i64], p: u32) -> Option<i64> {
    if values.is_empty() {
        return None;
    }
    values.sort_unstable();
    let n = values.len();
    let rank = (usize::try_from(p).unwrap_or(100) * n)
        .div_ceil(100)
        .clamp(1, n);
    Some(values[rank - 1])
}

/// What the report needs of one ticket (the service layer measures it).
#[derive(Debug, Clone, PartialEq)]
pub struct TicketSample {
    pub assignee_id: Option<String>,
    pub group_id: Option<String>,
    pub category: StatusCategory,
    /// Solved within the period.
    pub solved_in_period: bool,
    pub created_at: DateTime<Utc>,
    pub first_response_minutes: Option<i64>,
    pub resolution_minutes: Option<i64>,
    pub first_response_state: Option<SlaClockState>,
    pub resolution_state: Option<SlaClockState>,
    pub rating: Option<CsatRating>,
    pub reopened: bool,
}

#[derive(Default)]
struct Acc {
    solved: u64,
    first: Vec<i64>,
    resolution: Vec<i64>,
    first_met: (u64, u64),
    resolution_met: (u64, u64),
    ratings: Vec<CsatRating>,
    reopened: u64,
    backlog: [u64; 4],
}

const BANDS: [(&str, i64); 4] = [
    ("< 1 day", 1),
    ("1-3 days", 3),
    ("3-7 days", 7),
    (">= 7 days", i64::MAX),
];

fn met(acc: &mut (u64, u64), state: Option<SlaClockState>) {
    match state {
        Some(SlaClockState::Met) => {
            acc.0 += 1;
            acc.1 += 1
        }
        Some(SlaClockState::MetLate | SlaClockState::Breached) => acc.1 += 1,
        _ => {}
    }
}

impl Acc {
    fn add(&mut self, s: &TicketSample, now: DateTime<Utc>) {
        if s.solved_in_period {
            self.solved += 1;
            self.first.extend(s.first_response_minutes);
            self.resolution.extend(s.resolution_minutes);
            met(&mut self.first_met, s.first_response_state);
            met(&mut self.resolution_met, s.resolution_state);
            self.ratings.extend(s.rating);
            self.reopened += u64::from(s.reopened);
        }
        if matches!(s.category, StatusCategory::Open | StatusCategory::Paused) {
            let days = (now - s.created_at).num_days();
            let band = BANDS.iter().position(|(_, max)| days < *max).unwrap_or(3);
            self.backlog[band] += 1;
        }
    }

    fn row(mut self, subject: Option<PerformanceSubject>) -> ServiceRow {
        let good = self
            .ratings
            .iter()
            .filter(|r| **r == CsatRating::Good)
            .count() as u64;
        let bad = self
            .ratings
            .iter()
            .filter(|r| **r == CsatRating::Bad)
            .count() as u64;
        ServiceRow {
            subject,
            solved: self.solved,
            first_response_median_minutes: percentile(&mut self.first, 50),
            first_response_p90_minutes: percentile(&mut self.first, 90),
            resolution_median_minutes: percentile(&mut self.resolution, 50),
            resolution_p90_minutes: percentile(&mut self.resolution, 90),
            first_response_attainment_percent: percent(self.first_met.0, self.first_met.1),
            resolution_attainment_percent: percent(self.resolution_met.0, self.resolution_met.1),
            rated_good: good,
            rated_bad: bad,
            csat_percent: csat_percent(self.ratings.iter().copied()),
            reopen_rate_percent: percent(self.reopened, self.solved),
            backlog: BANDS
                .iter()
                .zip(self.backlog)
                .map(|((label, _), tickets)| BacklogBucket {
                    label: label.to_string(),
                    tickets,
                })
                .collect(),
            rank: 0,
        }
    }
}

/// Ranks rows by tickets solved (most first); equal counts share a rank, ties listed by subject.
fn ranked(mut rows: Vec<ServiceRow>) -> Vec<ServiceRow> {
    rows.sort_by(|a, b| {
        b.solved
            .cmp(&a.solved)
            .then_with(|| a.subject.cmp(&b.subject))
    });
    let mut rank = 0;
    for i in 0..rows.len() {
        if i == 0 || rows[i].solved != rows[i - 1].solved {
            rank = i as u32 + 1;
        }
        rows[i].rank = rank;
    }
    rows
}

/// The report's rows from its samples: one per agent and per group that solved or holds a
/// ticket, then the total.
pub fn service_rows(samples: &[TicketSample], now: DateTime<Utc>) -> Vec<ServiceRow> {
    let mut agents: BTreeMap<&str, Acc> = BTreeMap::new();
    let mut groups: BTreeMap<&str, Acc> = BTreeMap::new();
    let mut total = Acc::default();
    for s in samples {
        if let Some(a) = &s.assignee_id {
            agents.entry(a).or_default().add(s, now);
        }
        if let Some(g) = &s.group_id {
            groups.entry(g).or_default().add(s, now);
        }
        total.add(s, now);
    }
    let mut rows = ranked(
        agents
            .into_iter()
            .map(|(id, acc)| {
                acc.row(Some(PerformanceSubject::Rep {
                    user_id: id.to_string(),
                }))
            })
            .collect(),
    );
    rows.extend(ranked(
        groups
            .into_iter()
            .map(|(id, acc)| {
                acc.row(Some(PerformanceSubject::Team {
                    team_id: id.to_string(),
                }))
            })
            .collect(),
    ));
    let mut all = total.row(None);
    all.rank = 1;
    rows.push(all);
    rows
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_are_nearest_rank() {
        let mut v = vec![5, 1, 4, 2, 3, 10, 9, 8, 7, 6];
        assert_eq!(percentile(&mut v, 50), Some(5));
        assert_eq!(percentile(&mut v, 90), Some(9));
        assert_eq!(percentile(&mut [7], 90), Some(7));
        assert_eq!(percentile(&mut [], 50), None);
    }

    #[test]
    fn csat_excludes_neutral() {
        use CsatRating::*;
        assert_eq!(
            csat_percent([Good, Good, Bad, Neutral]),
            Some(Decimal::new(6667, 2))
        );
        assert_eq!(csat_percent([Neutral]), None);
    }
}
