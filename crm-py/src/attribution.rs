//! Attribution of won deals to campaigns from two Arrow tables (`crm.analytics.attribute`): deals
//! (`deal_id`, `amount`, `won_at`, `created_at`, optional `lead_created_at` and
//! `primary_campaign_id`) and touches (`deal_id`, `campaign_id`, `at`) in, one line per counted
//! touch out, as `crm attribution` writes them (`deal_id`, `campaign_id`, `touch_at`, `position`,
//! `share`, `amount`, `explanation`).
//!
//! Both tables are read with the GIL held (a hand-over of buffers, no copy). With it released, the
//! columns are read into the core's types, each touch is put under its deal by id (a hash map; a
//! touch of a deal the deals table lacks is refused), and `attribute_all` runs on blocks of deals,
//! on one run of deals per core for large batches, each run gathering its lines column by column
//! as they come into a record batch of its own: the table's batches hold the lines in deal order,
//! then line order (integer deal ids go back out in their own type, text ones as utf8). A value
//! that cannot be read names its table, column and row (0-based, as in `crate::columns`).

use crate::columns::{Column, Res, Table};
use crate::raise;
use arrow_array::builder::StringBuilder;
use arrow_array::cast::AsArray;
use arrow_array::timezone::Tz;
use arrow_array::types::TimestampMicrosecondType;
use arrow_array::{
    new_empty_array, new_null_array, Array, ArrayRef, Decimal128Array, RecordBatch,
    TimestampMillisecondArray, UInt32Array,
};
use arrow_cast::cast;
use arrow_schema::{ArrowError, DataType, Field, Schema, TimeUnit};
use arrow_select::concat::concat;
use arrow_select::take::take;
use chrono::{DateTime, Utc};
use crm_core::campaign::attribution::{
    attribute_all, AttributedDeal, AttributionModel, AttributionSettings, DealAttribution, Touch,
};
use crm_core::{limits, CrmError};
use pyo3::prelude::*;
use pyo3::types::PyDict;
use pyo3_arrow::input::{AnyArray, AnyRecordBatch};
use pyo3_arrow::PyTable;
use rust_decimal::Decimal;
use std::collections::HashMap;
use std::str::FromStr;
use std::sync::Arc;

/// Deals below this many are attributed on one core (threads cost more than they save).
const PARALLEL_FROM: usize = 8_192;

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(attribute_arrow, m)?)?;
    Ok(())
}

/// The lines of every deal under `model` (`u_shaped`...; the lookback and half-life as in
/// `AttributionSettings`), as a table; naive timestamps and text times without an offset are read
/// in `zone` (UTC without one).
#[pyfunction]
#[pyo3(signature = (deals, touches, model, lookback_days=None, half_life_days=None, zone=None))]
fn attribute_arrow(
    py: Python<'_>,
    deals: &Bound<'_, PyAny>,
    touches: &Bound<'_, PyAny>,
    model: &str,
    lookback_days: Option<i64>,
    half_life_days: Option<i64>,
    zone: Option<&str>,
) -> PyResult<PyTable> {
    let deals = read(deals, "deals")?;
    let touches = read(touches, "touches")?;
    let out = py.detach(|| -> Res<Vec<RecordBatch>> {
        let settings = AttributionSettings {
            model: AttributionModel::from_str(model)?,
            lookback_days: days("lookback_days", lookback_days, 0)?,
            half_life_days: days("half_life_days", half_life_days, 1)?,
        };
        settings.validate()?;
        let zone = zone.unwrap_or("UTC");
        zone.parse::<Tz>().map_err(|_| {
            let reason = format!(
                "{zone:?} is not a time zone (an IANA name such as Asia/Shanghai, or an offset \
                 such as +08:00)"
            );
            CrmError::invalid("zone", reason)
        })?;
        let (mut attributed, ids) = read_deals(&deals, zone).map_err(within("deals"))?;
        drop(deals);
        put_touches(&touches, &mut attributed, zone)?;
        drop(touches);
        attribute(&attributed, &settings, &ids)
    });
    let batches = out.map_err(|e| raise(&e))?;
    // One batch per run of deals, and always one run, so the schema is there even with no lines.
    let schema = batches.first().map(RecordBatch::schema);
    let schema = schema.ok_or_else(|| raise(&CrmError::invalid("deals", "no batch of lines")))?;
    PyTable::try_new(batches, schema)
}

