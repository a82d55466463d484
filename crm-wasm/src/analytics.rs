//! Analytics for JavaScript: RFM scoring, segment movement, churn warnings and performance, as free
//! functions of the batch they are given (no organisation). Decimals are strings; dates are
//! "YYYY-MM-DD" strings or `Date`s, and a `Date` counts on its UTC calendar date (the date
//! `toISOString()` shows), whatever the time zone of the machine running the code.
//!
//! Orders cross into wasm as three packed columns (customer ids, dates, amounts), whether they come
//! as an array of objects (packed in one pass in JavaScript) or as columns (`dates` may be an
//! `Int32Array` of days since 1970-01-01), and become `Order`s in Rust: both shapes are read by the
//! same code. Other batches cross as JSON text whose keys are renamed in the text and which serde
//! reads into the core's types directly, with no intermediate tree (a `serde_json::Value` tree,
//! what `api::call_analytics` takes, costs about five times as much in wasm for 100,000 rows). So
//! these functions call the core's functions as its `api::analytics` operations do; the parity
//! scenarios replay through them to keep the two in step.

use crate::{case, dates_json_of, invalid, pack_orders, pack_strings, throw};
use chrono::{NaiveDate, TimeDelta};
use crm_core::performance::{self as perf, Achievement, Basis, Target};
use crm_core::rfm::{self, ChurnRule, Order, RfmConfig, RfmRow};
use rust_decimal::Decimal;
use serde::de::DeserializeOwned;
use serde::Serialize;
use std::str::FromStr;
use wasm_bindgen::prelude::*;

/// An argument read into a core type (`Date`s as their UTC calendar dates, keys in snake_case).
fn typed<T: DeserializeOwned>(value: &JsValue, field: &str) -> Result<T, JsValue> {
    let text = dates_json_of(value).map_err(|_| invalid(field, "not serialisable as JSON"))?;
    serde_json::from_str(&case::snake_keys(&text)).map_err(|e| invalid(field, e.to_string()))
}

/// A result as JavaScript values with camelCase keys.
fn output<T: Serialize>(value: &T) -> Result<JsValue, JsValue> {
    let text = serde_json::to_string(value).map_err(|e| invalid("result", e.to_string()))?;
    js_sys::JSON::parse(&case::camel_keys(&text))
}

/// An amount as the core's serde form reads one: a decimal string, scientific notation allowed.
fn decimal(text: &str) -> Option<Decimal> {
    Decimal::from_str(text)
        .or_else(|_| Decimal::from_scientific(text))
        .ok()
}

/// The date `days` after 1970-01-01.
fn epoch_day(days: i32) -> Option<NaiveDate> {
    NaiveDate::from_ymd_opt(1970, 1, 1)?.checked_add_signed(TimeDelta::days(days.into()))
}

fn field(object: &JsValue, key: &str) -> JsValue {
    js_sys::Reflect::get(object, &key.into()).unwrap_or_default()
}

/// A column of strings, received as one string and the end of each item.
struct Strings {
    text: String,
    /// Byte offset in `text` where each item ends.
    ends: Vec<usize>,
}

impl Strings {
    /// A column `packStrings` packed: `{ text, ends }`.
    fn unpack(packed: &JsValue) -> Strings {
        let text = field(packed, "text").as_string().unwrap_or_default();
        let units = js_sys::Uint32Array::from(field(packed, "ends")).to_vec();
        let ends = byte_ends(&text, &units);
        Strings { text, ends }
    }

    /// `items` must be an array (`shape` describes it) of strings (`item` describes one).
    fn column(items: &JsValue, name: &str, shape: &str, item: &str) -> Result<Strings, JsValue> {
        let packed = pack_strings(items).map_err(|e| too_large(name, &e))?;
        match field(&packed, "bad").as_f64() {
            Some(bad) if bad < 0.0 => Err(invalid(name, shape)),
            Some(bad) => Err(invalid(&format!("{name}[{}]", bad as usize), item)),
            None => Ok(Strings::unpack(&packed)),
        }
    }

    fn len(&self) -> usize {
        self.ends.len()
    }

    fn get(&self, i: usize) -> &str {
        let start = if i == 0 { 0 } else { self.ends[i - 1] };
        &self.text[start..self.ends[i]]
    }
}

/// Joining a column fails past JavaScript's longest string (about 500 million UTF-16 units).
fn too_large(name: &str, error: &JsValue) -> JsValue {
    let reason = js_sys::Reflect::get(error, &"message".into())
        .ok()
        .and_then(|m| m.as_string())
        .unwrap_or_default();
    invalid(
        name,
        format!("too large for one batch ({reason}): split it"),
    )
}

