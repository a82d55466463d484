//! Convergence of sync (DOMAIN.md section 12), in process: three devices (two reps and their
//! manager) make random operations offline, sync in random orders, lose answers to pushes and
//! retry, while an admin renames and merges customers on the server directly. After everyone syncs:
//! - every replica equals the server's state restricted to its user's scope;
//! - every operation the server accepted from a device is in its log exactly once (claims are
//!   counted), and every refused one is a rejection on its device;
//! - no rule is broken on the server: no daily claim limit exceeded, one owner per customer.

use chrono::{Duration, TimeZone, Utc};
use crm_core::api;
use crm_core::event::{EventKind, OwnershipReason};
use crm_core::sync::{OpStatus, PushResponse, Replica};
use crm_core::{Clock, Crm, CrmError, FixedClock, MemoryStore};
use proptest::prelude::*;
use serde_json::{json, Value};
use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

const DEVICES: [(&str, &str); 3] = [("u-2", "li"), ("u-3", "wang"), ("u-4", "zhao")];
const POOLED: usize = 8;
const DAILY_LIMIT: u64 = 2;
const STAGES: [&str; 4] = ["needs_analysis", "proposal", "won", "lost"];

#[derive(Debug, Clone)]
enum Step {
    Claim {
        device: usize,
        customer: usize,
    },
    Release {
        device: usize,
        pick: usize,
    },
    Create {
        device: usize,
        name: u8,
    },
    FollowUp {
        device: usize,
        pick: usize,
    },
    Rename {
        device: usize,
        pick: usize,
        name: u8,
    },
    Deal {
        device: usize,
        pick: usize,
    },
    Move {
        device: usize,
        pick: usize,
        stage: usize,
    },
    Sync {
        device: usize,
        drop_answer: bool,
    },
    AdminRename {
        customer: usize,
        name: u8,
    },
    AdminMerge {
        survivor: usize,
        merged: usize,
    },
    Advance {
        hours: i64,
    },
}

fn step() -> impl Strategy<Value = Step> {
    let d = 0..DEVICES.len();
    prop_oneof![
        3 => (d.clone(), 0..POOLED).prop_map(|(device, customer)| Step::Claim { device, customer }),
        1 => (d.clone(), 0..8usize).prop_map(|(device, pick)| Step::Release { device, pick }),
        1 => (d.clone(), any::<u8>()).prop_map(|(device, name)| Step::Create { device, name }),
        2 => (d.clone(), 0..8usize).prop_map(|(device, pick)| Step::FollowUp { device, pick }),
        2 => (d.clone(), 0..8usize, any::<u8>()).prop_map(|(device, pick, name)| Step::Rename { device, pick, name }),
        1 => (d.clone(), 0..8usize).prop_map(|(device, pick)| Step::Deal { device, pick }),
        1 => (d.clone(), 0..8usize, 0..STAGES.len()).prop_map(|(device, pick, stage)| Step::Move { device, pick, stage }),
        4 => (d, any::<bool>()).prop_map(|(device, drop_answer)| Step::Sync { device, drop_answer }),
        1 => (0..POOLED, any::<u8>()).prop_map(|(customer, name)| Step::AdminRename { customer, name }),
        1 => (0..POOLED, 0..POOLED).prop_map(|(survivor, merged)| Step::AdminMerge { survivor, merged }),
        1 => (1i64..30).prop_map(|hours| Step::Advance { hours }),
    ]
}

fn call(crm: &Crm, actor: &str, op: &str, args: Value) -> Value {
    api::call(crm, op, actor, &args).unwrap_or_else(|e| panic!("{op}: {e}"))
}

struct World {
    server: Crm,
    clock: Arc<FixedClock>,
    pooled: Vec<String>,
    devices: Vec<Replica>,
    /// Every fresh (not repeated) outcome the server gave, by device and op id.
    outcomes: RefCell<BTreeMap<(String, u64), (String, OpStatus)>>,
}

