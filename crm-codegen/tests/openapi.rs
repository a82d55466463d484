//! The OpenAPI description holds together: every operation has its path, every reference leads
//! somewhere, and the error codes a client must handle are named.

use crm_codegen::{model, openapi};
use serde_json::Value;
use std::sync::OnceLock;

fn doc() -> &'static Value {
    static DOC: OnceLock<Value> = OnceLock::new();
    DOC.get_or_init(|| openapi::document(&model::build()))
}

#[test]
fn every_operation_has_its_path() {
    let ops = crm_core::api::ORG_OPERATIONS
        .iter()
        .chain(crm_core::api::PURE_OPERATIONS);
    for name in ops {
        let op = &doc()["paths"][format!("/v1/ops/{name}")]["post"];
        assert_eq!(op["operationId"], *name, "{name} has no path");
        let body = &op["requestBody"]["content"]["application/json"]["schema"];
        if body.get("$ref").is_none() {
            assert_eq!(body["additionalProperties"], false, "{name}");
            let props = body["properties"].as_object();
            for r in body["required"].as_array().into_iter().flatten() {
                let r = r.as_str().unwrap();
                assert!(props.is_some_and(|p| p.contains_key(r)), "{name}: {r}");
            }
        }
        assert!(op["responses"]["200"].is_object(), "{name}");
    }
    let ids: Vec<&Value> = doc()["paths"]
        .as_object()
        .unwrap()
        .values()
        .flat_map(|p| p.as_object().unwrap().values())
        .map(|o| &o["operationId"])
        .collect();
    let mut unique = ids.clone();
    unique.sort_by_key(|v| v.to_string());
    unique.dedup();
    assert_eq!(ids.len(), unique.len(), "an operationId twice");
}

fn refs<'a>(v: &'a Value, out: &mut Vec<&'a str>) {
    match v {
        Value::Object(map) => {
            for (k, x) in map {
                match (k.as_str(), x.as_str()) {
                    ("$ref", Some(r)) => out.push(r),
                    _ => refs(x, out),
                }
            }
        }
        Value::Array(xs) => xs.iter().for_each(|x| refs(x, out)),
        _ => {}
    }
}

#[test]
fn every_reference_resolves_to_a_component() {
    let mut all = Vec::new();
    refs(doc(), &mut all);
    assert!(all.len() > 100, "{} references", all.len());
    for r in all {
        assert!(
            r.starts_with("#/components/schemas/") || r.starts_with("#/components/responses/"),
            "{r} is not a component"
        );
        assert!(
            doc().pointer(&r[1..]).is_some_and(Value::is_object),
            "{r} leads nowhere"
        );
    }
    for name in doc()["components"]["schemas"].as_object().unwrap().keys() {
        assert!(
            name.chars()
                .all(|c| c.is_ascii_alphanumeric() || "._-".contains(c)),
            "{name} is not a valid component name"
        );
    }
}

#[test]
fn errors_name_every_code_with_a_status() {
    let codes: Vec<&str> = doc()["components"]["schemas"]["Error"]["properties"]["code"]["enum"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(Value::as_str)
        .collect();
    for c in [
        "UNAUTHENTICATED",
        "NOT_FOUND",
        "VERSION_CONFLICT",
        "OVERLOADED",
        "TIMEOUT",
    ] {
        assert!(codes.contains(&c), "{c} missing from {codes:?}");
    }
    // Each code answers with exactly one status.
    let model = model::build();
    let table = openapi::status_table(&model);
    for c in &codes {
        let rows = table.iter().filter(|(_, cs)| cs.iter().any(|x| x == c));
        assert_eq!(rows.count(), 1, "{c}");
    }
    let described = doc()["info"]["description"].as_str().unwrap();
    assert!(
        described.contains("| 401 | UNAUTHENTICATED |"),
        "{described}"
    );
}

#[test]
fn only_health_and_the_description_are_open() {
    assert_eq!(doc()["security"][0]["bearer"], serde_json::json!([]));
    for (path, item) in doc()["paths"].as_object().unwrap() {
        for op in item.as_object().unwrap().values() {
            let open = op.get("security") == Some(&serde_json::json!([]));
            let expected = path == "/v1/health" || path == "/v1/openapi.json";
            assert_eq!(open, expected, "{path}");
        }
    }
}