/// A table: the batches of a table or stream, or a dict of columns (name -> array or stream).
/// A column without chunks gets an empty one of its type, so an empty table still tells the type
/// of its ids.
fn read(input: &Bound<'_, PyAny>, what: &str) -> PyResult<Table> {
    let failed = |e: ArrowError| raise(&CrmError::invalid(what, e.to_string()));
    let some = |mut chunks: Vec<ArrayRef>, t: &DataType| {
        if chunks.is_empty() {
            chunks.push(new_empty_array(t));
        }
        chunks
    };
    if let Ok(dict) = input.cast::<PyDict>() {
        let mut columns = Vec::with_capacity(dict.len());
        for (name, column) in dict.iter() {
            let name: String = name.extract()?;
            let reader = column.extract::<AnyArray>()?.into_reader()?;
            let field = reader.field();
            let chunks = reader.collect::<Result<Vec<_>, _>>().map_err(failed)?;
            columns.push(Column::new(&name, some(chunks, field.data_type())));
        }
        return Ok(Table { columns });
    }
    let reader = input.extract::<AnyRecordBatch>()?.into_reader()?;
    let schema = reader.schema();
    let batches: Vec<RecordBatch> = reader.collect::<Result<_, _>>().map_err(failed)?;
    let columns = schema.fields().iter().enumerate().map(|(i, f)| {
        let chunks = batches.iter().map(|b| b.column(i).clone()).collect();
        Column::new(f.name(), some(chunks, f.data_type()))
    });
    Ok(Table {
        columns: columns.collect(),
    })
}

/// A setting in days: none, or a whole number from `min` (a larger one is left to the core).
fn days(field: &str, value: Option<i64>, min: i64) -> Res<Option<u32>> {
    let Some(v) = value else { return Ok(None) };
    match u32::try_from(v) {
        Ok(days) if v >= min => Ok(Some(days)),
        _ => Err(CrmError::invalid(
            field,
            format!("must lie between {min} and {}", limits::DAYS),
        )),
    }
}

/// An input error's field put under its table (`amount` -> `deals.amount`).
fn within(table: &'static str) -> impl Fn(CrmError) -> CrmError {
    move |e| match e {
        CrmError::InvalidInput { field, reason } => {
            CrmError::invalid(format!("{table}.{field}"), reason)
        }
        other => other,
    }
}

fn at_row(column: &Column, row: usize, reason: impl std::fmt::Display) -> CrmError {
    CrmError::invalid(column.name.as_str(), format!("row {row}: {reason}"))
}

/// Column `name`, with as many values as the table has rows.
fn sized<'t>(table: &'t Table, name: &str, rows: usize) -> Res<&'t Column> {
    let column = table.column(name)?;
    match column.len() {
        len if len == rows => Ok(column),
        len => Err(CrmError::invalid(
            name,
            format!("{len} values for {rows} rows"),
        )),
    }
}

/// Column `name` if the table has it.
fn optional<'t>(table: &'t Table, name: &str, rows: usize) -> Res<Option<&'t Column>> {
    match table.columns.iter().any(|c| c.name == name) {
        true => sized(table, name, rows).map(Some),
        false => Ok(None),
    }
}

/// Every value as an owned string: ids (text or integers); a null is refused unless `nulls`.
fn strings(column: &Column, nulls: bool) -> Res<Vec<Option<String>>> {
    let mut out = Vec::with_capacity(column.len());
    column.texts(nulls, |s| out.push(s.map(str::to_string)))?;
    Ok(out)
}

