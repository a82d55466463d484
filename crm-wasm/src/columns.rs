//! Typed-array batches: RFM scores of order columns and SLA due times of start columns, each
//! crossing into wasm in one piece and coming back as columns (money as decimal text).

use crate::{decimal, error_text, invalid};
use chrono::NaiveDate;
use crm_core::rfm::{self, CustomerIds, RfmConfig};
use js_sys::{Array, BigInt64Array, BigUint64Array, Float64Array, Int32Array, Object, Uint32Array};
use rust_decimal::Decimal;
use wasm_bindgen::prelude::*;

/// 2^53 - 1: the largest integer every float below it also holds.
const MAX_SAFE: f64 = 9_007_199_254_740_991.0;
/// Days from 0001-01-01 (chrono's day 1) to 1970-01-01.
const EPOCH_DAYS_FROM_CE: i32 = 719_163;

/// `f` of every item, or the first refusal; the vector sized once (a batch holds millions).
fn each<T, U>(
    items: impl ExactSizeIterator<Item = T>,
    mut f: impl FnMut(usize, T) -> Result<U, String>,
) -> Result<Vec<U>, String> {
    let mut out = Vec::with_capacity(items.len());
    for (i, item) in items.enumerate() {
        out.push(f(i, item)?);
    }
    Ok(out)
}

/// Customer ids as integers: any integer typed array (floats must be whole and safe).
fn ids(column: &JsValue) -> Result<Vec<u64>, String> {
    let bad = |i: usize| {
        invalid(
            &format!("customerIds[{i}]"),
            "a whole number from 0 to 2^53 - 1",
        )
    };
    if let Some(a) = column.dyn_ref::<Float64Array>() {
        return each(a.to_vec().into_iter(), |i, x| {
            ((0.0..=MAX_SAFE).contains(&x) && x.fract() == 0.0)
                .then_some(x as u64)
                .ok_or_else(|| bad(i))
        });
    }
    if let Some(a) = column.dyn_ref::<Uint32Array>() {
        return Ok(a.to_vec().into_iter().map(u64::from).collect());
    }
    if let Some(a) = column.dyn_ref::<Int32Array>() {
        return each(a.to_vec().into_iter(), |i, x| {
            u64::try_from(x).map_err(|_| bad(i))
        });
    }
    if let Some(a) = column.dyn_ref::<BigUint64Array>() {
        return Ok(a.to_vec());
    }
    if let Some(a) = column.dyn_ref::<BigInt64Array>() {
        return each(a.to_vec().into_iter(), |i, x| {
            u64::try_from(x).map_err(|_| bad(i))
        });
    }
    Err(invalid(
        "customerIds",
        "an integer typed array (Uint32Array, Int32Array, Float64Array, BigUint64Array, BigInt64Array)",
    ))
}

/// Dates as days since 1970-01-01. Orders share few distinct days, so when their span is not
/// much larger than the batch each day is worked out once.
fn dates(days: &[i32]) -> Result<Vec<NaiveDate>, String> {
    let date = |i: usize, d: i32| {
        d.checked_add(EPOCH_DAYS_FROM_CE)
            .and_then(NaiveDate::from_num_days_from_ce_opt)
            .ok_or_else(|| invalid(&format!("dates[{i}]"), format!("day {d} is out of range")))
    };
    let (Some(&lo), Some(&hi)) = (days.iter().min(), days.iter().max()) else {
        return Ok(Vec::new());
    };
    let span = (i64::from(hi) - i64::from(lo)) as usize;
    if span > days.len().max(1 << 16) {
        return each(days.iter(), |i, &d| date(i, d));
    }
    let mut table = Vec::with_capacity(span + 1);
    for d in lo..=hi {
        // A day out of range is reported at its first order below.
        table.push(date(0, d).ok());
    }
    each(days.iter(), |i, &d| {
        let known = table
            .get((i64::from(d) - i64::from(lo)) as usize)
            .copied()
            .flatten();
        known.map_or_else(|| date(i, d), Ok)
    })
}

/// Amounts as floats (read as their shortest text) or as decimal text packed into one string
/// with each item's end (in UTF-16 units, which are bytes: decimal text is ASCII).
fn amounts(
    floats: Option<Vec<f64>>,
    text: Option<String>,
    ends: Option<Vec<u32>>,
) -> Result<Vec<Decimal>, String> {
    let bad = |i: usize, what: &str| {
        invalid(
            &format!("amounts[{i}]"),
            format!("{what} is not a decimal amount"),
        )
    };
    if let Some(floats) = floats {
        return each(floats.into_iter(), |i, x| {
            decimal::of_float(x).ok_or_else(|| bad(i, &x.to_string()))
        });
    }
    let (text, ends) = (text.unwrap_or_default(), ends.unwrap_or_default());
    let mut start = 0usize;
    each(ends.iter(), |i, &end| {
        let item = text.get(start..end as usize).unwrap_or_default();
        start = end as usize;
        item.parse::<Decimal>()
            .or_else(|_| Decimal::from_scientific(item))
            .map_err(|_| bad(i, &format!("{item:?}")))
    })
}

