//! The Rust batch API on orders in memory: reads `customer_id,order_date,amount` (plain CSV, no
//! quotes) untimed, then times `crm_core::rfm::score_columns` on typed columns (integer ids,
//! dates, decimals: what a data frame holds) and `crm_core::rfm::score` on a slice of `Order`
//! rows (string ids). Prints the columns' seconds, the number of customers scored and the rows'
//! seconds. Used by `bench/rfm_vs_polars.py`.
//!
//! `cargo run --release -p crm-examples --example rfm_batch -- orders.csv 2026-06-30`

use chrono::NaiveDate;
use crm_core::rfm::{score, score_columns, Order, RfmConfig};
use rust_decimal::Decimal;
use std::str::FromStr;
use std::time::Instant;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let (path, as_of) = match args.as_slice() {
        [_, path, as_of] => (path, NaiveDate::from_str(as_of)?),
        _ => return Err("usage: rfm_batch ORDERS.csv YYYY-MM-DD".into()),
    };
    let text = std::fs::read_to_string(path)?;
    let mut orders = Vec::new();
    for line in text.lines().skip(1).filter(|l| !l.is_empty()) {
        let mut f = line.split(',');
        let (Some(id), Some(date), Some(amount)) = (f.next(), f.next(), f.next()) else {
            return Err(format!("bad line {line:?}").into());
        };
        orders.push(Order {
            customer_id: id.to_string(),
            date: NaiveDate::from_str(date)?,
            amount: Decimal::from_str(amount)?,
        });
    }
    let ids = orders
        .iter()
        .map(|o| o.customer_id.parse::<u64>())
        .collect::<Result<Vec<u64>, _>>()?;
    let dates: Vec<NaiveDate> = orders.iter().map(|o| o.date).collect();
    let amounts: Vec<Decimal> = orders.iter().map(|o| o.amount).collect();
    let config = RfmConfig::default();

    let started = Instant::now();
    let table = score_columns(&ids, &dates, &amounts, as_of, &config)?;
    let columns = started.elapsed().as_secs_f64();
    let started = Instant::now();
    let rows = score(&orders, as_of, &config)?;
    let by_rows = started.elapsed().as_secs_f64();
    if rows.len() != table.len() {
        return Err("columns and rows scored different customers".into());
    }
    println!("{columns:.3} {} {by_rows:.3}", table.len());
    Ok(())
}
