//! The in-memory store: the default for WebAssembly and for tests. A transaction works on a
//! structurally shared copy of the state (O(1) to take) and swaps it in on commit, so a failed
//! operation leaves nothing behind.

use super::{check_version, CustomerQuery, Store, Tx};
use crate::access::{Team, User};
use crate::customer::{Contact, Customer, CustomerId, CustomerStatus, FollowUp};
use crate::error::{EntityKind, Result};
use crate::event::{Event, NewEvent};
use crate::settings::OrgSettings;
use imbl::{HashMap, OrdSet, Vector};
use std::sync::Mutex;

#[derive(Clone, Default)]
struct State {
    settings: Option<OrgSettings>,
    sequences: HashMap<String, u64>,
    users: HashMap<String, User>,
    teams: HashMap<String, Team>,
    customers: HashMap<String, Customer>,
    by_owner: HashMap<String, OrdSet<CustomerId>>,
    dedup: HashMap<String, OrdSet<CustomerId>>,
    keys_of: HashMap<CustomerId, Vec<String>>,
    contacts: HashMap<String, Contact>,
    contacts_by_customer: HashMap<CustomerId, OrdSet<String>>,
    follow_ups: HashMap<String, FollowUp>,
    follow_ups_by_customer: HashMap<CustomerId, OrdSet<String>>,
    events: Vector<Event>,
    events_by_customer: HashMap<CustomerId, Vector<u64>>,
}

#[derive(Default)]
pub struct MemoryStore {
    state: Mutex<State>,
}

impl MemoryStore {
    pub fn new() -> Self {
        Self::default()
    }

    fn snapshot(&self) -> State {
        self.state.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }
}

impl Store for MemoryStore {
    fn write(&self, work: &mut dyn FnMut(&mut dyn Tx) -> Result<()>) -> Result<()> {
        let mut guard = self.state.lock().unwrap_or_else(|e| e.into_inner());
        let mut draft = guard.clone();
        work(&mut draft)?;
        *guard = draft;
        Ok(())
    }

    fn read(&self, work: &mut dyn FnMut(&mut dyn Tx) -> Result<()>) -> Result<()> {
        let mut snapshot = self.snapshot();
        work(&mut snapshot)
    }
}

/// Versioned insert-or-replace shared by every table.
fn put<T: Clone>(
    table: &mut HashMap<String, T>,
    kind: EntityKind,
    id: &str,
    value: &T,
    version: u64,
    version_of: impl Fn(&T) -> u64,
) -> Result<Option<T>> {
    let stored = table.get(id);
    check_version(kind, id, version, stored.map(&version_of))?;
    Ok(table.insert(id.to_string(), value.clone()))
}

fn index_add(index: &mut HashMap<String, OrdSet<String>>, key: &str, id: &str) {
    index
        .entry(key.to_string())
        .or_default()
        .insert(id.to_string());
}

fn index_remove(index: &mut HashMap<String, OrdSet<String>>, key: &str, id: &str) {
    if let Some(set) = index.get_mut(key) {
        set.remove(id);
        if set.is_empty() {
            index.remove(key);
        }
    }
}

fn collect<T: Clone>(table: &HashMap<String, T>, ids: Option<&OrdSet<String>>) -> Vec<T> {
    ids.into_iter()
        .flatten()
        .filter_map(|id| table.get(id).cloned())
        .collect()
}

impl Tx for State {
    fn settings(&mut self) -> Result<Option<OrgSettings>> {
        Ok(self.settings.clone())
    }

    fn put_settings(&mut self, settings: &OrgSettings) -> Result<()> {
        let stored = self.settings.as_ref().map(|s| s.version);
        check_version(EntityKind::Settings, "settings", settings.version, stored)?;
        self.settings = Some(settings.clone());
        Ok(())
    }

    fn next_id(&mut self, sequence: &str) -> Result<u64> {
        let next = self.sequences.get(sequence).copied().unwrap_or(0) + 1;
        self.sequences.insert(sequence.to_string(), next);
        Ok(next)
    }

    fn user(&mut self, id: &str) -> Result<Option<User>> {
        Ok(self.users.get(id).cloned())
    }

    fn users(&mut self) -> Result<Vec<User>> {
        Ok(self.users.values().cloned().collect())
    }

    fn put_user(&mut self, user: &User) -> Result<()> {
        put(
            &mut self.users,
            EntityKind::User,
            &user.id,
            user,
            user.version,
            |u| u.version,
        )?;
        Ok(())
    }

    fn team(&mut self, id: &str) -> Result<Option<Team>> {
        Ok(self.teams.get(id).cloned())
    }

    fn teams(&mut self) -> Result<Vec<Team>> {
        Ok(self.teams.values().cloned().collect())
    }

    fn put_team(&mut self, team: &Team) -> Result<()> {
        put(
            &mut self.teams,
            EntityKind::Team,
            &team.id,
            team,
            team.version,
            |t| t.version,
        )?;
        Ok(())
    }

    fn customer(&mut self, id: &str) -> Result<Option<Customer>> {
        Ok(self.customers.get(id).cloned())
    }

