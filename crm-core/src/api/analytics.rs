//! Analytics operations of the operation table: RFM scoring, segment movement, churn warnings and
//! performance, pure functions of the batch they are given (one call per batch, no store).

use super::{arg, out};
use crate::error::Result;
use crate::performance::{self, Achievement, Basis, Target};
use crate::rfm::{self, ChurnRule, Order, RfmConfig, RfmRow};
use serde_json::Value;

pub const OPERATIONS: &[&str] = &[
    "rfm_score",
    "rfm_movements",
    "rfm_flows",
    "rfm_churn_warnings",
    "performance",
    "leaderboard",
];

fn config(args: &Value) -> Result<RfmConfig> {
    match arg::<Option<String>>(args, "config")? {
        Some(text) => rfm::parse_config(&text),
        None => Ok(RfmConfig::default()),
    }
}

fn attainments(a: &Value) -> Result<Vec<performance::Attainment>> {
    performance::evaluate(
        &arg::<Vec<Target>>(a, "targets")?,
        &arg::<Vec<Achievement>>(a, "achievements")?,
        arg::<Basis>(a, "basis")?,
    )
}

pub(super) fn call(op: &str, a: &Value) -> Option<Result<Value>> {
    let pair =
        || -> Result<(Vec<RfmRow>, Vec<RfmRow>)> { Ok((arg(a, "before")?, arg(a, "after")?)) };
    let result = match op {
        "rfm_score" => (|| {
            let orders: Vec<Order> = arg(a, "orders")?;
            out(rfm::score(&orders, arg(a, "as_of")?, &config(a)?))
        })(),
        "rfm_movements" => pair().and_then(|(b, f)| out(Ok(rfm::movements(&b, &f)))),
        "rfm_flows" => pair().and_then(|(b, f)| out(Ok(rfm::flows(&b, &f)))),
        "rfm_churn_warnings" => (|| {
            let (b, f) = pair()?;
            let rule = arg::<Option<ChurnRule>>(a, "rule")?.unwrap_or_default();
            out(Ok(rfm::churn_warnings(&b, &f, &rule)))
        })(),
        "performance" => out(attainments(a)),
        "leaderboard" => (|| {
            let period = arg::<String>(a, "period")?;
            let rows = attainments(a)?;
            let teams = arg::<Option<bool>>(a, "teams")?.unwrap_or(false);
            out(performance::leaderboard(&rows, teams, &period))
        })(),
        _ => return None,
    };
    Some(result)
}
