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

/// Many deals under every model, written by `crm attribution` from the touches in the deals'
/// order and shuffled, with quotes and without: the lines of crm-core's `attribute` (the function
/// every binding calls), deal by deal, byte for byte.
#[test]
fn every_line_is_what_attribute_gives_whatever_the_order_of_the_touches() {
    use chrono::{DateTime, SecondsFormat, Utc};
    use crm_core::campaign::attribution::{
        attribute, AttributedDeal, AttributionModel, AttributionSettings, Touch,
    };
    use rust_decimal::Decimal;

    let mut x = 0x2545_f491_4f6c_dd1du64;
    let mut below = |n: u64| {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x % n
    };
    let at = |s: i64| DateTime::<Utc>::from_timestamp(1_780_000_000 + s, 0).unwrap();
    let iso = |t: DateTime<Utc>| t.to_rfc3339_opts(SecondsFormat::AutoSi, true);
    let field = |v: &str| {
        if v.contains([',', '"', '\n', '\r']) {
            format!("\"{}\"", v.replace('"', "\"\""))
        } else {
            v.to_string()
        }
    };
    let deals: Vec<AttributedDeal> = (0..3000)
        .map(|i| {
            let touches = below(16);
            AttributedDeal {
                id: if i % 500 == 7 {
                    format!("opp, {i}")
                } else {
                    format!("opp-{i}")
                },
                amount: Decimal::new(below(10_000_000_000) as i64, below(4) as u32),
                won_at: at(below(86_400 * 30) as i64),
                created_at: at(-(below(86_400 * 120) as i64)),
                lead_created_at: (below(2) == 0).then(|| at(-(below(86_400 * 150) as i64))),
                primary_campaign_id: (below(3) == 0).then(|| format!("c-{}", below(5))),
                touches: (0..touches)
                    .map(|_| Touch {
                        campaign_id: match below(40) {
                            0 => "c \"q\"".to_string(),
                            n => format!("c-{}", n % 9),
                        },
                        at: at(3600 * (720 - below(5500) as i64)),
                    })
                    .collect(),
            }
        })
        .collect();
    // Without the quoted ids: the quote-free path.
    let plain_deals: Vec<AttributedDeal> = deals
        .iter()
        .map(|d| {
            let mut d = d.clone();
            d.id = d.id.replace("opp, ", "opp-x");
            for t in &mut d.touches {
                if t.campaign_id == "c \"q\"" {
                    t.campaign_id = "c-q".into();
                }
            }
            d
        })
        .collect();
    let touch_count: usize = deals.iter().map(|d| d.touches.len()).sum();
    let mut order: Vec<usize> = (0..touch_count).collect();
    for i in (1..order.len()).rev() {
        order.swap(i, below(i as u64 + 1) as usize);
    }
    // The deals file, and the touches file in the deals' order and shuffled.
    let files = |deals: &[AttributedDeal]| {
        let mut deals_csv =
            String::from("deal_id,amount,won_at,created_at,lead_created_at,primary_campaign_id\n");
        let mut rows = Vec::new();
        for d in deals {
            deals_csv += &format!(
                "{},{},{},{},{},{}\n",
                field(&d.id),
                d.amount,
                iso(d.won_at),
                iso(d.created_at),
                d.lead_created_at.map(iso).unwrap_or_default(),
                d.primary_campaign_id.clone().unwrap_or_default()
            );
            for t in &d.touches {
                rows.push(format!(
                    "{},{},{}\n",
                    field(&d.id),
                    field(&t.campaign_id),
                    iso(t.at)
                ));
            }
        }
        let in_order = format!("deal_id,campaign_id,at\n{}", rows.concat());
        let shuffled: String = order.iter().map(|&i| rows[i].as_str()).collect();
        (
            deals_csv,
            [in_order, format!("deal_id,campaign_id,at\n{shuffled}")],
        )
    };
    let (quoted, plain) = (files(&deals), files(&plain_deals));
    assert!(quoted.1[0].contains('"'));
    assert!(!plain.0.contains('"') && !plain.1[0].contains('"'));

    let dir = tempfile::tempdir().unwrap();
    for model in AttributionModel::ALL {
        let settings = AttributionSettings::new(model);
        for (deals, (deals_csv, touches_csvs)) in [(&deals, &quoted), (&plain_deals, &plain)] {
            let mut expected =
                String::from("deal_id,campaign_id,touch_at,position,share,amount,explanation\n");
            for d in deals.iter() {
                for l in attribute(d, &settings).unwrap().lines {
                    expected += &format!(
                        "{},{},{},{},{},{},{}\n",
                        field(&d.id),
                        field(&l.campaign_id),
                        l.touch_at.map(iso).unwrap_or_default(),
                        l.position,
                        l.share,
                        l.amount,
                        field(&l.explanation)
                    );
                }
            }
            for touches_csv in touches_csvs {
                let (code, out, err) = crm(
                    dir.path(),
                    touches_csv,
                    deals_csv,
                    &["--model", model.as_str()],
                );
                assert_eq!(code, 0, "{err}");
                assert!(
                    out == expected,
                    "{model}: the lines differ from attribute's"
                );
            }
        }
    }
}
