//! The pure operations: SLA calendar arithmetic and ticket clocks, RFM scoring and segment
//! movement, performance and commission statements. Functions of their arguments alone (one call
//! per batch), so they need no organisation and no acting user.

use super::operations;
use crate::campaign::{attribution, AttributedDeal, AttributionSettings, DealAttribution};
use crate::commission::{self, CommissionCredit, CommissionPlan, CommissionStatement};
use crate::error::{CrmError, Result};
use crate::performance::{self, Achievement, Attainment, PerformanceBasis, PerformanceTarget};
use crate::rfm::{
    self, ChurnRule, ChurnWarning, RfmConfig, RfmFlow, RfmMovement, RfmOrder, RfmRow,
};
use crate::sla::{
    parse_calendar, ticket_status, SlaClockStatus, SlaDue, SlaElapsed, SlaHistoryEntry, SlaPolicy,
    SlaWorkingAt,
};
use chrono::{DateTime, Duration, NaiveDate, Utc};

#[cfg_attr(not(feature = "schema"), allow(dead_code))]
const NEEDS_ACTOR: bool = false;

// The bodies of the pure operations, public so typed bindings (crm-mobile) call the very same
// code the JSON table runs.

fn duration(minutes: i64) -> Result<Duration> {
    Duration::try_minutes(minutes).ok_or_else(|| CrmError::invalid("minutes", "out of range"))
}

/// When a target of `minutes` business minutes from `start` runs out on `calendar` (TOML).
pub fn sla_due(calendar: &str, start: DateTime<Utc>, minutes: i64) -> Result<SlaDue> {
    let due_at = parse_calendar(calendar)?.due(start, duration(minutes)?)?;
    Ok(SlaDue { due_at })
}

/// [`sla_due`] for many tickets at once: one due time per start.
pub fn sla_due_batch(
    calendar: &str,
    starts: &[DateTime<Utc>],
    minutes: &[i64],
) -> Result<Vec<DateTime<Utc>>> {
    let cal = parse_calendar(calendar)?;
    let starts_ms: Vec<i64> = starts.iter().map(|t| t.timestamp_millis()).collect();
    let work_ms: Vec<i64> = minutes.iter().map(|m| m.saturating_mul(60_000)).collect();
    cal.due_batch(&starts_ms, &work_ms)?
        .into_iter()
        .map(|ms| {
            DateTime::from_timestamp_millis(ms)
                .ok_or_else(|| CrmError::invalid("minutes", "the due time lies out of range"))
        })
        .collect()
}

/// Business time between two instants, in whole minutes (rounded down).
pub fn sla_elapsed(calendar: &str, start: DateTime<Utc>, end: DateTime<Utc>) -> Result<SlaElapsed> {
    let elapsed = parse_calendar(calendar)?.elapsed(start, end)?;
    Ok(SlaElapsed {
        elapsed_minutes: elapsed.num_milliseconds().div_euclid(60_000),
    })
}

/// Whether `calendar` is at work at `at`, and when work next starts.
pub fn sla_working_at(calendar: &str, at: DateTime<Utc>) -> Result<SlaWorkingAt> {
    let cal = parse_calendar(calendar)?;
    Ok(SlaWorkingAt {
        working: cal.is_working_at(at)?,
        next_working_at: cal.next_working_instant(at)?,
    })
}

/// Every clock of a ticket at `now`, replayed from its history under `policy`.
pub fn sla_ticket_status(
    calendar: &str,
    policy: &SlaPolicy,
    history: &[SlaHistoryEntry],
    now: DateTime<Utc>,
) -> Result<Vec<SlaClockStatus>> {
    policy.validate()?;
    ticket_status(&parse_calendar(calendar)?, policy, history, now)
}

/// RFM scores with the configuration's TOML text (the default quintiles when `None`).
pub fn rfm_score(
    orders: &[RfmOrder],
    as_of: NaiveDate,
    config: Option<&str>,
) -> Result<Vec<RfmRow>> {
    let config = config.map_or_else(|| Ok(RfmConfig::default()), rfm::parse_config)?;
    rfm::score(orders, as_of, &config)
}

/// Attainments of one period, best first: reps, or teams with `teams`.
pub fn leaderboard(
    targets: &[PerformanceTarget],
    achievements: &[Achievement],
    basis: PerformanceBasis,
    period: &str,
    teams: bool,
) -> Result<Vec<Attainment>> {
    let rows = performance::evaluate(targets, achievements, basis)?;
    performance::leaderboard(&rows, teams, period)
}