    fn put_customer(&mut self, customer: &Customer) -> Result<()> {
        let old = put(
            &mut self.customers,
            EntityKind::Customer,
            &customer.id,
            customer,
            customer.version,
            |c| c.version,
        )?;
        if let Some(owner) = old.and_then(|c| c.owner_id) {
            index_remove(&mut self.by_owner, &owner, &customer.id);
        }
        if let Some(owner) = &customer.owner_id {
            index_add(&mut self.by_owner, owner, &customer.id);
        }
        Ok(())
    }

    fn customers(&mut self, query: &CustomerQuery) -> Result<Vec<Customer>> {
        let candidates: Vec<Customer> = match &query.owners {
            Some(owners) => owners
                .iter()
                .flat_map(|o| collect(&self.customers, self.by_owner.get(o)))
                .collect(),
            None => self.customers.values().cloned().collect(),
        };
        Ok(candidates
            .into_iter()
            .filter(|c| query.include_merged || c.status != CustomerStatus::Merged)
            .filter(|c| match query.follow_up_due_before {
                Some(t) => c.next_follow_up_at.is_some_and(|due| due < t),
                None => true,
            })
            .collect())
    }

    fn set_dedup_keys(&mut self, customer_id: &str, keys: &[String]) -> Result<()> {
        for old in self.keys_of.remove(customer_id).unwrap_or_default() {
            index_remove(&mut self.dedup, &old, customer_id);
        }
        for key in keys {
            index_add(&mut self.dedup, key, customer_id);
        }
        if !keys.is_empty() {
            self.keys_of.insert(customer_id.to_string(), keys.to_vec());
        }
        Ok(())
    }

    fn customers_by_dedup_key(&mut self, key: &str) -> Result<Vec<CustomerId>> {
        Ok(self
            .dedup
            .get(key)
            .map(|s| s.iter().cloned().collect())
            .unwrap_or_default())
    }

    fn dedup_keys_with_prefix(&mut self, prefix: &str) -> Result<Vec<(String, CustomerId)>> {
        Ok(self
            .dedup
            .iter()
            .filter(|(k, _)| k.starts_with(prefix))
            .flat_map(|(k, ids)| ids.iter().map(move |id| (k.clone(), id.clone())))
            .collect())
    }

    fn contact(&mut self, id: &str) -> Result<Option<Contact>> {
        Ok(self.contacts.get(id).cloned())
    }

    fn contacts_of(&mut self, customer_id: &str) -> Result<Vec<Contact>> {
        Ok(collect(
            &self.contacts,
            self.contacts_by_customer.get(customer_id),
        ))
    }

    fn put_contact(&mut self, contact: &Contact) -> Result<()> {
        let old = put(
            &mut self.contacts,
            EntityKind::Contact,
            &contact.id,
            contact,
            contact.version,
            |c| c.version,
        )?;
        if let Some(old) = old {
            index_remove(&mut self.contacts_by_customer, &old.customer_id, &old.id);
        }
        index_add(
            &mut self.contacts_by_customer,
            &contact.customer_id,
            &contact.id,
        );
        Ok(())
    }

    fn follow_up(&mut self, id: &str) -> Result<Option<FollowUp>> {
        Ok(self.follow_ups.get(id).cloned())
    }

    fn follow_ups_of(&mut self, customer_id: &str) -> Result<Vec<FollowUp>> {
        Ok(collect(
            &self.follow_ups,
            self.follow_ups_by_customer.get(customer_id),
        ))
    }

    fn put_follow_up(&mut self, follow_up: &FollowUp) -> Result<()> {
        let old = put(
            &mut self.follow_ups,
            EntityKind::FollowUp,
            &follow_up.id,
            follow_up,
            follow_up.version,
            |f| f.version,
        )?;
        if let Some(old) = old {
            index_remove(&mut self.follow_ups_by_customer, &old.customer_id, &old.id);
        }
        index_add(
            &mut self.follow_ups_by_customer,
            &follow_up.customer_id,
            &follow_up.id,
        );
        Ok(())
    }

    fn append_event(&mut self, event: NewEvent) -> Result<Event> {
        let event = Event {
            seq: self.events.len() as u64 + 1,
            at: event.at,
            actor_id: event.actor_id,
            kind: event.kind,
            reason: event.reason,
        };
        for customer in event.kind.customer_ids() {
            self.events_by_customer
                .entry(customer.clone())
                .or_default()
                .push_back(event.seq);
        }
        self.events.push_back(event.clone());
        Ok(event)
    }

    fn events_of(&mut self, customer_ids: &[CustomerId]) -> Result<Vec<Event>> {
        let mut seqs: Vec<u64> = customer_ids
            .iter()
            .filter_map(|id| self.events_by_customer.get(id))
            .flat_map(|v| v.iter().copied())
            .collect();
        seqs.sort_unstable();
        seqs.dedup();
        Ok(seqs
            .into_iter()
            .filter_map(|s| self.events.get(s as usize - 1).cloned())
            .collect())
    }

    fn events_after(&mut self, after: u64, limit: usize) -> Result<Vec<Event>> {
        Ok(self
            .events
            .iter()
            .skip(after as usize)
            .take(limit)
            .cloned()
            .collect())
    }
}
