//! Properties of imports (DOMAIN.md section 11) over random files: a dry run reports exactly what
//! the real run does; the real run creates exactly the rows it says; a row is never both created
//! and refused; import then revert leaves the customers as they were; an import stopped at a
//! random row and resumed ends where an uninterrupted one does.

use chrono::{TimeZone, Utc};
use crm_core::import::csv::{CsvSource, Encoding};
use crm_core::import::{
    ImportKind, ImportMapping, ImportMode, ImportOptions, InFileDuplicates, MatchKey, RowAction,
    RowOutcome,
};
use crm_core::testing::import::StopAfter;
use crm_core::{Crm, FixedClock, NewCustomer};
use proptest::prelude::*;
use std::sync::Arc;

const ADMIN: &str = "u-1";
const NAMES: [&str; 6] = [
    "华为技术",
    "华为技术有限公司",
    "腾讯科技",
    "Acme Co., Ltd.",
    "ACME",
    "  ",
];
const PHONES: [&str; 6] = [
    "13800000001",
    "+86 138-0000-0001",
    "13900000002",
    "12",
    "",
    "0755-8601-3388",
];
const EMAILS: [&str; 5] = ["a@x.cn", "A@X.CN ", "b@y.com", "bad@", ""];
const DATES: [&str; 4] = ["2026年3月5日", "1990/1/2", "2026-02-30", ""];

fn crm() -> Crm {
    let clock = Arc::new(FixedClock::new(
        Utc.with_ymd_and_hms(2026, 3, 5, 2, 0, 0).unwrap(),
    ));
    let crm = Crm::in_memory(clock);
    crm.bootstrap("Admin", None).unwrap();
    for (name, phone) in [("腾讯科技", "13900000002"), ("旧客户", "13700000009")] {
        crm.create_customer(
            ADMIN,
            NewCustomer {
                name: name.into(),
                phones: vec![phone.into()],
                ..NewCustomer::default()
            },
        )
        .unwrap();
    }
    crm
}

fn csv_of(rows: &[(usize, usize, usize, usize)]) -> String {
    let mut out = String::from("名称,手机,邮箱,生日\n");
    for &(n, p, e, d) in rows {
        out.push_str(&format!(
            "\"{}\",\"{}\",\"{}\",\"{}\"\n",
            NAMES[n], PHONES[p], EMAILS[e], DATES[d]
        ));
    }
    out
}

#[derive(Debug, Clone)]
struct Case {
    rows: Vec<(usize, usize, usize, usize)>,
    mode: ImportMode,
    match_on: Vec<MatchKey>,
    in_file: InFileDuplicates,
    batch: u32,
}

fn case() -> impl Strategy<Value = Case> {
    (
        prop::collection::vec(
            (
                0..NAMES.len(),
                0..PHONES.len(),
                0..EMAILS.len(),
                0..DATES.len(),
            ),
            0..14,
        ),
        prop_oneof![
            Just(ImportMode::Create),
            Just(ImportMode::Update),
            Just(ImportMode::Upsert)
        ],
        prop::sample::subsequence(
            vec![MatchKey::Phone, MatchKey::Email, MatchKey::Name],
            1..=3,
        ),
        prop_oneof![Just(InFileDuplicates::Merge), Just(InFileDuplicates::Error)],
        1u32..5,
    )
        .prop_map(|(rows, mode, match_on, in_file, batch)| Case {
            rows,
            mode,
            match_on,
            in_file,
            batch,
        })
}

fn options(case: &Case, dry_run: bool) -> ImportOptions {
    ImportOptions {
        mapping: Some(ImportMapping {
            kind: ImportKind::Customers,
            columns: [
                ("名称", "name"),
                ("手机", "phones"),
                ("邮箱", "emails"),
                ("生日", "custom.birthday:date"),
            ]
            .into_iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect(),
            mode: case.mode,
            match_on: case.match_on.clone(),
            in_file_duplicates: case.in_file,
            default_region: None,
            all_or_nothing: false,
        }),
        dry_run,
        batch_size: Some(case.batch),
        ..ImportOptions::default()
    }
}

/// Customers as a comparable value, without what any write changes (version, update time).
fn customers(crm: &Crm) -> serde_json::Value {
    let mut list = serde_json::to_value(crm.customers(ADMIN).unwrap()).unwrap();
    for c in list.as_array_mut().unwrap() {
        c.as_object_mut().unwrap().remove("version");
        c.as_object_mut().unwrap().remove("updated_at");
    }
    list
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn dry_run_real_run_and_revert_agree(case in case()) {
        let file = csv_of(&case.rows);
        let crm = crm();
        let before = customers(&crm);
        let dry = crm.import_csv(ADMIN, options(&case, true), &file);
        let Ok(dry) = dry else {
            // A refused mapping (update with nothing to match on) is refused the same way.
            prop_assert!(crm.import_csv(ADMIN, options(&case, false), &file).is_err());
            return Ok(());
        };
        prop_assert_eq!(customers(&crm), before.clone(), "a dry run writes nothing");
        let real = crm.import_csv(ADMIN, options(&case, false), &file).unwrap();
        prop_assert_eq!(&dry.outcomes, &real.outcomes);
        prop_assert_eq!(dry.counts, real.counts);
        prop_assert_eq!(real.counts.rows as usize, case.rows.len());
        for o in &real.outcomes {
            prop_assert_eq!(o.action == RowAction::Failed, !o.errors.is_empty(), "{:?}", o);
        }
        let created: Vec<&RowOutcome> = real.outcomes.iter().filter(|o| o.action == RowAction::Created).collect();
        let after = crm.customers(ADMIN).unwrap();
        prop_assert_eq!(after.len(), before.as_array().unwrap().len() + created.len());
        for o in &created {
            prop_assert!(crm.customer(ADMIN, o.record_id.as_deref().unwrap()).is_ok());
        }
        let job = real.job.unwrap();
        let report = crm.revert_import(ADMIN, &job.id).unwrap();
        prop_assert!(report.skipped.is_empty(), "{:?}", report.skipped);
        prop_assert_eq!(customers(&crm), before, "revert restores the customers");
    }

    #[test]
    fn a_stopped_import_resumes_to_the_uninterrupted_end(case in case(), stop in 0u64..14) {
        let file = csv_of(&case.rows);
        let whole = crm();
        if whole.import_csv(ADMIN, options(&case, false), &file).is_err() {
            return Ok(());
        }
        let crm = crm();
        let mut sink: Vec<RowOutcome> = Vec::new();
        let mut source = StopAfter::new(CsvSource::new(file.as_bytes(), Encoding::Utf8).unwrap(), Some(stop));
        let first = crm.import(ADMIN, options(&case, false), &mut source, &mut sink);
        if first.is_err() {
            let job = crm.import_jobs(ADMIN).unwrap().remove(0);
            let mut again = StopAfter::new(CsvSource::new(file.as_bytes(), Encoding::Utf8).unwrap(), None);
            crm.resume_import(ADMIN, &job.id, &mut again, &mut sink).unwrap();
        }
        prop_assert_eq!(customers(&crm), customers(&whole));
        let rows: Vec<u64> = sink.iter().map(|o| o.row).collect();
        prop_assert_eq!(rows, (1..=case.rows.len() as u64).collect::<Vec<_>>(), "every row reported once");
    }
}