/// A non-empty id within the core's bound on ids.
fn check_id(column: &Column, row: usize, id: &str) -> Res<()> {
    if id.is_empty() {
        return Err(at_row(column, row, "empty (expected an id)"));
    }
    limits::text(&column.name, id, limits::ID).map_err(|e| match e {
        CrmError::InvalidInput { reason, .. } => at_row(column, row, reason),
        other => other,
    })
}

/// Instants: zoned timestamps as they are, naive ones and text without an offset in `zone`, RFC
/// 3339 text. None for a null, refused unless `nulls` (which lets empty text stand for none too,
/// as in the CSV files of `crm attribution`). Read at microseconds, as Python's datetimes hold
/// them.
fn instants(column: &Column, zone: &str, nulls: bool) -> Res<Vec<Option<DateTime<Utc>>>> {
    let mut out = Vec::with_capacity(column.len());
    let mut row = 0;
    for chunk in &column.chunks {
        let zoned = matches!(chunk.data_type(), DataType::Timestamp(_, Some(_)));
        let to = DataType::Timestamp(
            TimeUnit::Microsecond,
            Some(if zoned { "UTC" } else { zone }.into()),
        );
        let micros = cast(chunk, &to).map_err(|e| {
            let reason = format!(
                "a {} column cannot be read as instants: {e}",
                chunk.data_type()
            );
            CrmError::invalid(column.name.as_str(), reason)
        })?;
        let micros = micros.as_primitive::<TimestampMicrosecondType>();
        // The chunk as text, made only when a value did not read (to show it).
        let mut text: Option<ArrayRef> = None;
        for i in 0..micros.len() {
            if micros.is_valid(i) {
                let at = DateTime::from_timestamp_micros(micros.value(i))
                    .ok_or_else(|| at_row(column, row + i, "the time is out of range"))?;
                out.push(Some(at));
                continue;
            }
            if chunk.is_null(i) {
                match nulls {
                    true => out.push(None),
                    false => return Err(at_row(column, row + i, "missing (expected a time)")),
                }
                continue;
            }
            let shown = text.get_or_insert_with(|| {
                cast(chunk, &DataType::Utf8)
                    .unwrap_or_else(|_| new_null_array(&DataType::Utf8, chunk.len()))
            });
            let shown = match shown.is_valid(i) {
                true => shown.as_string::<i32>().value(i),
                false => "",
            };
            if nulls && shown.is_empty() {
                out.push(None);
                continue;
            }
            let reason = match chunk.data_type() {
                DataType::Timestamp(..) => format!(
                    "{shown} is not a time in {zone} (it falls in a daylight saving gap or overlap)"
                ),
                _ => format!("{shown:?} is not an RFC 3339 time"),
            };
            return Err(at_row(column, row + i, reason));
        }
        row += chunk.len();
    }
    Ok(out)
}

