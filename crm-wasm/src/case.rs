//! JS spells keys in camelCase, the core in snake_case. Keys inside `custom_fields` are the user's
//! own field names and keep their spelling.

use serde_json::Value;

/// Maps whose keys are the user's own names (custom field names).
const DATA_MAPS: &[&str] = &["custom_fields", "customFields"];
/// Subtrees whose keys are all data (SLA targets: priority, then metric names as values spell them).
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

fn convert(value: Value, rename: fn(&str) -> String, data: bool) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.into_iter()
                .map(|(k, v)| {
                    if VERBATIM.contains(&k.as_str()) {
                        return (k, v);
                    }
                    let nested_data = DATA_MAPS.contains(&k.as_str());
                    let key = if data { k } else { rename(&k) };
                    let v = if data {
                        // A custom field value is {type, value}: plain keys again.
                        convert(v, rename, false)
                    } else {
                        convert(v, rename, nested_data)
                    };
                    (key, v)
                })
                .collect(),
        ),
        Value::Array(items) => Value::Array(
            items
                .into_iter()
                .map(|v| convert(v, rename, false))
                .collect(),
        ),
        other => other,
    }
}

pub fn to_camel(value: Value) -> Value {
    convert(value, camel, false)
}

pub fn to_snake(value: Value) -> Value {
    convert(value, snake, false)
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
}
