//! `crm rfm`: RFM scores and segments from an orders CSV.

use chrono::{DateTime, NaiveDate};
use chrono_tz::Tz;
use crm_core::rfm::{parse_config, score, Method, Order, RfmConfig};
use rust_decimal::Decimal;
use std::io::{Read, Write};
use std::path::Path;
use std::str::FromStr;

type CliResult<T> = Result<T, Box<dyn std::error::Error>>;

pub struct Options<'a> {
    pub orders: &'a Path,
    pub as_of: NaiveDate,
    /// A TOML configuration file (see `crm_core::rfm::parse_config`).
    pub config: Option<&'a Path>,
    /// Overrides the configuration's method.
    pub method: Option<Method>,
    /// Local dates of RFC 3339 order times are taken in this zone; default: the offset as written.
    pub timezone: Option<Tz>,
    pub skip_bad_rows: bool,
}

fn order_date(value: &str, tz: Option<Tz>) -> Option<NaiveDate> {
    if let Ok(date) = NaiveDate::parse_from_str(value, "%Y-%m-%d") {
        return Some(date);
    }
    let t = DateTime::parse_from_rfc3339(value).ok()?;
    Some(match tz {
        Some(tz) => t.with_timezone(&tz).date_naive(),
        None => t.date_naive(),
    })
}

