//! Arrow columns read into the core's types chunk by chunk, without a Python object per value:
//! integer or text ids, dates (Date32/Date64, timestamps, ISO text), exact decimals (Decimal128,
//! integers, floats by their shortest round-trip text, decimal text), instants and integers.
//! A value that cannot be read names its column and row.

use arrow_array::cast::AsArray;
use arrow_array::types::{Date32Type, Decimal128Type, Float64Type, Int64Type, UInt64Type};
use arrow_array::{
    new_empty_array, Array, ArrayRef, Int64Array, RecordBatch, TimestampMillisecondArray,
};
use arrow_cast::cast;
use arrow_schema::{DataType, TimeUnit};
use arrow_select::concat::concat;
use chrono::NaiveDate;
use crm_core::CrmError;
use rust_decimal::Decimal;
use std::ops::Range;
use std::str::FromStr;

pub type Res<T> = Result<T, CrmError>;

/// Days from 0001-01-01 (day 1) to 1970-01-01, as chrono counts days from the common era.
const EPOCH_DAYS_FROM_CE: i32 = 719_163;

/// A table as named columns of chunks: from record batches, or from separate columns.
pub struct Table {
    pub columns: Vec<Column>,
}

impl Table {
    pub fn from_batches(names: Vec<String>, batches: &[RecordBatch]) -> Table {
        let columns = names.iter().enumerate();
        let columns = columns.map(|(i, name)| {
            Column::new(name, batches.iter().map(|b| b.column(i).clone()).collect())
        });
        Table {
            columns: columns.collect(),
        }
    }

    /// Column `name`; its absence names the columns there are.
    pub fn column(&self, name: &str) -> Res<&Column> {
        self.columns.iter().find(|c| c.name == name).ok_or_else(|| {
            let names: Vec<&str> = self.columns.iter().map(|c| c.name.as_str()).collect();
            CrmError::invalid(
                name,
                format!("no {name:?} column (columns: {})", names.join(", ")),
            )
        })
    }

    pub fn rows(&self) -> usize {
        self.columns.first().map_or(0, Column::len)
    }
}

/// A column (or a run of rows of one): its name, chunks, and the row its first value is.
pub struct Column {
    pub name: String,
    pub chunks: Vec<ArrayRef>,
    base: usize,
}

impl Column {
    pub fn new(name: &str, chunks: Vec<ArrayRef>) -> Column {
        Column {
            name: name.into(),
            chunks,
            base: 0,
        }
    }

    pub fn data_type(&self) -> DataType {
        self.chunks
            .first()
            .map_or(DataType::Null, |c| c.data_type().clone())
    }

    pub fn len(&self) -> usize {
        self.chunks.iter().map(|c| c.len()).sum()
    }

    /// Whether the values are integers (ids that go back out as the same integer type).
    pub fn is_integer(&self) -> bool {
        self.data_type().is_integer()
    }

    /// Rows `range` of this column, without a copy.
    pub fn slice(&self, range: Range<usize>) -> Column {
        let mut chunks = Vec::new();
        let mut at = 0;
        for c in &self.chunks {
            let (lo, hi) = (range.start.max(at), range.end.min(at + c.len()));
            if lo < hi {
                chunks.push(c.slice(lo - at, hi - lo));
            }
            at += c.len();
        }
        Column {
            name: self.name.clone(),
            chunks,
            base: self.base + range.start,
        }
    }

    fn error(&self, row: usize, reason: impl std::fmt::Display) -> CrmError {
        CrmError::invalid(
            self.name.as_str(),
            format!("row {}: {reason}", self.base + row),
        )
    }

    /// Each chunk cast to `to`, with the row of its first value; a null is refused (as `what`)
    /// unless `nulls`.
    fn each(&self, to: &DataType, what: &str, nulls: bool) -> Res<Vec<(usize, ArrayRef)>> {
        let mut row = 0;
        let mut out = Vec::with_capacity(self.chunks.len());
        for chunk in &self.chunks {
            let cast = cast(chunk, to).map_err(|e| {
                let reason = format!(
                    "a {} column cannot be read as {what}: {e}",
                    chunk.data_type()
                );
                CrmError::invalid(self.name.as_str(), reason)
            })?;
            if !nulls && cast.null_count() > 0 {
                let i = (0..cast.len()).find(|&i| cast.is_null(i)).unwrap_or(0);
                let reason = if chunk.is_null(i) {
                    "missing"
                } else {
                    "not readable"
                };
                return Err(self.error(row + i, format!("{reason} (expected {what})")));
            }
            out.push((row, cast));
            row += chunk.len();
        }
        Ok(out)
    }

