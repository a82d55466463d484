//! Segment movement between two scorings (who moved from Champions to At risk), and the usual
//! churn warning: a valuable customer sliding into a segment that is going cold.

use super::RfmRow;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};

/// A customer whose segment differs between two scorings; `None` means absent from that scoring.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct RfmMovement {
    pub customer_id: String,
    pub from_segment: Option<String>,
    pub to_segment: Option<String>,
}

/// How many customers went from one segment to another (unchanged ones included, so the matrix
/// accounts for everyone).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct RfmFlow {
    pub from_segment: Option<String>,
    pub to_segment: Option<String>,
    pub customers: u64,
}

/// Every customer whose segment changed, in the order of `after` then the ones only in `before`.
pub fn movements(before: &[RfmRow], after: &[RfmRow]) -> Vec<RfmMovement> {
    let old: HashMap<&str, &RfmRow> = before.iter().map(|r| (r.customer_id.as_str(), r)).collect();
    let mut seen = std::collections::HashSet::with_capacity(after.len());
    let mut out = Vec::new();
    for row in after {
        seen.insert(row.customer_id.as_str());
        let from = old.get(row.customer_id.as_str()).map(|r| r.segment.clone());
        if from.as_deref() != Some(row.segment.as_str()) {
            out.push(RfmMovement {
                customer_id: row.customer_id.clone(),
                from_segment: from,
                to_segment: Some(row.segment.clone()),
            });
        }
    }
    for row in before {
        if !seen.contains(row.customer_id.as_str()) {
            out.push(RfmMovement {
                customer_id: row.customer_id.clone(),
                from_segment: Some(row.segment.clone()),
                to_segment: None,
            });
        }
    }
    out
}

/// The from/to matrix of two scorings, sorted by segment names (absent first).
pub fn flows(before: &[RfmRow], after: &[RfmRow]) -> Vec<RfmFlow> {
    let old: HashMap<&str, &str> = before
        .iter()
        .map(|r| (r.customer_id.as_str(), r.segment.as_str()))
        .collect();
    let mut counts: BTreeMap<(Option<&str>, Option<&str>), u64> = BTreeMap::new();
    let mut seen = std::collections::HashSet::with_capacity(after.len());
    for row in after {
        seen.insert(row.customer_id.as_str());
        let from = old.get(row.customer_id.as_str()).copied();
        *counts
            .entry((from, Some(row.segment.as_str())))
            .or_default() += 1;
    }
    for row in before {
        if !seen.contains(row.customer_id.as_str()) {
            *counts
                .entry((Some(row.segment.as_str()), None))
                .or_default() += 1;
        }
    }
    counts
        .into_iter()
        .map(|((from, to), customers)| RfmFlow {
            from_segment: from.map(str::to_string),
            to_segment: to.map(str::to_string),
            customers,
        })
        .collect()
}

/// When to warn that a customer may churn.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[serde(default)]
#[serde(deny_unknown_fields)]
pub struct ChurnRule {
    /// Segments worth keeping.
    pub valuable: Vec<String>,
    /// Segments that mean the customer is going cold.
    pub cooling: Vec<String>,
    /// Also warn when R fell by at least this many points (0: never on R alone).
    #[cfg_attr(feature = "uniffi", uniffi(default = 2))]
    pub r_drop: u8,
}

impl Default for ChurnRule {
    fn default() -> Self {
        let names = |v: &[&str]| v.iter().map(|s| s.to_string()).collect();
        ChurnRule {
            valuable: names(&[
                "Champions",
                "Loyal",
                "Potential loyalist",
                "Cannot lose them",
            ]),
            cooling: names(&[
                "At risk",
                "Cannot lose them",
                "About to sleep",
                "Hibernating",
                "Lost",
            ]),
            r_drop: 2,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct ChurnWarning {
    pub customer_id: String,
    pub from_segment: String,
    pub to_segment: String,
    pub r_before: u8,
    pub r_after: u8,
    pub reason: String,
}

/// Customers scored in both that left a valuable segment for a cooling one (a move within the
/// same segment does not count), or whose R fell by `r_drop` or more; in the order of `after`.
pub fn churn_warnings(before: &[RfmRow], after: &[RfmRow], rule: &ChurnRule) -> Vec<ChurnWarning> {
    let old: HashMap<&str, &RfmRow> = before.iter().map(|r| (r.customer_id.as_str(), r)).collect();
    let has = |list: &[String], s: &str| list.iter().any(|x| x == s);
    after
        .iter()
        .filter_map(|now| {
            let was = old.get(now.customer_id.as_str())?;
            let slid = now.segment != was.segment
                && has(&rule.valuable, &was.segment)
                && has(&rule.cooling, &now.segment);
            let dropped = rule.r_drop > 0 && was.r >= now.r + rule.r_drop;
            let reason = match (slid, dropped) {
                (false, false) => return None,
                (true, false) => format!("moved from {} to {}", was.segment, now.segment),
                (false, true) => format!("recency score fell from {} to {}", was.r, now.r),
                (true, true) => format!(
                    "moved from {} to {}; recency score fell from {} to {}",
                    was.segment, now.segment, was.r, now.r
                ),
            };
            Some(ChurnWarning {
                customer_id: now.customer_id.clone(),
                from_segment: was.segment.clone(),
                to_segment: now.segment.clone(),
                r_before: was.r,
                r_after: now.r,
                reason,
            })
        })
        .collect()
}
