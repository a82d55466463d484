//! Sync between a server and offline replicas, in process (DOMAIN.md section 12): the rules
//! decide on the server, each pushed operation applies once, offline ids become the server's,
//! stale edits merge by field with the overwritten value kept, and replicas follow the scope.

use chrono::{TimeZone, Utc};
use crm_core::api;
use crm_core::sync::{Replica, SyncSummary};
use crm_core::{Crm, FixedClock, MemoryStore, Result};
use serde_json::{json, Value};
use std::sync::Arc;

struct Org {
    server: Crm,
    clock: Arc<FixedClock>,
    pool: String,
    pooled: Vec<String>,
}

fn call(crm: &Crm, actor: &str, op: &str, args: Value) -> Value {
    api::call(crm, op, actor, &args).unwrap_or_else(|e| panic!("{op}: {e}"))
}

/// An admin `u-1`, reps `u-2` and `u-3` (own scope), a manager `u-4` (team scope over both), a
/// pool both reps claim from (one claim a day each... the default limit), five pooled customers.
fn org() -> Org {
    let clock = Arc::new(FixedClock::new(
        Utc.with_ymd_and_hms(2026, 3, 2, 1, 0, 0).unwrap(),
    ));
    let server = Crm::in_memory(clock.clone());
    call(&server, "", "bootstrap", json!({"admin_name": "Admin"}));
    let team = call(&server, "u-1", "create_team", json!({"name": "East"}))["id"].clone();
    for name in ["Li", "Wang"] {
        call(
            &server,
            "u-1",
            "create_user",
            json!({"name": name, "role": "rep", "team_id": team}),
        );
    }
    call(
        &server,
        "u-1",
        "create_user",
        json!({"name": "Zhao", "role": "manager", "team_id": team}),
    );
    let pool = call(
        &server,
        "u-1",
        "create_pool",
        json!({"name": "公海", "member_ids": ["u-2", "u-3"], "admin_ids": ["u-1"]}),
    )["id"]
        .as_str()
        .unwrap()
        .to_string();
    let pooled = (0..5)
        .map(|i| {
            call(
                &server,
                "u-1",
                "create_customer",
                json!({"name": format!("Pooled {i}"), "pool_id": pool, "phones": [format!("1380013800{i}")]}),
            )["customer"]["id"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    Org {
        server,
        clock,
        pool,
        pooled,
    }
}

fn replica(org: &Org, user: &str, device: &str) -> Replica {
    Replica::open(MemoryStore::new(), org.clock.clone(), user, device).unwrap()
}

fn sync(org: &Org, replica: &Replica) -> SyncSummary {
    let user = replica.user_id().to_string();
    replica
        .sync(&mut |op, args| api::call(&org.server, op, &user, &args))
        .unwrap()
}

fn local(replica: &Replica, op: &str, args: Value) -> Result<Value> {
    replica.call(op, &args)
}

#[test]
fn two_reps_claim_the_same_customer_offline_and_the_rules_decide() {
    let org = org();
    let (li, wang) = (
        replica(&org, "u-2", "li-phone"),
        replica(&org, "u-3", "wang-phone"),
    );
    assert!(sync(&org, &li).snapshot);
    sync(&org, &wang);
    let target = &org.pooled[0];
    // Offline, both claims pass the local rules.
    local(&li, "claim_customer", json!({"customer_id": target})).unwrap();
    local(&wang, "claim_customer", json!({"customer_id": target})).unwrap();
    assert_eq!(li.outbox().unwrap().len(), 1);

    let first = sync(&org, &li);
    assert_eq!((first.applied, first.rejected), (1, 0));
    let second = sync(&org, &wang);
    assert_eq!((second.applied, second.rejected), (0, 1));
    let refused = wang.rejections().unwrap();
    assert_eq!(refused.len(), 1);
    assert_eq!(refused[0].code, "ALREADY_OWNED");
    assert_eq!(refused[0].op, "claim_customer");

    let owner = call(&org.server, "u-1", "customer", json!({"id": target}))["owner_id"].clone();
    assert_eq!(owner, json!("u-2"));
    // Wang's replica no longer holds the customer it assumed it owned.
    let err = local(&wang, "customer", json!({"id": target})).unwrap_err();
    assert!(matches!(err.code(), "NOT_FOUND" | "OUT_OF_SCOPE"), "{err}");
    assert!(wang.outbox().unwrap().is_empty());
    wang.dismiss_rejection(refused[0].op_id).unwrap();
    assert!(wang.rejections().unwrap().is_empty());
}

#[test]
fn offline_records_take_the_servers_ids_and_later_operations_follow() {
    let org = org();
    let li = replica(&org, "u-2", "li-phone");
    sync(&org, &li);
    let created = local(
        &li,
        "create_customer",
        json!({"name": "上海新客户", "phones": ["13900139000"]}),
    )
    .unwrap();
    let temp = created["customer"]["id"].as_str().unwrap().to_string();
    assert!(temp.starts_with("c-1000000000"), "{temp}");
    local(
        &li,
        "record_follow_up",
        json!({"customer_id": temp, "follow_up": {"channel": "visit", "note": "first visit"}}),
    )
    .unwrap();
    let summary = sync(&org, &li);
    assert_eq!((summary.applied, summary.rejected), (2, 0));

    let on_server = call(&org.server, "u-2", "customers", json!({}));
    let real = on_server
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "上海新客户")
        .expect("the offline customer reached the server")["id"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(!real.starts_with("c-1000000000"));
    let follow_ups = call(
        &org.server,
        "u-2",
        "follow_ups",
        json!({"customer_id": real}),
    );
    assert_eq!(
        follow_ups.as_array().unwrap().len(),
        1,
        "the follow-up followed the renamed id"
    );
    // The replica now holds the server's records only.
    let mine = local(&li, "customers", json!({})).unwrap();
    let ids: Vec<&str> = mine
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, [real.as_str()]);
    assert_eq!(
        local(&li, "follow_ups", json!({"customer_id": real})).unwrap(),
        follow_ups
    );
}

#[test]
fn a_retried_push_applies_nothing_twice() {
    let org = org();
    let li = replica(&org, "u-2", "li-phone");
    sync(&org, &li);
    local(&li, "claim_customer", json!({"customer_id": org.pooled[1]})).unwrap();
    local(&li, "create_customer", json!({"name": "Retry Co"})).unwrap();
    let ops = li.outbox().unwrap();
    let push = |ops: &Value| {
        call(
            &org.server,
            "u-2",
            "sync_push",
            json!({"device_id": "li-phone", "ops": ops}),
        )
    };
    let events_before = call(&org.server, "u-1", "events", json!({"after": 0}))
        .as_array()
        .unwrap()
        .len();
    let first = push(&json!(ops));
    // The answer was lost (connection dropped): the device pushes the same operations again.
    let again = push(&json!(ops));
    let events_after = call(&org.server, "u-1", "events", json!({"after": 0}))
        .as_array()
        .unwrap()
        .len();
    assert_eq!(
        events_after - events_before,
        3,
        "claim, create, owner set: once each"
    );
    for (a, b) in first["outcomes"]
        .as_array()
        .unwrap()
        .iter()
        .zip(again["outcomes"].as_array().unwrap())
    {
        assert_eq!(a["status"], b["status"]);
        assert_eq!(a["created"], b["created"]);
        assert_eq!(a["repeated"], json!(false));
        assert_eq!(b["repeated"], json!(true));
    }
    // The replica applies the (repeated) answer and converges.
    let answer: crm_core::sync::PushResponse = serde_json::from_value(again).unwrap();
    li.apply_push(&answer).unwrap();
    assert!(li.outbox().unwrap().is_empty());
    sync(&org, &li);
    let names: Vec<Value> = local(&li, "customers", json!({}))
        .unwrap()
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].clone())
        .collect();
    assert_eq!(names, [json!("Pooled 1"), json!("Retry Co")]);
}

