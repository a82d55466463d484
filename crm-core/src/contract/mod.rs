//! Contracts and payment collection (回款, section 4 of DOMAIN.md): a won opportunity becomes a
//! contract with a payment plan of instalments; received payments are matched to instalments;
//! overdue instalments and outstanding balances are listed per rep and per customer.
//!
//! Choices where the spec is silent:
//! - The instalments must sum exactly to the contract amount (default: the opportunity's amount)
//!   and their due dates may not fall before the signing date.
//! - A payment goes to the instalment it names first, then to the open instalments by due date
//!   (oldest first); paying more than is outstanding is refused. A refund takes money back from
//!   the most recently paid instalments first and may not exceed what was paid.
//! - An instalment is overdue from the day after its due date (local dates of the organisation)
//!   while part of it is unpaid; a cancelled contract has nothing overdue or outstanding.

mod collect;

pub use collect::{outstanding, overdue, OutstandingBy, OutstandingRow, OverdueInstalment};

use crate::error::{CrmError, Result};
use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ContractStatus {
    /// Money is still to come.
    Active,
    /// Every instalment is paid.
    Paid,
    Cancelled,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Instalment {
    /// 1-based position in the plan.
    pub seq: u32,
    pub due_date: NaiveDate,
    pub amount: Decimal,
    pub paid: Decimal,
}

impl Instalment {
    pub fn open(&self) -> Decimal {
        self.amount - self.paid
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PaymentKind {
    Payment,
    Refund,
}

/// How much of a payment (or refund, negative) went to which instalment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Allocation {
    pub seq: u32,
    pub amount: Decimal,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Payment {
    pub id: String,
    pub kind: PaymentKind,
    pub received_on: NaiveDate,
    /// Positive for both kinds; `kind` says which way the money went.
    pub amount: Decimal,
    pub allocations: Vec<Allocation>,
    pub recorded_at: DateTime<Utc>,
    pub recorded_by: String,
    #[serde(default)]
    pub note: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Contract {
    pub id: String,
    pub opportunity_id: String,
    pub customer_id: String,
    pub owner_id: Option<String>,
    pub amount: Decimal,
    pub signed_on: NaiveDate,
    pub instalments: Vec<Instalment>,
    pub payments: Vec<Payment>,
    pub status: ContractStatus,
    pub created_at: DateTime<Utc>,
    pub cancelled_at: Option<DateTime<Utc>>,
    pub cancel_reason: Option<String>,
    pub version: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewInstalment {
    pub due_date: NaiveDate,
    pub amount: Decimal,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewContract {
    pub signed_on: NaiveDate,
    /// Default: the won opportunity's amount.
    #[serde(default)]
    pub amount: Option<Decimal>,
    pub instalments: Vec<NewInstalment>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewPayment {
    pub received_on: NaiveDate,
    pub amount: Decimal,
    /// The instalment the payer named, paid first.
    #[serde(default)]
    pub instalment: Option<u32>,
    #[serde(default)]
    pub note: Option<String>,
}

/// Checks a payment plan against the contract amount and numbers its instalments.
pub fn plan(new: &NewContract, amount: Decimal) -> Result<Vec<Instalment>> {
    if amount <= Decimal::ZERO {
        return Err(CrmError::invalid("amount", "must be positive"));
    }
    if new.instalments.is_empty() {
        return Err(CrmError::invalid(
            "instalments",
            "a plan needs an instalment",
        ));
    }
    let mut sum = Decimal::ZERO;
    for (i, n) in new.instalments.iter().enumerate() {
        if n.amount <= Decimal::ZERO {
            return Err(CrmError::invalid(
                format!("instalments[{i}].amount"),
                "must be positive",
            ));
        }
        if n.due_date < new.signed_on {
            return Err(CrmError::invalid(
                format!("instalments[{i}].due_date"),
                "falls before the signing date",
            ));
        }
        sum = sum
            .checked_add(n.amount)
            .ok_or_else(|| CrmError::invalid("instalments", "the sum overflows"))?;
    }
    if sum != amount {
        return Err(CrmError::invalid(
            "instalments",
            format!("they sum to {sum}, the contract amount is {amount}"),
        ));
    }
    Ok(new
        .instalments
        .iter()
        .zip(1..)
        .map(|(n, seq)| Instalment {
            seq,
            due_date: n.due_date,
            amount: n.amount,
            paid: Decimal::ZERO,
        })
        .collect())
}

impl Contract {
    pub fn paid(&self) -> Decimal {
        self.instalments.iter().map(|i| i.paid).sum()
    }

    pub fn outstanding(&self) -> Decimal {
        self.amount - self.paid()
    }

    fn active(&self) -> Result<()> {
        if self.status == ContractStatus::Cancelled {
            Err(CrmError::InvalidState {
                reason: format!("contract {} is cancelled", self.id),
            })
        } else {
            Ok(())
        }
    }

    /// Matches a received payment to instalments; returns the allocations.
    pub fn match_payment(&mut self, p: &NewPayment) -> Result<Vec<Allocation>> {
        self.active()?;
        if p.amount <= Decimal::ZERO {
            return Err(CrmError::invalid("amount", "must be positive"));
        }
        if p.amount > self.outstanding() {
            return Err(CrmError::invalid(
                "amount",
                format!(
                    "{} exceeds the outstanding {} of contract {}",
                    p.amount,
                    self.outstanding(),
                    self.id
                ),
            ));
        }
        let mut order: Vec<usize> = (0..self.instalments.len()).collect();
        order.sort_by_key(|&i| (self.instalments[i].due_date, self.instalments[i].seq));
        if let Some(seq) = p.instalment {
            let at = order
                .iter()
                .position(|&i| self.instalments[i].seq == seq)
                .ok_or_else(|| {
                    CrmError::invalid(
                        "instalment",
                        format!("contract {} has no instalment {seq}", self.id),
                    )
                })?;
            let named = order.remove(at);
            order.insert(0, named);
        }
        let mut left = p.amount;
        let mut allocations = vec![];
        for i in order {
            let inst = &mut self.instalments[i];
            let take = left.min(inst.open());
            if take > Decimal::ZERO {
                inst.paid += take;
                left -= take;
                allocations.push(Allocation {
                    seq: inst.seq,
                    amount: take,
                });
            }
        }
        self.settle();
        Ok(allocations)
    }

    /// Takes a refund back from the most recently paid instalments.
    pub fn match_refund(&mut self, amount: Decimal) -> Result<Vec<Allocation>> {
        self.active()?;
        if amount <= Decimal::ZERO {
            return Err(CrmError::invalid("amount", "must be positive"));
        }
        if amount > self.paid() {
            return Err(CrmError::invalid(
                "amount",
                format!(
                    "{amount} exceeds the {} paid on contract {}",
                    self.paid(),
                    self.id
                ),
            ));
        }
        let mut left = amount;
        let mut allocations = vec![];
        let mut order: Vec<usize> = (0..self.instalments.len()).collect();
        order.sort_by_key(|&i| (self.instalments[i].due_date, self.instalments[i].seq));
        for i in order.into_iter().rev() {
            let inst = &mut self.instalments[i];
            let take = left.min(inst.paid);
            if take > Decimal::ZERO {
                inst.paid -= take;
                left -= take;
                allocations.push(Allocation {
                    seq: inst.seq,
                    amount: -take,
                });
            }
        }
        self.settle();
        Ok(allocations)
    }

    fn settle(&mut self) {
        self.status = if self.outstanding().is_zero() {
            ContractStatus::Paid
        } else {
            ContractStatus::Active
        };
    }

    pub fn cancel(&mut self, at: DateTime<Utc>, reason: String) -> Result<()> {
        self.active()?;
        self.status = ContractStatus::Cancelled;
        self.cancelled_at = Some(at);
        self.cancel_reason = Some(reason);
        Ok(())
    }
}
