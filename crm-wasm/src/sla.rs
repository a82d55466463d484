//! SLA timing for JavaScript: free functions over a calendar's TOML text. The batch form takes and
//! returns `Float64Array`s of epoch milliseconds, crossing the boundary once per batch.

use crate::{case, instant, invalid, json_of, revive, throw};
use crm_core::api;
use crm_core::sla::parse_calendar;
use serde_json::{json, Value};
use wasm_bindgen::prelude::*;

fn whole_minutes(minutes: f64) -> Result<i64, JsValue> {
    if minutes.is_finite() && minutes.fract() == 0.0 && minutes.abs() < 1e15 {
        Ok(minutes as i64)
    } else {
        Err(invalid("minutes", "a whole number of minutes"))
    }
}

fn run(op: &str, args: Value) -> Result<Value, JsValue> {
    match api::call_sla(op, &args) {
        Some(result) => result.map_err(|e| throw(&e)),
        None => Err(invalid("op", format!("{op:?} is not an SLA operation"))),
    }
}

fn js_json(value: &JsValue, field: &str) -> Result<Value, JsValue> {
    let text = json_of(value).map_err(|_| invalid(field, "not serialisable"))?;
    serde_json::from_str(&text)
        .map(case::to_snake)
        .map_err(|e| invalid(field, e.to_string()))
}

/// The instant `minutes` of working time are used up, counting from `start`.
#[wasm_bindgen(js_name = slaDue, unchecked_return_type = "Date")]
pub fn sla_due(
    calendar: &str,
    #[wasm_bindgen(unchecked_param_type = "Date | string")] start: JsValue,
    minutes: f64,
) -> Result<JsValue, JsValue> {
    let args = json!({"calendar": calendar, "start": instant(&start, "start")?, "minutes": whole_minutes(minutes)?});
    let due = run("sla_due", args)?;
    Ok(revive(&json!({"at": due["due_at"]}).to_string())
        .dyn_into::<js_sys::Object>()
        .map_or(JsValue::NULL, |o| {
            js_sys::Reflect::get(&o, &"at".into()).unwrap_or(JsValue::NULL)
        }))
}

/// Working milliseconds between two instants (negative when `to` is before `from`).
#[wasm_bindgen(js_name = slaElapsed)]
pub fn sla_elapsed(
    calendar: &str,
    #[wasm_bindgen(unchecked_param_type = "Date | string")] from: JsValue,
    #[wasm_bindgen(unchecked_param_type = "Date | string")] to: JsValue,
) -> Result<f64, JsValue> {
    let args =
        json!({"calendar": calendar, "from": instant(&from, "from")?, "to": instant(&to, "to")?});
    let result = run("sla_elapsed", args)?;
    Ok(result["elapsed_ms"].as_i64().unwrap_or_default() as f64)
}

/// `{ working, nextWorkingAt }` at an instant: whether it is working time, and the next one that is.
#[wasm_bindgen(js_name = slaWorkingAt, unchecked_return_type = "WorkingAt")]
pub fn sla_working_at(
    calendar: &str,
    #[wasm_bindgen(unchecked_param_type = "Date | string")] at: JsValue,
) -> Result<JsValue, JsValue> {
    let result = run(
        "sla_working_at",
        json!({"calendar": calendar, "at": instant(&at, "at")?}),
    )?;
    Ok(revive(&case::to_camel(result).to_string()))
}

/// Due times (epoch ms) for many tickets: `starts` in epoch ms, `minutes` of working time each.
#[wasm_bindgen(js_name = slaDueBatch)]
pub fn sla_due_batch(calendar: &str, starts: &[f64], minutes: &[f64]) -> Result<Vec<f64>, JsValue> {
    let cal = parse_calendar(calendar).map_err(|e| throw(&e))?;
    let starts: Vec<i64> = starts.iter().map(|s| *s as i64).collect();
    let work = minutes
        .iter()
        .map(|m| whole_minutes(*m).map(|m| m.saturating_mul(60_000)))
        .collect::<Result<Vec<i64>, JsValue>>()?;
    let due = cal.due_batch(&starts, &work).map_err(|e| throw(&e))?;
    Ok(due.into_iter().map(|ms| ms as f64).collect())
}

/// Every SLA clock of a ticket at `now`, from its history (see `TicketEntry`).
#[wasm_bindgen(js_name = slaTicketStatus, unchecked_return_type = "ClockStatus[]")]
pub fn sla_ticket_status(
    calendar: &str,
    #[wasm_bindgen(unchecked_param_type = "SlaPolicy")] policy: JsValue,
    #[wasm_bindgen(unchecked_param_type = "TicketEntry[]")] history: JsValue,
    #[wasm_bindgen(unchecked_param_type = "Date | string")] now: JsValue,
) -> Result<JsValue, JsValue> {
    let args = json!({
        "calendar": calendar,
        "policy": js_json(&policy, "policy")?,
        "history": js_json(&history, "history")?,
        "now": instant(&now, "now")?,
    });
    let result = run("sla_ticket_status", args)?;
    Ok(revive(&case::to_camel(result).to_string()))
}
