//! The operation table: every service call by name, with named JSON arguments and a JSON result in
//! the records' serde form. Bindings and the scenario runner go through this one table, so an
//! operation has one name and one argument shape on every surface.

use crate::error::{CrmError, Result};
mod analytics;
mod sla;

use crate::service::Crm;
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::Value;

/// The SLA operations: pure functions of a calendar (TOML text), a policy and instants.
pub const SLA_OPERATIONS: &[&str] = sla::OPERATIONS;

/// The analytics operations (RFM, segment movement, churn, performance): pure functions of the
/// batch they are given; no organisation needed.
pub const ANALYTICS_OPERATIONS: &[&str] = analytics::OPERATIONS;

/// Runs an analytics operation; `None` when `op` is not one.
pub fn call_analytics(op: &str, args: &Value) -> Option<Result<Value>> {
    analytics::call(op, args)
}

/// Every operation name of the organisation (store-backed) part, for bindings that generate or
/// check their wrappers.
pub const OPERATIONS: &[&str] = &[
    "bootstrap",
    "settings",
    "update_settings",
    "create_team",
    "teams",
    "create_user",
    "user",
    "users",
    "deactivate_user",
    "create_customer",
    "customer",
    "customers",
    "update_customer",
    "transfer_customer",
    "add_contact",
    "contacts",
    "record_follow_up",
    "follow_ups",
    "overdue_follow_ups",
    "find_duplicates",
    "duplicates_of",
    "merge_customers",
    "handover",
    "ownership_history",
    "customer_events",
    "events",
    "create_pool",
    "pools",
    "update_pool_rules",
    "delete_pool",
    "pool_customers",
    "claim_customer",
    "claim_customers",
    "release_customer",
    "move_to_pool",
    "lock_customer",
    "unlock_customer",
    "sweep_pools",
    "recycle_warnings",
    "create_allocator",
    "allocators",
    "capture_lead",
    "lead",
    "leads",
    "allocate_leads",
    "convert_lead",
    "create_opportunity",
    "close_opportunity",
    "opportunities",
    "save_pipeline",
    "pipelines",
    "opportunity",
    "all_opportunities",
    "move_opportunity",
    "update_opportunity",
    "record_opportunity_activity",
    "forecast",
    "stage_conversion",
    "time_in_stage",
    "sales_velocity",
    "rotting_opportunities",
    "create_contract",
    "contract",
    "contracts",
    "record_payment",
    "record_refund",
    "cancel_contract",
    "overdue_instalments",
    "outstanding_balances",
    "commission_statements",
];

pub(crate) fn arg<T: DeserializeOwned>(args: &Value, name: &str) -> Result<T> {
    T::deserialize(args.get(name).unwrap_or(&Value::Null))
        .map_err(|e| CrmError::invalid(name, e.to_string()))
}

fn whole<T: DeserializeOwned>(args: &Value) -> Result<T> {
    T::deserialize(args).map_err(|e| CrmError::invalid("args", e.to_string()))
}

pub(crate) fn out<T: Serialize>(value: Result<T>) -> Result<Value> {
    value.and_then(|v| serde_json::to_value(v).map_err(CrmError::storage))
}

/// Runs an SLA operation (no organisation needed); `None` when `op` is not one.
pub fn call_sla(op: &str, args: &Value) -> Option<Result<Value>> {
    sla::call(op, args)
}

