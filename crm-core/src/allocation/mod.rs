//! Lead allocation (section 2 of DOMAIN.md) as pure rules: given the reps' state, the allocator's
//! persisted state and a batch of leads, decide who gets each lead and why. The service layer
//! stores the outcome; nothing here reads a clock or a store.
//!
//! Every strategy skips inactive reps and reps whose capacity (daily or total cap, in lead
//! weights) the lead would exceed. A batch is all or nothing: if one lead cannot be placed, the
//! whole batch fails and neither the reps nor the allocator state change.

mod capacity;
mod rules;

pub use rules::{AllocationRule, RuleCondition, RuleTarget};

use crate::error::{CrmError, Result};
use crate::ids::record_order;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// What the allocator knows of one rep.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct RepLoad {
    pub rep_id: String,
    pub active: bool,
    /// Share in weighted and capacity strategies.
    pub weight: u32,
    /// Open leads/customers in the statuses that count, for least-loaded.
    pub open: u64,
    pub daily_cap: Option<u64>,
    pub total_cap: Option<u64>,
    /// Capacity used today and in total, in lead weights.
    pub used_today: u64,
    pub used_total: u64,
}

impl RepLoad {
    fn can_take(&self, weight: u64) -> bool {
        self.active
            && self
                .daily_cap
                .is_none_or(|cap| self.used_today + weight <= cap)
            && self
                .total_cap
                .is_none_or(|cap| self.used_total + weight <= cap)
    }
}

/// What allocation sees of a lead: its id, current owner, weight and the fields rules match on.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct LeadView {
    pub id: String,
    pub owner_id: Option<String>,
    /// Capacity the lead consumes (at least 1).
    pub weight: u64,
    /// Matchable fields: source, region, industry, level and custom fields, by name.
    pub fields: BTreeMap<String, String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum AllocationStrategy {
    /// In turn, from a persisted pointer.
    RoundRobin,
    /// Smooth weighted round robin (deterministic, as nginx's upstream balancing).
    Weighted,
    /// The rep with the fewest open leads.
    LeastLoaded,
    /// The rep with the least capacity used per unit of weight (ties by id), among reps with
    /// capacity left: fills reps in proportion to their weights, across batches and days.
    Capacity,
    /// Ordered rules; the first that matches decides; otherwise `default`.
    Rules {
        rules: Vec<AllocationRule>,
        default: RuleTarget,
    },
}

impl AllocationStrategy {
    /// Whether a rule of this strategy puts leads into `pool_id`.
    pub fn targets_pool(&self, pool_id: &str) -> bool {
        match self {
            AllocationStrategy::Rules { rules, default } => rules
                .iter()
                .map(|r| &r.target)
                .chain([default])
                .any(|t| matches!(t, RuleTarget::Pool { pool_id: p } if p == pool_id)),
            _ => false,
        }
    }
}

