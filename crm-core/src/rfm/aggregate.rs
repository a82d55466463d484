//! Per-customer figures accumulated order by order: what every batch path (slices, columns,
//! streamed CSV chunks on several threads) feeds before scoring, so no surface needs the orders
//! in memory at once and all of them score identically.

use super::CustomerIds;
use chrono::{Datelike, NaiveDate};
use rust_decimal::Decimal;
use rustc_hash::FxHashMap;
use std::cmp::Ordering;

#[derive(Debug, Clone, Copy)]
pub(super) struct Figures {
    pub(super) last: NaiveDate,
    pub(super) frequency: u64,
    pub(super) monetary: Sum,
}

impl Figures {
    fn new(last: NaiveDate) -> Self {
        Figures {
            last,
            frequency: 0,
            monetary: Sum::ZERO,
        }
    }

    /// Adds orders to this customer's figures; false if the total overflowed.
    fn add(&mut self, last: NaiveDate, frequency: u64, mantissa: i128, scale: u32) -> bool {
        self.last = self.last.max(last);
        self.frequency = self.frequency.saturating_add(frequency);
        self.monetary.add(mantissa, scale)
    }

    /// Adds another part's figures for the same customer; false if the total overflowed.
    fn absorb(&mut self, other: &Figures) -> bool {
        self.add(
            other.last,
            other.frequency,
            other.monetary.mantissa,
            other.monetary.scale,
        )
    }
}

/// An exact running total held as a Decimal holds it (an integer mantissa and a decimal scale),
/// but wider: adding an amount of the same scale is one integer addition, and the total becomes a
/// `Decimal` once, when scored.
#[derive(Debug, Clone, Copy)]
pub(super) struct Sum {
    mantissa: i128,
    scale: u32,
}

impl Sum {
    const ZERO: Sum = Sum {
        mantissa: 0,
        scale: 0,
    };

    /// Adds `mantissa` x 10^-`scale`; false (leaving the total as it was) if it cannot be held.
    fn add(&mut self, mantissa: i128, scale: u32) -> bool {
        let aligned = if scale == self.scale {
            Some((self.mantissa, mantissa, scale))
        } else if scale > self.scale {
            10i128
                .checked_pow(scale - self.scale)
                .and_then(|f| self.mantissa.checked_mul(f))
                .map(|m| (m, mantissa, scale))
        } else {
            10i128
                .checked_pow(self.scale - scale)
                .and_then(|f| mantissa.checked_mul(f))
                .map(|m| (self.mantissa, m, self.scale))
        };
        match aligned.and_then(|(a, b, s)| Some((a.checked_add(b)?, s))) {
            Some((m, s)) => {
                *self = Sum {
                    mantissa: m,
                    scale: s,
                };
                true
            }
            None => false,
        }
    }

    /// The total as a Decimal: exact when it fits; a total too long for Decimal's 96 bits gives up
    /// decimal places (rounded half to even); None beyond Decimal's range.
    pub(super) fn decimal(self) -> Option<Decimal> {
        let (mut m, mut s) = (self.mantissa, self.scale);
        loop {
            if let Ok(d) = Decimal::try_from_i128_with_scale(m, s) {
                return Some(d);
            }
            if s == 0 {
                return None;
            }
            let (q, r) = (m / 10, m % 10);
            let half_up = r.abs() > 5 || (r.abs() == 5 && q % 2 != 0);
            m = if half_up { q + r.signum() } else { q };
            s -= 1;
        }
    }
}

/// Accumulates orders on or before `as_of`; F and M count only orders inside the window.
#[derive(Debug, Clone)]
pub struct Aggregator {
    as_of: NaiveDate,
    window_start: Option<NaiveDate>,
    /// Customers whose id is a plain integer below the table's length, at that index: no hashing,
    /// one memory access per order, and the ids come out in order. It grows only while it stays
    /// at least about a quarter full, so sparse ids (phone numbers) go to `numeric` instead.
    dense: Vec<Slot>,
    /// Customers with a figure in `dense`.
    in_dense: usize,
    /// Other integer ids, and dense customers whose figures outgrew a [`Slot`] (marked spilled).
    numeric: FxHashMap<u64, Figures>,
    text: FxHashMap<Box<str>, Figures>,
    /// The first customer whose monetary total left the representable range: scoring refuses
    /// then, since pushing stays infallible.
    pub(super) overflowed: Option<Box<str>>,
    /// The first customer with a negative amount: RFM scores purchases, so scoring refuses
    /// returns mixed in (net them out first) rather than let them lower a monetary value.
    pub(super) negative: Option<Box<str>>,
}