/// The plan as given, or parsed from its TOML text: exactly one of the two.
pub fn plan_of(plan: Option<CommissionPlan>, plan_toml: Option<&str>) -> Result<CommissionPlan> {
    match (plan, plan_toml) {
        (Some(plan), None) => Ok(plan),
        (None, Some(text)) => commission::parse_plan(text),
        _ => Err(CrmError::invalid("plan", "give either plan or plan_toml")),
    }
}

/// Commission statements over `credits`: one rep's, or every rep's.
pub fn commission_statement(
    plan: &CommissionPlan,
    credits: &[CommissionCredit],
    period: &str,
    rep_id: Option<&str>,
) -> Result<Vec<CommissionStatement>> {
    match rep_id {
        Some(rep) => commission::statement(plan, credits, rep, period).map(|s| vec![s]),
        None => commission::statements(plan, credits, period),
    }
}

operations! {
    context();

    /// When a target of `minutes` business minutes from `start` runs out on the calendar (TOML).
    fn sla_due(calendar: String, start: DateTime<Utc>, minutes: i64) -> SlaDue {
        sla_due(&calendar, start, minutes)
    }
    /// `sla_due` for many tickets at once: one due time per start.
    fn sla_due_batch(calendar: String, starts: Vec<DateTime<Utc>>, minutes: Vec<i64>) -> Vec<DateTime<Utc>> {
        sla_due_batch(&calendar, &starts, &minutes)
    }
    /// Business time between two instants.
    fn sla_elapsed(calendar: String, start: DateTime<Utc>, end: DateTime<Utc>) -> SlaElapsed {
        sla_elapsed(&calendar, start, end)
    }
    fn sla_working_at(calendar: String, at: DateTime<Utc>) -> SlaWorkingAt {
        sla_working_at(&calendar, at)
    }
    /// Every clock of a ticket at `now`, replayed from its history under the policy.
    fn sla_ticket_status(
        calendar: String,
        policy: SlaPolicy,
        history: Vec<SlaHistoryEntry>,
        now: DateTime<Utc>
    ) -> Vec<SlaClockStatus> {
        sla_ticket_status(&calendar, &policy, &history, now)
    }
    /// RFM scores of the customers in `orders` as of a date (config: TOML text; the default
    /// quintiles when left out), in customer id order.
    fn rfm_score(orders: Vec<RfmOrder>, as_of: NaiveDate, config: Option<String>) -> Vec<RfmRow> {
        rfm_score(&orders, as_of, config.as_deref())
    }
    /// Customers whose segment differs between two scorings.
    fn rfm_movements(before: Vec<RfmRow>, after: Vec<RfmRow>) -> Vec<RfmMovement> {
        Ok(rfm::movements(&before, &after))
    }
    /// How many customers went from each segment to each other.
    fn rfm_flows(before: Vec<RfmRow>, after: Vec<RfmRow>) -> Vec<RfmFlow> {
        Ok(rfm::flows(&before, &after))
    }
    /// Valuable customers sliding into a cooling segment.
    fn rfm_churn_warnings(
        before: Vec<RfmRow>,
        after: Vec<RfmRow>,
        rule: Option<ChurnRule>
    ) -> Vec<ChurnWarning> {
        Ok(rfm::churn_warnings(&before, &after, &rule.unwrap_or_default()))
    }
    /// Attainment of each target on won or collected amounts.
    fn performance(
        targets: Vec<PerformanceTarget>,
        achievements: Vec<Achievement>,
        basis: PerformanceBasis
    ) -> Vec<Attainment> {
        performance::evaluate(&targets, &achievements, basis)
    }
    /// Attainments of one period, best first, reps or (`teams`) teams.
    fn leaderboard(
        targets: Vec<PerformanceTarget>,
        achievements: Vec<Achievement>,
        basis: PerformanceBasis,
        period: String,
        teams: Option<bool>
    ) -> Vec<Attainment> {
        leaderboard(&targets, &achievements, basis, &period, teams.unwrap_or(false))
    }
    /// Commission statements over the credits given: one rep's, or every rep's.
    fn commission_statement(
        credits: Vec<CommissionCredit>,
        period: String,
        plan: Option<CommissionPlan>,
        plan_toml: Option<String>,
        rep_id: Option<String>
    ) -> Vec<CommissionStatement> {
        let plan = plan_of(plan, plan_toml.as_deref())?;
        commission_statement(&plan, &credits, &period, rep_id.as_deref())
    }
    /// Shares of won deals among the campaigns that touched them, by a model: exact shares
    /// summing to 1 and money summing to each deal's amount, each line explaining itself.
    fn attribute(deals: Vec<AttributedDeal>, attribution: AttributionSettings) -> Vec<DealAttribution> {
        attribution::attribute_all(&deals, &attribution)
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    fn call(op: &str, args: serde_json::Value) -> crate::error::Result<serde_json::Value> {
        let text = super::super::call_pure(op, &args.to_string()).unwrap()?;
        Ok(serde_json::from_str(&text).unwrap())
    }

    #[test]
    fn commission_statement_from_a_toml_plan_or_a_json_plan() {
        let credits = json!([
            {"kind": "won", "deal_id": "d1", "rep_id": "a", "split": "60", "date": "2026-03-02", "amount": "10000"},
            {"kind": "won", "deal_id": "d1", "rep_id": "b", "split": "40", "date": "2026-03-02", "amount": "10000"}
        ]);
        let toml = "name = \"p\"\nbase = \"booked\"\nperiod = \"month\"\n[rates]\ntype = \"flat\"\nrate = \"5\"";
        let all = call(
            "commission_statement",
            json!({"plan_toml": toml, "credits": credits, "period": "2026-03"}),
        )
        .unwrap();
        assert_eq!(all[0]["total"], "300.00");
        assert_eq!(all[1]["total"], "200.00");
        let plan = json!({"name": "p", "base": "booked", "period": "month", "rates": {"type": "flat", "rate": "5"}});
        let one = call(
            "commission_statement",
            json!({"plan": plan, "credits": credits, "period": "2026-03", "rep_id": "b"}),
        )
        .unwrap();
        assert_eq!(one.as_array().unwrap().len(), 1);
        assert_eq!(
            one[0]["lines"][0]["explanation"],
            "deal d1 (40% of 10000) booked 2026-03-02: 4000 at 5% = 200.00"
        );
        let bad = json!({"name": "p", "base": "booked", "period": "month", "rates": {"type": "flat", "rate": "-5"}});
        let e = call(
            "commission_statement",
            json!({"plan": bad, "credits": credits, "period": "2026-03"}),
        )
        .unwrap_err();
        assert_eq!(e.code(), "INVALID_INPUT");
    }

    #[test]
    fn misspelt_and_missing_arguments_are_refused_by_name() {
        let e = call(
            "sla_elapsed",
            json!({"calendar": "", "start": "2026-01-01T00:00:00Z", "ned": "2026-01-01T00:00:00Z"}),
        )
        .unwrap_err();
        assert_eq!(
            e,
            crate::error::CrmError::invalid(
                "ned",
                "sla_elapsed takes no argument \"ned\" (it takes calendar, start, end)"
            )
        );
        let e = call("rfm_score", json!({"as_of": "2026-01-01"})).unwrap_err();
        assert_eq!(e, crate::error::CrmError::invalid("orders", "is missing"));
    }

    #[test]
    fn a_calendar_without_working_hours_is_named_not_the_years_it_covers() {
        let e = call(
            "sla_due",
            json!({"calendar": "timezone = \"Asia/Shanghai\"\n", "start": "2026-01-05T01:00:00Z", "minutes": 60}),
        )
        .unwrap_err();
        let crate::error::CrmError::InvalidInput { field, reason } = e else {
            panic!("{e:?}")
        };
        assert_eq!(field, "calendar");
        assert!(reason.contains("working hours"), "{reason}");
    }

    #[test]
    fn a_lone_surrogate_is_refused_so_two_ids_never_merge() {
        let text = r#"{"orders": [{"customer_id": "\ud800", "date": "2026-01-01", "amount": "1"}], "as_of": "2026-01-02"}"#;
        let e = super::super::call_pure("rfm_score", text)
            .unwrap()
            .unwrap_err();
        assert_eq!(
            e,
            crate::error::CrmError::invalid(
                "args",
                "holds text with a lone surrogate, which is not valid Unicode"
            )
        );
    }
}
