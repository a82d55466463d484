//! Replays the parity scenarios of `tests/scenarios/` against the Rust service layer.

use crate::clock::FixedClock;
use crate::service::Crm;
use crate::store::Store;
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

/// Where a scenario's steps run: the service in-process, or a surface around it (a server).
pub trait Surface {
    /// Moves the scenario's clock (the runner-only op `set_now`).
    fn set_now(&mut self, now: DateTime<Utc>);
    /// Runs one operation; an error is its stable code and message.
    fn call(&mut self, op: &str, actor: &str, args: &Value) -> Result<Value, (String, String)>;
    /// The code this surface gives where the in-process service gives `code` (a server answers
    /// a record outside the caller's scope as not found, for one): the same unless it says why.
    fn expected_code(&self, code: &str, _step: &Value) -> String {
        code.to_string()
    }
}

/// The service in-process on a fixed clock.
struct InProcess {
    crm: Crm,
    clock: Arc<FixedClock>,
}

impl Surface for InProcess {
    fn set_now(&mut self, now: DateTime<Utc>) {
        self.clock.set(now);
    }

    fn call(&mut self, op: &str, actor: &str, args: &Value) -> Result<Value, (String, String)> {
        crate::api::call(&self.crm, op, actor, args)
            .map_err(|e| (e.code().to_string(), e.to_string()))
    }
}

/// Replays one scenario file; the error names the file, the step and the difference.
pub fn run_file(path: &Path, store: Box<dyn Store>) -> Result<(), String> {
    let mut store = Some(store);
    run_file_on(path, &mut |start| {
        let clock = Arc::new(FixedClock::new(start));
        let store = store.take().expect("a scenario opens its surface once");
        Box::new(InProcess {
            crm: Crm::new(store, clock.clone()),
            clock,
        })
    })
}

/// Replays one scenario file on the surface `open` makes for the scenario's start time.
pub fn run_file_on(
    path: &Path,
    open: &mut dyn FnMut(DateTime<Utc>) -> Box<dyn Surface>,
) -> Result<(), String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let scenario: Value =
        serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?;
    let start: DateTime<Utc> =
        from(&scenario["start"]).map_err(|e| format!("{}: start: {e}", path.display()))?;
    let mut surface = open(start);
    let steps = scenario["steps"].as_array().cloned().unwrap_or_default();
    for (i, step) in steps.iter().enumerate() {
        let op = step["op"].as_str().unwrap_or_default();
        let where_ = format!("{} step {} ({op})", path.display(), i + 1);
        let outcome =
            run_step(surface.as_mut(), step).map_err(|e| format!("{where_}: bad step: {e}"))?;
        let expected = step
            .get("error")
            .and_then(Value::as_str)
            .map(|code| surface.expected_code(code, step));
        match (outcome, expected, step.get("expect")) {
            (Ok(_), Some(code), _) => {
                return Err(format!("{where_}: expected error {code}, got success"))
            }
            (Err((got, message)), Some(code), _) if code != got => {
                return Err(format!(
                    "{where_}: expected error {code}, got {got} ({message})"
                ))
            }
            (Err((got, message)), None, _) => {
                return Err(format!("{where_}: unexpected error {got} ({message})"))
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
    surface: &mut dyn Surface,
    step: &Value,
) -> Result<Result<Value, (String, String)>, String> {
    let args = step
        .get("args")
        .cloned()
        .unwrap_or(Value::Object(Default::default()));
    let actor = step["actor"].as_str().unwrap_or_default();
    match step["op"].as_str().unwrap_or_default() {
        "set_now" => {
            surface.set_now(from(&args["now"])?);
            Ok(Ok(Value::Null))
        }
        op => Ok(surface.call(op, actor, &args)),
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
