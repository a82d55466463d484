//! crm for JavaScript: a `Crm` class over the core's operation table. Values cross the boundary once
//! per call as JSON text: `JSON.stringify` turns `Date`s into ISO strings on the way in, and a
//! reviver turns instants back into `Date`s on the way out. Errors are thrown as `CrmError`, a real
//! `Error` subclass with the stable `code` every surface shares.

mod case;
mod sla;
mod types;

use chrono::{DateTime, Utc};
use crm_core::{api, Clock, CrmError, FixedClock};
use serde_json::Value;
use std::sync::Arc;
use wasm_bindgen::prelude::*;

#[wasm_bindgen(inline_js = r#"
export class CrmError extends Error {
  constructor(code, message, details) {
    super(message);
    this.name = "CrmError";
    this.code = code;
    this.details = details;
  }
}
const INSTANT = /(^at$|At$|^ownedSince$)/;
export function makeError(code, message, details) {
  return new CrmError(code, message, revive(details));
}
export function revive(text) {
  return JSON.parse(text, (key, value) => (typeof value === "string" && INSTANT.test(key) ? new Date(value) : value));
}
export function jsonOf(value) {
  return value === undefined ? "null" : JSON.stringify(value);
}
export function nowMs() {
  return Date.now();
}
"#)]
extern "C" {
    #[wasm_bindgen(js_name = makeError)]
    fn make_error(code: &str, message: &str, details: &str) -> JsValue;
    pub(crate) fn revive(text: &str) -> JsValue;
    #[wasm_bindgen(js_name = jsonOf, catch)]
    pub(crate) fn json_of(value: &JsValue) -> Result<String, JsValue>;
    #[wasm_bindgen(js_name = nowMs)]
    fn now_ms() -> f64;
}

/// The browser's or Node's clock (wasm32 has no system clock of its own).
struct JsClock;

impl Clock for JsClock {
    fn now(&self) -> DateTime<Utc> {
        DateTime::from_timestamp_millis(now_ms() as i64).unwrap_or_default()
    }
}

pub(crate) fn throw(error: &CrmError) -> JsValue {
    let json = api::error_json(error);
    let details = case::to_camel(json["details"].clone());
    make_error(error.code(), &error.to_string(), &details.to_string())
}

pub(crate) fn invalid(field: &str, reason: impl Into<String>) -> JsValue {
    throw(&CrmError::InvalidInput {
        field: field.into(),
        reason: reason.into(),
    })
}

pub(crate) fn instant(value: &JsValue, field: &str) -> Result<DateTime<Utc>, JsValue> {
    let text = json_of(value).map_err(|_| invalid(field, "not serialisable"))?;
    serde_json::from_str::<DateTime<Utc>>(&text)
        .map_err(|_| invalid(field, "a Date or an ISO-8601 string with an offset"))
}

/// A CRM organisation on the in-memory store.
#[wasm_bindgen]
pub struct Crm {
    inner: crm_core::Crm,
    fixed: Option<Arc<FixedClock>>,
}

#[wasm_bindgen]
impl Crm {
    /// `options.now` (a `Date` or ISO string) fixes the clock, which `setNow` then moves; without it
    /// the JavaScript clock is used.
    #[wasm_bindgen(constructor)]
    pub fn new(
        #[wasm_bindgen(unchecked_param_type = "CrmOptions | undefined")] options: JsValue,
    ) -> Result<Crm, JsValue> {
        let now = if options.is_undefined() || options.is_null() {
            JsValue::UNDEFINED
        } else {
            js_sys::Reflect::get(&options, &"now".into())
                .map_err(|_| invalid("options", "an object"))?
        };
        let fixed = if now.is_undefined() {
            None
        } else {
            Some(Arc::new(FixedClock::new(instant(&now, "now")?)))
        };
        let clock: Arc<dyn Clock> = match &fixed {
            Some(f) => f.clone(),
            None => Arc::new(JsClock),
        };
        Ok(Crm {
            inner: crm_core::Crm::in_memory(clock),
            fixed,
        })
    }

