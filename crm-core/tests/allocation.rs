//! LeadView allocation: each strategy's choices, and the invariants over random reps and batches.

use crm_core::allocation::{
    allocate, AllocationRule, AllocationStrategy, AllocatorState, LeadView, Placement, RepLoad,
    RuleCondition, RuleTarget,
};
use proptest::prelude::*;
use std::collections::BTreeMap;

fn rep(id: &str, weight: u32) -> RepLoad {
    RepLoad {
        rep_id: id.into(),
        active: true,
        weight,
        open: 0,
        daily_cap: None,
        total_cap: None,
        used_today: 0,
        used_total: 0,
    }
}

fn leads(n: usize) -> Vec<LeadView> {
    (0..n)
        .map(|i| LeadView {
            id: format!("l-{i}"),
            weight: 1,
            ..LeadView::default()
        })
        .collect()
}

fn chosen(allocations: &[crm_core::allocation::LeadAllocation]) -> Vec<String> {
    allocations
        .iter()
        .map(|a| match &a.placement {
            Placement::Rep { rep_id } => rep_id.clone(),
            Placement::Pool { pool_id } => format!("pool:{pool_id}"),
            Placement::Kept { owner_id } => format!("kept:{owner_id}"),
        })
        .collect()
}

#[test]
fn round_robin_skips_inactive_reps_and_survives_restarts() {
    let mut reps = vec![rep("u-2", 1), rep("u-10", 1), rep("u-3", 1)];
    reps[1].active = false;
    let mut state = AllocatorState::default();
    let first = allocate(
        &AllocationStrategy::RoundRobin,
        &mut reps,
        &mut state,
        &leads(3),
        false,
    )
    .unwrap();
    assert_eq!(chosen(&first), ["u-2", "u-3", "u-2"]);
    // The pointer is persisted state: a new batch continues where the last one stopped.
    let saved: AllocatorState =
        serde_json::from_str(&serde_json::to_string(&state).unwrap()).unwrap();
    let mut state = saved;
    let second = allocate(
        &AllocationStrategy::RoundRobin,
        &mut reps,
        &mut state,
        &leads(2),
        false,
    )
    .unwrap();
    assert_eq!(chosen(&second), ["u-3", "u-2"]);
}

#[test]
fn smooth_weighted_round_robin_is_deterministic_and_interleaved() {
    // nginx's example: weights 5, 1, 1 give a a b a c a a per cycle of 7.
    let mut reps = vec![rep("a", 5), rep("b", 1), rep("c", 1)];
    let mut state = AllocatorState::default();
    let out = allocate(
        &AllocationStrategy::Weighted,
        &mut reps,
        &mut state,
        &leads(7),
        false,
    )
    .unwrap();
    assert_eq!(chosen(&out), ["a", "a", "b", "a", "c", "a", "a"]);
}

#[test]
fn least_loaded_and_capacity_respect_loads_and_caps() {
    let mut reps = vec![rep("a", 1), rep("b", 1)];
    reps[0].open = 5;
    let out = allocate(
        &AllocationStrategy::LeastLoaded,
        &mut reps,
        &mut AllocatorState::default(),
        &leads(6),
        false,
    )
    .unwrap();
    assert_eq!(chosen(&out), ["b", "b", "b", "b", "b", "a"]);
    let mut reps = vec![rep("a", 1), rep("b", 1)];
    reps[0].daily_cap = Some(1);
    let out = allocate(
        &AllocationStrategy::Capacity,
        &mut reps,
        &mut AllocatorState::default(),
        &leads(3),
        false,
    )
    .unwrap();
    assert_eq!(chosen(&out), ["a", "b", "b"]);
    assert_eq!((reps[0].used_today, reps[1].used_today), (1, 2));
}

