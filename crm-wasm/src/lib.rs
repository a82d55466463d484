//! crm for JavaScript: a `Crm` class over the core's operation table. Values cross the boundary once
//! per call as JSON text: `JSON.stringify` turns `Date`s into ISO strings on the way in, and a
//! reviver turns instants back into `Date`s on the way out. Errors are thrown as `CrmError`, a real
//! `Error` subclass with the stable `code` every surface shares. Pure operations that need no
//! organisation are free functions: SLA timing (`sla`) and analytics (`analytics`: RFM, segment
//! movement, churn warnings, performance).

mod analytics;
mod case;
mod sla;
mod types;

pub use analytics::{
    commission_statement, leaderboard, performance, rfm_churn_warnings, rfm_flows, rfm_movements,
    rfm_score,
};

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
// Keys whose string values are instants: `at`, `createdAt`, `dueAt`, `ownedSince`, `clockStart`,
// `until` (locks, cool-downs), `lockedUntil` and `since` (rotting deals).
const INSTANT = /(^at$|At$|^ownedSince$|^clockStart$|^until$|Until$|^since$)/;
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
// A Date as a calendar date: its UTC day ("YYYY-MM-DD", as `toISOString()` shows it).
const isDate = (value) => Object.prototype.toString.call(value) === "[object Date]";
const utcDay = (date) => (Number.isNaN(date.getTime()) ? "Invalid Date" : date.toISOString().slice(0, -14));
// JSON text of analytics arguments, where every Date is a calendar date.
export function datesJsonOf(value) {
  if (value === undefined) return "null";
  return JSON.stringify(value, function (key, v) {
    const raw = this[key];
    return isDate(raw) ? utcDay(raw) : v;
  });
}
// An array of strings as one string and each item's end (in UTF-16 units), so that a column
// crosses into wasm in one piece; `{ bad: i }` when item i is not a string (-1: not an array).
export function packStrings(items) {
  if (!Array.isArray(items)) return { bad: -1 };
  const ends = new Uint32Array(items.length);
  let end = 0;
  for (let i = 0; i < items.length; i++) {
    const item = items[i];
    if (typeof item !== "string") return { bad: i };
    end += item.length;
    ends[i] = end;
  }
  return { text: items.join(""), ends };
}
// An array of orders { customerId, date, amount } as three packed columns (dates as strings);
// `{ bad: i, field, reason }` at the first order that does not have that shape.
export function packOrders(orders) {
  const n = orders.length;
  const ids = new Array(n), dates = new Array(n), amounts = new Array(n);
  for (let i = 0; i < n; i++) {
    const order = orders[i];
    if (order === null || typeof order !== "object") return { bad: i, reason: "an order { customerId, date, amount }" };
    const { customerId, date, amount } = order;
    if (typeof customerId !== "string") return { bad: i, field: "customerId", reason: "a customer id string" };
    if (typeof amount !== "string") return { bad: i, field: "amount", reason: "a decimal string" };
    if (isDate(date)) dates[i] = utcDay(date);
    else if (typeof date === "string") dates[i] = date;
    else return { bad: i, field: "date", reason: 'a "YYYY-MM-DD" string or a Date' };
    ids[i] = customerId;
    amounts[i] = amount;
  }
  return { customerIds: packStrings(ids), dates: packStrings(dates), amounts: packStrings(amounts) };
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
    #[wasm_bindgen(js_name = datesJsonOf, catch)]
    pub(crate) fn dates_json_of(value: &JsValue) -> Result<String, JsValue>;
    #[wasm_bindgen(js_name = packStrings, catch)]
    pub(crate) fn pack_strings(items: &JsValue) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(js_name = packOrders, catch)]
    pub(crate) fn pack_orders(orders: &JsValue) -> Result<JsValue, JsValue>;
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
        #[wasm_bindgen(unchecked_optional_param_type = "CrmOptions")] options: JsValue,
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
            .chain(api::ANALYTICS_OPERATIONS)
            .map(|s| s.to_string())
            .collect()
    }
}

