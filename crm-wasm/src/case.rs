//! JS spells keys in camelCase, the core in snake_case. Keys of data maps are the user's own
//! names or ids and keep their spelling: custom field names, customer levels (a recycling rule's
//! days per level), rep ids (an allocator's usage and round-robin state, a commission quota's
//! reps), an opportunity's custom `fields`.

use serde_json::Value;

/// Maps whose keys are data, by the name of the key that holds them.
const DATA_MAPS: &[&str] = &[
    "custom_fields",
    "customFields",
    "days_by_level",
    "daysByLevel",
    "usage",
    "fields",
];
/// Maps whose keys are data, by their key and the key of the object that holds them (names too
/// common to trust alone): an allocator's `state.current` (rep ids).
const NESTED_DATA_MAPS: &[(&str, &str)] = &[("state", "current"), ("quota", "reps")];
/// Maps whose keys are all data, all the way down (SLA targets: priority, then metric names as
/// values spell them). Only maps: a list under the same key (performance targets) is records.
const VERBATIM: &[&str] = &["targets"];

fn camel(key: &str) -> String {
    let mut out = String::with_capacity(key.len());
    let mut upper = false;
    for ch in key.chars() {
        if ch == '_' {
            upper = true;
        } else if upper {
            out.extend(ch.to_uppercase());
            upper = false;
        } else {
            out.push(ch);
        }
    }
    out
}

fn snake(key: &str) -> String {
    let mut out = String::with_capacity(key.len() + 4);
    for ch in key.chars() {
        if ch.is_ascii_uppercase() {
            out.push('_');
            out.push(ch.to_ascii_lowercase());
        } else {
            out.push(ch);
        }
    }
    out
}

/// Renames the keys of `value`, whose own key was `parent`. In a data map (`data`) the keys stay
/// and the values' keys are renamed again.
fn convert(value: Value, rename: fn(&str) -> String, data: bool, parent: Option<&str>) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.into_iter()
                .map(|(k, v)| {
                    if data {
                        let v = convert(v, rename, false, None);
                        return (k, v);
                    }
                    if VERBATIM.contains(&k.as_str()) && v.is_object() {
                        return (k, v);
                    }
                    let nested_data = DATA_MAPS.contains(&k.as_str())
                        || parent.is_some_and(|p| NESTED_DATA_MAPS.contains(&(p, k.as_str())));
                    let v = convert(v, rename, nested_data, Some(&k));
                    (rename(&k), v)
                })
                .collect(),
        ),
        Value::Array(items) => Value::Array(
            items
                .into_iter()
                .map(|v| convert(v, rename, false, None))
                .collect(),
        ),
        other => other,
    }
}

pub fn to_camel(value: Value) -> Value {
    convert(value, camel, false, None)
}

pub fn to_snake(value: Value) -> Value {
    convert(value, snake, false, None)
}

/// Renames every object key of compact JSON text (as `JSON.stringify` and serde_json write it: a
/// key is a string followed by `:`), without building a tree: for large batches whose keys are all
/// names (no maps keyed by data). Keys without `trigger` stay as they are.
fn rename_keys(json: &str, rename: fn(&str) -> String, trigger: fn(&str) -> bool) -> String {
    let bytes = json.as_bytes();
    let mut out = String::with_capacity(json.len() + json.len() / 16);
    let (mut i, mut copied) = (0, 0);
    while i < bytes.len() {
        if bytes[i] == b'"' {
            let start = i + 1;
            i = start;
            while i < bytes.len() && bytes[i] != b'"' {
                i += if bytes[i] == b'\\' { 2 } else { 1 };
            }
            // `"` and `\` never occur inside a multi-byte character: both ends are boundaries.
            let end = i.min(bytes.len());
            if bytes.get(end + 1) == Some(&b':') && trigger(&json[start..end]) {
                out.push_str(&json[copied..start]);
                out.push_str(&rename(&json[start..end]));
                copied = end;
            }
        }
        i += 1;
    }
    out.push_str(&json[copied..]);
    out
}