#[test]
fn stale_edits_merge_by_field_and_keep_the_overwritten_value() {
    let org = org();
    let li = replica(&org, "u-2", "li-phone");
    let boss = replica(&org, "u-4", "zhao-laptop");
    sync(&org, &li);
    local(&li, "claim_customer", json!({"customer_id": org.pooled[2]})).unwrap();
    sync(&org, &li);
    sync(&org, &boss);
    let id = &org.pooled[2];
    let version = local(&li, "customer", json!({"id": id})).unwrap()["version"].clone();
    // Both edit the same version offline: the manager the name and the region, the rep the name.
    local(&boss, "update_customer", json!({"id": id, "expected_version": version, "patch": {"name": "Boss Name", "region": "上海"}})).unwrap();
    local(
        &li,
        "update_customer",
        json!({"id": id, "expected_version": version, "patch": {"name": "Rep Name"}}),
    )
    .unwrap();
    sync(&org, &boss);
    let summary = sync(&org, &li);
    assert_eq!((summary.applied, summary.conflicts), (1, 1));

    let now = call(&org.server, "u-1", "customer", json!({"id": id}));
    assert_eq!(
        now["name"], "Rep Name",
        "the edit applied last wins the field"
    );
    assert_eq!(
        now["region"], "上海",
        "the other field keeps the first edit"
    );
    let conflicts = call(&org.server, "u-4", "sync_conflicts", json!({}));
    let conflict = &conflicts.as_array().unwrap()[0];
    assert_eq!(
        (
            conflict["field"].clone(),
            conflict["kept"].clone(),
            conflict["lost"].clone()
        ),
        (json!("name"), json!("Rep Name"), json!("Boss Name"))
    );
    // Replicas see the conflict too, and the manager restores the lost value.
    sync(&org, &boss);
    assert_eq!(
        local(&boss, "sync_conflicts", json!({})).unwrap(),
        conflicts
    );
    let restored = call(
        &org.server,
        "u-4",
        "restore_conflict",
        json!({"id": conflict["id"], "expected_version": 1}),
    );
    assert_eq!(restored["state"], "restored");
    assert_eq!(
        call(&org.server, "u-1", "customer", json!({"id": id}))["name"],
        "Boss Name"
    );
    assert_eq!(
        call(&org.server, "u-4", "sync_conflicts", json!({})),
        json!([])
    );
    sync(&org, &li);
    assert_eq!(
        local(&li, "customer", json!({"id": id})).unwrap()["name"],
        "Boss Name"
    );
}

