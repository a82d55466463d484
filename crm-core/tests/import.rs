//! Import and data quality (DOMAIN.md section 11) through the service layer on the in-memory
//! store: mapped CSV rows, row errors, duplicates in the file and in the store, dry run, all or
//! nothing, resume after a failure, revert, and the quality report.

use chrono::{TimeZone, Utc};
use crm_core::customer::FieldValue;
use crm_core::import::csv::{CsvSource, Encoding};
use crm_core::import::quality::QualityOptions;
use crm_core::import::{
    ImportKind, ImportMapping, ImportMode, ImportOptions, ImportState, InFileDuplicates, MatchKey,
    RowAction, RowOutcome,
};
use crm_core::testing::import::StopAfter;
use crm_core::{Crm, CrmError, FixedClock, NewCustomer, NewUser, Role};
use std::collections::BTreeMap;
use std::sync::Arc;

const ADMIN: &str = "u-1";

const FILE: &str = "\u{FEFF}客户名称,手机,邮箱,省,市,区,生日,年采购额\n\
华为技术有限公司,+86 138-0013-8000,Sales@Huawei.COM,广东,深圳,南山区,1987年6月5日,\"1,200,000\"\n\
阿里巴巴,12345,ali@alibaba,浙江省,杭州市,浦东新区,2026-02-30,abc\n\
华为技术,13800138000,,,,,,\n\
腾讯科技,０７５５-８６０１３３８８,pony@qq.com,广东省,深圳市,南山区,1971/10/29,\n\
老客户,13900000001,,上海,,浦东,,\n";

fn crm() -> Crm {
    crm_at(Arc::new(FixedClock::new(
        Utc.with_ymd_and_hms(2026, 3, 5, 2, 0, 0).unwrap(),
    )))
}

fn crm_at(clock: Arc<FixedClock>) -> Crm {
    let crm = Crm::in_memory(clock);
    crm.bootstrap("Admin", None).unwrap();
    crm.create_user(
        ADMIN,
        NewUser {
            name: "Rep".into(),
            role: Role::Rep,
            scope: None,
            team_id: None,
        },
    )
    .unwrap();
    crm
}

fn mapping(mode: ImportMode) -> ImportMapping {
    let columns: BTreeMap<String, String> = [
        ("客户名称", "name"),
        ("手机", "phones"),
        ("邮箱", "emails"),
        ("省", "province"),
        ("市", "city"),
        ("区", "district"),
        ("生日", "custom.birthday:date"),
        ("年采购额", "custom.annual_spend:number"),
    ]
    .into_iter()
    .map(|(a, b)| (a.to_string(), b.to_string()))
    .collect();
    ImportMapping {
        kind: ImportKind::Customers,
        columns,
        mode,
        match_on: vec![],
        in_file_duplicates: InFileDuplicates::Merge,
        default_region: None,
        all_or_nothing: false,
    }
}

fn options(mode: ImportMode, dry_run: bool) -> ImportOptions {
    ImportOptions {
        mapping: Some(mapping(mode)),
        dry_run,
        file_name: Some("customers.csv".into()),
        batch_size: Some(2),
        ..ImportOptions::default()
    }
}

/// The stored customers without their volatile parts, for before/after comparisons.
fn snapshot(crm: &Crm) -> String {
    serde_json::to_string(&(
        crm.customers(ADMIN).unwrap(),
        crm.events(ADMIN, 0, 100_000).unwrap().len(),
    ))
    .unwrap()
}

fn actions(outcomes: &[RowOutcome]) -> Vec<RowAction> {
    outcomes.iter().map(|o| o.action).collect()
}

