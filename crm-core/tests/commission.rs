//! Commission: hand-computed statements (the arithmetic is in each test's comment), refused plans,
//! and the properties: split credits sum to the deal, a statement's lines sum to its total (the
//! exact total rounded once), graduated pay never exceeds retroactive pay for rising rates.

use chrono::NaiveDate;
use crm_core::commission::{
    parse_plan, split_credits, statement, statements, CommissionBase, CommissionCredit,
    CommissionCreditKind, CommissionDraw, CommissionLineKind, CommissionPlan, CommissionQuota,
    CommissionRates, CommissionTier, QuotaBand,
};
use crm_core::CrmError;
use proptest::prelude::*;
use rust_decimal::Decimal;
use std::str::FromStr;

fn d(s: &str) -> Decimal {
    Decimal::from_str(s).unwrap()
}

fn day(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

fn won(deal: &str, rep: &str, split: &str, date: &str, amount: &str) -> CommissionCredit {
    CommissionCredit {
        kind: CommissionCreditKind::Won,
        deal_id: deal.into(),
        rep_id: Some(rep.into()),
        split: Some(d(split)),
        date: day(date),
        amount: d(amount),
        contract_total: None,
    }
}

fn other(
    kind: CommissionCreditKind,
    deal: &str,
    date: &str,
    amount: &str,
    total: Option<&str>,
) -> CommissionCredit {
    CommissionCredit {
        kind,
        deal_id: deal.into(),
        rep_id: None,
        split: None,
        date: day(date),
        amount: d(amount),
        contract_total: total.map(d),
    }
}

fn plan(body: &str) -> CommissionPlan {
    parse_plan(&format!("name = \"test\"\n{body}")).unwrap()
}

const TIERS: &str = r#"
[[rates.tiers]]
lower = "0"
upper = "10000"
rate = "2"
[[rates.tiers]]
lower = "10000"
upper = "30000"
rate = "5"
[[rates.tiers]]
lower = "30000"
rate = "10"
"#;

fn amounts(s: &crm_core::commission::CommissionStatement) -> Vec<Decimal> {
    s.lines.iter().map(|l| l.amount).collect()
}

fn ds(v: &[&str]) -> Vec<Decimal> {
    v.iter().map(|x| d(x)).collect()
}

#[test]
fn flat_rate_rounds_once_per_line_with_the_difference_carried() {
    // 10000.00 x 5% = 500.00; 2500.50 x 5% = 125.025 -> running 625.025 rounds half-even to
    // 625.02, so the second line shows 625.02 - 500.00 = 125.02; the April deal is not in March.
    let p = plan("base = \"booked\"\nperiod = \"month\"\n[rates]\ntype = \"flat\"\nrate = \"5\"");
    let credits = [
        won("d1", "a", "100", "2026-03-05", "10000.00"),
        won("d2", "a", "100", "2026-03-20", "2500.50"),
        won("d3", "a", "100", "2026-04-01", "999"),
    ];
    let s = statement(&p, &credits, "a", "2026-03").unwrap();
    assert_eq!(amounts(&s), ds(&["500.00", "125.02"]));
    assert_eq!((s.exact_total, s.total), (d("625.025"), d("625.02")));
    assert!(
        s.lines[0].explanation.contains("10000.00 at 5% = 500.00"),
        "{}",
        s.lines[0].explanation
    );
}

#[test]
fn rounding_difference_is_carried_so_the_total_is_exact() {
    // Three deals of 33.33 at 1% = 0.3333 each: running 0.3333 -> 0.33, 0.6666 -> 0.67 (+0.34),
    // 0.9999 -> 1.00 (+0.33): lines 0.33 + 0.34 + 0.33 = 1.00 = round(0.9999).
    let p = plan("base = \"booked\"\nperiod = \"month\"\n[rates]\ntype = \"flat\"\nrate = \"1\"");
    let credits: Vec<CommissionCredit> = (1..=3)
        .map(|i| {
            won(
                &format!("d{i}"),
                "a",
                "100",
                &format!("2026-03-0{i}"),
                "33.33",
            )
        })
        .collect();
    let s = statement(&p, &credits, "a", "2026-03").unwrap();
    assert_eq!(amounts(&s), ds(&["0.33", "0.34", "0.33"]));
    assert_eq!(s.total, d("1.00"));
}

#[test]
fn fixed_amount_per_deal() {
    // Two March deals at 300 each = 600; the split share of a fixed amount follows the split.
    let p = plan(
        "base = \"booked\"\nperiod = \"month\"\n[rates]\ntype = \"per_deal\"\namount = \"300\"",
    );
    let credits = [
        won("d1", "a", "100", "2026-03-05", "100"),
        won("d2", "a", "50", "2026-03-06", "80000"),
        won("d2", "b", "50", "2026-03-06", "80000"),
        won("d3", "a", "100", "2026-03-07", "5"),
    ];
    let s = statement(&p, &credits, "a", "2026-03").unwrap();
    // d1 300 + d2 150 (50% of 300) + d3 300 = 750.
    assert_eq!(amounts(&s), ds(&["300", "150", "300"]));
    assert_eq!(s.total, d("750"));
}

#[test]
fn graduated_tiers_pay_each_slice_at_its_rate() {
    // Tiers 0-10000 2%, 10000-30000 5%, 30000+ 10%; deals 8000, 15000, 12000 (total 35000):
    // d1 0-8000 at 2% = 160; d2 8000-10000 at 2% = 40 and 10000-23000 at 5% = 650;
    // d3 23000-30000 at 5% = 350 and 30000-35000 at 10% = 500. Total 1700.
    let p = plan(&format!(
        "base = \"booked\"\nperiod = \"month\"\n[rates]\ntype = \"graduated\"\n{TIERS}"
    ));
    let credits = [
        won("d1", "a", "100", "2026-03-02", "8000"),
        won("d2", "a", "100", "2026-03-10", "15000"),
        won("d3", "a", "100", "2026-03-25", "12000"),
    ];
    let s = statement(&p, &credits, "a", "2026-03").unwrap();
    assert_eq!(amounts(&s), ds(&["160", "40", "650", "350", "500"]));
    assert_eq!(
        s.lines.iter().map(|l| l.tier.unwrap()).collect::<Vec<_>>(),
        [1, 1, 2, 2, 3]
    );
    assert_eq!(s.total, d("1700"));
}

#[test]
fn retroactive_tiers_pay_everything_at_the_rate_reached() {
    // Same deals, total 35000 reaches tier 3 (10%): 800 + 1500 + 1200 = 3500.
    let p = plan(&format!(
        "base = \"booked\"\nperiod = \"month\"\n[rates]\ntype = \"retroactive\"\n{TIERS}"
    ));
    let credits = [
        won("d1", "a", "100", "2026-03-02", "8000"),
        won("d2", "a", "100", "2026-03-10", "15000"),
        won("d3", "a", "100", "2026-03-25", "12000"),
    ];
    let s = statement(&p, &credits, "a", "2026-03").unwrap();
    assert_eq!(amounts(&s), ds(&["800", "1500", "1200"]));
    assert_eq!(s.total, d("3500"));
}

#[test]
fn a_total_exactly_on_a_boundary_belongs_to_the_lower_tier_unless_configured() {
    // Total exactly 10000: lower tier 2% = 200; with boundary = "upper", tier 2 at 5% = 500.
    let credits = [won("d1", "a", "100", "2026-03-02", "10000")];
    let lower = plan(&format!(
        "base = \"booked\"\nperiod = \"month\"\n[rates]\ntype = \"retroactive\"\n{TIERS}"
    ));
    assert_eq!(
        statement(&lower, &credits, "a", "2026-03").unwrap().total,
        d("200")
    );
    let upper = plan(&format!(
        "base = \"booked\"\nperiod = \"month\"\nboundary = \"upper\"\n[rates]\ntype = \"retroactive\"\n{TIERS}"
    ));
    let s = statement(&upper, &credits, "a", "2026-03").unwrap();
    assert_eq!((s.total, s.lines[0].tier), (d("500"), Some(2)));
}

#[test]
fn accelerator_above_quota() {
    // Quota 20000, 24000 booked at 5% = 1200; attainment 120% reaches the 100% band (x1.5):
    // +1200 x 0.5 = 600, total 1800.
    let p = plan(
        "base = \"booked\"\nperiod = \"month\"\n[rates]\ntype = \"flat\"\nrate = \"5\"\n[quota]\ndefault = \"20000\"\n[[bands]]\nmin_attainment = \"100\"\nmultiplier = \"1.5\"",
    );
    let s = statement(
        &p,
        &[won("d1", "a", "100", "2026-03-02", "24000")],
        "a",
        "2026-03",
    )
    .unwrap();
    assert_eq!(s.attainment, Some(d("120")));
    assert_eq!(amounts(&s), ds(&["1200", "600"]));
    assert_eq!(s.lines[1].kind, CommissionLineKind::Band);
    assert_eq!(s.total, d("1800"));
}

#[test]
fn decelerator_below_half_of_quota() {
    // Bands 0% x0.5 and 50% x1; quota 20000; 8000 at 5% = 400 at 40% attainment: -200, total 200.
    let p = plan(
        "base = \"booked\"\nperiod = \"month\"\n[rates]\ntype = \"flat\"\nrate = \"5\"\n[quota]\ndefault = \"20000\"\n[[bands]]\nmin_attainment = \"0\"\nmultiplier = \"0.5\"\n[[bands]]\nmin_attainment = \"50\"\nmultiplier = \"1\"",
    );
    let s = statement(
        &p,
        &[won("d1", "a", "100", "2026-03-02", "8000")],
        "a",
        "2026-03",
    )
    .unwrap();
    assert_eq!(amounts(&s), ds(&["400", "-200"]));
    assert_eq!(s.total, d("200"));
}

#[test]
fn gate_pays_nothing_below_the_threshold() {
    // Quota 20000 (rep b: 10000); gate 50%. Rep a books 8000 (40%): 400 then -400 = 0.
    // Rep b books the same 8000 against 10000 (80%): 400, no gate.
    let p = plan(
        "base = \"booked\"\nperiod = \"month\"\n[rates]\ntype = \"flat\"\nrate = \"5\"\n[quota]\ndefault = \"20000\"\n[quota.reps]\nb = \"10000\"\n[gate]\nmin_attainment = \"50\"\nfactor = \"0\"",
    );
    let credits = [
        won("d1", "a", "100", "2026-03-02", "8000"),
        won("d2", "b", "100", "2026-03-02", "8000"),
    ];
    let all = statements(&p, &credits, "2026-03").unwrap();
    assert_eq!(amounts(&all[0]), ds(&["400", "-400"]));
    assert_eq!(all[0].total, d("0"));
    assert_eq!((all[1].rep_id.as_str(), all[1].total), ("b", d("400")));
}

#[test]
fn caps_and_floors_per_deal_and_per_period() {
    // 10%: d1 15000 -> 1500 capped at 1000 (-500); d2 500 -> 50 raised to 100 (+50);
    // d3 6000 -> 600. 1000 + 100 + 600 = 1700, period cap 1500: -200. Total 1500.
    let p = plan(
        "base = \"booked\"\nperiod = \"month\"\ndeal_cap = \"1000\"\ndeal_floor = \"100\"\nperiod_cap = \"1500\"\n[rates]\ntype = \"flat\"\nrate = \"10\"",
    );
    let credits = [
        won("d1", "a", "100", "2026-03-02", "15000"),
        won("d2", "a", "100", "2026-03-03", "500"),
        won("d3", "a", "100", "2026-03-04", "6000"),
    ];
    let s = statement(&p, &credits, "a", "2026-03").unwrap();
    let kinds: Vec<CommissionLineKind> = s.lines.iter().map(|l| l.kind).collect();
    assert_eq!(
        kinds,
        [
            CommissionLineKind::Commission,
            CommissionLineKind::Commission,
            CommissionLineKind::Commission,
            CommissionLineKind::DealCap,
            CommissionLineKind::DealFloor,
            CommissionLineKind::PeriodCap
        ]
    );
    assert_eq!(
        amounts(&s),
        ds(&["1500", "50", "600", "-500", "50", "-200"])
    );
    assert_eq!(s.total, d("1500"));
}

#[test]
fn a_split_deal_credits_each_rep_their_share() {
    // 10000 split 60/40 at 5%: a earns 6000 x 5% = 300, b 4000 x 5% = 200. Splits of 50 + 40
    // are refused naming the deal.
    let p = plan("base = \"booked\"\nperiod = \"month\"\n[rates]\ntype = \"flat\"\nrate = \"5\"");
    let credits = [
        won("d1", "a", "60", "2026-03-02", "10000"),
        won("d1", "b", "40", "2026-03-02", "10000"),
    ];
    let all = statements(&p, &credits, "2026-03").unwrap();
    assert_eq!((all[0].base_total, all[0].total), (d("6000"), d("300")));
    assert_eq!((all[1].base_total, all[1].total), (d("4000"), d("200")));
    let bad = [
        won("d1", "a", "50", "2026-03-02", "10000"),
        won("d1", "b", "40", "2026-03-02", "10000"),
    ];
    match statements(&p, &bad, "2026-03") {
        Err(CrmError::InvalidInput { field, reason }) => {
            assert_eq!(field, "deal d1: split");
            assert!(reason.contains("90%"), "{reason}");
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn clawback_in_a_later_period_at_the_original_rate_and_only_inside_the_window() {
    // January: d1 10000 and d2 5000 at 5% = 500 + 250 = 750. February 10: 2000 of d1 refunded,
    // 26 days after its win: 2000 x 5% = 100 clawed back, February total -100. June 1: d2
    // cancelled 132 days after its win, beyond the 90-day window: a zero line says so.
    let p = plan("base = \"booked\"\nperiod = \"month\"\n[rates]\ntype = \"flat\"\nrate = \"5\"");
    let credits = [
        won("d1", "a", "100", "2026-01-15", "10000"),
        won("d2", "a", "100", "2026-01-20", "5000"),
        other(
            CommissionCreditKind::Refund,
            "d1",
            "2026-02-10",
            "2000",
            None,
        ),
        other(CommissionCreditKind::Cancel, "d2", "2026-06-01", "0", None),
    ];
    assert_eq!(
        statement(&p, &credits, "a", "2026-01").unwrap().total,
        d("750")
    );
    let feb = statement(&p, &credits, "a", "2026-02").unwrap();
    assert_eq!(amounts(&feb), ds(&["-100"]));
    assert_eq!(feb.lines[0].kind, CommissionLineKind::Clawback);
    assert_eq!(feb.lines[0].rate, Some(d("5")));
    let june = statement(&p, &credits, "a", "2026-06").unwrap();
    assert_eq!(june.total, d("0"));
    assert!(
        june.lines[0].explanation.contains("no clawback, 132 days"),
        "{}",
        june.lines[0].explanation
    );
    // A cancellation inside the window reverses what is left: d1 earned 500, 100 clawed: -400.
    let credits = [
        won("d1", "a", "100", "2026-01-15", "10000"),
        other(
            CommissionCreditKind::Refund,
            "d1",
            "2026-02-10",
            "2000",
            None,
        ),
        other(CommissionCreditKind::Cancel, "d1", "2026-03-01", "0", None),
    ];
    assert_eq!(
        statement(&p, &credits, "a", "2026-03").unwrap().total,
        d("-400")
    );
}

#[test]
fn recoverable_draw_is_carried_and_recovered() {
    // 10%, recoverable draw 1000. Jan: 5000 -> 500, topped up 500 (carried 500): 1000.
    // Feb: 15000 -> 1500, recovers min(1500 - 1000, 500) = 500: 1000, carried 0.
    // Mar: 20000 -> 2000, nothing carried: 2000.
    let p = plan(
        "base = \"booked\"\nperiod = \"month\"\n[rates]\ntype = \"flat\"\nrate = \"10\"\n[draw]\namount = \"1000\"\nrecoverable = true",
    );
    let credits = [
        won("d1", "a", "100", "2026-01-10", "5000"),
        won("d2", "a", "100", "2026-02-10", "15000"),
        won("d3", "a", "100", "2026-03-10", "20000"),
    ];
    let jan = statement(&p, &credits, "a", "2026-01").unwrap();
    assert_eq!(
        (amounts(&jan), jan.draw_balance),
        (ds(&["500", "500"]), d("500"))
    );
    let feb = statement(&p, &credits, "a", "2026-02").unwrap();
    assert_eq!(amounts(&feb), ds(&["1500", "-500"]));
    assert_eq!((feb.total, feb.draw_balance), (d("1000"), d("0")));
    let mar = statement(&p, &credits, "a", "2026-03").unwrap();
    assert_eq!((mar.total, mar.draw_balance), (d("2000"), d("0")));
}

#[test]
fn non_recoverable_draw_pays_the_larger() {
    // Jan: 500 earned, draw 1000: +500 = 1000. Feb: 1500 earned, nothing recovered: 1500.
    let p = plan(
        "base = \"booked\"\nperiod = \"month\"\n[rates]\ntype = \"flat\"\nrate = \"10\"\n[draw]\namount = \"1000\"\nrecoverable = false",
    );
    let credits = [
        won("d1", "a", "100", "2026-01-10", "5000"),
        won("d2", "a", "100", "2026-02-10", "15000"),
    ];
    assert_eq!(
        statement(&p, &credits, "a", "2026-01").unwrap().total,
        d("1000")
    );
    let feb = statement(&p, &credits, "a", "2026-02").unwrap();
    assert_eq!((feb.total, feb.draw_balance), (d("1500"), d("0")));
}

#[test]
fn payment_based_plans_earn_in_proportion_to_three_partial_payments() {
    // Collected, 4%: a 30000 contract won in January is paid 10000 (Jan), 12000 (Feb), 8000
    // (Mar): 400, 480, 320, which is the deal commission 1200 x payment / 30000 each time.
    // Per deal 900: 900 x 10000/30000 = 300, x 12000/30000 = 360, x 8000/30000 = 240.
    let credits = [
        won("d1", "a", "100", "2026-01-10", "30000"),
        other(
            CommissionCreditKind::Payment,
            "d1",
            "2026-01-20",
            "10000",
            Some("30000"),
        ),
        other(
            CommissionCreditKind::Payment,
            "d1",
            "2026-02-15",
            "12000",
            Some("30000"),
        ),
        other(
            CommissionCreditKind::Payment,
            "d1",
            "2026-03-05",
            "8000",
            Some("30000"),
        ),
    ];
    let flat =
        plan("base = \"collected\"\nperiod = \"month\"\n[rates]\ntype = \"flat\"\nrate = \"4\"");
    let fixed = plan(
        "base = \"collected\"\nperiod = \"month\"\n[rates]\ntype = \"per_deal\"\namount = \"900\"",
    );
    for (month, f, x) in [
        ("2026-01", "400", "300"),
        ("2026-02", "480", "360"),
        ("2026-03", "320", "240"),
    ] {
        assert_eq!(
            statement(&flat, &credits, "a", month).unwrap().total,
            d(f),
            "{month}"
        );
        assert_eq!(
            statement(&fixed, &credits, "a", month).unwrap().total,
            d(x),
            "{month}"
        );
    }
    // A refund of 5000 in April claws back at the 4% earned per unit collected: -200.
    let mut refunded = credits.to_vec();
    refunded.push(other(
        CommissionCreditKind::Refund,
        "d1",
        "2026-04-01",
        "5000",
        None,
    ));
    assert_eq!(
        statement(&flat, &refunded, "a", "2026-04").unwrap().total,
        d("-200")
    );
}

#[test]
fn quarterly_plans_state_quarters() {
    // A quarterly plan sums the quarter: 1000 (Jan) + 3000 (Mar) at 10% = 400; a month is refused.
    let p =
        plan("base = \"booked\"\nperiod = \"quarter\"\n[rates]\ntype = \"flat\"\nrate = \"10\"");
    let credits = [
        won("d1", "a", "100", "2026-01-10", "1000"),
        won("d2", "a", "100", "2026-03-31", "3000"),
    ];
    assert_eq!(
        statement(&p, &credits, "a", "2026-Q1").unwrap().total,
        d("400")
    );
    assert!(statement(&p, &credits, "a", "2026-03").is_err());
}

fn refused(toml: &str) -> String {
    match parse_plan(&format!(
        "name = \"bad\"\nbase = \"booked\"\nperiod = \"month\"\n{toml}"
    )) {
        Err(CrmError::InvalidInput { field, .. }) => field,
        other => panic!("expected INVALID_INPUT, got {other:?}"),
    }
}

#[test]
fn bad_plans_are_refused_naming_the_problem() {
    let overlapping = "[rates]\ntype = \"graduated\"\n[[rates.tiers]]\nlower = \"0\"\nupper = \"100\"\nrate = \"1\"\n[[rates.tiers]]\nlower = \"50\"\nrate = \"2\"";
    assert_eq!(refused(overlapping), "rates.tiers[1].lower");
    let gap = "[rates]\ntype = \"graduated\"\n[[rates.tiers]]\nlower = \"0\"\nupper = \"100\"\nrate = \"1\"\n[[rates.tiers]]\nlower = \"150\"\nrate = \"2\"";
    assert_eq!(refused(gap), "rates.tiers[1].lower");
    assert_eq!(
        refused("[rates]\ntype = \"flat\"\nrate = \"-1\""),
        "rates.rate"
    );
    let negative_tier =
        "[rates]\ntype = \"retroactive\"\n[[rates.tiers]]\nlower = \"0\"\nrate = \"-2\"";
    assert_eq!(refused(negative_tier), "rates.tiers[0].rate");
    assert_eq!(
        refused("[rates]\ntype = \"flat\"\nrate = \"5\"\n[[bands]]\nmin_attainment = \"100\"\nmultiplier = \"2\""),
        "quota"
    );
    assert_eq!(
        refused("[rates]\ntype = \"flat\"\nrate = 0.05"),
        "plan",
        "floats are refused"
    );
    assert_eq!(
        refused("deal_floor = \"10\"\ndeal_cap = \"5\"\n[rates]\ntype = \"flat\"\nrate = \"5\""),
        "deal_floor"
    );
    let p = plan("base = \"booked\"\nperiod = \"month\"\nbooked_stage = \"signed\"\n[rates]\ntype = \"flat\"\nrate = \"5\"");
    match p.validate_stages(&["qualify", "proposal", "won", "lost"]) {
        Err(CrmError::InvalidInput { field, reason }) => {
            assert_eq!(field, "booked_stage");
            assert!(reason.contains("\"signed\""), "{reason}");
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_payment_for_an_unknown_deal_is_refused() {
    let p =
        plan("base = \"collected\"\nperiod = \"month\"\n[rates]\ntype = \"flat\"\nrate = \"4\"");
    let credits = [other(
        CommissionCreditKind::Payment,
        "d9",
        "2026-01-20",
        "10",
        Some("30"),
    )];
    assert!(matches!(
        statement(&p, &credits, "a", "2026-01"),
        Err(CrmError::InvalidInput { .. })
    ));
}

#[test]
fn overflow_is_a_typed_error_not_a_panic() {
    // February: the refund claws back 100, so the period floor at Decimal::MAX needs MAX + 100:
    // refused as INVALID_INPUT on `amount`.
    let mut p =
        plan("base = \"booked\"\nperiod = \"month\"\n[rates]\ntype = \"flat\"\nrate = \"10\"");
    p.period_floor = Some(Decimal::MAX);
    let credits = [
        won("d1", "a", "100", "2026-01-10", "1000"),
        other(
            CommissionCreditKind::Refund,
            "d1",
            "2026-02-10",
            "1000",
            None,
        ),
    ];
    match statement(&p, &credits, "a", "2026-02") {
        Err(CrmError::InvalidInput { field, .. }) => assert_eq!(field, "amount"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_statement_that_would_not_add_up_at_the_decimal_edge_is_refused() {
    // Commission 1,000 (10% of 10,000) plus 0.25 flat per deal leaves the period floor at
    // Decimal::MAX a top-up of MAX - 1,000.25: 29 integer digits and 2 decimals do not fit in
    // 96 bits, so Decimal would round the top-up and the lines would sum past MAX.
    let mut p =
        plan("base = \"booked\"\nperiod = \"month\"\n[rates]\ntype = \"flat\"\nrate = \"10\"");
    p.period_floor = Some(Decimal::MAX);
    p.rates = CommissionRates::PerDeal {
        amount: d("1000.25"),
    };
    let credits = [won("d1", "a", "100", "2026-01-10", "10000")];
    match statement(&p, &credits, "a", "2026-01") {
        Err(CrmError::InvalidInput { field, .. }) => assert_eq!(field, "amount"),
        other => panic!("{other:?}"),
    }
}

fn percents() -> impl Strategy<Value = Vec<Decimal>> {
    // Cut 100.00 into 1-5 positive parts at random points (hundredths of a percent).
    proptest::collection::btree_set(1u32..10_000, 0..4).prop_map(|cuts| {
        let mut points: Vec<u32> = cuts.into_iter().collect();
        points.push(10_000);
        let mut last = 0;
        points
            .into_iter()
            .map(|p| {
                let part = Decimal::new(i64::from(p - last), 2);
                last = p;
                part
            })
            .collect()
    })
}

fn rising_tiers() -> impl Strategy<Value = Vec<CommissionTier>> {
    proptest::collection::vec((1i64..50_000, 0i64..500), 1..5).prop_map(|raw| {
        let mut from = Decimal::ZERO;
        let mut rate = Decimal::ZERO;
        let n = raw.len();
        raw.into_iter()
            .enumerate()
            .map(|(i, (width, step))| {
                rate += Decimal::new(step, 2);
                let to = (i + 1 < n).then(|| from + Decimal::from(width));
                let t = CommissionTier {
                    lower: from,
                    upper: to,
                    rate,
                };
                if let Some(to) = to {
                    from = to;
                }
                t
            })
            .collect()
    })
}

fn tiered(tiers: Vec<CommissionTier>, graduated: bool) -> CommissionPlan {
    let mut p =
        plan("base = \"booked\"\nperiod = \"month\"\n[rates]\ntype = \"flat\"\nrate = \"1\"");
    p.rates = if graduated {
        CommissionRates::Graduated { tiers }
    } else {
        CommissionRates::Retroactive { tiers }
    };
    p
}

fn deals_strategy() -> impl Strategy<Value = Vec<CommissionCredit>> {
    proptest::collection::vec((1i64..10_000_000, 1u32..28, percents()), 1..8).prop_map(|deals| {
        deals
            .into_iter()
            .enumerate()
            .flat_map(|(i, (cents, dom, parts))| {
                let reps = ["a", "b", "c", "d", "e"];
                parts
                    .into_iter()
                    .enumerate()
                    .map(move |(k, p)| CommissionCredit {
                        kind: CommissionCreditKind::Won,
                        deal_id: format!("d{i}"),
                        rep_id: Some(reps[k].to_string()),
                        split: Some(p),
                        date: NaiveDate::from_ymd_opt(2026, 3, dom).unwrap(),
                        amount: Decimal::new(cents, 2),
                        contract_total: None,
                    })
            })
            .collect()
    })
}

/// A decimal anywhere from cents to the edge of Decimal's range, to reach the overflow paths.
fn wild() -> impl Strategy<Value = Decimal> {
    prop_oneof![
        (0i64..10_000_000).prop_map(|c| Decimal::new(c, 2)),
        Just(Decimal::MAX),
        Just(Decimal::MAX / Decimal::from(3)),
    ]
}

/// Every event kind, on a few deals, some dated before the stated period, some beyond the
/// clawback window.
fn events() -> impl Strategy<Value = Vec<CommissionCredit>> {
    let kinds = prop_oneof![
        Just(CommissionCreditKind::Payment),
        Just(CommissionCreditKind::Refund),
        Just(CommissionCreditKind::Cancel)
    ];
    (
        deals_strategy(),
        proptest::collection::vec(
            (
                kinds,
                0usize..8,
                1u32..300,
                wild(),
                proptest::option::of(wild()),
            ),
            0..8,
        ),
    )
        .prop_map(|(mut credits, extra)| {
            let ids: Vec<String> = credits.iter().map(|c| c.deal_id.clone()).collect();
            for (kind, k, offset, amount, total) in extra {
                let date = NaiveDate::from_ymd_opt(2026, 1, 1).unwrap()
                    + chrono::Days::new(u64::from(offset));
                credits.push(CommissionCredit {
                    kind,
                    deal_id: ids[k % ids.len()].clone(),
                    rep_id: None,
                    split: None,
                    date,
                    amount,
                    contract_total: total,
                });
            }
            credits
        })
}

proptest! {
    #[test]
    fn split_credits_sum_to_the_deal_amount(cents in 0i64..1_000_000_000_000, parts in percents()) {
        let amount = Decimal::new(cents, 2);
        let shares = split_credits(amount, &parts).unwrap();
        prop_assert_eq!(shares.iter().sum::<Decimal>(), amount);
        prop_assert_eq!(shares.len(), parts.len());
    }

    #[test]
    fn a_statement_total_is_the_sum_of_its_lines_and_the_exact_total_rounded(
        credits in deals_strategy(),
        tiers in rising_tiers(),
        graduated in any::<bool>(),
        cap in proptest::option::of(1i64..100_000),
    ) {
        let mut p = tiered(tiers, graduated);
        p.deal_cap = cap.map(Decimal::from);
        for s in statements(&p, &credits, "2026-03").unwrap() {
            let sum: Decimal = s.lines.iter().map(|l| l.amount).sum();
            prop_assert_eq!(sum, s.total);
            prop_assert_eq!(p.rounding.round(s.exact_total), s.total);
            let exact: Decimal = s.lines.iter().map(|l| l.exact).sum();
            prop_assert_eq!(exact, s.exact_total);
        }
    }

    #[test]
    fn graduated_pay_never_exceeds_retroactive_pay_for_rising_rates(
        credits in deals_strategy(),
        tiers in rising_tiers(),
    ) {
        let g = statements(&tiered(tiers.clone(), true), &credits, "2026-03").unwrap();
        let r = statements(&tiered(tiers, false), &credits, "2026-03").unwrap();
        for (g, r) in g.iter().zip(&r) {
            prop_assert!(g.exact_total <= r.exact_total, "{} > {}", g.exact_total, r.exact_total);
        }
    }

    #[test]
    fn huge_amounts_are_refused_or_computed_never_panic(
        mantissa in any::<i64>(),
        scale in 0u32..6,
        rate in 0i64..1_000_000,
    ) {
        let p = plan(&format!("base = \"booked\"\nperiod = \"month\"\n[rates]\ntype = \"flat\"\nrate = \"{}\"", Decimal::new(rate, 2)));
        let Some(amount) = Decimal::new(mantissa, scale).abs().checked_mul(Decimal::from(1_000_000_000_000u64)) else {
            return Ok(());
        };
        let credits = [CommissionCredit { kind: CommissionCreditKind::Won, deal_id: "d".into(), rep_id: Some("a".into()), split: Some(Decimal::from(100)), date: NaiveDate::from_ymd_opt(2026, 3, 1).unwrap(), amount, contract_total: None }];
        let _ = statements(&p, &credits, "2026-03");
    }

    #[test]
    fn any_plan_on_any_events_is_computed_or_refused_never_panics(
        credits in events(),
        tiers in rising_tiers(),
        rate_kind in 0u8..4,
        collected in any::<bool>(),
        caps in proptest::collection::vec(proptest::option::of(wild()), 4),
        draw in proptest::option::of((wild(), any::<bool>())),
        multiplier in wild(),
        clawback_days in 0u32..200,
        month in 1u32..13,
    ) {
        let mut p = tiered(tiers.clone(), true);
        p.rates = match rate_kind {
            0 => CommissionRates::Flat { rate: Decimal::new(5, 0) },
            1 => CommissionRates::PerDeal { amount: multiplier },
            2 => CommissionRates::Graduated { tiers },
            _ => CommissionRates::Retroactive { tiers },
        };
        p.base = if collected { CommissionBase::Collected } else { CommissionBase::Booked };
        p.deal_cap = caps[0];
        p.deal_floor = caps[1].filter(|f| caps[0].is_none_or(|c| *f <= c));
        p.period_cap = caps[2];
        p.period_floor = caps[3].filter(|f| caps[2].is_none_or(|c| *f <= c));
        p.draw = draw.map(|(amount, recoverable)| CommissionDraw { amount, recoverable });
        p.quota = Some(CommissionQuota { default: Some(Decimal::from(10_000)), reps: Default::default() });
        p.bands = vec![QuotaBand { min_attainment: Decimal::from(50), multiplier }];
        p.clawback_days = clawback_days;
        let period = format!("2026-{month:02}");
        if let Ok(all) = statements(&p, &credits, &period) {
            for s in all {
                let sum: Decimal = s.lines.iter().map(|l| l.amount).sum();
                prop_assert_eq!(sum, s.total);
            }
        }
    }
}
