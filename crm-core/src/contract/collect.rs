//! Collection lists: overdue instalments and outstanding balances per rep or per customer.

use super::{Contract, ContractStatus};
use crate::error::{CrmError, Result};
use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct OverdueInstalment {
    pub contract_id: String,
    pub customer_id: String,
    pub owner_id: Option<String>,
    pub seq: u32,
    pub due_date: NaiveDate,
    pub amount: Decimal,
    pub paid: Decimal,
    pub open: Decimal,
    pub days_overdue: i64,
}

/// Unpaid instalments due before `today`, most overdue first.
pub fn overdue(contracts: &[Contract], today: NaiveDate) -> Vec<OverdueInstalment> {
    let mut out: Vec<OverdueInstalment> = contracts
        .iter()
        .filter(|c| c.status != ContractStatus::Cancelled)
        .flat_map(|c| {
            c.instalments
                .iter()
                .filter(move |i| i.due_date < today && i.open() > Decimal::ZERO)
                .map(move |i| OverdueInstalment {
                    contract_id: c.id.clone(),
                    customer_id: c.customer_id.clone(),
                    owner_id: c.owner_id.clone(),
                    seq: i.seq,
                    due_date: i.due_date,
                    amount: i.amount,
                    paid: i.paid,
                    open: i.open(),
                    days_overdue: (today - i.due_date).num_days(),
                })
        })
        .collect();
    out.sort_by(|a, b| {
        a.due_date
            .cmp(&b.due_date)
            .then_with(|| crate::ids::record_order(&a.contract_id, &b.contract_id))
            .then(a.seq.cmp(&b.seq))
    });
    out
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[serde(rename_all = "snake_case")]
pub enum OutstandingBy {
    Rep,
    Customer,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct OutstandingRow {
    /// The rep's or customer's id (`""` for contracts without an owner).
    pub key: String,
    pub contracts: u32,
    /// Not yet paid on active contracts.
    pub outstanding: Decimal,
    /// The part of it that is overdue at `today`.
    pub overdue: Decimal,
}

/// Outstanding and overdue balances grouped by rep or customer, largest outstanding first; a
/// total beyond the exact decimal range is refused rather than rounded.
pub fn outstanding(
    contracts: &[Contract],
    today: NaiveDate,
    by: OutstandingBy,
) -> Result<Vec<OutstandingRow>> {
    let add = |a: Decimal, b: Decimal| {
        a.checked_add(b).ok_or_else(|| {
            CrmError::invalid("amount", "the total lies beyond the exact decimal range")
        })
    };
    let mut rows: BTreeMap<String, OutstandingRow> = BTreeMap::new();
    for c in contracts
        .iter()
        .filter(|c| c.status == ContractStatus::Active)
    {
        let key = match by {
            OutstandingBy::Rep => c.owner_id.clone().unwrap_or_default(),
            OutstandingBy::Customer => c.customer_id.clone(),
        };
        let row = rows.entry(key.clone()).or_insert_with(|| OutstandingRow {
            key,
            contracts: 0,
            outstanding: Decimal::ZERO,
            overdue: Decimal::ZERO,
        });
        row.contracts += 1;
        row.outstanding = add(row.outstanding, c.outstanding())?;
        for i in c.instalments.iter().filter(|i| i.due_date < today) {
            row.overdue = add(row.overdue, i.open())?;
        }
    }
    let mut out: Vec<OutstandingRow> = rows.into_values().collect();
    out.sort_by(|a, b| {
        b.outstanding
            .cmp(&a.outstanding)
            .then_with(|| crate::ids::record_order(&a.key, &b.key))
    });
    Ok(out)
}
