//! `crm import`, `crm import-jobs`, `crm import-revert` and `crm quality` as a user runs them: the
//! binary on an SQLite file, with a mapping file, a rejects file and the exit status.

use std::process::{Command, Output};

const MAP: &str = r#"kind = "customers"
mode = "upsert"
match_on = ["phone"]
[columns]
"客户名称" = "name"
"手机" = "phones"
"生日" = "custom.birthday:date"
"#;

const FILE: &str = "\u{FEFF}客户名称,手机,生日\r\n华为技术,+86 138-0013-8000,1987年6月5日\r\n阿里巴巴,12345,2026-02-30\r\n华为技术有限公司,13800138000,\r\n";

fn crm(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_crm"))
        .args(args)
        .output()
        .expect("the crm binary runs")
}

fn text(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn import_refuses_rows_writes_rejects_reverts_and_reports_quality() {
    let dir = tempfile::tempdir().unwrap();
    let path = |name: &str| dir.path().join(name).to_str().unwrap().to_string();
    let (db, map, file, rejects) = (
        path("crm.db"),
        path("map.toml"),
        path("客户.csv"),
        path("rejects.csv"),
    );
    std::fs::write(&map, MAP).unwrap();
    std::fs::write(&file, FILE).unwrap();
    assert!(
        crm(&["token", "bootstrap", "--db", &db, "--admin-name", "Ada"])
            .status
            .success()
    );

    let dry = crm(&["import", "--db", &db, "--map", &map, &file, "--dry-run"]);
    assert_eq!(dry.status.code(), Some(2), "{}", text(&dry));
    assert!(text(&dry).contains("Dry run of"), "{}", text(&dry));
    assert!(text(&dry).contains("3 rows: 1 would be created, 1 would be updated, 0 unchanged, 0 duplicate (left alone), 1 failed"));
    let listed = crm(&["import-jobs", "--db", &db]);
    assert_eq!(
        text(&listed).lines().count(),
        1,
        "a dry run stores no job:\n{}",
        text(&listed)
    );

    let real = crm(&[
        "import",
        "--db",
        &db,
        "--map",
        &map,
        &file,
        "--rejects",
        &rejects,
    ]);
    assert_eq!(real.status.code(), Some(2), "{}", text(&real));
    assert!(text(&real).contains("Import imp-1 of"), "{}", text(&real));
    assert!(
        text(&real).contains("1 refused row(s) written to"),
        "{}",
        text(&real)
    );
    let written = std::fs::read_to_string(&rejects).unwrap();
    let mut lines = written.lines();
    assert_eq!(lines.next(), Some("客户名称,手机,生日,error"));
    let row = lines.next().unwrap();
    assert!(row.starts_with("阿里巴巴,12345,2026-02-30,"), "{row}");
    assert!(
        row.contains("手机: 12345 is not a phone number")
            && row.contains("生日: 2026-02-30 is not a date"),
        "{row}"
    );
    assert_eq!(lines.next(), None);

    let jobs = text(&crm(&["import-jobs", "--db", &db]));
    assert!(
        jobs.contains("imp-1") && jobs.contains("客户.csv") && jobs.contains("completed"),
        "{jobs}"
    );

    let quality = crm(&["quality", "--db", &db, "--csv"]);
    assert!(quality.status.success());
    let report = text(&quality);
    assert!(
        report.starts_with("kind,name,customers,filled,completeness_percent"),
        "{report}"
    );
    assert!(
        report.contains("field,custom_fields.birthday,1,1,100.0,"),
        "{report}"
    );

    let reverted = crm(&["import-revert", "--db", &db, "imp-1"]);
    assert!(
        reverted.status.success(),
        "{}",
        String::from_utf8_lossy(&reverted.stderr)
    );
    assert!(text(&reverted)
        .contains("Reverted imp-1: 1 record(s) deleted, 0 restored, 0 left as they were."));
    let empty = text(&crm(&["quality", "--db", &db]));
    assert!(empty.contains("Data quality of 0 customers"), "{empty}");

    // A mapping naming a column the file lacks is refused before anything is written.
    std::fs::write(&map, MAP.replace("\"手机\"", "\"电话\"")).unwrap();
    let refused = crm(&["import", "--db", &db, "--map", &map, &file]);
    assert_eq!(refused.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&refused.stderr).contains("no column 电话"));
    let jobs = text(&crm(&["import-jobs", "--db", &db]));
    assert_eq!(
        jobs.lines().count(),
        2,
        "no job was stored for the refused mapping:\n{jobs}"
    );
}
