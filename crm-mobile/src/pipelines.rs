//! Pipelines (stages, guards, transitions, stage history, reports), contracts with payment
//! collection (回款), and commission statements. Decimals are exact decimal strings, dates
//! `YYYY-MM-DD` local days, instants `SystemTime`; records convert through the core's serde form.

use crate::records::{simple_enum, OpportunityStatus, Role};
use crate::{to_json, Crm, Result};
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::collections::HashMap;
use std::time::SystemTime;

simple_enum!(ForecastCategory {
    Pipeline,
    BestCase,
    Commit,
    Closed,
    Omitted
});
simple_enum!(StageKind { Open, Won, Lost });
simple_enum!(
    /// What a stage transition was.
    Move {
        Forward,
        Back,
        Win,
        Lose,
        Reopen
    }
);
simple_enum!(ContractStatus {
    Active,
    Paid,
    Cancelled
});
simple_enum!(PaymentKind { Payment, Refund });
simple_enum!(OutstandingBy { Rep, Customer });
simple_enum!(CreditKind {
    Won,
    Payment,
    Refund,
    Cancel
});
simple_enum!(LineKind {
    Commission,
    DealCap,
    DealFloor,
    Band,
    Gate,
    Clawback,
    PeriodCap,
    PeriodFloor,
    DrawTopUp,
    DrawRecovery
});

/// One stay in a stage (or a change of figures during it), as it looked then.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, uniffi::Record)]
pub struct StageEntry {
    pub stage: String,
    pub status: OpportunityStatus,
    #[serde(with = "crate::time")]
    pub entered_at: SystemTime,
    #[serde(with = "crate::time::option")]
    pub left_at: Option<SystemTime>,
    pub amount: String,
    /// Percent.
    pub probability: String,
    pub category: ForecastCategory,
    pub expected_close: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, uniffi::Record)]
pub struct Stage {
    pub key: String,
    pub name: String,
    pub kind: StageKind,
    /// Default win probability in percent.
    pub probability: String,
    pub category: ForecastCategory,
    /// `amount`, `expected_close`, `name` or a custom field name.
    pub required_fields: Vec<String>,
    pub rot_days: Option<u32>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, uniffi::Record)]
pub struct Transition {
    #[serde(rename = "from")]
    pub from_stage: String,
    #[serde(rename = "to")]
    pub to_stage: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, uniffi::Record)]
pub struct Pipeline {
    pub id: String,
    pub name: String,
    pub stages: Vec<Stage>,
    /// Empty: forward, back among open stages, to won or lost from an open stage.
    pub transitions: Vec<Transition>,
    /// Empty: any non-empty reason.
    pub lost_reasons: Vec<String>,
    pub reopen_roles: Vec<Role>,
    /// 0 creates; otherwise the version read.
    pub version: u64,
}

/// Only what is given changes; `clear_probability_override` removes the override; an empty
/// field value removes the field.
#[derive(Debug, Clone, Default, PartialEq, uniffi::Record)]
pub struct OpportunityPatch {
    #[uniffi(default = None)]
    pub name: Option<String>,
    #[uniffi(default = None)]
    pub amount: Option<String>,
    #[uniffi(default = None)]
    pub expected_close: Option<String>,
    #[uniffi(default = None)]
    pub probability_override: Option<String>,
    #[uniffi(default = false)]
    pub clear_probability_override: bool,
    #[uniffi(default)]
    pub fields: HashMap<String, String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, uniffi::Record)]
pub struct ForecastRow {
    pub period: String,
    pub open: u32,
    pub amount: String,
    pub weighted: String,
    pub pipeline: String,
    pub best_case: String,
    pub commit: String,
    pub closed: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, uniffi::Record)]
pub struct StageConversion {
    #[serde(rename = "from")]
    pub from_stage: String,
    #[serde(rename = "to")]
    pub to_stage: String,
    pub entered: u32,
    pub advanced: u32,
    pub rate: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, uniffi::Record)]
