//! Performance evaluation (业绩, section 8 of DOMAIN.md): targets per rep and team per period,
//! attainment from won or collected amounts, and leaderboards. Pure: the caller passes what was
//! won or collected (from opportunities, contracts and payments) with the local date it counts on.

use crate::error::{CrmError, Result};
use chrono::{Datelike, NaiveDate};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// What attainment is measured on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[serde(rename_all = "snake_case")]
pub enum PerformanceBasis {
    /// Deal amounts when won (booked).
    Won,
    /// Cash collected (回款).
    Collected,
    /// Service tickets solved, one per ticket (the service team's 业绩).
    TicketsSolved,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum PerformanceSubject {
    Rep { user_id: String },
    Team { team_id: String },
}

/// A target for a subject and a period: `2026-11` (month), `2026-Q4` (quarter) or `2026` (year).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[serde(deny_unknown_fields)]
pub struct PerformanceTarget {
    pub subject: PerformanceSubject,
    pub period: String,
    pub amount: Decimal,
}

/// One won deal or collected payment, credited to a rep (and their team) on a local date.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[serde(deny_unknown_fields)]
pub struct Achievement {
    pub rep_id: String,
    #[serde(default)]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub team_id: Option<String>,
    pub date: NaiveDate,
    pub amount: Decimal,
    pub basis: PerformanceBasis,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct Attainment {
    pub subject: PerformanceSubject,
    pub period: String,
    pub target: Decimal,
    pub achieved: Decimal,
    /// achieved / target, rounded half-even to 4 places; `None` for a zero target.
    pub ratio: Option<Decimal>,
    /// 1 = best among subjects of the same kind and period; equal results share a rank.
    pub rank: u32,
}

/// The first and last local date of a period.
pub fn period_range(period: &str) -> Result<(NaiveDate, NaiveDate)> {
    let bad = || {
        CrmError::invalid(
            "period",
            format!("{period:?} is not YYYY, YYYY-Qn or YYYY-MM"),
        )
    };
    let (year, rest) = match period.split_once('-') {
        Some((y, r)) => (y, Some(r)),
        None => (period, None),
    };
    if year.len() != 4 || !year.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad());
    }
    let year: i32 = year.parse().map_err(|_| bad())?;
    let (first_month, months) = match rest {
        None => (1, 12),
        Some(q) if q.len() == 2 && q.starts_with('Q') => {
            let n: u32 = q[1..].parse().map_err(|_| bad())?;
            if !(1..=4).contains(&n) {
                return Err(bad());
            }
            (3 * n - 2, 3)
        }
        Some(m) if m.len() == 2 && m.bytes().all(|b| b.is_ascii_digit()) => {
            (m.parse().map_err(|_| bad())?, 1)
        }
        Some(_) => return Err(bad()),
    };
    let start = NaiveDate::from_ymd_opt(year, first_month, 1).ok_or_else(bad)?;
    let end = start
        .checked_add_months(chrono::Months::new(months))
        .and_then(|d| d.pred_opt())
        .ok_or_else(bad)?;
    Ok((start, end))
}

/// Attainment of every target on `basis`, ranked within each (kind of subject, period).
pub fn evaluate(
    targets: &[PerformanceTarget],
    achievements: &[Achievement],
    basis: PerformanceBasis,
) -> Result<Vec<Attainment>> {
    // Each target reads only its subject's credits on the basis.
    let mut by_rep: std::collections::HashMap<&str, Vec<&Achievement>> = Default::default();
    let mut by_team: std::collections::HashMap<&str, Vec<&Achievement>> = Default::default();
    for a in achievements.iter().filter(|a| a.basis == basis) {
        by_rep.entry(a.rep_id.as_str()).or_default().push(a);
        if let Some(team) = &a.team_id {
            by_team.entry(team.as_str()).or_default().push(a);
        }
    }
    let mut out = Vec::with_capacity(targets.len());
    let mut seen = std::collections::BTreeSet::new();
    for t in targets {
        if t.amount.is_sign_negative() {
            return Err(CrmError::invalid(
                "targets",
                format!("the target of {:?} for {} is negative", t.subject, t.period),
            ));
        }
        if !seen.insert((t.subject.clone(), t.period.clone())) {
            return Err(CrmError::invalid(
                "targets",
                format!("{:?} has two targets for {}", t.subject, t.period),
            ));
        }
        let (start, end) = period_range(&t.period)?;
        let overflow = || {
            CrmError::invalid(
                "achievements",
                format!(
                    "the total of {:?} for {} leaves the decimal range",
                    t.subject, t.period
                ),
            )
        };
        let credited: &[&Achievement] = match &t.subject {
            PerformanceSubject::Rep { user_id } => by_rep.get(user_id.as_str()),
            PerformanceSubject::Team { team_id } => by_team.get(team_id.as_str()),
        }
        .map_or(&[], Vec::as_slice);
        let achieved = credited
            .iter()
            .filter(|a| a.date >= start && a.date <= end)
            .try_fold(Decimal::ZERO, |sum, a| sum.checked_add(a.amount))
            .ok_or_else(overflow)?;
        let ratio = if t.amount.is_zero() {
            None
        } else {
            Some(
                achieved
                    .checked_div(t.amount)
                    .ok_or_else(overflow)?
                    .round_dp_with_strategy(4, rust_decimal::RoundingStrategy::MidpointNearestEven)
                    .normalize(),
            )
        };
        out.push(Attainment {
            subject: t.subject.clone(),
            period: t.period.clone(),
            target: t.amount,
            achieved,
            ratio,
            rank: 0,
        });
    }
    rank(&mut out);
    Ok(out)
}

