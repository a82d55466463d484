//! Analytics for mobile apps: RFM scoring, segment movement, churn warnings and performance
//! (业绩), pure functions of the batch they are given (one FFI crossing per batch, no
//! organisation). Decimals are exact decimal strings and dates `YYYY-MM-DD` local days, both
//! validated by the core (`"lots"` or `"2026-13-01"` is `InvalidInput`).

use crate::{to_json, CrmError, Result};
use crm_core::api;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

/// One order: who bought, on which local day (`YYYY-MM-DD`), for how much (a decimal string).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, uniffi::Record)]
pub struct RfmOrder {
    pub customer_id: String,
    pub date: String,
    pub amount: String,
}

/// One scored customer: the R, F and M figures, their points, the weighted total score (a decimal
/// string), the level whose `min_score` it reaches (if any) and the segment (`Unmapped` when the
/// segment map does not cover the code).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, uniffi::Record)]
pub struct RfmRow {
    pub customer_id: String,
    /// Days since the last order up to the as-of date.
    pub recency_days: i64,
    /// Orders in the window.
    pub frequency: u64,
    /// Total amount in the window (a decimal string).
    pub monetary: String,
    pub r: u8,
    pub f: u8,
    pub m: u8,
    pub score: String,
    pub level: Option<String>,
    pub segment: String,
}

/// A customer whose segment differs between two scorings; `None` means absent from that scoring.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, uniffi::Record)]
pub struct RfmMovement {
    pub customer_id: String,
    #[serde(rename = "from")]
    pub from_segment: Option<String>,
    #[serde(rename = "to")]
    pub to_segment: Option<String>,
}

/// How many customers went from one segment to another (unchanged ones included); `None` means
/// absent from that scoring.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, uniffi::Record)]
pub struct RfmFlow {
    #[serde(rename = "from")]
    pub from_segment: Option<String>,
    #[serde(rename = "to")]
    pub to_segment: Option<String>,
    pub customers: u64,
}

/// When to warn that a customer may churn. Absent lists are the core's defaults: valuable
/// Champions, Loyal, Potential loyalist and Cannot lose them; cooling At risk, Cannot lose them,
/// About to sleep, Hibernating and Lost.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, uniffi::Record)]
pub struct ChurnRule {
    /// Segments worth keeping.
    #[uniffi(default = None)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub valuable: Option<Vec<String>>,
    /// Segments that mean the customer is going cold.
    #[uniffi(default = None)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cooling: Option<Vec<String>>,
    /// Also warn when R fell by at least this many points (0: never on R alone).
    #[uniffi(default = 2)]
    pub r_drop: u8,
}

impl Default for ChurnRule {
    fn default() -> Self {
        ChurnRule {
            valuable: None,
            cooling: None,
            r_drop: 2,
        }
    }
}

/// A customer that left a valuable segment for a cooling one, or whose R fell by the rule's
/// `r_drop`; `reason` says which.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, uniffi::Record)]
pub struct ChurnWarning {
    pub customer_id: String,
    #[serde(rename = "from")]
    pub from_segment: String,
    #[serde(rename = "to")]
    pub to_segment: String,
    pub r_before: u8,
    pub r_after: u8,
    pub reason: String,
}

/// What attainment is measured on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, uniffi::Enum)]
#[serde(rename_all = "snake_case")]
pub enum Basis {
    /// Deal amounts when won (booked).
    Won,
    /// Cash collected (回款).
    Collected,
}

/// Whose target: a rep's or a team's.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize, uniffi::Enum)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Subject {
    Rep { user_id: String },
    Team { team_id: String },
}

/// A target for a subject and a period: `2026-11` (month), `2026-Q4` (quarter) or `2026` (year);
/// the amount is a decimal string.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, uniffi::Record)]
pub struct PerformanceTarget {
    pub subject: Subject,
    pub period: String,
    pub amount: String,
}

/// One won deal or collected payment, credited to a rep (and their team) on a local day
/// (`YYYY-MM-DD`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, uniffi::Record)]
pub struct Achievement {
    pub rep_id: String,
    #[uniffi(default = None)]
    pub team_id: Option<String>,
    pub date: String,
    pub amount: String,
    pub basis: Basis,
}