    /// Moves the fixed clock (throws INVALID_STATE when the CRM runs on the JavaScript clock).
    #[wasm_bindgen(js_name = setNow)]
    pub fn set_now(
        &self,
        #[wasm_bindgen(unchecked_param_type = "Date | string")] now: JsValue,
    ) -> Result<(), JsValue> {
        let Some(clock) = &self.fixed else {
            return Err(throw(&CrmError::InvalidState {
                reason: "this CRM runs on the JavaScript clock; pass { now } to fix it".into(),
            }));
        };
        clock.set(instant(&now, "now")?);
        Ok(())
    }

    #[wasm_bindgen(unchecked_return_type = "Date")]
    pub fn now(&self) -> JsValue {
        js_sys::Date::new(&JsValue::from_f64(
            self.inner.now().timestamp_millis() as f64
        ))
        .into()
    }

    /// Runs any operation of the core by its snake_case name with camelCase arguments.
    #[wasm_bindgen(unchecked_return_type = "unknown")]
    pub fn call(
        &self,
        op: &str,
        actor: &str,
        #[wasm_bindgen(unchecked_param_type = "object")] args: JsValue,
    ) -> Result<JsValue, JsValue> {
        let text = json_of(&args).map_err(|_| invalid("args", "not serialisable as JSON"))?;
        let value: Value =
            serde_json::from_str(&text).map_err(|e| invalid("args", e.to_string()))?;
        let value = if value.is_null() {
            Value::Object(Default::default())
        } else {
            value
        };
        if !value.is_object() {
            return Err(invalid("args", "an object of named arguments"));
        }
        let result =
            api::call(&self.inner, op, actor, &case::to_snake(value)).map_err(|e| throw(&e))?;
        Ok(revive(&case::to_camel(result).to_string()))
    }

    /// Every operation name `call` accepts.
    pub fn operations() -> Vec<String> {
        api::OPERATIONS
            .iter()
            .chain(api::SLA_OPERATIONS)
            .map(|s| s.to_string())
            .collect()
    }
}

