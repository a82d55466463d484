//! The service layer: the only code that reads and writes the store. Each call names the acting
//! user, runs in one transaction, checks the user's data scope, applies the rules and records an
//! event for every change.

mod audiences;
mod campaign_report;
mod campaigns;
mod commission;
mod contracts;
mod customers;
mod desk;
mod duplicates;
mod imports;
mod leads;
mod opportunities;
mod ownership;
mod pools;
mod quality;
mod records;
mod sync;
mod ticket_report;
mod tickets;
mod tokens;
mod users;

pub use customers::CustomerCreated;
pub use imports::{ImportSink, IMPORT_BATCH};
pub use ticket_report::BREACH_WINDOW_MINUTES;
pub use tickets::TICKET_BATCH;

use crate::access::{Role, User};
use crate::clock::Clock;
use crate::customer::Customer;
use crate::error::{CrmError, EntityKind, Result};
use crate::event::{EventKind, NewEvent};
use crate::ids::record_order;
use crate::store::{self, MemoryStore, Store, Tx};
use chrono::{DateTime, Utc};
use std::sync::Arc;

pub struct Crm {
    /// Shared so a call can run on a wrapped view of the same store (sync's receipts).
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
}

impl Crm {
    pub fn new(store: impl Store + 'static, clock: Arc<dyn Clock>) -> Self {
        Crm {
            store: Arc::new(store),
            clock,
        }
    }

    /// A CRM on the in-memory store.
    pub fn in_memory(clock: Arc<dyn Clock>) -> Self {
        Crm::new(MemoryStore::new(), clock)
    }

    pub fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }

    /// One write transaction with the acting user loaded and checked.
    fn act<T>(&self, actor_id: &str, f: impl FnOnce(&mut Ctx<'_>) -> Result<T>) -> Result<T> {
        let now = self.now();
        store::write(self.store.as_ref(), |tx| {
            let actor = load_actor(tx, actor_id)?;
            f(&mut Ctx {
                tx,
                actor,
                now,
                recycling: None,
                duplicates: None,
            })
        })
        .map_err(CrmError::clipped)
    }

    /// One read transaction with the acting user loaded and checked.
    fn look<T>(&self, actor_id: &str, f: impl FnOnce(&mut Ctx<'_>) -> Result<T>) -> Result<T> {
        let now = self.now();
        store::read(self.store.as_ref(), |tx| {
            let actor = load_actor(tx, actor_id)?;
            f(&mut Ctx {
                tx,
                actor,
                now,
                recycling: None,
                duplicates: None,
            })
        })
        .map_err(CrmError::clipped)
    }
}

fn load_actor(tx: &mut dyn Tx, id: &str) -> Result<User> {
    let actor = tx
        .user(id)?
        .ok_or_else(|| CrmError::not_found(EntityKind::User, id))?;
    if !actor.active {
        return Err(CrmError::InactiveUser { id: actor.id });
    }
    Ok(actor)
}

/// What one operation works with: its transaction, the acting user and the operation's `now`.
struct Ctx<'a> {
    tx: &'a mut dyn Tx,
    actor: User,
    now: DateTime<Utc>,
    /// The pools' recycling rules, loaded on the first customer write.
    recycling: Option<pools::Recycling>,
    /// The duplicate policy, loaded on the first entry (an import enters thousands per call).
    duplicates: Option<crate::customer::dedup::DuplicatePolicy>,
}

