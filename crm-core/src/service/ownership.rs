//! Changes of owner: transfer, handover of a leaving rep (离职交接), merge; and the history of them.

use super::{check_expected, Crm, Ctx};
use crate::customer::dedup::customer_keys;
use crate::customer::{merge_into, Customer, CustomerId, CustomerStatus};
use crate::error::{CrmError, EntityKind, Result};
use crate::event::{Event, EventKind, OwnershipChange, OwnershipReason};
use crate::store::CustomerQuery;

impl Crm {
    /// Moves one customer to another rep. The actor must cover the customer and manage the new owner.
    pub fn transfer_customer(
        &self,
        actor: &str,
        customer_id: &str,
        expected_version: u64,
        to: &str,
        reason: &str,
    ) -> Result<Customer> {
        crate::limits::text("reason", reason, crate::limits::NOTE)?;
        self.act(actor, |cx| {
            let mut c = cx.customer(customer_id)?;
            check_expected(
                EntityKind::Customer,
                customer_id,
                expected_version,
                c.version,
            )?;
            active(&c)?;
            let target = cx.managed_user(to)?;
            if !target.active {
                return Err(CrmError::InactiveUser { id: target.id });
            }
            if c.owner_id.as_deref() == Some(to) {
                return Err(CrmError::InvalidState {
                    reason: format!("customer {customer_id} is already owned by {to}"),
                });
            }
            change_owner(
                cx,
                &mut c,
                Some(target.id),
                OwnershipReason::Transferred,
                reason,
            )?;
            Ok(c)
        })
    }

    /// Hands every customer of `from` to `to` in one transaction; returns the moved customers' ids.
    pub fn handover(
        &self,
        actor: &str,
        from: &str,
        to: &str,
        reason: &str,
    ) -> Result<Vec<CustomerId>> {
        crate::limits::text("reason", reason, crate::limits::NOTE)?;
        self.act(actor, |cx| {
            if cx.actor.role == crate::access::Role::Rep {
                return Err(cx.denied("hand over customers"));
            }
            let source = cx.managed_user(from)?;
            let target = cx.managed_user(to)?;
            if source.id == target.id {
                return Err(CrmError::invalid("to", "cannot hand over to the same user"));
            }
            if !target.active {
                return Err(CrmError::InactiveUser { id: target.id });
            }
            let query = CustomerQuery {
                owners: Some(vec![source.id.clone()]),
                ..CustomerQuery::default()
            };
            let mut customers = cx.tx.customers(&query)?;
            customers.sort_by(|a, b| crate::ids::record_order(&a.id, &b.id));
            let why = format!("handover from {} to {}: {reason}", source.id, target.id);
            let mut moved = Vec::with_capacity(customers.len());
            for mut c in customers {
                change_owner(
                    cx,
                    &mut c,
                    Some(target.id.clone()),
                    OwnershipReason::Handover,
                    &why,
                )?;
                moved.push(c.id);
            }
            Ok(moved)
        })
    }