/// The deals in row order (without touches), and their ids as one array to take the output's
/// `deal_id` from.
fn read_deals(table: &Table, zone: &str) -> Res<(Vec<AttributedDeal>, ArrayRef)> {
    let id_column = table.column("deal_id")?;
    let rows = id_column.len();
    let ids = strings(id_column, false)?;
    for (row, id) in ids.iter().enumerate() {
        check_id(id_column, row, id.as_deref().unwrap_or_default())?;
    }
    let amount_column = sized(table, "amount", rows)?;
    let amounts = amount_column.decimals()?;
    for (row, amount) in amounts.iter().enumerate() {
        if amount.is_sign_negative() && !amount.is_zero() {
            return Err(at_row(amount_column, row, format!("{amount} is negative")));
        }
        if limits::amount("amount", *amount).is_err() {
            let reason = format!("{amount} is larger than {}", limits::max_amount());
            return Err(at_row(amount_column, row, reason));
        }
    }
    let won = instants(sized(table, "won_at", rows)?, zone, false)?;
    let created = instants(sized(table, "created_at", rows)?, zone, false)?;
    let lead = match optional(table, "lead_created_at", rows)? {
        Some(column) => instants(column, zone, true)?,
        None => vec![None; rows],
    };
    let primary = match optional(table, "primary_campaign_id", rows)? {
        Some(column) => {
            let mut values = strings(column, true)?;
            for (row, value) in values.iter_mut().enumerate() {
                match value.as_deref() {
                    Some("") => *value = None, // an empty field of a CSV file: none
                    Some(id) => check_id(column, row, id)?,
                    None => {}
                }
            }
            values
        }
        None => vec![None; rows],
    };
    let deals = ids
        .into_iter()
        .zip(amounts)
        .zip(won.into_iter().zip(created));
    let deals = deals.zip(lead.into_iter().zip(primary));
    let deals = deals.map(
        |(((id, amount), (won_at, created_at)), (lead_created_at, primary_campaign_id))| {
            AttributedDeal {
                id: id.unwrap_or_default(),
                amount,
                won_at: won_at.unwrap_or_default(),
                created_at: created_at.unwrap_or_default(),
                lead_created_at,
                primary_campaign_id,
                touches: Vec::new(),
            }
        },
    );
    let deals: Vec<AttributedDeal> = deals.collect();
    // Integer ids go back out in their own type; text of any kind (large, view, dictionary) as
    // utf8, so every data frame library gives the same table.
    let chunks: Vec<&dyn Array> = id_column.chunks.iter().map(|c| c.as_ref()).collect();
    let ids = match chunks.as_slice() {
        _ if !id_column.is_integer() => texts(deals.iter().map(|d| d.id.as_str())),
        [_] => id_column.chunks[0].clone(),
        _ => concat(&chunks).map_err(|e| CrmError::invalid("deal_id", e.to_string()))?,
    };
    Ok((deals, ids))
}

/// Every touch put under its deal (by `deal_id`, looked up in a hash map of the deals' ids);
/// a deal id twice among the deals, or a touch of a deal not among them, is refused.
fn put_touches(table: &Table, deals: &mut [AttributedDeal], zone: &str) -> Res<()> {
    let mut index: HashMap<&str, u32> = HashMap::with_capacity(deals.len());
    for (row, deal) in deals.iter().enumerate() {
        if let Some(first) = index.insert(deal.id.as_str(), row as u32) {
            return Err(CrmError::invalid(
                "deals.deal_id",
                format!("row {row}: {:?} is also the id of row {first}", deal.id),
            ));
        }
    }
    let touches = read_touches(table, &index, zone).map_err(within("touches"))?;
    drop(index);
    let mut counts = vec![0u32; deals.len()];
    for (i, _) in &touches {
        counts[*i as usize] += 1;
    }
    for (deal, n) in deals.iter_mut().zip(counts) {
        deal.touches.reserve_exact(n as usize);
    }
    for (i, touch) in touches {
        deals[i as usize].touches.push(touch);
    }
    Ok(())
}

/// The touches, each with the row of its deal in `index`.
fn read_touches(table: &Table, index: &HashMap<&str, u32>, zone: &str) -> Res<Vec<(u32, Touch)>> {
    let deal_column = table.column("deal_id")?;
    let rows = deal_column.len();
    let mut owners = Vec::with_capacity(rows);
    let mut unknown = None;
    deal_column.texts(false, |id| {
        let id = id.unwrap_or_default();
        match index.get(id) {
            Some(&i) => owners.push(i),
            None => {
                unknown.get_or_insert_with(|| (owners.len(), id.to_string()));
                owners.push(u32::MAX);
            }
        }
    })?;
    if let Some((row, id)) = unknown {
        let reason = format!("{id:?} is not the deal_id of any deal");
        return Err(at_row(deal_column, row, reason));
    }
    let campaign_column = sized(table, "campaign_id", rows)?;
    let campaigns = strings(campaign_column, false)?;
    for (row, id) in campaigns.iter().enumerate() {
        check_id(campaign_column, row, id.as_deref().unwrap_or_default())?;
    }
    let times = instants(sized(table, "at", rows)?, zone, false)?;
    let touches = owners.into_iter().zip(campaigns).zip(times);
    let touches = touches.map(|((i, campaign_id), at)| {
        let touch = Touch {
            campaign_id: campaign_id.unwrap_or_default(),
            at: at.unwrap_or_default(),
        };
        (i, touch)
    });
    Ok(touches.collect())
}

