//! The parser targets that need only crm-core: calendar TOML, commission plan TOML and RFM
//! configuration TOML. Each parses its input and, when it parses, uses the result the way the
//! engine does (calendar arithmetic across the supported years and beyond, statements over credits
//! up to `Decimal::MAX`, RFM scores): a parser that accepts an extreme value hands it to
//! arithmetic that may overflow. A panic anywhere is the finding; errors are fine. Shared by the
//! libFuzzer targets (src/lib.rs) and crm-core's CI replay (crm-core/tests/fuzz_parsers.rs).

use chrono::{DateTime, Duration, NaiveDate, Utc};
use crm_core::api::pure;
use crm_core::commission::{CommissionCredit, CommissionCreditKind};
use crm_core::rfm::RfmOrder;
use rust_decimal::Decimal;

fn text(data: &[u8]) -> Option<&str> {
    std::str::from_utf8(data).ok()
}

fn instants() -> [DateTime<Utc>; 6] {
    let at = |s: &str| s.parse::<DateTime<Utc>>().expect("a valid instant");
    [
        at("2026-03-02T01:00:00Z"),
        at("2026-10-01T00:00:00+08:00"),
        at("1900-01-01T00:00:00Z"),
        at("2299-12-31T23:59:59Z"),
        DateTime::<Utc>::MIN_UTC,
        DateTime::<Utc>::MAX_UTC,
    ]
}

/// Calendar TOML (`crm_core::sla::parse_calendar`), then every calendar query.
pub fn calendar(data: &[u8]) {
    let Some(text) = text(data) else { return };
    let Ok(cal) = crm_core::sla::parse_calendar(text) else {
        return;
    };
    let all = instants();
    for &at in &all {
        let _ = cal.is_working_at(at);
        let _ = cal.next_working_instant(at);
        for minutes in [0, 1, 90, 60 * 24 * 366, i64::MAX / 60_000, -1] {
            if let Some(work) = Duration::try_minutes(minutes) {
                let _ = cal.due(at, work);
            }
        }
        let _ = cal.elapsed(at, all[0]);
        let _ = cal.elapsed(all[0], at);
    }
    let starts: Vec<i64> = all.iter().map(|t| t.timestamp_millis()).collect();
    let _ = cal.due_batch(&starts, &[0, 60_000, i64::MAX, -1, 86_400_000, 1]);
}

fn credit(
    kind: CommissionCreditKind,
    deal: &str,
    rep: &str,
    date: &str,
    amount: Decimal,
) -> CommissionCredit {
    CommissionCredit {
        kind,
        deal_id: deal.into(),
        rep_id: Some(rep.into()),
        split: None,
        date: date.parse().expect("a valid date"),
        amount,
        contract_total: Some(amount),
    }
}

fn credits() -> Vec<Vec<CommissionCredit>> {
    use CommissionCreditKind::*;
    let d = |s: &str| s.parse::<Decimal>().expect("a decimal");
    vec![
        vec![
            credit(Won, "d1", "u-2", "2026-03-02", d("10000")),
            credit(Payment, "d1", "u-2", "2026-03-20", d("4000")),
            credit(Won, "d2", "u-3", "2026-01-15", d("2500.50")),
            credit(Refund, "d1", "u-2", "2026-03-25", d("1000")),
            credit(Cancel, "d2", "u-3", "2026-03-28", d("0")),
        ],
        vec![
            credit(Won, "big1", "u-2", "2026-03-02", Decimal::MAX),
            credit(Won, "big2", "u-2", "2026-03-03", Decimal::MAX),
            credit(Payment, "big1", "u-2", "2026-03-04", Decimal::MAX),
        ],
    ]
}

/// Commission plan TOML (`crm_core::commission::parse_plan`), then statements over credits.
pub fn commission_plan(data: &[u8]) {
    let Some(text) = text(data) else { return };
    let Ok(plan) = crm_core::commission::parse_plan(text) else {
        return;
    };
    for credits in credits() {
        for period in ["2026-03", "2026-Q1"] {
            let _ = pure::commission_statement(&plan, &credits, period, None);
            let _ = pure::commission_statement(&plan, &credits, period, Some("u-2"));
        }
    }
}

