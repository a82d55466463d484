//! Performance evaluation: periods, attainment on won or collected amounts, ranks and boards.

use chrono::NaiveDate;
use crm_core::performance::{
    evaluate, leaderboard, period_of, period_range, Achievement, PerformanceBasis,
    PerformanceSubject, PerformanceTarget,
};
use rust_decimal::Decimal;
use std::str::FromStr;

fn d(s: &str) -> NaiveDate {
    NaiveDate::from_str(s).unwrap()
}

fn dec(s: &str) -> Decimal {
    Decimal::from_str(s).unwrap()
}

fn rep(id: &str) -> PerformanceSubject {
    PerformanceSubject::Rep { user_id: id.into() }
}

fn target(subject: PerformanceSubject, period: &str, amount: &str) -> PerformanceTarget {
    PerformanceTarget {
        subject,
        period: period.into(),
        amount: dec(amount),
    }
}

fn credit(rep: &str, team: &str, date: &str, amount: &str, basis: PerformanceBasis) -> Achievement {
    Achievement {
        rep_id: rep.into(),
        team_id: Some(team.into()),
        date: d(date),
        amount: dec(amount),
        basis,
    }
}

#[test]
fn periods_are_months_quarters_and_years() {
    assert_eq!(
        period_range("2026-02").unwrap(),
        (d("2026-02-01"), d("2026-02-28"))
    );
    assert_eq!(period_range("2028-02").unwrap().1, d("2028-02-29"));
    assert_eq!(
        period_range("2026-Q4").unwrap(),
        (d("2026-10-01"), d("2026-12-31"))
    );
    assert_eq!(
        period_range("2026").unwrap(),
        (d("2026-01-01"), d("2026-12-31"))
    );
    for bad in [
        "2026-13", "2026-Q5", "26-1", "2026-W3", "", "2026-Q04", "+2026", "2026-1",
    ] {
        assert_eq!(
            period_range(bad).unwrap_err().code(),
            "INVALID_INPUT",
            "{bad}"
        );
    }
    assert_eq!(period_of(d("2026-11-24"), "quarter").unwrap(), "2026-Q4");
    assert_eq!(period_of(d("2026-01-05"), "month").unwrap(), "2026-01");
}

#[test]
fn attainment_ranks_and_leaderboards() {
    let credits = vec![
        // u-2: 60,000 won in November, 10,000 of it collected; a December win does not count.
        credit("u-2", "t-1", "2026-11-03", "40000", PerformanceBasis::Won),
        credit("u-2", "t-1", "2026-11-30", "20000", PerformanceBasis::Won),
        credit(
            "u-2",
            "t-1",
            "2026-11-15",
            "10000",
            PerformanceBasis::Collected,
        ),
        credit("u-2", "t-1", "2026-12-01", "99999", PerformanceBasis::Won),
        // u-3: 45,000 won; u-4: 30,000 won (team t-2).
        credit("u-3", "t-1", "2026-11-10", "45000", PerformanceBasis::Won),
        credit("u-4", "t-2", "2026-11-11", "30000", PerformanceBasis::Won),
    ];
    let targets = vec![
        target(rep("u-2"), "2026-11", "80000"),
        target(rep("u-3"), "2026-11", "60000"),
        target(rep("u-4"), "2026-11", "30000"),
        target(rep("u-5"), "2026-11", "0"),
        target(
            PerformanceSubject::Team {
                team_id: "t-1".into(),
            },
            "2026-11",
            "150000",
        ),
    ];
    let won = evaluate(&targets, &credits, PerformanceBasis::Won).unwrap();
    let get = |rows: &[crm_core::performance::Attainment], s: &PerformanceSubject| {
        rows.iter().find(|a| &a.subject == s).unwrap().clone()
    };
    // 60000 / 80000 = 0.75; 45000 / 60000 = 0.75; 30000 / 30000 = 1; a zero target has no ratio.
    let u2 = get(&won, &rep("u-2"));
    assert_eq!((u2.achieved, u2.ratio), (dec("60000"), Some(dec("0.75"))));
    assert_eq!(get(&won, &rep("u-4")).ratio, Some(dec("1")));
    assert_eq!(get(&won, &rep("u-5")).ratio, None);
    // Ranks: u-4 first; u-2 and u-3 tie on the ratio, u-2 won more so ranks above; u-5 last.
    let ranks: Vec<(String, u32)> = leaderboard(&won, false, "2026-11")
        .unwrap()
        .into_iter()
        .map(|a| match a.subject {
            PerformanceSubject::Rep { user_id } => (user_id, a.rank),
            PerformanceSubject::Team { .. } => unreachable!(),
        })
        .collect();
    assert_eq!(
        ranks,
        [
            ("u-4".into(), 1),
            ("u-2".into(), 2),
            ("u-3".into(), 3),
            ("u-5".into(), 4)
        ]
    );
    // Team t-1: 60000 + 45000 = 105000 of 150000 = 0.7; teams rank among themselves.
    let team = leaderboard(&won, true, "2026-11").unwrap();
    assert_eq!(
        leaderboard(&won, true, "November").unwrap_err().code(),
        "INVALID_INPUT"
    );
    assert_eq!(
        (team[0].achieved, team[0].ratio, team[0].rank),
        (dec("105000"), Some(dec("0.7")), 1)
    );
    // On cash collected, only u-2's 10000 counts: 10000 / 80000 = 0.125.
    let cash = evaluate(&targets, &credits, PerformanceBasis::Collected).unwrap();
    assert_eq!(get(&cash, &rep("u-2")).ratio, Some(dec("0.125")));
    assert_eq!(get(&cash, &rep("u-3")).achieved, Decimal::ZERO);
}

