//! Replays every parity scenario through the exported `Crm` class (and the analytics operations
//! through their typed free functions) with JavaScript values, in Node (default) or in headless
//! Chromium (`--features browser`).

#![cfg(target_arch = "wasm32")]

use crm_core::testing::scenario::matches;
use crm_wasm::Crm;
use serde_json::Value;
use wasm_bindgen::prelude::*;
use wasm_bindgen_test::*;

#[cfg(feature = "browser")]
wasm_bindgen_test_configure!(run_in_browser);

include!(concat!(env!("OUT_DIR"), "/scenarios.rs"));

fn camel(key: &str) -> String {
    let mut out = String::new();
    let mut upper = false;
    for ch in key.chars() {
        match (ch, upper) {
            ('_', _) => upper = true,
            (c, true) => {
                out.extend(c.to_uppercase());
                upper = false
            }
            (c, false) => out.push(c),
        }
    }
    out
}

/// Keys whose values are maps keyed by data (custom field names, customer levels, rep ids).
fn is_data_map(parent: Option<&str>, key: &str) -> bool {
    matches!(key, "custom_fields" | "days_by_level" | "usage" | "fields")
        || (parent == Some("state") && key == "current")
        || (parent == Some("quota") && key == "reps")
}

/// Scenario spelling to JS spelling (the keys of data maps stay as they are).
fn to_js(v: &Value, data: bool) -> Value {
    to_js_in(v, data, None)
}

fn to_js_in(v: &Value, data: bool, parent: Option<&str>) -> Value {
    match v {
        Value::Object(m) => Value::Object(
            m.iter()
                .map(|(k, x)| match (data, k.as_str()) {
                    (true, _) => (k.clone(), to_js(x, false)),
                    // SLA targets are a map keyed by data; performance targets a list of records.
                    (_, "targets") if x.is_object() => (k.clone(), x.clone()),
                    (false, _) => (camel(k), to_js_in(x, is_data_map(parent, k), Some(k))),
                })
                .collect(),
        ),
        Value::Array(a) => Value::Array(a.iter().map(|x| to_js(x, false)).collect()),
        other => other.clone(),
    }
}

fn js(v: &Value) -> JsValue {
    js_sys::JSON::parse(&v.to_string()).expect("valid JSON")
}

fn back(v: &JsValue) -> Value {
    let text: String = js_sys::JSON::stringify(v).expect("serialisable").into();
    serde_json::from_str(&text).expect("valid JSON")
}

fn error_code(e: &JsValue) -> String {
    assert!(
        e.is_instance_of::<js_sys::Error>(),
        "thrown value is an Error: {e:?}"
    );
    js_sys::Reflect::get(e, &"code".into())
        .ok()
        .and_then(|c| c.as_string())
        .unwrap_or_default()
}

/// Runs an analytics step through its typed free function (`None`: not an analytics operation).
fn analytics(op: &str, args: &Value) -> Option<Result<JsValue, JsValue>> {
    let a = |key: &str| js(args.get(key).unwrap_or(&Value::Null));
    Some(match op {
        "rfm_score" => crm_wasm::rfm_score(a("orders"), a("asOf"), a("config")),
        "rfm_movements" => crm_wasm::rfm_movements(a("before"), a("after")),
        "rfm_flows" => crm_wasm::rfm_flows(a("before"), a("after")),
        "rfm_churn_warnings" => crm_wasm::rfm_churn_warnings(a("before"), a("after"), a("rule")),
        "performance" => crm_wasm::performance(a("targets"), a("achievements"), a("basis")),
        "leaderboard" => crm_wasm::leaderboard(
            a("targets"),
            a("achievements"),
            a("basis"),
            a("period"),
            a("teams"),
        ),
        "commission_statement" => crm_wasm::commission_statement(js(args)),
        _ => return None,
    })
}