pub struct StageTime {
    pub stage: String,
    pub stays: u32,
    pub average_days: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, uniffi::Record)]
pub struct Velocity {
    pub open: u32,
    pub won: u32,
    pub lost: u32,
    pub win_rate: Option<String>,
    pub average_won: Option<String>,
    pub cycle_days: Option<String>,
    pub per_day: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, uniffi::Record)]
pub struct Rotting {
    pub opportunity_id: String,
    pub customer_id: String,
    pub owner_id: Option<String>,
    pub stage: String,
    #[serde(with = "crate::time")]
    pub since: SystemTime,
    pub idle_days: i64,
    pub rot_days: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, uniffi::Record)]
pub struct Instalment {
    pub seq: u32,
    pub due_date: String,
    pub amount: String,
    pub paid: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, uniffi::Record)]
pub struct PaymentAllocation {
    pub seq: u32,
    /// Negative for a refund.
    pub amount: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, uniffi::Record)]
pub struct Payment {
    pub id: String,
    pub kind: PaymentKind,
    pub received_on: String,
    pub amount: String,
    pub allocations: Vec<PaymentAllocation>,
    #[serde(with = "crate::time")]
    pub recorded_at: SystemTime,
    pub recorded_by: String,
    pub note: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, uniffi::Record)]
pub struct Contract {
    pub id: String,
    pub opportunity_id: String,
    pub customer_id: String,
    pub owner_id: Option<String>,
    pub amount: String,
    pub signed_on: String,
    pub instalments: Vec<Instalment>,
    pub payments: Vec<Payment>,
    pub status: ContractStatus,
    #[serde(with = "crate::time")]
    pub created_at: SystemTime,
    #[serde(with = "crate::time::option")]
    pub cancelled_at: Option<SystemTime>,
    pub cancel_reason: Option<String>,
    pub version: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, uniffi::Record)]
pub struct NewInstalment {
    pub due_date: String,
    pub amount: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, uniffi::Record)]
pub struct NewContract {
    pub signed_on: String,
    pub instalments: Vec<NewInstalment>,
    /// Default: the won opportunity's amount.
    #[uniffi(default = None)]
    pub amount: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, uniffi::Record)]
pub struct NewPayment {
    pub received_on: String,
    pub amount: String,
    /// The instalment the payer named (payments only).
    #[uniffi(default = None)]
    pub instalment: Option<u32>,
    #[uniffi(default = None)]
    pub note: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, uniffi::Record)]
pub struct OverdueInstalment {
    pub contract_id: String,
    pub customer_id: String,
    pub owner_id: Option<String>,
    pub seq: u32,
    pub due_date: String,
    pub amount: String,
    pub paid: String,
    pub open: String,
    pub days_overdue: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, uniffi::Record)]
pub struct OutstandingRow {
    pub key: String,
    pub contracts: u32,
    pub outstanding: String,
    pub overdue: String,
}

/// A fact commission is paid on: a won deal (one row per rep with their split), a payment, a
/// refund or a cancellation (these name only the deal).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, uniffi::Record)]
pub struct Credit {
    pub kind: CreditKind,
    pub deal_id: String,
    pub date: String,
    #[uniffi(default = "0")]
    pub amount: String,
    #[uniffi(default = None)]
    pub rep_id: Option<String>,
    /// Percent of the deal for `rep_id` (won rows; default 100).
    #[uniffi(default = None)]
    pub split: Option<String>,
    #[uniffi(default = None)]
    pub contract_total: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, uniffi::Record)]
pub struct StatementLine {
    pub kind: LineKind,
    pub deal_id: Option<String>,
    pub base: String,
    pub tier: Option<u32>,
    pub rate: Option<String>,
    pub exact: String,
    pub amount: String,
    pub explanation: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, uniffi::Record)]
pub struct CommissionStatement {
    pub rep_id: String,
    pub period: String,
    pub base_total: String,
    pub quota: Option<String>,
    pub attainment: Option<String>,
    pub lines: Vec<StatementLine>,
    pub exact_total: String,
    pub total: String,
    pub draw_balance: String,
}

