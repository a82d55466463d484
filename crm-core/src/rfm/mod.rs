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
mod table;

pub use aggregate::Aggregator;
pub use config::parse_config;
pub use movement::{
    churn_warnings, flows, movements, ChurnRule, ChurnWarning, RfmFlow, RfmMovement,
};
pub use segments::{SegmentMap, UNMAPPED};
pub use table::{CustomerIds, RfmTable};

use crate::error::{CrmError, Result};
use chrono::{Datelike, NaiveDate};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[serde(deny_unknown_fields)]
pub struct RfmOrder {
    pub customer_id: String,
    /// The order's local date in the organisation's time zone.
    pub date: NaiveDate,
    pub amount: Decimal,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum RfmMethod {
    #[default]
    Quantile,
    Thresholds,
}

/// Break points per dimension, checked in the order given; the first that holds gives the points,
/// and a value no break point covers gets 1.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct RfmThresholds {
    /// (at most this many days since the last order, points)
    pub recency: Vec<(i64, u8)>,
    /// (at least this many orders, points)
    pub frequency: Vec<(u64, u8)>,
    /// (at least this amount, points)
    pub monetary: Vec<(Decimal, u8)>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct RfmWeights {
    pub r: Decimal,
    pub f: Decimal,
    pub m: Decimal,
}

impl Default for RfmWeights {
    fn default() -> Self {
        RfmWeights {
            r: Decimal::ONE,
            f: Decimal::ONE,
            m: Decimal::ONE,
        }
    }
}

/// A named level for total scores of at least `min_score` (e.g. VIP tiers).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct RfmLevel {
    pub min_score: Decimal,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct RfmConfig {
    pub method: RfmMethod,
    /// Buckets of the quantile method.
    pub buckets: u8,
    /// Only orders within this many days up to the as-of date count for F and M.
    pub window_days: Option<u32>,
    pub thresholds: RfmThresholds,
    pub weights: RfmWeights,
    pub levels: Vec<RfmLevel>,
    pub segments: SegmentMap,
}

impl Default for RfmConfig {
    fn default() -> Self {
        RfmConfig {
            method: RfmMethod::Quantile,
            buckets: 5,
            window_days: None,
            thresholds: RfmThresholds::default(),
            weights: RfmWeights::default(),
            levels: Vec::new(),
            segments: SegmentMap::default_map(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
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

/// Buckets 1..=k by position after sorting ascending by key, ties by position (which is
/// customer id order when scoring).
fn quantile<K: Ord + Copy>(k: u8, keys: &[K]) -> Vec<u8> {
    let n = keys.len();
    // Keys sit beside their positions, so sorting reads memory in order.
    let mut order: Vec<(K, usize)> = keys.iter().copied().zip(0..).collect();
    order.sort_unstable();
    let mut bucket = vec![0u8; n];
    for (i, &(_, c)) in order.iter().enumerate() {
        bucket[c] = (i * k as usize / n) as u8 + 1;
    }
    bucket
}

/// [`quantile`] for integer keys, cheaper where the keys allow: a counting sort when they span a
/// small range (recency in days, order counts), else key and position packed into one `u64`
/// (sorting plain integers), else pairs.
fn quantile_i64(k: u8, keys: &[i64]) -> Vec<u8> {
    let n = keys.len();
    let (Some(&lo), Some(&hi)) = (keys.iter().min(), keys.iter().max()) else {
        return Vec::new();
    };
    let span = (i128::from(hi) - i128::from(lo)) as u128;
    if span < (n as u128).saturating_mul(4) {
        return quantile_counting(k, keys, lo, span as usize + 1);
    }
    let bits = u64::BITS - (n as u64 - 1).leading_zeros();
    if bits < u64::BITS && span < 1u128 << (u64::BITS - bits) {
        let mut packed: Vec<u64> = keys
            .iter()
            .zip(0u64..)
            .map(|(&key, i)| ((i128::from(key) - i128::from(lo)) as u64) << bits | i)
            .collect();
        packed.sort_unstable();
        let mask = (1u64 << bits) - 1;
        let mut bucket = vec![0u8; n];
        for (i, p) in packed.iter().enumerate() {
            bucket[(p & mask) as usize] = (i * k as usize / n) as u8 + 1;
        }
        return bucket;
    }
    quantile(k, keys)
}

/// [`quantile`] by a counting sort over keys `lo..lo + span`: linear instead of a comparison sort.
fn quantile_counting(k: u8, keys: &[i64], lo: i64, span: usize) -> Vec<u8> {
    let n = keys.len();
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
    keys.iter()
        .map(|&key| {
            let slot = &mut next[(key - lo) as usize];
            let position = *slot;
            *slot += 1;
            (position * k as usize / n) as u8 + 1
        })
        .collect()
}

/// Monetary buckets: totals as integers at one common scale sort like the decimals but compare
/// faster (as `i64` when they fit); the decimals themselves when some total would not fit.
fn monetary_buckets(k: u8, monetary: &[Decimal]) -> Vec<u8> {
    let scale = monetary.iter().map(|d| d.scale()).max().unwrap_or(0);
    let keys: Option<Vec<i128>> = monetary
        .iter()
        .map(|d| {
            10i128
                .checked_pow(scale - d.scale())
                .and_then(|f| d.mantissa().checked_mul(f))
        })
        .collect();
    let Some(keys) = keys else {
        return quantile(k, monetary);
    };
    match keys
        .iter()
        .map(|&v| i64::try_from(v).ok())
        .collect::<Option<Vec<i64>>>()
    {
        Some(small) => quantile_i64(k, &small),
        None => quantile(k, &keys),
    }
}

/// Runs `a` and `b`, side by side on two threads when `parallel` and threads exist.
fn both<A: Send, B: Send>(
    parallel: bool,
    a: impl FnOnce() -> A + Send,
    b: impl FnOnce() -> B + Send,
) -> (A, B) {
    if !parallel || cfg!(target_arch = "wasm32") {
        return (a(), b());
    }
    std::thread::scope(|s| {
        let b = s.spawn(b);
        let a = a();
        (a, b.join().expect("a scoring thread finished"))
    })
}

fn points<T: PartialOrd>(value: T, bands: &[(T, u8)], holds: fn(&T, &T) -> bool) -> u8 {
    bands
        .iter()
        .find(|(bound, _)| holds(&value, bound))
        .map_or(1, |(_, p)| *p)
}

impl RfmConfig {
    pub fn validate(&self) -> Result<()> {
        let w = &self.weights;
        for (name, weight) in [("weights.r", w.r), ("weights.f", w.f), ("weights.m", w.m)] {
            if weight.is_sign_negative() && !weight.is_zero() {
                return Err(CrmError::invalid(name, "must not be negative"));
            }
        }
        if self.method == RfmMethod::Quantile && !(1..=9).contains(&self.buckets) {
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
        if self.method == RfmMethod::Thresholds
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
pub fn score(orders: &[RfmOrder], as_of: NaiveDate, config: &RfmConfig) -> Result<Vec<RfmRow>> {
    config.validate()?;
    let agg = aggregate(orders.len(), as_of, config.window_days, |agg, run| {
        agg.push_orders(&orders[run]);
    });
    score_aggregated(&agg, config)
}

/// Scores orders given as columns of equal length, customers by integer id (customer `n` is
/// the one whose id reads `n`): the batch path for data that is already columnar (Arrow, data
/// frames, typed arrays), without a `String` per order or an object per customer.
pub fn score_columns(
    customer_ids: &[u64],
    dates: &[NaiveDate],
    amounts: &[Decimal],
    as_of: NaiveDate,
    config: &RfmConfig,
) -> Result<RfmTable> {
    config.validate()?;
    if dates.len() != customer_ids.len() || amounts.len() != customer_ids.len() {
        return Err(CrmError::invalid(
            "orders",
            format!(
                "the columns differ in length: {} customer ids, {} dates, {} amounts",
                customer_ids.len(),
                dates.len(),
                amounts.len()
            ),
        ));
    }
    let agg = aggregate(customer_ids.len(), as_of, config.window_days, |agg, run| {
        agg.push_numbers(
            &customer_ids[run.clone()],
            &dates[run.clone()],
            &amounts[run],
        );
    });
    score_table(&agg, config)
}

/// Aggregates `len` orders, `feed` adding a run of them to an aggregator: on every core for large
/// batches where threads exist, each thread taking a contiguous run, merged once at the end.
fn aggregate(
    len: usize,
    as_of: NaiveDate,
    window_days: Option<u32>,
    feed: impl Fn(&mut Aggregator, std::ops::Range<usize>) + Sync,
) -> Aggregator {
    let one = |run: std::ops::Range<usize>| {
        let mut agg = Aggregator::new(as_of, window_days);
        feed(&mut agg, run);
        agg
    };
    let threads = if cfg!(target_arch = "wasm32") || len < 200_000 {
        1
    } else {
        std::thread::available_parallelism().map_or(1, |n| n.get().min(8))
    };
    if threads == 1 {
        return one(0..len);
    }
    let per = len.div_ceil(threads);
    let parts: Vec<Aggregator> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..len)
            .step_by(per)
            .map(|start| {
                let one = &one;
                s.spawn(move || one(start..(start + per).min(len)))
            })
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
    score_table(agg, config).map(RfmTable::into_rows)
}

/// [`score_aggregated`] as columns.
pub fn score_table(agg: &Aggregator, config: &RfmConfig) -> Result<RfmTable> {
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
    if let Some(id) = &agg.negative {
        return Err(CrmError::invalid(
            "orders",
            format!("customer {id} has a negative amount: RFM scores purchases, so net returns out of the orders first"),
        ));
    }
    // Customers go into id order first, so that below, ties by customer id are ties by position.
    let mut entries = agg.entries();
    if let CustomerIds::Text(text) = &entries.ids {
        let order = crate::ids::batch_order(text);
        entries = entries.permuted(&order);
    }
    if let Some(i) = entries.beyond {
        return Err(beyond(&entries.ids.get(i).unwrap_or_default()));
    }
    let aggregate::Entries {
        ids: customer_ids,
        last,
        frequency,
        monetary,
        ..
    } = entries;
    let n = last.len();
    let as_of = i64::from(agg.as_of().num_days_from_ce());
    let recency_days: Vec<i64> = last.iter().map(|&l| as_of - i64::from(l)).collect();
    drop(last);
    let (r, f, m) = match config.method {
        RfmMethod::Quantile => {
            let k = config.buckets;
            let ((r, f), m) = both(
                n >= 100_000,
                || {
                    let recency: Vec<i64> = recency_days.iter().map(|d| -d).collect();
                    let counts: Option<Vec<i64>> =
                        frequency.iter().map(|&v| i64::try_from(v).ok()).collect();
                    let f = match counts {
                        Some(counts) => quantile_i64(k, &counts),
                        None => quantile(k, &frequency),
                    };
                    (quantile_i64(k, &recency), f)
                },
                || monetary_buckets(k, &monetary),
            );
            (r, f, m)
        }
        RfmMethod::Thresholds => {
            let t = &config.thresholds;
            (
                recency_days
                    .iter()
                    .map(|&d| points(d, &t.recency, |v, b| v <= b))
                    .collect(),
                frequency
                    .iter()
                    .map(|&v| points(v, &t.frequency, |v, b| v >= b))
                    .collect(),
                monetary
                    .iter()
                    .map(|&v| points(v, &t.monetary, |v, b| v >= b))
                    .collect(),
            )
        }
    };
    // Score, level and segment depend on (r, f, m) alone: at most 9^3 combinations, each worked
    // out once.
    let mut levels: Vec<(u16, &RfmLevel)> = Vec::with_capacity(config.levels.len());
    for (i, l) in config.levels.iter().enumerate() {
        let i =
            u16::try_from(i).map_err(|_| CrmError::invalid("levels", "at most 65,536 levels"))?;
        levels.push((i, l));
    }
    levels.sort_by_key(|(_, l)| std::cmp::Reverse(l.min_score));
    let w = &config.weights;
    let mut segment_names: Vec<String> = Vec::new();
    let mut by_code: Vec<Option<(Decimal, Option<u16>, u16)>> = vec![None; 1000];
    let mut outcome = |r: u8, f: u8, m: u8| -> Result<(Decimal, Option<u16>, u16)> {
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
            .find(|(_, l)| score >= l.min_score)
            .map(|(i, _)| *i);
        let name = config.segments.segment(r, f, m);
        let segment = match segment_names.iter().position(|s| s == name) {
            Some(i) => i,
            None => {
                segment_names.push(name.to_string());
                segment_names.len() - 1
            }
        };
        // At most 1000 codes, so at most 1000 names.
        let known = (score, level, segment as u16);
        *slot = Some(known);
        Ok(known)
    };
    let (mut score, mut level, mut segment) = (
        Vec::with_capacity(n),
        Vec::with_capacity(n),
        Vec::with_capacity(n),
    );
    for i in 0..n {
        let (s, l, g) = outcome(r[i], f[i], m[i])?;
        score.push(s);
        level.push(l);
        segment.push(g);
    }
    Ok(RfmTable {
        customer_ids,
        recency_days,
        frequency,
        monetary,
        r,
        f,
        m,
        score,
        level,
        segment,
        level_names: config.levels.iter().map(|l| l.name.clone()).collect(),
        segment_names,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        /// The counting and packed paths bucket exactly as the plain sort of (key, position).
        #[test]
        fn integer_quantiles_match_the_plain_sort(
            keys in proptest::collection::vec(
                proptest::prop_oneof![-5i64..5, -100_000i64..100_000, proptest::num::i64::ANY],
                1..300,
            ),
            k in 1u8..=9,
        ) {
            proptest::prop_assert_eq!(quantile_i64(k, &keys), quantile(k, &keys));
        }
    }

    #[test]
    fn each_integer_path_is_taken_and_agrees() {
        let dense: Vec<i64> = (0..1000).map(|i| (i * 7) % 13).collect();
        let packed: Vec<i64> = (0..1000).map(|i| (i * 7_919) % 1_000_003 * 1_000).collect();
        let wide: Vec<i64> = (0..1000)
            .map(|i| {
                if i % 2 == 0 {
                    i64::MIN + i
                } else {
                    i64::MAX - i
                }
            })
            .collect();
        for keys in [dense, packed, wide] {
            assert_eq!(quantile_i64(5, &keys), quantile(5, &keys));
        }
    }
}
