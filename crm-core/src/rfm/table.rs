//! RFM results as columns: what batch consumers (Arrow, data frames, typed arrays, CSV writers)
//! take, without an object and three strings per customer.

use super::RfmRow;
use rust_decimal::Decimal;
use std::borrow::Cow;

/// The customer ids of an [`RfmTable`], in customer id order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CustomerIds {
    /// Every id is a plain integer (the customer whose id reads `n`), in numeric order.
    Numbers(Vec<u64>),
    /// Some id is not a plain integer: all of them as text, in the order of DOMAIN.md.
    Text(Vec<String>),
}

impl CustomerIds {
    pub fn len(&self) -> usize {
        match self {
            CustomerIds::Numbers(v) => v.len(),
            CustomerIds::Text(v) => v.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The `i`-th id as text.
    pub fn get(&self, i: usize) -> Option<Cow<'_, str>> {
        match self {
            CustomerIds::Numbers(v) => v.get(i).map(|n| Cow::Owned(n.to_string())),
            CustomerIds::Text(v) => v.get(i).map(|s| Cow::Borrowed(s.as_str())),
        }
    }
}

/// Scores as columns: entry `i` of every column belongs to the `i`-th customer in customer id
/// order. Levels and segments are dictionary-encoded (an index into the names), since a
/// handful of names repeat over millions of customers.
#[derive(Debug, Clone, PartialEq)]
pub struct RfmTable {
    pub customer_ids: CustomerIds,
    pub recency_days: Vec<i64>,
    pub frequency: Vec<u64>,
    pub monetary: Vec<Decimal>,
    pub r: Vec<u8>,
    pub f: Vec<u8>,
    pub m: Vec<u8>,
    pub score: Vec<Decimal>,
    /// Index into `level_names`; None below every level.
    pub level: Vec<Option<u16>>,
    /// Index into `segment_names`.
    pub segment: Vec<u16>,
    pub level_names: Vec<String>,
    pub segment_names: Vec<String>,
}

impl RfmTable {
    /// Customers scored.
    pub fn len(&self) -> usize {
        self.recency_days.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The `i`-th customer's segment name.
    pub fn segment_name(&self, i: usize) -> &str {
        &self.segment_names[usize::from(self.segment[i])]
    }

    /// The `i`-th customer's level name, if any.
    pub fn level_name(&self, i: usize) -> Option<&str> {
        self.level[i].map(|l| self.level_names[usize::from(l)].as_str())
    }

    /// One row per customer, in the same order.
    pub fn into_rows(mut self) -> Vec<RfmRow> {
        let ids = match std::mem::replace(&mut self.customer_ids, CustomerIds::Text(Vec::new())) {
            CustomerIds::Numbers(v) => v.iter().map(u64::to_string).collect(),
            CustomerIds::Text(v) => v,
        };
        ids.into_iter()
            .enumerate()
            .map(|(i, customer_id)| RfmRow {
                customer_id,
                recency_days: self.recency_days[i],
                frequency: self.frequency[i],
                monetary: self.monetary[i],
                r: self.r[i],
                f: self.f[i],
                m: self.m[i],
                score: self.score[i],
                level: self.level_name(i).map(str::to_string),
                segment: self.segment_name(i).to_string(),
            })
            .collect()
    }
}