/// A dense customer's figures in 16 bytes: the last order as days from the common era (0: no
/// customer, [`SPILLED`]: kept in the map), the amount total's mantissa, and the order count
/// with the total's decimal scale in its low five bits.
#[derive(Debug, Clone, Copy, Default)]
struct Slot {
    mantissa: i64,
    last: i32,
    packed: u32,
}

const SPILLED: i32 = i32::MIN;
/// How many orders ahead the table slot is fetched.
const AHEAD: usize = 16;
const SCALE_BITS: u32 = 5;
/// Tables smaller than this are always allowed, whatever the number of customers (small in
/// tests, so that customers move from the map into a growing table there).
const DENSE_SLACK: usize = if cfg!(test) { 64 } else { 1 << 16 };
/// No table beyond 2^28 slots (4 GiB).
const DENSE_MAX: u64 = 1 << 28;

impl Slot {
    fn frequency(self) -> u32 {
        self.packed >> SCALE_BITS
    }

    fn scale(self) -> u32 {
        self.packed & ((1 << SCALE_BITS) - 1)
    }

    fn sum(self) -> Sum {
        Sum {
            mantissa: i128::from(self.mantissa),
            scale: self.scale(),
        }
    }

    fn figures(self) -> Figures {
        Figures {
            last: NaiveDate::from_num_days_from_ce_opt(self.last).unwrap_or(NaiveDate::MIN),
            frequency: u64::from(self.frequency()),
            monetary: self.sum(),
        }
    }

    /// This slot with one more contribution, if the result still fits in 16 bytes.
    #[inline]
    fn plus(self, last: i32, frequency: u64, mantissa: i128, scale: u32) -> Option<Slot> {
        let incoming = i64::try_from(mantissa).ok()?;
        let (mine, theirs, scale) = match (self.last == 0, scale.cmp(&self.scale())) {
            (true, _) | (false, Ordering::Equal) => (self.mantissa, incoming, scale),
            (false, Ordering::Greater) => (
                self.mantissa
                    .checked_mul(10i64.checked_pow(scale - self.scale())?)?,
                incoming,
                scale,
            ),
            (false, Ordering::Less) => (
                self.mantissa,
                incoming.checked_mul(10i64.checked_pow(self.scale() - scale)?)?,
                self.scale(),
            ),
        };
        let frequency = u32::try_from(frequency)
            .ok()?
            .checked_add(self.frequency())
            .filter(|f| *f < 1 << (32 - SCALE_BITS))?;
        (last > 0 && scale < 1 << SCALE_BITS).then_some(())?;
        Some(Slot {
            mantissa: mine.checked_add(theirs)?,
            last: self.last.max(last),
            packed: frequency << SCALE_BITS | scale,
        })
    }
}

impl Aggregator {
    pub fn new(as_of: NaiveDate, window_days: Option<u32>) -> Self {
        Aggregator {
            as_of,
            // A window reaching past the calendar's start covers every date.
            window_start: window_days
                .and_then(|d| as_of.checked_sub_days(chrono::Days::new(u64::from(d)))),
            dense: Vec::new(),
            in_dense: 0,
            numeric: FxHashMap::default(),
            text: FxHashMap::default(),
            overflowed: None,
            negative: None,
        }
    }

    pub fn as_of(&self) -> NaiveDate {
        self.as_of
    }