    /// Integer ids as u64, or None when one is negative (then read as text).
    pub fn ids(&self) -> Res<Option<Vec<u64>>> {
        let mut out = Vec::with_capacity(self.len());
        if self.data_type() == DataType::UInt64 {
            for (_, c) in self.each(&DataType::UInt64, "an integer id", false)? {
                out.extend_from_slice(c.as_primitive::<UInt64Type>().values());
            }
            return Ok(Some(out));
        }
        for (_, c) in self.each(&DataType::Int64, "an integer id", false)? {
            let values = c.as_primitive::<Int64Type>().values();
            if values.iter().any(|v| *v < 0) {
                return Ok(None);
            }
            out.extend(values.iter().map(|v| *v as u64));
        }
        Ok(Some(out))
    }

    /// Every value as text (strings, dictionary-encoded strings, integers...), for `visit`;
    /// None for a null, which is refused unless `nulls`.
    pub fn texts(&self, nulls: bool, mut visit: impl FnMut(Option<&str>)) -> Res<()> {
        for (_, c) in self.each(&DataType::Utf8, "text", nulls)? {
            c.as_string::<i32>().iter().for_each(&mut visit);
        }
        Ok(())
    }

    /// Calendar dates: Date32/Date64, ISO text, or timestamps on their date in `zone` (a zoned
    /// column: in `zone`, else its own; a naive one: its wall-clock date).
    pub fn dates(&self, zone: Option<&str>) -> Res<Vec<NaiveDate>> {
        let zoned = match (self.data_type(), zone) {
            (DataType::Timestamp(unit, Some(_)), Some(z)) => {
                let to = DataType::Timestamp(unit, Some(z.into()));
                let chunks = self.each(&to, &format!("a time in {z}"), true)?;
                Column {
                    chunks: chunks.into_iter().map(|(_, c)| c).collect(),
                    ..self.slice(0..self.len())
                }
            }
            _ => self.slice(0..self.len()),
        };
        let date = |d: i32| {
            d.checked_add(EPOCH_DAYS_FROM_CE)
                .and_then(NaiveDate::from_num_days_from_ce_opt)
        };
        let mut out = Vec::with_capacity(self.len());
        for (row, days) in zoned.each(&DataType::Date32, "a date", false)? {
            let days = days.as_primitive::<Date32Type>().values();
            // Orders span a few thousand days: a table of them spares the calendar arithmetic.
            let (lo, hi) = days
                .iter()
                .fold((i32::MAX, i32::MIN), |(lo, hi), &d| (lo.min(d), hi.max(d)));
            let table: Vec<Option<NaiveDate>> = match i64::from(hi) - i64::from(lo) {
                0..=100_000 => (lo..=hi).map(date).collect(),
                _ => Vec::new(),
            };
            for (i, &d) in days.iter().enumerate() {
                let day = if table.is_empty() {
                    date(d)
                } else {
                    table[(d - lo) as usize]
                };
                out.push(
                    day.ok_or_else(|| self.error(row + i, format!("day {d} is out of range")))?,
                );
            }
        }
        Ok(out)
    }

