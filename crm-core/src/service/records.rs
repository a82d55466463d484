//! Contacts and follow-ups (跟进记录) of a customer.

use super::customers::scoped_customers;
use super::{non_empty, Crm};
use crate::customer::dedup::customer_keys;
use crate::customer::normalize::{normalize_email, normalize_phone};
use crate::customer::{
    Contact, CustomerStatus, FollowUp, NewContact, NewFollowUp, OverdueFollowUp,
};
use crate::error::{CrmError, Result};
use crate::event::EventKind;
use crate::ids::record_order;
use crate::limits::Bounded;
use crate::store::CustomerQuery;

impl Crm {
    pub fn add_contact(&self, actor: &str, customer_id: &str, new: NewContact) -> Result<Contact> {
        new.check_bounds()?;
        let name = non_empty("name", &new.name)?;
        for phone in &new.phones {
            normalize_phone(phone)?;
        }
        for email in &new.emails {
            normalize_email(email)?;
        }
        self.act(actor, |cx| {
            let customer = cx.customer(customer_id)?;
            enter_contact(cx, &customer, name, new)
        })
    }

    pub fn contacts(&self, actor: &str, customer_id: &str) -> Result<Vec<Contact>> {
        self.look(actor, |cx| {
            cx.customer(customer_id)?;
            let mut contacts = cx.tx.contacts_of(customer_id)?;
            contacts.sort_by(|a, b| record_order(&a.id, &b.id));
            Ok(contacts)
        })
    }

    /// Records a follow-up; it moves the customer's last follow-up time and replaces its planned
    /// next follow-up with this one's (none clears the plan, since this contact fulfilled it).
    pub fn record_follow_up(
        &self,
        actor: &str,
        customer_id: &str,
        new: NewFollowUp,
    ) -> Result<FollowUp> {
        new.check_bounds()?;
        self.act(actor, |cx| {
            let at = new.at.unwrap_or(cx.now);
            if at > cx.now {
                return Err(CrmError::invalid(
                    "at",
                    "a follow-up cannot lie in the future",
                ));
            }
            if new.next_follow_up_at.is_some_and(|next| next <= at) {
                return Err(CrmError::invalid(
                    "next_follow_up_at",
                    "must come after the follow-up itself",
                ));
            }
            let mut customer = cx.customer(customer_id)?;
            if customer.status == CustomerStatus::Merged {
                return Err(CrmError::InvalidState {
                    reason: format!("customer {customer_id} was merged into another"),
                });
            }
            let follow_up = FollowUp {
                id: cx.new_id("f")?,
                customer_id: customer.id.clone(),
                rep_id: cx.actor.id.clone(),
                channel: new.channel,
                note: new.note.trim().to_string(),
                at,
                next_follow_up_at: new.next_follow_up_at,
                version: 1,
            };
            cx.tx.put_follow_up(&follow_up)?;
            if customer.open_opportunities > 0 {
                super::opportunities::touch_open(cx, &customer.id, at)?;
            }
            customer.last_follow_up_at = customer.last_follow_up_at.max(Some(at));
            customer.next_follow_up_at = new.next_follow_up_at;
            customer.updated_at = cx.now;
            customer.version += 1;
            cx.save_customer(&mut customer)?;
            cx.emit(
                EventKind::FollowUpRecorded {
                    customer_id: customer.id.clone(),
                    follow_up_id: follow_up.id.clone(),
                },
                format!("{:?} follow-up", follow_up.channel).to_lowercase(),
            )?;
            Ok(follow_up)
        })
    }

    /// Follow-ups of a customer, oldest first.
    pub fn follow_ups(&self, actor: &str, customer_id: &str) -> Result<Vec<FollowUp>> {
        self.look(actor, |cx| {
            cx.customer(customer_id)?;
            let mut list = cx.tx.follow_ups_of(customer_id)?;
            list.sort_by(|a, b| a.at.cmp(&b.at).then_with(|| record_order(&a.id, &b.id)));
            Ok(list)
        })
    }

    /// Customers in scope whose planned next follow-up has passed, per rep (optionally one rep),
    /// ordered by rep and then by how long overdue.
    pub fn overdue_follow_ups(
        &self,
        actor: &str,
        rep_id: Option<&str>,
    ) -> Result<Vec<OverdueFollowUp>> {
        self.look(actor, |cx| {
            let query = CustomerQuery {
                follow_up_due_before: Some(cx.now),
                ..CustomerQuery::default()
            };
            let mut list: Vec<OverdueFollowUp> = scoped_customers(cx, query)?
                .into_iter()
                .filter_map(|c| {
                    let owner_id = c.owner_id?;
                    if rep_id.is_some_and(|r| r != owner_id) {
                        return None;
                    }
                    Some(OverdueFollowUp {
                        customer_id: c.id,
                        customer_name: c.name,
                        owner_id,
                        due_at: c.next_follow_up_at?,
                    })
                })
                .collect();
            list.sort_by(|a, b| {
                record_order(&a.owner_id, &b.owner_id)
                    .then(a.due_at.cmp(&b.due_at))
                    .then_with(|| record_order(&a.customer_id, &b.customer_id))
            });
            Ok(list)
        })
    }
}

/// Adds a contact (its name checked, phones and emails validated) to a customer the actor may
/// change, and re-keys the customer's duplicate keys.
pub(super) fn enter_contact(
    cx: &mut super::Ctx<'_>,
    customer: &crate::customer::Customer,
    name: String,
    new: NewContact,
) -> Result<Contact> {
    let customer_id = &customer.id;
    if customer.status == CustomerStatus::Merged {
        return Err(CrmError::InvalidState {
            reason: format!("customer {customer_id} was merged into another"),
        });
    }
    let contact = Contact {
        id: cx.new_id("ct")?,
        customer_id: customer.id.clone(),
        name,
        phones: new.phones.iter().map(|p| p.trim().to_string()).collect(),
        emails: new.emails.iter().map(|e| e.trim().to_string()).collect(),
        role: new
            .role
            .map(|r| r.trim().to_string())
            .filter(|r| !r.is_empty()),
        created_at: cx.now,
        opt_outs: crate::campaign::channels(new.opt_outs.clone()),
        version: 1,
    };
    cx.tx.put_contact(&contact)?;
    let contacts = cx.tx.contacts_of(&customer.id)?;
    cx.tx
        .set_dedup_keys(&customer.id, &customer_keys(customer, &contacts)?)?;
    cx.emit(
        EventKind::ContactAdded {
            customer_id: customer.id.clone(),
            contact_id: contact.id.clone(),
        },
        format!("contact {} added", contact.name),
    )?;
    Ok(contact)
}