#[wasm_bindgen_test]
fn every_scenario_passes() {
    assert!(!SCENARIOS.is_empty());
    for (name, text) in SCENARIOS {
        let scenario: Value = serde_json::from_str(text).expect("scenario JSON");
        let options = js(&serde_json::json!({ "now": scenario["start"] }));
        let crm = Crm::new(options).expect("crm");
        for (i, step) in scenario["steps"]
            .as_array()
            .expect("steps")
            .iter()
            .enumerate()
        {
            let op = step["op"].as_str().unwrap_or_default();
            let where_ = format!("{name} step {} ({op})", i + 1);
            let args = to_js(step.get("args").unwrap_or(&Value::Null), false);
            if op == "set_now" {
                crm.set_now(js(&args["now"])).expect("set_now");
                continue;
            }
            let actor = step["actor"].as_str().unwrap_or_default();
            let outcome = analytics(op, &args).unwrap_or_else(|| crm.call(op, actor, js(&args)));
            match (outcome, step.get("error")) {
                (Ok(_), Some(code)) => panic!("{where_}: expected {code}, got success"),
                (Err(e), Some(code)) => {
                    assert_eq!(Some(error_code(&e).as_str()), code.as_str(), "{where_}")
                }
                (Err(e), None) => panic!("{where_}: unexpected error {}", error_code(&e)),
                (Ok(result), None) => {
                    if let Some(expected) = step.get("expect") {
                        let actual = back(&result);
                        if let Err(diff) = matches(&to_js(expected, false), &actual, "$") {
                            panic!("{where_}: {diff}");
                        }
                    }
                }
            }
        }
    }
}

#[wasm_bindgen_test]
fn instants_come_back_as_dates_and_errors_as_crm_errors() {
    let crm = Crm::new(js(&serde_json::json!({"now": "2026-03-02T09:00:00+08:00"}))).unwrap();
    let admin = crm.bootstrap("Ada".into(), JsValue::UNDEFINED).unwrap();
    let created_at = js_sys::Reflect::get(&admin, &"createdAt".into()).unwrap();
    assert!(created_at.is_instance_of::<js_sys::Date>());
    let err = crm.customer("u-1".into(), "c-404".into()).unwrap_err();
    assert_eq!(error_code(&err), "NOT_FOUND");
    let name = js_sys::Reflect::get(&err, &"name".into()).unwrap();
    assert_eq!(name.as_string().as_deref(), Some("CrmError"));
}

fn get(v: &JsValue, path: &[&str]) -> JsValue {
    path.iter().fold(v.clone(), |v, k| {
        js_sys::Reflect::get(&v, &(*k).into()).expect("readable")
    })
}

#[wasm_bindgen_test]
fn typed_pool_methods_keep_level_names_and_refuse_with_typed_details() {
    let crm = Crm::new(js(&serde_json::json!({"now": "2026-03-02T01:00:00Z"}))).unwrap();
    let admin = get(
        &crm.bootstrap("Ada".into(), JsValue::UNDEFINED).unwrap(),
        &["id"],
    );
    let rep = |name: &str| {
        let user = crm
            .create_user(
                admin.clone(),
                js(&serde_json::json!({"name": name, "role": "rep"})),
            )
            .unwrap();
        get(&user, &["id"])
    };
    let (li, han) = (rep("Li"), rep("Han"));
    let pool = crm
        .create_pool(
            admin.clone(),
            js(&serde_json::json!({"name": "East", "memberIds": [back(&li), back(&han)],
                "rules": {"recycle": [{"kind": "no_follow_up", "days": 30, "daysByLevel": {"Key_Account": 10}}]}})),
        )
        .unwrap();
    assert_eq!(
        back(&get(&pool, &["rules", "recycle"])),
        serde_json::json!([{"kind": "no_follow_up", "days": 30, "daysByLevel": {"Key_Account": 10}}])
    );
    let created = crm
        .create_customer(
            admin.clone(),
            js(&serde_json::json!({"name": "Alpha", "poolId": back(&get(&pool, &["id"]))})),
        )
        .unwrap();
    let id = get(&created, &["customer", "id"]);
    crm.claim_customer(li.clone(), id.clone()).unwrap();
    let err = crm.claim_customer(han, id.clone()).unwrap_err();
    assert_eq!(error_code(&err), "ALREADY_OWNED");
    assert_eq!(
        back(&get(&err, &["details"])),
        serde_json::json!({"customerId": back(&id), "ownerId": back(&li)})
    );
    let locked = crm.lock_customer(li, id, JsValue::from(7)).unwrap();
    assert!(get(&locked, &["lockedUntil"]).is_instance_of::<js_sys::Date>());
}

