//! Commission from what the store knows: booked deals from won opportunities and cash from
//! contract payments, refunds and cancellations, turned into credits for a plan's statements.

use super::Crm;
use crate::commission::{
    self, CommissionCredit, CommissionCreditKind, CommissionPlan, CommissionStatement,
};
use crate::contract::{Contract, PaymentKind};
use crate::error::Result;
use crate::opportunity::OpportunityStatus;
use rust_decimal::Decimal;

impl Crm {
    /// The credits of the actor's scope: one `won` row per opportunity in `booked_stage` (the
    /// owner at 100%, on the local date it entered the stage) and the payments, refunds and
    /// cancellations of their contracts.
    pub fn commission_credits(
        &self,
        actor: &str,
        booked_stage: &str,
    ) -> Result<Vec<CommissionCredit>> {
        let tz = self.settings()?.tz()?;
        let opportunities = self.all_opportunities(actor)?;
        let contracts: Vec<Contract> = self.contracts(actor)?;
        let mut credits = vec![];
        for o in &opportunities {
            if o.status != OpportunityStatus::Won || o.stage != booked_stage {
                continue;
            }
            let Some(owner) = &o.owner_id else { continue };
            let won_at = o
                .history
                .iter()
                .rev()
                .take_while(|h| h.stage == o.stage)
                .last()
                .map_or(o.closed_at.unwrap_or(o.created_at), |h| h.entered_at);
            credits.push(CommissionCredit {
                kind: CommissionCreditKind::Won,
                deal_id: o.id.clone(),
                rep_id: Some(owner.clone()),
                split: Some(Decimal::ONE_HUNDRED),
                date: won_at.with_timezone(&tz).date_naive(),
                amount: o.amount,
                contract_total: None,
            });
        }
        for c in &contracts {
            if !credits.iter().any(|x| x.deal_id == c.opportunity_id) {
                continue;
            }
            for p in &c.payments {
                credits.push(CommissionCredit {
                    kind: match p.kind {
                        PaymentKind::Payment => CommissionCreditKind::Payment,
                        PaymentKind::Refund => CommissionCreditKind::Refund,
                    },
                    deal_id: c.opportunity_id.clone(),
                    rep_id: None,
                    split: None,
                    date: p.received_on,
                    amount: p.amount,
                    contract_total: Some(c.amount),
                });
            }
            if let Some(at) = c.cancelled_at {
                credits.push(CommissionCredit {
                    kind: CommissionCreditKind::Cancel,
                    deal_id: c.opportunity_id.clone(),
                    rep_id: None,
                    split: None,
                    date: at.with_timezone(&tz).date_naive(),
                    amount: Decimal::ZERO,
                    contract_total: Some(c.amount),
                });
            }
        }
        Ok(credits)
    }

    /// Statements of `plan` for `period` over the actor's scope; the plan's `booked_stage` must
    /// be a stage of one of the organisation's pipelines.
    pub fn commission_statements(
        &self,
        actor: &str,
        plan: &CommissionPlan,
        period: &str,
    ) -> Result<Vec<CommissionStatement>> {
        plan.validate()?;
        let pipelines = self.pipelines(actor)?;
        let keys: Vec<&str> = pipelines
            .iter()
            .flat_map(|p| p.stages.iter().map(|s| s.key.as_str()))
            .collect();
        plan.validate_stages(&keys)?;
        let credits = self.commission_credits(actor, &plan.booked_stage)?;
        commission::statements(plan, &credits, period)
    }
}
