//! Property tests of pipelines and payment collection over random operation sequences:
//! - a move is accepted exactly when the default transition rule (or the explicit list), the
//!   stage guards, the loss reasons and the reopen permission allow it; a refused call changes
//!   nothing (same opportunity, same customer, no event);
//! - the status always follows the stage, the stage history is continuous (each entry ends when
//!   the next begins, only the last is open) and ends in the current stage;
//! - the customer's count of open opportunities equals the open opportunities;
//! - payments and refunds keep every instalment between 0 and its amount, and what is paid equals
//!   payments minus refunds; a refused one changes nothing.

use chrono::{Duration, NaiveDate, TimeZone, Utc};
use crm_core::contract::{NewContract, NewInstalment, NewPayment};
use crm_core::opportunity::{NewOpportunity, OpportunityPatch, OpportunityStatus};
use crm_core::pipeline::{Pipeline, StageKind, Transition};
use crm_core::{Crm, FixedClock, NewCustomer, NewUser, Role};
use proptest::prelude::*;
use rust_decimal::Decimal;
use std::sync::Arc;

const ACTORS: [&str; 2] = ["u-2", "u-3"]; // manager, rep
const STAGES: [&str; 6] = [
    "qualify",
    "needs_analysis",
    "proposal",
    "negotiation",
    "won",
    "lost",
];
const EXPLICIT: [&str; 4] = ["a", "b", "won", "lost"];

#[derive(Debug, Clone)]
enum Op {
    Move {
        opp: usize,
        stage: usize,
        actor: usize,
        reason: Option<&'static str>,
    },
    Patch {
        opp: usize,
        amount: Option<i64>,
        close: bool,
    },
    Advance(i64),
}

fn op() -> impl Strategy<Value = Op> {
    let reason = prop_oneof![Just(None), Just(Some("price")), Just(Some("weather"))];
    prop_oneof![
        5 => (0..3usize, 0..6usize, 0..2usize, reason)
            .prop_map(|(opp, stage, actor, reason)| Op::Move { opp, stage, actor, reason }),
        2 => (0..3usize, proptest::option::of(0i64..5), any::<bool>())
            .prop_map(|(opp, amount, close)| Op::Patch { opp, amount, close }),
        1 => (1i64..72).prop_map(Op::Advance),
    ]
}

fn setup() -> (Crm, Arc<FixedClock>) {
    let clock = Arc::new(FixedClock::new(
        Utc.with_ymd_and_hms(2026, 3, 2, 1, 0, 0).unwrap(),
    ));
    let crm = Crm::in_memory(clock.clone());
    crm.bootstrap("Ada", None).unwrap();
    let team = crm.create_team("u-1", "East").unwrap();
    for (name, role) in [("Mia", Role::Manager), ("Li", Role::Rep)] {
        crm.create_user(
            "u-1",
            NewUser {
                name: name.into(),
                role,
                scope: None,
                team_id: Some(team.id.clone()),
            },
        )
        .unwrap();
    }
    let mut standard = Pipeline::standard();
    standard.lost_reasons = vec!["price".into()];
    crm.save_pipeline("u-1", standard.clone()).unwrap();
    let mut explicit = standard;
    explicit.id = "explicit".into();
    explicit.version = 0;
    explicit.stages.retain(|s| s.kind != StageKind::Open);
    for (i, key) in ["a", "b"].iter().enumerate() {
        let mut s = Pipeline::standard().stages[i].clone();
        s.key = key.to_string();
        s.required_fields.clear();
        explicit.stages.insert(i, s);
    }
    explicit.transitions = [("a", "b"), ("b", "won"), ("a", "lost"), ("lost", "a")]
        .map(|(from, to)| Transition {
            from_stage: from.into(),
            to_stage: to.into(),
        })
        .to_vec();
    crm.save_pipeline("u-1", explicit).unwrap();
    let c = crm
        .create_customer(
            "u-3",
            NewCustomer {
                name: "Acme".into(),
                ..NewCustomer::default()
            },
        )
        .unwrap()
        .customer;
    for (name, pipeline) in [("one", None), ("two", None), ("three", Some("explicit"))] {
        let mut new = NewOpportunity::new(name, Decimal::ZERO);
        new.pipeline_id = pipeline.map(String::from);
        crm.create_opportunity("u-3", &c.id, new).unwrap();
    }
    (crm, clock)
}