fn rank(rows: &mut [Attainment]) {
    let mut groups: BTreeMap<(bool, String), Vec<usize>> = BTreeMap::new();
    for (i, r) in rows.iter().enumerate() {
        let is_team = matches!(r.subject, PerformanceSubject::Team { .. });
        groups
            .entry((is_team, r.period.clone()))
            .or_default()
            .push(i);
    }
    for members in groups.values() {
        let mut order = members.clone();
        let keys: Vec<(Decimal, Decimal)> = rows
            .iter()
            .map(|r| (r.ratio.unwrap_or(Decimal::MIN), r.achieved))
            .collect();
        order.sort_by(|&a, &b| {
            keys[b]
                .cmp(&keys[a])
                .then_with(|| rows[a].subject.cmp(&rows[b].subject))
        });
        let mut rank = 0;
        for (pos, &i) in order.iter().enumerate() {
            if pos == 0 || keys[i] != keys[order[pos - 1]] {
                rank = pos as u32 + 1;
            }
            rows[i].rank = rank;
        }
    }
}

/// The leaderboard of one kind of subject for a period: best first. A period that is none
/// (e.g. `"November"`) is refused rather than answered with an empty board.
pub fn leaderboard(
    attainments: &[Attainment],
    teams: bool,
    period: &str,
) -> Result<Vec<Attainment>> {
    period_range(period)?;
    let mut board: Vec<Attainment> = attainments
        .iter()
        .filter(|a| {
            a.period == period && matches!(a.subject, PerformanceSubject::Team { .. }) == teams
        })
        .cloned()
        .collect();
    board.sort_by(|a, b| a.rank.cmp(&b.rank).then_with(|| a.subject.cmp(&b.subject)));
    Ok(board)
}

/// The period of a kind (`month`, `quarter`, `year`) that a date falls in, as `evaluate` names it.
/// How long a reporting period is (forecasts, performance).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[serde(rename_all = "snake_case")]
pub enum PeriodKind {
    Month,
    Quarter,
    Year,
}

impl std::str::FromStr for PeriodKind {
    type Err = CrmError;

    fn from_str(s: &str) -> Result<Self> {
        match s {
            "month" => Ok(PeriodKind::Month),
            "quarter" => Ok(PeriodKind::Quarter),
            "year" => Ok(PeriodKind::Year),
            other => Err(CrmError::invalid(
                "period_kind",
                format!("{other:?} is not month, quarter or year"),
            )),
        }
    }
}

impl PeriodKind {
    pub fn as_str(self) -> &'static str {
        match self {
            PeriodKind::Month => "month",
            PeriodKind::Quarter => "quarter",
            PeriodKind::Year => "year",
        }
    }
}

pub fn period_of(date: NaiveDate, kind: &str) -> Result<String> {
    match kind {
        "month" => Ok(format!("{:04}-{:02}", date.year(), date.month())),
        "quarter" => Ok(format!(
            "{:04}-Q{}",
            date.year(),
            (date.month() - 1) / 3 + 1
        )),
        "year" => Ok(format!("{:04}", date.year())),
        other => Err(CrmError::invalid(
            "period kind",
            format!("{other:?} is not month, quarter or year"),
        )),
    }
}
