//! The in-memory store: the default for WebAssembly and for tests. A transaction works on a
//! structurally shared copy of the state (O(1) to take) and swaps it in on commit, so a failed
//! operation leaves nothing behind.

use super::{check_delete_version, check_version, CustomerQuery, Doc, DocKind, Store, Tx};
use crate::access::{Team, User};
use crate::customer::{Contact, Customer, CustomerId, CustomerStatus, FollowUp};
use crate::error::{EntityKind, Result};
use crate::event::{Event, NewEvent};
use crate::settings::OrgSettings;
use chrono::{DateTime, NaiveDate, Utc};
use imbl::{HashMap, HashSet, OrdMap, OrdSet, Vector};
use std::sync::{Arc, Mutex};

/// Keys of the large customer tables: ids are short, so they live inline and cloning one (as
/// copy-on-write does to whole tree nodes) copies bytes instead of touching a shared count
/// somewhere else in memory, a cache miss per key.
type Key = compact_str::CompactString;

/// What a table or index key can be.
trait KeyLike:
    Clone + Eq + Ord + std::hash::Hash + std::borrow::Borrow<str> + for<'a> From<&'a str>
{
}
impl<K: Clone + Eq + Ord + std::hash::Hash + std::borrow::Borrow<str> + for<'a> From<&'a str>>
    KeyLike for K
{
}

#[derive(Clone, Default)]
struct State {
    settings: Option<OrgSettings>,
    sequences: HashMap<String, u64>,
    users: HashMap<String, User>,
    teams: HashMap<String, Team>,
    /// Shared records, so copying a tree node on write bumps reference counts instead of
    /// cloning customers.
    customers: HashMap<Key, Arc<Customer>>,
    by_owner: HashMap<Key, HashSet<Key>>,
    by_pool: HashMap<Key, HashSet<Key>>,
    /// Owned, active customers by `recycle_due_at`, so a sweep reads only what is due.
    by_recycle_due: OrdSet<(DateTime<Utc>, Key)>,
    docs: HashMap<(DocKind, String), Doc>,
    docs_by_kind: HashMap<DocKind, OrdMap<String, Option<String>>>,
    docs_by_parent: HashMap<(DocKind, String), OrdSet<String>>,
    dedup: HashMap<String, OrdSet<CustomerId>>,
    keys_of: HashMap<CustomerId, Vec<String>>,
    contacts: HashMap<String, Contact>,
    contacts_by_customer: HashMap<CustomerId, OrdSet<String>>,
    follow_ups: HashMap<String, FollowUp>,
    follow_ups_by_customer: HashMap<CustomerId, OrdSet<String>>,
    events: Vector<Event>,
    events_by_customer: HashMap<Key, Vector<u64>>,
}

#[derive(Default)]
pub struct MemoryStore {
    state: Mutex<State>,
}

impl MemoryStore {
    pub fn new() -> Self {
        Self::default()
    }

