//! Contracts from won opportunities, payments and refunds matched to their instalments, and the
//! collection lists (回款) over the contracts in the actor's scope.

use super::opportunities::load_scoped_opportunity;
use super::{check_expected, non_empty, scoped_doc, scoped_docs, Crm, Ctx};
use crate::contract::{
    self, Contract, ContractStatus, NewContract, NewPayment, OutstandingBy, OutstandingRow,
    OverdueInstalment, Payment, PaymentKind,
};
use crate::customer::{Customer, CustomerStatus};
use crate::error::{CrmError, EntityKind, Result};
use crate::event::EventKind;
use crate::limits::Bounded;
use crate::opportunity::OpportunityStatus;
use crate::store::{Doc, DocKind, Tx};
use chrono::NaiveDate;

fn save_contract(tx: &mut dyn Tx, c: &Contract) -> Result<()> {
    tx.put_doc(
        Doc::new(DocKind::Contract, &c.id, Some(&c.customer_id), c.version, c)?
            .due_on(c.next_due()),
    )
}

/// Moves a merged customer's contracts to the survivor.
pub(super) fn move_contracts(tx: &mut dyn Tx, from: &str, to: &str) -> Result<()> {
    for doc in tx.docs(DocKind::Contract, Some(from))? {
        let mut c: Contract = doc.decode()?;
        c.customer_id = to.to_string();
        c.version += 1;
        save_contract(tx, &c)?;
    }
    Ok(())
}

fn scoped(cx: &mut Ctx<'_>, id: &str) -> Result<(Contract, Customer)> {
    scoped_doc(cx, DocKind::Contract, id)
}

fn in_scope(cx: &mut Ctx<'_>) -> Result<Vec<Contract>> {
    scoped_docs(cx, DocKind::Contract)
}

fn today(cx: &Ctx<'_>, tz: chrono_tz::Tz) -> NaiveDate {
    cx.now.with_timezone(&tz).date_naive()
}

impl Crm {
    /// Turns a won opportunity into a contract with a payment plan (one live contract per
    /// opportunity).
    pub fn create_contract(
        &self,
        actor: &str,
        opportunity_id: &str,
        new: NewContract,
    ) -> Result<Contract> {
        new.check_bounds()?;
        self.act(actor, |cx| {
            let (o, customer) = load_scoped_opportunity(cx, opportunity_id)?;
            if o.status != OpportunityStatus::Won {
                return Err(CrmError::InvalidState {
                    reason: format!("opportunity {opportunity_id} is not won"),
                });
            }
            for doc in cx.tx.docs(DocKind::Contract, Some(&customer.id))? {
                let c: Contract = doc.decode()?;
                if c.opportunity_id == o.id && c.status != ContractStatus::Cancelled {
                    return Err(CrmError::AlreadyExists {
                        kind: EntityKind::Contract,
                        id: c.id,
                    });
                }
            }
            let amount = new.amount.unwrap_or(o.amount);
            let instalments = contract::plan(&new, amount)?;
            let c = Contract {
                id: cx.new_id("k")?,
                opportunity_id: o.id.clone(),
                customer_id: customer.id.clone(),
                owner_id: o.owner_id.clone().or(customer.owner_id.clone()),
                amount,
                signed_on: new.signed_on,
                instalments,
                payments: vec![],
                status: ContractStatus::Active,
                created_at: cx.now,
                cancelled_at: None,
                cancel_reason: None,
                version: 1,
            };
            save_contract(cx.tx, &c)?;
            cx.emit(
                EventKind::ContractCreated {
                    contract_id: c.id.clone(),
                    customer_id: c.customer_id.clone(),
                    opportunity_id: o.id.clone(),
                },
                format!(
                    "contract for {} in {} instalments",
                    c.amount,
                    c.instalments.len()
                ),
            )?;
            Ok(c)
        })
    }

    pub fn contract(&self, actor: &str, id: &str) -> Result<Contract> {
        self.look(actor, |cx| scoped(cx, id).map(|(c, _)| c))
    }

    /// Contracts of the customers in the actor's scope.
    pub fn contracts(&self, actor: &str) -> Result<Vec<Contract>> {
        self.look(actor, in_scope)
    }

    /// Records money received, matched to the named instalment first, then oldest due first.
    pub fn record_payment(
        &self,
        actor: &str,
        contract_id: &str,
        expected_version: u64,
        payment: NewPayment,
    ) -> Result<Contract> {
        payment.check_bounds()?;
        self.record_money(actor, contract_id, expected_version, payment, false)
    }