/// Commission statements of a plan (TOML text) over `credits` for `period`, every rep's or
/// `rep_id`'s, in one call.
#[uniffi::export(default(rep_id = None))]
pub fn commission_statement(
    plan_toml: String,
    credits: Vec<Credit>,
    period: String,
    rep_id: Option<String>,
) -> Result<Vec<CommissionStatement>> {
    let args = json!({"plan_toml": plan_toml, "credits": to_json(&credits)?, "period": period, "rep_id": rep_id});
    let value = crm_core::api::call_analytics("commission_statement", &args)
        .ok_or_else(|| crm_core::CrmError::storage("commission_statement is missing"))??;
    serde_json::from_value(value).map_err(|e| {
        crm_core::CrmError::storage(format!("unexpected commission result: {e}")).into()
    })
}

#[uniffi::export]
impl Crm {
    /// Admins only: stores a pipeline (`version` 0 creates). A stage opportunities are in
    /// cannot be removed.
    pub fn save_pipeline(&self, actor: String, pipeline: Pipeline) -> Result<Pipeline> {
        self.call(
            "save_pipeline",
            &actor,
            json!({"pipeline": to_json(&pipeline)?}),
        )
    }

    /// The organisation's pipelines; `default` is the built-in standard one until stored.
    pub fn pipelines(&self, actor: String) -> Result<Vec<Pipeline>> {
        self.call("pipelines", &actor, json!({}))
    }

    pub fn opportunity(&self, actor: String, id: String) -> Result<crate::Opportunity> {
        self.call("opportunity", &actor, json!({"id": id}))
    }

    /// Every opportunity of the customers in the actor's scope, in id order.
    pub fn all_opportunities(&self, actor: String) -> Result<Vec<crate::Opportunity>> {
        self.call("all_opportunities", &actor, json!({}))
    }

    /// Moves to `stage` when the pipeline allows it (TransitionNotAllowed) and the stage's
    /// guards hold (RequiredFieldsMissing); a lost stage needs a `lost_reason`.
    #[uniffi::method(default(lost_reason = None, expected_version = None))]
    pub fn move_opportunity(
        &self,
        actor: String,
        opportunity_id: String,
        stage: String,
        lost_reason: Option<String>,
        expected_version: Option<u64>,
    ) -> Result<crate::Opportunity> {
        self.call(
            "move_opportunity",
            &actor,
            json!({"opportunity_id": opportunity_id, "stage": stage, "lost_reason": lost_reason, "expected_version": expected_version}),
        )
    }

    /// Changes an open opportunity's figures; a change of amount, probability or close date
    /// starts a new history entry.
    pub fn update_opportunity(
        &self,
        actor: String,
        opportunity_id: String,
        expected_version: u64,
        patch: OpportunityPatch,
    ) -> Result<crate::Opportunity> {
        let mut p = json!({"name": patch.name, "amount": patch.amount, "expected_close": patch.expected_close, "fields": patch.fields});
        if patch.clear_probability_override {
            p["probability_override"] = serde_json::Value::Null;
        } else if let Some(v) = patch.probability_override {
            p["probability_override"] = json!(v);
        }
        self.call(
            "update_opportunity",
            &actor,
            json!({"opportunity_id": opportunity_id, "expected_version": expected_version, "patch": p}),
        )
    }

    /// A note or completed task: resets the opportunity's rotting clock.
    pub fn record_opportunity_activity(
        &self,
        actor: String,
        opportunity_id: String,
        note: String,
    ) -> Result<crate::Opportunity> {
        self.call(
            "record_opportunity_activity",
            &actor,
            json!({"opportunity_id": opportunity_id, "note": note}),
        )
    }

