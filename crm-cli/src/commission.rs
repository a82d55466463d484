//! `crm commission`: statements of a commission plan (TOML) over a credits CSV, as a readable table
//! or CSV.

use chrono::NaiveDate;
use crm_core::commission::{
    parse_plan, statement, statements, CommissionCredit, CommissionCreditKind, CommissionStatement,
};
use rust_decimal::Decimal;
use std::io::Write;
use std::path::Path;
use std::str::FromStr;

type CliResult<T> = Result<T, Box<dyn std::error::Error>>;

pub const HEADER: &str = "rep_id,period,deal_id,kind,base,tier,rate,amount,explanation";

fn kind(s: &str) -> Option<CommissionCreditKind> {
    Some(match s {
        "won" => CommissionCreditKind::Won,
        "payment" => CommissionCreditKind::Payment,
        "refund" => CommissionCreditKind::Refund,
        "cancel" => CommissionCreditKind::Cancel,
        _ => return None,
    })
}

/// Reads `kind,deal_id,rep_id,split,date,amount,contract_total`; empty cells are absent values.
pub fn read_credits(path: &Path) -> CliResult<Vec<CommissionCredit>> {
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_path(path)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let expected = [
        "kind",
        "deal_id",
        "rep_id",
        "split",
        "date",
        "amount",
        "contract_total",
    ];
    let header: Vec<String> = reader.headers()?.iter().map(str::to_string).collect();
    if header != expected {
        return Err(format!("credits header must be {}", expected.join(",")).into());
    }
    let mut out = vec![];
    for (i, row) in reader.records().enumerate() {
        let line = i + 2;
        let row = row.map_err(|e| format!("credits line {line}: {e}"))?;
        let cell = |k: usize| row.get(k).filter(|v| !v.is_empty());
        let dec = |k: usize| -> CliResult<Option<Decimal>> {
            cell(k)
                .map(|v| {
                    Decimal::from_str(v).map_err(|_| {
                        format!(
                            "credits line {line}: {} {v:?} is not a decimal",
                            expected[k]
                        )
                        .into()
                    })
                })
                .transpose()
        };
        let kind = cell(0).and_then(kind).ok_or_else(|| {
            format!("credits line {line}: kind must be won, payment, refund or cancel")
        })?;
        let date = cell(4)
            .and_then(|v| NaiveDate::parse_from_str(v, "%Y-%m-%d").ok())
            .ok_or_else(|| format!("credits line {line}: date must be YYYY-MM-DD"))?;
        out.push(CommissionCredit {
            kind,
            deal_id: cell(1)
                .ok_or_else(|| format!("credits line {line}: deal_id is empty"))?
                .to_string(),
            rep_id: cell(2).map(str::to_string),
            split: dec(3)?,
            date,
            amount: dec(5)?.unwrap_or_default(),
            contract_total: dec(6)?,
        });
    }
    Ok(out)
}

fn cells(s: &CommissionStatement) -> Vec<[String; 9]> {
    s.lines
        .iter()
        .map(|l| {
            [
                s.rep_id.clone(),
                s.period.clone(),
                l.deal_id.clone().unwrap_or_default(),
                serde_json::to_value(l.kind)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_string))
                    .unwrap_or_default(),
                l.base.to_string(),
                l.tier.map(|t| t.to_string()).unwrap_or_default(),
                l.rate.map(|r| r.to_string()).unwrap_or_default(),
                l.amount.to_string(),
                l.explanation.clone(),
            ]
        })
        .collect()
}

pub fn table(out: &mut dyn Write, plan: &str, s: &CommissionStatement) -> CliResult<()> {
    writeln!(
        out,
        "commission statement: {} for {} ({plan})",
        s.rep_id, s.period
    )?;
    let mut facts = vec![format!("base {}", s.base_total)];
    if let Some(q) = s.quota {
        facts.push(format!("quota {q}"));
    }
    if let Some(a) = s.attainment {
        facts.push(format!("attainment {a}%"));
    }
    writeln!(out, "{}", facts.join(", "))?;
    let rows: Vec<[String; 9]> = cells(s);
    let head = ["deal", "kind", "base", "tier", "rate", "amount"];
    let pick = |r: &[String; 9]| {
        [
            r[2].clone(),
            r[3].clone(),
            r[4].clone(),
            r[5].clone(),
            r[6].clone(),
            r[7].clone(),
        ]
    };
    let picked: Vec<[String; 6]> = rows.iter().map(pick).collect();
    let widths: Vec<usize> = (0..6)
        .map(|i| {
            picked
                .iter()
                .map(|r| r[i].chars().count())
                .chain([head[i].len()])
                .max()
                .unwrap_or(0)
        })
        .collect();
    let fmt = |r: &[&str], why: &str| {
        let mut line: Vec<String> = r
            .iter()
            .zip(&widths)
            .enumerate()
            .map(|(i, (c, w))| {
                if i < 2 {
                    format!("{c:<w$}")
                } else {
                    format!("{c:>w$}")
                }
            })
            .collect();
        line.push(why.to_string());
        line.join("  ")
    };
    writeln!(out, "{}", fmt(&head, "explanation"))?;
    for (r, full) in picked.iter().zip(&rows) {
        let refs: Vec<&str> = r.iter().map(String::as_str).collect();
        writeln!(out, "{}", fmt(&refs, &full[8]))?;
    }
    writeln!(
        out,
        "total {} (exact {}){}",
        s.total,
        s.exact_total,
        if s.draw_balance.is_zero() {
            String::new()
        } else {
            format!(", draw carried {}", s.draw_balance)
        }
    )?;
    Ok(())
}

