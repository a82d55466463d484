//! Credits: the facts commission is paid on (won deals with their splits, payments, refunds and
//! cancellations), and the split of a deal among its reps.

use crate::error::{CrmError, Result};
use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[serde(rename_all = "snake_case")]
pub enum CommissionCreditKind {
    /// A deal won: `amount` is the deal amount, `rep_id` and `split` one rep's share.
    Won,
    /// Cash received on the deal's contract (`contract_total` given).
    Payment,
    /// Money returned to the customer.
    Refund,
    /// The contract was cancelled.
    Cancel,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[serde(deny_unknown_fields)]
pub struct CommissionCredit {
    pub kind: CommissionCreditKind,
    pub deal_id: String,
    /// The rep of a `won` row; ignored on the others.
    #[serde(default)]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub rep_id: Option<String>,
    /// Percent of the deal credited to `rep_id` (`won` rows; default 100).
    #[serde(default)]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub split: Option<Decimal>,
    pub date: NaiveDate,
    #[serde(default)]
    pub amount: Decimal,
    /// The contract total a payment is part of (collected plans).
    #[serde(default)]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub contract_total: Option<Decimal>,
}

/// One rep's share of a deal.
#[derive(Debug, Clone, PartialEq)]
pub struct Share {
    pub rep_id: String,
    pub percent: Decimal,
    pub amount: Decimal,
    pub won_on: NaiveDate,
}

/// A deal as its `won` rows describe it.
#[derive(Debug, Clone, PartialEq)]
pub struct Deal {
    pub id: String,
    pub amount: Decimal,
    pub won_on: NaiveDate,
    pub shares: Vec<Share>,
}

/// Splits `amount` by `percents` (summing to exactly 100): the shares sum to `amount` exactly.
pub fn split_credits(amount: Decimal, percents: &[Decimal]) -> Result<Vec<Decimal>> {
    let sum: Decimal = percents.iter().sum();
    if sum != Decimal::ONE_HUNDRED {
        return Err(CrmError::invalid(
            "split",
            format!("splits sum to {sum}%, not 100%"),
        ));
    }
    if percents.iter().any(|p| *p <= Decimal::ZERO) {
        return Err(CrmError::invalid("split", "every split must be positive"));
    }
    let mut shares = Vec::with_capacity(percents.len());
    let mut given = Decimal::ZERO;
    for (i, p) in percents.iter().enumerate() {
        // Exact decimal arithmetic makes the last share a formality, kept so the sum is exact
        // even when a product has to be rounded to Decimal's 28 digits.
        let share = if i + 1 == percents.len() {
            amount - given
        } else {
            amount
                .checked_mul(*p)
                .ok_or_else(|| CrmError::invalid("amount", "too large to split"))?
                / Decimal::ONE_HUNDRED
        };
        given += share;
        shares.push(share);
    }
    Ok(shares)
}

/// The deals of the credits, each checked: one `won` row per rep, splits summing to 100, one
/// amount and date; every other row names a won deal.
pub fn deals(credits: &[CommissionCredit]) -> Result<BTreeMap<String, Deal>> {
    let mut rows: BTreeMap<&str, Vec<&CommissionCredit>> = BTreeMap::new();
    for c in credits {
        if c.deal_id.trim().is_empty() {
            return Err(CrmError::invalid("deal_id", "must not be empty"));
        }
        if c.amount.is_sign_negative() && !c.amount.is_zero() {
            return Err(CrmError::invalid(
                format!("deal {}: amount", c.deal_id),
                "must not be negative (refunds are their own kind)",
            ));
        }
        if c.kind == CommissionCreditKind::Won {
            rows.entry(&c.deal_id).or_default().push(c);
        }
    }
    let mut out = BTreeMap::new();
    for (id, won) in rows {
        let first = won[0];
        if won
            .iter()
            .any(|w| w.amount != first.amount || w.date != first.date)
        {
            return Err(CrmError::invalid(
                format!("deal {id}: won"),
                "every won row of a deal must give the same amount and date",
            ));
        }
        let mut reps: Vec<&str> = vec![];
        let mut percents = vec![];
        for w in &won {
            let rep = w
                .rep_id
                .as_deref()
                .filter(|r| !r.trim().is_empty())
                .ok_or_else(|| {
                    CrmError::invalid(format!("deal {id}: rep_id"), "a won row names its rep")
                })?;
            if reps.contains(&rep) {
                return Err(CrmError::invalid(
                    format!("deal {id}: split"),
                    format!("rep {rep} appears twice"),
                ));
            }
            reps.push(rep);
            percents.push(w.split.unwrap_or(Decimal::ONE_HUNDRED));
        }
        let amounts = split_credits(first.amount, &percents).map_err(|e| match e {
            CrmError::InvalidInput { reason, .. } => {
                CrmError::invalid(format!("deal {id}: split"), reason)
            }
            other => other,
        })?;
        let shares = reps
            .iter()
            .zip(percents)
            .zip(amounts)
            .map(|((rep, percent), amount)| Share {
                rep_id: rep.to_string(),
                percent,
                amount,
                won_on: first.date,
            })
            .collect();
        out.insert(
            id.to_string(),
            Deal {
                id: id.to_string(),
                amount: first.amount,
                won_on: first.date,
                shares,
            },
        );
    }
    for c in credits
        .iter()
        .filter(|c| c.kind != CommissionCreditKind::Won)
    {
        let deal = out.get(&c.deal_id).ok_or_else(|| {
            CrmError::invalid(
                format!("deal {}", c.deal_id),
                format!("a {:?} row names a deal without a won row", c.kind),
            )
        })?;
        if c.kind == CommissionCreditKind::Payment {
            let total = c.contract_total.unwrap_or(deal.amount);
            if total <= Decimal::ZERO {
                return Err(CrmError::invalid(
                    format!("deal {}: contract_total", c.deal_id),
                    "must be positive",
                ));
            }
        }
    }
    Ok(out)
}