/// Turns ends counted in UTF-16 units (JavaScript's string lengths) into byte offsets in `text`.
fn byte_ends(text: &str, units: &[u32]) -> Vec<usize> {
    if units.last().map_or(0, |&u| u as usize) == text.len() {
        // As many bytes as UTF-16 units: every character is ASCII.
        return units.iter().map(|&u| u as usize).collect();
    }
    let mut out = Vec::with_capacity(units.len());
    let mut chars = text.chars();
    let (mut unit, mut byte) = (0usize, 0usize);
    for &end in units {
        while unit < end as usize {
            let Some(c) = chars.next() else { break };
            unit += c.len_utf16();
            byte += c.len_utf8();
        }
        out.push(byte);
    }
    out
}

/// Where a bad value sits, by the shape the orders came in.
#[derive(Clone, Copy)]
enum Shape {
    /// `orders[i].date`
    Objects,
    /// `dates[i]`
    Columns,
}

impl Shape {
    fn at(self, field: &str, i: usize) -> String {
        match self {
            Shape::Objects => format!("orders[{i}].{field}"),
            Shape::Columns => format!("{field}s[{i}]"),
        }
    }
}

/// The orders of three columns of equal length.
fn orders(
    ids: &Strings,
    dates: Vec<NaiveDate>,
    amounts: &Strings,
    shape: Shape,
) -> Result<Vec<Order>, JsValue> {
    let n = ids.len();
    if dates.len() != n || amounts.len() != n {
        return Err(invalid(
            "orders",
            format!(
                "columns of different lengths: {n} customerIds, {} dates, {} amounts",
                dates.len(),
                amounts.len()
            ),
        ));
    }
    dates
        .into_iter()
        .enumerate()
        .map(|(i, date)| {
            let text = amounts.get(i);
            let amount = decimal(text).ok_or_else(|| {
                invalid(
                    &shape.at("amount", i),
                    format!("{text:?} is not a decimal number"),
                )
            })?;
            Ok(Order {
                customer_id: ids.get(i).to_string(),
                date,
                amount,
            })
        })
        .collect()
}

/// Dates written "YYYY-MM-DD", read as the core's serde form reads them.
fn date_texts(texts: &Strings, shape: Shape) -> Result<Vec<NaiveDate>, JsValue> {
    (0..texts.len())
        .map(|i| {
            let text = texts.get(i);
            text.parse().map_err(|_| {
                invalid(
                    &shape.at("date", i),
                    format!("{text:?} is not a date YYYY-MM-DD"),
                )
            })
        })
        .collect()
}

/// Orders as an array of `{ customerId, date, amount }`, packed into columns in JavaScript.
fn order_objects(list: &JsValue) -> Result<Vec<Order>, JsValue> {
    let packed = pack_orders(list).map_err(|e| too_large("orders", &e))?;
    if let Some(bad) = field(&packed, "bad").as_f64() {
        let at = match field(&packed, "field").as_string() {
            Some(name) => Shape::Objects.at(&name, bad as usize),
            None => format!("orders[{}]", bad as usize),
        };
        let reason = field(&packed, "reason").as_string().unwrap_or_default();
        return Err(invalid(&at, reason));
    }
    let ids = Strings::unpack(&field(&packed, "customerIds"));
    let dates = date_texts(&Strings::unpack(&field(&packed, "dates")), Shape::Objects)?;
    let amounts = Strings::unpack(&field(&packed, "amounts"));
    orders(&ids, dates, &amounts, Shape::Objects)
}

/// Orders as columns `{ customerIds, dates, amounts }` of equal length.
fn order_columns(columns: &JsValue) -> Result<Vec<Order>, JsValue> {
    if !columns.is_object() {
        return Err(invalid(
            "orders",
            "an array of orders, or columns { customerIds, dates, amounts }",
        ));
    }
    let ids = Strings::column(
        &field(columns, "customerIds"),
        "customerIds",
        "an array of customer id strings",
        "a customer id string",
    )?;
    let amounts = Strings::column(
        &field(columns, "amounts"),
        "amounts",
        "an array of decimal strings",
        "a decimal string",
    )?;
    let dates = field(columns, "dates");
    let dates = match dates.dyn_ref::<js_sys::Int32Array>() {
        Some(days) => days
            .to_vec()
            .into_iter()
            .enumerate()
            .map(|(i, d)| {
                epoch_day(d).ok_or_else(|| {
                    invalid(&format!("dates[{i}]"), format!("day {d} is out of range"))
                })
            })
            .collect::<Result<_, _>>()?,
        None => {
            let texts = Strings::column(
                &dates,
                "dates",
                "an Int32Array of days since 1970-01-01 or an array of \"YYYY-MM-DD\" strings",
                "a \"YYYY-MM-DD\" string",
            )?;
            date_texts(&texts, Shape::Columns)?
        }
    };
    orders(&ids, dates, &amounts, Shape::Columns)
}

