//! `crm attribution` as a user runs it: the binary on two small CSV files, checked line by line
//! against the hand arithmetic in the comments.

use std::path::Path;
use std::process::Command;

const DEALS: &str = "deal_id,amount,won_at,created_at,lead_created_at,primary_campaign_id
opp-1,10000.00,2026-06-30T12:00:00Z,2026-06-15T12:00:00Z,,c-src
opp-2,99.99,2026-06-30T00:00:00+08:00,2026-06-01T00:00:00Z,,
opp-3,5,2026-06-30T00:00:00Z,2026-06-01T00:00:00Z,,
";

// opp-1: five touches 50, 40, 30, 20, 10 days before the win, out of order, plus one after the
// win (ignored). opp-2: one touch, and one 200 days before the win (outside the 180-day window).
// opp-3: nothing touched it.
const TOUCHES: &str = "deal_id,campaign_id,at
opp-1,c-c,2026-05-31T12:00:00Z
opp-1,c-a,2026-05-11T12:00:00Z
opp-1,c-late,2026-07-01T00:00:00Z
opp-1,c-e,2026-06-20T12:00:00Z
opp-1,c-b,2026-05-21T12:00:00Z
opp-1,c-d,2026-06-10T12:00:00Z
opp-2,\"c-x, quoted\",2026-06-29T00:00:00Z
opp-2,c-old,2025-12-01T00:00:00Z
";

fn crm(dir: &Path, touches: &str, deals: &str, extra: &[&str]) -> (i32, String, String) {
    let (t, d) = (dir.join("touches.csv"), dir.join("deals.csv"));
    std::fs::write(&t, touches).unwrap();
    std::fs::write(&d, deals).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_crm"))
        .arg("attribution")
        .arg("--touches")
        .arg(&t)
        .arg("--deals")
        .arg(&d)
        .args(extra)
        .output()
        .expect("the crm binary runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

#[test]
fn u_shaped_lines_to_the_cent() {
    let dir = tempfile::tempdir().unwrap();
    let (code, out, err) = crm(dir.path(), TOUCHES, DEALS, &["--model", "u_shaped"]);
    assert_eq!(code, 0, "{err}");
    // opp-1: 40% first and last, 20% / 3 for each middle touch: running 0.4, 0.4667, 0.5333,
    // 0.6, 1 -> 4000.00, 667.00, 666.00, 667.00, 4000.00. opp-2: the one touch takes it all
    // (40% + 40% renormalised). opp-3: no line.
    assert_eq!(
        out,
        "deal_id,campaign_id,touch_at,position,share,amount,explanation
opp-1,c-a,2026-05-11T12:00:00Z,1,0.4000,4000.00,\"first of 5 touches, U-shaped: first 40%\"
opp-1,c-b,2026-05-21T12:00:00Z,2,0.0667,667.00,\"second of 5 touches, U-shaped: 20% / 3 = 6.67%\"
opp-1,c-c,2026-05-31T12:00:00Z,3,0.0666,666.00,\"third of 5 touches, U-shaped: 20% / 3 = 6.67%; 6.66% after carrying the rounding\"
opp-1,c-d,2026-06-10T12:00:00Z,4,0.0667,667.00,\"4th of 5 touches, U-shaped: 20% / 3 = 6.67%\"
opp-1,c-e,2026-06-20T12:00:00Z,5,0.4000,4000.00,\"last of 5 touches, U-shaped: last 40%\"
opp-2,\"c-x, quoted\",2026-06-29T00:00:00Z,1,1.0000,99.99,\"only touch, U-shaped: first 40% + last 40% = 80%, renormalised to 100%\"
"
    );
    assert!(
        err.contains("3 deals, 8 touches, 6 lines in"),
        "summary: {err}"
    );
}

#[test]
fn other_models_lookback_and_an_output_file() {
    let dir = tempfile::tempdir().unwrap();
    let out_path = dir.path().join("out.csv");
    // A 365-day window brings c-old (211 days before opp-2's win) back: even, 50/50 of 99.99:
    // running 49.995 -> 50.00 (half to even), 99.99: 50.00, 49.99.
    let (code, out, err) = crm(
        dir.path(),
        TOUCHES,
        DEALS,
        &[
            "--model",
            "even",
            "--lookback-days",
            "365",
            "--out",
            out_path.to_str().unwrap(),
        ],
    );
    assert_eq!(code, 0, "{err}");
    assert!(out.is_empty());
    let written = std::fs::read_to_string(&out_path).unwrap();
    let opp2: Vec<&str> = written.lines().filter(|l| l.starts_with("opp-2")).collect();
    assert_eq!(
        opp2,
        [
            "opp-2,c-old,2025-12-01T00:00:00Z,1,0.5000,50.00,\"first of 2 touches, even: 100% / 2 = 50%\"",
            "opp-2,\"c-x, quoted\",2026-06-29T00:00:00Z,2,0.5000,49.99,\"last of 2 touches, even: 100% / 2 = 50%\"",
        ]
    );
    // Primary source: only opp-1 has one.
    let (code, out, _) = crm(dir.path(), TOUCHES, DEALS, &["--model", "primary_source"]);
    assert_eq!(code, 0);
    assert_eq!(
        out.lines().skip(1).collect::<Vec<_>>(),
        ["opp-1,c-src,,1,1.0000,10000.00,primary campaign source: 100%"]
    );
}

#[test]
fn bad_rows_and_settings_exit_with_2() {
    let dir = tempfile::tempdir().unwrap();
    let bad_time = TOUCHES.replace("2026-06-10T12:00:00Z", "next week");
    let (code, out, err) = crm(dir.path(), &bad_time, DEALS, &["--model", "even"]);
    assert_eq!(code, 2);
    assert!(out.is_empty());
    assert!(
        err.contains("touches.csv line 7: at \"next week\" is not an RFC 3339 time"),
        "{err}"
    );
    let negative = DEALS.replace("opp-3,5,", "opp-3,-5,");
    let (code, _, err) = crm(dir.path(), TOUCHES, &negative, &["--model", "even"]);
    assert_eq!(code, 2);
    assert!(
        err.contains("deals.csv line 4: amount \"-5\" is negative"),
        "{err}"
    );
    let (code, _, err) = crm(
        dir.path(),
        TOUCHES,
        DEALS,
        &["--model", "time_decay", "--half-life-days", "0"],
    );
    assert_eq!(code, 2);
    assert!(
        err.contains("--half-life-days: must lie between 1 and 36500"),
        "{err}"
    );
}