/// Runs operation `op` as `actor` (ignored by `bootstrap`, `settings` and the SLA operations) with
/// named `args`.
pub fn call(crm: &Crm, op: &str, actor: &str, args: &Value) -> Result<Value> {
    if let Some(result) = sla::call(op, args).or_else(|| analytics::call(op, args)) {
        return result;
    }
    let a = args;
    let s = |name: &str| arg::<String>(a, name);
    match op {
        "bootstrap" => out(crm.bootstrap(&s("admin_name")?, arg(a, "settings")?)),
        "settings" => out(crm.settings()),
        "update_settings" => out(crm.update_settings(actor, arg(a, "settings")?)),
        "create_team" => out(crm.create_team(actor, &s("name")?)),
        "teams" => out(crm.teams(actor)),
        "create_user" => out(crm.create_user(actor, whole(a)?)),
        "user" => out(crm.user(actor, &s("id")?)),
        "users" => out(crm.users(actor)),
        "deactivate_user" => out(crm.deactivate_user(actor, &s("id")?, &s("reason")?)),
        "create_customer" => out(crm.create_customer(actor, whole(a)?)),
        "customer" => out(crm.customer(actor, &s("id")?)),
        "customers" => out(crm.customers(actor)),
        "update_customer" => out(crm.update_customer(
            actor,
            &s("id")?,
            arg(a, "expected_version")?,
            arg(a, "patch")?,
        )),
        "transfer_customer" => out(crm.transfer_customer(
            actor,
            &s("id")?,
            arg(a, "expected_version")?,
            &s("to")?,
            &s("reason")?,
        )),
        "add_contact" => out(crm.add_contact(actor, &s("customer_id")?, arg(a, "contact")?)),
        "contacts" => out(crm.contacts(actor, &s("customer_id")?)),
        "record_follow_up" => {
            out(crm.record_follow_up(actor, &s("customer_id")?, arg(a, "follow_up")?))
        }
        "follow_ups" => out(crm.follow_ups(actor, &s("customer_id")?)),
        "overdue_follow_ups" => {
            out(crm.overdue_follow_ups(actor, arg::<Option<String>>(a, "rep_id")?.as_deref()))
        }
        "find_duplicates" => out(crm.find_duplicates(actor, whole(a)?)),
        "duplicates_of" => out(crm.duplicates_of(actor, &s("customer_id")?)),
        "merge_customers" => out(crm.merge_customers(actor, &s("survivor_id")?, &s("merged_id")?)),
        "handover" => out(crm.handover(actor, &s("from")?, &s("to")?, &s("reason")?)),
        "ownership_history" => out(crm.ownership_history(actor, &s("customer_id")?)),
        "customer_events" => out(crm.customer_events(actor, &s("customer_id")?)),
        "events" => out(crm.events(
            actor,
            arg(a, "after")?,
            arg::<Option<usize>>(a, "limit")?.unwrap_or(usize::MAX),
        )),
        "create_pool" => out(crm.create_pool(actor, whole(a)?)),
        "pools" => out(crm.pools(actor)),
        "update_pool_rules" => out(crm.update_pool_rules(
            actor,
            &s("pool_id")?,
            arg(a, "expected_version")?,
            arg(a, "rules")?,
        )),
        "delete_pool" => out(crm.delete_pool(actor, &s("pool_id")?)),
        "pool_customers" => out(crm.pool_customers(actor, &s("pool_id")?)),
        "claim_customer" => out(crm.claim_customer(actor, &s("customer_id")?)),
        "claim_customers" => {
            out(crm.claim_customers(actor, &arg::<Vec<String>>(a, "customer_ids")?))
        }
        "release_customer" => out(crm.release_customer(actor, &s("customer_id")?, &s("reason")?)),
        "move_to_pool" => {
            out(crm.move_to_pool(actor, &s("customer_id")?, &s("pool_id")?, &s("reason")?))
        }
        "lock_customer" => out(crm.lock_customer(actor, &s("customer_id")?, arg(a, "days")?)),
        "unlock_customer" => out(crm.unlock_customer(actor, &s("customer_id")?)),
        "sweep_pools" => out(crm.sweep_pools(actor)),
        "recycle_warnings" => {
            out(crm.recycle_warnings(actor, arg::<Option<String>>(a, "owner_id")?.as_deref()))
        }
        "create_allocator" => out(crm.create_allocator(actor, whole(a)?)),
        "allocators" => out(crm.allocators(actor)),
        "capture_lead" => out(crm.capture_lead(actor, whole(a)?)),
        "lead" => out(crm.lead(actor, &s("id")?)),
        "leads" => out(crm.leads(actor)),
        "allocate_leads" => out(crm.allocate_leads(
            actor,
            &s("allocator_id")?,
            &arg::<Vec<String>>(a, "lead_ids")?,
            arg::<Option<bool>>(a, "reassign_owned")?.unwrap_or(false),
        )),
        "convert_lead" => out(crm.convert_lead(actor, &s("lead_id")?, whole(a)?)),
        "create_opportunity" => {
            out(crm.create_opportunity(actor, &s("customer_id")?, arg(a, "opportunity")?))
        }
        "close_opportunity" => out(crm.close_opportunity(
            actor,
            &s("opportunity_id")?,
            arg(a, "won")?,
            arg(a, "lost_reason")?,
        )),
        "opportunities" => out(crm.opportunities(actor, &s("customer_id")?)),
        "save_pipeline" => out(crm.save_pipeline(actor, arg(a, "pipeline")?)),
        "pipelines" => out(crm.pipelines(actor)),
        "opportunity" => out(crm.opportunity(actor, &s("id")?)),
        "all_opportunities" => out(crm.all_opportunities(actor)),
        "move_opportunity" => out(crm.move_opportunity(
            actor,
            &s("opportunity_id")?,
            arg(a, "expected_version")?,
            &s("stage")?,
            arg(a, "lost_reason")?,
        )),
        "update_opportunity" => out(crm.update_opportunity(
            actor,
            &s("opportunity_id")?,
            arg(a, "expected_version")?,
            arg(a, "patch")?,
        )),
        "record_opportunity_activity" => {
            out(crm.record_opportunity_activity(actor, &s("opportunity_id")?, &s("note")?))
        }
        "forecast" => out(crm.forecast(actor, &s("period_kind")?, arg(a, "as_of")?)),
        "stage_conversion" => out(crm.stage_conversion(actor, &s("pipeline_id")?)),
        "time_in_stage" => out(crm.time_in_stage(actor, &s("pipeline_id")?)),
        "sales_velocity" => out(crm.sales_velocity(actor, arg(a, "from")?, arg(a, "to")?)),
        "rotting_opportunities" => out(crm.rotting_opportunities(actor)),
        "create_contract" => {
            out(crm.create_contract(actor, &s("opportunity_id")?, arg(a, "contract")?))
        }
        "contract" => out(crm.contract(actor, &s("id")?)),
        "contracts" => out(crm.contracts(actor)),
        "record_payment" => out(crm.record_payment(
            actor,
            &s("contract_id")?,
            arg(a, "expected_version")?,
            arg(a, "payment")?,
        )),
        "record_refund" => out(crm.record_refund(
            actor,
            &s("contract_id")?,
            arg(a, "expected_version")?,
            arg(a, "refund")?,
        )),
        "cancel_contract" => out(crm.cancel_contract(actor, &s("contract_id")?, &s("reason")?)),
        "overdue_instalments" => out(crm.overdue_instalments(actor)),
        "outstanding_balances" => out(crm.outstanding_balances(actor, arg(a, "by")?)),
        "commission_statements" => (|| {
            let plan = match arg::<Option<String>>(a, "plan_toml")? {
                Some(text) => crate::commission::parse_plan(&text)?,
                None => arg(a, "plan")?,
            };
            out(crm.commission_statements(actor, &plan, &s("period")?))
        })(),
        other => Err(CrmError::invalid(
            "op",
            format!("unknown operation {other:?}"),
        )),
    }
}