    /// Folds `merged_id` into `survivor_id`: contacts, follow-ups and history all move to the
    /// survivor, which keeps its own values and gains the other's where it had none.
    pub fn merge_customers(
        &self,
        actor: &str,
        survivor_id: &str,
        merged_id: &str,
    ) -> Result<Customer> {
        self.act(actor, |cx| {
            if survivor_id == merged_id {
                return Err(CrmError::invalid(
                    "merged_id",
                    "a customer cannot be merged into itself",
                ));
            }
            let survivor = cx.customer(survivor_id)?;
            let merged = cx.customer(merged_id)?;
            active(&survivor)?;
            active(&merged)?;
            let (mut survivor_after, mut tombstone) = merge_into(&survivor, &merged, cx.now);
            cx.save_customer(&mut survivor_after)?;
            cx.save_customer(&mut tombstone)?;
            for mut contact in cx.tx.contacts_of(merged_id)? {
                contact.customer_id = survivor_id.to_string();
                contact.version += 1;
                cx.tx.put_contact(&contact)?;
            }
            for mut follow_up in cx.tx.follow_ups_of(merged_id)? {
                follow_up.customer_id = survivor_id.to_string();
                follow_up.version += 1;
                cx.tx.put_follow_up(&follow_up)?;
            }
            super::opportunities::move_opportunities(cx.tx, merged_id, survivor_id)?;
            super::contracts::move_contracts(cx.tx, merged_id, survivor_id)?;
            let contacts = cx.tx.contacts_of(survivor_id)?;
            cx.tx
                .set_dedup_keys(survivor_id, &customer_keys(&survivor_after, &contacts)?)?;
            cx.tx.set_dedup_keys(merged_id, &[])?;
            let why = format!("{merged_id} merged into {survivor_id}");
            cx.emit(
                EventKind::CustomersMerged {
                    survivor_id: survivor_id.to_string(),
                    merged_id: merged_id.to_string(),
                },
                why.clone(),
            )?;
            if merged.owner_id.is_some() {
                owner_event(
                    cx,
                    &merged.id,
                    merged.owner_id.clone(),
                    None,
                    OwnershipReason::Merged,
                    &why,
                )?;
            }
            if survivor.owner_id != survivor_after.owner_id {
                let to = survivor_after.owner_id.clone();
                owner_event(
                    cx,
                    survivor_id,
                    survivor.owner_id.clone(),
                    to,
                    OwnershipReason::Merged,
                    &why,
                )?;
            }
            Ok(survivor_after)
        })
    }

    /// Every change of owner of a customer and of the customers merged into it, oldest first.
    pub fn ownership_history(
        &self,
        actor: &str,
        customer_id: &str,
    ) -> Result<Vec<OwnershipChange>> {
        Ok(self
            .customer_events(actor, customer_id)?
            .iter()
            .filter_map(OwnershipChange::from_event)
            .collect())
    }

    /// The full event history of a customer, including the customers merged into it.
    pub fn customer_events(&self, actor: &str, customer_id: &str) -> Result<Vec<Event>> {
        self.look(actor, |cx| {
            let c = cx.customer(customer_id)?;
            let mut ids = c.merged_from.clone();
            ids.push(c.id);
            cx.tx.events_of(&ids)
        })
    }

    /// The organisation's event log after `after`, for administrators (audit, sync).
    pub fn events(&self, actor: &str, after: u64, limit: usize) -> Result<Vec<Event>> {
        self.look(actor, |cx| {
            cx.require_admin("read the whole event log")?;
            cx.tx.events_after(after, limit)
        })
    }
}

fn active(c: &Customer) -> Result<()> {
    if c.status == CustomerStatus::Merged {
        Err(CrmError::InvalidState {
            reason: format!("customer {} was merged into another", c.id),
        })
    } else {
        Ok(())
    }
}

/// Sets a new owner, bumps the version, writes the customer and the ownership event.
fn change_owner(
    cx: &mut Ctx<'_>,
    c: &mut Customer,
    to: Option<String>,
    cause: OwnershipReason,
    reason: &str,
) -> Result<()> {
    let from = c.owner_id.clone();
    c.previous_owner_id = from.clone().or(c.previous_owner_id.take());
    c.owner_id = to.clone();
    c.owned_since = to.as_ref().map(|_| cx.now);
    c.updated_at = cx.now;
    c.version += 1;
    cx.save_customer(c)?;
    owner_event(cx, &c.id, from, to, cause, reason)
}

fn owner_event(
    cx: &mut Ctx<'_>,
    customer_id: &str,
    from: Option<String>,
    to: Option<String>,
    cause: OwnershipReason,
    reason: &str,
) -> Result<()> {
    cx.emit(
        EventKind::OwnerChanged {
            customer_id: customer_id.to_string(),
            from_owner_id: from,
            to_owner_id: to,
            cause,
        },
        reason,
    )?;
    Ok(())
}
