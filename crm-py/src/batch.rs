//! The batch paths: Arrow tables and arrays in through the PyCapsule interface (pyarrow, polars,
//! pandas, DuckDB...), Arrow out, one crossing per batch. Batches are read with the GIL held (it
//! is a hand-over of buffers, no copy), then the core works with the GIL released.

use crate::columns::{Column, Res, Table};
use crate::raise;
use crate::tables;
use arrow_array::{Array, ArrayRef, Int64Array, RecordBatch, TimestampMillisecondArray};
use arrow_buffer::{NullBuffer, ScalarBuffer};
use arrow_schema::{ArrowError, DataType, Field};
use chrono::{DateTime, NaiveDate};
use crm_core::rfm::{self, ChurnRule, RfmConfig, RfmRow};
use crm_core::sla::parse_calendar;
use crm_core::{api, CrmError};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyInt, PyString};
use pyo3_arrow::input::{AnyArray, AnyRecordBatch};
use pyo3_arrow::{PyArray, PyTable};
use serde_json::Value;
use std::str::FromStr;
use std::sync::Arc;

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(rfm_score_arrow, m)?)?;
    m.add_function(wrap_pyfunction!(sla_arrow, m)?)?;
    m.add_function(wrap_pyfunction!(call_table, m)?)?;
    m.add_function(wrap_pyfunction!(rfm_compare, m)?)?;
    Ok(())
}

fn arrow_error(what: &str) -> impl Fn(ArrowError) -> PyErr + '_ {
    move |e| raise(&CrmError::invalid(what, e.to_string()))
}

/// A table: the batches of a table or stream, or a dict of columns (name -> array or stream:
/// what `crm` passes for a polars DataFrame, whose own export would first copy it into one chunk).
pub(crate) fn read(input: &Bound<'_, PyAny>, what: &str) -> PyResult<Table> {
    if let Ok(dict) = input.cast::<PyDict>() {
        let mut columns = Vec::with_capacity(dict.len());
        for (name, column) in dict.iter() {
            let name: String = name.extract()?;
            columns.push(self::column(column.extract()?, &name)?.0);
        }
        return Ok(Table { columns });
    }
    let reader = input.extract::<AnyRecordBatch>()?.into_reader()?;
    let names = reader
        .schema()
        .fields()
        .iter()
        .map(|f| f.name().clone())
        .collect();
    let batches: Vec<RecordBatch> = reader
        .collect::<Result<_, _>>()
        .map_err(arrow_error(what))?;
    Ok(Table::from_batches(names, &batches))
}

/// An array or chunked array as one column, with its field.
fn column(input: AnyArray, what: &str) -> PyResult<(Column, Arc<Field>)> {
    let reader = input.into_reader()?;
    let field = reader.field();
    let chunks = reader
        .collect::<Result<Vec<ArrayRef>, _>>()
        .map_err(arrow_error(what))?;
    Ok((Column::new(what, chunks), field))
}

fn date(text: &str, what: &str) -> PyResult<NaiveDate> {
    NaiveDate::from_str(text).map_err(|_| {
        raise(&CrmError::invalid(
            what,
            format!("{text:?} is not a YYYY-MM-DD date"),
        ))
    })
}

/// RFM scores of an orders table (`customer_id`, `date`, `amount`) as a table with the columns of
/// `RfmRow` (see `crate::rfm`).
#[pyfunction]
#[pyo3(signature = (orders, as_of, config=None, zone=None))]
fn rfm_score_arrow(
    py: Python<'_>,
    orders: &Bound<'_, PyAny>,
    as_of: &str,
    config: Option<&str>,
    zone: Option<&str>,
) -> PyResult<PyTable> {
    let as_of = date(as_of, "as_of")?;
    let config = match config {
        Some(text) => rfm::parse_config(text).map_err(|e| raise(&e))?,
        None => RfmConfig::default(),
    };
    let table = read(orders, "orders")?;
    let out = py.detach(|| {
        let (scores, ids) = crate::rfm::score(&table, as_of, &config, zone)?;
        tables::rfm_batch(scores, &ids)
    });
    let out = out.map_err(|e| raise(&e))?;
    PyTable::try_new(vec![out.clone()], out.schema())
}