/// RFM configuration TOML (`crm_core::rfm::parse_config`), then a scoring with it.
pub fn rfm_config(data: &[u8]) {
    let Some(text) = text(data) else { return };
    let order = |id: &str, date: &str, amount: Decimal| RfmOrder {
        customer_id: id.into(),
        date: date.parse().expect("a valid date"),
        amount,
    };
    let orders = vec![
        order("1", "2026-06-01", Decimal::new(100, 0)),
        order("2", "2026-06-20", Decimal::new(5050, 2)),
        order("2", "2026-06-25", Decimal::new(50, 0)),
        order("3", "2025-01-01", Decimal::MAX),
        order("3", "2025-01-02", Decimal::MAX),
        order("c-4", "1900-01-01", Decimal::ZERO),
    ];
    for as_of in ["2026-06-30", "2262-04-11", "1900-01-01"] {
        let as_of: NaiveDate = as_of.parse().expect("a valid date");
        let _ = pure::rfm_score(&orders, as_of, Some(text));
    }
}

/// Fields a fuzzed header's columns are mapped to, in turn.
const IMPORT_TARGETS: [&str; 10] = [
    "name",
    "phones",
    "emails",
    "province",
    "city",
    "district",
    "address",
    "tags",
    "custom.birthday:date",
    "custom.spend:number",
];

/// A CSV file imported as customers (UTF-8 and, with the `gbk` feature, GBK): a dry run, then the
/// real run. Row errors and typed file errors are fine; a panic, a dry run that writes, a row both
/// written and refused, or a real run that disagrees with the dry run is the finding.
pub fn import_csv(data: &[u8]) {
    use crm_core::import::csv::{CsvSource, Encoding};
    use crm_core::import::{
        ImportKind, ImportMapping, ImportMode, ImportOptions, RowAction, RowSource,
    };
    let encodings = [Some(Encoding::Utf8), Encoding::parse("gbk").ok()];
    for encoding in encodings.into_iter().flatten() {
        let Ok(source) = CsvSource::new(data, encoding) else {
            continue;
        };
        let mut columns = std::collections::BTreeMap::new();
        for (i, name) in source
            .header()
            .iter()
            .enumerate()
            .take(IMPORT_TARGETS.len())
        {
            columns
                .entry(name.clone())
                .or_insert(IMPORT_TARGETS[i].to_string());
        }
        let at = instants()[0];
        let crm = crm_core::Crm::in_memory(std::sync::Arc::new(crm_core::FixedClock::new(at)));
        let admin = crm
            .bootstrap("Admin", None)
            .expect("an empty organisation bootstraps")
            .id;
        for mode in [ImportMode::Create, ImportMode::Upsert] {
            let options = |dry_run| ImportOptions {
                mapping: Some(ImportMapping {
                    kind: ImportKind::Customers,
                    columns: columns.clone(),
                    mode,
                    match_on: Vec::new(),
                    in_file_duplicates: Default::default(),
                    default_region: None,
                    all_or_nothing: false,
                }),
                dry_run,
                batch_size: Some(3),
                ..ImportOptions::default()
            };
            let before = crm.customers(&admin).expect("customers read").len();
            let run = |dry_run| {
                let mut src = CsvSource::new(data, encoding).expect("it opened once");
                let mut outcomes = Vec::new();
                crm.import(&admin, options(dry_run), &mut src, &mut outcomes)
                    .map(|r| (r, outcomes))
            };
            let Ok((_, dry)) = run(true) else { continue };
            assert_eq!(
                crm.customers(&admin).expect("customers read").len(),
                before,
                "a dry run wrote"
            );
            for o in &dry {
                assert_eq!(o.action == RowAction::Failed, !o.errors.is_empty(), "{o:?}");
            }
            let (_, real) = run(false).expect("the dry run passed");
            assert_eq!(dry, real, "the real run differs from its dry run");
        }
    }
}