/// The default rule and the explicit list, restated independently of the implementation.
fn allowed(pipeline: &str, from: &str, to: &str, role: Role) -> bool {
    let kind = |s: &str| match s {
        "won" => StageKind::Won,
        "lost" => StageKind::Lost,
        _ => StageKind::Open,
    };
    if from == to {
        return false;
    }
    let reopen = kind(from) != StageKind::Open;
    if reopen && (kind(to) != StageKind::Open || role == Role::Rep) {
        return false;
    }
    if pipeline == "explicit" {
        return [("a", "b"), ("b", "won"), ("a", "lost"), ("lost", "a")].contains(&(from, to));
    }
    true
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn transitions_follow_the_rules_and_refusals_change_nothing(ops in proptest::collection::vec(op(), 1..40)) {
        let (crm, clock) = setup();
        let ids = ["o-1", "o-2", "o-3"];
        for op in ops {
            match op {
                Op::Advance(h) => clock.advance(Duration::hours(h)),
                Op::Patch { opp, amount, close } => {
                    let o = crm.opportunity("u-3", ids[opp]).unwrap();
                    let patch = OpportunityPatch {
                        amount: amount.map(|a| Decimal::new(a * 1000, 0)),
                        expected_close: close.then(|| NaiveDate::from_ymd_opt(2026, 6, 30).unwrap()),
                        ..OpportunityPatch::default()
                    };
                    let before_events = crm.events("u-1", 0, usize::MAX).unwrap().len();
                    match crm.update_opportunity("u-3", ids[opp], o.version, patch) {
                        Ok(_) => prop_assert_eq!(o.status, OpportunityStatus::Open),
                        Err(e) if o.status != OpportunityStatus::Open => {
                            prop_assert_eq!(e.code(), "INVALID_STATE");
                        }
                        Err(e) => {
                            prop_assert_eq!(e.code(), "REQUIRED_FIELDS_MISSING", "{}", e);
                            prop_assert_eq!(crm.opportunity("u-3", ids[opp]).unwrap(), o);
                            prop_assert_eq!(crm.events("u-1", 0, usize::MAX).unwrap().len(), before_events);
                        }
                    }
                }
                Op::Move { opp, stage, actor, reason } => {
                    let o = crm.opportunity("u-3", ids[opp]).unwrap();
                    let to = if o.pipeline_id == "explicit" {
                        EXPLICIT[stage % EXPLICIT.len()]
                    } else {
                        STAGES[stage]
                    };
                    let role = if actor == 0 { Role::Manager } else { Role::Rep };
                    let guarded = to == "proposal" || to == "negotiation";
                    let guards_hold = !o.amount.is_zero() && o.expected_close.is_some();
                    let reason_ok = to != "lost" || reason == Some("price");
                    let expect = allowed(&o.pipeline_id, &o.stage, to, role)
                        && (!guarded || guards_hold)
                        && reason_ok;
                    let customer = crm.customer("u-3", &o.customer_id).unwrap();
                    let before_events = crm.events("u-1", 0, usize::MAX).unwrap().len();
                    let result = crm.move_opportunity(
                        ACTORS[actor],
                        ids[opp],
                        o.version,
                        to,
                        reason.map(String::from),
                    );
                    prop_assert_eq!(result.is_ok(), expect, "{} -> {} by {:?}: {:?}", o.stage, to, role, result);
                    if let Err(e) = result {
                        prop_assert!(
                            ["TRANSITION_NOT_ALLOWED", "REQUIRED_FIELDS_MISSING", "INVALID_INPUT"].contains(&e.code()),
                            "{e}"
                        );
                        prop_assert_eq!(crm.opportunity("u-3", ids[opp]).unwrap(), o);
                        prop_assert_eq!(crm.customer("u-3", &customer.id).unwrap(), customer);
                        prop_assert_eq!(crm.events("u-1", 0, usize::MAX).unwrap().len(), before_events);
                    }
                }
            }
            let all = crm.all_opportunities("u-1").unwrap();
            for o in &all {
                let kind = match o.stage.as_str() {
                    "won" => OpportunityStatus::Won,
                    "lost" => OpportunityStatus::Lost,
                    _ => OpportunityStatus::Open,
                };
                prop_assert_eq!(o.status, kind);
                prop_assert_eq!(&o.history.last().unwrap().stage, &o.stage);
                prop_assert!(o.history.last().unwrap().left_at.is_none());
                for w in o.history.windows(2) {
                    prop_assert_eq!(w[0].left_at, Some(w[1].entered_at));
                }
                prop_assert_eq!(o.closed_at.is_some(), o.status != OpportunityStatus::Open);
            }
            let open = all.iter().filter(|o| o.status == OpportunityStatus::Open).count();
            prop_assert_eq!(crm.customer("u-3", "c-1").unwrap().open_opportunities as usize, open);
        }
    }

    #[test]
    fn payments_and_refunds_keep_instalments_consistent(
        plan in proptest::collection::vec(1i64..50, 1..5),
        moves in proptest::collection::vec((any::<bool>(), 1i64..80, proptest::option::of(0u32..6)), 1..30),
    ) {
        let (crm, _) = setup();
        let total: i64 = plan.iter().sum();
        crm.update_opportunity("u-3", "o-1", 1, OpportunityPatch {
            amount: Some(Decimal::from(total)),
            ..OpportunityPatch::default()
        }).unwrap();
        crm.close_opportunity("u-3", "o-1", true, None).unwrap();
        let day = NaiveDate::from_ymd_opt(2026, 3, 2).unwrap();
        let new = NewContract {
            signed_on: day,
            amount: None,
            instalments: plan.iter().enumerate().map(|(i, a)| NewInstalment {
                due_date: day + Duration::days(30 * i as i64),
                amount: Decimal::from(*a),
            }).collect(),
        };
        let k = crm.create_contract("u-3", "o-1", new).unwrap();
        let (mut paid, mut refunded) = (Decimal::ZERO, Decimal::ZERO);
        for (refund, amount, instalment) in moves {
            let before = crm.contract("u-3", &k.id).unwrap();
            let p = NewPayment {
                received_on: day,
                amount: Decimal::from(amount),
                instalment: if refund { None } else { instalment },
                note: None,
            };
            let result = if refund {
                crm.record_refund("u-3", &k.id, before.version, p)
            } else {
                crm.record_payment("u-3", &k.id, before.version, p)
            };
            let outstanding = Decimal::from(total) - (paid - refunded);
            let fits = if refund { Decimal::from(amount) <= paid - refunded } else { Decimal::from(amount) <= outstanding };
            let named_ok = refund || instalment.is_none_or(|s| s >= 1 && (s as usize) <= plan.len());
            prop_assert_eq!(result.is_ok(), fits && named_ok, "{:?}", result);
            match result {
                Ok(_) if refund => refunded += Decimal::from(amount),
                Ok(_) => paid += Decimal::from(amount),
                Err(_) => prop_assert_eq!(crm.contract("u-3", &k.id).unwrap(), before),
            }
            let c = crm.contract("u-3", &k.id).unwrap();
            prop_assert_eq!(c.paid(), paid - refunded);
            for i in &c.instalments {
                prop_assert!(i.paid >= Decimal::ZERO && i.paid <= i.amount);
            }
        }
    }
}