/// Prints the statements of `period` (every rep, or `rep`) as a table or CSV.
pub fn run(
    plan: &Path,
    credits: &Path,
    period: &str,
    rep: Option<&str>,
    csv_out: bool,
    out: &mut dyn Write,
) -> CliResult<()> {
    let text = std::fs::read_to_string(plan)
        .map_err(|e| format!("cannot read {}: {e}", plan.display()))?;
    let plan = parse_plan(&text)?;
    let credits = read_credits(credits)?;
    let list = match rep {
        Some(r) => vec![statement(&plan, &credits, r, period)?],
        None => statements(&plan, &credits, period)?,
    };
    if csv_out {
        let mut w = csv::Writer::from_writer(out);
        w.write_record(HEADER.split(','))?;
        for s in &list {
            for row in cells(s) {
                w.write_record(row)?;
            }
        }
        w.flush()?;
        return Ok(());
    }
    for (i, s) in list.iter().enumerate() {
        if i > 0 {
            writeln!(out)?;
        }
        table(out, &plan.name, s)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn example(name: &str) -> std::path::PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../examples/commission")
            .join(name)
    }

    fn run_text(period: &str, rep: Option<&str>, csv: bool) -> String {
        let mut out = Vec::new();
        run(
            &example("plan.toml"),
            &example("credits.csv"),
            period,
            rep,
            csv,
            &mut out,
        )
        .unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn the_example_statements_for_november() {
        // u-5: d-102 70% of 150000 = 105000 (Nov 3) and d-103 95000 (Nov 20); base 200000 on a
        // 200000 quota (100%, below the 120% band). Graduated: 0-100000 at 3% = 3000 (d-102),
        // 100000-105000 at 5% = 250 (d-102), 105000-200000 at 5% = 4750 (d-103). The 90-day
        // window covers the Nov 12 refund of 20000 on d-101 (won Oct 8 for 80000, paid 2400 at
        // 3%): 20000 x 3% = -600. 3000 + 250 + 4750 - 600 = 7400, above the 2000 draw.
        let text = run_text("2026-11", Some("u-5"), true);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[0], HEADER);
        let amounts: Vec<&str> = lines[1..]
            .iter()
            .map(|l| l.split(',').nth(7).unwrap())
            .collect();
        assert_eq!(
            amounts,
            ["3000.00", "250.00", "4750.00", "-600.00"],
            "{text}"
        );
        // u-7: 200000 on a 150000 quota = 133.33%: 3000 + 5000 = 8000, capped per deal at 6000
        // (-2000), then the 125% band: 6000 x 0.25 = +1500. Total 7500.
        let table = run_text("2026-11", Some("u-7"), false);
        assert!(table.contains("attainment 133.33%"), "{table}");
        assert!(table.contains("total 7500.00"), "{table}");
        // u-6: 30% of 150000 = 45000 + d-104 40000 = 85000 at 3% = 2550, attainment 42.5%.
        let all = run_text("2026-11", None, false);
        assert!(
            all.contains("commission statement: u-6 for 2026-11"),
            "{all}"
        );
        assert!(all.contains("total 2550.00"), "{all}");
    }

    #[test]
    fn bad_credits_name_their_line() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.csv");
        std::fs::write(
            &path,
            "kind,deal_id,rep_id,split,date,amount,contract_total\nwon,d1,a,100,2026-13-01,5,\n",
        )
        .unwrap();
        let e = read_credits(&path).unwrap_err();
        assert!(e.to_string().contains("credits line 2: date"), "{e}");
    }
}