    /// Exact decimals: Decimal128, integers, floats (by their shortest round-trip text, as
    /// Python's `repr` writes them) and decimal text.
    pub fn decimals(&self) -> Res<Vec<Decimal>> {
        let mut out = Vec::with_capacity(self.len());
        let bad = |row: usize, v: &dyn std::fmt::Display| {
            self.error(row, format!("{v} is not a decimal the core can hold"))
        };
        match self.data_type() {
            t @ (DataType::Decimal128(..) | DataType::Decimal256(..)) => {
                let (to, scale) = match t {
                    DataType::Decimal128(p, s) => (DataType::Decimal128(p, s), s),
                    DataType::Decimal256(_, s) => (DataType::Decimal128(38, s), s),
                    _ => unreachable!("matched above"),
                };
                for (row, c) in self.each(&to, "a decimal", false)? {
                    for (i, &m) in c
                        .as_primitive::<Decimal128Type>()
                        .values()
                        .iter()
                        .enumerate()
                    {
                        out.push(decimal(m, scale).ok_or_else(|| bad(row + i, &m))?);
                    }
                }
            }
            DataType::Float16 | DataType::Float32 | DataType::Float64 => {
                for (row, c) in self.each(&DataType::Float64, "a number", false)? {
                    for (i, &x) in c.as_primitive::<Float64Type>().values().iter().enumerate() {
                        out.push(float_decimal(x).ok_or_else(|| bad(row + i, &x))?);
                    }
                }
            }
            t if t.is_integer() => {
                for (_, c) in self.each(&DataType::Int64, "an integer", false)? {
                    out.extend(
                        c.as_primitive::<Int64Type>()
                            .values()
                            .iter()
                            .map(|&v| Decimal::from(v)),
                    );
                }
            }
            _ => {
                let mut failed = None;
                self.texts(false, |s| {
                    let s = s.unwrap_or_default();
                    match Decimal::from_str(s).or_else(|_| Decimal::from_scientific(s)) {
                        Ok(d) => out.push(d),
                        Err(_) => drop(failed.get_or_insert((out.len(), s.to_string()))),
                    }
                })?;
                if let Some((row, s)) = failed {
                    return Err(self.error(row, format!("{s:?} is not a decimal number")));
                }
            }
        }
        Ok(out)
    }

    /// The column as one array cast to `to`, nulls kept (chunks concatenated when several).
    fn whole(&self, to: &DataType, what: &str) -> Res<ArrayRef> {
        let parts: Vec<ArrayRef> = self
            .each(to, what, true)?
            .into_iter()
            .map(|(_, c)| c)
            .collect();
        match parts.as_slice() {
            [] => Ok(new_empty_array(to)),
            [one] => Ok(one.clone()),
            _ => {
                let refs: Vec<&dyn Array> = parts.iter().map(|p| p.as_ref()).collect();
                concat(&refs).map_err(|e| CrmError::invalid(self.name.as_str(), e.to_string()))
            }
        }
    }

    /// Instants as milliseconds since the epoch: zoned timestamps or RFC 3339 text; a naive
    /// timestamp names no instant and is refused.
    pub fn instants_ms(&self) -> Res<TimestampMillisecondArray> {
        if let DataType::Timestamp(_, None) = self.data_type() {
            return Err(CrmError::invalid(
                self.name.as_str(),
                "a timestamp column without a time zone names no instant; localize it first \
                 (pandas: .dt.tz_localize(zone), polars: .dt.replace_time_zone(zone))",
            ));
        }
        let to = DataType::Timestamp(TimeUnit::Millisecond, Some("UTC".into()));
        Ok(self.whole(&to, "an instant")?.as_primitive().clone())
    }

    /// Integers; floats and text are refused.
    pub fn ints(&self) -> Res<Int64Array> {
        if !self.is_integer() {
            let reason = format!("expected integers, not {}", self.data_type());
            return Err(CrmError::invalid(self.name.as_str(), reason));
        }
        Ok(self
            .whole(&DataType::Int64, "an integer")?
            .as_primitive()
            .clone())
    }
}

/// `mantissa` x 10^-`scale` as a core decimal, if it fits (amounts usually fit an i64: the
/// cheap constructor).
fn decimal(mantissa: i128, scale: i8) -> Option<Decimal> {
    match (i64::try_from(mantissa), u32::try_from(scale)) {
        (Ok(m), Ok(s)) if s <= 28 => Some(Decimal::new(m, s)),
        (_, Ok(s)) => Decimal::try_from_i128_with_scale(mantissa, s).ok(),
        (_, Err(_)) => {
            let m = mantissa.checked_mul(10i128.checked_pow(u32::from(scale.unsigned_abs()))?)?;
            Decimal::try_from_i128_with_scale(m, 0).ok()
        }
    }
}

/// The shortest decimal that reads back as `x` (Python's `repr`): the fewest decimal places
/// whose rounding of `x` divides back to it exactly, else the shortest round-trip text.
pub fn float_decimal(x: f64) -> Option<Decimal> {
    if !x.is_finite() {
        return None;
    }
    let mut scale = 1.0f64;
    for places in 0..=15u32 {
        let m = (x * scale).round();
        if m.abs() < 9_007_199_254_740_992.0 && m / scale == x {
            return Some(Decimal::new(m as i64, places));
        }
        scale *= 10.0;
    }
    Decimal::from_str(&x.to_string()).ok()
}
