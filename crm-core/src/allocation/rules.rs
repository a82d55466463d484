//! Rule-based allocation: ordered rules matching on lead fields; the first match wins.

use super::{Lead, Strategy};
use serde::{Deserialize, Serialize};

/// A field equal to one of the values (an empty list never matches).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Condition {
    pub field: String,
    pub one_of: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum RuleTarget {
    /// Allocate among these reps with this strategy.
    Reps {
        rep_ids: Vec<String>,
        strategy: Box<Strategy>,
    },
    /// Put the lead into a pool.
    Pool { pool_id: String },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Rule {
    pub name: String,
    /// All must hold.
    pub conditions: Vec<Condition>,
    pub target: RuleTarget,
}

impl Rule {
    pub fn matches(&self, lead: &Lead) -> bool {
        self.conditions.iter().all(|c| {
            lead.fields
                .get(&c.field)
                .is_some_and(|v| c.one_of.iter().any(|x| x == v))
        })
    }
}
