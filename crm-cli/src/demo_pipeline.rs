//! The demo's third part: deals moving through the pipeline (guards, a loss with its reason, a
//! refused reopen), the weighted forecast, a contract whose payments (回款) arrive in parts, the
//! overdue and outstanding lists.

use crate::demo::{start, DemoResult};
use crate::report::Report;
use chrono::{Duration, NaiveDate};
use crm_core::api::Operations;
use crm_core::commission::parse_plan;
use crm_core::contract::{NewContract, NewInstalment, NewPayment, OutstandingBy};
use crm_core::opportunity::{NewOpportunity, OpportunityPatch};
use crm_core::pipeline::Pipeline;
use crm_core::{CrmError, FixedClock, NewCustomer};
use rust_decimal::Decimal;

fn problem(e: &CrmError) -> String {
    format!("refused, {} ({e})", e.code())
}

fn day(n: i64) -> NaiveDate {
    (start() + Duration::days(n - 1)).date_naive()
}

/// Whole yuan as an amount with two places.
pub(crate) fn yuan(units: i64) -> Decimal {
    Decimal::new(units * 100, 2)
}

pub fn chapter(
    crm: &impl Operations,
    clock: &FixedClock,
    r: &mut Report,
    admin: &str,
    rep: &str,
    other: &str,
) -> DemoResult<()> {
    r.section("Day 24: deals move through the pipeline");
    clock.set(start() + Duration::days(23) + Duration::hours(1));
    let mut pipeline = Pipeline::standard();
    pipeline.lost_reasons = ["price", "competitor", "no_budget", "no_decision"]
        .map(String::from)
        .to_vec();
    let pipeline = crm.save_pipeline(admin, pipeline)?;
    r.item(&format!(
        "{admin} stores the standard pipeline with its loss reasons: {}",
        pipeline.lost_reasons.join(", ")
    ));
    let big = crm
        .create_customer(
            rep,
            NewCustomer {
                name: "深圳前海智联科技有限公司".into(),
                ..NewCustomer::default()
            },
        )?
        .customer;
    let small = crm
        .create_customer(
            other,
            NewCustomer {
                name: "东莞松山湖电子有限公司".into(),
                ..NewCustomer::default()
            },
        )?
        .customer;
    let o = crm.create_opportunity(
        rep,
        &big.id,
        NewOpportunity::new("智能仓储系统", yuan(480_000)),
    )?;
    r.item(&format!(
        "{rep} opens {} {:?} for {} in stage {}",
        o.id, o.name, o.amount, o.stage
    ));
    let o = crm.move_opportunity(rep, &o.id, o.version, "needs_analysis", None)?;
    r.item(&format!(
        "{} moves to {} ({}%)",
        o.id,
        o.stage,
        o.history.last().map(|h| h.probability).unwrap_or_default()
    ));
    match crm.move_opportunity(rep, &o.id, o.version, "proposal", None) {
        Err(e) => r.item(&format!(
            "to proposal without a close date: {}",
            problem(&e)
        )),
        Ok(_) => return Err("the proposal guard let a deal without a close date in".into()),
    }
    let o = crm.update_opportunity(
        rep,
        &o.id,
        o.version,
        OpportunityPatch {
            expected_close: Some(day(35)),
            ..OpportunityPatch::default()
        },
    )?;
    let o = crm.move_opportunity(rep, &o.id, o.version, "proposal", None)?;
    let o = crm.move_opportunity(rep, &o.id, o.version, "negotiation", None)?;
    r.item(&format!(
        "with a close date of {}: proposal, then {} ({:?})",
        day(35),
        o.stage,
        o.history.last().map(|h| h.category)
    ));

    let mut maint = NewOpportunity::new("年度维保服务", yuan(60_000));
    maint.expected_close = Some(day(40));
    let m = crm.create_opportunity(other, &small.id, maint)?;
    let m = crm.move_opportunity(other, &m.id, m.version, "proposal", None)?;
    r.item(&format!(
        "{other} opens {} {:?} for {} and sends a proposal",
        m.id, m.name, m.amount
    ));
    for month in crm.forecast(admin, crm_core::performance::PeriodKind::Month, None)? {
        r.item(&format!(
            "forecast {}: {} open, {} in total, weighted {} (commit {}, best case {})",
            month.period,
            month.open,
            month.amount,
            month.weighted.round_dp(2),
            month.commit,
            month.best_case
        ));
    }

    r.section("Day 26: a loss with its reason");
    clock.set(start() + Duration::days(25) + Duration::hours(2));
    match crm.move_opportunity(
        other,
        &m.id,
        m.version,
        "lost",
        Some("too expensive".into()),
    ) {
        Err(e) => r.item(&format!("lost because \"too expensive\": {}", problem(&e))),
        Ok(_) => return Err("a loss reason outside the list was accepted".into()),
    }
    let m = crm.move_opportunity(other, &m.id, m.version, "lost", Some("price".into()))?;
    r.item(&format!(
        "{} lost, reason {:?}",
        m.id,
        m.lost_reason.as_deref().unwrap_or("")
    ));
    match crm.move_opportunity(other, &m.id, m.version, "proposal", None) {
        Err(e) => r.item(&format!("{other} tries to reopen it: {}", problem(&e))),
        Ok(_) => return Err("a rep reopened a lost deal".into()),
    }

    r.section("Day 27: won, and a contract with a payment plan");
    clock.set(start() + Duration::days(26) + Duration::hours(3));
    let o = crm.move_opportunity(rep, &o.id, o.version, "won", None)?;
    let k = crm.create_contract(
        rep,
        &o.id,
        NewContract {
            signed_on: day(27),
            amount: None,
            instalments: vec![
                NewInstalment {
                    due_date: day(30),
                    amount: yuan(144_000),
                },
                NewInstalment {
                    due_date: day(45),
                    amount: yuan(192_000),
                },
                NewInstalment {
                    due_date: day(60),
                    amount: yuan(144_000),
                },
            ],
        },
    )?;
    r.item(&format!(
        "{} won; contract {} for {} in {} instalments:",
        o.id,
        k.id,
        k.amount,
        k.instalments.len()
    ));
    for i in &k.instalments {
        r.item(&format!("   #{} due {}: {}", i.seq, i.due_date, i.amount));
    }
    let conv = crm.stage_conversion(admin, &o.pipeline_id)?;
    let line: Vec<String> = conv
        .iter()
        .map(|c| {
            format!(
                "{}->{} {}/{}",
                c.from_stage, c.to_stage, c.advanced, c.entered
            )
        })
        .collect();
    r.item(&format!("stage conversion: {}", line.join(", ")));

    r.section("Days 29-35: payments arrive (回款)");
    clock.set(start() + Duration::days(28) + Duration::hours(2));
    let k = crm.record_payment(
        rep,
        &k.id,
        k.version,
        NewPayment {
            received_on: day(29),
            amount: yuan(100_000),
            instalment: None,
            note: Some("first transfer".into()),
        },
    )?;
    r.item(&format!(
        "day 29: 100000.00 received, outstanding {}",
        k.outstanding()
    ));
    clock.set(start() + Duration::days(34) + Duration::hours(2));
    for x in crm.overdue_instalments(admin)? {
        r.item(&format!(
            "day 35 overdue: {} #{} due {}, {} open, {} days late (owner {})",
            x.contract_id,
            x.seq,
            x.due_date,
            x.open,
            x.days_overdue,
            x.owner_id.as_deref().unwrap_or("-")
        ));
    }
    let k = crm.record_payment(
        rep,
        &k.id,
        k.version,
        NewPayment {
            received_on: day(35),
            amount: yuan(236_000),
            instalment: None,
            note: None,
        },
    )?;
    if let Some(p) = k.payments.last() {
        let parts: Vec<String> = p
            .allocations
            .iter()
            .map(|a| format!("#{} {}", a.seq, a.amount))
            .collect();
        r.item(&format!(
            "day 35: {} received, matched to {}",
            p.amount,
            parts.join(", ")
        ));
    }
    for row in crm.outstanding_balances(admin, OutstandingBy::Rep)? {
        r.item(&format!(
            "outstanding for {}: {} on {} contract(s), {} overdue",
            row.key, row.outstanding, row.contracts, row.overdue
        ));
    }
    commission(crm, clock, r, admin, rep)
}

