//! Error messages quote at most a short prefix of what the caller handed in, whatever its size,
//! on every path a binding takes (the operation table, its argument parser, the service).

use chrono::{TimeZone, Utc};
use crm_core::{api, Crm, CrmError, FixedClock, MemoryStore};
use serde_json::json;
use std::sync::Arc;

fn crm() -> Crm {
    let now = Utc.with_ymd_and_hms(2026, 3, 2, 1, 0, 0).unwrap();
    let crm = Crm::new(MemoryStore::new(), Arc::new(FixedClock::new(now)));
    crm.bootstrap("Ada", None).unwrap();
    crm
}

fn short(e: CrmError) -> String {
    let shown = e.to_string();
    assert!(
        shown.chars().count() < 700,
        "{} characters: {}",
        shown.len(),
        &shown[..200]
    );
    assert!(shown.contains(" characters)"), "{shown}");
    shown
}

#[test]
fn a_megabyte_id_actor_or_operation_name_is_quoted_by_its_prefix() {
    let crm = crm();
    let huge = "c".repeat(1 << 20);
    let args = json!({ "id": huge }).to_string();
    short(api::call_json(&crm, "customer", "u-1", &args).unwrap_err());
    short(api::call_json(&crm, "customer", &huge, r#"{"id": "c-1"}"#).unwrap_err());
    short(api::call_json(&crm, &huge, "u-1", "{}").unwrap_err());
    short(crm.customer("u-1", &huge).unwrap_err());
    let bad_phone = json!({ "name": "Acme", "phones": ["1".repeat(1 << 20)] }).to_string();
    let e = api::call_json(&crm, "create_customer", "u-1", &bad_phone).unwrap_err();
    assert!(e.to_string().len() < 300, "{e}");
}