/// Decimals as text joined into one string, and where each ends: a column crosses back in one piece.
fn packed(values: &[Decimal]) -> (String, Uint32Array) {
    let mut text = String::with_capacity(values.len() * 8);
    let mut ends = Vec::with_capacity(values.len());
    for v in values {
        decimal::push_text(&mut text, v);
        ends.push(text.len() as u32);
    }
    (text, Uint32Array::from(ends.as_slice()))
}

fn set(object: &Object, key: &str, value: &JsValue) {
    // Setting a property of a plain object cannot fail.
    let _ = js_sys::Reflect::set(object, &key.into(), value);
}

/// RFM scores of orders given as columns (see `rfmScoreColumns` in js/index.d.ts): the core's
/// `rfm::score_columns`, customers in id order, levels and segments as indexes into their names.
#[wasm_bindgen(js_name = rfmScoreColumns)]
#[allow(clippy::too_many_arguments)]
pub fn rfm_score_columns(
    customer_ids: JsValue,
    days: &[i32],
    amount_floats: Option<Vec<f64>>,
    amount_text: Option<String>,
    amount_ends: Option<Vec<u32>>,
    as_of: &str,
    config: Option<String>,
) -> Result<Object, String> {
    let as_of: NaiveDate = as_of
        .parse()
        .map_err(|_| invalid("asOf", "a date YYYY-MM-DD"))?;
    let config = match config {
        Some(text) => rfm::parse_config(&text).map_err(|e| error_text(&e))?,
        None => RfmConfig::default(),
    };
    let big = customer_ids.is_instance_of::<BigUint64Array>()
        || customer_ids.is_instance_of::<BigInt64Array>();
    let ids = ids(&customer_ids)?;
    let dates = dates(days)?;
    let amounts = amounts(amount_floats, amount_text, amount_ends)?;
    let table =
        rfm::score_columns(&ids, &dates, &amounts, as_of, &config).map_err(|e| error_text(&e))?;
    let out = Object::new();
    let CustomerIds::Numbers(numbers) = &table.customer_ids else {
        return Err(invalid("customerIds", "integer ids came back as text"));
    };
    let id_column: JsValue = if big {
        BigUint64Array::from(numbers.as_slice()).into()
    } else {
        let floats: Vec<f64> = numbers.iter().map(|&n| n as f64).collect();
        Float64Array::from(floats.as_slice()).into()
    };
    set(&out, "customerIds", &id_column);
    let recency: Vec<f64> = table.recency_days.iter().map(|&d| d as f64).collect();
    set(
        &out,
        "recencyDays",
        &Float64Array::from(recency.as_slice()).into(),
    );
    let frequency: Vec<f64> = table.frequency.iter().map(|&f| f as f64).collect();
    set(
        &out,
        "frequency",
        &Float64Array::from(frequency.as_slice()).into(),
    );
    for (key, column) in [("r", &table.r), ("f", &table.f), ("m", &table.m)] {
        set(
            &out,
            key,
            &js_sys::Uint8Array::from(column.as_slice()).into(),
        );
    }
    for (key, values) in [("monetary", &table.monetary), ("score", &table.score)] {
        let (text, ends) = packed(values);
        set(&out, &format!("{key}Text"), &text.into());
        set(&out, &format!("{key}Ends"), &ends.into());
    }
    let levels: Vec<i32> = table
        .level
        .iter()
        .map(|l| l.map_or(-1, i32::from))
        .collect();
    set(&out, "level", &Int32Array::from(levels.as_slice()).into());
    set(
        &out,
        "segment",
        &js_sys::Uint16Array::from(table.segment.as_slice()).into(),
    );
    let names = |names: &[String]| names.iter().map(JsValue::from).collect::<Array>();
    set(&out, "levelNames", &names(&table.level_names).into());
    set(&out, "segmentNames", &names(&table.segment_names).into());
    Ok(out)
}

/// Due times (epoch ms) of tickets starting at `starts` (epoch ms) with `minutes` of working time
/// each, on a calendar (TOML text): the core's `Calendar::due_batch` in one call.
#[wasm_bindgen(js_name = slaDueColumns)]
pub fn sla_due_columns(
    calendar: &str,
    starts: &[f64],
    minutes: &[f64],
) -> Result<Vec<f64>, String> {
    let calendar = crm_core::sla::parse_calendar(calendar).map_err(|e| error_text(&e))?;
    let whole = |x: f64| x.fract() == 0.0 && x.abs() <= MAX_SAFE;
    let starts = each(starts.iter(), |i, &s| {
        whole(s)
            .then_some(s as i64)
            .ok_or_else(|| invalid(&format!("starts[{i}]"), "whole epoch milliseconds"))
    })?;
    let work = each(minutes.iter(), |i, &m| {
        whole(m)
            .then_some((m as i64).saturating_mul(60_000))
            .ok_or_else(|| invalid(&format!("minutes[{i}]"), "a whole number of minutes"))
    })?;
    let due = calendar
        .due_batch(&starts, &work)
        .map_err(|e| error_text(&e))?;
    Ok(due.into_iter().map(|ms| ms as f64).collect())
}