const BOOKED: &str = r#"
name = "Field sales (booked)"
base = "booked"
period = "month"
[rates]
type = "graduated"
[[rates.tiers]]
lower = "0"
upper = "300000"
rate = "2"
[[rates.tiers]]
lower = "300000"
rate = "3.5"
[draw]
amount = "3000"
recoverable = true
"#;

const COLLECTED: &str = r#"
name = "Field sales (回款)"
base = "collected"
period = "month"
[rates]
type = "flat"
rate = "2.5"
"#;

/// Day 40: the won deal's commission, booked in November and as cash arrives.
fn commission(
    crm: &impl Operations,
    clock: &FixedClock,
    r: &mut Report,
    admin: &str,
    rep: &str,
) -> DemoResult<()> {
    r.section("Day 40: commission statements");
    clock.set(start() + Duration::days(39) + Duration::hours(2));
    for (text, period) in [
        (BOOKED, "2026-11"),
        (COLLECTED, "2026-11"),
        (COLLECTED, "2026-12"),
    ] {
        let plan = parse_plan(text)?;
        for s in crm.commission_statements(admin, period, plan.clone(), None)? {
            if s.rep_id != rep {
                continue;
            }
            let mut out = Vec::new();
            crate::commission::table(&mut out, &plan.name, &s)?;
            for line in String::from_utf8_lossy(&out).lines() {
                r.item(line);
            }
        }
    }
    Ok(())
}