#[test]
fn rows_are_created_refused_and_merged_with_reasons() {
    let crm = crm();
    crm.create_customer(
        ADMIN,
        NewCustomer {
            name: "老客户".into(),
            phones: vec!["139 0000 0001".into()],
            ..NewCustomer::default()
        },
    )
    .unwrap();
    let result = crm
        .import_csv(ADMIN, options(ImportMode::Create, false), FILE)
        .unwrap();
    use RowAction::*;
    assert_eq!(
        actions(&result.outcomes),
        [Created, Failed, Updated, Created, Duplicate]
    );
    let counts = result.counts;
    assert_eq!(
        (
            counts.rows,
            counts.created,
            counts.updated,
            counts.failed,
            counts.duplicate
        ),
        (5, 2, 1, 1, 1)
    );
    // Row 2: every bad cell is reported, with its column, line and raw value.
    let bad = &result.outcomes[1];
    let codes: Vec<(&str, &str)> = bad
        .errors
        .iter()
        .map(|e| (e.field.as_deref().unwrap(), e.code.as_str()))
        .collect();
    assert_eq!(
        codes,
        [
            ("手机", "INVALID_PHONE"),
            ("邮箱", "INVALID_EMAIL"),
            ("生日", "INVALID_DATE"),
            ("年采购额", "INVALID_NUMBER"),
            ("区", "DISTRICT_NOT_IN_CITY"),
        ]
    );
    assert!(bad.errors.iter().all(|e| e.row == 2 && e.line == Some(3)));
    assert_eq!(bad.errors[0].raw.as_deref(), Some("12345"));
    // Row 3 is row 1's customer (same phone): merged into the record row 1 created.
    let merged = &result.outcomes[2];
    assert_eq!(merged.record_id, result.outcomes[0].record_id);
    assert!(
        merged.note.as_deref().unwrap().contains("row 1"),
        "{merged:?}"
    );
    // Row 5 matches the stored customer: create mode leaves it.
    assert_eq!(result.outcomes[4].record_id.as_deref(), Some("c-1"));

    let huawei = crm
        .customer(ADMIN, result.outcomes[0].record_id.as_deref().unwrap())
        .unwrap();
    assert_eq!(huawei.phones, ["+8613800138000"]);
    assert_eq!(huawei.emails, ["sales@huawei.com"]);
    assert_eq!(huawei.name, "华为技术");
    assert_eq!(
        huawei.custom_fields.get("birthday"),
        Some(&FieldValue::Date(
            chrono::NaiveDate::from_ymd_opt(1987, 6, 5).unwrap()
        ))
    );
    assert_eq!(
        huawei.custom_fields.get("annual_spend"),
        Some(&FieldValue::Number(rust_decimal::Decimal::from(1_200_000)))
    );
    assert_eq!(
        huawei.custom_fields.get("address"),
        Some(&FieldValue::Text("广东省深圳市南山区".into()))
    );
    let tencent = crm
        .customer(ADMIN, result.outcomes[3].record_id.as_deref().unwrap())
        .unwrap();
    assert_eq!(tencent.phones, ["+8675586013388"]);

    let job = result.job.unwrap();
    assert_eq!(job.state, ImportState::Completed);
    assert_eq!(job.committed_rows, 5);
    let rejects = crm.import_rejects_csv(ADMIN, &job.id).unwrap();
    let mut lines = rejects.lines();
    assert_eq!(
        lines.next(),
        Some("客户名称,手机,邮箱,省,市,区,生日,年采购额,error")
    );
    let line = lines.next().unwrap();
    assert!(
        line.starts_with("阿里巴巴,12345,ali@alibaba,浙江省,杭州市,浦东新区,2026-02-30,abc,"),
        "{line}"
    );
    assert!(
        line.contains("区: 浦东新区 is not a district of 杭州市"),
        "{line}"
    );
    assert_eq!(lines.next(), None);
}

#[test]
fn a_dry_run_reports_what_the_real_run_does_and_writes_nothing() {
    let crm = crm();
    let before = snapshot(&crm);
    let dry = crm
        .import_csv(ADMIN, options(ImportMode::Upsert, true), FILE)
        .unwrap();
    assert!(dry.job.is_none() && dry.dry_run);
    assert_eq!(snapshot(&crm), before, "a dry run writes nothing");
    assert!(crm.import_jobs(ADMIN).unwrap().is_empty());
    let real = crm
        .import_csv(ADMIN, options(ImportMode::Upsert, false), FILE)
        .unwrap();
    assert_eq!(dry.outcomes, real.outcomes);
    assert_eq!(dry.counts, real.counts);
}