    /// Records money returned to the customer, taken from the latest paid instalments.
    pub fn record_refund(
        &self,
        actor: &str,
        contract_id: &str,
        expected_version: u64,
        refund: NewPayment,
    ) -> Result<Contract> {
        refund.check_bounds()?;
        self.record_money(actor, contract_id, expected_version, refund, true)
    }

    fn record_money(
        &self,
        actor: &str,
        contract_id: &str,
        expected_version: u64,
        payment: NewPayment,
        refund: bool,
    ) -> Result<Contract> {
        let tz = self.settings()?.tz()?;
        self.act(actor, |cx| {
            let (mut c, _) = scoped(cx, contract_id)?;
            check_expected(
                EntityKind::Contract,
                contract_id,
                expected_version,
                c.version,
            )?;
            if payment.received_on > today(cx, tz) {
                return Err(CrmError::invalid("received_on", "lies in the future"));
            }
            if refund && payment.instalment.is_some() {
                return Err(CrmError::invalid(
                    "instalment",
                    "a refund is taken from the latest paid instalments",
                ));
            }
            let allocations = if refund {
                c.match_refund(payment.amount)?
            } else {
                c.match_payment(&payment)?
            };
            let kind = if refund {
                PaymentKind::Refund
            } else {
                PaymentKind::Payment
            };
            let p = Payment {
                id: cx.new_id("pay")?,
                kind,
                received_on: payment.received_on,
                amount: payment.amount,
                allocations,
                recorded_at: cx.now,
                recorded_by: cx.actor.id.clone(),
                note: payment
                    .note
                    .as_deref()
                    .map(str::trim)
                    .filter(|n| !n.is_empty())
                    .map(String::from),
            };
            cx.emit(
                EventKind::PaymentRecorded {
                    contract_id: c.id.clone(),
                    customer_id: c.customer_id.clone(),
                    payment_id: p.id.clone(),
                    kind,
                    amount: p.amount,
                },
                format!(
                    "{} {} on {}: instalments {}",
                    if refund { "refund of" } else { "received" },
                    p.amount,
                    p.received_on,
                    p.allocations
                        .iter()
                        .map(|a| format!("#{} {}", a.seq, a.amount))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            )?;
            c.payments.push(p);
            c.version += 1;
            save_contract(cx.tx, &c)?;
            Ok(c)
        })
    }

    /// Cancels a contract: nothing more is due on it (commission plans claw back what it earned).
    pub fn cancel_contract(
        &self,
        actor: &str,
        contract_id: &str,
        reason: &str,
    ) -> Result<Contract> {
        crate::limits::text("reason", reason, crate::limits::NOTE)?;
        let reason = non_empty("reason", reason)?;
        self.act(actor, |cx| {
            let (mut c, _) = scoped(cx, contract_id)?;
            c.cancel(cx.now, reason.clone())?;
            c.version += 1;
            save_contract(cx.tx, &c)?;
            cx.emit(
                EventKind::ContractCancelled {
                    contract_id: c.id.clone(),
                    customer_id: c.customer_id.clone(),
                },
                reason,
            )?;
            Ok(c)
        })
    }

    /// Unpaid instalments past their due date, at today's local date, in the actor's scope.
    pub fn overdue_instalments(&self, actor: &str) -> Result<Vec<OverdueInstalment>> {
        let tz = self.settings()?.tz()?;
        self.look(actor, |cx| {
            let day = today(cx, tz);
            // Only contracts with an instalment due before today can be overdue: the index
            // gives those, and each one's customer decides the actor's scope.
            let mut due = Vec::new();
            for doc in cx.tx.docs_due(DocKind::Contract, day)? {
                let c: Contract = doc.decode()?;
                let customer = cx.tx.customer(&c.customer_id)?;
                if let Some(customer) = customer {
                    if customer.status != CustomerStatus::Merged && cx.in_scope(&customer)? {
                        due.push(c);
                    }
                }
            }
            Ok(contract::overdue(&due, day))
        })
    }

    /// Outstanding and overdue balances per rep or per customer, in the actor's scope.
    pub fn outstanding_balances(
        &self,
        actor: &str,
        by: OutstandingBy,
    ) -> Result<Vec<OutstandingRow>> {
        let tz = self.settings()?.tz()?;
        self.look(actor, |cx| {
            let day = today(cx, tz);
            contract::outstanding(&in_scope(cx)?, day, by)
        })
    }
}