/// A target's attainment. `ratio` is achieved / target rounded half-even to 4 places (`None` for a
/// zero target); `rank` 1 is the best among subjects of the same kind and period, and equal
/// results share a rank.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, uniffi::Record)]
pub struct Attainment {
    pub subject: Subject,
    pub period: String,
    pub target: String,
    pub achieved: String,
    pub ratio: Option<String>,
    pub rank: u32,
}

/// The core's JSON of a batch, freeing the records at once (a batch may hold millions of orders).
fn batch<T: Serialize>(records: T) -> Result<Value> {
    to_json(&records)
}

fn run<T: DeserializeOwned>(op: &str, args: Value) -> Result<T> {
    let value = api::call_analytics(op, &args).unwrap_or_else(|| {
        Err(crm_core::CrmError::storage(format!(
            "{op} is not an analytics operation"
        )))
    })?;
    serde_json::from_value(value).map_err(|e| {
        CrmError::from(crm_core::CrmError::storage(format!(
            "unexpected result of {op}: {e}"
        )))
    })
}

/// Scores every customer with an order on or before `as_of` (`YYYY-MM-DD`), in customer id order.
/// `config` is the RFM configuration's TOML text (None: quantile, 5 buckets, weights 1, 1, 1, the
/// default segment map); a bad configuration is `InvalidInput`.
#[uniffi::export(default(config = None))]
pub fn rfm_score(
    orders: Vec<RfmOrder>,
    as_of: String,
    config: Option<String>,
) -> Result<Vec<RfmRow>> {
    run(
        "rfm_score",
        json!({"orders": batch(orders)?, "as_of": as_of, "config": config}),
    )
}

/// Every customer whose segment changed between two scorings, in the order of `after` then the
/// ones only in `before`.
#[uniffi::export]
pub fn rfm_movements(before: Vec<RfmRow>, after: Vec<RfmRow>) -> Result<Vec<RfmMovement>> {
    run(
        "rfm_movements",
        json!({"before": batch(before)?, "after": batch(after)?}),
    )
}

/// The from/to matrix of two scorings, sorted by segment names (absent first).
#[uniffi::export]
pub fn rfm_flows(before: Vec<RfmRow>, after: Vec<RfmRow>) -> Result<Vec<RfmFlow>> {
    run(
        "rfm_flows",
        json!({"before": batch(before)?, "after": batch(after)?}),
    )
}

/// Customers scored in both that may churn under `rule` (None: the core's default rule), in the
/// order of `after`.
#[uniffi::export(default(rule = None))]
pub fn rfm_churn_warnings(
    before: Vec<RfmRow>,
    after: Vec<RfmRow>,
    rule: Option<ChurnRule>,
) -> Result<Vec<ChurnWarning>> {
    run(
        "rfm_churn_warnings",
        json!({"before": batch(before)?, "after": batch(after)?, "rule": to_json(&rule)?}),
    )
}

/// Attainment of every target on `basis`, ranked within each (kind of subject, period).
#[uniffi::export]
pub fn performance(
    targets: Vec<PerformanceTarget>,
    achievements: Vec<Achievement>,
    basis: Basis,
) -> Result<Vec<Attainment>> {
    run(
        "performance",
        json!({"targets": batch(targets)?, "achievements": batch(achievements)?, "basis": basis}),
    )
}

/// The leaderboard of the reps (or, with `teams`, the teams) for `period`: best first.
#[uniffi::export(default(teams = false))]
pub fn leaderboard(
    targets: Vec<PerformanceTarget>,
    achievements: Vec<Achievement>,
    basis: Basis,
    period: String,
    teams: bool,
) -> Result<Vec<Attainment>> {
    run(
        "leaderboard",
        json!({
            "targets": batch(targets)?, "achievements": batch(achievements)?,
            "basis": basis, "period": period, "teams": teams,
        }),
    )
}