#[test]
fn all_or_nothing_writes_nothing_when_a_row_fails() {
    let crm = crm();
    let before = snapshot(&crm);
    let mut opts = options(ImportMode::Create, false);
    opts.mapping.as_mut().unwrap().all_or_nothing = true;
    let result = crm.import_csv(ADMIN, opts, FILE).unwrap();
    let job = result.job.unwrap();
    assert_eq!(job.state, ImportState::RolledBack);
    assert_eq!(job.counts.failed, 1);
    let after = crm.customers(ADMIN).unwrap();
    assert_eq!(
        serde_json::to_string(&after).unwrap(),
        serde_json::from_str::<(serde_json::Value, usize)>(&before)
            .map(|b| b.0.to_string())
            .unwrap()
    );
}

#[test]
fn revert_deletes_created_restores_updated_and_spares_edited() {
    let crm = crm();
    let stored = crm
        .create_customer(
            ADMIN,
            NewCustomer {
                name: "老客户".into(),
                phones: vec!["13900000001".into()],
                industry: Some("制造".into()),
                ..NewCustomer::default()
            },
        )
        .unwrap()
        .customer;
    let file = "名称,手机,行业\n老客户,13900000001,零售\n新客户甲,13700000001,教育\n新客户乙,13700000002,教育\n";
    let mut columns = BTreeMap::new();
    columns.insert("名称".to_string(), "name".to_string());
    columns.insert("手机".to_string(), "phones".to_string());
    columns.insert("行业".to_string(), "industry".to_string());
    let opts = ImportOptions {
        mapping: Some(ImportMapping {
            kind: ImportKind::Customers,
            columns,
            mode: ImportMode::Upsert,
            match_on: vec![MatchKey::Phone],
            in_file_duplicates: InFileDuplicates::Merge,
            default_region: None,
            all_or_nothing: false,
        }),
        ..ImportOptions::default()
    };
    let result = crm.import_csv(ADMIN, opts, file).unwrap();
    use RowAction::*;
    assert_eq!(actions(&result.outcomes), [Updated, Created, Created]);
    assert_eq!(
        crm.customer(ADMIN, &stored.id).unwrap().industry.as_deref(),
        Some("零售")
    );
    // Someone edits one of the imported customers.
    let edited = result.outcomes[2].record_id.clone().unwrap();
    let current = crm.customer(ADMIN, &edited).unwrap();
    crm.update_customer(
        ADMIN,
        &edited,
        current.version,
        crm_core::CustomerPatch {
            level: Some("A".into()),
            ..Default::default()
        },
    )
    .unwrap();
    let job = result.job.unwrap();
    let report = crm.revert_import(ADMIN, &job.id).unwrap();
    assert_eq!(
        report.deleted,
        [result.outcomes[1].record_id.clone().unwrap()]
    );
    assert_eq!(report.restored, std::slice::from_ref(&stored.id));
    assert_eq!(report.skipped.len(), 1);
    assert_eq!(report.skipped[0].record_id, edited);
    assert_eq!(report.job.state, ImportState::Reverted);
    assert_eq!(
        crm.customer(ADMIN, &stored.id).unwrap().industry.as_deref(),
        Some("制造")
    );
    assert!(matches!(
        crm.customer(ADMIN, &report.deleted[0]),
        Err(CrmError::NotFound { .. })
    ));
    assert!(crm.customer(ADMIN, &edited).is_ok());
    // Its phone no longer finds a duplicate.
    let probe = crm_core::DuplicateProbe {
        phones: vec!["13700000001".into()],
        ..Default::default()
    };
    assert!(crm.find_duplicates(ADMIN, probe).unwrap().is_empty());
    assert!(matches!(
        crm.revert_import(ADMIN, &job.id),
        Err(CrmError::InvalidState { .. })
    ));
}