/// `f` on each row (none where `nulls` says so), on every core for large batches; errors name
/// the row.
fn pairwise(
    a: &[i64],
    b: &[i64],
    nulls: Option<&NullBuffer>,
    f: impl Fn(i64, i64) -> Res<i64> + Sync,
) -> Res<Vec<i64>> {
    let mut out = vec![0i64; a.len()];
    let threads = match a.len() {
        0..100_000 => 1,
        _ => std::thread::available_parallelism().map_or(1, |n| n.get().min(8)),
    };
    let per = a.len().div_ceil(threads).max(1);
    let f = &f;
    std::thread::scope(|s| {
        let parts = out.chunks_mut(per).enumerate().map(|(k, part)| {
            s.spawn(move || {
                for (i, slot) in part.iter_mut().enumerate() {
                    let row = k * per + i;
                    if nulls.is_none_or(|n| n.is_valid(row)) {
                        *slot = f(a[row], b[row])
                            .map_err(|e| CrmError::invalid("starts", format!("row {row}: {e}")))?;
                    }
                }
                Ok(())
            })
        });
        let handles: Vec<_> = parts.collect();
        handles
            .into_iter()
            .try_for_each(|h| h.join().expect("an SLA thread finished"))
    })?;
    Ok(out)
}

/// SLA timing of many tickets from zoned timestamps (or RFC 3339 text): due times of `other`
/// business minutes (a column, or one int for all) as timestamps in the starts' zone, or with
/// `elapsed`, the business minutes from each start to its end (`other`) as Int64. Nulls give nulls.
#[pyfunction]
fn sla_arrow(
    py: Python<'_>,
    calendar: &str,
    starts: AnyArray,
    other: &Bound<'_, PyAny>,
    elapsed: bool,
) -> PyResult<PyArray> {
    let cal = parse_calendar(calendar).map_err(|e| raise(&e))?;
    let (starts, field) = column(starts, "starts")?;
    let each: Option<i64> = match other.is_instance_of::<PyInt>() {
        true => Some(other.extract()?),
        false => None,
    };
    let other = match each {
        Some(_) => Column::new("minutes", Vec::new()),
        None => column(other.extract()?, if elapsed { "ends" } else { "minutes" })?.0,
    };
    let out = py.detach(|| {
        let a = starts.instants_ms()?;
        let b: Int64Array = match (each, elapsed) {
            (Some(n), _) => vec![n; a.len()].into(),
            (None, true) => other.instants_ms()?.reinterpret_cast(),
            (None, false) => other.ints()?,
        };
        if a.len() != b.len() {
            let reason = format!("{} values for {} starts", b.len(), a.len());
            return Err(CrmError::invalid(other.name.as_str(), reason));
        }
        let nulls = NullBuffer::union(a.nulls(), b.nulls());
        let values = pairwise(
            a.values(),
            b.values(),
            nulls.as_ref(),
            |x, y| match elapsed {
                true => Ok(cal.elapsed_ms(x, y)?.div_euclid(60_000)),
                false => {
                    let work = y.checked_mul(60_000);
                    cal.due_ms(
                        x,
                        work.ok_or_else(|| CrmError::invalid("minutes", "out of range"))?,
                    )
                }
            },
        )?;
        Ok((ScalarBuffer::from(values), nulls))
    });
    let (values, nulls) = out.map_err(|e| raise(&e))?;
    if elapsed {
        let minutes = Int64Array::new(values, nulls);
        return Ok(PyArray::from_array_ref(Arc::new(minutes)));
    }
    let zone = match field.data_type() {
        DataType::Timestamp(_, Some(z)) => z.clone(),
        _ => "UTC".into(),
    };
    let due = TimestampMillisecondArray::new(values, nulls).with_timezone(zone);
    let field = Field::new(field.name(), due.data_type().clone(), true);
    Ok(PyArray::new(Arc::new(due), Arc::new(field)))
}

/// The JSON values of one column read as `kind` (see `tables::records_batch`); integer columns
/// are read as text.
fn json_column(c: &Column, kind: &str, zone: Option<&str>) -> Res<Vec<Value>> {
    let texts: Vec<Option<String>> = match kind.trim_end_matches('?') {
        "int" => {
            let ints = c.ints()?;
            return Ok(ints
                .iter()
                .map(|v| v.map_or(Value::Null, Value::from))
                .collect());
        }
        "string" => {
            let mut out = Vec::with_capacity(c.len());
            c.texts(kind.ends_with('?'), |s| out.push(s.map(str::to_string)))?;
            out
        }
        "decimal" => c.decimals()?.iter().map(|d| Some(d.to_string())).collect(),
        "date" => c.dates(zone)?.iter().map(|d| Some(d.to_string())).collect(),
        "instant" => {
            let text = |ms: Option<i64>| Some(DateTime::from_timestamp_millis(ms?)?.to_rfc3339());
            c.instants_ms()?.iter().map(text).collect()
        }
        other => {
            let reason = format!("a field of type {other} cannot come from a table column");
            return Err(CrmError::invalid(c.name.as_str(), reason));
        }
    };
    Ok(texts
        .into_iter()
        .map(|s| s.map_or(Value::Null, Value::String))
        .collect())
}

