//! Tables imported as rows (`crm.Crm.import_table`): an Arrow table or stream (pyarrow, polars,
//! pandas...) or a dict of columns, read with the GIL held (a hand-over of buffers, no copy),
//! then, with the GIL released, each column turned into the cells the core's `import_columns`
//! takes, named by the field's name:
//!
//! - text as it is (dictionary-encoded, large and view strings too);
//! - integers and decimals as their exact decimal text (`1200000`, `1234.50`);
//! - floats as the shortest decimal that reads back as the same float (Python's `repr`, never
//!   in exponent form: `0.1`, `1200000` for 1.2e6), so a pandas integer column with missing
//!   values (float64 with NaN, nulls once in Arrow) imports as its integers;
//! - dates as ISO `YYYY-MM-DD` (Date32 and Date64);
//! - zoned timestamps as RFC 3339 in their own zone (`2026-03-05T10:00:00+08:00`, `...Z` for
//!   UTC); naive ones as their wall-clock time (`2026-03-05T10:00:00`: they name no instant);
//! - booleans as `true` / `false`; times and durations as Arrow writes them;
//! - nulls as `None` (the cell is left unset, as a blank CSV cell).
//!
//! Nested columns (lists, structs, maps, unions), and values without a text form (binary that is
//! not UTF-8), are refused, naming the column.

use crate::columns::{float_decimal, Column, Res, Table};
use crate::raise;
use arrow_array::cast::AsArray;
use arrow_array::types::Float64Type;
use arrow_array::{Array, ArrayRef};
use arrow_cast::{can_cast_types, cast_with_options, CastOptions};
use arrow_schema::DataType;
use crm_core::import::ImportColumn;
use crm_core::CrmError;
use pyo3::prelude::*;

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(import_columns_json, m)?)?;
    Ok(())
}

/// A table (or dict of columns) as the JSON text of `Vec<ImportColumn>`: what `RemoteCrm`
/// sends as `import_columns`' argument.
#[pyfunction]
fn import_columns_json(py: Python<'_>, data: &Bound<'_, PyAny>) -> PyResult<String> {
    let table = crate::batch::read(data, "data")?;
    py.detach(|| serde_json::to_string(&columns(&table)?).map_err(CrmError::storage))
        .map_err(|e| raise(&e.clipped()))
}

/// Every column of `table` as import cells, in the table's column order.
pub fn columns(table: &Table) -> Res<Vec<ImportColumn>> {
    table
        .columns
        .iter()
        .map(|c| {
            Ok(ImportColumn {
                name: c.name.clone(),
                values: cells(c)?,
            })
        })
        .collect()
}

/// One column's cells, chunk after chunk.
fn cells(column: &Column) -> Res<Vec<Option<String>>> {
    let mut out = Vec::with_capacity(column.len());
    for chunk in &column.chunks {
        push_cells(&column.name, chunk, &mut out)?;
    }
    Ok(out)
}

fn refuse(name: &str, t: &DataType, reason: impl std::fmt::Display) -> CrmError {
    CrmError::invalid(name, format!("a {t} column cannot be imported: {reason}"))
}

fn push_cells(name: &str, chunk: &ArrayRef, out: &mut Vec<Option<String>>) -> Res<()> {
    let t = chunk.data_type();
    // Not `safe`: a value Arrow cannot convert (binary that is not UTF-8...) is an error, never
    // a null that would leave the field unset without a word.
    let options = CastOptions {
        safe: false,
        ..CastOptions::default()
    };
    let cast_to =
        |to: &DataType| cast_with_options(chunk, to, &options).map_err(|e| refuse(name, t, e));
    match t {
        _ if t.is_nested() => {
            return Err(refuse(
                name,
                t,
                "give one value per cell (text, numbers, dates, times or booleans); \
                 join a list into text first",
            ))
        }
        // Unpacked first, so the values convert by their own type (dates stay dates).
        DataType::Dictionary(..) | DataType::RunEndEncoded(..) => {
            return push_cells(name, &cast_to(&values_type(t))?, out);
        }
        DataType::Float16 | DataType::Float32 | DataType::Float64 => {
            let floats = cast_to(&DataType::Float64)?;
            let floats = floats.as_primitive::<Float64Type>();
            out.extend(floats.iter().map(|x| x.map(float_text)));
            return Ok(());
        }
        // Date64 is milliseconds: Arrow would write it as a date-time.
        DataType::Date64 => return push_cells(name, &cast_to(&DataType::Date32)?, out),
        DataType::Null => {
            out.extend(std::iter::repeat_n(None, chunk.len()));
            return Ok(());
        }
        _ if !can_cast_types(t, &DataType::Utf8) => {
            return Err(refuse(name, t, "it has no text form"));
        }
        _ => {}
    }
    let text = cast_to(&DataType::Utf8)?;
    out.extend(
        text.as_string::<i32>()
            .iter()
            .map(|s| s.map(str::to_string)),
    );
    Ok(())
}

/// The value type of a dictionary or run-end encoded type.
fn values_type(t: &DataType) -> DataType {
    match t {
        DataType::Dictionary(_, v) => v.as_ref().clone(),
        DataType::RunEndEncoded(_, v) => v.data_type().clone(),
        other => other.clone(),
    }
}

/// A float as the shortest decimal that reads back as it, in plain (not exponent) form; NaN and
/// the infinities as Rust writes them (`NaN`, `inf`), which the core refuses as numbers.
fn float_text(x: f64) -> String {
    match float_decimal(x) {
        Some(d) => d.normalize().to_string(),
        None => x.to_string(),
    }
}