impl World {
    fn new() -> World {
        let clock = Arc::new(FixedClock::new(
            Utc.with_ymd_and_hms(2026, 3, 2, 1, 0, 0).unwrap(),
        ));
        let server = Crm::in_memory(clock.clone());
        call(&server, "", "bootstrap", json!({"admin_name": "Admin"}));
        let team = call(&server, "u-1", "create_team", json!({"name": "East"}))["id"].clone();
        for (name, role) in [("Li", "rep"), ("Wang", "rep"), ("Zhao", "manager")] {
            call(
                &server,
                "u-1",
                "create_user",
                json!({"name": name, "role": role, "team_id": team}),
            );
        }
        let settings = call(&server, "u-1", "settings", json!({}));
        call(
            &server,
            "u-1",
            "update_settings",
            json!({"expected_version": settings["version"], "patch": {"claims": {"daily_limit": DAILY_LIMIT}}}),
        );
        let pool = call(
            &server,
            "u-1",
            "create_pool",
            json!({"name": "公海", "member_ids": ["u-2", "u-3"], "admin_ids": ["u-1"]}),
        )["id"]
            .clone();
        let settings = call(&server, "u-1", "settings", json!({}));
        call(
            &server,
            "u-1",
            "update_settings",
            json!({"expected_version": settings["version"], "patch": {"default_pool_id": pool}}),
        );
        let pooled = (0..POOLED)
            .map(|i| {
                call(
                    &server,
                    "u-1",
                    "create_customer",
                    json!({"name": format!("Pooled {i}"), "pool_id": pool}),
                )["customer"]["id"]
                    .as_str()
                    .unwrap()
                    .to_string()
            })
            .collect();
        let devices = DEVICES
            .iter()
            .map(|(user, device)| {
                Replica::open(MemoryStore::new(), clock.clone(), user, device).unwrap()
            })
            .collect();
        World {
            server,
            clock,
            pooled,
            devices,
            outcomes: RefCell::new(BTreeMap::new()),
        }
    }

    /// Syncs a device; with `drop_answer` the first push is applied on the server but its
    /// answer never reaches the device (as when the connection drops).
    fn sync(&self, device: usize, drop_answer: bool) {
        let replica = &self.devices[device];
        let user = replica.user_id().to_string();
        let mut dropped = false;
        let result = replica.sync(&mut |op, args| {
            let answer = api::call(&self.server, op, &user, &args)?;
            if op == "sync_push" {
                let response: PushResponse = serde_json::from_value(answer.clone()).unwrap();
                for (outcome, sent) in response
                    .outcomes
                    .iter()
                    .zip(args["ops"].as_array().unwrap())
                {
                    let key = (replica.device_id().to_string(), outcome.op_id);
                    let entry = (sent["op"].as_str().unwrap().to_string(), outcome.status);
                    let mut seen = self.outcomes.borrow_mut();
                    match seen.get(&key) {
                        Some(first) => {
                            assert!(outcome.repeated, "a second fresh answer for {key:?}");
                            assert_eq!(first, &entry, "a repeat answered differently");
                        }
                        None => {
                            assert!(!outcome.repeated, "a repeat of an op never answered");
                            seen.insert(key, entry);
                        }
                    }
                }
                if drop_answer && !dropped {
                    dropped = true;
                    return Err(CrmError::Storage {
                        message: "connection dropped".into(),
                    });
                }
            }
            Ok(answer)
        });
        match result {
            Ok(_) => {}
            Err(e) if dropped => assert_eq!(e.code(), "STORAGE"),
            Err(e) => panic!("sync of {user}: {e}"),
        }
    }

    /// The customers a device holds as fully in scope, by id order.
    fn held(&self, device: usize) -> Vec<Value> {
        self.devices[device]
            .call("customers", &json!({}))
            .unwrap()
            .as_array()
            .unwrap()
            .clone()
    }