/// [`rename_keys`] to camelCase.
pub fn camel_keys(json: &str) -> String {
    rename_keys(json, camel, |k| k.contains('_'))
}

/// [`rename_keys`] to snake_case.
pub fn snake_keys(json: &str) -> String {
    rename_keys(json, snake, |k| k.bytes().any(|b| b.is_ascii_uppercase()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn keys_change_case_but_custom_field_names_do_not() {
        let core = json!({"owner_id": "u-1", "custom_fields": {"budget_2026": {"type": "number", "value": "1"}}, "kind": {"type": "owner_changed", "customer_id": "c-1"}});
        let js = to_camel(core.clone());
        assert_eq!(
            js,
            json!({"ownerId": "u-1", "customFields": {"budget_2026": {"type": "number", "value": "1"}}, "kind": {"type": "owner_changed", "customerId": "c-1"}})
        );
        assert_eq!(to_snake(js), core);
        let policy =
            json!({"warn_at_percent": 75, "targets": {"P1": {"first_response": {"minutes": 60}}}});
        let js = to_camel(policy.clone());
        assert_eq!(
            js,
            json!({"warnAtPercent": 75, "targets": {"P1": {"first_response": {"minutes": 60}}}})
        );
        assert_eq!(to_snake(js), policy);
    }

    #[test]
    fn keys_of_json_text_change_case_and_values_do_not() {
        let js = r#"[{"customerId":"a_b","note":"\\\"rDrop\":1","rBefore":5,"x":{"teamId":null}},"recencyDays:"]"#;
        let core = r#"[{"customer_id":"a_b","note":"\\\"rDrop\":1","r_before":5,"x":{"team_id":null}},"recencyDays:"]"#;
        assert_eq!(snake_keys(js), core);
        assert_eq!(camel_keys(core), js);
        let value: Value = serde_json::from_str(js).unwrap();
        assert_eq!(
            serde_json::from_str::<Value>(core).unwrap(),
            to_snake(value)
        );
        assert_eq!(
            snake_keys(r#"{"客户":"é","aB":"😀"}"#),
            r#"{"客户":"é","a_b":"😀"}"#
        );
        assert_eq!(camel_keys(""), "");
        assert_eq!(camel_keys(r#""unterminated"#), r#""unterminated"#);
    }

    #[test]
    fn performance_targets_are_records_not_a_data_map() {
        let core = json!({"targets": [{"subject": {"type": "rep", "user_id": "u-2"}, "period": "2026-11", "amount": "1"}]});
        let js = to_camel(core.clone());
        assert_eq!(
            js,
            json!({"targets": [{"subject": {"type": "rep", "userId": "u-2"}, "period": "2026-11", "amount": "1"}]})
        );
        assert_eq!(to_snake(js), core);
    }

    #[test]
    fn levels_and_rep_ids_keep_their_spelling() {
        let rules = json!({"cool_down_days": 7, "recycle": [{"kind": "no_follow_up", "days": 30, "days_by_level": {"A": 60, "vip_gold": 90, "Key_Account": 120}}]});
        let js = to_camel(rules.clone());
        assert_eq!(
            js,
            json!({"coolDownDays": 7, "recycle": [{"kind": "no_follow_up", "days": 30, "daysByLevel": {"A": 60, "vip_gold": 90, "Key_Account": 120}}]})
        );
        assert_eq!(to_snake(js), rules);

        let allocator = json!([{"id": "al-1", "state": {"pointer": "rep_B", "current": {"rep_A": 2, "rep_B": -2}},
            "usage": {"rep_A": {"day": "2026-03-02", "today": 1, "total": 4}}}]);
        let js = to_camel(allocator.clone());
        assert_eq!(
            js,
            json!([{"id": "al-1", "state": {"pointer": "rep_B", "current": {"rep_A": 2, "rep_B": -2}},
                "usage": {"rep_A": {"day": "2026-03-02", "today": 1, "total": 4}}}])
        );
        assert_eq!(to_snake(js), allocator);

        // `current` is a data map under `state` only.
        assert_eq!(
            to_camel(json!({"current": {"rep_id": 1}})),
            json!({"current": {"repId": 1}})
        );
    }
}
