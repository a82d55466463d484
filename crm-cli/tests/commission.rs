//! `crm commission` as a user runs it: the binary on the example plan and credits, checked to the
//! cent against the hand arithmetic in the comments.

use std::path::PathBuf;
use std::process::Command;

fn example(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../examples/commission")
        .join(name)
}

fn crm(extra: &[&str]) -> (bool, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_crm"))
        .arg("commission")
        .arg("--plan")
        .arg(example("plan.toml"))
        .arg("--credits")
        .arg(example("credits.csv"))
        .args(extra)
        .output()
        .expect("the crm binary runs");
    (
        out.status.success(),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

#[test]
fn csv_statement_of_one_rep_gives_every_line_to_the_cent() {
    // u-5 in November (graduated 3% to 100000, 5% to 300000; quota 200000; 90-day clawback):
    // d-102 is 70% of 150000 = 105000 (Nov 3): 0-100000 at 3% = 3000.00, 100000-105000 at 5% =
    // 250.00; d-103 95000 (Nov 20): 105000-200000 at 5% = 4750.00. Attainment 200000/200000 =
    // 100%: under the 120% band, above the 25% gate. The Nov 12 refund of 20000 on d-101 (won
    // Oct 8 for 80000, paid 2400 = 3%) is 35 days old: 20000 x 3% = -600.00.
    // 3000 + 250 + 4750 - 600 = 7400.00, above the 2000 draw, nothing carried from October
    // (2400 > 2000).
    let (ok, out, err) = crm(&["--period", "2026-11", "--rep", "u-5", "--format", "csv"]);
    assert!(ok, "{err}");
    let rows: Vec<Vec<String>> = csv::Reader::from_reader(out.as_bytes())
        .records()
        .map(|r| r.unwrap().iter().map(str::to_string).collect())
        .collect();
    assert!(out.starts_with("rep_id,period,deal_id,kind,base,tier,rate,amount,explanation\n"));
    let got: Vec<(&str, &str, &str, &str, &str)> = rows
        .iter()
        .map(|r| {
            (
                r[2].as_str(),
                r[3].as_str(),
                r[5].as_str(),
                r[6].as_str(),
                r[7].as_str(),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            ("d-102", "commission", "1", "3", "3000.00"),
            ("d-102", "commission", "2", "5", "250.00"),
            ("d-103", "commission", "2", "5", "4750.00"),
            ("d-101", "clawback", "", "3.00", "-600.00"),
        ],
        "{out}"
    );
    assert!(rows.iter().all(|r| r[0] == "u-5" && r[1] == "2026-11"));
    assert!(
        rows[0][8].contains("slice 0-100000 of the period total, tier 1 at 3% = 3000.00"),
        "{}",
        rows[0][8]
    );
}

#[test]
fn table_of_every_rep_states_totals() {
    // u-5: 7400.00 (above). u-6: 30% of d-102 = 45000 + d-104 40000 = 85000, all in tier 1 at
    // 3% = 2550.00; attainment 42.5% passes the 25% gate, no band; above the 2000 draw.
    // u-7: d-105 200000 on a 150000 quota (133.33%): 0-100000 at 3% = 3000 + 100000-200000 at 5%
    // = 5000 -> 8000, capped per deal at 6000 (-2000); the 120% band x1.25 adds 6000 x 0.25 =
    // 1500: 7500.00.
    let (ok, out, err) = crm(&["--period", "2026-11"]);
    assert!(ok, "{err}");
    let heads: Vec<&str> = out
        .lines()
        .filter(|l| l.starts_with("commission statement: "))
        .collect();
    assert_eq!(
        heads,
        [
            "commission statement: u-5 for 2026-11 (Field sales 2026)",
            "commission statement: u-6 for 2026-11 (Field sales 2026)",
            "commission statement: u-7 for 2026-11 (Field sales 2026)",
        ]
    );
    let totals: Vec<&str> = out.lines().filter(|l| l.starts_with("total ")).collect();
    assert_eq!(
        totals,
        [
            "total 7400.00 (exact 7400.0000)",
            "total 2550.00 (exact 2550.00)",
            "total 7500.00 (exact 7500.0000)",
        ],
        "{out}"
    );
    assert!(
        out.contains("base 200000.00, quota 150000, attainment 133.33%"),
        "{out}"
    );
}

#[test]
fn october_is_stated_on_its_own_and_a_bad_period_is_refused() {
    // October: u-5 alone, d-101 80000 at 3% = 2400.00.
    let (ok, out, err) = crm(&["--period", "2026-10", "--rep", "u-5", "--csv"]);
    assert!(ok, "{err}");
    assert_eq!(out.lines().count(), 2, "{out}");
    assert!(out.lines().nth(1).unwrap().contains(",2400.00,"), "{out}");
    let (ok, _, err) = crm(&["--period", "2026-Q4"]);
    assert!(!ok);
    assert!(err.contains("period"), "{err}");
}