#[test]
fn a_batch_that_cannot_be_placed_changes_nothing() {
    let mut reps = vec![rep("a", 1)];
    reps[0].total_cap = Some(2);
    let mut state = AllocatorState::default();
    let before = (reps.clone(), state.clone());
    let err = allocate(
        &AllocationStrategy::RoundRobin,
        &mut reps,
        &mut state,
        &leads(3),
        false,
    )
    .unwrap_err();
    assert_eq!(err.code(), "NO_ELIGIBLE_REP");
    assert_eq!((reps, state), before);
}

#[test]
fn owned_leads_are_kept_unless_asked() {
    let mut reps = vec![rep("a", 1)];
    let owned = vec![LeadView {
        id: "l-1".into(),
        owner_id: Some("x".into()),
        weight: 1,
        ..LeadView::default()
    }];
    let kept = allocate(
        &AllocationStrategy::RoundRobin,
        &mut reps,
        &mut AllocatorState::default(),
        &owned,
        false,
    )
    .unwrap();
    assert_eq!(chosen(&kept), ["kept:x"]);
    let moved = allocate(
        &AllocationStrategy::RoundRobin,
        &mut reps,
        &mut AllocatorState::default(),
        &owned,
        true,
    )
    .unwrap();
    assert_eq!(chosen(&moved), ["a"]);
}

#[test]
fn rules_match_in_order_with_a_default() {
    let rules = vec![
        AllocationRule {
            name: "trade shows in the east".into(),
            conditions: vec![
                RuleCondition {
                    field: "source".into(),
                    one_of: vec!["trade_show".into()],
                },
                RuleCondition {
                    field: "region".into(),
                    one_of: vec!["Shanghai".into(), "Hangzhou".into()],
                },
            ],
            target: RuleTarget::Reps {
                rep_ids: vec!["east-1".into(), "east-2".into()],
                strategy: Box::new(AllocationStrategy::RoundRobin),
            },
        },
        AllocationRule {
            name: "VIPs".into(),
            conditions: vec![RuleCondition {
                field: "level".into(),
                one_of: vec!["VIP".into()],
            }],
            target: RuleTarget::Reps {
                rep_ids: vec!["senior".into()],
                strategy: Box::new(AllocationStrategy::LeastLoaded),
            },
        },
    ];
    let strategy = AllocationStrategy::Rules {
        rules,
        default: RuleTarget::Pool {
            pool_id: "p-1".into(),
        },
    };
    let mut reps = vec![rep("east-1", 1), rep("east-2", 1), rep("senior", 1)];
    let lead = |id: &str, pairs: &[(&str, &str)]| LeadView {
        id: id.into(),
        weight: 1,
        fields: pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect::<BTreeMap<_, _>>(),
        ..LeadView::default()
    };
    let batch = vec![
        lead(
            "1",
            &[
                ("source", "trade_show"),
                ("region", "Shanghai"),
                ("level", "VIP"),
            ],
        ),
        lead("2", &[("source", "trade_show"), ("region", "Hangzhou")]),
        lead("3", &[("level", "VIP"), ("region", "Beijing")]),
        lead("4", &[("source", "website")]),
    ];
    let out = allocate(
        &strategy,
        &mut reps,
        &mut AllocatorState::default(),
        &batch,
        false,
    )
    .unwrap();
    assert_eq!(chosen(&out), ["east-1", "east-2", "senior", "pool:p-1"]);
    assert!(out[0].reason.contains("trade shows in the east"));
    assert!(out[3].reason.contains("default"));
}

fn reps_strategy() -> impl proptest::strategy::Strategy<Value = Vec<RepLoad>> {
    proptest::collection::vec(
        (
            any::<bool>(),
            0u32..5,
            proptest::option::of(0u64..6),
            proptest::option::of(0u64..10),
            0u64..20,
        ),
        1..8,
    )
    .prop_map(|reps| {
        reps.into_iter()
            .enumerate()
            .map(|(i, (active, weight, daily, total, open))| RepLoad {
                rep_id: format!("u-{i}"),
                active,
                weight,
                open,
                daily_cap: daily,
                total_cap: total,
                used_today: 0,
                used_total: 0,
            })
            .collect()
    })
}

