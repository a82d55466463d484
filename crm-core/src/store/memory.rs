//! The in-memory store: the default for WebAssembly and for tests. A write transaction changes
//! the state in place and journals how to undo each change; a failed or panicking one is rolled
//! back, so it leaves nothing behind. In place matters: copying on write would copy every tree
//! path a transaction touches (a sweep touches tens of thousands). Readers and forks take a
//! structurally shared snapshot (O(1)); only while one is alive do writes copy paths.

mod journal;
mod names;
mod scan;

use super::{check_put, check_remove, CustomerQuery, Doc, DocKind, Near, Store, Tx};
use crate::access::{Team, User};
use crate::customer::{Contact, Customer, CustomerId, CustomerStatus, FollowUp, NAME_PREFIX};
use crate::error::{EntityKind, Result};
use crate::event::{Event, NewEvent};
use crate::settings::OrgSettings;
use chrono::{DateTime, NaiveDate, Utc};
use imbl::{HashMap, HashSet, OrdMap, OrdSet, Vector};
use journal::Undo;
use std::ops::RangeInclusive;
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
    /// Each owner's customers with their records (kept current on every write), so a query for
    /// a team reads its customers straight from here instead of looking each one up.
    by_owner: HashMap<Key, HashMap<Key, Arc<Customer>>>,
    by_pool: HashMap<Key, HashSet<Key>>,
    /// Customers by level, region and tag, for audiences.
    facets: scan::Facets,
    /// Owned, active customers by `recycle_due_at`, so a sweep reads only what is due.
    by_recycle_due: OrdSet<(DateTime<Utc>, Key)>,
    docs: HashMap<(DocKind, String), Doc>,
    docs_by_kind: HashMap<DocKind, OrdMap<String, Option<String>>>,
    docs_by_parent: HashMap<(DocKind, String), OrdSet<String>>,
    /// Documents by kind and `due_at`, ties in `record_order` (the id's length, then the id), so
    /// a deadline list reads one range of it.
    docs_by_due_at: OrdSet<(DocKind, DateTime<Utc>, usize, Key)>,
    dedup: HashMap<String, OrdSet<CustomerId>>,
    keys_of: HashMap<CustomerId, Vec<String>>,
    /// The names of the name keys in `dedup`, by gram: kept by `set_keys`, so the undo of a
    /// key change undoes it too.
    names: names::NameIndex,
    contacts: HashMap<String, Contact>,
    contacts_by_customer: HashMap<CustomerId, OrdSet<String>>,
    follow_ups: HashMap<String, FollowUp>,
    follow_ups_by_customer: HashMap<CustomerId, OrdSet<String>>,
    events: Vector<Event>,
    events_by_customer: HashMap<Key, Vector<u64>>,
    /// How to undo the open write transaction's changes, newest last.
    journal: journal::Journal,
    /// Whether the open write transaction mirrors a server (`Tx::mirror_writes`).
    mirror: bool,
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
        let mut open = journal::Open::new(&mut guard);
        let done = work(open.state());
        open.state().mirror = false;
        if done.is_ok() {
            open.commit();
        }
        done
    }

    fn read(&self, work: &mut dyn FnMut(&mut dyn Tx) -> Result<()>) -> Result<()> {
        let mut snapshot = self.snapshot();
        work(&mut snapshot)
    }
}

/// Versioned insert-or-replace of the user and team tables.
fn put<K: KeyLike, T: Clone>(
    table: &mut HashMap<K, T>,
    kind: EntityKind,
    id: &str,
    value: &T,
    version: u64,
    version_of: impl Fn(&T) -> u64,
    mirror: bool,
) -> Result<Option<T>> {
    let stored = table.get(id);
    check_put(kind, id, version, stored.map(&version_of), mirror)?;
    Ok(table.insert(K::from(id), value.clone()))
}

/// Items read ahead: records and names sit in heap blocks of their own, and handling one waits
/// for its memory after the previous one's. Touching a batch first lets the processor fetch the
/// batch's blocks side by side, so a batch costs about one round trip, not sixteen.
const READ_AHEAD: usize = 16;