    fn apply(&self, step: &Step) {
        match *step {
            Step::Claim { device, customer } => {
                let _ = self.devices[device].call(
                    "claim_customer",
                    &json!({"customer_id": self.pooled[customer]}),
                );
            }
            Step::Release { device, pick } => {
                if let Some(c) = pick_from(&self.held(device), pick) {
                    let _ = self.devices[device].call(
                        "release_customer",
                        &json!({"customer_id": c["id"], "reason": "not now"}),
                    );
                }
            }
            Step::Create { device, name } => {
                let _ = self.devices[device].call(
                    "create_customer",
                    &json!({"name": format!("New {device}-{name}")}),
                );
            }
            Step::FollowUp { device, pick } => {
                if let Some(c) = pick_from(&self.held(device), pick) {
                    let _ = self.devices[device].call(
                        "record_follow_up",
                        &json!({"customer_id": c["id"], "follow_up": {"channel": "call", "note": "called"}}),
                    );
                }
            }
            Step::Rename { device, pick, name } => {
                if let Some(c) = pick_from(&self.held(device), pick) {
                    let _ = self.devices[device].call(
                        "update_customer",
                        &json!({"id": c["id"], "expected_version": c["version"], "patch": {"name": format!("Renamed {name}")}}),
                    );
                }
            }
            Step::Deal { device, pick } => {
                if let Some(c) = pick_from(&self.held(device), pick) {
                    let _ = self.devices[device].call(
                        "create_opportunity",
                        &json!({"customer_id": c["id"], "opportunity": {"name": "Deal", "amount": "1200.50"}}),
                    );
                }
            }
            Step::Move {
                device,
                pick,
                stage,
            } => {
                let deals = self.devices[device]
                    .call("all_opportunities", &json!({}))
                    .unwrap();
                if let Some(o) = pick_from(deals.as_array().unwrap(), pick) {
                    let _ = self.devices[device].call(
                        "move_opportunity",
                        &json!({"opportunity_id": o["id"], "expected_version": o["version"], "stage": STAGES[stage], "lost_reason": "price"}),
                    );
                }
            }
            Step::Sync {
                device,
                drop_answer,
            } => self.sync(device, drop_answer),
            Step::AdminRename { customer, name } => {
                let c = call(
                    &self.server,
                    "u-1",
                    "customer",
                    json!({"id": self.pooled[customer]}),
                );
                let _ = api::call(
                    &self.server,
                    "update_customer",
                    "u-1",
                    &json!({"id": c["id"], "expected_version": c["version"], "patch": {"name": format!("Admin {name}")}}),
                );
            }
            Step::AdminMerge { survivor, merged } => {
                let _ = api::call(
                    &self.server,
                    "merge_customers",
                    "u-1",
                    &json!({"survivor_id": self.pooled[survivor], "merged_id": self.pooled[merged]}),
                );
            }
            Step::Advance { hours } => self.clock.set(self.clock.now() + Duration::hours(hours)),
        }
    }
}

fn pick_from(list: &[Value], pick: usize) -> Option<&Value> {
    (!list.is_empty()).then(|| &list[pick % list.len()])
}

/// A scope's records without the cursor (the replica's own read of its store vs the server's).
fn records(snapshot: Value) -> Value {
    snapshot["records"].clone()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    #[test]
    fn devices_converge_on_the_servers_state_and_no_rule_breaks(
        steps in proptest::collection::vec(step(), 1..40)
    ) {
        let world = World::new();
        for device in 0..DEVICES.len() {
            world.sync(device, false);
        }
        for step in &steps {
            world.apply(step);
        }
        // Everyone syncs twice: pushes first, then everyone sees everyone's.
        for _ in 0..2 {
            for device in 0..DEVICES.len() {
                world.sync(device, false);
            }
        }
        for (i, replica) in world.devices.iter().enumerate() {
            prop_assert!(replica.outbox().unwrap().is_empty());
            let server = records(call(&world.server, replica.user_id(), "sync_snapshot", json!({})));
            let local = records(replica.call("sync_snapshot", &json!({})).unwrap());
            prop_assert_eq!(&local, &server, "device {} diverged", DEVICES[i].1);
            // Every refusal is a rejection on the device that made the operation.
            let refused: BTreeSet<u64> = world.outcomes.borrow().iter()
                .filter(|((device, _), (_, status))| device == replica.device_id() && *status == OpStatus::Rejected)
                .map(|((_, op_id), _)| *op_id)
                .collect();
            let kept: BTreeSet<u64> = replica.rejections().unwrap().iter().map(|r| r.op_id).collect();
            prop_assert_eq!(refused, kept);
        }
        // Accepted claims are in the log exactly once; no daily limit is exceeded.
        let events: Vec<crm_core::Event> = serde_json::from_value(
            call(&world.server, "u-1", "events", json!({"after": 0, "limit": 100000}))
        ).unwrap();
        let claims: Vec<&crm_core::Event> = events.iter().filter(|e| matches!(
            e.kind, EventKind::OwnerChanged { cause: OwnershipReason::Claimed, .. }
        )).collect();
        let accepted = world.outcomes.borrow().values()
            .filter(|(op, status)| op == "claim_customer" && *status == OpStatus::Applied)
            .count();
        prop_assert_eq!(claims.len(), accepted);
        let mut per_day: BTreeMap<(String, chrono::NaiveDate), u64> = BTreeMap::new();
        for e in &claims {
            let day = e.at.with_timezone(&chrono_tz::Asia::Shanghai).date_naive();
            *per_day.entry((e.actor_id.clone().unwrap_or_default(), day)).or_default() += 1;
        }
        prop_assert!(per_day.values().all(|n| *n <= DAILY_LIMIT), "{:?}", per_day);
    }
}