/// Scores every customer with an order on or before `asOf`, in customer id order. `orders` is an
/// array of `{ customerId, date, amount }` or, for large batches, columns `{ customerIds, dates,
/// amounts }` (dates as an `Int32Array` of days since 1970-01-01, or "YYYY-MM-DD" strings). Order
/// dates are the organisation's local dates; a `Date` counts on its UTC calendar date. `config` is
/// the RFM configuration's TOML text (left out: quantile scoring, 5 buckets, weights 1, 1, 1).
#[wasm_bindgen(js_name = rfmScore, unchecked_return_type = "RfmRow[]")]
#[allow(non_snake_case)]
pub fn rfm_score(
    #[wasm_bindgen(unchecked_param_type = "RfmOrder[] | RfmOrderColumns")] orders: JsValue,
    #[wasm_bindgen(unchecked_param_type = "string | Date")] asOf: JsValue,
    #[wasm_bindgen(unchecked_optional_param_type = "string | null")] config: JsValue,
) -> Result<JsValue, JsValue> {
    let as_of: NaiveDate = typed(&asOf, "asOf")?;
    let config = if config.is_undefined() || config.is_null() {
        RfmConfig::default()
    } else {
        let text = config
            .as_string()
            .ok_or_else(|| invalid("config", "the RFM configuration as TOML text"))?;
        rfm::parse_config(&text).map_err(|e| throw(&e))?
    };
    let orders = if js_sys::Array::is_array(&orders) {
        order_objects(&orders)?
    } else {
        order_columns(&orders)?
    };
    output(&rfm::score(&orders, as_of, &config).map_err(|e| throw(&e))?)
}

/// Every customer whose segment differs between two scorings, in the order of `after`, then those
/// only in `before` (`from`/`to` null: absent from that scoring).
#[wasm_bindgen(js_name = rfmMovements, unchecked_return_type = "RfmMovement[]")]
pub fn rfm_movements(
    #[wasm_bindgen(unchecked_param_type = "RfmRow[]")] before: JsValue,
    #[wasm_bindgen(unchecked_param_type = "RfmRow[]")] after: JsValue,
) -> Result<JsValue, JsValue> {
    let before: Vec<RfmRow> = typed(&before, "before")?;
    output(&rfm::movements(
        &before,
        &typed::<Vec<RfmRow>>(&after, "after")?,
    ))
}

/// The from/to matrix of two scorings (unchanged customers included), sorted by segment names,
/// absent (null) first.
#[wasm_bindgen(js_name = rfmFlows, unchecked_return_type = "RfmFlow[]")]
pub fn rfm_flows(
    #[wasm_bindgen(unchecked_param_type = "RfmRow[]")] before: JsValue,
    #[wasm_bindgen(unchecked_param_type = "RfmRow[]")] after: JsValue,
) -> Result<JsValue, JsValue> {
    let before: Vec<RfmRow> = typed(&before, "before")?;
    output(&rfm::flows(
        &before,
        &typed::<Vec<RfmRow>>(&after, "after")?,
    ))
}

/// Customers scored in both that left a valuable segment for a cooling one, or whose R fell by
/// `rule.rDrop` or more, in the order of `after`. Fields of `rule` left out keep their defaults.
#[wasm_bindgen(js_name = rfmChurnWarnings, unchecked_return_type = "ChurnWarning[]")]
pub fn rfm_churn_warnings(
    #[wasm_bindgen(unchecked_param_type = "RfmRow[]")] before: JsValue,
    #[wasm_bindgen(unchecked_param_type = "RfmRow[]")] after: JsValue,
    #[wasm_bindgen(unchecked_optional_param_type = "ChurnRule | null")] rule: JsValue,
) -> Result<JsValue, JsValue> {
    let before: Vec<RfmRow> = typed(&before, "before")?;
    let after: Vec<RfmRow> = typed(&after, "after")?;
    let rule = typed::<Option<ChurnRule>>(&rule, "rule")?.unwrap_or_default();
    output(&rfm::churn_warnings(&before, &after, &rule))
}

fn attainments(
    targets: &JsValue,
    achievements: &JsValue,
    basis: &JsValue,
) -> Result<Vec<perf::Attainment>, JsValue> {
    let targets: Vec<Target> = typed(targets, "targets")?;
    let achievements: Vec<Achievement> = typed(achievements, "achievements")?;
    let basis: Basis = typed(basis, "basis")?;
    perf::evaluate(&targets, &achievements, basis).map_err(|e| throw(&e))
}

