//! RFM scoring: golden cases, the seed example, degenerate data and the invariants.

use chrono::NaiveDate;
use crm_core::rfm::{
    score, score_columns, RfmConfig, RfmLevel, RfmMethod, RfmOrder, RfmThresholds, RfmWeights,
};
use proptest::prelude::*;
use rust_decimal::Decimal;
use std::collections::BTreeMap;

fn d(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

fn order(id: &str, date: &str, amount: i64) -> RfmOrder {
    RfmOrder {
        customer_id: id.into(),
        date: d(date),
        amount: Decimal::from(amount),
    }
}

#[test]
fn the_seed_example_scores_84() {
    // Bought within the last month (R=5), 4 times (F=4), 20,000 yuan in total (M=4):
    // with weights 4, 8, 8 the score is 5*4 + 4*8 + 4*8 = 84.
    let orders: Vec<RfmOrder> = ["2026-03-01", "2026-04-01", "2026-05-01", "2026-06-10"]
        .iter()
        .map(|date| order("c1", date, 5000))
        .collect();
    let config = RfmConfig {
        method: RfmMethod::Thresholds,
        thresholds: RfmThresholds {
            recency: vec![(30, 5), (90, 4), (180, 3), (365, 2)],
            frequency: vec![(5, 5), (4, 4), (3, 3), (2, 2)],
            monetary: vec![
                (Decimal::from(50_000), 5),
                (Decimal::from(20_000), 4),
                (Decimal::from(5_000), 3),
            ],
        },
        weights: RfmWeights {
            r: Decimal::from(4),
            f: Decimal::from(8),
            m: Decimal::from(8),
        },
        levels: vec![
            RfmLevel {
                min_score: Decimal::from(80),
                name: "VIP1".into(),
            },
            RfmLevel {
                min_score: Decimal::ZERO,
                name: "VIP3".into(),
            },
        ],
        ..RfmConfig::default()
    };
    let rows = score(&orders, d("2026-06-30"), &config).unwrap();
    let row = &rows[0];
    assert_eq!(
        (row.recency_days, row.frequency, row.monetary),
        (20, 4, Decimal::from(20_000))
    );
    assert_eq!((row.r, row.f, row.m), (5, 4, 4));
    assert_eq!(row.score, Decimal::from(84));
    assert_eq!(row.level.as_deref(), Some("VIP1"));
    assert_eq!(row.segment, "Champions", "code 544");
}

#[test]
fn quantile_buckets_follow_the_position_rule_with_integer_id_ties() {
    // Five customers, all with one order of equal amount on the same day: every value ties, so the
    // id order alone decides, and ids compare as integers (9 before 10).
    let orders: Vec<RfmOrder> = ["10", "9", "11", "2", "100"]
        .iter()
        .map(|id| order(id, "2026-01-01", 100))
        .collect();
    let rows = score(&orders, d("2026-01-31"), &RfmConfig::default()).unwrap();
    let ids: Vec<&str> = rows.iter().map(|r| r.customer_id.as_str()).collect();
    assert_eq!(ids, ["2", "9", "10", "11", "100"]);
    let f: Vec<u8> = rows.iter().map(|r| r.f).collect();
    assert_eq!(f, [1, 2, 3, 4, 5]);
    // R sorts by recency days descending, so equal recency again spreads by id.
    let r: Vec<u8> = rows.iter().map(|r| r.r).collect();
    assert_eq!(r, [1, 2, 3, 4, 5]);
}

#[test]
fn large_batches_split_across_threads_add_up_per_customer() {
    // Enough orders for the threaded path; numeric and text ids, amounts of several scales.
    let mut orders = Vec::new();
    let mut expected: std::collections::HashMap<String, (u64, Decimal, NaiveDate)> =
        std::collections::HashMap::new();
    let mut state = 7u64;
    for i in 0..250_000u64 {
        state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        let c = (state >> 33) % 1_500;
        let id = if c % 3 == 0 {
            format!("c{c}")
        } else {
            c.to_string()
        };
        let date = d("2025-01-01") + chrono::Duration::days(((state >> 20) % 500) as i64);
        let amount = Decimal::new((i % 9_999) as i64 + 1, (i % 3) as u32);
        let e = expected
            .entry(id.clone())
            .or_insert((0, Decimal::ZERO, date));
        e.0 += 1;
        e.1 += amount;
        e.2 = e.2.max(date);
        orders.push(RfmOrder {
            customer_id: id,
            date,
            amount,
        });
    }
    let as_of = d("2026-06-30");
    let rows = score(&orders, as_of, &RfmConfig::default()).unwrap();
    assert_eq!(rows.len(), expected.len());
    for row in &rows {
        let (frequency, monetary, last) = expected[&row.customer_id];
        assert_eq!(
            (row.frequency, row.monetary, row.recency_days),
            (frequency, monetary, (as_of - last).num_days()),
            "{}",
            row.customer_id
        );
    }
}

#[test]
fn monetary_buckets_compare_values_not_digits_across_scales() {
    // 1.5 and 1.50 are the same amount (tie, broken by id); 2 is more than both.
    let amount = |a: &str| a.parse::<Decimal>().unwrap();
    let orders: Vec<RfmOrder> = [("1", "1.5"), ("2", "1.50"), ("3", "2")]
        .iter()
        .map(|(id, a)| RfmOrder {
            customer_id: id.to_string(),
            date: d("2026-01-01"),
            amount: amount(a),
        })
        .collect();
    let config = RfmConfig {
        buckets: 3,
        ..RfmConfig::default()
    };
    let rows = score(&orders, d("2026-01-31"), &config).unwrap();
    let m: Vec<(&str, u8)> = rows.iter().map(|r| (r.customer_id.as_str(), r.m)).collect();
    assert_eq!(m, [("1", 1), ("2", 2), ("3", 3)]);
}

#[test]
fn integer_ids_written_differently_tie_break_by_their_text() {
    // "007" and "7" are different customers with the same integer value: integer order first,
    // then the text ("007" before "7"); "-3" is an integer too.
    let orders: Vec<RfmOrder> = ["10", "7", "007", "-3", "1"]
        .iter()
        .map(|id| order(id, "2026-01-01", 100))
        .collect();
    let rows = score(&orders, d("2026-01-31"), &RfmConfig::default()).unwrap();
    let ids: Vec<&str> = rows.iter().map(|r| r.customer_id.as_str()).collect();
    assert_eq!(ids, ["-3", "1", "007", "7", "10"]);
    let f: Vec<u8> = rows.iter().map(|r| r.f).collect();
    assert_eq!(f, [1, 2, 3, 4, 5]);
}

#[test]
fn string_ids_compare_byte_by_byte_and_values_decide_first() {
    let orders = vec![
        order("b", "2026-01-30", 10),
        order("a", "2026-01-01", 500),
        order("a", "2026-01-02", 500),
        order("C", "2026-01-15", 50),
    ];
    let config = RfmConfig {
        buckets: 3,
        ..RfmConfig::default()
    };
    let rows = score(&orders, d("2026-01-31"), &config).unwrap();
    let ids: Vec<&str> = rows.iter().map(|r| r.customer_id.as_str()).collect();
    assert_eq!(ids, ["C", "a", "b"], "byte order puts upper case first");
    let by_id: BTreeMap<&str, (u8, u8, u8)> = rows
        .iter()
        .map(|r| (r.customer_id.as_str(), (r.r, r.f, r.m)))
        .collect();
    assert_eq!(
        by_id["b"],
        (3, 2, 1),
        "most recent, one order, smallest amount"
    );
    assert_eq!(by_id["a"], (1, 3, 3));
    assert_eq!(by_id["C"], (2, 1, 2));
}

#[test]
fn orders_after_the_as_of_date_are_ignored_and_the_window_limits_f_and_m() {
    let orders = vec![
        order("1", "2025-01-01", 100),
        order("1", "2026-01-20", 50),
        order("1", "2026-03-01", 999),
    ];
    let config = RfmConfig {
        window_days: Some(30),
        ..RfmConfig::default()
    };
    let rows = score(&orders, d("2026-01-31"), &config).unwrap();
    assert_eq!(
        (rows[0].recency_days, rows[0].frequency, rows[0].monetary),
        (11, 1, Decimal::from(50))
    );
    let old_only = score(&[order("1", "2025-01-01", 100)], d("2026-01-31"), &config).unwrap();
    assert_eq!(
        (old_only[0].frequency, old_only[0].monetary),
        (0, Decimal::ZERO),
        "still scored, outside the window"
    );
}

#[test]
fn degenerate_data_is_defined() {
    let one = score(
        &[order("1", "2026-01-01", 1)],
        d("2026-01-02"),
        &RfmConfig::default(),
    )
    .unwrap();
    assert_eq!((one[0].r, one[0].f, one[0].m), (1, 1, 1));
    let two = score(
        &[order("1", "2026-01-01", 1), order("2", "2026-01-01", 2)],
        d("2026-01-02"),
        &RfmConfig::default(),
    )
    .unwrap();
    assert_eq!(
        (two[0].m, two[1].m),
        (1, 3),
        "positions 0 and 1 of 2 over 5 buckets"
    );
    assert!(score(&[], d("2026-01-02"), &RfmConfig::default())
        .unwrap()
        .is_empty());
    let bad = RfmConfig {
        buckets: 0,
        ..RfmConfig::default()
    };
    assert_eq!(
        score(&[], d("2026-01-02"), &bad).unwrap_err().code(),
        "INVALID_INPUT"
    );
    let no_bands = RfmConfig {
        method: RfmMethod::Thresholds,
        ..RfmConfig::default()
    };
    assert_eq!(
        score(&[], d("2026-01-02"), &no_bands).unwrap_err().code(),
        "INVALID_INPUT"
    );
}

fn orders() -> impl Strategy<Value = Vec<RfmOrder>> {
    proptest::collection::vec((0u32..40, 0i64..400, 1i64..5000), 1..200).prop_map(|rows| {
        rows.into_iter()
            .map(|(c, day, cents)| RfmOrder {
                customer_id: c.to_string(),
                date: d("2025-01-01") + chrono::Duration::days(day),
                amount: Decimal::new(cents, 2),
            })
            .collect()
    })
}

proptest! {
    #[test]
    fn scores_are_in_range_and_buckets_are_even(orders in orders(), k in 1u8..=9) {
        let config = RfmConfig { buckets: k, ..RfmConfig::default() };
        let rows = score(&orders, d("2026-01-01"), &config).unwrap();
        for dim in [|r: &crm_core::rfm::RfmRow| r.r, |r: &crm_core::rfm::RfmRow| r.f, |r: &crm_core::rfm::RfmRow| r.m] {
            let mut sizes = vec![0usize; k as usize];
            for row in &rows {
                let b = dim(row);
                prop_assert!((1..=k).contains(&b));
                sizes[b as usize - 1] += 1;
            }
            let used: Vec<usize> = sizes.into_iter().filter(|s| *s > 0).collect();
            if rows.len() >= k as usize {
                prop_assert_eq!(used.len(), k as usize);
                prop_assert!(used.iter().max().unwrap() - used.iter().min().unwrap() <= 1);
            }
        }
    }

    /// The columnar entry point scores exactly as the row one, whatever the method and window.
    #[test]
    fn columns_score_as_rows_do(
        orders in orders(),
        k in 1u8..=9,
        thresholds in any::<bool>(),
        window in proptest::option::of(0u32..400),
    ) {
        let config = RfmConfig {
            buckets: k,
            window_days: window,
            method: if thresholds { RfmMethod::Thresholds } else { RfmMethod::Quantile },
            thresholds: RfmThresholds {
                recency: vec![(30, 5), (90, 3)],
                frequency: vec![(5, 5), (2, 3)],
                monetary: vec![(Decimal::from(100), 5), (Decimal::from(20), 3)],
            },
            levels: vec![
                RfmLevel { min_score: Decimal::from(12), name: "gold".into() },
                RfmLevel { min_score: Decimal::from(6), name: "silver".into() },
            ],
            ..RfmConfig::default()
        };
        let as_of = d("2026-01-01");
        let ids: Vec<u64> = orders.iter().map(|o| o.customer_id.parse().unwrap()).collect();
        let dates: Vec<NaiveDate> = orders.iter().map(|o| o.date).collect();
        let amounts: Vec<Decimal> = orders.iter().map(|o| o.amount).collect();
        let table = score_columns(&ids, &dates, &amounts, as_of, &config).unwrap();
        prop_assert_eq!(table.into_rows(), score(&orders, as_of, &config).unwrap());
    }

    #[test]
    fn permuting_the_rows_changes_nothing(orders in orders(), seed in any::<u64>()) {
        let mut shuffled = orders.clone();
        let mut x = seed | 1;
        for i in (1..shuffled.len()).rev() {
            x ^= x << 13; x ^= x >> 7; x ^= x << 17;
            shuffled.swap(i, (x % (i as u64 + 1)) as usize);
        }
        let config = RfmConfig::default();
        prop_assert_eq!(score(&orders, d("2026-01-01"), &config).unwrap(), score(&shuffled, d("2026-01-01"), &config).unwrap());
    }

    #[test]
    fn adding_an_order_never_makes_recency_worse(orders in orders(), day in 0i64..400, c in 0u32..40) {
        let as_of = d("2026-03-01");
        let before = score(&orders, as_of, &RfmConfig::default()).unwrap();
        let mut more = orders.clone();
        more.push(RfmOrder { customer_id: c.to_string(), date: d("2025-01-01") + chrono::Duration::days(day), amount: Decimal::ONE });
        let after = score(&more, as_of, &RfmConfig::default()).unwrap();
        let id = c.to_string();
        let old = before.iter().find(|r| r.customer_id == id).map(|r| r.recency_days);
        let new = after.iter().find(|r| r.customer_id == id).map(|r| r.recency_days).unwrap();
        if let Some(old) = old {
            prop_assert!(new <= old);
        }
    }
}

fn row(id: &str, r: u8, segment: &str) -> crm_core::rfm::RfmRow {
    crm_core::rfm::RfmRow {
        customer_id: id.into(),
        recency_days: 0,
        frequency: 1,
        monetary: Decimal::ONE,
        r,
        f: 3,
        m: 3,
        score: Decimal::from(r + 6),
        level: None,
        segment: segment.into(),
    }
}

#[test]
fn segment_movement_flows_and_churn_warnings() {
    use crm_core::rfm::{churn_warnings, flows, movements, ChurnRule};
    let before = vec![
        row("1", 5, "Champions"),
        row("2", 4, "Loyal"),
        row("3", 3, "Need attention"),
        row("4", 5, "Champions"),
        row("9", 2, "Hibernating"),
    ];
    let after = vec![
        row("1", 2, "At risk"),
        row("2", 4, "Loyal"),
        row("3", 1, "Lost"),
        row("4", 5, "Loyal"),
        row("5", 5, "New"),
    ];
    let moved: Vec<(String, Option<String>, Option<String>)> = movements(&before, &after)
        .into_iter()
        .map(|m| (m.customer_id, m.from_segment, m.to_segment))
        .collect();
    let s = |x: &str| Some(x.to_string());
    assert_eq!(
        moved,
        vec![
            ("1".into(), s("Champions"), s("At risk")),
            ("3".into(), s("Need attention"), s("Lost")),
            ("4".into(), s("Champions"), s("Loyal")),
            ("5".into(), None, s("New")),
            ("9".into(), s("Hibernating"), None),
        ]
    );
    // The matrix accounts for every customer of either scoring exactly once.
    let matrix = flows(&before, &after);
    assert_eq!(matrix.iter().map(|f| f.customers).sum::<u64>(), 6);
    assert!(matrix
        .iter()
        .any(|f| f.from_segment == s("Loyal") && f.to_segment == s("Loyal") && f.customers == 1));
    // Champions -> At risk warns (segment and R); Need attention -> Lost warns on R alone
    // (3 -> 1); Champions -> Loyal stays valuable and does not warn.
    let warned = churn_warnings(&before, &after, &ChurnRule::default());
    let ids: Vec<&str> = warned.iter().map(|w| w.customer_id.as_str()).collect();
    assert_eq!(ids, ["1", "3"]);
    assert!(warned[0].reason.contains("moved from Champions to At risk"));
    assert!(warned[0].reason.contains("fell from 5 to 2"));
    assert_eq!(warned[1].reason, "recency score fell from 3 to 1");
    let strict = ChurnRule {
        r_drop: 0,
        ..ChurnRule::default()
    };
    assert_eq!(churn_warnings(&before, &after, &strict).len(), 1);
}

#[test]
fn large_batches_scored_on_several_threads_match_one_aggregator() {
    use crm_core::rfm::{score_aggregated, Aggregator};
    // 250,000 orders take the threaded path; mixed numeric and textual ids, some after as-of.
    let orders: Vec<RfmOrder> = (0..250_000u64)
        .map(|i| RfmOrder {
            customer_id: if i % 5 == 0 {
                format!("k{}", i % 911)
            } else {
                (i % 7_919).to_string()
            },
            date: d("2026-01-01") + chrono::Duration::days((i * 7_777 % 400) as i64),
            amount: Decimal::new((i * 31 % 100_000) as i64, 2),
        })
        .collect();
    let as_of = d("2026-12-01");
    let config = RfmConfig {
        window_days: Some(200),
        ..RfmConfig::default()
    };
    let mut one = Aggregator::new(as_of, config.window_days);
    for o in &orders {
        one.push(&o.customer_id, o.date, o.amount);
    }
    let expected = score_aggregated(&one, &config).unwrap();
    assert_eq!(expected.len(), 7_919 + 911);
    assert_eq!(score(&orders, as_of, &config).unwrap(), expected);
}

#[test]
fn large_column_batches_on_several_threads_match_rows_and_refuse_ragged_columns() {
    use crm_core::rfm::CustomerIds;
    // 300,000 orders take the threaded path; ids from 0 up to a sparse few far beyond the table.
    let n = 300_000u64;
    let ids: Vec<u64> = (0..n)
        .map(|i| {
            if i % 1000 == 0 {
                u64::MAX - i
            } else {
                i * 104_729 % 50_021
            }
        })
        .collect();
    let dates: Vec<NaiveDate> = (0..n)
        .map(|i| d("2026-01-01") + chrono::Duration::days((i * 7_777 % 400) as i64))
        .collect();
    let amounts: Vec<Decimal> = (0..n)
        .map(|i| Decimal::new((i * 31 % 100_000) as i64, 2))
        .collect();
    let orders: Vec<RfmOrder> = (0..n as usize)
        .map(|i| RfmOrder {
            customer_id: ids[i].to_string(),
            date: dates[i],
            amount: amounts[i],
        })
        .collect();
    let as_of = d("2026-12-01");
    let config = RfmConfig::default();
    let table = score_columns(&ids, &dates, &amounts, as_of, &config).unwrap();
    let CustomerIds::Numbers(numbers) = &table.customer_ids else {
        panic!("integer ids stay numbers");
    };
    assert!(numbers.windows(2).all(|w| w[0] < w[1]), "in id order");
    assert_eq!(table.len(), 50_021 + 300);
    assert_eq!(table.into_rows(), score(&orders, as_of, &config).unwrap());
    let err = score_columns(&ids, &dates[1..], &amounts, as_of, &config).unwrap_err();
    assert_eq!(err.code(), "INVALID_INPUT");
    assert!(err.to_string().contains("differ in length"), "{err}");
}

#[test]
fn totals_beyond_the_decimal_range_are_refused_not_panicked() {
    let huge = Decimal::MAX;
    let orders = vec![
        RfmOrder {
            customer_id: "1".into(),
            date: d("2026-06-01"),
            amount: huge,
        },
        RfmOrder {
            customer_id: "1".into(),
            date: d("2026-06-02"),
            amount: huge,
        },
    ];
    let err = score(&orders, d("2026-06-30"), &RfmConfig::default()).unwrap_err();
    assert_eq!(err.code(), "INVALID_INPUT");
    assert!(err.to_string().contains("customer 1"), "{err}");
    let heavy = RfmConfig {
        weights: RfmWeights {
            r: huge,
            f: huge,
            m: huge,
        },
        ..RfmConfig::default()
    };
    let one = vec![RfmOrder {
        customer_id: "1".into(),
        date: d("2026-06-01"),
        amount: Decimal::ONE,
    }];
    assert_eq!(
        score(&one, d("2026-06-30"), &heavy).unwrap_err().code(),
        "INVALID_INPUT"
    );
}

#[test]
fn a_window_longer_than_the_calendar_covers_everything() {
    let orders = vec![order("1", "2020-01-01", 5), order("1", "2026-06-01", 7)];
    let huge = RfmConfig {
        window_days: Some(u32::MAX),
        ..RfmConfig::default()
    };
    let rows = score(&orders, d("2026-06-30"), &huge).unwrap();
    assert_eq!(
        (rows[0].frequency, rows[0].monetary),
        (2, Decimal::from(12))
    );
}

#[test]
fn negative_amounts_and_weights_are_refused_not_scored() {
    let as_of = NaiveDate::from_ymd_opt(2026, 6, 30).unwrap();
    let orders = vec![order("a", "2026-06-01", 100), order("b", "2026-06-02", -5)];
    let e = crm_core::rfm::score(&orders, as_of, &RfmConfig::default()).unwrap_err();
    let crm_core::CrmError::InvalidInput { field, reason } = e else {
        panic!("{e:?}")
    };
    assert_eq!(field, "orders");
    assert!(
        reason.contains("customer b has a negative amount"),
        "{reason}"
    );
    let mut config = RfmConfig::default();
    config.weights.f = Decimal::from(-1);
    let e = crm_core::rfm::score(&orders[..1], as_of, &config).unwrap_err();
    assert_eq!(
        e,
        crm_core::CrmError::invalid("weights.f", "must not be negative")
    );
}
