//! Lead allocation (section 2 of DOMAIN.md) as pure rules: given the reps' state, the allocator's
//! persisted state and a batch of leads, decide who gets each lead and why. The service layer
//! stores the outcome; nothing here reads a clock or a store.
//!
//! Every strategy skips inactive reps and reps whose capacity (daily or total cap, in lead
//! weights) the lead would exceed. A batch is all or nothing: if one lead cannot be placed, the
//! whole batch fails and neither the reps nor the allocator state change.

mod rules;

pub use rules::{Condition, Rule, RuleTarget};

use crate::error::{CrmError, Result};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// What the allocator knows of one rep.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
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

/// A lead to place, with the fields rules match on.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Lead {
    pub id: String,
    pub owner_id: Option<String>,
    /// Capacity the lead consumes (at least 1).
    pub weight: u64,
    /// Matchable fields: source, region, industry, level and custom fields, by name.
    pub fields: BTreeMap<String, String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Strategy {
    /// In turn, from a persisted pointer.
    RoundRobin,
    /// Smooth weighted round robin (deterministic, as nginx's upstream balancing).
    Weighted,
    /// The rep with the fewest open leads.
    LeastLoaded,
    /// Smooth weighted round robin among reps with capacity left.
    Capacity,
    /// Ordered rules; the first that matches decides; otherwise `default`.
    Rules {
        rules: Vec<Rule>,
        default: RuleTarget,
    },
}

/// What the allocator remembers between batches (persist it with the team or rule set).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct AllocatorState {
    /// Round robin: the last rep chosen.
    pub pointer: Option<String>,
    /// Smooth weighted round robin: each rep's current weight.
    pub current: BTreeMap<String, i64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
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
pub struct Allocation {
    pub lead_id: String,
    pub placement: Placement,
    pub reason: String,
}

/// Places a batch of leads. `reps` and `state` are updated only when every lead is placed.
pub fn allocate(
    strategy: &Strategy,
    reps: &mut Vec<RepLoad>,
    state: &mut AllocatorState,
    leads: &[Lead],
    reassign_owned: bool,
) -> Result<Vec<Allocation>> {
    let mut draft_reps = reps.clone();
    draft_reps.sort_by(|a, b| crate::service::id_order(&a.rep_id, &b.rep_id));
    let mut draft_state = state.clone();
    let mut out = Vec::with_capacity(leads.len());
    for lead in leads {
        if let (Some(owner), false) = (&lead.owner_id, reassign_owned) {
            out.push(Allocation {
                lead_id: lead.id.clone(),
                placement: Placement::Kept {
                    owner_id: owner.clone(),
                },
                reason: "already owned; not re-allocated".into(),
            });
            continue;
        }
        let weight = lead.weight.max(1);
        let (placement, reason) = place(strategy, &mut draft_reps, &mut draft_state, lead, weight)?;
        out.push(Allocation {
            lead_id: lead.id.clone(),
            placement,
            reason,
        });
    }
    *reps = draft_reps;
    *state = draft_state;
    Ok(out)
}

fn no_rep(lead: &Lead, among: &str) -> CrmError {
    CrmError::InvalidState {
        reason: format!("lead {}: no active rep with capacity left {among}", lead.id),
    }
}

fn place(
    strategy: &Strategy,
    reps: &mut [RepLoad],
    state: &mut AllocatorState,
    lead: &Lead,
    weight: u64,
) -> Result<(Placement, String)> {
    let all: Vec<usize> = (0..reps.len()).collect();
    match strategy {
        Strategy::Rules { rules, default } => {
            let (target, why) = match rules.iter().find(|r| r.matches(lead)) {
                Some(rule) => (&rule.target, format!("rule {:?} matched", rule.name)),
                None => (default, "no rule matched: default".to_string()),
            };
            match target {
                RuleTarget::Pool { pool_id } => Ok((
                    Placement::Pool {
                        pool_id: pool_id.clone(),
                    },
                    why,
                )),
                RuleTarget::Reps { rep_ids, strategy } => {
                    let among: Vec<usize> = all
                        .into_iter()
                        .filter(|&i| rep_ids.contains(&reps[i].rep_id))
                        .collect();
                    let i = pick(strategy, reps, state, &among, lead, weight)?;
                    Ok((
                        take(reps, i, weight),
                        format!("{why}; {}", describe(strategy)),
                    ))
                }
            }
        }
        other => {
            let i = pick(other, reps, state, &all, lead, weight)?;
            Ok((take(reps, i, weight), describe(other)))
        }
    }
}

fn describe(strategy: &Strategy) -> String {
    match strategy {
        Strategy::RoundRobin => "round robin".into(),
        Strategy::Weighted => "smooth weighted round robin".into(),
        Strategy::LeastLoaded => "least loaded".into(),
        Strategy::Capacity => "capacity (weighted among reps with capacity left)".into(),
        Strategy::Rules { .. } => "rules".into(),
    }
}

fn take(reps: &mut [RepLoad], i: usize, weight: u64) -> Placement {
    let rep = &mut reps[i];
    rep.used_today += weight;
    rep.used_total += weight;
    rep.open += 1;
    Placement::Rep {
        rep_id: rep.rep_id.clone(),
    }
}

/// Chooses among `among` (indexes in id order) by the strategy, skipping reps that cannot take it.
fn pick(
    strategy: &Strategy,
    reps: &[RepLoad],
    state: &mut AllocatorState,
    among: &[usize],
    lead: &Lead,
    weight: u64,
) -> Result<usize> {
    let eligible: Vec<usize> = among
        .iter()
        .copied()
        .filter(|&i| reps[i].can_take(weight))
        .collect();
    if eligible.is_empty() {
        return Err(no_rep(lead, "among the candidates"));
    }
    Ok(match strategy {
        Strategy::RoundRobin => {
            // The first eligible rep after the last one chosen, wrapping around.
            let chosen = state
                .pointer
                .as_ref()
                .and_then(|last| {
                    eligible
                        .iter()
                        .copied()
                        .find(|&i| crate::service::id_order(&reps[i].rep_id, last).is_gt())
                })
                .unwrap_or(eligible[0]);
            state.pointer = Some(reps[chosen].rep_id.clone());
            chosen
        }
        Strategy::LeastLoaded => *eligible
            .iter()
            .min_by_key(|&&i| reps[i].open)
            .unwrap_or(&eligible[0]),
        Strategy::Weighted | Strategy::Capacity | Strategy::Rules { .. } => {
            let weighted: Vec<usize> = eligible
                .iter()
                .copied()
                .filter(|&i| reps[i].weight > 0)
                .collect();
            if weighted.is_empty() {
                return Err(no_rep(lead, "with a weight above zero"));
            }
            let total: i64 = weighted.iter().map(|&i| i64::from(reps[i].weight)).sum();
            let mut best: Option<(usize, i64)> = None;
            for &i in &weighted {
                let cur = state.current.entry(reps[i].rep_id.clone()).or_insert(0);
                *cur += i64::from(reps[i].weight);
                if best.is_none_or(|(_, b)| *cur > b) {
                    best = Some((i, *cur));
                }
            }
            let (chosen, _) = best.unwrap_or((weighted[0], 0));
            if let Some(cur) = state.current.get_mut(&reps[chosen].rep_id) {
                *cur -= total;
            }
            chosen
        }
    })
}