/// Deals attributed at a time by one `attribute_all` call before their lines go into columns
/// (so the core's lines never pile up: their strings stay in the cache and are freed as they go).
const BLOCK: usize = 1_024;

/// The lines of a run of deals, gathered column by column as they come.
struct Lines {
    /// The row of each line's deal.
    deals: Vec<u32>,
    campaigns: StringBuilder,
    touch_at: Vec<Option<i64>>,
    positions: Vec<u32>,
    /// Shares in basis points (4 places).
    shares: Vec<i128>,
    amounts: Vec<Decimal>,
    explanations: StringBuilder,
}

impl Lines {
    /// Room for about `n` lines.
    fn new(n: usize) -> Lines {
        Lines {
            deals: Vec::with_capacity(n),
            campaigns: StringBuilder::with_capacity(n, n * 8),
            touch_at: Vec::with_capacity(n),
            positions: Vec::with_capacity(n),
            shares: Vec::with_capacity(n),
            amounts: Vec::with_capacity(n),
            explanations: StringBuilder::with_capacity(n, n * 48),
        }
    }

    fn push(&mut self, row: u32, a: &DealAttribution) -> Res<()> {
        for line in &a.lines {
            let share = mantissa(line.share, 4).ok_or_else(|| {
                CrmError::invalid(
                    "share",
                    format!("{} is not a share of 4 places", line.share),
                )
            })?;
            self.deals.push(row);
            self.campaigns.append_value(&line.campaign_id);
            self.touch_at
                .push(line.touch_at.map(|t| t.timestamp_millis()));
            self.positions.push(line.position);
            self.shares.push(share);
            self.amounts.push(line.amount);
            self.explanations.append_value(&line.explanation);
        }
        Ok(())
    }

    /// The lines as a batch: the deal ids taken from `ids` (one per deal), amounts at `scale`.
    fn batch(mut self, ids: &ArrayRef, scale: u32) -> Res<RecordBatch> {
        let failed = |field: &str, e: ArrowError| CrmError::invalid(field, e.to_string());
        let rows = UInt32Array::from(self.deals);
        let deal_id = take(ids.as_ref(), &rows, None).map_err(|e| failed("deal_id", e))?;
        let amounts = self.amounts.iter().map(|&d| {
            mantissa(d, scale).ok_or_else(|| {
                CrmError::invalid(
                    "amount",
                    format!("{d} does not fit a Decimal128(38, {scale})"),
                )
            })
        });
        let amounts = Decimal128Array::from_iter_values(amounts.collect::<Res<Vec<i128>>>()?)
            .with_precision_and_scale(38, scale as i8)
            .map_err(|e| failed("amount", e))?;
        let shares = Decimal128Array::from_iter_values(self.shares)
            .with_precision_and_scale(38, 4)
            .map_err(|e| failed("share", e))?;
        let touch_at = TimestampMillisecondArray::from(self.touch_at).with_timezone("UTC");
        let columns: [(&str, ArrayRef, bool); 7] = [
            ("deal_id", deal_id, false),
            ("campaign_id", Arc::new(self.campaigns.finish()), false),
            ("touch_at", Arc::new(touch_at), true),
            (
                "position",
                Arc::new(UInt32Array::from(self.positions)),
                false,
            ),
            ("share", Arc::new(shares), false),
            ("amount", Arc::new(amounts), false),
            ("explanation", Arc::new(self.explanations.finish()), false),
        ];
        let fields: Vec<Field> = columns
            .iter()
            .map(|(name, array, nullable)| Field::new(*name, array.data_type().clone(), *nullable))
            .collect();
        let arrays = columns.into_iter().map(|(_, a, _)| a).collect();
        RecordBatch::try_new(Arc::new(Schema::new(fields)), arrays).map_err(|e| failed("result", e))
    }
}