    /// An independent copy that shares structure with this store (cheap to take): for what-if
    /// runs, and for benchmarks that need the same starting state again and again.
    pub fn fork(&self) -> MemoryStore {
        MemoryStore {
            state: Mutex::new(self.snapshot()),
        }
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
fn put<K: KeyLike, T: Clone>(
    table: &mut HashMap<K, T>,
    kind: EntityKind,
    id: &str,
    value: &T,
    version: u64,
    version_of: impl Fn(&T) -> u64,
) -> Result<Option<T>> {
    let stored = table.get(id);
    check_version(kind, id, version, stored.map(&version_of))?;
    Ok(table.insert(K::from(id), value.clone()))
}

/// Membership indexes of the big customer table: unordered sets, cheaper to change than trees.
fn member_add(index: &mut HashMap<Key, HashSet<Key>>, key: &str, id: &str) {
    match index.get_mut(key) {
        Some(set) => {
            set.insert(Key::from(id));
        }
        None => {
            index.insert(Key::from(key), HashSet::unit(Key::from(id)));
        }
    }
}

fn member_remove(index: &mut HashMap<Key, HashSet<Key>>, key: &str, id: &str) {
    if let Some(set) = index.get_mut(key) {
        set.remove(id);
        if set.is_empty() {
            index.remove(key);
        }
    }
}

fn members(table: &HashMap<Key, Arc<Customer>>, ids: Option<&HashSet<Key>>) -> Vec<Arc<Customer>> {
    ids.into_iter()
        .flatten()
        .filter_map(|id| table.get::<str>(id).cloned())
        .collect()
}

fn index_add(index: &mut HashMap<String, OrdSet<String>>, key: &str, id: &str) {
    index
        .entry(key.to_string())
        .or_default()
        .insert(id.to_string());
}

/// Removes `id` from the set under `key`, and the set once it is empty.
fn index_remove<K, Q>(index: &mut HashMap<K, OrdSet<String>>, key: &Q, id: &str)
where
    K: std::borrow::Borrow<Q> + std::hash::Hash + Eq + Clone,
    Q: std::hash::Hash + Eq + ?Sized,
{
    if let Some(set) = index.get_mut(key) {
        set.remove(id);
        if set.is_empty() {
            index.remove(key);
        }
    }
}

/// Where a customer appears in the indexes; a write touches only the entries that change.
#[derive(PartialEq)]
struct Placement<'a> {
    owner: Option<&'a str>,
    pool: Option<&'a str>,
    due: Option<DateTime<Utc>>,
}

impl<'a> Placement<'a> {
    fn of(c: &'a Customer) -> Self {
        let owned_active = c.owner_id.is_some() && c.status == CustomerStatus::Active;
        Placement {
            owner: c.owner_id.as_deref(),
            pool: c.pool_id.as_deref().filter(|_| c.in_pool()),
            due: c.recycle_due_at.filter(|_| owned_active),
        }
    }
}

impl State {
    fn reindex(&mut self, id: &str, old: Option<&Customer>, new: &Customer) {
        let before = old.map(Placement::of);
        let after = Placement::of(new);
        let (old_owner, old_pool, old_due) = match &before {
            Some(p) => (p.owner, p.pool, p.due),
            None => (None, None, None),
        };
        if old_owner != after.owner {
            if let Some(o) = old_owner {
                member_remove(&mut self.by_owner, o, id);
            }
            if let Some(o) = after.owner {
                member_add(&mut self.by_owner, o, id);
            }
        }
        if old_pool != after.pool {
            if let Some(p) = old_pool {
                member_remove(&mut self.by_pool, p, id);
            }
            if let Some(p) = after.pool {
                member_add(&mut self.by_pool, p, id);
            }
        }
        if old_due != after.due {
            let key = Key::from(id);
            if let Some(d) = old_due {
                self.by_recycle_due.remove(&(d, key.clone()));
            }
            if let Some(d) = after.due {
                self.by_recycle_due.insert((d, key));
            }
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
        Ok(self.customers.get(id).map(|c| Customer::clone(c)))
    }

    fn put_customer(&mut self, customer: &Customer) -> Result<()> {
        let old = put(
            &mut self.customers,
            EntityKind::Customer,
            &customer.id,
            &Arc::new(customer.clone()),
            customer.version,
            |c| c.version,
        )?;
        self.reindex(&customer.id, old.as_deref(), customer);
        Ok(())
    }

    fn customers(&mut self, query: &CustomerQuery) -> Result<Vec<Customer>> {
        let candidates: Vec<Arc<Customer>> = match (&query.owners, &query.in_pool) {
            (Some(owners), _) => owners
                .iter()
                .flat_map(|o| members(&self.customers, self.by_owner.get(o.as_str())))
                .collect(),
            (None, Some(pool)) => members(&self.customers, self.by_pool.get(pool.as_str())),
            (None, None) => self.customers.values().cloned().collect(),
        };
        Ok(candidates
            .into_iter()
            .filter(|c| query.accepts(c))
            .map(Arc::unwrap_or_clone)
            .collect())
    }

    fn recycle_due(&mut self, until: DateTime<Utc>) -> Result<Vec<Customer>> {
        Ok(self
            .by_recycle_due
            .iter()
            .take_while(|(at, _)| *at <= until)
            .filter_map(|(_, id)| self.customers.get::<str>(id).map(|c| Customer::clone(c)))
            .collect())
    }

    fn doc(&mut self, kind: DocKind, id: &str) -> Result<Option<Doc>> {
        Ok(self.docs.get(&(kind, id.to_string())).cloned())
    }

    fn docs(&mut self, kind: DocKind, parent: Option<&str>) -> Result<Vec<Doc>> {
        let ids: Vec<String> = match parent {
            Some(p) => self
                .docs_by_parent
                .get(&(kind, p.to_string()))
                .map(|s| s.iter().cloned().collect())
                .unwrap_or_default(),
            None => self
                .docs_by_kind
                .get(&kind)
                .map(|m| m.keys().cloned().collect())
                .unwrap_or_default(),
        };
        let mut docs: Vec<Doc> = ids
            .into_iter()
            .filter_map(|id| self.docs.get(&(kind, id)).cloned())
            .collect();
        docs.sort_by(|a, b| crate::service::id_order(&a.id, &b.id));
        Ok(docs)
    }

    fn docs_due(&mut self, kind: DocKind, before: NaiveDate) -> Result<Vec<Doc>> {
        // The embedded store scans; the database stores answer from an index on `due`.
        let mut docs: Vec<Doc> = self
            .docs_by_kind
            .get(&kind)
            .into_iter()
            .flat_map(|m| m.keys())
            .filter_map(|id| self.docs.get(&(kind, id.clone())))
            .filter(|d| d.due.is_some_and(|due| due < before))
            .cloned()
            .collect();
        docs.sort_by(|a, b| crate::service::id_order(&a.id, &b.id));
        Ok(docs)
    }

    fn put_doc(&mut self, doc: &Doc) -> Result<()> {
        let key = (doc.kind, doc.id.clone());
        let stored = self.docs.get(&key).map(|d| d.version);
        check_version(doc.kind.entity(), &doc.id, doc.version, stored)?;
        if let Some(old) = self.docs.insert(key, doc.clone()) {
            if let Some(p) = old.parent {
                index_remove(&mut self.docs_by_parent, &(doc.kind, p), &doc.id);
            }
        }
        self.docs_by_kind
            .entry(doc.kind)
            .or_default()
            .insert(doc.id.clone(), doc.parent.clone());
        if let Some(p) = &doc.parent {
            self.docs_by_parent
                .entry((doc.kind, p.clone()))
                .or_default()
                .insert(doc.id.clone());
        }
        Ok(())
    }

    fn delete_doc(&mut self, kind: DocKind, id: &str, version: u64) -> Result<()> {
        let key = (kind, id.to_string());
        check_delete_version(kind, id, version, self.docs.get(&key).map(|d| d.version))?;
        if let Some(old) = self.docs.remove(&key) {
            if let Some(p) = old.parent {
                index_remove(&mut self.docs_by_parent, &(kind, p), id);
            }
        }
        if let Some(m) = self.docs_by_kind.get_mut(&kind) {
            m.remove(id);
        }
        Ok(())
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
                .entry(Key::from(customer.as_str()))
                .or_default()
                .push_back(event.seq);
        }
        self.events.push_back(event.clone());
        Ok(event)
    }

    fn events_of(&mut self, customer_ids: &[CustomerId]) -> Result<Vec<Event>> {
        let mut seqs: Vec<u64> = customer_ids
            .iter()
            .filter_map(|id| self.events_by_customer.get(id.as_str()))
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