/// The error as JSON for bindings: `{code, message, details}` where details are the variant's fields.
pub fn error_json(error: &CrmError) -> Value {
    use serde_json::json;
    let details = match error {
        CrmError::NotFound { kind, id } | CrmError::AlreadyExists { kind, id } => {
            json!({"kind": kind, "id": id})
        }
        CrmError::VersionConflict {
            kind,
            id,
            expected,
            actual,
        } => {
            json!({"kind": kind, "id": id, "expected": expected, "actual": actual})
        }
        CrmError::OutOfScope { actor, kind, id } => json!({"actor": actor, "kind": kind, "id": id}),
        CrmError::PermissionDenied { actor, action } => json!({"actor": actor, "action": action}),
        CrmError::InactiveUser { id } => json!({"id": id}),
        CrmError::InvalidPhone { input, reason } => json!({"input": input, "reason": reason}),
        CrmError::InvalidEmail { input } => json!({"input": input}),
        CrmError::InvalidInput { field, reason } => json!({"field": field, "reason": reason}),
        CrmError::DuplicateFound { matches } => json!({"matches": matches}),
        CrmError::InvalidState { reason } => json!({"reason": reason}),
        CrmError::AlreadyOwned {
            customer_id,
            owner_id,
        } => json!({"customer_id": customer_id, "owner_id": owner_id}),
        CrmError::DailyLimitReached {
            user_id,
            limit,
            date,
        } => json!({"user_id": user_id, "limit": limit, "date": date}),
        CrmError::OwnershipCapReached {
            user_id,
            cap,
            limit,
            owned,
        } => json!({"user_id": user_id, "cap": cap, "limit": limit, "owned": owned}),
        CrmError::LockLimitReached { user_id, limit } => {
            json!({"user_id": user_id, "limit": limit})
        }
        CrmError::CoolDown {
            customer_id,
            user_id,
            until,
        } => json!({"customer_id": customer_id, "user_id": user_id, "until": until}),
        CrmError::WaitingPeriod { customer_id, until } => {
            json!({"customer_id": customer_id, "until": until})
        }
        CrmError::NoEligibleRep { lead_id, reason } => {
            json!({"lead_id": lead_id, "reason": reason})
        }
        CrmError::TransitionNotAllowed {
            opportunity_id,
            from,
            to,
            reason,
        } => json!({"opportunity_id": opportunity_id, "from": from, "to": to, "reason": reason}),
        CrmError::RequiredFieldsMissing {
            opportunity_id,
            stage,
            fields,
        } => json!({"opportunity_id": opportunity_id, "stage": stage, "fields": fields}),
        CrmError::Storage { message } => json!({"message": message}),
    };
    json!({"code": error.code(), "message": error.to_string(), "details": details})
}
