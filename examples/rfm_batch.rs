//! The Rust batch API on orders in memory. Reads `customer_id,order_date,amount` (plain CSV, no
//! quotes) untimed, then times the scoring alone and prints the seconds and the number of
//! customers scored. `columns` mode: `crm_core::rfm::score_columns` on typed columns (integer
//! ids, dates, decimals: what a data frame holds), the file streamed in so the process holds
//! only the columns; `rows` mode: `crm_core::rfm::score` on a slice of `Order` rows (string ids).
//! Used by `bench/rfm_vs_polars.py`, which also reads each mode's peak memory.
//!
//! `cargo run --release -p crm-examples --example rfm_batch -- columns|rows orders.csv 2026-06-30`

use chrono::NaiveDate;
use crm_core::rfm::{score, score_columns, RfmConfig, RfmOrder};
use rust_decimal::Decimal;
use std::io::BufRead;
use std::str::FromStr;
use std::time::Instant;

fn rows(
    path: &str,
    mut each: impl FnMut(&str, NaiveDate, Decimal),
) -> Result<(), Box<dyn std::error::Error>> {
    let file = std::io::BufReader::with_capacity(1 << 20, std::fs::File::open(path)?);
    for line in file.lines().skip(1) {
        let line = line?;
        if line.is_empty() {
            continue;
        }
        let mut f = line.split(',');
        let (Some(id), Some(date), Some(amount)) = (f.next(), f.next(), f.next()) else {
            return Err(format!("bad line {line:?}").into());
        };
        each(id, NaiveDate::from_str(date)?, Decimal::from_str(amount)?);
    }
    Ok(())
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let (mode, path, as_of) = match args.as_slice() {
        [_, mode, path, as_of] => (mode.as_str(), path, NaiveDate::from_str(as_of)?),
        _ => return Err("usage: rfm_batch columns|rows ORDERS.csv YYYY-MM-DD".into()),
    };
    let config = RfmConfig::default();
    let (seconds, customers) = match mode {
        "columns" => {
            let (mut ids, mut dates, mut amounts) = (Vec::new(), Vec::new(), Vec::new());
            let mut bad = None;
            rows(path, |id, date, amount| match id.parse::<u64>() {
                Ok(n) => {
                    ids.push(n);
                    dates.push(date);
                    amounts.push(amount);
                }
                Err(_) => bad = Some(id.to_string()),
            })?;
            if let Some(id) = bad {
                return Err(format!("customer id {id:?} is not an integer").into());
            }
            let started = Instant::now();
            let table = score_columns(&ids, &dates, &amounts, as_of, &config)?;
            (started.elapsed().as_secs_f64(), table.len())
        }
        "rows" => {
            let mut orders = Vec::new();
            rows(path, |id, date, amount| {
                orders.push(RfmOrder {
                    customer_id: id.to_string(),
                    date,
                    amount,
                })
            })?;
            let started = Instant::now();
            let scored = score(&orders, as_of, &config)?;
            (started.elapsed().as_secs_f64(), scored.len())
        }
        other => return Err(format!("unknown mode {other:?}: columns or rows").into()),
    };
    println!("{seconds:.3} {customers}");
    Ok(())
}
