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
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[serde(rename_all = "snake_case")]
pub enum ContractStatus {
    /// Money is still to come.
    Active,
    /// Every instalment is paid.
    Paid,
    Cancelled,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
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
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[serde(rename_all = "snake_case")]
pub enum PaymentKind {
    Payment,
    Refund,
}

/// How much of a payment (or refund, negative) went to which instalment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct PaymentAllocation {
    pub seq: u32,
    pub amount: Decimal,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct Payment {
    pub id: String,
    pub kind: PaymentKind,
    pub received_on: NaiveDate,
    /// Positive for both kinds; `kind` says which way the money went.
    pub amount: Decimal,
    pub allocations: Vec<PaymentAllocation>,
    pub recorded_at: DateTime<Utc>,
    pub recorded_by: String,
    #[serde(default)]
    pub note: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
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
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[serde(deny_unknown_fields)]
pub struct NewInstalment {
    pub due_date: NaiveDate,
    pub amount: Decimal,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[serde(deny_unknown_fields)]
pub struct NewContract {
    pub signed_on: NaiveDate,
    /// Default: the won opportunity's amount.
    #[serde(default)]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub amount: Option<Decimal>,
    pub instalments: Vec<NewInstalment>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[serde(deny_unknown_fields)]
pub struct NewPayment {
    pub received_on: NaiveDate,
    pub amount: Decimal,
    /// The instalment the payer named, paid first.
    #[serde(default)]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub instalment: Option<u32>,
    #[serde(default)]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
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

    /// The earliest due date of an instalment still open (none once paid or cancelled): the date
    /// the collection lists find the contract by.
    pub fn next_due(&self) -> Option<NaiveDate> {
        if self.status == ContractStatus::Cancelled {
            return None;
        }
        self.instalments
            .iter()
            .filter(|i| i.open() > Decimal::ZERO)
            .map(|i| i.due_date)
            .min()
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
    pub fn match_payment(&mut self, p: &NewPayment) -> Result<Vec<PaymentAllocation>> {
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
                allocations.push(PaymentAllocation {
                    seq: inst.seq,
                    amount: take,
                });
            }
        }
        self.settle();
        Ok(allocations)
    }

    /// Takes a refund back from the most recently paid instalments.
    pub fn match_refund(&mut self, amount: Decimal) -> Result<Vec<PaymentAllocation>> {
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
                allocations.push(PaymentAllocation {
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

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn d(m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, m, day).unwrap()
    }

    fn contract(amounts: &[i64]) -> Contract {
        let new = NewContract {
            signed_on: d(3, 1),
            amount: None,
            instalments: amounts
                .iter()
                .zip(1..)
                .map(|(a, m)| NewInstalment {
                    due_date: d(m + 2, 10),
                    amount: Decimal::from(*a),
                })
                .collect(),
        };
        let total = amounts.iter().copied().map(Decimal::from).sum();
        Contract {
            id: "k-1".into(),
            opportunity_id: "o-1".into(),
            customer_id: "c-1".into(),
            owner_id: Some("u-2".into()),
            amount: total,
            signed_on: new.signed_on,
            instalments: plan(&new, total).unwrap(),
            payments: vec![],
            status: ContractStatus::Active,
            created_at: Utc.with_ymd_and_hms(2026, 3, 1, 0, 0, 0).unwrap(),
            cancelled_at: None,
            cancel_reason: None,
            version: 1,
        }
    }

    fn pay(amount: i64, instalment: Option<u32>) -> NewPayment {
        NewPayment {
            received_on: d(3, 2),
            amount: Decimal::from(amount),
            instalment,
            note: None,
        }
    }

    #[test]
    fn a_plan_must_sum_to_the_contract_amount() {
        let mut new = NewContract {
            signed_on: d(3, 1),
            amount: None,
            instalments: vec![NewInstalment {
                due_date: d(3, 10),
                amount: Decimal::from(60),
            }],
        };
        assert!(plan(&new, Decimal::from(100)).is_err());
        new.instalments[0].due_date = d(2, 1);
        assert!(plan(&new, Decimal::from(60)).is_err(), "due before signing");
    }

    #[test]
    fn payments_go_to_the_named_instalment_then_oldest_first_and_refunds_newest_first() {
        let mut c = contract(&[30, 30, 40]);
        let a = c.match_payment(&pay(50, Some(3))).unwrap();
        assert_eq!(
            a.iter().map(|x| (x.seq, x.amount)).collect::<Vec<_>>(),
            [(3, Decimal::from(40)), (1, Decimal::from(10))]
        );
        assert!(
            c.match_payment(&pay(51, None)).is_err(),
            "only 50 outstanding"
        );
        assert!(
            c.match_payment(&pay(1, Some(9))).is_err(),
            "no instalment 9"
        );
        let r = c.match_refund(Decimal::from(45)).unwrap();
        assert_eq!(
            r.iter().map(|x| (x.seq, x.amount)).collect::<Vec<_>>(),
            [(3, Decimal::from(-40)), (1, Decimal::from(-5))]
        );
        assert_eq!(c.paid(), Decimal::from(5));
        c.match_payment(&pay(95, None)).unwrap();
        assert_eq!(c.status, ContractStatus::Paid);
        let due = overdue(std::slice::from_ref(&c), d(12, 1));
        assert!(due.is_empty());
    }

    #[test]
    fn overdue_and_outstanding_lists() {
        let mut c = contract(&[30, 30, 40]);
        c.match_payment(&pay(40, None)).unwrap();
        // Instalment 1 (due 03-10) is paid; 2 (due 04-10) has 20 open; 3 (due 05-10) is not due.
        let due = overdue(std::slice::from_ref(&c), d(4, 12));
        assert_eq!(due.len(), 1);
        assert_eq!(
            (due[0].seq, due[0].open, due[0].days_overdue),
            (2, Decimal::from(20), 2)
        );
        assert!(
            overdue(std::slice::from_ref(&c), d(4, 10)).is_empty(),
            "due today is not late"
        );
        let rows = outstanding(std::slice::from_ref(&c), d(4, 12), OutstandingBy::Rep).unwrap();
        assert_eq!(rows[0].key, "u-2");
        assert_eq!(
            (rows[0].outstanding, rows[0].overdue),
            (Decimal::from(60), Decimal::from(20))
        );
        c.cancel(c.created_at, "void".into()).unwrap();
        assert!(overdue(std::slice::from_ref(&c), d(4, 12)).is_empty());
        assert!(c.match_payment(&pay(1, None)).is_err());
    }

    #[test]
    fn balances_beyond_the_decimal_range_are_refused_not_panicked() {
        let mut big = contract(&[1]);
        big.amount = Decimal::MAX;
        big.instalments[0].amount = Decimal::MAX;
        let two = [big.clone(), big];
        let e = outstanding(&two, d(4, 12), OutstandingBy::Rep).unwrap_err();
        assert_eq!(e.code(), "INVALID_INPUT");
    }
}