    /// Customers seen so far.
    pub fn len(&self) -> usize {
        self.in_dense + self.numeric.len() + self.text.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn push(&mut self, customer_id: &str, date: NaiveDate, amount: Decimal) {
        if amount.is_sign_negative() && !amount.is_zero() && self.negative.is_none() {
            self.negative = Some(customer_id.into());
        }
        match canonical_number(customer_id) {
            Some(n) => self.push_number(n, date, amount),
            None => {
                if date > self.as_of {
                    return;
                }
                let (frequency, mantissa, scale) = self.counted(date, amount);
                let f = match self.text.get_mut(customer_id) {
                    Some(f) => f,
                    None => self
                        .text
                        .entry(customer_id.into())
                        .or_insert_with(|| Figures::new(date)),
                };
                if !f.add(date, frequency, mantissa, scale) && self.overflowed.is_none() {
                    self.overflowed = Some(customer_id.into());
                }
            }
        }
    }

    /// Adds the orders of customers with integer ids (customer `n` is the one whose id reads
    /// `n`), given as columns of equal length.
    pub fn push_numbers(&mut self, ids: &[u64], dates: &[NaiveDate], amounts: &[Decimal]) {
        for (i, ((&n, &date), &amount)) in ids.iter().zip(dates).zip(amounts).enumerate() {
            if let Some(&ahead) = ids.get(i + AHEAD) {
                self.prefetch(ahead);
            }
            self.push_number(n, date, amount);
        }
    }

    /// Adds the orders of a slice, fetching table slots ahead like [`Aggregator::push_numbers`].
    pub fn push_orders(&mut self, orders: &[super::RfmOrder]) {
        for (i, o) in orders.iter().enumerate() {
            if let Some(ahead) = orders.get(i + AHEAD) {
                if let Some(n) = canonical_number(&ahead.customer_id) {
                    self.prefetch(n);
                }
            }
            self.push(&o.customer_id, o.date, o.amount);
        }
    }

    /// Asks for customer `n`'s table slot ahead of its use: with a table larger than the caches,
    /// the random accesses then overlap instead of waiting one by one.
    #[inline(always)]
    fn prefetch(&self, n: u64) {
        #[cfg(target_arch = "x86_64")]
        if let Some(slot) = self.dense.get(n as usize) {
            use std::arch::x86_64::{_mm_prefetch, _MM_HINT_T0};
            // SAFETY: a prefetch is only a hint; it reads nothing and never faults. (The call is
            // safe from Rust 1.87 on, hence the allowance.)
            #[allow(unused_unsafe)]
            unsafe {
                _mm_prefetch::<_MM_HINT_T0>((slot as *const Slot).cast::<i8>())
            };
        }
        #[cfg(not(target_arch = "x86_64"))]
        let _ = (self, n);
    }

    #[inline]
    fn push_number(&mut self, n: u64, date: NaiveDate, amount: Decimal) {
        if amount.is_sign_negative() && !amount.is_zero() && self.negative.is_none() {
            self.negative = Some(n.to_string().into_boxed_str());
        }
        if date > self.as_of {
            return;
        }
        let (frequency, mantissa, scale) = self.counted(date, amount);
        self.add_numeric(n, date.num_days_from_ce(), frequency, mantissa, scale);
    }

    /// What an order on or before the as-of date adds to F and M: itself inside the window,
    /// nothing before it.
    #[inline]
    fn counted(&self, date: NaiveDate, amount: Decimal) -> (u64, i128, u32) {
        if self.window_start.is_none_or(|s| date > s) {
            (1, amount.mantissa(), amount.scale())
        } else {
            (0, 0, 0)
        }
    }

    /// Adds to the figures of the customer with integer id `n` (`last` in days from the common
    /// era), in the dense table when the id and the result fit there.
    #[inline]
    fn add_numeric(&mut self, n: u64, last: i32, frequency: u64, mantissa: i128, scale: u32) {
        if n >= self.dense.len() as u64 {
            self.grow_for(n);
        }
        if let Some(slot) = self.dense.get_mut(n as usize) {
            if slot.last != SPILLED {
                if let Some(next) = slot.plus(last, frequency, mantissa, scale) {
                    self.in_dense += usize::from(slot.last == 0);
                    *slot = next;
                    return;
                }
                // Outgrew the slot: the customer moves to the map for good.
                if slot.last != 0 {
                    self.in_dense -= 1;
                    self.numeric.insert(n, slot.figures());
                }
                slot.last = SPILLED;
            }
        }
        let date = NaiveDate::from_num_days_from_ce_opt(last).unwrap_or(NaiveDate::MIN);
        let f = self.numeric.entry(n).or_insert_with(|| Figures::new(date));
        if !f.add(date, frequency, mantissa, scale) && self.overflowed.is_none() {
            self.overflowed = Some(n.to_string().into_boxed_str());
        }
    }

    /// Grows the dense table to cover `n` if it would stay at least about a quarter full, moving
    /// the map's customers it now covers into it.
    #[cold]
    fn grow_for(&mut self, n: u64) {
        let Some(size) = n.checked_add(1).and_then(u64::checked_next_power_of_two) else {
            return;
        };
        if size > DENSE_MAX || size as usize > 4 * self.len() + DENSE_SLACK {
            return;
        }
        self.dense.resize(size as usize, Slot::default());
        let moving: Vec<u64> = self.numeric.keys().copied().filter(|&k| k < size).collect();
        for k in moving {
            let f = self.numeric.remove(&k).expect("a key just listed");
            self.add_numeric(
                k,
                f.last.num_days_from_ce(),
                f.frequency,
                f.monetary.mantissa,
                f.monetary.scale,
            );
        }
    }

    /// Adds another aggregator's figures (same as-of date and window), e.g. from another thread.
    pub fn merge(&mut self, other: Aggregator) {
        let mut overflowed = None;
        for (n, slot) in other.dense.iter().enumerate() {
            if slot.last > 0 {
                self.add_numeric(
                    n as u64,
                    slot.last,
                    u64::from(slot.frequency()),
                    i128::from(slot.mantissa),
                    slot.scale(),
                );
            }
        }
        for (n, theirs) in other.numeric {
            self.add_numeric(
                n,
                theirs.last.num_days_from_ce(),
                theirs.frequency,
                theirs.monetary.mantissa,
                theirs.monetary.scale,
            );
        }
        for (id, theirs) in other.text {
            match self.text.get_mut(&id) {
                Some(mine) => {
                    if !mine.absorb(&theirs) {
                        overflowed.get_or_insert(id);
                    }
                }
                None => {
                    self.text.insert(id, theirs);
                }
            }
        }
        if self.overflowed.is_none() {
            self.overflowed = other.overflowed.or(overflowed);
        }
        if self.negative.is_none() {
            self.negative = other.negative;
        }
    }

    /// Every customer's id and figures as columns: in numeric id order when every id is a
    /// plain number, else all ids as text, in no particular order.
    pub(super) fn entries(&self) -> Entries {
        let mut out = Entries::with_capacity(self.len());
        let mut ids = Vec::with_capacity(self.len());
        let dense = self.dense.iter().enumerate().filter(|(_, s)| s.last > 0);
        if self.numeric.is_empty() {
            for (n, s) in dense {
                ids.push(n as u64);
                out.push(s.last, u64::from(s.frequency()), s.sum());
            }
        } else {
            // Two runs in id order (the table, then the map's ids); a stable sort merges them.
            let mut all: Vec<(u64, Figures)> =
                dense.map(|(n, s)| (n as u64, s.figures())).collect();
            let mut mapped: Vec<(u64, Figures)> =
                self.numeric.iter().map(|(n, f)| (*n, *f)).collect();
            mapped.sort_unstable_by_key(|e| e.0);
            all.append(&mut mapped);
            all.sort_by_key(|e| e.0);
            for (n, f) in all {
                ids.push(n);
                out.push(f.last.num_days_from_ce(), f.frequency, f.monetary);
            }
        }
        if self.text.is_empty() {
            out.ids = CustomerIds::Numbers(ids);
            return out;
        }
        let mut text: Vec<String> = ids.iter().map(u64::to_string).collect();
        for (id, f) in &self.text {
            text.push(id.to_string());
            out.push(f.last.num_days_from_ce(), f.frequency, f.monetary);
        }
        out.ids = CustomerIds::Text(text);
        out
    }
}

/// Customers' figures as columns, ready for scoring.
pub(super) struct Entries {
    pub(super) ids: CustomerIds,
    /// The last order, in days from the common era.
    pub(super) last: Vec<i32>,
    pub(super) frequency: Vec<u64>,
    pub(super) monetary: Vec<Decimal>,
    /// The first customer (position) whose total lies beyond the decimal range.
    pub(super) beyond: Option<usize>,
}

impl Entries {
    fn with_capacity(n: usize) -> Self {
        Entries {
            ids: CustomerIds::Numbers(Vec::new()),
            last: Vec::with_capacity(n),
            frequency: Vec::with_capacity(n),
            monetary: Vec::with_capacity(n),
            beyond: None,
        }
    }