/// `attribute_all` on blocks of the deals, their lines gathered into columns as they come, on
/// one run of deals per core for large batches: one batch of lines per run, in deal order then
/// line order, the deal ids taken from `ids` and the amounts at the largest scale among them. A
/// refusal names the deal's table, column and row (the first such row).
fn attribute(
    deals: &[AttributedDeal],
    settings: &AttributionSettings,
    ids: &ArrayRef,
) -> Res<Vec<RecordBatch>> {
    let threads = match deals.len() {
        n if n < PARALLEL_FROM => 1,
        _ => std::thread::available_parallelism().map_or(1, |n| n.get().min(8)),
    };
    let per = deals.len().div_ceil(threads).max(1);
    let run = |first: usize, run: &[AttributedDeal]| -> Res<(Lines, u32)> {
        let touches: usize = run.iter().map(|d| d.touches.len()).sum();
        let mut lines = Lines::new(touches + run.len() / 4);
        for (b, block) in run.chunks(BLOCK).enumerate() {
            let start = first + b * BLOCK;
            let results = attribute_all(block, settings).map_err(|e| renumber(e, start))?;
            for (i, a) in results.iter().enumerate() {
                lines.push((start + i) as u32, a)?;
            }
        }
        let scale = lines.amounts.iter().map(|d| d.scale()).max().unwrap_or(2);
        Ok((lines, scale))
    };
    let parts: Vec<Res<(Lines, u32)>> = match threads {
        1 => vec![run(0, deals)],
        _ => std::thread::scope(|s| {
            let handles: Vec<_> = deals
                .chunks(per)
                .enumerate()
                .map(|(k, chunk)| s.spawn(move || run(k * per, chunk)))
                .collect();
            handles
                .into_iter()
                .map(|h| h.join().expect("an attribution thread finished"))
                .collect()
        }),
    };
    let parts = parts.into_iter().collect::<Res<Vec<_>>>()?;
    let scale = parts.iter().map(|(_, s)| *s).max().unwrap_or(2);
    parts
        .into_iter()
        .map(|(lines, _)| lines.batch(ids, scale))
        .collect()
}

/// A refusal of `attribute_all` on the run starting at row `first` (`deals[i].amount`) as the
/// column and row it came from (`deals.amount`, row `first + i`).
fn renumber(e: CrmError, first: usize) -> CrmError {
    let CrmError::InvalidInput { field, reason } = e else {
        return e;
    };
    let parsed = field.strip_prefix("deals[").and_then(|rest| {
        let (i, rest) = rest.split_once("].")?;
        Some((i.parse::<usize>().ok()?, rest))
    });
    let Some((i, rest)) = parsed else {
        return CrmError::InvalidInput { field, reason };
    };
    let column = match rest {
        "id" => "deals.deal_id".to_string(),
        r if r.starts_with("touches[") => "touches.campaign_id".to_string(),
        r => format!("deals.{r}"),
    };
    CrmError::invalid(column, format!("row {}: {reason}", first + i))
}

/// `d` as a mantissa at `scale` places, if it holds them exactly within 38 digits.
fn mantissa(d: Decimal, scale: u32) -> Option<i128> {
    let m = 10i128
        .checked_pow(scale.checked_sub(d.scale())?)?
        .checked_mul(d.mantissa())?;
    (m.unsigned_abs() < 10u128.pow(38)).then_some(m)
}

/// Strings from an iterator of unknown length.
fn texts<'a>(values: impl Iterator<Item = &'a str> + Clone) -> ArrayRef {
    let (n, bytes) = values
        .clone()
        .fold((0, 0), |(n, b), v| (n + 1, b + v.len()));
    let mut builder = StringBuilder::with_capacity(n, bytes);
    values.for_each(|v| builder.append_value(v));
    Arc::new(builder.finish())
}