/// Calls `each` on every item, a batch at a time, after `touch` has read what `each` will.
fn read_ahead<T>(items: impl Iterator<Item = T>, touch: impl Fn(&T), mut each: impl FnMut(T)) {
    let mut items = items.peekable();
    let mut batch: Vec<T> = Vec::with_capacity(READ_AHEAD);
    while items.peek().is_some() {
        batch.extend(items.by_ref().take(READ_AHEAD));
        batch.iter().for_each(&touch);
        batch.drain(..).for_each(&mut each);
    }
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

/// Adds `id` to the set under `key`; true when that set is new.
fn index_add(index: &mut HashMap<String, OrdSet<String>>, key: &str, id: &str) -> bool {
    let set = index.entry(key.to_string()).or_default();
    let new = set.is_empty();
    set.insert(id.to_string());
    new
}

/// Removes `id` from the set under `key`, and the set once it is empty; true when it was.
fn index_remove<K, Q>(index: &mut HashMap<K, OrdSet<String>>, key: &Q, id: &str) -> bool
where
    K: std::borrow::Borrow<Q> + std::hash::Hash + Eq + Clone,
    Q: std::hash::Hash + Eq + ?Sized,
{
    let Some(set) = index.get_mut(key) else {
        return false;
    };
    set.remove(id);
    let emptied = set.is_empty();
    if emptied {
        index.remove(key);
    }
    emptied
}

/// Where a customer appears in the indexes (owner, pool, recycle due time); a write touches only
/// the entries that change. All None for an absent customer.
fn placement(c: Option<&Customer>) -> (Option<&str>, Option<&str>, Option<DateTime<Utc>>) {
    let Some(c) = c else {
        return (None, None, None);
    };
    let owned_active = c.owner_id.is_some() && c.status == CustomerStatus::Active;
    (
        c.owner_id.as_deref(),
        c.pool_id.as_deref().filter(|_| c.in_pool()),
        c.recycle_due_at.filter(|_| owned_active),
    )
}

impl State {
    /// Makes customer `id` be `new` (None: absent), indexes included; returns what it was.
    fn set_customer(&mut self, id: &str, new: Option<Arc<Customer>>) -> Option<Arc<Customer>> {
        let old = match (&new, self.customers.get_mut(id)) {
            // Replacing walks the tree once.
            (Some(c), Some(slot)) => Some(std::mem::replace(slot, Arc::clone(c))),
            (Some(c), None) => self.customers.insert(Key::from(id), Arc::clone(c)),
            (None, _) => self.customers.remove(id),
        };
        self.reindex(id, old.as_deref(), new.as_deref());
        self.reindex_owner(id, old.as_deref(), new.as_ref());
        self.facets.reindex(id, old.as_deref(), new.as_deref());
        old
    }

    fn reindex(&mut self, id: &str, old: Option<&Customer>, new: Option<&Customer>) {
        let (_, old_pool, old_due) = placement(old);
        let (_, pool, due) = placement(new);
        if old_pool != pool {
            if let Some(p) = old_pool {
                member_remove(&mut self.by_pool, p, id);
            }
            if let Some(p) = pool {
                member_add(&mut self.by_pool, p, id);
            }
        }
        if old_due != due {
            let key = Key::from(id);
            if let Some(d) = old_due {
                self.by_recycle_due.remove(&(d, key.clone()));
            }
            if let Some(d) = due {
                self.by_recycle_due.insert((d, key));
            }
        }
    }

    /// Files customer `id` under its owner with its current record (every write replaces the
    /// record, so the entry is refreshed even when the owner stays).
    fn reindex_owner(&mut self, id: &str, old: Option<&Customer>, new: Option<&Arc<Customer>>) {
        let old_owner = old.and_then(|c| c.owner_id.as_deref());
        let owner = new.and_then(|c| c.owner_id.as_deref().map(|o| (o, c)));
        if let Some(o) = old_owner.filter(|o| owner.is_none_or(|(n, _)| n != *o)) {
            if let Some(records) = self.by_owner.get_mut(o) {
                records.remove(id);
                if records.is_empty() {
                    self.by_owner.remove(o);
                }
            }
        }
        if let Some((o, c)) = owner {
            self.by_owner
                .entry(Key::from(o))
                .or_default()
                .insert(Key::from(id), Arc::clone(c));
        }
    }

    /// Makes document (`kind`, `id`) be `new` (None: absent), indexes included; returns what
    /// it was.
    fn set_doc(&mut self, kind: DocKind, id: &str, new: Option<Doc>) -> Option<Doc> {
        let key = (kind, id.to_string());
        // The new document's parent, if there is a new document.
        let parent = new.as_ref().map(|doc| doc.parent.clone());
        let due_at = new.as_ref().and_then(|doc| doc.due_at);
        let old = match new {
            Some(doc) => self.docs.insert(key, doc),
            None => self.docs.remove(&key),
        };
        let old_due_at = old.as_ref().and_then(|o| o.due_at);
        if old_due_at != due_at {
            if let Some(at) = old_due_at {
                self.docs_by_due_at
                    .remove(&(kind, at, id.len(), Key::from(id)));
            }
            if let Some(at) = due_at {
                self.docs_by_due_at
                    .insert((kind, at, id.len(), Key::from(id)));
            }
        }
        if let Some(p) = old.as_ref().and_then(|o| o.parent.clone()) {
            index_remove(&mut self.docs_by_parent, &(kind, p), id);
        }
        match parent {
            Some(parent) => {
                if let Some(p) = &parent {
                    self.docs_by_parent
                        .entry((kind, p.clone()))
                        .or_default()
                        .insert(id.to_string());
                }
                self.docs_by_kind
                    .entry(kind)
                    .or_default()
                    .insert(id.to_string(), parent);
            }
            None => {
                if let Some(m) = self.docs_by_kind.get_mut(&kind) {
                    m.remove(id);
                    if m.is_empty() {
                        self.docs_by_kind.remove(&kind);
                    }
                }
            }
        }
        old
    }

    /// Sets a customer's duplicate-check keys; returns the ones it had. A name enters the gram
    /// index with its first holder and leaves it with its last.
    fn set_keys(&mut self, customer_id: &str, keys: &[String]) -> Vec<String> {
        let old = self.keys_of.remove(customer_id).unwrap_or_default();
        for key in old.iter().filter(|k| !keys.contains(k)) {
            if index_remove(&mut self.dedup, key, customer_id) {
                if let Some(name) = key.strip_prefix(NAME_PREFIX) {
                    self.names.remove(name);
                }
            }
        }
        for key in keys.iter().filter(|k| !old.contains(k)) {
            if index_add(&mut self.dedup, key, customer_id) {
                if let Some(name) = key.strip_prefix(NAME_PREFIX) {
                    self.names.add(name);
                }
            }
        }
        if !keys.is_empty() {
            self.keys_of.insert(customer_id.to_string(), keys.to_vec());
        }
        old
    }
}

/// Makes record `id` of a table indexed by its customer be `new` (None: absent); returns what it
/// was.
fn set_child<T: Clone>(
    table: &mut HashMap<String, T>,
    by_customer: &mut HashMap<CustomerId, OrdSet<String>>,
    id: &str,
    new: Option<T>,
    customer_of: fn(&T) -> &str,
) -> Option<T> {
    let customer = new.as_ref().map(|n| customer_of(n).to_string());
    let old = match new {
        Some(v) => table.insert(id.to_string(), v),
        None => table.remove(id),
    };
    if let Some(o) = &old {
        index_remove(by_customer, customer_of(o), id);
    }
    if let Some(c) = customer {
        index_add(by_customer, &c, id);
    }
    old
}

/// Inserts `value` under `id`, or removes the entry when None; returns what was there.
fn set_entry<K: KeyLike, T>(table: &mut HashMap<K, T>, id: &str, value: Option<T>) -> Option<T>
where
    T: Clone,
{
    match value {
        Some(v) => table.insert(K::from(id), v),
        None => table.remove(id),
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
        check_put(
            EntityKind::Settings,
            "settings",
            settings.version,
            stored,
            self.mirror,
        )?;
        let old = self.settings.replace(settings.clone());
        self.journal.push(Undo::Settings(Box::new(old)));
        Ok(())
    }

    fn next_id(&mut self, sequence: &str) -> Result<u64> {
        let next = self.sequences.get(sequence).copied().unwrap_or(0) + 1;
        let old = self.sequences.insert(sequence.to_string(), next);
        self.journal.push(Undo::Sequence(sequence.to_string(), old));
        Ok(next)
    }

    fn user(&mut self, id: &str) -> Result<Option<User>> {
        Ok(self.users.get(id).cloned())
    }

    fn users(&mut self) -> Result<Vec<User>> {
        Ok(self.users.values().cloned().collect())
    }

    fn put_user(&mut self, user: &User) -> Result<()> {
        let old = put(
            &mut self.users,
            EntityKind::User,
            &user.id,
            user,
            user.version,
            |u| u.version,
            self.mirror,
        )?;
        self.journal
            .push(Undo::User(Box::new((user.id.clone(), old))));
        Ok(())
    }

    fn team(&mut self, id: &str) -> Result<Option<Team>> {
        Ok(self.teams.get(id).cloned())
    }

    fn teams(&mut self) -> Result<Vec<Team>> {
        Ok(self.teams.values().cloned().collect())
    }

    fn put_team(&mut self, team: &Team) -> Result<()> {
        let old = put(
            &mut self.teams,
            EntityKind::Team,
            &team.id,
            team,
            team.version,
            |t| t.version,
            self.mirror,
        )?;
        self.journal
            .push(Undo::Team(Box::new((team.id.clone(), old))));
        Ok(())
    }

    fn customer(&mut self, id: &str) -> Result<Option<Customer>> {
        Ok(self.customers.get(id).map(|c| Customer::clone(c)))
    }

    fn put_customer(&mut self, customer: &Customer) -> Result<()> {
        let stored = self.customers.get(customer.id.as_str()).map(|c| c.version);
        check_put(
            EntityKind::Customer,
            &customer.id,
            customer.version,
            stored,
            self.mirror,
        )?;
        let old = self.set_customer(&customer.id, Some(Arc::new(customer.clone())));
        self.journal
            .push(Undo::Customer(Key::from(customer.id.as_str()), old));
        Ok(())
    }

    fn delete_customer(&mut self, id: &str, version: u64) -> Result<()> {
        let stored = self.customers.get(id).map(|c| c.version);
        if !check_remove(EntityKind::Customer, id, version, stored, self.mirror)? {
            return Ok(());
        }
        let keys = self.set_keys(id, &[]);
        if !keys.is_empty() {
            self.journal.push(Undo::DedupKeys(id.to_string(), keys));
        }
        let old = self.set_customer(id, None);
        self.journal.push(Undo::Customer(Key::from(id), old));
        Ok(())
    }

    fn customers(&mut self, query: &CustomerQuery) -> Result<Vec<Customer>> {
        let mut out = Vec::new();
        self.each_customer(query, &mut |c| out.push(Customer::clone(c)));
        Ok(out)
    }

    fn customer_ids_where(
        &mut self,
        query: &CustomerQuery,
        keep: &mut dyn FnMut(&Customer) -> bool,
    ) -> Result<Vec<crate::customer::CustomerId>> {
        let mut out = Vec::new();
        self.each_customer(query, &mut |c| {
            if keep(c) {
                out.push(c.id.clone());
            }
        });
        Ok(out)
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
        docs.sort_by(|a, b| crate::ids::record_order(&a.id, &b.id));
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
        docs.sort_by(|a, b| crate::ids::record_order(&a.id, &b.id));
        Ok(docs)
    }

    fn docs_due_at(&mut self, kind: DocKind, until: DateTime<Utc>) -> Result<Vec<Doc>> {
        let from = (kind, DateTime::<Utc>::MIN_UTC, 0, Key::default());
        Ok(self
            .docs_by_due_at
            .range(from..)
            .take_while(|(k, at, ..)| *k == kind && *at <= until)
            .filter_map(|(_, _, _, id)| self.docs.get(&(kind, id.to_string())).cloned())
            .collect())
    }

    fn put_doc(&mut self, doc: Doc) -> Result<()> {
        let stored = self
            .docs
            .get(&(doc.kind, doc.id.clone()))
            .map(|d| d.version);
        check_put(doc.kind.entity(), &doc.id, doc.version, stored, self.mirror)?;
        let (kind, id) = (doc.kind, doc.id.clone());
        let old = self.set_doc(kind, &id, Some(doc));
        self.journal.push(Undo::Doc(Box::new((kind, id, old))));
        Ok(())
    }

    fn delete_doc(&mut self, kind: DocKind, id: &str, version: u64) -> Result<()> {
        let stored = self.docs.get(&(kind, id.to_string())).map(|d| d.version);
        if !check_remove(kind.entity(), id, version, stored, self.mirror)? {
            return Ok(());
        }
        let old = self.set_doc(kind, id, None);
        self.journal
            .push(Undo::Doc(Box::new((kind, id.to_string(), old))));
        Ok(())
    }

    fn set_dedup_keys(&mut self, customer_id: &str, keys: &[String]) -> Result<()> {
        let old = self.set_keys(customer_id, keys);
        self.journal
            .push(Undo::DedupKeys(customer_id.to_string(), old));
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

    fn name_gram_counts(&mut self, grams: &[String]) -> Result<Vec<u64>> {
        Ok(self.names.counts(grams))
    }

    fn names_with_grams(
        &mut self,
        grams: &[String],
        lengths: RangeInclusive<u32>,
        at_least: u32,
        near: Near,
    ) -> Result<Vec<Arc<str>>> {
        Ok(self.names.names(grams, lengths, at_least, near))
    }

    fn names_with_variants(&mut self, variants: &[String]) -> Result<Vec<String>> {
        Ok(self.names.with_variants(variants))
    }

    /// A posting is a pointer in an ordered set; a name is a cold string to fetch and compare
    /// (about eight times as long, measured with the duplicates bench).
    fn postings_per_name(&self) -> u64 {
        8
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
        let stored = self.contacts.get(&contact.id).map(|c| c.version);
        check_put(
            EntityKind::Contact,
            &contact.id,
            contact.version,
            stored,
            self.mirror,
        )?;
        let old = set_child(
            &mut self.contacts,
            &mut self.contacts_by_customer,
            &contact.id,
            Some(contact.clone()),
            |c| &c.customer_id,
        );
        self.journal
            .push(Undo::Contact(Box::new((contact.id.clone(), old))));
        Ok(())
    }

    fn delete_contact(&mut self, id: &str, version: u64) -> Result<()> {
        let stored = self.contacts.get(id).map(|c| c.version);
        if !check_remove(EntityKind::Contact, id, version, stored, self.mirror)? {
            return Ok(());
        }
        let old = set_child(
            &mut self.contacts,
            &mut self.contacts_by_customer,
            id,
            None,
            |c| &c.customer_id,
        );
        self.journal
            .push(Undo::Contact(Box::new((id.to_string(), old))));
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
        let stored = self.follow_ups.get(&follow_up.id).map(|f| f.version);
        check_put(
            EntityKind::FollowUp,
            &follow_up.id,
            follow_up.version,
            stored,
            self.mirror,
        )?;
        let old = set_child(
            &mut self.follow_ups,
            &mut self.follow_ups_by_customer,
            &follow_up.id,
            Some(follow_up.clone()),
            |f| &f.customer_id,
        );
        self.journal
            .push(Undo::FollowUp(Box::new((follow_up.id.clone(), old))));
        Ok(())
    }

    fn delete_follow_up(&mut self, id: &str, version: u64) -> Result<()> {
        let stored = self.follow_ups.get(id).map(|f| f.version);
        if !check_remove(EntityKind::FollowUp, id, version, stored, self.mirror)? {
            return Ok(());
        }
        let old = set_child(
            &mut self.follow_ups,
            &mut self.follow_ups_by_customer,
            id,
            None,
            |f| &f.customer_id,
        );
        self.journal
            .push(Undo::FollowUp(Box::new((id.to_string(), old))));
        Ok(())
    }

    fn mirror_writes(&mut self) -> Result<()> {
        self.mirror = true;
        Ok(())
    }

    fn append_event(&mut self, event: NewEvent) -> Result<u64> {
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
        let seq = event.seq;
        self.events.push_back(event);
        self.journal.push(Undo::Event);
        Ok(seq)
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::CrmError;
    use crate::event::EventKind;
    use crate::testing::conformance::{contact, customer, event, follow_up, user};
    use proptest::prelude::*;
    use std::fmt::Write as _;

    /// Every table and index, in a canonical order: equal views mean equal states.
    fn view(store: &MemoryStore) -> String {
        let s = store.snapshot();
        let mut out = String::new();
        let mut line = |name: &str, mut rows: Vec<String>| {
            rows.sort();
            writeln!(out, "{name}: {rows:?}").unwrap();
        };
        let all = |rows: Vec<String>| rows;
        line("settings", vec![format!("{:?}", s.settings)]);
        line(
            "sequences",
            all(s.sequences.iter().map(|e| format!("{e:?}")).collect()),
        );
        line(
            "users",
            all(s.users.iter().map(|e| format!("{e:?}")).collect()),
        );
        line(
            "teams",
            all(s.teams.iter().map(|e| format!("{e:?}")).collect()),
        );
        line(
            "customers",
            all(s.customers.iter().map(|e| format!("{e:?}")).collect()),
        );
        fn row<'a>(key: &Key, ids: impl Iterator<Item = &'a Key>) -> String {
            let mut ids: Vec<&Key> = ids.collect();
            ids.sort();
            format!("{key}: {ids:?}")
        }
        let owners = s.by_owner.iter().map(|(k, r)| row(k, r.keys()));
        line("by_owner", owners.collect());
        for (name, index) in [
            ("by_pool", &s.by_pool),
            ("by_level", &s.facets.by_level),
            ("by_region", &s.facets.by_region),
            ("by_tag", &s.facets.by_tag),
        ] {
            line(
                name,
                index.iter().map(|(k, set)| row(k, set.iter())).collect(),
            );
        }
        line("by_recycle_due", vec![format!("{:?}", s.by_recycle_due)]);
        line(
            "docs",
            all(s.docs.iter().map(|e| format!("{e:?}")).collect()),
        );
        line(
            "docs_by_kind",
            all(s.docs_by_kind.iter().map(|e| format!("{e:?}")).collect()),
        );
        line(
            "docs_by_parent",
            all(s.docs_by_parent.iter().map(|e| format!("{e:?}")).collect()),
        );
        line("docs_by_due_at", vec![format!("{:?}", s.docs_by_due_at)]);
        line(
            "dedup",
            all(s.dedup.iter().map(|e| format!("{e:?}")).collect()),
        );
        line(
            "keys_of",
            all(s.keys_of.iter().map(|e| format!("{e:?}")).collect()),
        );
        line(
            "name_grams",
            all(s.names.entries().map(|e| format!("{e:?}")).collect()),
        );
        line(
            "name_gram_counts",
            all(s.names.gram_counts().map(|e| format!("{e:?}")).collect()),
        );
        line(
            "name_variants",
            all(s.names.variants.iter().map(|e| format!("{e:?}")).collect()),
        );
        line(
            "contacts",
            all(s.contacts.iter().map(|e| format!("{e:?}")).collect()),
        );
        line(
            "contacts_by_customer",
            all(s
                .contacts_by_customer
                .iter()
                .map(|e| format!("{e:?}"))
                .collect()),
        );
        line(
            "follow_ups",
            all(s.follow_ups.iter().map(|e| format!("{e:?}")).collect()),
        );
        line(
            "follow_ups_by_customer",
            all(s
                .follow_ups_by_customer
                .iter()
                .map(|e| format!("{e:?}"))
                .collect()),
        );
        line("events", vec![format!("{:?}", s.events)]);
        line(
            "events_by_customer",
            all(s
                .events_by_customer
                .iter()
                .map(|e| format!("{e:?}"))
                .collect()),
        );
        out
    }

    /// Every index rebuilt from its table, beside the index as kept: they must agree.
    fn indexes(store: &MemoryStore) -> (String, String) {
        use std::collections::{BTreeMap, BTreeSet};
        type Index = BTreeMap<String, BTreeSet<String>>;
        fn add(index: &mut Index, key: &str, id: &str) {
            index.entry(key.into()).or_default().insert(id.into());
        }
        fn kept<K: std::fmt::Display, V: std::fmt::Display>(
            rows: impl Iterator<Item = (K, Vec<V>)>,
        ) -> Index {
            rows.map(|(k, v)| (k.to_string(), v.iter().map(|x| x.to_string()).collect()))
                .collect()
        }
        let s = store.snapshot();
        let (mut owner, mut pool, mut due) = (Index::new(), Index::new(), BTreeSet::new());
        let mut facets = Index::new();
        for (id, c) in &s.customers {
            c.level
                .iter()
                .for_each(|l| add(&mut facets, &format!("level {l}"), id));
            c.region
                .iter()
                .for_each(|r| add(&mut facets, &format!("region {r}"), id));
            c.tags
                .iter()
                .for_each(|t| add(&mut facets, &format!("tag {t}"), id));
            let (o, p, d) = placement(Some(c));
            o.inspect(|o| add(&mut owner, o, id));
            p.inspect(|p| add(&mut pool, p, id));
            d.inspect(|d| {
                due.insert(format!("{d} {id}"));
            });
        }
        let (mut kinds, mut parents, mut due_at) = (Index::new(), Index::new(), BTreeSet::new());
        for ((kind, id), d) in &s.docs {
            add(&mut kinds, &format!("{kind:?}"), id);
            if let Some(p) = &d.parent {
                add(&mut parents, &format!("{kind:?} {p}"), id);
            }
            if let Some(at) = d.due_at {
                due_at.insert(format!("{kind:?} {at} {} {id}", id.len()));
            }
        }
        let mut dedup = Index::new();
        for (c, keys) in &s.keys_of {
            keys.iter().for_each(|k| add(&mut dedup, k, c));
        }
        // The name index holds exactly the names of the name keys, under their grams and variants.
        let mut name_rows = BTreeSet::new();
        let mut counts = BTreeMap::<u64, u64>::new();
        for name in dedup.keys().filter_map(|k| k.strip_prefix(NAME_PREFIX)) {
            for gram in crate::customer::grams::name_grams(name) {
                let gram = names::pack(&gram).unwrap();
                let len = crate::customer::grams::name_len(name);
                name_rows.insert(format!("{gram} {len} {name}"));
                *counts.entry(gram).or_default() += 1;
            }
            for variant in crate::customer::variants::name_variants(name) {
                name_rows.insert(format!("v {} {name}", names::variant_hash(&variant)));
            }
        }
        let names_kept: BTreeSet<String> = s
            .names
            .entries()
            .map(|(g, len, _, name)| format!("{g} {len} {name}"))
            .chain(
                s.names
                    .variants
                    .iter()
                    .map(|(hash, name)| format!("v {hash} {name}")),
            )
            .collect();
        let counts_kept: BTreeMap<u64, u64> = s.names.gram_counts().collect();
        let (mut contacts, mut follow_ups, mut events) = (Index::new(), Index::new(), Index::new());
        s.contacts
            .values()
            .for_each(|c| add(&mut contacts, &c.customer_id, &c.id));
        s.follow_ups
            .values()
            .for_each(|f| add(&mut follow_ups, &f.customer_id, &f.id));
        for e in &s.events {
            for c in e.kind.customer_ids() {
                add(&mut events, c, &e.seq.to_string());
            }
        }
        let rebuilt = format!(
            "{facets:?}\n{owner:?}\n{pool:?}\n{due:?}\n{kinds:?}\n{parents:?}\n{due_at:?}\n{dedup:?}\n{contacts:?}\n{follow_ups:?}\n{events:?}\n{name_rows:?}\n{counts:?}"
        );
        let due_kept: BTreeSet<String> = s
            .by_recycle_due
            .iter()
            .map(|(d, id)| format!("{d} {id}"))
            .collect();
        let due_at_kept: BTreeSet<String> = s
            .docs_by_due_at
            .iter()
            .map(|(kind, at, len, id)| format!("{kind:?} {at} {len} {id}"))
            .collect();
        let facets_kept: Index = [
            ("level", &s.facets.by_level),
            ("region", &s.facets.by_region),
            ("tag", &s.facets.by_tag),
        ]
        .into_iter()
        .flat_map(|(name, index)| {
            index.iter().map(move |(k, v)| {
                (
                    format!("{name} {k}"),
                    v.iter().map(|id| id.to_string()).collect(),
                )
            })
        })
        .collect();
        let kept = format!(
            "{facets_kept:?}\n{:?}\n{:?}\n{due_kept:?}\n{:?}\n{:?}\n{due_at_kept:?}\n{:?}\n{:?}\n{:?}\n{:?}\n{names_kept:?}\n{counts_kept:?}",
            // An owner's entry must hold the table's record itself, not an older one.
            kept(s.by_owner.iter().map(|(k, v)| (
                k,
                v.iter()
                    .map(|(id, c)| match s.customers.get(id) {
                        Some(t) if Arc::ptr_eq(t, c) => id.to_string(),
                        _ => format!("{id} (stale record)"),
                    })
                    .collect()
            ))),
            kept(s.by_pool.iter().map(|(k, v)| (k, v.iter().collect()))),
            kept(
                s.docs_by_kind
                    .iter()
                    .map(|(k, v)| (format!("{k:?}"), v.keys().collect()))
            ),
            kept(
                s.docs_by_parent
                    .iter()
                    .map(|((k, p), v)| (format!("{k:?} {p}"), v.iter().collect()))
            ),
            kept(s.dedup.iter().map(|(k, v)| (k, v.iter().collect()))),
            kept(
                s.contacts_by_customer
                    .iter()
                    .map(|(k, v)| (k, v.iter().collect()))
            ),
            kept(
                s.follow_ups_by_customer
                    .iter()
                    .map(|(k, v)| (k, v.iter().collect()))
            ),
            kept(
                s.events_by_customer
                    .iter()
                    .map(|(k, v)| (k, v.iter().collect()))
            ),
        );
        (kept, rebuilt)
    }

    #[derive(Debug, Clone)]
    enum Op {
        Settings,
        NextId(u8),
        User(u8),
        Team(u8),
        Customer {
            id: u8,
            owner: Option<u8>,
            pool: Option<u8>,
            due: Option<u8>,
            merged: bool,
        },
        Doc {
            pool: bool,
            id: u8,
            parent: Option<u8>,
            due: Option<u8>,
            delete: bool,
        },
        Keys(u8, Vec<u8>),
        DeleteCustomer(u8),
        Contact(u8, u8),
        DeleteContact(u8),
        FollowUp(u8, u8),
        Event(u8),
    }

    fn op() -> impl Strategy<Value = Op> {
        let small = || 0u8..6;
        prop_oneof![
            Just(Op::Settings),
            small().prop_map(Op::NextId),
            small().prop_map(Op::User),
            small().prop_map(Op::Team),
            (
                small(),
                proptest::option::of(small()),
                proptest::option::of(small()),
                proptest::option::of(small()),
                any::<bool>()
            )
                .prop_map(|(id, owner, pool, due, merged)| Op::Customer {
                    id,
                    owner,
                    pool,
                    due,
                    merged
                }),
            (
                any::<bool>(),
                small(),
                proptest::option::of(small()),
                proptest::option::of(small()),
                any::<bool>()
            )
                .prop_map(|(pool, id, parent, due, delete)| Op::Doc {
                    pool,
                    id,
                    parent,
                    due,
                    delete
                }),
            (small(), proptest::collection::vec(small(), 0..3)).prop_map(|(c, k)| Op::Keys(c, k)),
            small().prop_map(Op::DeleteCustomer),
            (small(), small()).prop_map(|(id, c)| Op::Contact(id, c)),
            small().prop_map(Op::DeleteContact),
            (small(), small()).prop_map(|(id, c)| Op::FollowUp(id, c)),
            small().prop_map(Op::Event),
        ]
    }

    /// Applies `op` as a well-behaved caller would (the next version of what is stored).
    fn apply(tx: &mut dyn Tx, op: &Op) -> Result<()> {
        let at = |h: u8| {
            chrono::TimeZone::with_ymd_and_hms(&Utc, 2026, 3, 1, u32::from(h), 0, 0).unwrap()
        };
        match op {
            Op::Settings => {
                let version = tx.settings()?.map_or(1, |s| s.version + 1);
                tx.put_settings(&OrgSettings {
                    version,
                    ..OrgSettings::default()
                })
            }
            Op::NextId(n) => tx.next_id(&format!("s{n}")).map(drop),
            Op::User(n) => {
                let id = format!("u-{n}");
                let version = tx.user(&id)?.map_or(1, |u| u.version + 1);
                tx.put_user(&user(&id, version))
            }
            Op::Team(n) => {
                let id = format!("t-{n}");
                let version = tx.team(&id)?.map_or(1, |t| t.version + 1);
                tx.put_team(&Team {
                    id: id.clone(),
                    name: id,
                    created_at: at(1),
                    version,
                })
            }
            Op::Customer {
                id,
                owner,
                pool,
                due,
                merged,
            } => {
                let id = format!("c-{id}");
                let version = tx.customer(&id)?.map_or(1, |c| c.version + 1);
                let owner = owner.map(|o| format!("u-{o}"));
                let mut c = customer(&id, owner.as_deref(), version);
                c.pool_id = pool.map(|p| format!("p-{p}"));
                c.recycle_due_at = due.map(at);
                // Level, region and tags vary with the other fields, so rewrites move them.
                c.level = pool.map(|p| format!("l-{}", p % 3));
                c.region = owner.as_ref().map(|o| format!("r-{}", o.len() % 2));
                c.tags = [
                    due.map(|d| format!("t-{}", d % 3)),
                    pool.map(|p| format!("t-{}", p % 2)),
                ]
                .into_iter()
                .flatten()
                .collect();
                if *merged {
                    c.status = CustomerStatus::Merged;
                }
                tx.put_customer(&c)
            }
            Op::Doc {
                pool,
                id,
                parent,
                due,
                delete,
            } => {
                let kind = if *pool { DocKind::Pool } else { DocKind::Lead };
                // Ids of one and two digits, so ties in `due_at` come out in record order.
                let id = format!("d-{}", u32::from(*id) * 3);
                let stored = tx.doc(kind, &id)?.map(|d| d.version);
                match (delete, stored) {
                    (true, Some(version)) => tx.delete_doc(kind, &id, version),
                    (true, None) => Ok(()),
                    (false, stored) => {
                        let parent = parent.map(|p| format!("u-{p}"));
                        let version = stored.map_or(1, |v| v + 1);
                        let doc = Doc::new(kind, &id, parent.as_deref(), version, &1)?;
                        tx.put_doc(doc.due_at(due.map(at)))
                    }
                }
            }
            Op::Keys(c, keys) => {
                // Odd keys are names, some sharing grams, so names come and go from the gram
                // index as their holders change.
                let names = ["acme", "acmee", "星辰科技"];
                let keys: Vec<String> = keys
                    .iter()
                    .map(|&k| match k % 2 {
                        0 => format!("k:{k}"),
                        _ => format!("{NAME_PREFIX}{}", names[usize::from(k / 2) % names.len()]),
                    })
                    .collect();
                tx.set_dedup_keys(&format!("c-{c}"), &keys)
            }
            Op::DeleteCustomer(id) => {
                let id = format!("c-{id}");
                match tx.customer(&id)? {
                    Some(c) => tx.delete_customer(&id, c.version),
                    None => Ok(()),
                }
            }
            Op::Contact(id, c) => {
                let id = format!("ct-{id}");
                let version = tx.contact(&id)?.map_or(1, |x| x.version + 1);
                tx.put_contact(&contact(&id, &format!("c-{c}"), version))
            }
            Op::DeleteContact(id) => {
                let id = format!("ct-{id}");
                match tx.contact(&id)? {
                    Some(c) => tx.delete_contact(&id, c.version),
                    None => Ok(()),
                }
            }
            Op::FollowUp(id, c) => {
                let id = format!("f-{id}");
                let version = tx.follow_up(&id)?.map_or(1, |x| x.version + 1);
                tx.put_follow_up(&follow_up(&id, &format!("c-{c}"), version))
            }
            Op::Event(c) => tx
                .append_event(event(EventKind::CustomerCreated {
                    customer_id: format!("c-{c}"),
                }))
                .map(drop),
        }
    }

    fn run(store: &MemoryStore, ops: &[Op], fail: bool) -> Result<()> {
        crate::store::write(store, |tx| {
            for op in ops {
                apply(tx, op)?;
            }
            if fail {
                return Err(CrmError::invalid(
                    "test",
                    "the transaction fails at its end",
                ));
            }
            Ok(())
        })
    }

    proptest! {
        /// A failed write leaves every table and index exactly as it was, and later writes
        /// then build the same state as on a store that never saw the failed one.
        #[test]
        fn a_failed_write_leaves_every_table_and_index_as_it_was(
            base in proptest::collection::vec(op(), 0..40),
            failed in proptest::collection::vec(op(), 0..40),
            after in proptest::collection::vec(op(), 0..20),
        ) {
            let store = MemoryStore::new();
            run(&store, &base, false).unwrap();
            let before = view(&store);
            prop_assert!(run(&store, &failed, true).is_err());
            prop_assert_eq!(view(&store), before);
            run(&store, &after, false).unwrap();
            let (kept, rebuilt) = indexes(&store);
            prop_assert_eq!(kept, rebuilt);
            // The deadline list read from the index is the one a scan of every document gives.
            for kind in [DocKind::Pool, DocKind::Lead] {
                for hour in 0..7 {
                    let until = chrono::TimeZone::with_ymd_and_hms(&Utc, 2026, 3, 1, hour, 0, 0)
                        .unwrap();
                    let mut scanned: Vec<Doc> = store
                        .snapshot()
                        .docs
                        .values()
                        .filter(|d| d.kind == kind && d.due_at.is_some_and(|at| at <= until))
                        .cloned()
                        .collect();
                    scanned.sort_by(|a, b| {
                        a.due_at
                            .cmp(&b.due_at)
                            .then_with(|| crate::ids::record_order(&a.id, &b.id))
                    });
                    let listed = crate::store::read(&store, |tx| tx.docs_due_at(kind, until))
                        .unwrap();
                    prop_assert_eq!(listed, scanned);
                }
            }
            let fresh = MemoryStore::new();
            run(&fresh, &base, false).unwrap();
            run(&fresh, &after, false).unwrap();
            prop_assert_eq!(view(&store), view(&fresh));
        }
    }

    #[test]
    fn a_panicking_write_is_rolled_back_too() {
        let store = MemoryStore::new();
        let base = [
            Op::User(1),
            Op::Customer {
                id: 1,
                owner: Some(1),
                pool: None,
                due: Some(3),
                merged: false,
            },
            Op::Event(1),
        ];
        run(&store, &base, false).unwrap();
        let before = view(&store);
        let panicked = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            crate::store::write::<()>(&store, |tx| {
                apply(tx, &Op::User(2))?;
                apply(
                    tx,
                    &Op::Customer {
                        id: 1,
                        owner: Some(2),
                        pool: None,
                        due: None,
                        merged: false,
                    },
                )?;
                apply(tx, &Op::Event(1))?;
                panic!("the work panics halfway");
            })
        }));
        assert!(panicked.is_err());
        assert_eq!(view(&store), before);
        // The store still works, and the failed write's journal is gone.
        run(&store, &[Op::User(3)], false).unwrap();
        let state = store.state.lock().unwrap_or_else(|e| e.into_inner());
        assert!(state.journal.is_empty());
    }
}
