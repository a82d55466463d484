//! Deals: opportunities on pipelines (stages, guards, transitions) and their reports, contracts
//! with payment collection (回款), and commission statements over the organisation's deals.

use crate::{AsyncCrm, AsyncRemoteCrm, Crm, RemoteCrm, Replica, Result};
use chrono::{DateTime, Utc};
use crm_core::commission::{CommissionPlan, CommissionStatement};
use crm_core::contract::{
    Contract, NewContract, NewPayment, OutstandingBy, OutstandingRow, OverdueInstalment,
};
use crm_core::opportunity::{NewOpportunity, Opportunity, OpportunityPatch};
use crm_core::performance::PeriodKind;
use crm_core::pipeline::{ForecastRow, Pipeline, Rotting, StageConversion, StageTime, Velocity};

operations! {
    pub fn create_opportunity(
        &self,
        actor: String,
        customer_id: String,
        opportunity: NewOpportunity,
    ) -> Result<Opportunity> {
        self.inner
            .create_opportunity(&actor, &customer_id, opportunity)
    }

    /// Moves an open opportunity to its pipeline's first won (the customer becomes won) or lost
    /// stage (`lost_reason` required).
    #[uniffi::method(default(lost_reason = None))]
    pub fn close_opportunity(
        &self,
        actor: String,
        opportunity_id: String,
        won: bool,
        lost_reason: Option<String>,
    ) -> Result<Opportunity> {
        self.inner
            .close_opportunity(&actor, &opportunity_id, won, lost_reason)
    }

    pub fn opportunities(&self, actor: String, customer_id: String) -> Result<Vec<Opportunity>> {
        self.inner.opportunities(&actor, &customer_id)
    }

    /// Stores a pipeline definition (`version`: the one read, 0 for a new one).
    pub fn save_pipeline(&self, actor: String, pipeline: Pipeline) -> Result<Pipeline> {
        self.inner.save_pipeline(&actor, pipeline)
    }

    pub fn pipelines(&self, actor: String) -> Result<Vec<Pipeline>> {
        self.inner.pipelines(&actor)
    }

    pub fn opportunity(&self, actor: String, id: String) -> Result<Opportunity> {
        self.inner.opportunity(&actor, &id)
    }

    /// The opportunities of every customer in scope.
    pub fn all_opportunities(&self, actor: String) -> Result<Vec<Opportunity>> {
        self.inner.all_opportunities(&actor)
    }

    /// Moves a deal to `stage` through the pipeline's guards: `RequiredFieldsMissing`,
    /// `TransitionNotAllowed` (also for a reopen by a role the pipeline does not list).
    #[uniffi::method(default(lost_reason = None))]
    pub fn move_opportunity(
        &self,
        actor: String,
        opportunity_id: String,
        expected_version: u64,
        stage: String,
        lost_reason: Option<String>,
    ) -> Result<Opportunity> {
        self.inner.move_opportunity(
            &actor,
            &opportunity_id,
            expected_version,
            &stage,
            lost_reason,
        )
    }

    /// Only what the patch gives changes; `clear_probability_override` removes the override.
    pub fn update_opportunity(
        &self,
        actor: String,
        opportunity_id: String,
        expected_version: u64,
        patch: OpportunityPatch,
    ) -> Result<Opportunity> {
        self.inner
            .update_opportunity(&actor, &opportunity_id, expected_version, patch)
    }

    pub fn record_opportunity_activity(
        &self,
        actor: String,
        opportunity_id: String,
        note: String,
    ) -> Result<Opportunity> {
        self.inner
            .record_opportunity_activity(&actor, &opportunity_id, &note)
    }

    /// The weighted forecast per period as the opportunities stood at `as_of` (now when left
    /// out).
    #[uniffi::method(default(as_of = None))]
    pub fn forecast(
        &self,
        actor: String,
        period_kind: PeriodKind,
        as_of: Option<DateTime<Utc>>,
    ) -> Result<Vec<ForecastRow>> {
        self.inner.forecast(&actor, period_kind, as_of)
    }

    pub fn stage_conversion(
        &self,
        actor: String,
        pipeline_id: String,
    ) -> Result<Vec<StageConversion>> {
        self.inner.stage_conversion(&actor, &pipeline_id)
    }

    pub fn time_in_stage(&self, actor: String, pipeline_id: String) -> Result<Vec<StageTime>> {
        self.inner.time_in_stage(&actor, &pipeline_id)
    }

    /// Deals closed between `start` and `end`, and how fast they moved.
    pub fn sales_velocity(
        &self,
        actor: String,
        start: DateTime<Utc>,
        end: DateTime<Utc>,
    ) -> Result<Velocity> {
        self.inner.sales_velocity(&actor, start, end)
    }

    /// Open opportunities idle longer than their stage allows.
    pub fn rotting_opportunities(&self, actor: String) -> Result<Vec<Rotting>> {
        self.inner.rotting_opportunities(&actor)
    }

    pub fn create_contract(
        &self,
        actor: String,
        opportunity_id: String,
        contract: NewContract,
    ) -> Result<Contract> {
        self.inner
            .create_contract(&actor, &opportunity_id, contract)
    }

    pub fn contract(&self, actor: String, id: String) -> Result<Contract> {
        self.inner.contract(&actor, &id)
    }

    pub fn contracts(&self, actor: String) -> Result<Vec<Contract>> {
        self.inner.contracts(&actor)
    }

    /// Records money received, matched to the instalment named, then the oldest due.
    pub fn record_payment(
        &self,
        actor: String,
        contract_id: String,
        expected_version: u64,
        payment: NewPayment,
    ) -> Result<Contract> {
        self.inner
            .record_payment(&actor, &contract_id, expected_version, payment)
    }

    /// Records money returned, taken back from the latest paid instalments.
    pub fn record_refund(
        &self,
        actor: String,
        contract_id: String,
        expected_version: u64,
        refund: NewPayment,
    ) -> Result<Contract> {
        self.inner
            .record_refund(&actor, &contract_id, expected_version, refund)
    }

    pub fn cancel_contract(
        &self,
        actor: String,
        contract_id: String,
        reason: String,
    ) -> Result<Contract> {
        self.inner.cancel_contract(&actor, &contract_id, &reason)
    }

    pub fn overdue_instalments(&self, actor: String) -> Result<Vec<OverdueInstalment>> {
        self.inner.overdue_instalments(&actor)
    }

    pub fn outstanding_balances(
        &self,
        actor: String,
        by: OutstandingBy,
    ) -> Result<Vec<OutstandingRow>> {
        self.inner.outstanding_balances(&actor, by)
    }

    /// Commission statements for `period` over the actor's won deals and payments; the plan as
    /// a record or as TOML text (`plan_toml`), exactly one of them.
    #[uniffi::method(default(plan = None, plan_toml = None))]
    pub fn commission_statements(
        &self,
        actor: String,
        period: String,
        plan: Option<CommissionPlan>,
        plan_toml: Option<String>,
    ) -> Result<Vec<CommissionStatement>> {
        let plan = crm_core::api::pure::plan_of(plan, plan_toml.as_deref())?;
        self.inner.commission_statements(&actor, &plan, &period)
    }
}
