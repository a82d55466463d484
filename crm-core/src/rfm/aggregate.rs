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
    pub(super) monetary: Decimal,
}

/// Accumulates orders on or before `as_of`; F and M count only orders inside the window.
#[derive(Debug, Clone)]
pub struct Aggregator {
    as_of: NaiveDate,
    window_start: Option<NaiveDate>,
    /// Ids written as plain integers (the common case) are found without hashing a string.
    numeric: FxHashMap<u64, usize>,
    index: FxHashMap<Box<str>, usize>,
    pub(super) ids: Vec<Box<str>>,
    pub(super) figures: Vec<Figures>,
    /// The first customer whose monetary total left the Decimal range: scoring refuses then,
    /// since pushing stays infallible.
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
            index: FxHashMap::default(),
            ids: Vec::new(),
            figures: Vec::new(),
            overflowed: None,
        }
    }

    pub fn as_of(&self) -> NaiveDate {
        self.as_of
    }

    /// Customers seen so far.
    pub fn len(&self) -> usize {
        self.ids.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }

    pub fn push(&mut self, customer_id: &str, date: NaiveDate, amount: Decimal) {
        if date > self.as_of {
            return;
        }
        let in_window = self.window_start.is_none_or(|s| date > s);
        let i = self.slot(customer_id, date);
        if in_window {
            let monetary = self.add(i, amount);
            let f = &mut self.figures[i];
            f.frequency += 1;
            f.monetary = monetary;
        }
        let f = &mut self.figures[i];
        f.last = f.last.max(date);
    }

    /// Customer `i`'s total plus `amount`, noting an overflow instead of panicking.
    fn add(&mut self, i: usize, amount: Decimal) -> Decimal {
        let total = self.figures[i].monetary;
        total.checked_add(amount).unwrap_or_else(|| {
            self.overflowed.get_or_insert_with(|| self.ids[i].clone());
            total
        })
    }

    /// The customer's index, adding the customer on first sight.
    fn slot(&mut self, customer_id: &str, first: NaiveDate) -> usize {
        let next = self.ids.len();
        let i = match canonical_number(customer_id) {
            Some(n) => *self.numeric.entry(n).or_insert(next),
            None => *self.index.entry(customer_id.into()).or_insert(next),
        };
        if i == next {
            self.ids.push(customer_id.into());
            self.figures.push(Figures {
                last: first,
                frequency: 0,
                monetary: Decimal::ZERO,
            });
        }
        i
    }

    /// Adds another aggregator's figures (same as-of date and window), e.g. from another thread.
    pub fn merge(&mut self, other: Aggregator) {
        for (id, theirs) in other.ids.iter().zip(other.figures) {
            let i = self.slot(id, theirs.last);
            let monetary = self.add(i, theirs.monetary);
            let f = &mut self.figures[i];
            f.last = f.last.max(theirs.last);
            f.frequency += theirs.frequency;
            f.monetary = monetary;
        }
        if self.overflowed.is_none() {
            self.overflowed = other.overflowed;
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
        let got: Vec<(&str, NaiveDate, u64, Decimal)> = a
            .ids
            .iter()
            .zip(&a.figures)
            .map(|(id, f)| (&**id, f.last, f.frequency, f.monetary))
            .collect();
        assert_eq!(
            got,
            [
                ("7", d("2026-06-20"), 2, Decimal::from(7)),
                ("007", d("2026-06-02"), 1, Decimal::from(1)),
                ("18446744073709551616", d("2026-06-20"), 1, Decimal::from(3)),
            ]
        );
    }
}