/// Orders of several customers over a year, with ids that are not all ASCII.
fn orders() -> Vec<(String, i32, String)> {
    let ids = ["1", "7", "c-客户", "😀-9", "c-2"];
    (0..400)
        .map(|i: i32| {
            let id = ids[(i * 7 % 5) as usize].to_string();
            let day = 20_270 + (i * 37) % 365; // 2025-07-01 onwards
            (id, day, format!("{}.{:02}", i * 13 % 900, i % 100))
        })
        .collect()
}

#[wasm_bindgen_test]
fn rfm_columns_score_like_order_objects_and_dates_count_on_their_utc_day() {
    let orders = orders();
    let date = |day: i32| {
        chrono::NaiveDate::from_ymd_opt(1970, 1, 1).unwrap() + chrono::TimeDelta::days(day.into())
    };
    let objects: Vec<Value> = orders
        .iter()
        .map(|(id, day, amount)| {
            serde_json::json!({"customerId": id, "date": date(*day).to_string(), "amount": amount})
        })
        .collect();
    let ids: Vec<&str> = orders.iter().map(|o| o.0.as_str()).collect();
    let days: Vec<i32> = orders.iter().map(|o| o.1).collect();
    let texts: Vec<String> = days.iter().map(|d| date(*d).to_string()).collect();
    let amounts: Vec<&str> = orders.iter().map(|o| o.2.as_str()).collect();
    let config = JsValue::from_str("window_days = 180\n[weights]\nr = 2\nf = 3\nm = \"1.5\"");
    let as_of = JsValue::from_str("2026-06-30");
    let expected = back(
        &crm_wasm::rfm_score(js(&Value::from(objects)), as_of.clone(), config.clone()).unwrap(),
    );
    assert_eq!(expected.as_array().map(Vec::len), Some(5));
    assert_eq!(
        expected[4]["customerId"], "😀-9",
        "string ids sort byte by byte"
    );

    let columns = js_sys::Object::new();
    let set = |k: &str, v: &JsValue| js_sys::Reflect::set(&columns, &k.into(), v).unwrap();
    set("customerIds", &js(&serde_json::json!(ids)));
    set("amounts", &js(&serde_json::json!(amounts)));
    set("dates", &js_sys::Int32Array::from(days.as_slice()).into());
    let by_days =
        crm_wasm::rfm_score(columns.clone().into(), as_of.clone(), config.clone()).unwrap();
    assert_eq!(back(&by_days), expected);
    set("dates", &js(&serde_json::json!(texts)));
    let by_text =
        crm_wasm::rfm_score(columns.clone().into(), as_of.clone(), config.clone()).unwrap();
    assert_eq!(back(&by_text), expected);

    // 2026-06-29T23:30-05:00 is 2026-06-30 in UTC: one day of recency from 2026-07-01.
    let late = js_sys::Date::new(&JsValue::from_str("2026-06-29T23:30:00-05:00"));
    let order = js_sys::Object::new();
    js_sys::Reflect::set(&order, &"customerId".into(), &"c".into()).unwrap();
    js_sys::Reflect::set(&order, &"date".into(), &late).unwrap();
    js_sys::Reflect::set(&order, &"amount".into(), &"1".into()).unwrap();
    let as_of = js_sys::Date::new(&JsValue::from_str("2026-07-01T00:00:00Z"));
    let rows = crm_wasm::rfm_score(
        js_sys::Array::of1(&order).into(),
        as_of.into(),
        JsValue::UNDEFINED,
    )
    .unwrap();
    assert_eq!(back(&rows)[0]["recencyDays"], 1);

    set("amounts", &js(&serde_json::json!(amounts[1..])));
    let err = crm_wasm::rfm_score(
        columns.into(),
        JsValue::from_str("2026-06-30"),
        JsValue::UNDEFINED,
    )
    .unwrap_err();
    assert_eq!(error_code(&err), "INVALID_INPUT");
}
