//! Analytics operations of the operation table: RFM scoring, segment movement, churn warnings and
//! performance, pure functions of the batch they are given (one call per batch, no store).

use super::{arg, out};
use crate::commission::{self, Credit, Plan};
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
    "commission_statement",
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
        "commission_statement" => (|| {
            let plan = match arg::<Option<String>>(a, "plan_toml")? {
                Some(text) => commission::parse_plan(&text)?,
                None => arg::<Plan>(a, "plan")?,
            };
            let credits: Vec<Credit> = arg(a, "credits")?;
            let period = arg::<String>(a, "period")?;
            match arg::<Option<String>>(a, "rep_id")? {
                Some(rep) => {
                    out(commission::statement(&plan, &credits, &rep, &period).map(|s| vec![s]))
                }
                None => out(commission::statements(&plan, &credits, &period)),
            }
        })(),
        _ => return None,
    };
    Some(result)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    #[test]
    fn commission_statement_from_a_toml_plan_or_a_json_plan() {
        let credits = json!([
            {"kind": "won", "deal_id": "d1", "rep_id": "a", "split": "60", "date": "2026-03-02", "amount": "10000"},
            {"kind": "won", "deal_id": "d1", "rep_id": "b", "split": "40", "date": "2026-03-02", "amount": "10000"}
        ]);
        let toml = "name = \"p\"\nbase = \"booked\"\nperiod = \"month\"\n[rates]\ntype = \"flat\"\nrate = \"5\"";
        let all = crate::api::call_analytics(
            "commission_statement",
            &json!({"plan_toml": toml, "credits": credits, "period": "2026-03"}),
        )
        .unwrap()
        .unwrap();
        assert_eq!(all[0]["total"], "300.00");
        assert_eq!(all[1]["total"], "200.00");
        let plan = json!({"name": "p", "base": "booked", "period": "month", "rates": {"type": "flat", "rate": "5"}});
        let one = crate::api::call_analytics(
            "commission_statement",
            &json!({"plan": plan, "credits": credits, "period": "2026-03", "rep_id": "b"}),
        )
        .unwrap()
        .unwrap();
        assert_eq!(one.as_array().unwrap().len(), 1);
        assert_eq!(
            one[0]["lines"][0]["explanation"],
            "deal d1 (40% of 10000) booked 2026-03-02: 4000 at 5% = 200.00"
        );
        let bad = json!({"name": "p", "base": "booked", "period": "month", "rates": {"type": "flat", "rate": "-5"}});
        let e = crate::api::call_analytics(
            "commission_statement",
            &json!({"plan": bad, "credits": credits, "period": "2026-03"}),
        )
        .unwrap()
        .unwrap_err();
        assert_eq!(e.code(), "INVALID_INPUT");
    }
}
