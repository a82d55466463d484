//! Rule-based allocation: ordered rules matching on lead fields; the first match wins.

use super::{AllocationStrategy, LeadView, RepLoad};
use serde::{Deserialize, Serialize};

/// A field equal to one of the values (an empty list never matches).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[serde(deny_unknown_fields)]
pub struct RuleCondition {
    pub field: String,
    pub one_of: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum RuleTarget {
    /// Allocate among these reps with this strategy.
    Reps {
        rep_ids: Vec<String>,
        strategy: Box<AllocationStrategy>,
    },
    /// Put the lead into a pool.
    Pool { pool_id: String },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[serde(deny_unknown_fields)]
pub struct AllocationRule {
    pub name: String,
    /// All must hold.
    pub conditions: Vec<RuleCondition>,
    pub target: RuleTarget,
}

impl AllocationRule {
    pub fn matches(&self, lead: &LeadView) -> bool {
        self.conditions.iter().all(|c| {
            lead.fields
                .get(&c.field)
                .is_some_and(|v| c.one_of.iter().any(|x| x == v))
        })
    }
}

/// Each rule's (and the default's) reps as indexes into the id-ordered rep list, computed once
/// per batch.
pub(super) struct Targets {
    per_rule: Vec<Vec<usize>>,
    default: Vec<usize>,
}

impl Targets {
    pub(super) fn new(strategy: &AllocationStrategy, reps: &[RepLoad]) -> Targets {
        let indexes = |target: &RuleTarget| match target {
            RuleTarget::Reps { rep_ids, .. } => (0..reps.len())
                .filter(|&i| rep_ids.contains(&reps[i].rep_id))
                .collect(),
            RuleTarget::Pool { .. } => Vec::new(),
        };
        match strategy {
            AllocationStrategy::Rules { rules, default } => Targets {
                per_rule: rules.iter().map(|r| indexes(&r.target)).collect(),
                default: indexes(default),
            },
            _ => Targets {
                per_rule: Vec::new(),
                default: Vec::new(),
            },
        }
    }

    /// The reps of rule `index`, or of the default when `None`.
    pub(super) fn among(&self, index: Option<usize>) -> &[usize] {
        match index {
            Some(k) => &self.per_rule[k],
            None => &self.default,
        }
    }
}