#[test]
fn replicas_refuse_offline_what_needs_the_server_and_follow_the_scope() {
    let org = org();
    let li = replica(&org, "u-2", "li-phone");
    sync(&org, &li);
    let err = local(&li, "create_pool", json!({"name": "mine"})).unwrap_err();
    assert_eq!(err.code(), "INVALID_STATE");
    assert!(err.to_string().contains("needs the server"), "{err}");
    // Reads work offline, from the replica.
    let pool = local(&li, "pool_customers", json!({"pool_id": org.pool})).unwrap();
    assert_eq!(pool.as_array().unwrap().len(), 5);
    // Claimed on the server by the other rep: it leaves Li's pool view at the next pull.
    call(
        &org.server,
        "u-3",
        "claim_customer",
        json!({"customer_id": org.pooled[3]}),
    );
    let pulled = sync(&org, &li);
    assert_eq!(pulled.removed, 1);
    let pool = local(&li, "pool_customers", json!({"pool_id": org.pool})).unwrap();
    assert_eq!(pool.as_array().unwrap().len(), 4);
}

#[test]
fn a_replica_image_restores_records_outbox_and_the_next_offline_ids() {
    let org = org();
    let li = replica(&org, "u-2", "li-phone");
    let before = li.image().unwrap();
    let empty = Replica::restore(MemoryStore::new(), org.clock.clone(), before).unwrap();
    assert_eq!(empty.cursor().unwrap(), None);
    sync(&org, &li);
    local(&li, "claim_customer", json!({"customer_id": org.pooled[4]})).unwrap();
    let first = local(&li, "create_customer", json!({"name": "Offline One"})).unwrap();
    let image = li.image().unwrap();
    let text = serde_json::to_string(&image).unwrap();
    let back = Replica::restore(
        MemoryStore::new(),
        org.clock.clone(),
        serde_json::from_str(&text).unwrap(),
    )
    .unwrap();
    assert_eq!((back.user_id(), back.device_id()), ("u-2", "li-phone"));
    assert_eq!(back.outbox().unwrap(), li.outbox().unwrap());
    assert_eq!(
        local(&back, "sync_snapshot", json!({})).unwrap()["records"],
        local(&li, "sync_snapshot", json!({})).unwrap()["records"]
    );
    // The next offline record does not reuse the first one's temporary id.
    let second = local(&back, "create_customer", json!({"name": "Offline Two"})).unwrap();
    assert_ne!(second["customer"]["id"], first["customer"]["id"]);
    let summary = sync(&org, &back);
    assert_eq!((summary.applied, summary.rejected), (3, 0));
    let names: Vec<Value> = call(&org.server, "u-2", "customers", json!({}))
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].clone())
        .collect();
    assert_eq!(
        names,
        [
            json!("Pooled 4"),
            json!("Offline One"),
            json!("Offline Two")
        ]
    );
}

#[test]
fn the_outbox_lists_everything_and_pushes_go_in_batches() {
    let org = org();
    let li = replica(&org, "u-2", "li-phone");
    sync(&org, &li);
    // Distinct phones, so no customer waits on a duplicate decision.
    for i in 0..1_200 {
        local(
            &li,
            "create_customer",
            json!({"name": format!("Field {i}"), "phones": [format!("139{i:08}")]}),
        )
        .unwrap();
    }
    assert_eq!(li.outbox().unwrap().len(), 1_200);
    assert_eq!(li.next_push().unwrap().len(), crm_core::sync::SYNC_BATCH);
    let mut pushes = 0;
    let user = li.user_id().to_string();
    let summary = li
        .sync(&mut |op, args| {
            pushes += usize::from(op == "sync_push");
            api::call(&org.server, op, &user, &args)
        })
        .unwrap();
    assert_eq!((summary.applied, pushes), (1_200, 2));
    assert!(li.outbox().unwrap().is_empty());
}
