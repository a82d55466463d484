//! The demo's sixth part: a spreadsheet comes in (数据清洗). An assistant exports three thousand
//! customers from an old system (`examples/data/customers.csv`, made by its seeded generator):
//! a dry run first, then the import with the refused rows written back out; the data quality
//! report says what the file did to the organisation; a second file mapped wrongly is reverted,
//! sparing the one record someone already corrected by hand.

use crate::demo::{start, DemoResult};
use crate::report::Report;
use chrono::Duration;
use crm_core::api::Operations;
use crm_core::import::quality::QualityOptions;
use crm_core::import::{ImportMapping, ImportOptions, RowAction};
use crm_core::{CustomerPatch, FixedClock};

/// The old system's export and the mapping its columns need.
pub const CUSTOMERS_CSV: &str = include_str!("../../examples/data/customers.csv");
pub const CUSTOMERS_MAP: &str = include_str!("../../examples/data/customers.map.toml");

pub fn chapter(
    crm: &impl Operations,
    clock: &FixedClock,
    r: &mut Report,
    admin: &str,
) -> DemoResult<()> {
    r.section("Day 65: an old system's spreadsheet comes in (数据清洗)");
    clock.set(start() + Duration::days(64) + Duration::hours(2));
    let mapping: ImportMapping = toml::from_str(CUSTOMERS_MAP)?;
    let saved = crm.save_import_mapping(admin, "旧系统客户导出", mapping)?;
    r.item(&format!(
        "mapping {} saved: {} columns of examples/data/customers.csv, {:?} mode, matched on {:?}",
        saved.id,
        saved.mapping.columns.len(),
        saved.mapping.mode,
        saved.mapping.match_on
    ));
    let options = |dry_run: bool| ImportOptions {
        mapping_id: Some(saved.id.clone()),
        dry_run,
        file_name: Some("customers.csv".into()),
        batch_size: Some(500),
        ..ImportOptions::default()
    };
    let dry = crm.import_csv(admin, options(true), CUSTOMERS_CSV)?;
    r.item(&format!(
        "dry run, nothing written: {}",
        crate::import::summary(&dry.counts, true)
    ));
    for o in dry
        .outcomes
        .iter()
        .filter(|o| o.action == RowAction::Failed)
        .take(3)
    {
        let e = &o.errors[0];
        r.item(&format!(
            "   row {} (line {}): {} {} — {}",
            o.row,
            o.line.unwrap_or_default(),
            e.field.as_deref().unwrap_or("-"),
            e.code,
            e.message
        ));
    }
    let real = crm.import_csv(admin, options(false), CUSTOMERS_CSV)?;
    let job = real.job.ok_or("a real import has a job")?;
    if real.outcomes != dry.outcomes {
        return Err("the dry run and the import disagree".into());
    }
    r.item(&format!(
        "import {} ({:?}), the same outcomes as the dry run: {}",
        job.id,
        job.state,
        crate::import::summary(&real.counts, false)
    ));
    let rejects = crm.import_rejects_csv(admin, job.id.clone())?;
    r.item(&format!(
        "the {} refused rows come back as a CSV with an error column ({} bytes) to fix and import again",
        rejects.lines().count() - 1,
        rejects.len()
    ));
    let report = crm.quality_report(admin, QualityOptions::default())?;
    r.item(&format!(
        "data quality of the {} customers now stored:",
        report.customers
    ));
    for finding in report.findings.iter().take(8) {
        r.item(&format!("   {finding}"));
    }
    if let Some(c) = report.duplicate_clusters.first() {
        r.item(&format!(
            "   largest duplicate cluster: {} ({})",
            c.customer_ids.join(", "),
            c.shared.join("; ")
        ));
    }

    // A second file, its 行业 column mapped to the level by mistake.
    clock.advance(Duration::hours(1));
    let wrong_csv = "客户名称,手机,行业\n\
        东方锦程贸易,13911110001,贸易\n\
        远航物流,13911110002,物流\n\
        星河教育科技,13911110003,教育\n";
    let wrong: ImportMapping = toml::from_str(
        r#"kind = "customers"
mode = "upsert"
match_on = ["phone"]
[columns]
"客户名称" = "name"
"手机" = "phones"
"行业" = "level"
"#,
    )?;
    let second = crm.import_csv(
        admin,
        ImportOptions {
            mapping: Some(wrong),
            file_name: Some("new-leads.csv".into()),
            ..ImportOptions::default()
        },
        wrong_csv,
    )?;
    let second_job = second.job.ok_or("a real import has a job")?;
    r.item(&format!(
        "{}: a second file with 行业 mapped to the level by mistake: {}",
        second_job.id,
        crate::import::summary(&second.counts, false)
    ));
    let fixed = second.outcomes[0]
        .record_id
        .clone()
        .ok_or("row 1 created a customer")?;
    let current = crm.customer(admin, fixed.clone())?;
    crm.update_customer(
        admin,
        fixed.clone(),
        current.version,
        CustomerPatch {
            clear_level: true,
            industry: Some("贸易".into()),
            ..CustomerPatch::default()
        },
    )?;
    r.item(&format!("   a rep corrects {fixed} by hand first"));
    let reverted = crm.revert_import(admin, second_job.id.clone())?;
    r.item(&format!(
        "reverting {}: deleted {}, kept {} ({})",
        second_job.id,
        reverted.deleted.join(", "),
        reverted
            .skipped
            .iter()
            .map(|s| s.record_id.as_str())
            .collect::<Vec<_>>()
            .join(", "),
        reverted
            .skipped
            .first()
            .map(|s| s.reason.as_str())
            .unwrap_or("-")
    ));
    Ok(())
}