    fn push(&mut self, last: i32, frequency: u64, monetary: Sum) {
        let total = monetary.decimal().unwrap_or_else(|| {
            self.beyond.get_or_insert(self.last.len());
            Decimal::ZERO
        });
        self.last.push(last);
        self.frequency.push(frequency);
        self.monetary.push(total);
    }

    /// The same customers, the `i`-th one now being the `order[i]`-th one.
    pub(super) fn permuted(mut self, order: &[usize]) -> Self {
        let ids = match &mut self.ids {
            CustomerIds::Numbers(v) => CustomerIds::Numbers(order.iter().map(|&i| v[i]).collect()),
            CustomerIds::Text(v) => {
                CustomerIds::Text(order.iter().map(|&i| std::mem::take(&mut v[i])).collect())
            }
        };
        Entries {
            ids,
            last: order.iter().map(|&i| self.last[i]).collect(),
            frequency: order.iter().map(|&i| self.frequency[i]).collect(),
            monetary: order.iter().map(|&i| self.monetary[i]).collect(),
            beyond: self.beyond.and_then(|b| order.iter().position(|&i| i == b)),
        }
    }
}

/// The id as a number when it is written as one canonically (no sign, no leading zero), so
/// `"7"` and `"007"` stay different customers.
fn canonical_number(id: &str) -> Option<u64> {
    let b = id.as_bytes();
    if b.is_empty() || b.len() > 19 || (b[0] == b'0' && b.len() > 1) {
        return None;
    }
    b.iter().try_fold(0u64, |n, &c| {
        c.is_ascii_digit()
            .then(|| n.checked_mul(10)?.checked_add(u64::from(c - b'0')))
            .flatten()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numeric_and_textual_ids_stay_distinct_and_merge_adds_up() {
        let d = |s: &str| s.parse::<NaiveDate>().unwrap();
        let mut a = Aggregator::new(d("2026-06-30"), Some(30));
        a.push("7", d("2026-06-01"), Decimal::from(5));
        a.push("007", d("2026-06-02"), Decimal::from(1));
        a.push("7", d("2026-05-01"), Decimal::from(9)); // outside the window: recency only
        a.push("x", d("2026-07-01"), Decimal::from(9)); // after the as-of date: ignored
        let mut b = Aggregator::new(d("2026-06-30"), Some(30));
        b.push("7", d("2026-06-20"), Decimal::from(2));
        b.push("18446744073709551616", d("2026-06-20"), Decimal::from(3));
        a.merge(b);
        let got = figures_of(&a);
        assert_eq!(
            got,
            [
                ("007".into(), d("2026-06-02"), 1, Decimal::from(1)),
                (
                    "18446744073709551616".into(),
                    d("2026-06-20"),
                    1,
                    Decimal::from(3)
                ),
                ("7".into(), d("2026-06-20"), 2, Decimal::from(7)),
            ]
        );
    }

    #[test]
    fn sums_are_exact_across_scales_and_round_only_past_96_bits() {
        let total = |amounts: &[&str]| {
            let mut s = Sum::ZERO;
            for a in amounts {
                let a: Decimal = a.parse().unwrap();
                assert!(s.add(a.mantissa(), a.scale()));
            }
            s.decimal()
        };
        assert_eq!(
            total(&["1.5", "2.25", "-0.75"]),
            Some("3.00".parse().unwrap())
        );
        assert_eq!(total(&["0.1", "0.2"]), Some("0.3".parse().unwrap()));
        // 2 x (2^96 - 1) at scale 1 needs 97 bits: one decimal place goes, rounded half to even.
        let max = Decimal::MAX.to_string();
        let tenth = format!("{}.{}", &max[..max.len() - 1], &max[max.len() - 1..]);
        let want = Decimal::MAX.checked_div(Decimal::from(5)).unwrap();
        assert_eq!(total(&[&tenth, &tenth]), Some(want.round()));
        assert_eq!(total(&[&max, &max]), None, "beyond the range at scale 0");
    }

    /// Every customer's (last order, count, exact total) the slow way.
    fn reference(
        orders: &[(String, NaiveDate, Decimal)],
        as_of: NaiveDate,
        window_start: Option<NaiveDate>,
    ) -> Vec<(String, NaiveDate, u64, Decimal)> {
        let mut by_id = std::collections::BTreeMap::<&str, (NaiveDate, u64, Decimal, u32)>::new();
        for (id, date, amount) in orders.iter().filter(|o| o.1 <= as_of) {
            let e = by_id.entry(id).or_insert((*date, 0, Decimal::ZERO, 0));
            e.0 = e.0.max(*date);
            if window_start.is_none_or(|s| *date > s) {
                e.1 += 1;
                e.2 += amount;
                e.3 = e.3.max(amount.scale());
            }
        }
        // A total carries the largest scale among its amounts.
        by_id
            .into_iter()
            .map(|(id, (l, f, mut m, scale))| {
                m.rescale(scale);
                (id.to_string(), l, f, m)
            })
            .collect()
    }

    fn figures_of(agg: &Aggregator) -> Vec<(String, NaiveDate, u64, Decimal)> {
        let e = agg.entries();
        assert_eq!(e.beyond, None);
        let mut got: Vec<_> = (0..e.ids.len())
            .map(|i| {
                let id = e.ids.get(i).unwrap().into_owned();
                let last = NaiveDate::from_num_days_from_ce_opt(e.last[i]).unwrap();
                (id, last, e.frequency[i], e.monetary[i])
            })
            .collect();
        got.sort_by(|a, b| a.0.cmp(&b.0));
        got
    }

    proptest::proptest! {
        /// Dense slots, the map they spill into, growth that moves customers between the two and
        /// merging parts all give exactly the figures (and scales) of adding up order by order.
        #[test]
        fn figures_equal_the_plain_sums_however_ids_and_amounts_fall(
            orders in proptest::collection::vec(
                (
                    proptest::prop_oneof![
                        0u64..300,
                        0u64..200_000,
                        proptest::strategy::Just(u64::MAX),
                        proptest::strategy::Just(1u64 << 40),
                        // 19 digits above 2^63: a table that size has no power of two.
                        proptest::strategy::Just(9_300_000_000_000_000_000u64),
                    ],
                    proptest::bool::weighted(0.1),
                    -40i64..40,
                    proptest::prop_oneof![
                        -1_000_000i64..1_000_000,
                        proptest::strategy::Just(i64::MAX / 3),
                        proptest::strategy::Just(i64::MIN / 3),
                    ],
                    0u32..5,
                ),
                0..400,
            ),
            window in proptest::option::of(0u32..30),
            parts in 1usize..4,
        ) {
            let as_of = NaiveDate::from_ymd_opt(2026, 6, 30).unwrap();
            let orders: Vec<(String, NaiveDate, Decimal)> = orders
                .into_iter()
                .map(|(n, text, back, mantissa, scale)| {
                    let id = if text { format!("c{n}") } else { n.to_string() };
                    let date = as_of - chrono::Duration::days(back);
                    (id, date, Decimal::new(mantissa, scale))
                })
                .collect();
            let mut aggs: Vec<Aggregator> =
                (0..parts).map(|_| Aggregator::new(as_of, window)).collect();
            for (k, (id, date, amount)) in orders.iter().enumerate() {
                aggs[k % parts].push(id, *date, *amount);
            }
            let mut all = aggs.remove(0);
            for a in aggs {
                all.merge(a);
            }
            let want = reference(&orders, as_of, all.window_start);
            proptest::prop_assert_eq!(all.len(), want.len());
            let got = figures_of(&all);
            // Same values and the same scales (so "20" stays "20" and "1.50" stays "1.50").
            let shown = |v: &[(String, NaiveDate, u64, Decimal)]| {
                v.iter().map(|(i, l, f, m)| format!("{i} {l} {f} {m}")).collect::<Vec<_>>()
            };
            proptest::prop_assert_eq!(shown(&got), shown(&want));
        }
    }
}
