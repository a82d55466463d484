//! Duplicate look-ups (撞单检测), at entry and on demand.

mod names;
#[cfg(test)]
mod tests;

use super::Crm;
use crate::customer::dedup::{probe_keys, rank};
use crate::customer::{
    Customer, CustomerId, CustomerStatus, DuplicateMatch, DuplicateProbe, MatchField,
};
use crate::error::{CrmError, Result};
use crate::limits::Bounded;
use crate::store::Tx;

impl Crm {
    /// Existing customers that match the probe, strongest first. Matches are reported whoever owns
    /// them (that is the point: the rep learns the customer is taken, and by whom).
    pub fn find_duplicates(
        &self,
        actor: &str,
        probe: DuplicateProbe,
    ) -> Result<Vec<DuplicateMatch>> {
        probe.check_bounds()?;
        self.look(actor, |cx| {
            let threshold = cx
                .tx
                .settings()?
                .unwrap_or_default()
                .duplicates
                .name_threshold;
            find_matches(cx.tx, &probe, threshold, &[])
        })
    }

    /// Other customers that look like this one.
    pub fn duplicates_of(&self, actor: &str, customer_id: &str) -> Result<Vec<DuplicateMatch>> {
        self.look(actor, |cx| {
            let customer = cx.customer(customer_id)?;
            let threshold = cx
                .tx
                .settings()?
                .unwrap_or_default()
                .duplicates
                .name_threshold;
            let mut probe = DuplicateProbe {
                name: Some(customer.name.clone()),
                phones: customer.phones.clone(),
                emails: customer.emails.clone(),
            };
            for contact in cx.tx.contacts_of(customer_id)? {
                probe.phones.extend(contact.phones);
                probe.emails.extend(contact.emails);
            }
            let mut exclude = customer.merged_from.clone();
            exclude.push(customer.id.clone());
            find_matches(cx.tx, &probe, threshold, &exclude)
        })
    }
}

pub(super) fn find_matches(
    tx: &mut dyn Tx,
    probe: &DuplicateProbe,
    threshold: f64,
    exclude: &[CustomerId],
) -> Result<Vec<DuplicateMatch>> {
    if !(0.0..=1.0).contains(&threshold) {
        return Err(CrmError::invalid(
            "name_threshold",
            "must lie between 0 and 1",
        ));
    }
    let mut found: Vec<(CustomerId, MatchField, String, f64)> = Vec::new();
    for (field, key) in probe_keys(probe)? {
        for id in tx.customers_by_dedup_key(&key)? {
            let value = key[2..].to_string();
            found.push((id, field, value, 1.0));
        }
    }
    if let Some(name) = probe.name.as_deref().filter(|n| !n.trim().is_empty()) {
        for (id, value, sim) in names::similar_names(tx, name, threshold)? {
            found.push((id, MatchField::Name, value, sim));
        }
    }
    let mut matches = Vec::new();
    for (id, field, value, similarity) in found {
        if exclude.contains(&id) {
            continue;
        }
        let Some(c) = tx.customer(&id)? else { continue };
        if c.status == CustomerStatus::Merged {
            continue;
        }
        matches.push(describe(&c, field, value, similarity));
    }
    Ok(rank(matches))
}

fn describe(
    c: &Customer,
    matched_on: MatchField,
    matched_value: String,
    similarity: f64,
) -> DuplicateMatch {
    DuplicateMatch {
        customer_id: c.id.clone(),
        customer_name: c.name.clone(),
        matched_on,
        matched_value,
        similarity,
        owner_id: c.owner_id.clone(),
        pool_id: c.pool_id.clone(),
        locked: c.locked,
        deal_status: c.deal_status,
    }
}