#[test]
fn a_failed_import_resumes_to_the_uninterrupted_state() {
    let whole = crm();
    whole
        .import_csv(ADMIN, options(ImportMode::Upsert, false), FILE)
        .unwrap();
    let crm = crm();
    let mut source = StopAfter::new(
        CsvSource::new(FILE.as_bytes(), Encoding::Utf8).unwrap(),
        Some(3),
    );
    let mut sink = Vec::new();
    let err = crm.import(
        ADMIN,
        options(ImportMode::Upsert, false),
        &mut source,
        &mut sink,
    );
    assert!(err.is_err());
    let job = crm.import_jobs(ADMIN).unwrap().remove(0);
    assert_eq!((job.state, job.committed_rows), (ImportState::Running, 2));
    let mut again = StopAfter::new(
        CsvSource::new(FILE.as_bytes(), Encoding::Utf8).unwrap(),
        None,
    );
    let done = crm
        .resume_import(ADMIN, &job.id, &mut again, &mut sink)
        .unwrap();
    assert_eq!(done.job.unwrap().state, ImportState::Completed);
    assert_eq!(
        serde_json::to_value(crm.customers(ADMIN).unwrap()).unwrap(),
        serde_json::to_value(whole.customers(ADMIN).unwrap()).unwrap()
    );
    let rows: Vec<u64> = sink.iter().map(|o| o.row).collect();
    assert_eq!(rows, [1, 2, 3, 4, 5], "each row is reported once");
}

#[test]
fn contacts_and_leads_import() {
    let crm = crm();
    let customer = crm
        .create_customer(
            ADMIN,
            NewCustomer {
                name: "华为技术有限公司".into(),
                phones: vec!["075528780808".into()],
                ..NewCustomer::default()
            },
        )
        .unwrap()
        .customer;
    let contacts = "客户,姓名,手机,职位\n华为技术,张三,13600000001,采购\n0755-2878-0808,李四,13600000002,\n不存在公司,王五,13600000003,\n华为技术,张三,13600000001,采购经理\n";
    let mapping = ImportMapping {
        kind: ImportKind::Contacts,
        columns: [
            ("客户", "customer"),
            ("姓名", "name"),
            ("手机", "phones"),
            ("职位", "role"),
        ]
        .into_iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect(),
        mode: ImportMode::Upsert,
        match_on: vec![MatchKey::Name],
        in_file_duplicates: InFileDuplicates::Merge,
        default_region: None,
        all_or_nothing: false,
    };
    let opts = ImportOptions {
        mapping: Some(mapping),
        ..ImportOptions::default()
    };
    let result = crm.import_csv(ADMIN, opts, contacts).unwrap();
    use RowAction::*;
    assert_eq!(
        actions(&result.outcomes),
        [Created, Created, Failed, Updated]
    );
    assert_eq!(result.outcomes[2].errors[0].field.as_deref(), Some("客户"));
    let stored = crm.contacts(ADMIN, &customer.id).unwrap();
    assert_eq!(stored.len(), 2);
    assert_eq!(stored[0].role.as_deref(), Some("采购经理"));

    let leads =
        "name,phone,source\n张三,13500000001,展会\n张三 ,135 0000 0001,官网\n李四,bad,展会\n";
    let mapping = ImportMapping {
        kind: ImportKind::Leads,
        columns: [("name", "name"), ("phone", "phones"), ("source", "source")]
            .into_iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect(),
        mode: ImportMode::Create,
        match_on: vec![],
        in_file_duplicates: InFileDuplicates::Error,
        default_region: None,
        all_or_nothing: false,
    };
    let result = crm
        .import_csv(
            ADMIN,
            ImportOptions {
                mapping: Some(mapping),
                ..ImportOptions::default()
            },
            leads,
        )
        .unwrap();
    assert_eq!(actions(&result.outcomes), [Created, Failed, Failed]);
    assert_eq!(result.outcomes[1].errors[0].code, "DUPLICATE_IN_FILE");
    assert_eq!(crm.leads(ADMIN).unwrap().len(), 1);
}

