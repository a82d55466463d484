//! RFM scoring and customer segments (section 5 of DOMAIN.md).
//!
//! Degenerate data is defined, not an error: with fewer customers than buckets, or with equal
//! values, the position rule `floor(i * k / n) + 1` still applies after the tie-break by customer
//! id, so equal values spread over buckets by id (where pandas' `qcut` raises on duplicate edges
//! and R's `rfm` silently yields fewer bins). One customer lands in bucket 1.

mod aggregate;
mod config;
mod movement;
mod segments;

pub use aggregate::Aggregator;
pub use config::parse_config;
pub use movement::{churn_warnings, flows, movements, ChurnRule, ChurnWarning, Flow, Movement};
pub use segments::{SegmentMap, UNMAPPED};

use crate::error::{CrmError, Result};
use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use std::cmp::Ordering;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Order {
    pub customer_id: String,
    /// The order's local date in the organisation's time zone.
    pub date: NaiveDate,
    pub amount: Decimal,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Method {
    #[default]
    Quantile,
    Thresholds,
}

/// Break points per dimension, checked in the order given; the first that holds gives the points,
/// and a value no break point covers gets 1.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Thresholds {
    /// (at most this many days since the last order, points)
    pub recency: Vec<(i64, u8)>,
    /// (at least this many orders, points)
    pub frequency: Vec<(u64, u8)>,
    /// (at least this amount, points)
    pub monetary: Vec<(Decimal, u8)>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Weights {
    pub r: Decimal,
    pub f: Decimal,
    pub m: Decimal,
}

impl Default for Weights {
    fn default() -> Self {
        Weights {
            r: Decimal::ONE,
            f: Decimal::ONE,
            m: Decimal::ONE,
        }
    }
}

/// A named level for total scores of at least `min_score` (e.g. VIP tiers).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Level {
    pub min_score: Decimal,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RfmConfig {
    pub method: Method,
    /// Buckets of the quantile method.
    pub buckets: u8,
    /// Only orders within this many days up to the as-of date count for F and M.
    pub window_days: Option<u32>,
    pub thresholds: Thresholds,
    pub weights: Weights,
    pub levels: Vec<Level>,
    pub segments: SegmentMap,
}

impl Default for RfmConfig {
    fn default() -> Self {
        RfmConfig {
            method: Method::Quantile,
            buckets: 5,
            window_days: None,
            thresholds: Thresholds::default(),
            weights: Weights::default(),
            levels: Vec::new(),
            segments: SegmentMap::default_map(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RfmRow {
    pub customer_id: String,
    pub recency_days: i64,
    pub frequency: u64,
    pub monetary: Decimal,
    pub r: u8,
    pub f: u8,
    pub m: u8,
    pub score: Decimal,
    pub level: Option<String>,
    pub segment: String,
}

/// The customer id order of DOMAIN.md: as integers when every id is one, else byte by byte.
fn id_order<'a>(ids: &'a [&'a str]) -> impl Fn(usize, usize) -> Ordering + 'a {
    let numeric: Option<Vec<i128>> = ids.iter().map(|id| id.parse::<i128>().ok()).collect();
    move |a, b| match &numeric {
        Some(n) => n[a].cmp(&n[b]).then_with(|| ids[a].cmp(ids[b])),
        None => ids[a].as_bytes().cmp(ids[b].as_bytes()),
    }
}

/// Buckets 1..=k by position after sorting ascending by `key`, ties by customer id (`by_id`; none
/// when positions are already in id order, so the pairs sort without a comparison callback).
fn quantile<K: Ord>(
    n: usize,
    k: u8,
    key: impl Fn(usize) -> K,
    by_id: Option<&dyn Fn(usize, usize) -> Ordering>,
) -> Vec<u8> {
    // Keys sit beside their positions, so sorting reads memory in order.
    let mut order: Vec<(K, usize)> = (0..n).map(|i| (key(i), i)).collect();
    match by_id {
        Some(by_id) => order.sort_unstable_by(|a, b| a.0.cmp(&b.0).then_with(|| by_id(a.1, b.1))),
        None => order.sort_unstable(),
    }
    let mut bucket = vec![0u8; n];
    for (i, &(_, c)) in order.iter().enumerate() {
        bucket[c] = (i * k as usize / n) as u8 + 1;
    }
    bucket
}

/// [`quantile`] for small integer keys with positions already in id order: a counting sort, so
/// linear instead of a comparison sort (recency in days and order counts span a small range).
fn quantile_counting(n: usize, k: u8, keys: &[i64]) -> Option<Vec<u8>> {
    let (lo, hi) = (keys.iter().min()?, keys.iter().max()?);
    let span = usize::try_from(hi.checked_sub(*lo)?).ok()?.checked_add(1)?;
    if span > n.saturating_mul(4) {
        return None;
    }
    let mut next = vec![0usize; span];
    for &key in keys {
        next[(key - lo) as usize] += 1;
    }
    let mut start = 0;
    for slot in next.iter_mut() {
        let count = *slot;
        *slot = start;
        start += count;
    }
    Some(
        keys.iter()
            .map(|&key| {
                let slot = &mut next[(key - lo) as usize];
                let position = *slot;
                *slot += 1;
                (position * k as usize / n) as u8 + 1
            })
            .collect(),
    )
}

/// Monetary totals as integers at one common scale, which sort like the decimals but compare
/// faster; None if some total would not fit.
fn monetary_keys(monetary: &[Decimal]) -> Option<Vec<i128>> {
    let scale = monetary.iter().map(|d| d.scale()).max().unwrap_or(0);
    monetary
        .iter()
        .map(|d| {
            10i128
                .checked_pow(scale - d.scale())
                .and_then(|f| d.mantissa().checked_mul(f))
        })
        .collect()
}

fn points<T: PartialOrd>(value: T, bands: &[(T, u8)], holds: fn(&T, &T) -> bool) -> u8 {
    bands
        .iter()
        .find(|(bound, _)| holds(&value, bound))
        .map_or(1, |(_, p)| *p)
}

impl RfmConfig {
    pub fn validate(&self) -> Result<()> {
        if self.method == Method::Quantile && !(1..=9).contains(&self.buckets) {
            return Err(CrmError::invalid("buckets", "must lie between 1 and 9"));
        }
        let t = &self.thresholds;
        let all_points = t
            .recency
            .iter()
            .map(|b| b.1)
            .chain(t.frequency.iter().map(|b| b.1))
            .chain(t.monetary.iter().map(|b| b.1));
        if all_points.into_iter().any(|p| !(1..=9).contains(&p)) {
            return Err(CrmError::invalid(
                "thresholds",
                "points must lie between 1 and 9",
            ));
        }
        if self.method == Method::Thresholds
            && (t.recency.is_empty() || t.frequency.is_empty() || t.monetary.is_empty())
        {
            return Err(CrmError::invalid(
                "thresholds",
                "each dimension needs at least one break point",
            ));
        }
        Ok(())
    }
}

/// Scores every customer with an order on or before `as_of`; rows come in customer id order.
pub fn score(orders: &[Order], as_of: NaiveDate, config: &RfmConfig) -> Result<Vec<RfmRow>> {
    config.validate()?;
    score_aggregated(&aggregate(orders, as_of, config.window_days), config)
}

/// Aggregates a slice of orders, on every core for large slices where threads exist.
fn aggregate(orders: &[Order], as_of: NaiveDate, window_days: Option<u32>) -> Aggregator {
    let one = |part: &[Order]| {
        let mut agg = Aggregator::new(as_of, window_days);
        for o in part {
            agg.push(&o.customer_id, o.date, o.amount);
        }
        agg
    };
    let threads = if cfg!(target_arch = "wasm32") || orders.len() < 200_000 {
        1
    } else {
        std::thread::available_parallelism().map_or(1, |n| n.get().min(8))
    };
    if threads == 1 {
        return one(orders);
    }
    // Each thread takes a run of orders; merging integer ids' dense tables is one pass.
    let per = orders.len().div_ceil(threads);
    let parts: Vec<Aggregator> = std::thread::scope(|s| {
        let handles: Vec<_> = orders
            .chunks(per)
            .map(|part| s.spawn(move || one(part)))
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("an aggregation thread finished"))
            .collect()
    });
    let mut parts = parts.into_iter();
    let mut all = parts
        .next()
        .unwrap_or_else(|| Aggregator::new(as_of, window_days));
    for part in parts {
        all.merge(part);
    }
    all
}

/// Scores what an [`Aggregator`] collected (its as-of date and window apply); rows come in
/// customer id order.
pub fn score_aggregated(agg: &Aggregator, config: &RfmConfig) -> Result<Vec<RfmRow>> {
    config.validate()?;
    let beyond = |id: &str| {
        CrmError::invalid(
            "orders",
            format!("the amounts of customer {id} add up beyond the decimal range"),
        )
    };
    if let Some(id) = &agg.overflowed {
        return Err(beyond(id));
    }
    let as_of = agg.as_of();
    let (mut owned_ids, aggs, in_id_order) = agg.entries();
    let monetary: Vec<Decimal> = aggs
        .iter()
        .zip(&owned_ids)
        .map(|(a, id)| a.monetary.decimal().ok_or_else(|| beyond(id)))
        .collect::<Result<_>>()?;
    let n = owned_ids.len();
    let recency: Vec<i64> = aggs.iter().map(|a| (as_of - a.last).num_days()).collect();
    let ids: Vec<&str> = owned_ids.iter().map(String::as_str).collect();
    let mixed = (!in_id_order).then(|| id_order(&ids));
    let by_id = mixed
        .as_ref()
        .map(|f| f as &dyn Fn(usize, usize) -> Ordering);
    let (r, f, m) = match config.method {
        Method::Quantile => {
            let k = config.buckets;
            let m = match monetary_keys(&monetary) {
                Some(keys) => quantile(n, k, |i| keys[i], by_id),
                None => quantile(n, k, |i| monetary[i], by_id),
            };
            let small = |keys: Vec<i64>| {
                by_id
                    .is_none()
                    .then(|| quantile_counting(n, k, &keys))
                    .flatten()
            };
            let frequencies: Vec<i64> = aggs
                .iter()
                .map(|a| i64::try_from(a.frequency).unwrap_or(i64::MAX))
                .collect();
            (
                small(recency.iter().map(|d| -d).collect())
                    .unwrap_or_else(|| quantile(n, k, |i| std::cmp::Reverse(recency[i]), by_id)),
                small(frequencies).unwrap_or_else(|| quantile(n, k, |i| aggs[i].frequency, by_id)),
                m,
            )
        }
        Method::Thresholds => {
            let t = &config.thresholds;
            (
                recency
                    .iter()
                    .map(|&d| points(d, &t.recency, |v, b| v <= b))
                    .collect(),
                aggs.iter()
                    .map(|a| points(a.frequency, &t.frequency, |v, b| v >= b))
                    .collect(),
                monetary
                    .iter()
                    .map(|&v| points(v, &t.monetary, |v, b| v >= b))
                    .collect(),
            )
        }
    };
    let mut order: Vec<usize> = (0..n).collect();
    if let Some(by_id) = by_id {
        order.sort_unstable_by(|&a, &b| by_id(a, b));
    }
    drop(mixed);
    drop(ids);
    // Score, level and segment depend on (r, f, m) alone: at most 9^3 combinations, each worked
    // out once.
    let mut levels = config.levels.clone();
    levels.sort_by_key(|l| std::cmp::Reverse(l.min_score));
    let w = &config.weights;
    let mut by_code: Vec<Option<(Decimal, Option<&str>, &str)>> = vec![None; 1000];
    let mut outcome = |r: u8, f: u8, m: u8| -> Result<(Decimal, Option<&str>, &str)> {
        let slot = &mut by_code[usize::from(r) * 100 + usize::from(f) * 10 + usize::from(m)];
        if let Some(known) = slot {
            return Ok(*known);
        }
        let part = |w: Decimal, p: u8| w.checked_mul(Decimal::from(p));
        let score = part(w.r, r)
            .zip(part(w.f, f))
            .zip(part(w.m, m))
            .and_then(|((a, b), c)| a.checked_add(b)?.checked_add(c))
            .ok_or_else(|| {
                CrmError::invalid("weights", "the weighted score leaves the decimal range")
            })?;
        let level = levels
            .iter()
            .find(|l| score >= l.min_score)
            .map(|l| l.name.as_str());
        let known = (score, level, config.segments.segment(r, f, m));
        *slot = Some(known);
        Ok(known)
    };
    order
        .into_iter()
        .map(|i| {
            let (score, level, segment) = outcome(r[i], f[i], m[i])?;
            Ok(RfmRow {
                customer_id: std::mem::take(&mut owned_ids[i]),
                recency_days: recency[i],
                frequency: aggs[i].frequency,
                monetary: monetary[i],
                r: r[i],
                f: f[i],
                m: m[i],
                score,
                level: level.map(str::to_string),
                segment: segment.to_string(),
            })
        })
        .collect()
}
