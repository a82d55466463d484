//! The field-level merge of an edit made on a version the server has moved past: edits to
//! different fields both apply; on the same field the edit the server applies last wins, and the
//! value it overwrites is reported so it can be kept as a conflict record.

use serde_json::{Map, Value};
use std::collections::BTreeMap;

/// The record an edit operation names, and the argument holding its id.
pub(crate) fn edited_record(op: &str) -> Option<(crate::error::EntityKind, &'static str)> {
    use crate::error::EntityKind;
    match op {
        "update_customer" => Some((EntityKind::Customer, "id")),
        "update_opportunity" | "move_opportunity" => {
            Some((EntityKind::Opportunity, "opportunity_id"))
        }
        _ => None,
    }
}

/// The fields a patch sets, by path, with the values it sets them to. List edits that commute
/// (`add_tags`, `remove_tags`) merge by themselves and are left out.
pub(crate) fn patch_fields(args: &Value) -> BTreeMap<String, Value> {
    let mut out = BTreeMap::new();
    let Some(patch) = args.get("patch").and_then(Value::as_object) else {
        if let Some(stage) = args.get("stage") {
            out.insert("stage".to_string(), stage.clone());
        }
        return out;
    };
    for (key, value) in patch {
        match (key.as_str(), value) {
            (_, Value::Null) | ("add_tags" | "remove_tags", _) => {}
            ("clear_level", Value::Bool(true)) => {
                out.insert("level".to_string(), Value::Null);
            }
            ("clear_level", _) => {}
            ("custom_fields", Value::Object(fields)) => {
                for (name, v) in fields {
                    out.insert(format!("custom_fields.{name}"), v.clone());
                }
            }
            _ => {
                out.insert(key.clone(), value.clone());
            }
        }
    }
    out
}

/// A field's value in a record's serde form; a missing one reads as null.
pub(crate) fn field_value(record: &Value, path: &str) -> Value {
    let mut at = record;
    for part in path.splitn(2, '.') {
        match at.get(part) {
            Some(v) => at = v,
            None => return Value::Null,
        }
    }
    at.clone()
}

/// The base a device records for an edit: the current values of the fields it sets.
pub(crate) fn base_fields(args: &Value, record: &Value) -> BTreeMap<String, Value> {
    patch_fields(args)
        .into_keys()
        .map(|path| {
            let value = field_value(record, &path);
            (path, value)
        })
        .collect()
}

/// One field two users changed: `(path, kept, lost, seen)`.
pub(crate) type Overwrite = (String, Value, Value, Value);

/// Rebases `args` on the record's current version and lists the values the edit overwrites
/// that its author had not seen (the record changed there since `seen`).
pub(crate) fn rebase(
    args: &mut Map<String, Value>,
    seen: &BTreeMap<String, Value>,
    current: &Value,
    current_version: u64,
) -> Vec<Overwrite> {
    let edits = patch_fields(&Value::Object(args.clone()));
    args.insert("expected_version".to_string(), Value::from(current_version));
    edits
        .into_iter()
        .filter_map(|(path, kept)| {
            let now = field_value(current, &path);
            let before = seen.get(&path).cloned().unwrap_or(Value::Null);
            (now != before && now != kept).then_some((path, kept, now, before))
        })
        .collect()
}

/// The server's ids for a replica's temporary ones: in creation order within each kind of
/// record (the same rules number the same records on both sides).
pub(crate) fn pair_ids(local: &[String], server: &[String]) -> Vec<(String, String)> {
    let prefix = |id: &String| id.rsplit_once('-').map(|(p, _)| p.to_string());
    let mut by_prefix: BTreeMap<Option<String>, Vec<&String>> = BTreeMap::new();
    for id in server {
        by_prefix.entry(prefix(id)).or_default().push(id);
    }
    let mut taken: BTreeMap<Option<String>, usize> = BTreeMap::new();
    local
        .iter()
        .filter_map(|id| {
            let p = prefix(id);
            let n = taken.entry(p.clone()).or_default();
            let real = by_prefix.get(&p)?.get(*n)?;
            *n += 1;
            Some((id.clone(), (*real).clone()))
        })
        .collect()
}

/// Replaces every text in `value` that is a renamed id.
pub(crate) fn rename(value: &mut Value, renamed: &BTreeMap<String, String>) {
    match value {
        Value::String(s) => {
            if let Some(real) = renamed.get(s.as_str()) {
                *s = real.clone();
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|v| rename(v, renamed)),
        Value::Object(map) => map.values_mut().for_each(|v| rename(v, renamed)),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn patch_fields_name_paths_and_skip_commuting_lists() {
        let args = json!({"id": "c-1", "expected_version": 2, "patch": {
            "name": "A", "add_tags": ["x"], "clear_level": true, "level": null,
            "custom_fields": {"budget": {"number": "5"}}
        }});
        let fields = patch_fields(&args);
        assert_eq!(
            fields.keys().collect::<Vec<_>>(),
            ["custom_fields.budget", "level", "name"]
        );
        assert_eq!(fields["level"], Value::Null);
    }

    #[test]
    fn rebase_reports_only_fields_changed_by_someone_else() {
        let mut args = json!({"id": "c-1", "expected_version": 2,
            "patch": {"name": "Mine", "region": "上海"}})
        .as_object()
        .cloned()
        .unwrap();
        let seen = BTreeMap::from([
            ("name".to_string(), json!("Old")),
            ("region".to_string(), json!("北京")),
        ]);
        // Since version 2 someone renamed it; the region is untouched.
        let current = json!({"name": "Theirs", "region": "北京"});
        let lost = rebase(&mut args, &seen, &current, 5);
        assert_eq!(args["expected_version"], json!(5));
        assert_eq!(
            lost,
            vec![(
                "name".to_string(),
                json!("Mine"),
                json!("Theirs"),
                json!("Old")
            )]
        );
    }

    #[test]
    fn the_same_value_set_twice_is_no_conflict() {
        let mut args = json!({"patch": {"name": "Same"}})
            .as_object()
            .cloned()
            .unwrap();
        let seen = BTreeMap::from([("name".to_string(), json!("Old"))]);
        assert!(rebase(&mut args, &seen, &json!({"name": "Same"}), 3).is_empty());
    }
}