#[test]
fn the_quality_report_states_completeness_validity_duplicates_and_staleness() {
    let clock = Arc::new(FixedClock::new(
        Utc.with_ymd_and_hms(2026, 3, 5, 2, 0, 0).unwrap(),
    ));
    let crm = crm_at(clock.clone());
    let file = "名称,手机,邮箱,地址,生日\n\
        甲公司,13800000001,a@a.cn,上海市浦东新区张江路1号,1980-01-01\n\
        甲公司有限公司,13800000002,,上海浦东新区张江路2号,\n\
        乙公司,13800000001,b@b.cn,,\n\
        丙公司,,,北京市朝阳区,\n";
    let mapping = ImportMapping {
        kind: ImportKind::Customers,
        columns: [
            ("名称", "name"),
            ("手机", "phones"),
            ("邮箱", "emails"),
            ("地址", "address"),
            ("生日", "custom.birthday:date"),
        ]
        .into_iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect(),
        mode: ImportMode::Create,
        match_on: vec![MatchKey::Id],
        in_file_duplicates: InFileDuplicates::Merge,
        default_region: None,
        all_or_nothing: false,
    };
    let result = crm
        .import_csv(
            ADMIN,
            ImportOptions {
                mapping: Some(mapping),
                ..ImportOptions::default()
            },
            file,
        )
        .unwrap();
    assert_eq!(result.counts.created, 4, "{:?}", result.outcomes);
    // A hand-entered customer with an address no division list knows.
    let mut custom = BTreeMap::new();
    custom.insert("address".to_string(), FieldValue::Text("火星市某区".into()));
    crm.create_customer(
        ADMIN,
        NewCustomer {
            name: "丁公司".into(),
            custom_fields: custom,
            ..NewCustomer::default()
        },
    )
    .unwrap();
    let report = crm
        .quality_report(ADMIN, QualityOptions::default())
        .unwrap();
    assert_eq!(report.customers, 5);
    let field = |name: &str| {
        report
            .fields
            .iter()
            .find(|f| f.field == name)
            .unwrap()
            .clone()
    };
    let birthday = field("custom_fields.birthday");
    assert_eq!(
        (birthday.filled, birthday.completeness.to_string()),
        (1, "20.0".to_string())
    );
    let address = field("custom_fields.address");
    assert_eq!((address.filled, address.valid), (4, Some(3)));
    assert_eq!(address.validity.unwrap().to_string(), "75.0");
    assert_eq!(field("phones").completeness.to_string(), "60.0");
    // 甲公司 and 乙公司 share a phone; 甲公司 and 甲公司有限公司 share a normalised name.
    assert_eq!(report.duplicate_cluster_count, 1);
    assert_eq!(
        report.duplicate_clusters[0].customer_ids,
        ["c-1", "c-2", "c-3"]
    );
    assert!(
        report
            .findings
            .iter()
            .any(|f| f == "80.0% of customers have no birthday"),
        "{:?}",
        report.findings
    );
    assert!(
        report
            .findings
            .iter()
            .any(|f| f == "25.0% of address values are invalid"),
        "{:?}",
        report.findings
    );
    assert_eq!(report.stale, 0);
    // 91 days on, every owned customer without a follow-up is stale.
    clock.advance(chrono::Duration::days(91));
    let later = crm
        .quality_report(ADMIN, QualityOptions::default())
        .unwrap();
    assert_eq!(later.stale, 5);
    assert_eq!(later.by_owner[0].stale, 5);
}