/// Attainment of every target on `basis` (won or collected amounts), ranked within each kind of
/// subject and period; achievement dates are local dates (a `Date` counts on its UTC date).
#[wasm_bindgen(js_name = performance, unchecked_return_type = "Attainment[]")]
pub fn performance(
    #[wasm_bindgen(unchecked_param_type = "PerformanceTarget[]")] targets: JsValue,
    #[wasm_bindgen(unchecked_param_type = "Achievement[]")] achievements: JsValue,
    #[wasm_bindgen(unchecked_param_type = "PerformanceBasis")] basis: JsValue,
) -> Result<JsValue, JsValue> {
    output(&attainments(&targets, &achievements, &basis)?)
}

/// The leaderboard of reps (or of teams, with `teams`) for `period`: best first, equal results
/// sharing a rank.
#[wasm_bindgen(js_name = leaderboard, unchecked_return_type = "Attainment[]")]
pub fn leaderboard(
    #[wasm_bindgen(unchecked_param_type = "PerformanceTarget[]")] targets: JsValue,
    #[wasm_bindgen(unchecked_param_type = "Achievement[]")] achievements: JsValue,
    #[wasm_bindgen(unchecked_param_type = "PerformanceBasis")] basis: JsValue,
    #[wasm_bindgen(unchecked_param_type = "string")] period: JsValue,
    #[wasm_bindgen(unchecked_optional_param_type = "boolean | null")] teams: JsValue,
) -> Result<JsValue, JsValue> {
    let period: String = typed(&period, "period")?;
    let rows = attainments(&targets, &achievements, &basis)?;
    let teams = typed::<Option<bool>>(&teams, "teams")?.unwrap_or(false);
    output(&perf::leaderboard(&rows, teams, &period).map_err(|e| throw(&e))?)
}

/// Commission statements of `plan` (data, or `planToml` text) over `credits` for `period`
/// (`repId`: one rep's), computed in one call.
#[wasm_bindgen(js_name = commissionStatement, unchecked_return_type = "CommissionStatement[]")]
pub fn commission_statement(
    #[wasm_bindgen(unchecked_param_type = "CommissionInput")] input: JsValue,
) -> Result<JsValue, JsValue> {
    let text = dates_json_of(&input).map_err(|_| invalid("input", "not serialisable as JSON"))?;
    let value: serde_json::Value = serde_json::from_str(&case::snake_keys(&text))
        .map_err(|e| invalid("input", e.to_string()))?;
    let result = match crm_core::api::call_analytics("commission_statement", &value) {
        Some(r) => r.map_err(|e| throw(&e))?,
        None => {
            return Err(invalid(
                "op",
                "commission_statement is missing from the core",
            ))
        }
    };
    js_sys::JSON::parse(&case::camel_keys(&result.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utf16_ends_become_byte_offsets() {
        let ids = ["c1", "客户-7", "", "😀x", "z"];
        let text: String = ids.concat();
        let mut units = Vec::new();
        let mut end = 0u32;
        for id in ids {
            end += id.encode_utf16().count() as u32;
            units.push(end);
        }
        let strings = Strings {
            ends: byte_ends(&text, &units),
            text,
        };
        let back: Vec<&str> = (0..strings.len()).map(|i| strings.get(i)).collect();
        assert_eq!(back, ids);
        assert_eq!(byte_ends("abc", &[1, 1, 3]), vec![1, 1, 3]);
    }

    #[test]
    fn days_count_from_the_unix_epoch() {
        assert_eq!(epoch_day(0), NaiveDate::from_ymd_opt(1970, 1, 1));
        assert_eq!(epoch_day(20_634), NaiveDate::from_ymd_opt(2026, 6, 30));
        assert_eq!(epoch_day(-1), NaiveDate::from_ymd_opt(1969, 12, 31));
        assert_eq!(epoch_day(i32::MAX), None);
    }

    #[test]
    fn amounts_parse_as_the_core_reads_them() {
        assert_eq!(decimal("5000.00"), Some(Decimal::new(500_000, 2)));
        assert_eq!(decimal("1e3"), Some(Decimal::from(1000)));
        assert_eq!(decimal("12,5"), None);
        assert_eq!(decimal(""), None);
        let core: Order =
            serde_json::from_str(r#"{"customer_id": "c", "date": "2026-01-02", "amount": "1e3"}"#)
                .unwrap();
        assert_eq!(Some(core.amount), decimal("1e3"));
    }
}
