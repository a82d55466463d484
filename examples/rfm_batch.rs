//! The Rust batch API on a slice of orders: reads `customer_id,order_date,amount` (plain CSV, no
//! quotes) into memory untimed, then times `crm_core::rfm::score` alone and prints the seconds
//! and the number of customers scored. Used by `bench/rfm_vs_polars.py`.
//!
//! `cargo run --release -p crm-examples --example rfm_batch -- orders.csv 2026-06-30`

use chrono::NaiveDate;
use crm_core::rfm::{score, Order, RfmConfig};
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
    let started = Instant::now();
    let rows = score(&orders, as_of, &RfmConfig::default())?;
    let seconds = started.elapsed().as_secs_f64();
    println!("{seconds:.3} {}", rows.len());
    Ok(())
}