    /// The weighted forecast per `month`, `quarter` or `year`, as things stood at `as_of`.
    #[uniffi::method(default(as_of = None))]
    pub fn forecast(
        &self,
        actor: String,
        period_kind: String,
        as_of: Option<SystemTime>,
    ) -> Result<Vec<ForecastRow>> {
        let as_of = as_of.map(|t| crate::time::utc("as_of", t)).transpose()?;
        self.call(
            "forecast",
            &actor,
            json!({"period_kind": period_kind, "as_of": as_of}),
        )
    }

    pub fn stage_conversion(
        &self,
        actor: String,
        pipeline_id: String,
    ) -> Result<Vec<StageConversion>> {
        self.call(
            "stage_conversion",
            &actor,
            json!({"pipeline_id": pipeline_id}),
        )
    }

    pub fn time_in_stage(&self, actor: String, pipeline_id: String) -> Result<Vec<StageTime>> {
        self.call("time_in_stage", &actor, json!({"pipeline_id": pipeline_id}))
    }

    /// Open deals x win rate x average won amount / cycle days, over deals closed in [from, to).
    pub fn sales_velocity(
        &self,
        actor: String,
        from: SystemTime,
        to: SystemTime,
    ) -> Result<Velocity> {
        let (from, to) = (crate::time::utc("from", from)?, crate::time::utc("to", to)?);
        self.call("sales_velocity", &actor, json!({"from": from, "to": to}))
    }

    pub fn rotting_opportunities(&self, actor: String) -> Result<Vec<Rotting>> {
        self.call("rotting_opportunities", &actor, json!({}))
    }

    /// Turns a won opportunity into a contract; the instalments must sum to its amount.
    pub fn create_contract(
        &self,
        actor: String,
        opportunity_id: String,
        contract: NewContract,
    ) -> Result<Contract> {
        self.call(
            "create_contract",
            &actor,
            json!({"opportunity_id": opportunity_id, "contract": to_json(&contract)?}),
        )
    }

    pub fn contract(&self, actor: String, id: String) -> Result<Contract> {
        self.call("contract", &actor, json!({"id": id}))
    }

    pub fn contracts(&self, actor: String) -> Result<Vec<Contract>> {
        self.call("contracts", &actor, json!({}))
    }

    /// Money received (回款): the named instalment first, then the oldest due.
    #[uniffi::method(default(expected_version = None))]
    pub fn record_payment(
        &self,
        actor: String,
        contract_id: String,
        payment: NewPayment,
        expected_version: Option<u64>,
    ) -> Result<Contract> {
        self.call(
            "record_payment",
            &actor,
            json!({"contract_id": contract_id, "payment": to_json(&payment)?, "expected_version": expected_version}),
        )
    }

    /// Money returned: taken from the latest paid instalments.
    #[uniffi::method(default(expected_version = None))]
    pub fn record_refund(
        &self,
        actor: String,
        contract_id: String,
        refund: NewPayment,
        expected_version: Option<u64>,
    ) -> Result<Contract> {
        self.call(
            "record_refund",
            &actor,
            json!({"contract_id": contract_id, "refund": to_json(&refund)?, "expected_version": expected_version}),
        )
    }

    pub fn cancel_contract(
        &self,
        actor: String,
        contract_id: String,
        reason: String,
    ) -> Result<Contract> {
        self.call(
            "cancel_contract",
            &actor,
            json!({"contract_id": contract_id, "reason": reason}),
        )
    }

    pub fn overdue_instalments(&self, actor: String) -> Result<Vec<OverdueInstalment>> {
        self.call("overdue_instalments", &actor, json!({}))
    }

    pub fn outstanding_balances(
        &self,
        actor: String,
        by: OutstandingBy,
    ) -> Result<Vec<OutstandingRow>> {
        self.call("outstanding_balances", &actor, json!({"by": by}))
    }

    /// Statements of a plan (TOML text) for `period` over the actor's won deals and payments.
    pub fn commission_statements(
        &self,
        actor: String,
        plan_toml: String,
        period: String,
    ) -> Result<Vec<CommissionStatement>> {
        self.call(
            "commission_statements",
            &actor,
            json!({"plan_toml": plan_toml, "period": period}),
        )
    }
}