/// The analytics operations, for completeness checks.
#[uniffi::export]
pub fn analytics_operations() -> Vec<String> {
    api::ANALYTICS_OPERATIONS
        .iter()
        .map(|s| s.to_string())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const SEED: &str = r#"
method = "thresholds"
[weights]
r = 4
f = 8
m = 8
[thresholds]
recency = [[30, 5], [90, 4], [180, 3], [365, 2]]
frequency = [[5, 5], [4, 4], [3, 3], [2, 2]]
monetary = [["50000", 5], ["20000", 4], ["5000", 3]]
[[levels]]
min_score = 80
name = "VIP1"
[[levels]]
min_score = 60
name = "VIP2"
"#;

    fn order(customer_id: &str, date: &str, amount: &str) -> RfmOrder {
        RfmOrder {
            customer_id: customer_id.into(),
            date: date.into(),
            amount: amount.into(),
        }
    }

    fn seed_orders() -> Vec<RfmOrder> {
        vec![
            order("c1", "2026-03-01", "5000.00"),
            order("c1", "2026-04-01", "5000.00"),
            order("c1", "2026-05-01", "5000.00"),
            order("c1", "2026-06-10", "5000.00"),
            order("c2", "2026-01-15", "800.50"),
            order("c3", "2026-07-02", "1.00"),
        ]
    }

    fn row(id: &str, r: u8, segment: &str) -> RfmRow {
        RfmRow {
            customer_id: id.into(),
            recency_days: 10,
            frequency: 1,
            monetary: "1".into(),
            r,
            f: 4,
            m: 4,
            score: "12".into(),
            level: None,
            segment: segment.into(),
        }
    }

    fn invalid_field(e: CrmError) -> String {
        match e {
            CrmError::InvalidInput { code, field, .. } => {
                assert_eq!(code, "INVALID_INPUT");
                field
            }
            other => panic!("expected InvalidInput, got {other:?}"),
        }
    }

    #[test]
    fn the_seed_example_scores_84_and_reaches_vip1() {
        let rows = rfm_score(seed_orders(), "2026-06-30".into(), Some(SEED.into())).unwrap();
        assert_eq!(rows.len(), 2, "c3 ordered after the as-of date: {rows:?}");
        let c1 = &rows[0];
        assert_eq!(
            (c1.customer_id.as_str(), c1.recency_days, c1.frequency),
            ("c1", 20, 4)
        );
        assert_eq!((c1.r, c1.f, c1.m), (5, 4, 4));
        assert_eq!(
            (c1.monetary.as_str(), c1.score.as_str()),
            ("20000.00", "84")
        );
        assert_eq!(c1.level.as_deref(), Some("VIP1"));
        assert_eq!(
            (rows[1].score.as_str(), rows[1].level.as_deref()),
            ("28", None)
        );
    }

    #[test]
    fn without_a_config_the_defaults_apply() {
        let rows = rfm_score(seed_orders(), "2026-06-30".into(), None).unwrap();
        // Quantile, 5 buckets over 2 customers: positions 0 and 1 land in buckets 1 and 3.
        assert_eq!((rows[0].r, rows[0].f, rows[0].m), (3, 3, 3));
        assert_eq!((rows[1].r, rows[1].f, rows[1].m), (1, 1, 1));
        assert_eq!(rows[0].score, "9");
        assert_eq!(rows[1].segment, "Lost");
        assert!(rows.iter().all(|r| r.level.is_none()));
    }

    #[test]
    fn bad_input_is_a_typed_invalid_input() {
        let at = || "2026-06-30".to_string();
        let e = rfm_score(seed_orders(), at(), Some("buckets = 12".into())).unwrap_err();
        assert_eq!(invalid_field(e), "buckets");
        let e = rfm_score(seed_orders(), at(), Some("method = \"median\"".into())).unwrap_err();
        assert_eq!(invalid_field(e), "rfm config");
        let e = rfm_score(vec![order("x", "2026-06-01", "lots")], at(), None).unwrap_err();
        assert_eq!(invalid_field(e), "orders");
        let e = rfm_score(vec![order("x", "2026-13-01", "1")], at(), None).unwrap_err();
        assert_eq!(invalid_field(e), "orders");
        let e = rfm_score(vec![], "June".into(), None).unwrap_err();
        assert_eq!(invalid_field(e), "as_of");
        let mut bad = row("1", 5, "Champions");
        bad.monetary = "lots".into();
        let e = rfm_movements(vec![bad], vec![]).unwrap_err();
        assert_eq!(invalid_field(e), "before");
    }

    #[test]
    fn movements_flows_and_churn_warnings() {
        let before = vec![
            row("1", 5, "Champions"),
            row("2", 4, "Loyal"),
            row("3", 3, "Need attention"),
            row("9", 2, "Hibernating"),
        ];
        let after = vec![
            row("1", 2, "At risk"),
            row("2", 4, "Loyal"),
            row("3", 1, "Lost"),
            row("5", 5, "New"),
        ];
        let moved = rfm_movements(before.clone(), after.clone()).unwrap();
        let pairs: Vec<(&str, Option<&str>, Option<&str>)> = moved
            .iter()
            .map(|m| {
                (
                    m.customer_id.as_str(),
                    m.from_segment.as_deref(),
                    m.to_segment.as_deref(),
                )
            })
            .collect();
        assert_eq!(
            pairs,
            vec![
                ("1", Some("Champions"), Some("At risk")),
                ("3", Some("Need attention"), Some("Lost")),
                ("5", None, Some("New")),
                ("9", Some("Hibernating"), None),
            ]
        );
        let flows = rfm_flows(before.clone(), after.clone()).unwrap();
        assert_eq!(flows.len(), 5);
        assert_eq!(
            flows[0],
            RfmFlow {
                from_segment: None,
                to_segment: Some("New".into()),
                customers: 1
            }
        );
        assert_eq!(flows.iter().map(|f| f.customers).sum::<u64>(), 5);

        let warned = rfm_churn_warnings(before.clone(), after.clone(), None).unwrap();
        assert_eq!(warned.len(), 2);
        assert_eq!(
            (
                warned[0].from_segment.as_str(),
                warned[0].to_segment.as_str()
            ),
            ("Champions", "At risk")
        );
        assert_eq!((warned[0].r_before, warned[0].r_after), (5, 2));
        assert_eq!(warned[1].reason, "recency score fell from 3 to 1");
        let same =
            rfm_churn_warnings(before.clone(), after.clone(), Some(ChurnRule::default())).unwrap();
        assert_eq!(same, warned, "ChurnRule() is the core's default rule");
        let segments_only = ChurnRule {
            r_drop: 0,
            ..ChurnRule::default()
        };
        let warned =
            rfm_churn_warnings(before.clone(), after.clone(), Some(segments_only)).unwrap();
        assert_eq!(warned.len(), 1);
        assert_eq!(warned[0].reason, "moved from Champions to At risk");
        let narrow = ChurnRule {
            valuable: Some(vec!["Loyal".into()]),
            cooling: Some(vec![]),
            r_drop: 0,
        };
        assert!(rfm_churn_warnings(before, after, Some(narrow))
            .unwrap()
            .is_empty());
    }

    #[test]
    fn the_churn_rule_defaults_are_the_cores() {
        let core: crm_core::rfm::ChurnRule =
            serde_json::from_value(to_json(&ChurnRule::default()).unwrap()).unwrap();
        assert_eq!(core, crm_core::rfm::ChurnRule::default());
    }

    fn rep(id: &str) -> Subject {
        Subject::Rep { user_id: id.into() }
    }

    fn target(subject: Subject, amount: &str) -> PerformanceTarget {
        PerformanceTarget {
            subject,
            period: "2026-11".into(),
            amount: amount.into(),
        }
    }

    fn achievement(
        rep_id: &str,
        team: &str,
        date: &str,
        amount: &str,
        basis: Basis,
    ) -> Achievement {
        Achievement {
            rep_id: rep_id.into(),
            team_id: Some(team.into()),
            date: date.into(),
            amount: amount.into(),
            basis,
        }
    }

    fn book() -> (Vec<PerformanceTarget>, Vec<Achievement>) {
        let targets = vec![
            target(rep("u-2"), "80000"),
            target(rep("u-3"), "60000"),
            target(rep("u-4"), "30000"),
            target(
                Subject::Team {
                    team_id: "t-1".into(),
                },
                "150000",
            ),
        ];
        let achievements = vec![
            achievement("u-2", "t-1", "2026-11-03", "40000", Basis::Won),
            achievement("u-2", "t-1", "2026-11-30", "20000", Basis::Won),
            achievement("u-2", "t-1", "2026-11-15", "10000", Basis::Collected),
            achievement("u-2", "t-1", "2026-12-01", "99999", Basis::Won),
            achievement("u-3", "t-1", "2026-11-10", "45000", Basis::Won),
            achievement("u-4", "t-2", "2026-11-11", "30000", Basis::Won),
        ];
        (targets, achievements)
    }

    #[test]
    fn attainment_is_ranked_and_equal_results_share_a_rank() {
        let (targets, achievements) = book();
        let rows = performance(targets.clone(), achievements.clone(), Basis::Won).unwrap();
        let got: Vec<(&str, Option<&str>, u32)> = rows
            .iter()
            .map(|a| (a.achieved.as_str(), a.ratio.as_deref(), a.rank))
            .collect();
        assert_eq!(
            got,
            vec![
                ("60000", Some("0.75"), 2),
                ("45000", Some("0.75"), 3),
                ("30000", Some("1"), 1),
                ("105000", Some("0.7"), 1),
            ]
        );
        let board = leaderboard(
            targets.clone(),
            achievements.clone(),
            Basis::Collected,
            "2026-11".into(),
            false,
        )
        .unwrap();
        let got: Vec<(Subject, u32)> = board.iter().map(|a| (a.subject.clone(), a.rank)).collect();
        assert_eq!(got, vec![(rep("u-2"), 1), (rep("u-3"), 2), (rep("u-4"), 2)]);
        let teams = leaderboard(
            targets.clone(),
            achievements.clone(),
            Basis::Won,
            "2026-11".into(),
            true,
        )
        .unwrap();
        assert_eq!(teams.len(), 1);
        assert_eq!(teams[0].target, "150000");
        let mut bad = targets;
        bad[0].period = "November".into();
        let e = performance(bad, achievements, Basis::Won).unwrap_err();
        assert_eq!(invalid_field(e), "period");
    }

    /// Decoding the core's JSON into a mobile record and encoding it again gives the same JSON.
    fn lossless<T: DeserializeOwned + Serialize>(op: &str, args: Value) -> Vec<T> {
        let core = api::call_analytics(op, &args).unwrap().unwrap();
        let mobile: Vec<T> = serde_json::from_value(core.clone()).unwrap();
        assert!(!mobile.is_empty(), "{op} gave nothing to compare");
        assert_eq!(to_json(&mobile).unwrap(), core, "{op}");
        mobile
    }

    #[test]
    fn records_carry_every_field_of_the_core() {
        let scored = json!({"orders": to_json(&seed_orders()).unwrap(), "as_of": "2026-06-30", "config": SEED});
        let after = lossless::<RfmRow>("rfm_score", scored);
        let before = vec![row("c2", 5, "Champions"), row("c9", 2, "Hibernating")];
        let pair = json!({"before": to_json(&before).unwrap(), "after": to_json(&after).unwrap()});
        lossless::<RfmMovement>("rfm_movements", pair.clone());
        lossless::<RfmFlow>("rfm_flows", pair.clone());
        lossless::<ChurnWarning>("rfm_churn_warnings", pair);
        let (targets, achievements) = book();
        let mut zero = target(rep("u-9"), "0");
        zero.period = "2026-Q4".into();
        let mut targets = targets;
        targets.push(zero);
        let args = json!({
            "targets": to_json(&targets).unwrap(), "achievements": to_json(&achievements).unwrap(),
            "basis": "won",
        });
        let rows = lossless::<Attainment>("performance", args);
        assert_eq!(
            rows.last().unwrap().ratio,
            None,
            "a zero target has no ratio"
        );
    }

    #[test]
    fn every_analytics_operation_is_exported() {
        assert_eq!(
            analytics_operations(),
            [
                "rfm_score",
                "rfm_movements",
                "rfm_flows",
                "rfm_churn_warnings",
                "performance",
                "leaderboard",
                "commission_statement"
            ]
        );
    }
}
