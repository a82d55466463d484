//! RFM scores of an Arrow orders table (`customer_id`, `date`, `amount`). The rows are read in
//! runs of 64K into the core's types and fed to `rfm::Aggregator` (the accumulator behind
//! `rfm::score_columns`, which the CLI also feeds chunk by chunk) on every core, then the core
//! scores the merged figures into its columnar `RfmTable`. Runs keep the conversion in the cache
//! and in parallel, and no copy of the whole table is made (10M orders would need 280 MB).

use crate::columns::{Res, Table};
use crate::tables::IdKind;
use arrow_array::Array;
use chrono::NaiveDate;
use crm_core::rfm::{self, Aggregator, RfmConfig, RfmRow, RfmTable};
use crm_core::CrmError;
use std::ops::Range;

const RUN: usize = 1 << 16;

/// The scores, and how the ids came in (to go back out the same way).
pub fn score(
    table: &Table,
    as_of: NaiveDate,
    config: &RfmConfig,
    zone: Option<&str>,
) -> Res<(RfmTable, IdKind)> {
    config.validate()?;
    let rows = table.rows();
    for name in ["customer_id", "date", "amount"] {
        let len = table.column(name)?.len();
        if len != rows {
            return Err(CrmError::invalid(
                name,
                format!("{len} values for {rows} orders"),
            ));
        }
    }
    let threads = match rows {
        0..200_000 => 1,
        _ => std::thread::available_parallelism().map_or(1, |n| n.get().min(8)),
    };
    let per = rows.div_ceil(threads).max(1);
    let parts: Vec<Res<Aggregator>> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..rows.max(1))
            .step_by(per)
            .map(|start| {
                s.spawn(move || feed(table, start..(start + per).min(rows), as_of, config, zone))
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("an RFM thread finished"))
            .collect()
    });
    let mut all = Aggregator::new(as_of, config.window_days);
    for part in parts {
        all.merge(part?);
    }
    let ids = table.column("customer_id")?;
    let kind = match ids.is_integer() {
        true => IdKind::Integer(ids.data_type()),
        false => IdKind::Text,
    };
    Ok((rfm::score_table(&all, config)?, kind))
}

/// Aggregates `rows` run by run: integer ids (none negative) as numbers, others as text.
fn feed(
    table: &Table,
    rows: Range<usize>,
    as_of: NaiveDate,
    config: &RfmConfig,
    zone: Option<&str>,
) -> Res<Aggregator> {
    let mut agg = Aggregator::new(as_of, config.window_days);
    let (ids, dates, amounts) = (
        table.column("customer_id")?,
        table.column("date")?,
        table.column("amount")?,
    );
    for start in rows.clone().step_by(RUN) {
        let run = start..(start + RUN).min(rows.end);
        let days = dates.slice(run.clone()).dates(zone)?;
        let money = amounts.slice(run.clone()).decimals()?;
        let ids = ids.slice(run);
        match if ids.is_integer() { ids.ids()? } else { None } {
            Some(numbers) => agg.push_numbers(&numbers, &days, &money),
            None => {
                let mut i = 0;
                ids.texts(false, |id| {
                    agg.push(id.unwrap_or_default(), days[i], money[i]);
                    i += 1;
                })?;
            }
        }
    }
    Ok(agg)
}

/// Scores read back from a table with the columns of `RfmRow` (what `rfm_score` returns; `level`
/// may be left out), for segment movement and churn warnings without a JSON detour.
pub fn rows(table: &Table) -> Res<Vec<RfmRow>> {
    let n = table.rows();
    let texts = |name: &str, nulls: bool| -> Res<Vec<Option<String>>> {
        let mut out = Vec::with_capacity(n);
        table
            .column(name)?
            .texts(nulls, |s| out.push(s.map(str::to_string)))?;
        Ok(out)
    };
    let ints = |name: &str| -> Res<Vec<i64>> {
        let values = table.column(name)?.ints()?;
        match values.null_count() {
            0 => Ok(values.values().to_vec()),
            _ => Err(CrmError::invalid(name, "missing values")),
        }
    };
    let points = |name: &str| -> Res<Vec<u8>> {
        let to = |v: i64| {
            u8::try_from(v).map_err(|_| CrmError::invalid(name, format!("{v} is not a score")))
        };
        ints(name)?.into_iter().map(to).collect()
    };
    let levels = match table.column("level") {
        Ok(_) => texts("level", true)?,
        Err(_) => vec![None; n],
    };
    let (ids, segments) = (texts("customer_id", false)?, texts("segment", false)?);
    let (recency, frequency) = (ints("recency_days")?, ints("frequency")?);
    let (r, f, m) = (points("r")?, points("f")?, points("m")?);
    let monetary = table.column("monetary")?.decimals()?;
    let score = table.column("score")?.decimals()?;
    let columns = ids.into_iter().zip(segments).zip(levels).enumerate();
    let rows = columns.map(|(i, ((id, segment), level))| RfmRow {
        customer_id: id.unwrap_or_default(),
        recency_days: recency[i],
        frequency: frequency[i].max(0) as u64,
        monetary: monetary[i],
        r: r[i],
        f: f[i],
        m: m[i],
        score: score[i],
        level,
        segment: segment.unwrap_or_default(),
    });
    Ok(rows.collect())
}