/// Typed methods, one per operation: each names its arguments and forwards to `call`.
///
/// An entry lists the method's parameters as JavaScript sees them: `name: "TS type"` sets the
/// argument `name` (camelCase, the key `call` takes), except `actor`, the acting user;
/// `..name: "TS type"` spreads an object's fields into the arguments (named arguments win); after
/// `;` come optional ones, which may be left out. Descriptions are `#[doc = "..."]` attributes:
/// wasm-bindgen copies them into the TypeScript declarations, but not `///` comments passed
/// through `macro_rules!` (they arrive as raw strings, and would show their `r"`).
macro_rules! operations {
    ($(
        $(#[doc = $doc:literal])*
        $js:literal $rust:ident (
            $($arg:ident : $ty:literal),*
            $(, ..$input:ident : $input_ty:literal)?
            $(; $($opt:ident : $opt_ty:literal),+)?
            $(; ..$opt_input:ident : $opt_input_ty:literal)?
        ) -> $ret:literal = $op:literal;
    )*) => {
        #[wasm_bindgen]
        impl Crm {
            $(
                $(#[doc = $doc])*
                #[wasm_bindgen(js_name = $js, unchecked_return_type = $ret)]
                #[allow(non_snake_case, unused_assignments)]
                pub fn $rust(
                    &self,
                    $( #[wasm_bindgen(unchecked_param_type = $ty)] $arg: JsValue, )*
                    $( #[wasm_bindgen(unchecked_param_type = $input_ty)] $input: JsValue, )?
                    $($( #[wasm_bindgen(unchecked_optional_param_type = $opt_ty)] $opt: JsValue, )+)?
                    $( #[wasm_bindgen(unchecked_optional_param_type = $opt_input_ty)] $opt_input: JsValue, )?
                ) -> Result<JsValue, JsValue> {
                    let args = js_sys::Object::new();
                    #[allow(unused_mut, unused_assignments)]
                    let mut actor_id = String::new();
                    $( spread(&args, &$input, stringify!($input))?; )?
                    $( spread(&args, &$opt_input, stringify!($opt_input))?; )?
                    $( operations!(@arg args actor_id $arg $arg); )*
                    $($( operations!(@arg args actor_id $opt $opt); )+)?
                    let result = self.call($op, &actor_id, args.into())?;
                    // Operations with no result give `undefined`, as JavaScript functions do.
                    Ok(if $ret == "undefined" { JsValue::UNDEFINED } else { result })
                }
            )*
        }
    };
    (@arg $args:ident $actor:ident actor $val:ident) => {
        $actor = $val.as_string().ok_or_else(|| invalid("actor", "a user id string"))?;
    };
    (@arg $args:ident $actor:ident $key:ident $val:ident) => {
        js_sys::Reflect::set(&$args, &stringify!($key).into(), &$val)
            .map_err(|_| invalid(stringify!($key), "unsettable"))?;
    };
}

/// Copies the fields of `input` (an object, or nothing) into `args`.
fn spread(args: &js_sys::Object, input: &JsValue, field: &str) -> Result<(), JsValue> {
    if input.is_undefined() || input.is_null() {
        return Ok(());
    }
    if !input.is_object() || js_sys::Array::is_array(input) {
        return Err(invalid(field, "an object of named fields"));
    }
    js_sys::Object::assign(args, input.unchecked_ref::<js_sys::Object>());
    Ok(())
}

operations! {
    #[doc = "Creates the organisation and its first admin; `settings` default to Asia/Shanghai, duplicate"]
    #[doc = "warnings and no claim or lock limits."]
    "bootstrap" bootstrap(adminName: "string"; settings: "OrgSettingsInput") -> "User" = "bootstrap";
    "settings" settings() -> "OrgSettings" = "settings";
    #[doc = "Admins only. Replaces the settings: pass the `version` you read; claim and lock limits and"]
    #[doc = "the default pool left out are cleared."]
    "updateSettings" update_settings(actor: "string", settings: "OrgSettingsInput") -> "OrgSettings" = "update_settings";
    "createTeam" create_team(actor: "string", name: "string") -> "Team" = "create_team";
    "teams" teams(actor: "string") -> "Team[]" = "teams";
    "createUser" create_user(actor: "string", ..input: "NewUser") -> "User" = "create_user";
    "user" user(actor: "string", id: "string") -> "User" = "user";
    "users" users(actor: "string") -> "User[]" = "users";
    "deactivateUser" deactivate_user(actor: "string", id: "string", reason: "string") -> "User" = "deactivate_user";
    #[doc = "With `poolId` and no `ownerId`, an admin of the pool puts the customer into it, unowned."]
    "createCustomer" create_customer(actor: "string", ..input: "NewCustomer") -> "CustomerCreated" = "create_customer";
    "customer" customer(actor: "string", id: "string") -> "Customer" = "customer";
    "customers" customers(actor: "string") -> "Customer[]" = "customers";
    "updateCustomer" update_customer(actor: "string", id: "string", expectedVersion: "number", patch: "CustomerPatch") -> "Customer" = "update_customer";
    "transferCustomer" transfer_customer(actor: "string", id: "string", expectedVersion: "number", to: "string", reason: "string") -> "Customer" = "transfer_customer";
    "addContact" add_contact(actor: "string", customerId: "string", contact: "NewContact") -> "Contact" = "add_contact";
    "contacts" contacts(actor: "string", customerId: "string") -> "Contact[]" = "contacts";
    "recordFollowUp" record_follow_up(actor: "string", customerId: "string", followUp: "NewFollowUp") -> "FollowUp" = "record_follow_up";
    "followUps" follow_ups(actor: "string", customerId: "string") -> "FollowUp[]" = "follow_ups";
    "overdueFollowUps" overdue_follow_ups(actor: "string"; repId: "string") -> "OverdueFollowUp[]" = "overdue_follow_ups";
    "findDuplicates" find_duplicates(actor: "string", ..probe: "DuplicateProbe") -> "DuplicateMatch[]" = "find_duplicates";
    "duplicatesOf" duplicates_of(actor: "string", customerId: "string") -> "DuplicateMatch[]" = "duplicates_of";
    "mergeCustomers" merge_customers(actor: "string", survivorId: "string", mergedId: "string") -> "Customer" = "merge_customers";
    "handover" handover(actor: "string", from: "string", to: "string", reason: "string") -> "string[]" = "handover";
    "ownershipHistory" ownership_history(actor: "string", customerId: "string") -> "OwnershipChange[]" = "ownership_history";
    "customerEvents" customer_events(actor: "string", customerId: "string") -> "CrmEvent[]" = "customer_events";
    #[doc = "Events after sequence number `after`, at most `limit` of them."]
    "events" events(actor: "string", after: "number"; limit: "number") -> "CrmEvent[]" = "events";

    #[doc = "Admins only. Members (users, or whole teams) may claim from the pool; its admins manage it."]
    "createPool" create_pool(actor: "string", ..input: "NewPool") -> "Pool" = "create_pool";
    #[doc = "The pools the actor may claim from or manages (admins: all)."]
    "pools" pools(actor: "string") -> "Pool[]" = "pools";
    #[doc = "Replaces the pool's rules (fields left out take their defaults); `expectedVersion` is the"]
    #[doc = "pool version you read."]
    "updatePoolRules" update_pool_rules(actor: "string", poolId: "string", expectedVersion: "number", rules: "PoolRulesInput") -> "Pool" = "update_pool_rules";
    #[doc = "Deletes an empty pool; one with customers in it throws INVALID_STATE."]
    "deletePool" delete_pool(actor: "string", poolId: "string") -> "undefined" = "delete_pool";
    #[doc = "The customers waiting in the pool, for its members, in id order."]
    "poolCustomers" pool_customers(actor: "string", poolId: "string") -> "Customer[]" = "pool_customers";
    #[doc = "Takes a customer from its pool (领取). Refusals: ALREADY_OWNED, WAITING_PERIOD, COOL_DOWN,"]
    #[doc = "DAILY_LIMIT_REACHED, OWNERSHIP_CAP_REACHED, PERMISSION_DENIED (not a member of the pool)."]
    "claimCustomer" claim_customer(actor: "string", customerId: "string") -> "Customer" = "claim_customer";
    #[doc = "Claims all of them or none: the first refusal fails the batch and changes nothing."]
    "claimCustomers" claim_customers(actor: "string", customerIds: "string[]") -> "Customer[]" = "claim_customers";
    #[doc = "Gives an owned customer back to its pool, or the default pool (释放)."]
    "releaseCustomer" release_customer(actor: "string", customerId: "string", reason: "string") -> "Customer" = "release_customer";
    #[doc = "A pool admin's move; an owned customer keeps its owner and will be recycled to `poolId`."]
    "moveToPool" move_to_pool(actor: "string", customerId: "string", poolId: "string", reason: "string") -> "Customer" = "move_to_pool";
    #[doc = "Protects an owned customer from recycling (保护) for `days` (left out: until unlocked), cut"]
    #[doc = "to the lock policy's `maxDays`; LOCK_LIMIT_REACHED at its `maxLocked`."]
    "lockCustomer" lock_customer(actor: "string", customerId: "string"; days: "number") -> "Customer" = "lock_customer";
    "unlockCustomer" unlock_customer(actor: "string", customerId: "string") -> "Customer" = "unlock_customer";
    #[doc = "Admins only: returns every customer a recycling rule makes due now to its pool (回收). A"]
    #[doc = "second sweep at the same instant recycles nothing."]
    "sweepPools" sweep_pools(actor: "string") -> "SweepReport" = "sweep_pools";
    #[doc = "Customers a rule will recycle within their pool's `warnDays`, soonest first, in the actor's"]
    #[doc = "scope (only `ownerId`'s when given)."]
    "recycleWarnings" recycle_warnings(actor: "string"; ownerId: "string") -> "RecycleWarning[]" = "recycle_warnings";

    #[doc = "Admins only. Every rep a `rules` target names must be one of `reps`."]
    "createAllocator" create_allocator(actor: "string", ..input: "NewAllocator") -> "Allocator" = "create_allocator";
    #[doc = "Managers and admins."]
    "allocators" allocators(actor: "string") -> "Allocator[]" = "allocators";
    #[doc = "Captures a lead (线索) and reports the customers it may duplicate; without `ownerId` (a rep"]
    #[doc = "the actor manages) it waits for allocation."]
    "captureLead" capture_lead(actor: "string", ..input: "NewLead") -> "LeadCaptured" = "capture_lead";
    "lead" lead(actor: "string", id: "string") -> "Lead" = "lead";
    #[doc = "Open and converted leads in the actor's scope (unowned ones: admins), in id order."]
    "leads" leads(actor: "string") -> "Lead[]" = "leads";
    #[doc = "Places the leads with the allocator's strategy, all or none (NO_ELIGIBLE_REP when one"]
    #[doc = "cannot be placed). Owned leads are kept unless `reassignOwned`."]
    "allocateLeads" allocate_leads(actor: "string", allocatorId: "string", leadIds: "string[]"; ..options: "AllocateOptions") -> "Allocation[]" = "allocate_leads";
    #[doc = "Turns an open lead into a customer owned by the lead's owner (or the actor), and optionally"]
    #[doc = "an opportunity, in one step."]
    "convertLead" convert_lead(actor: "string", leadId: "string"; ..conversion: "Conversion") -> "LeadConversion" = "convert_lead";
    #[doc = "Opens an opportunity (商机) on the customer; `amount` is a decimal string, not negative."]
    "createOpportunity" create_opportunity(actor: "string", customerId: "string", opportunity: "NewOpportunity") -> "Opportunity" = "create_opportunity";
    #[doc = "Won: the customer becomes won. Lost: a `lostReason` is required."]
    "closeOpportunity" close_opportunity(actor: "string", opportunityId: "string", ..outcome: "OpportunityOutcome") -> "Opportunity" = "close_opportunity";
    "opportunities" opportunities(actor: "string", customerId: "string") -> "Opportunity[]" = "opportunities";

    #[doc = "Admins only: stores a pipeline (`version` 0 creates, else the version read). A stage"]
    #[doc = "opportunities are in cannot be removed."]
    "savePipeline" save_pipeline(actor: "string", pipeline: "PipelineInput") -> "Pipeline" = "save_pipeline";
    #[doc = "The organisation's pipelines; `default` is the built-in standard one until stored."]
    "pipelines" pipelines(actor: "string") -> "Pipeline[]" = "pipelines";
    "opportunity" opportunity(actor: "string", id: "string") -> "Opportunity" = "opportunity";
    #[doc = "Every opportunity of the customers in the actor's scope, in id order."]
    "allOpportunities" all_opportunities(actor: "string") -> "Opportunity[]" = "all_opportunities";
    #[doc = "Moves to `stage` when the pipeline allows it (TRANSITION_NOT_ALLOWED) and the stage's"]
    #[doc = "guards hold (REQUIRED_FIELDS_MISSING); a lost stage needs a `lostReason`."]
    "moveOpportunity" move_opportunity(actor: "string", opportunityId: "string", stage: "string"; ..options: "MoveOptions") -> "Opportunity" = "move_opportunity";
    #[doc = "Changes an open opportunity's figures; a change of amount, probability or close date"]
    #[doc = "starts a new history entry."]
    "updateOpportunity" update_opportunity(actor: "string", opportunityId: "string", expectedVersion: "number", patch: "OpportunityPatch") -> "Opportunity" = "update_opportunity";
    #[doc = "A note or completed task: resets the opportunity's rotting clock."]
    "recordOpportunityActivity" record_opportunity_activity(actor: "string", opportunityId: "string", note: "string") -> "Opportunity" = "record_opportunity_activity";
    #[doc = "The weighted forecast per `month`, `quarter` or `year`, as things stood at `asOf`"]
    #[doc = "(default now)."]
    "forecast" forecast(actor: "string", periodKind: "PeriodKind"; asOf: "Date | string") -> "ForecastRow[]" = "forecast";
    "stageConversion" stage_conversion(actor: "string", pipelineId: "string") -> "StageConversion[]" = "stage_conversion";
    "timeInStage" time_in_stage(actor: "string", pipelineId: "string") -> "StageTime[]" = "time_in_stage";
    #[doc = "Open deals x win rate x average won amount / cycle days, over deals closed in [from, to)."]
    "salesVelocity" sales_velocity(actor: "string", from: "Date | string", to: "Date | string") -> "Velocity" = "sales_velocity";
    "rottingOpportunities" rotting_opportunities(actor: "string") -> "Rotting[]" = "rotting_opportunities";
    #[doc = "Turns a won opportunity into a contract; the instalments must sum to its amount."]
    "createContract" create_contract(actor: "string", opportunityId: "string", contract: "NewContract") -> "Contract" = "create_contract";
    "contract" contract(actor: "string", id: "string") -> "Contract" = "contract";
    "contracts" contracts(actor: "string") -> "Contract[]" = "contracts";
    #[doc = "Money received (回款): the named instalment first, then the oldest due."]
    "recordPayment" record_payment(actor: "string", contractId: "string", payment: "NewPayment"; expectedVersion: "number") -> "Contract" = "record_payment";
    #[doc = "Money returned: taken from the latest paid instalments."]
    "recordRefund" record_refund(actor: "string", contractId: "string", refund: "NewPayment"; expectedVersion: "number") -> "Contract" = "record_refund";
    "cancelContract" cancel_contract(actor: "string", contractId: "string", reason: "string") -> "Contract" = "cancel_contract";
    "overdueInstalments" overdue_instalments(actor: "string") -> "OverdueInstalment[]" = "overdue_instalments";
    "outstandingBalances" outstanding_balances(actor: "string", by: "OutstandingBy") -> "OutstandingRow[]" = "outstanding_balances";
    #[doc = "Statements of a plan (`plan` as data or `planToml`) for `period` over the actor's"]
    #[doc = "won deals and contract payments."]
    "commissionStatements" commission_statements(actor: "string", period: "string", ..plan: "CommissionPlanInput") -> "CommissionStatement[]" = "commission_statements";
}
