//! Replays the parity scenarios of `tests/scenarios/` against the Rust service layer.

use crate::clock::FixedClock;
use crate::service::Crm;
use crate::store::Store;
use crate::CrmError;
use chrono::{DateTime, Utc};
use serde::de::DeserializeOwned;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// The scenario directory of this workspace.
pub fn scenario_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/scenarios")
}

/// Every scenario file, sorted by name.
pub fn scenario_files() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(scenario_dir())
        .expect("tests/scenarios exists")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    files
}

/// Replays every scenario on a fresh store from `new_store`; panics with every failure found.
pub fn run_all(new_store: &dyn Fn() -> Box<dyn Store>) {
    let files = scenario_files();
    assert!(!files.is_empty(), "no scenarios found");
    let failures: Vec<String> = files
        .iter()
        .filter_map(|f| run_file(f, new_store()).err())
        .collect();
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Replays one scenario file; the error names the file, the step and the difference.
pub fn run_file(path: &Path, store: Box<dyn Store>) -> Result<(), String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let scenario: Value =
        serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?;
    let start: DateTime<Utc> =
        from(&scenario["start"]).map_err(|e| format!("{}: start: {e}", path.display()))?;
    let clock = Arc::new(FixedClock::new(start));
    let crm = Crm::new(store, clock.clone());
    let steps = scenario["steps"].as_array().cloned().unwrap_or_default();
    for (i, step) in steps.iter().enumerate() {
        let op = step["op"].as_str().unwrap_or_default();
        let where_ = format!("{} step {} ({op})", path.display(), i + 1);
        let outcome =
            run_step(&crm, &clock, step).map_err(|e| format!("{where_}: bad step: {e}"))?;
        match (outcome, step.get("error"), step.get("expect")) {
            (Ok(_), Some(code), _) => {
                return Err(format!("{where_}: expected error {code}, got success"))
            }
            (Err(e), Some(code), _) if code.as_str() != Some(e.code()) => {
                return Err(format!(
                    "{where_}: expected error {code}, got {} ({e})",
                    e.code()
                ))
            }
            (Err(e), None, _) => {
                return Err(format!("{where_}: unexpected error {} ({e})", e.code()))
            }
            (Ok(actual), None, Some(expected)) => {
                if let Err(diff) = matches(expected, &actual, "$") {
                    return Err(format!("{where_}: {diff}\n  actual: {actual}"));
                }
            }
            _ => {}
        }
    }
    Ok(())
}

fn from<T: DeserializeOwned>(v: &Value) -> Result<T, String> {
    serde_json::from_value(v.clone()).map_err(|e| e.to_string())
}

/// Runs one step: the outer error is a malformed step, the inner one the operation's own.
fn run_step(
    crm: &Crm,
    clock: &FixedClock,
    step: &Value,
) -> Result<Result<Value, CrmError>, String> {
    let args = step
        .get("args")
        .cloned()
        .unwrap_or(Value::Object(Default::default()));
    let actor = step["actor"].as_str().unwrap_or_default();
    match step["op"].as_str().unwrap_or_default() {
        "set_now" => {
            clock.set(from(&args["now"])?);
            Ok(Ok(Value::Null))
        }
        op => Ok(crate::api::call(crm, op, actor, &args)),
    }
}

/// Subset matching as the scenario README defines it.
pub fn matches(expected: &Value, actual: &Value, path: &str) -> Result<(), String> {
    let fail = || Err(format!("at {path}: expected {expected}, got {actual}"));
    match (expected, actual) {
        (Value::Null, Value::Null) => Ok(()),
        (Value::Object(e), Value::Object(a)) => {
            for (k, ev) in e {
                let av = a.get(k).unwrap_or(&Value::Null);
                matches(ev, av, &format!("{path}.{k}"))?;
            }
            Ok(())
        }
        (Value::Array(e), Value::Array(a)) => {
            if e.len() != a.len() {
                return Err(format!(
                    "at {path}: expected {} items, got {}: {actual}",
                    e.len(),
                    a.len()
                ));
            }
            for (i, (ev, av)) in e.iter().zip(a).enumerate() {
                matches(ev, av, &format!("{path}[{i}]"))?;
            }
            Ok(())
        }
        (Value::Number(e), Value::Number(a)) if e.as_f64() == a.as_f64() => Ok(()),
        (Value::String(e), Value::String(a)) => {
            let instant = |s: &str| DateTime::parse_from_rfc3339(s).ok();
            match (instant(e), instant(a)) {
                (Some(x), Some(y)) if x == y => Ok(()),
                _ if e == a => Ok(()),
                _ => fail(),
            }
        }
        (e, a) if e == a => Ok(()),
        _ => fail(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn subset_matching_follows_the_readme() {
        let actual =
            json!({"a": 1, "b": [{"x": 1, "y": 2}], "t": "2026-01-01T08:00:00+08:00", "n": null});
        assert!(matches(&json!({"a": 1}), &actual, "$").is_ok());
        assert!(matches(&json!({"b": [{"y": 2}]}), &actual, "$").is_ok());
        assert!(matches(&json!({"t": "2026-01-01T00:00:00Z"}), &actual, "$").is_ok());
        assert!(matches(&json!({"n": null, "missing": null}), &actual, "$").is_ok());
        assert!(matches(&json!({"a": 2}), &actual, "$").is_err());
        assert!(matches(&json!({"b": []}), &actual, "$").is_err());
        assert!(matches(&json!({"missing": 1}), &actual, "$").is_err());
    }
}