#[test]
fn the_quality_report_lists_the_largest_clusters_first_then_by_first_customer_id() {
    let crm = crm();
    // Customer n (c-n) holds these phones and emails; clusters: {1,5,7} by a phone and an
    // email, then pairs whose first customers are c-2, c-3, c-4, c-9 and c-10 (byte order
    // would put c-10 and c-13 before c-2 and c-3).
    let details: [(&str, &str); 13] = [
        ("13800000001", ""),
        ("13800000002", ""),
        ("13800000003", ""),
        ("13800000004", ""),
        ("13800000001", "one@a.cn"),
        ("13800000002", ""),
        ("", "one@a.cn"),
        ("13800000004", ""),
        ("13800000005", ""),
        ("13800000006", ""),
        ("13800000006", ""),
        ("13800000005", ""),
        ("13800000003", ""),
    ];
    let names = [
        "北京星河",
        "上海晨光",
        "广州海岸",
        "深圳远山",
        "杭州松林",
        "南京石桥",
        "成都竹园",
        "武汉江城",
        "西安古道",
        "重庆山城",
        "天津港湾",
        "苏州园林",
        "厦门鹭岛",
    ];
    for ((phone, email), name) in details.into_iter().zip(names) {
        crm.create_customer(
            ADMIN,
            NewCustomer {
                name: name.into(),
                phones: [phone]
                    .into_iter()
                    .filter(|p| !p.is_empty())
                    .map(String::from)
                    .collect(),
                emails: [email]
                    .into_iter()
                    .filter(|e| !e.is_empty())
                    .map(String::from)
                    .collect(),
                ..NewCustomer::default()
            },
        )
        .unwrap();
    }
    let report = |limit| {
        crm.quality_report(
            ADMIN,
            QualityOptions {
                limit: Some(limit),
                ..QualityOptions::default()
            },
        )
        .unwrap()
    };
    let all = report(100);
    let listed: Vec<Vec<&str>> = all
        .duplicate_clusters
        .iter()
        .map(|c| c.customer_ids.iter().map(String::as_str).collect())
        .collect();
    assert_eq!(
        listed,
        [
            vec!["c-1", "c-5", "c-7"],
            vec!["c-2", "c-6"],
            vec!["c-3", "c-13"],
            vec!["c-4", "c-8"],
            vec!["c-9", "c-12"],
            vec!["c-10", "c-11"],
        ]
    );
    assert_eq!(
        all.duplicate_clusters[0].shared,
        ["email one@a.cn", "phone 13800000001"]
    );
    assert_eq!(all.duplicate_clusters[2].shared, ["phone 13800000003"]);
    assert_eq!(all.duplicate_cluster_count, 6);
    assert_eq!(all.by_owner[0].duplicates, 13);
    // A shorter list keeps the same head and the whole counts.
    let two = report(2);
    assert_eq!(two.duplicate_clusters, all.duplicate_clusters[..2]);
    assert_eq!(two.duplicate_cluster_count, 6);
    assert!(report(0).duplicate_clusters.is_empty());
}

#[test]
fn hostile_files_get_row_errors_or_a_typed_file_error_and_a_dry_run_writes_nothing() {
    let crm = crm();
    let opts = |dry_run| {
        let mut o = options(ImportMode::Upsert, dry_run);
        o.batch_size = None;
        o
    };
    // 10,000 columns: the file is refused as a whole.
    let wide = vec!["c"; 10_000].join(",") + "\n";
    let err = crm.import_csv(ADMIN, opts(true), &wide).unwrap_err();
    assert_eq!(err.code(), "INVALID_INPUT");
    assert!(err.to_string().contains("at most 1000"), "{err}");
    // A 1 MB cell, broken quoting, a short row and random bytes are row errors.
    let huge = "华".repeat(350_000);
    let file = format!(
        "客户名称,手机,邮箱,省,市,区,生日,年采购额\n{huge},13800000001,,,,,,\n短行\n\u{0}\u{7f}\u{fffd},,,,,,,\n正常公司,13800000003,,,,,,\n\"broken,13800000002\n,,\n"
    );
    let before = snapshot(&crm);
    let dry = crm.import_csv(ADMIN, opts(true), &file).unwrap();
    assert_eq!(snapshot(&crm), before);
    let first = &dry.outcomes[0];
    assert_eq!(first.errors[0].code, "CELL_TOO_LONG");
    assert!(first.errors[0].raw.as_ref().unwrap().chars().count() <= 201);
    assert!(dry
        .outcomes
        .iter()
        .any(|o| o.errors.iter().any(|e| e.code == "WRONG_CELL_COUNT")));
    assert_eq!(
        dry.outcomes[3].action,
        RowAction::Created,
        "{:?}",
        dry.outcomes[3]
    );
    // The unterminated quote runs to the end of the file: one short row.
    assert_eq!(dry.outcomes.len(), 5);
    assert_eq!(dry.outcomes[4].errors[0].code, "WRONG_CELL_COUNT");
    let bytes = [b"\xff\xfe\x00,\n".as_slice(), &[0x80; 64], b"\n"].concat();
    let mut source = CsvSource::new(&bytes[..], Encoding::Utf8);
    assert!(
        source.is_err() || {
            let source = source.as_mut().unwrap();
            let mut outcomes = Vec::new();
            crm.import(ADMIN, opts(true), source, &mut outcomes)
                .is_err()
        }
    );
}