/// What the allocator remembers between batches (persist it with the team or rule set).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct AllocatorState {
    /// Round robin: the last rep chosen.
    pub pointer: Option<String>,
    /// Smooth weighted round robin: each rep's current weight.
    pub current: BTreeMap<String, i64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Placement {
    Rep {
        rep_id: String,
    },
    Pool {
        pool_id: String,
    },
    /// Already owned and not to be re-allocated.
    Kept {
        owner_id: String,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct LeadAllocation {
    pub lead_id: String,
    pub placement: Placement,
    pub reason: String,
}

/// The batch's working state: reps in id order, with the persisted state held by index so a pick
/// costs no string look-ups.
struct Work {
    reps: Vec<RepLoad>,
    current: Vec<i64>,
    /// Round robin: index of the last rep chosen, or where a pointer to an unknown rep falls.
    pointer: Option<Pointer>,
    capacity: Option<capacity::Queue>,
}

#[derive(Clone, Copy)]
enum Pointer {
    At(usize),
    Before(usize),
}

impl Work {
    fn new(reps: &[RepLoad], state: &AllocatorState) -> Work {
        let mut reps = reps.to_vec();
        reps.sort_by(|a, b| record_order(&a.rep_id, &b.rep_id));
        let current = reps
            .iter()
            .map(|r| state.current.get(&r.rep_id).copied().unwrap_or(0))
            .collect();
        let pointer = state.pointer.as_ref().map(|last| {
            match reps.binary_search_by(|r| record_order(&r.rep_id, last)) {
                Ok(i) => Pointer::At(i),
                Err(i) => Pointer::Before(i),
            }
        });
        Work {
            reps,
            current,
            pointer,
            capacity: None,
        }
    }

    fn finish(self, reps: &mut Vec<RepLoad>, state: &mut AllocatorState) {
        for (rep, cur) in self.reps.iter().zip(&self.current) {
            if *cur != 0 || state.current.contains_key(&rep.rep_id) {
                state.current.insert(rep.rep_id.clone(), *cur);
            }
        }
        match self.pointer {
            Some(Pointer::At(i)) => state.pointer = Some(self.reps[i].rep_id.clone()),
            Some(Pointer::Before(_)) | None => {}
        }
        *reps = self.reps;
    }

    fn take(&mut self, i: usize, weight: u64) -> Placement {
        let rep = &mut self.reps[i];
        rep.used_today += weight;
        rep.used_total += weight;
        rep.open += 1;
        if let Some(queue) = &mut self.capacity {
            queue.used(&self.reps, i);
        }
        Placement::Rep {
            rep_id: self.reps[i].rep_id.clone(),
        }
    }
}

/// Places a batch of leads. `reps` and `state` are updated only when every lead is placed.
pub fn allocate(
    strategy: &AllocationStrategy,
    reps: &mut Vec<RepLoad>,
    state: &mut AllocatorState,
    leads: &[LeadView],
    reassign_owned: bool,
) -> Result<Vec<LeadAllocation>> {
    let mut work = Work::new(reps, state);
    let targets = rules::Targets::new(strategy, &work.reps);
    if matches!(strategy, AllocationStrategy::Capacity) {
        work.capacity = Some(capacity::Queue::new(&work.reps));
    }
    let mut out = Vec::with_capacity(leads.len());
    for lead in leads {
        if let (Some(owner), false) = (&lead.owner_id, reassign_owned) {
            out.push(LeadAllocation {
                lead_id: lead.id.clone(),
                placement: Placement::Kept {
                    owner_id: owner.clone(),
                },
                reason: "already owned; not re-allocated".into(),
            });
            continue;
        }
        let weight = lead.weight.max(1);
        let (placement, reason) = match strategy {
            AllocationStrategy::Rules { rules, default } => {
                let (index, target, why) = match rules.iter().position(|r| r.matches(lead)) {
                    Some(k) => (
                        Some(k),
                        &rules[k].target,
                        format!("rule {:?} matched", rules[k].name),
                    ),
                    None => (None, default, "no rule matched: default".to_string()),
                };
                match target {
                    RuleTarget::Pool { pool_id } => (
                        Placement::Pool {
                            pool_id: pool_id.clone(),
                        },
                        why,
                    ),
                    RuleTarget::Reps { strategy, .. } => {
                        let among = targets.among(index);
                        let i = pick(strategy, &mut work, Some(among), lead, weight)?;
                        (
                            work.take(i, weight),
                            format!("{why}; {}", describe(strategy)),
                        )
                    }
                }
            }
            other => {
                let i = pick(other, &mut work, None, lead, weight)?;
                (work.take(i, weight), describe(other))
            }
        };
        out.push(LeadAllocation {
            lead_id: lead.id.clone(),
            placement,
            reason,
        });
    }
    work.finish(reps, state);
    Ok(out)
}

fn no_rep(lead: &LeadView, reason: &str) -> CrmError {
    CrmError::NoEligibleRep {
        lead_id: lead.id.clone(),
        reason: reason.to_string(),
    }
}

fn describe(strategy: &AllocationStrategy) -> String {
    match strategy {
        AllocationStrategy::RoundRobin => "round robin".into(),
        AllocationStrategy::Weighted => "smooth weighted round robin".into(),
        AllocationStrategy::LeastLoaded => "least loaded".into(),
        AllocationStrategy::Capacity => "capacity (least used per unit of weight)".into(),
        AllocationStrategy::Rules { .. } => "rules".into(),
    }
}

/// Chooses a rep index by the strategy among `among` (all reps when `None`), skipping reps that
/// cannot take the lead.
fn pick(
    strategy: &AllocationStrategy,
    work: &mut Work,
    among: Option<&[usize]>,
    lead: &LeadView,
    weight: u64,
) -> Result<usize> {
    let n = work.reps.len();
    let all: Vec<usize>;
    let among: &[usize] = match among {
        Some(a) => a,
        None if matches!(strategy, AllocationStrategy::Capacity) && work.capacity.is_some() => &[],
        None => {
            all = (0..n).collect();
            &all
        }
    };
    let reps = &work.reps;
    let found = match strategy {
        AllocationStrategy::Capacity if among.is_empty() => match &mut work.capacity {
            Some(queue) => queue.pick(reps, weight),
            None => None,
        },
        AllocationStrategy::RoundRobin => {
            // The first eligible rep after the last one chosen, wrapping around.
            let start = match work.pointer {
                Some(Pointer::At(i)) => i + 1,
                Some(Pointer::Before(i)) => i,
                None => 0,
            };
            let after = among.partition_point(|&i| i < start);
            let found = among[after..]
                .iter()
                .chain(&among[..after])
                .copied()
                .find(|&i| reps[i].can_take(weight));
            if let Some(i) = found {
                work.pointer = Some(Pointer::At(i));
            }
            found
        }
        AllocationStrategy::LeastLoaded => among
            .iter()
            .copied()
            .filter(|&i| reps[i].can_take(weight))
            .min_by_key(|&i| reps[i].open),
        AllocationStrategy::Capacity => capacity::pick_among(reps, among, weight),
        AllocationStrategy::Weighted | AllocationStrategy::Rules { .. } => {
            let mut total = 0i64;
            let mut best: Option<usize> = None;
            for &i in among {
                let w = i64::from(reps[i].weight);
                if w == 0 || !reps[i].can_take(weight) {
                    continue;
                }
                work.current[i] += w;
                total += w;
                if best.is_none_or(|b| work.current[i] > work.current[b]) {
                    best = Some(i);
                }
            }
            if let Some(b) = best {
                work.current[b] -= total;
            }
            best
        }
    };
    found.ok_or_else(|| {
        if among.is_empty() && !matches!(strategy, AllocationStrategy::Capacity) {
            no_rep(lead, "no rep to choose from")
        } else {
            no_rep(
                lead,
                "every candidate is inactive, at capacity or has no weight",
            )
        }
    })
}

/// A stored allocator: a strategy, its reps with their shares and caps, its persisted state, and
/// how much each rep has taken (per local day and in total).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct Allocator {
    pub id: String,
    pub name: String,
    pub strategy: AllocationStrategy,
    pub reps: Vec<AllocatorRep>,
    pub state: AllocatorState,
    pub usage: BTreeMap<String, RepUsage>,
    pub version: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[serde(deny_unknown_fields)]
pub struct AllocatorRep {
    pub rep_id: String,
    #[serde(default = "one")]
    #[cfg_attr(feature = "uniffi", uniffi(default = 1))]
    pub weight: u32,
    #[serde(default)]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub daily_cap: Option<u64>,
    #[serde(default)]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub total_cap: Option<u64>,
}

fn one() -> u32 {
    1
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct RepUsage {
    /// The local day `today` counts.
    pub day: chrono::NaiveDate,
    pub today: u64,
    pub total: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[serde(deny_unknown_fields)]
pub struct NewAllocator {
    pub name: String,
    pub strategy: AllocationStrategy,
    pub reps: Vec<AllocatorRep>,
}
