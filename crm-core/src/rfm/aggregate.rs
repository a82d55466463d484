//! Per-customer figures accumulated order by order: what every batch path (slices, columns,
//! streamed CSV chunks on several threads) feeds before scoring, so no surface needs the orders
//! in memory at once and all of them score identically.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use rustc_hash::FxHashMap;

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

    /// Adds another part's figures for the same customer; false if the total overflowed.
    fn absorb(&mut self, other: &Figures) -> bool {
        self.last = self.last.max(other.last);
        self.frequency += other.frequency;
        self.monetary
            .add(other.monetary.mantissa, other.monetary.scale)
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
    /// Ids written as plain integers (the common case) are found without hashing a string, and
    /// each customer's figures sit in the map itself: one memory access per order.
    numeric: FxHashMap<u64, Figures>,
    text: FxHashMap<Box<str>, Figures>,
    /// The first customer whose monetary total left the representable range: scoring refuses
    /// then, since pushing stays infallible.
    pub(super) overflowed: Option<Box<str>>,
}

impl Aggregator {
    pub fn new(as_of: NaiveDate, window_days: Option<u32>) -> Self {
        Aggregator {
            as_of,
            // A window reaching past the calendar's start covers every date.
            window_start: window_days
                .and_then(|d| as_of.checked_sub_days(chrono::Days::new(u64::from(d)))),
            numeric: FxHashMap::default(),
            text: FxHashMap::default(),
            overflowed: None,
        }
    }

    pub fn as_of(&self) -> NaiveDate {
        self.as_of
    }

    /// Customers seen so far.
    pub fn len(&self) -> usize {
        self.numeric.len() + self.text.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn push(&mut self, customer_id: &str, date: NaiveDate, amount: Decimal) {
        if date > self.as_of {
            return;
        }
        let in_window = self.window_start.is_none_or(|s| date > s);
        let f = match canonical_number(customer_id) {
            Some(n) => self.numeric.entry(n).or_insert_with(|| Figures::new(date)),
            None => match self.text.get_mut(customer_id) {
                Some(f) => f,
                None => self
                    .text
                    .entry(customer_id.into())
                    .or_insert_with(|| Figures::new(date)),
            },
        };
        f.last = f.last.max(date);
        if in_window {
            f.frequency += 1;
            if !f.monetary.add(amount.mantissa(), amount.scale()) && self.overflowed.is_none() {
                self.overflowed = Some(customer_id.into());
            }
        }
    }

    /// Adds another aggregator's figures (same as-of date and window), e.g. from another thread.
    pub fn merge(&mut self, other: Aggregator) {
        let mut overflowed = None;
        for (n, theirs) in other.numeric {
            match self.numeric.entry(n) {
                std::collections::hash_map::Entry::Occupied(mut e) => {
                    if !e.get_mut().absorb(&theirs) {
                        overflowed.get_or_insert_with(|| n.to_string().into_boxed_str());
                    }
                }
                std::collections::hash_map::Entry::Vacant(e) => {
                    e.insert(theirs);
                }
            }
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
    }

    /// Every customer's id and figures; `true` when they come in customer id order, which is
    /// the case when every id is a plain number (then the order is numeric, as `id_order` says).
    pub(super) fn entries(&self) -> (Vec<String>, Vec<Figures>, bool) {
        // Sort small (id, position) pairs rather than whole entries.
        let mut found = Vec::with_capacity(self.numeric.len());
        let mut numeric: Vec<(u64, usize)> = Vec::with_capacity(self.numeric.len());
        for (i, (n, f)) in self.numeric.iter().enumerate() {
            numeric.push((*n, i));
            found.push(*f);
        }
        let sorted = self.text.is_empty();
        if sorted {
            numeric.sort_unstable();
        }
        let mut ids = Vec::with_capacity(self.len());
        let mut figures = Vec::with_capacity(self.len());
        for (n, i) in numeric {
            ids.push(n.to_string());
            figures.push(found[i]);
        }
        for (id, f) in &self.text {
            ids.push(id.to_string());
            figures.push(*f);
        }
        (ids, figures, sorted)
    }
}

/// Which of `parts` aggregators a customer belongs to when work is split by customer (a hash of
/// the id, so each customer has exactly one).
pub fn part_of(customer_id: &str, parts: usize) -> usize {
    use std::hash::{BuildHasher, BuildHasherDefault};
    let hash = BuildHasherDefault::<rustc_hash::FxHasher>::default().hash_one(customer_id);
    ((hash >> 32) as usize) % parts.max(1)
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
        let (ids, figures, _) = a.entries();
        let mut got: Vec<(&str, NaiveDate, u64, Decimal)> = ids
            .iter()
            .zip(&figures)
            .map(|(id, f)| (&**id, f.last, f.frequency, f.monetary.decimal().unwrap()))
            .collect();
        got.sort();
        assert_eq!(
            got,
            [
                ("007", d("2026-06-02"), 1, Decimal::from(1)),
                ("18446744073709551616", d("2026-06-20"), 1, Decimal::from(3)),
                ("7", d("2026-06-20"), 2, Decimal::from(7)),
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
}