impl Ctx<'_> {
    /// Writes a customer with its `recycle_due_at` brought up to date: every customer write goes
    /// through here so the sweep's index never goes stale.
    fn save_customer(&mut self, c: &mut Customer) -> Result<()> {
        if self.recycling.is_none() {
            self.recycling = Some(pools::Recycling::load(self.tx)?);
        }
        if let Some(recycling) = &self.recycling {
            c.recycle_due_at = recycling.due(c).map(|d| d.recycle_at());
        }
        self.tx.put_customer(c)
    }

    /// Re-derives a customer's duplicate keys from it and its contacts (after a change of name,
    /// phones or emails, or of its contacts).
    fn rekey(&mut self, c: &Customer) -> Result<()> {
        let contacts = self.tx.contacts_of(&c.id)?;
        let keys = crate::customer::dedup::customer_keys(c, &contacts)?;
        self.tx.set_dedup_keys(&c.id, &keys)
    }

    /// The organisation's duplicate policy, read once per transaction.
    fn duplicate_policy(&mut self) -> Result<crate::customer::dedup::DuplicatePolicy> {
        if let Some(policy) = self.duplicates {
            return Ok(policy);
        }
        let policy = self.tx.settings()?.unwrap_or_default().duplicates;
        self.duplicates = Some(policy);
        Ok(policy)
    }

    /// Appends an event; returns its sequence number.
    fn emit(&mut self, kind: EventKind, reason: impl Into<String>) -> Result<u64> {
        self.tx.append_event(NewEvent {
            at: self.now,
            actor_id: Some(self.actor.id.clone()),
            kind,
            reason: reason.into(),
        })
    }

    fn require_admin(&self, action: &str) -> Result<()> {
        if self.actor.role == Role::Admin {
            Ok(())
        } else {
            Err(self.denied(action))
        }
    }

    fn denied(&self, action: &str) -> CrmError {
        CrmError::PermissionDenied {
            actor: self.actor.id.clone(),
            action: action.to_string(),
        }
    }

    fn user(&mut self, id: &str) -> Result<User> {
        self.tx
            .user(id)?
            .ok_or_else(|| CrmError::not_found(EntityKind::User, id))
    }

    /// A user the actor may act for (assign to, hand over from or to).
    fn managed_user(&mut self, id: &str) -> Result<User> {
        let user = self.user(id)?;
        if self.actor.manages(&user) {
            Ok(user)
        } else {
            Err(CrmError::OutOfScope {
                actor: self.actor.id.clone(),
                kind: EntityKind::User,
                id: id.to_string(),
            })
        }
    }

    /// Whether the actor's scope covers a record owned by `owner_id` (a customer, a lead).
    fn covers_owner(&mut self, owner_id: Option<&str>) -> Result<bool> {
        let owner = match owner_id {
            Some(id) => self.tx.user(id)?,
            None => None,
        };
        Ok(self.actor.covers(owner.as_ref()))
    }

    fn in_scope(&mut self, customer: &Customer) -> Result<bool> {
        self.covers_owner(customer.owner_id.as_deref())
    }

    /// Loads a customer the actor may see and change.
    fn customer(&mut self, id: &str) -> Result<Customer> {
        let customer = self
            .tx
            .customer(id)?
            .ok_or_else(|| CrmError::not_found(EntityKind::Customer, id))?;
        if self.in_scope(&customer)? {
            Ok(customer)
        } else {
            Err(CrmError::OutOfScope {
                actor: self.actor.id.clone(),
                kind: EntityKind::Customer,
                id: id.to_string(),
            })
        }
    }

    fn new_id(&mut self, prefix: &str) -> Result<String> {
        Ok(format!("{prefix}-{}", self.tx.next_id(prefix)?))
    }
}

/// Loads a stored document by kind and id; a missing one is `NotFound` of its kind.
fn load<T: serde::de::DeserializeOwned>(
    tx: &mut dyn Tx,
    kind: crate::store::DocKind,
    id: &str,
) -> Result<T> {
    tx.doc(kind, id)?
        .ok_or_else(|| CrmError::not_found(kind.entity(), id))?
        .decode()
}

/// A customer's document (opportunity, contract) the actor may see, with that customer; out of
/// scope is reported as the document's kind.
fn scoped_doc<T: serde::de::DeserializeOwned>(
    cx: &mut Ctx<'_>,
    kind: crate::store::DocKind,
    id: &str,
) -> Result<(T, Customer)> {
    let doc = cx
        .tx
        .doc(kind, id)?
        .ok_or_else(|| CrmError::not_found(kind.entity(), id))?;
    let customer_id = doc.parent.clone().unwrap_or_default();
    let customer = cx.customer(&customer_id).map_err(|e| match e {
        CrmError::OutOfScope { actor, .. } => CrmError::OutOfScope {
            actor,
            kind: kind.entity(),
            id: id.to_string(),
        },
        other => other,
    })?;
    Ok((doc.decode()?, customer))
}

/// The documents of `kind` whose customer is in the actor's scope, in id order.
fn scoped_docs<T: serde::de::DeserializeOwned>(
    cx: &mut Ctx<'_>,
    kind: crate::store::DocKind,
) -> Result<Vec<T>> {
    let customers: std::collections::HashSet<String> =
        customers::scoped_customers(cx, crate::store::CustomerQuery::default())?
            .into_iter()
            .map(|c| c.id)
            .collect();
    let mut docs: Vec<crate::store::Doc> = cx
        .tx
        .docs(kind, None)?
        .into_iter()
        .filter(|d| d.parent.as_ref().is_some_and(|c| customers.contains(c)))
        .collect();
    docs.sort_by(|a, b| record_order(&a.id, &b.id));
    docs.iter().map(crate::store::Doc::decode).collect()
}

fn check_expected(kind: EntityKind, id: &str, expected: u64, actual: u64) -> Result<()> {
    if expected == actual {
        Ok(())
    } else {
        Err(CrmError::VersionConflict {
            kind,
            id: id.to_string(),
            expected,
            actual,
        })
    }
}

fn non_empty(field: &str, value: &str) -> Result<String> {
    let trimmed = value.trim();
    if trimmed.is_empty() {
        Err(CrmError::invalid(field, "must not be empty"))
    } else {
        Ok(trimmed.to_string())
    }
}