fn strategy() -> impl proptest::strategy::Strategy<Value = crm_core::allocation::AllocationStrategy>
{
    prop_oneof![
        Just(AllocationStrategy::RoundRobin),
        Just(AllocationStrategy::Weighted),
        Just(AllocationStrategy::LeastLoaded),
        Just(AllocationStrategy::Capacity),
    ]
}

proptest! {
    #[test]
    fn never_an_inactive_or_full_rep_and_caps_hold(reps in reps_strategy(), s in strategy(), n in 1usize..30, weights in proptest::collection::vec(1u64..3, 30)) {
        let batch: Vec<LeadView> = (0..n).map(|i| LeadView { id: format!("l-{i}"), weight: weights[i], ..LeadView::default() }).collect();
        let mut after = reps.clone();
        let mut state = AllocatorState::default();
        match allocate(&s, &mut after, &mut state, &batch, false) {
            Ok(out) => {
                prop_assert_eq!(out.len(), n);
                for (a, lead) in out.iter().zip(&batch) {
                    let Placement::Rep { rep_id } = &a.placement else { return Err(TestCaseError::fail("placed outside a rep")) };
                    let r = reps.iter().find(|r| &r.rep_id == rep_id).unwrap();
                    prop_assert!(r.active, "inactive rep {} chosen", rep_id);
                    prop_assert!(lead.weight > 0);
                }
                for r in &after {
                    prop_assert!(r.daily_cap.is_none_or(|c| r.used_today <= c));
                    prop_assert!(r.total_cap.is_none_or(|c| r.used_total <= c));
                }
                let placed: u64 = after.iter().map(|r| r.used_total).sum();
                prop_assert_eq!(placed, batch.iter().map(|l| l.weight).sum::<u64>());
            }
            Err(_) => {
                let mut sorted = reps.clone();
                sorted.sort_by(|a, b| (a.rep_id.len(), &a.rep_id).cmp(&(b.rep_id.len(), &b.rep_id)));
                let mut unchanged = after.clone();
                unchanged.sort_by(|a, b| (a.rep_id.len(), &a.rep_id).cmp(&(b.rep_id.len(), &b.rep_id)));
                prop_assert_eq!(unchanged, sorted, "a failed batch changes no rep");
                prop_assert_eq!(state, AllocatorState::default());
            }
        }
    }

    #[test]
    fn weighted_shares_are_exact_per_cycle(weights in proptest::collection::vec(1u32..6, 1..6), cycles in 1usize..4) {
        let mut reps: Vec<RepLoad> = weights.iter().enumerate().map(|(i, w)| rep(&format!("u-{i}"), *w)).collect();
        let total: u32 = weights.iter().sum();
        let out = allocate(&AllocationStrategy::Weighted, &mut reps, &mut AllocatorState::default(), &leads(total as usize * cycles), false).unwrap();
        let names = chosen(&out);
        for (i, w) in weights.iter().enumerate() {
            let got = names.iter().filter(|n| **n == format!("u-{i}")).count();
            prop_assert_eq!(got, *w as usize * cycles);
        }
    }

    #[test]
    fn two_round_robin_batches_equal_one(n in 1usize..20, m in 1usize..20, count in 1usize..6) {
        let base: Vec<RepLoad> = (0..count).map(|i| rep(&format!("u-{i}"), 1)).collect();
        let (mut a, mut sa) = (base.clone(), AllocatorState::default());
        let whole = chosen(&allocate(&AllocationStrategy::RoundRobin, &mut a, &mut sa, &leads(n + m), false).unwrap());
        let (mut b, mut sb) = (base, AllocatorState::default());
        let mut split = chosen(&allocate(&AllocationStrategy::RoundRobin, &mut b, &mut sb, &leads(n), false).unwrap());
        split.extend(chosen(&allocate(&AllocationStrategy::RoundRobin, &mut b, &mut sb, &leads(m), false).unwrap()));
        prop_assert_eq!(whole, split);
    }
}