#[test]
fn equal_results_share_a_rank_and_ratios_round_half_even() {
    let credits = vec![
        credit("a", "t", "2026-05-02", "1", PerformanceBasis::Won),
        credit("b", "t", "2026-05-02", "1", PerformanceBasis::Won),
        credit("c", "t", "2026-05-02", "2", PerformanceBasis::Won),
    ];
    let targets = vec![
        target(rep("a"), "2026-Q2", "3"),
        target(rep("b"), "2026-Q2", "3"),
        target(rep("c"), "2026-Q2", "3"),
    ];
    let rows = evaluate(&targets, &credits, PerformanceBasis::Won).unwrap();
    // 1/3 = 0.33333.. -> 0.3333; 2/3 = 0.6666.. -> 0.6667.
    assert_eq!(rows[0].ratio, Some(dec("0.3333")));
    assert_eq!(rows[2].ratio, Some(dec("0.6667")));
    assert_eq!(rows.iter().map(|r| r.rank).collect::<Vec<_>>(), [2, 2, 1]);
}

#[test]
fn bad_targets_are_refused_by_name() {
    let neg = evaluate(
        &[target(rep("a"), "2026-05", "-1")],
        &[],
        PerformanceBasis::Won,
    )
    .unwrap_err();
    assert!(neg.to_string().contains("negative"), "{neg}");
    let twice = evaluate(
        &[
            target(rep("a"), "2026-05", "1"),
            target(rep("a"), "2026-05", "2"),
        ],
        &[],
        PerformanceBasis::Won,
    )
    .unwrap_err();
    assert!(twice.to_string().contains("two targets"), "{twice}");
    let period = evaluate(&[target(rep("a"), "May", "1")], &[], PerformanceBasis::Won).unwrap_err();
    assert!(period.to_string().contains("\"May\""), "{period}");
}

#[test]
fn totals_and_ratios_beyond_the_decimal_range_are_refused() {
    let big = Achievement {
        amount: Decimal::MAX,
        ..credit("a", "t", "2026-05-02", "1", PerformanceBasis::Won)
    };
    let err = evaluate(
        &[target(rep("a"), "2026-05", "1")],
        &[big.clone(), big.clone()],
        PerformanceBasis::Won,
    )
    .unwrap_err();
    assert!(err.to_string().contains("decimal range"), "{err}");
    let tiny = evaluate(
        &[target(
            rep("a"),
            "2026-05",
            "0.0000000000000000000000000001",
        )],
        &[big],
        PerformanceBasis::Won,
    )
    .unwrap_err();
    assert_eq!(tiny.code(), "INVALID_INPUT");
}
