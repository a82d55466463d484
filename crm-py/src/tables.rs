//! Results as Arrow record batches: RFM scores from the core's columnar `RfmTable` (ids in the
//! type they came in, decimals as Decimal128, levels and segments dictionary-encoded), and any
//! list of flat records from its JSON form, one column per field.

use crate::columns::Res;
use arrow_array::types::UInt16Type;
use arrow_array::{
    ArrayRef, Decimal128Array, DictionaryArray, Int64Array, RecordBatch, StringArray, UInt16Array,
    UInt64Array, UInt8Array,
};
use arrow_cast::cast;
use arrow_schema::{DataType, Field, Schema, TimeUnit};
use crm_core::rfm::{CustomerIds, RfmTable};
use crm_core::CrmError;
use rust_decimal::Decimal;
use serde_json::Value;
use std::str::FromStr;
use std::sync::Arc;

/// How customer ids came in, so they go back out the same way.
pub enum IdKind {
    Integer(DataType),
    Text,
}

fn failed(field: &str, e: impl std::fmt::Display) -> CrmError {
    CrmError::invalid(field, e.to_string())
}

/// Decimals at one scale (the largest among them), as Decimal128(38, scale).
fn decimals(field: &str, values: impl Iterator<Item = Option<Decimal>> + Clone) -> Res<ArrayRef> {
    let scale = values
        .clone()
        .flatten()
        .map(|d| d.scale())
        .max()
        .unwrap_or(0);
    let limit = 10i128.pow(38);
    let mantissa = |d: Decimal| {
        10i128
            .checked_pow(scale - d.scale())
            .and_then(|p| d.mantissa().checked_mul(p))
            .filter(|m| m.abs() < limit)
            .ok_or_else(|| failed(field, format!("{d} does not fit a Decimal128(38, {scale})")))
    };
    let array: Decimal128Array = values
        .map(|d| d.map(mantissa).transpose())
        .collect::<Res<_>>()?;
    let array = array
        .with_precision_and_scale(38, scale as i8)
        .map_err(|e| failed(field, e))?;
    Ok(Arc::new(array))
}

fn dictionary(keys: UInt16Array, names: &[String]) -> Res<ArrayRef> {
    let values = Arc::new(StringArray::from_iter_values(names));
    DictionaryArray::<UInt16Type>::try_new(keys, values)
        .map(|d| Arc::new(d) as ArrayRef)
        .map_err(|e| failed("segment", e))
}

/// A batch of named columns; `nullable` names the columns that may hold nulls.
fn batch(columns: Vec<(&str, ArrayRef)>, nullable: impl Fn(&str) -> bool) -> Res<RecordBatch> {
    let fields: Vec<Field> = columns
        .iter()
        .map(|(n, a)| Field::new(*n, a.data_type().clone(), nullable(n)))
        .collect();
    let arrays = columns.into_iter().map(|(_, a)| a).collect();
    RecordBatch::try_new(Arc::new(Schema::new(fields)), arrays).map_err(|e| failed("result", e))
}

/// The scores as a batch with the columns of `RfmRow`.
pub fn rfm_batch(t: RfmTable, ids: &IdKind) -> Res<RecordBatch> {
    let to_type = |a: ArrayRef, to: &DataType| cast(&a, to).map_err(|e| failed("customer_id", e));
    let customer_id: ArrayRef = match (t.customer_ids, ids) {
        (CustomerIds::Numbers(v), IdKind::Integer(to)) => {
            to_type(Arc::new(UInt64Array::from(v)), to)?
        }
        (CustomerIds::Text(v), IdKind::Integer(to)) => {
            let parsed: Int64Array = v.iter().map(|s| s.parse::<i64>().ok()).collect();
            to_type(Arc::new(parsed), to)?
        }
        (CustomerIds::Numbers(v), IdKind::Text) => {
            Arc::new(StringArray::from_iter_values(v.iter().map(u64::to_string)))
        }
        (CustomerIds::Text(v), IdKind::Text) => Arc::new(StringArray::from_iter_values(v)),
    };
    let frequency = t.frequency.into_iter().map(|f| f as i64);
    let columns: Vec<(&str, ArrayRef)> = vec![
        ("customer_id", customer_id),
        ("recency_days", Arc::new(Int64Array::from(t.recency_days))),
        (
            "frequency",
            Arc::new(Int64Array::from_iter_values(frequency)),
        ),
        (
            "monetary",
            decimals("monetary", t.monetary.iter().map(|d| Some(*d)))?,
        ),
        ("r", Arc::new(UInt8Array::from(t.r))),
        ("f", Arc::new(UInt8Array::from(t.f))),
        ("m", Arc::new(UInt8Array::from(t.m))),
        (
            "score",
            decimals("score", t.score.iter().map(|d| Some(*d)))?,
        ),
        (
            "level",
            dictionary(t.level.into_iter().collect(), &t.level_names)?,
        ),
        (
            "segment",
            dictionary(UInt16Array::from(t.segment), &t.segment_names)?,
        ),
    ];
    batch(columns, |n| n == "level")
}

/// Flat records (the core's JSON form) as a batch: one column per `(field, kind)`, the kinds
/// being `string`, `int`, `float`, `bool`, `decimal`, `date` and `instant` (a trailing `?` for
/// nullable ones; others go as JSON text). Each column is gathered as text and cast by Arrow;
/// text fields listed in `integer_ids` came in as integers and go out as Int64.
pub fn records_batch(
    rows: &[Value],
    fields: &[(String, String)],
    integer_ids: &[String],
) -> Res<RecordBatch> {
    let mut columns = Vec::with_capacity(fields.len());
    for (name, kind) in fields {
        let text: StringArray = rows
            .iter()
            .map(|r| match r.get(name)? {
                Value::Null => None,
                Value::String(s) => Some(s.clone()),
                other => Some(other.to_string()),
            })
            .collect();
        let to = match kind.trim_end_matches('?') {
            "decimal" => {
                let values = text
                    .iter()
                    .map(|s| s.and_then(|s| Decimal::from_str(s).ok()));
                columns.push((name.as_str(), decimals(name, values)?));
                continue;
            }
            "string" if integer_ids.contains(name) => DataType::Int64,
            "int" => DataType::Int64,
            "float" => DataType::Float64,
            "bool" => DataType::Boolean,
            "date" => DataType::Date32,
            "instant" => DataType::Timestamp(TimeUnit::Millisecond, Some("UTC".into())),
            _ => DataType::Utf8,
        };
        columns.push((
            name.as_str(),
            cast(&text, &to).map_err(|e| failed(name, e))?,
        ));
    }
    batch(columns, |n| {
        fields.iter().any(|(f, k)| f == n && k.ends_with('?'))
    })
}