/// Typed methods, one per operation: each names its arguments and forwards to `call`.
macro_rules! operations {
    ($( $js:literal $rust:ident ($($arg:ident : $ty:literal),*) -> $ret:literal = $op:literal { $($key:tt : $val:ident),* } ;)*) => {
        #[wasm_bindgen]
        impl Crm {
            $(
                #[wasm_bindgen(js_name = $js, unchecked_return_type = $ret)]
                #[allow(unused_assignments)]
                pub fn $rust(&self, $( #[wasm_bindgen(unchecked_param_type = $ty)] $arg: JsValue ),*) -> Result<JsValue, JsValue> {
                    let args = js_sys::Object::new();
                    #[allow(unused_mut, unused_assignments)]
                    let mut actor = String::new();
                    $( operations!(@arg args actor $key $val); )*
                    self.call($op, &actor, args.into())
                }
            )*
        }
    };
    (@arg $args:ident $actor:ident "actor" $val:ident) => {
        $actor = $val.as_string().ok_or_else(|| invalid("actor", "a user id string"))?;
    };
    (@arg $args:ident $actor:ident "..." $val:ident) => {
        if !$val.is_undefined() && !$val.is_null() {
            js_sys::Object::assign(&$args, $val.unchecked_ref::<js_sys::Object>());
        }
    };
    (@arg $args:ident $actor:ident $key:literal $val:ident) => {
        js_sys::Reflect::set(&$args, &$key.into(), &$val).map_err(|_| invalid($key, "unsettable"))?;
    };
}

operations! {
    "bootstrap" bootstrap(admin_name: "string", settings: "OrgSettings | undefined") -> "User" = "bootstrap" { "adminName": admin_name, "settings": settings };
    "settings" settings() -> "OrgSettings" = "settings" {};
    "updateSettings" update_settings(actor: "string", settings: "OrgSettings") -> "OrgSettings" = "update_settings" { "actor": actor, "settings": settings };
    "createTeam" create_team(actor: "string", name: "string") -> "Team" = "create_team" { "actor": actor, "name": name };
    "teams" teams(actor: "string") -> "Team[]" = "teams" { "actor": actor };
    "createUser" create_user(actor: "string", input: "NewUser") -> "User" = "create_user" { "actor": actor, "...": input };
    "user" user(actor: "string", id: "string") -> "User" = "user" { "actor": actor, "id": id };
    "users" users(actor: "string") -> "User[]" = "users" { "actor": actor };
    "deactivateUser" deactivate_user(actor: "string", id: "string", reason: "string") -> "User" = "deactivate_user" { "actor": actor, "id": id, "reason": reason };
    "createCustomer" create_customer(actor: "string", input: "NewCustomer") -> "CustomerCreated" = "create_customer" { "actor": actor, "...": input };
    "customer" customer(actor: "string", id: "string") -> "Customer" = "customer" { "actor": actor, "id": id };
    "customers" customers(actor: "string") -> "Customer[]" = "customers" { "actor": actor };
    "updateCustomer" update_customer(actor: "string", id: "string", expected_version: "number", patch: "CustomerPatch") -> "Customer" = "update_customer" { "actor": actor, "id": id, "expectedVersion": expected_version, "patch": patch };
    "transferCustomer" transfer_customer(actor: "string", id: "string", expected_version: "number", to: "string", reason: "string") -> "Customer" = "transfer_customer" { "actor": actor, "id": id, "expectedVersion": expected_version, "to": to, "reason": reason };
    "addContact" add_contact(actor: "string", customer_id: "string", contact: "NewContact") -> "Contact" = "add_contact" { "actor": actor, "customerId": customer_id, "contact": contact };
    "contacts" contacts(actor: "string", customer_id: "string") -> "Contact[]" = "contacts" { "actor": actor, "customerId": customer_id };
    "recordFollowUp" record_follow_up(actor: "string", customer_id: "string", follow_up: "NewFollowUp") -> "FollowUp" = "record_follow_up" { "actor": actor, "customerId": customer_id, "followUp": follow_up };
    "followUps" follow_ups(actor: "string", customer_id: "string") -> "FollowUp[]" = "follow_ups" { "actor": actor, "customerId": customer_id };
    "overdueFollowUps" overdue_follow_ups(actor: "string", rep_id: "string | undefined") -> "OverdueFollowUp[]" = "overdue_follow_ups" { "actor": actor, "repId": rep_id };
    "findDuplicates" find_duplicates(actor: "string", probe: "DuplicateProbe") -> "DuplicateMatch[]" = "find_duplicates" { "actor": actor, "...": probe };
    "duplicatesOf" duplicates_of(actor: "string", customer_id: "string") -> "DuplicateMatch[]" = "duplicates_of" { "actor": actor, "customerId": customer_id };
    "mergeCustomers" merge_customers(actor: "string", survivor_id: "string", merged_id: "string") -> "Customer" = "merge_customers" { "actor": actor, "survivorId": survivor_id, "mergedId": merged_id };
    "handover" handover(actor: "string", from: "string", to: "string", reason: "string") -> "string[]" = "handover" { "actor": actor, "from": from, "to": to, "reason": reason };
    "ownershipHistory" ownership_history(actor: "string", customer_id: "string") -> "OwnershipChange[]" = "ownership_history" { "actor": actor, "customerId": customer_id };
    "customerEvents" customer_events(actor: "string", customer_id: "string") -> "CrmEvent[]" = "customer_events" { "actor": actor, "customerId": customer_id };
    "events" events(actor: "string", after: "number", limit: "number | undefined") -> "CrmEvent[]" = "events" { "actor": actor, "after": after, "limit": limit };
}