/// Reads `customer_id,order_date,amount`, writes
/// `customer_id,recency_days,frequency,monetary,r,f,m,score,segment` sorted by customer id.
pub fn run(opts: &Options<'_>, out: &mut dyn Write, warn: &mut dyn Write) -> CliResult<()> {
    let input: Box<dyn Read> = if opts.orders == Path::new("-") {
        Box::new(std::io::stdin().lock())
    } else {
        Box::new(
            std::fs::File::open(opts.orders)
                .map_err(|e| format!("{}: {e}", opts.orders.display()))?,
        )
    };
    let mut rdr = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .flexible(true)
        .from_reader(input);
    let header: Vec<String> = rdr.headers()?.iter().map(str::to_string).collect();
    if header != ["customer_id", "order_date", "amount"] {
        return Err(format!(
            "line 1: expected header customer_id,order_date,amount, found {}",
            header.join(",")
        )
        .into());
    }
    let mut orders = Vec::new();
    let mut skipped = 0usize;
    for record in rdr.records() {
        let record = record?;
        let line = record.position().map_or(0, |p| p.line());
        let parsed = (|| -> Result<Order, String> {
            if record.len() != 3 {
                return Err(format!("expected 3 fields, found {}", record.len()));
            }
            if record[0].is_empty() {
                return Err("customer_id is empty".into());
            }
            let date = order_date(&record[1], opts.timezone).ok_or_else(|| {
                format!(
                    "order_date {:?} is not an ISO date or an RFC 3339 time",
                    &record[1]
                )
            })?;
            let amount = Decimal::from_str(&record[2])
                .map_err(|_| format!("amount {:?} is not a decimal number", &record[2]))?;
            Ok(Order {
                customer_id: record[0].to_string(),
                date,
                amount,
            })
        })();
        match parsed {
            Ok(order) => orders.push(order),
            Err(problem) if opts.skip_bad_rows => {
                skipped += 1;
                writeln!(warn, "line {line}: {problem} (skipped)")?;
            }
            Err(problem) => {
                return Err(format!("line {line}: {problem} (use --skip-bad-rows to go on)").into())
            }
        }
    }
    let mut config = match opts.config {
        Some(path) => {
            let text =
                std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
            parse_config(&text).map_err(|e| format!("{}: {e}", path.display()))?
        }
        None => RfmConfig::default(),
    };
    if let Some(method) = opts.method {
        config.method = method;
    }
    let rows = score(&orders, opts.as_of, &config)?;
    let mut wtr = csv::Writer::from_writer(out);
    wtr.write_record([
        "customer_id",
        "recency_days",
        "frequency",
        "monetary",
        "r",
        "f",
        "m",
        "score",
        "segment",
    ])?;
    for row in rows {
        wtr.write_record([
            row.customer_id,
            row.recency_days.to_string(),
            row.frequency.to_string(),
            row.monetary.to_string(),
            row.r.to_string(),
            row.f.to_string(),
            row.m.to_string(),
            row.score.to_string(),
            row.segment,
        ])?;
    }
    wtr.flush()?;
    if skipped > 0 {
        writeln!(warn, "{skipped} bad row(s) skipped")?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run_on(csv: &str, skip: bool) -> CliResult<(String, String)> {
        let dir = tempfile::tempdir()?;
        let path = dir.path().join("orders.csv");
        std::fs::write(&path, csv)?;
        let opts = Options {
            orders: &path,
            as_of: NaiveDate::from_ymd_opt(2026, 1, 31).unwrap(),
            config: None,
            method: None,
            timezone: None,
            skip_bad_rows: skip,
        };
        let (mut out, mut warn) = (Vec::new(), Vec::new());
        run(&opts, &mut out, &mut warn)?;
        Ok((String::from_utf8(out)?, String::from_utf8(warn)?))
    }

    #[test]
    fn writes_sorted_scores_with_segments() {
        let (out, _) = run_on(
            "customer_id,order_date,amount\n10,2026-01-30,100.50\n9,2026-01-01T23:30:00+08:00,20\n10,2026-01-02,5\n",
            false,
        )
        .unwrap();
        assert_eq!(
            out,
            "customer_id,recency_days,frequency,monetary,r,f,m,score,segment\n\
             9,30,1,20,1,1,1,3,Lost\n\
             10,1,2,105.50,3,3,3,9,Potential loyalist\n"
        );
    }

    #[test]
    fn a_config_file_switches_to_thresholds_and_weights() {
        let dir = tempfile::tempdir().unwrap();
        let (orders, config) = (dir.path().join("o.csv"), dir.path().join("rfm.toml"));
        std::fs::write(
            &orders,
            "customer_id,order_date,amount\n1,2026-01-20,20000\n",
        )
        .unwrap();
        std::fs::write(
            &config,
            "method = \"thresholds\"\n[weights]\nr = 4\nf = 8\nm = 8\n[thresholds]\nrecency = [[30, 5]]\nfrequency = [[4, 4]]\nmonetary = [[\"20000\", 4]]\n",
        )
        .unwrap();
        let opts = Options {
            orders: &orders,
            as_of: NaiveDate::from_ymd_opt(2026, 1, 31).unwrap(),
            config: Some(&config),
            method: None,
            timezone: None,
            skip_bad_rows: false,
        };
        let (mut out, mut warn) = (Vec::new(), Vec::new());
        run(&opts, &mut out, &mut warn).unwrap();
        // R 5 (11 days), F 1 (one order is below 4), M 4: 5*4 + 1*8 + 4*8 = 60, code 514.
        assert_eq!(
            String::from_utf8(out).unwrap().lines().nth(1),
            Some("1,11,1,20000,5,1,4,60,Promising")
        );
        let bad = Options {
            config: None,
            method: Some(Method::Thresholds),
            ..opts
        };
        let err = run(&bad, &mut Vec::new(), &mut Vec::new()).unwrap_err();
        assert!(err.to_string().contains("break point"), "{err}");
    }

    #[test]
    fn bad_rows_name_their_line_or_are_skipped() {
        let csv =
            "customer_id,order_date,amount\n1,2026-01-01,5\n2,yesterday,5\n3,2026-01-02,lots\n";
        let err = run_on(csv, false).unwrap_err();
        assert!(err.to_string().contains("line 3"), "{err}");
        let (out, warn) = run_on(csv, true).unwrap();
        assert_eq!(out.lines().count(), 2);
        assert!(
            warn.contains("line 3") && warn.contains("line 4") && warn.contains("2 bad row(s)"),
            "{warn}"
        );
    }
}