/// A table's rows as the core's JSON records: the columns named in `fields` (others ignored).
fn json_rows(table: &Table, fields: &[(String, String)], zone: Option<&str>) -> Res<Value> {
    let mut out = vec![serde_json::Map::new(); table.rows()];
    for column in &table.columns {
        let Some((name, kind)) = fields.iter().find(|(n, _)| *n == column.name) else {
            continue;
        };
        let values = json_column(column, kind, zone)?;
        for (row, v) in out.iter_mut().zip(values) {
            row.insert(name.clone(), v);
        }
    }
    Ok(Value::Array(out.into_iter().map(Value::Object).collect()))
}

/// One scoring for `rfm_compare`: a table with the columns of `RfmRow`, or the rows as JSON text.
fn scoring(input: &Bound<'_, PyAny>, what: &str) -> PyResult<(Option<Table>, String)> {
    match input.cast::<PyString>() {
        Ok(json) => Ok((None, json.to_cow()?.into_owned())),
        Err(_) => Ok((Some(read(input, what)?), String::new())),
    }
}

/// Segment movement between two scorings (`op`: `rfm_movements`, `rfm_flows` or
/// `rfm_churn_warnings` with `rule_json`), each a table or JSON rows, as a table with the
/// columns `result` names; customer ids go back out as integers when they came in as such.
#[pyfunction]
#[pyo3(signature = (op, before, after, result, rule_json=None))]
fn rfm_compare(
    py: Python<'_>,
    op: &str,
    before: &Bound<'_, PyAny>,
    after: &Bound<'_, PyAny>,
    result: Vec<(String, String)>,
    rule_json: Option<&str>,
) -> PyResult<PyTable> {
    let (before, after) = (scoring(before, "before")?, scoring(after, "after")?);
    let out = py.detach(|| {
        let mut integer_ids = Vec::new();
        let mut rows = |(table, json): &(Option<Table>, String)| -> Res<Vec<RfmRow>> {
            let parsed = |e: serde_json::Error| CrmError::invalid("rows", e.to_string());
            match table {
                Some(t) => {
                    if t.column("customer_id")?.is_integer() {
                        integer_ids = vec!["customer_id".to_string()];
                    }
                    crate::rfm::rows(t)
                }
                None => serde_json::from_str(json).map_err(parsed),
            }
        };
        let (b, a) = (rows(&before)?, rows(&after)?);
        let answer = match op {
            "rfm_movements" => serde_json::to_value(rfm::movements(&b, &a)),
            "rfm_flows" => serde_json::to_value(rfm::flows(&b, &a)),
            _ => {
                let rule: ChurnRule = match rule_json {
                    Some(text) => serde_json::from_str(text)
                        .map_err(|e| CrmError::invalid("rule", e.to_string()))?,
                    None => ChurnRule::default(),
                };
                serde_json::to_value(rfm::churn_warnings(&b, &a, &rule))
            }
        };
        let answer = answer.map_err(CrmError::storage)?;
        let rows = answer.as_array().map(Vec::as_slice).unwrap_or_default();
        tables::records_batch(rows, &result, &integer_ids)
    });
    let batch = out.map_err(|e| raise(&e))?;
    PyTable::try_new(vec![batch.clone()], batch.schema())
}

/// A table argument: its name, the table, and the (field, kind) pairs of its record.
type TableArg<'py> = (String, Bound<'py, PyAny>, Vec<(String, String)>);

/// Runs pure operation `op` with some list arguments given as tables of records (the others in
/// `args_json`, dates read in `zone`); its result as JSON text.
#[pyfunction]
#[pyo3(signature = (op, args_json, tables, zone=None))]
fn call_table(
    py: Python<'_>,
    op: &str,
    args_json: &str,
    tables: Vec<TableArg<'_>>,
    zone: Option<&str>,
) -> PyResult<String> {
    let mut read_tables = Vec::with_capacity(tables.len());
    for (arg, input, fields) in tables {
        let table = read(&input, &arg)?;
        read_tables.push((arg, table, fields));
    }
    let out = py.detach(|| -> Res<String> {
        let mut args: Value = serde_json::from_str(args_json)
            .map_err(|e| CrmError::invalid("args", e.to_string()))?;
        for (arg, table, fields) in &read_tables {
            args[arg.as_str()] = json_rows(table, fields, zone)?;
        }
        api::call_pure(op, &args.to_string())
            .ok_or_else(|| CrmError::invalid("op", format!("{op:?} is not a pure operation")))?
    });
    out.map_err(|e| raise(&e))
}
