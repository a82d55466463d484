//! Property tests of data scopes and ownership over random operation sequences:
//! a user reaches a customer exactly when their scope covers its owner, refused calls change
//! nothing, and every customer's owner is the one its ownership events say.

use chrono::{TimeZone, Utc};
use crm_core::{
    Channel, Crm, CustomerPatch, FixedClock, NewCustomer, NewFollowUp, NewUser, Role, User,
};
use proptest::prelude::*;
use std::collections::HashMap;
use std::sync::Arc;

#[derive(Debug, Clone)]
enum Op {
    Create {
        actor: usize,
        owner: Option<usize>,
    },
    Read {
        actor: usize,
        customer: usize,
    },
    Update {
        actor: usize,
        customer: usize,
    },
    FollowUp {
        actor: usize,
        customer: usize,
    },
    Transfer {
        actor: usize,
        customer: usize,
        to: usize,
    },
    List {
        actor: usize,
    },
}

const USERS: usize = 7;

fn op() -> impl Strategy<Value = Op> {
    let u = 0..USERS;
    let c = 0..12usize;
    prop_oneof![
        (u.clone(), proptest::option::of(0..USERS))
            .prop_map(|(actor, owner)| Op::Create { actor, owner }),
        (u.clone(), c.clone()).prop_map(|(actor, customer)| Op::Read { actor, customer }),
        (u.clone(), c.clone()).prop_map(|(actor, customer)| Op::Update { actor, customer }),
        (u.clone(), c.clone()).prop_map(|(actor, customer)| Op::FollowUp { actor, customer }),
        (u.clone(), c, 0..USERS).prop_map(|(actor, customer, to)| Op::Transfer {
            actor,
            customer,
            to
        }),
        u.prop_map(|actor| Op::List { actor }),
    ]
}

/// Admin, two managers and four reps across two teams.
fn organisation() -> (Crm, Vec<User>) {
    let clock = Arc::new(FixedClock::new(
        Utc.with_ymd_and_hms(2026, 1, 5, 1, 0, 0).unwrap(),
    ));
    let crm = Crm::in_memory(clock);
    let admin = crm.bootstrap("admin", None).unwrap();
    let t1 = crm.create_team(&admin.id, "t1").unwrap();
    let t2 = crm.create_team(&admin.id, "t2").unwrap();
    let mut users = vec![admin.clone()];
    for (role, team) in [
        (Role::Manager, &t1),
        (Role::Manager, &t2),
        (Role::Rep, &t1),
        (Role::Rep, &t1),
        (Role::Rep, &t2),
        (Role::Rep, &t2),
    ] {
        let new = NewUser {
            name: format!("{role:?}"),
            role,
            scope: None,
            team_id: Some(team.id.clone()),
        };
        users.push(crm.create_user(&admin.id, new).unwrap());
    }
    (crm, users)
}

fn covers(actor: &User, owner_id: Option<&str>, users: &[User]) -> bool {
    let owner = owner_id.and_then(|id| users.iter().find(|u| u.id == id));
    actor.covers(owner)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn scopes_hold_and_ownership_matches_events(ops in proptest::collection::vec(op(), 1..60)) {
        let (crm, users) = organisation();
        let admin = users[0].id.clone();
        let mut ids: Vec<String> = Vec::new();
        for op in ops {
            let pick = |i: usize| ids.get(i % ids.len().max(1)).cloned();
            match op {
                Op::Create { actor, owner } => {
                    let new = NewCustomer {
                        name: format!("Customer {}", ids.len()),
                        owner_id: owner.map(|o| users[o].id.clone()),
                        ..NewCustomer::default()
                    };
                    let a = &users[actor];
                    let target = owner.map(|o| &users[o]).unwrap_or(a);
                    match crm.create_customer(&a.id, new) {
                        Ok(created) => {
                            prop_assert!(a.manages(target));
                            prop_assert_eq!(created.customer.owner_id.as_deref(), Some(target.id.as_str()));
                            ids.push(created.customer.id);
                        }
                        Err(e) => {
                            prop_assert!(!a.manages(target), "refused {e}");
                            prop_assert_eq!(e.code(), "OUT_OF_SCOPE");
                        }
                    }
                }
                Op::Read { actor, customer } => {
                    let Some(id) = pick(customer) else { continue };
                    let truth = crm.customer(&admin, &id).unwrap();
                    let a = &users[actor];
                    let allowed = covers(a, truth.owner_id.as_deref(), &users);
                    match crm.customer(&a.id, &id) {
                        Ok(c) => { prop_assert!(allowed); prop_assert_eq!(c, truth); }
                        Err(e) => { prop_assert!(!allowed); prop_assert_eq!(e.code(), "OUT_OF_SCOPE"); }
                    }
                }
                Op::Update { actor, customer } | Op::FollowUp { actor, customer } => {
                    let Some(id) = pick(customer) else { continue };
                    let before = crm.customer(&admin, &id).unwrap();
                    let a = &users[actor];
                    let allowed = covers(a, before.owner_id.as_deref(), &users);
                    let result = if matches!(op, Op::Update { .. }) {
                        let patch = CustomerPatch { add_tags: vec![format!("t{actor}")], ..CustomerPatch::default() };
                        crm.update_customer(&a.id, &id, before.version, patch).map(|_| ())
                    } else {
                        let new = NewFollowUp { channel: Channel::Call, note: String::new(), at: None, next_follow_up_at: None };
                        crm.record_follow_up(&a.id, &id, new).map(|_| ())
                    };
                    let after = crm.customer(&admin, &id).unwrap();
                    match result {
                        Ok(()) => prop_assert!(allowed),
                        Err(e) => {
                            prop_assert!(!allowed, "refused {e}");
                            prop_assert_eq!(e.code(), "OUT_OF_SCOPE");
                            prop_assert_eq!(before, after);
                        }
                    }
                }
                Op::Transfer { actor, customer, to } => {
                    let Some(id) = pick(customer) else { continue };
                    let before = crm.customer(&admin, &id).unwrap();
                    let a = &users[actor];
                    let result = crm.transfer_customer(&a.id, &id, before.version, &users[to].id, "prop");
                    let after = crm.customer(&admin, &id).unwrap();
                    match result {
                        Ok(c) => {
                            prop_assert!(covers(a, before.owner_id.as_deref(), &users) && a.manages(&users[to]));
                            prop_assert_eq!(c.owner_id.as_deref(), Some(users[to].id.as_str()));
                        }
                        Err(_) => prop_assert_eq!(before, after),
                    }
                }
                Op::List { actor } => {
                    let a = &users[actor];
                    let seen: Vec<String> = crm.customers(&a.id).unwrap().into_iter().map(|c| c.id).collect();
                    let all = crm.customers(&admin).unwrap();
                    let expected: Vec<String> = all
                        .into_iter()
                        .filter(|c| covers(a, c.owner_id.as_deref(), &users))
                        .map(|c| c.id)
                        .collect();
                    prop_assert_eq!(seen, expected);
                }
            }
        }
        // The owner of every customer is exactly what its ownership events say.
        let mut owners: HashMap<String, Option<String>> = HashMap::new();
        for change in crm.events(&admin, 0, usize::MAX).unwrap().iter().filter_map(crm_core::OwnershipChange::from_event) {
            let previous = owners.insert(change.customer_id.clone(), change.to_owner_id.clone());
            prop_assert_eq!(previous.flatten(), change.from_owner_id);
        }
        for c in crm.customers(&admin).unwrap() {
            prop_assert_eq!(owners.get(&c.id).cloned().flatten(), c.owner_id);
        }
    }
}
