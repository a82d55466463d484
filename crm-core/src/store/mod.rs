//! The storage trait. Synchronous and transactional: the service runs each operation as one
//! closure inside `write` (commit on `Ok`, roll back on `Err`). Every record carries a version and
//! `put_*` is a conditional write: version 1 inserts, version v+1 replaces only what is still at v.

mod docs;
mod memory;

pub use docs::{Doc, DocKind};
pub use memory::MemoryStore;

use crate::access::{Team, User, UserId};
use crate::customer::{Contact, Customer, CustomerId, FollowUp};
use crate::error::Result;
use crate::event::{Event, NewEvent};
use crate::settings::OrgSettings;
use chrono::{DateTime, NaiveDate, Utc};
use std::ops::RangeInclusive;
use std::sync::Arc;

pub use crate::customer::classes::Near;

/// Which customers to list. Unset fields do not filter.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CustomerQuery {
    /// Only customers owned by one of these users.
    pub owners: Option<Vec<UserId>>,
    /// Only customers whose planned next follow-up is strictly before this instant.
    pub follow_up_due_before: Option<DateTime<Utc>>,
    /// Only unowned customers sitting in this pool.
    pub in_pool: Option<String>,
    /// Merged tombstones are left out unless asked for.
    pub include_merged: bool,
    /// Only customers at one of these levels.
    pub levels: Option<Vec<String>>,
    /// Only customers in one of these regions.
    pub regions: Option<Vec<String>>,
    /// Only customers with at least one of these tags.
    pub tags_any: Option<Vec<String>>,
}

impl CustomerQuery {
    /// Whether a customer passes every filter; backends may use it after an index look-up.
    pub fn accepts(&self, c: &Customer) -> bool {
        use crate::customer::CustomerStatus;
        (self.include_merged || c.status != CustomerStatus::Merged)
            && self
                .owners
                .as_ref()
                .is_none_or(|o| c.owner_id.as_ref().is_some_and(|id| o.contains(id)))
            && self
                .follow_up_due_before
                .is_none_or(|t| c.next_follow_up_at.is_some_and(|due| due < t))
            && self
                .in_pool
                .as_ref()
                .is_none_or(|p| c.owner_id.is_none() && c.pool_id.as_ref() == Some(p))
            && one_of(&self.levels, c.level.as_ref())
            && one_of(&self.regions, c.region.as_ref())
            && self
                .tags_any
                .as_ref()
                .is_none_or(|t| t.iter().any(|t| c.tags.contains(t)))
    }
}

/// Whether `value` is one of `wanted` (`None`: anything, an absent value included).
fn one_of(wanted: &Option<Vec<String>>, value: Option<&String>) -> bool {
    wanted
        .as_ref()
        .is_none_or(|w| value.is_some_and(|v| w.contains(v)))
}

pub trait Store: Send + Sync {
    /// Runs `work` in a read-write transaction; concurrent writers are serialised.
    fn write(&self, work: &mut dyn FnMut(&mut dyn Tx) -> Result<()>) -> Result<()>;
    /// Runs `work` on a consistent snapshot. Writes inside it are not kept.
    fn read(&self, work: &mut dyn FnMut(&mut dyn Tx) -> Result<()>) -> Result<()>;
}

/// A boxed store is a store, so callers can pick a backend at run time.
impl<S: Store + ?Sized> Store for Box<S> {
    fn write(&self, work: &mut dyn FnMut(&mut dyn Tx) -> Result<()>) -> Result<()> {
        (**self).write(work)
    }

    fn read(&self, work: &mut dyn FnMut(&mut dyn Tx) -> Result<()>) -> Result<()> {
        (**self).read(work)
    }
}

/// Runs a closure returning a value in a write transaction.
pub fn write<T>(store: &dyn Store, f: impl FnOnce(&mut dyn Tx) -> Result<T>) -> Result<T> {
    let mut f = Some(f);
    let mut out = None;
    store.write(&mut |tx| {
        let f = f.take().expect("a store runs a transaction's work once");
        out = Some(f(tx)?);
        Ok(())
    })?;
    Ok(out.expect("a committed transaction produced its value"))
}

/// Runs a closure returning a value on a read snapshot.
pub fn read<T>(store: &dyn Store, f: impl FnOnce(&mut dyn Tx) -> Result<T>) -> Result<T> {
    let mut f = Some(f);
    let mut out = None;
    store.read(&mut |tx| {
        let f = f.take().expect("a store runs a transaction's work once");
        out = Some(f(tx)?);
        Ok(())
    })?;
    Ok(out.expect("a finished read produced its value"))
}

/// Operations inside one transaction. Lists come back in no particular order unless stated.
pub trait Tx {
    fn settings(&mut self) -> Result<Option<OrgSettings>>;
    fn put_settings(&mut self, settings: &OrgSettings) -> Result<()>;
    /// The next value (from 1) of a named, persisted sequence.
    fn next_id(&mut self, sequence: &str) -> Result<u64>;

    fn user(&mut self, id: &str) -> Result<Option<User>>;
    fn users(&mut self) -> Result<Vec<User>>;
    fn put_user(&mut self, user: &User) -> Result<()>;
    fn team(&mut self, id: &str) -> Result<Option<Team>>;
    fn teams(&mut self) -> Result<Vec<Team>>;
    fn put_team(&mut self, team: &Team) -> Result<()>;

    fn customer(&mut self, id: &str) -> Result<Option<Customer>>;
    fn put_customer(&mut self, customer: &Customer) -> Result<()>;
    /// Removes a customer still at `version` (`VERSION_CONFLICT` otherwise, `NOT_FOUND` when
    /// absent), as an import's revert does to one it created: the record, its duplicate keys and
    /// name grams, and its place in every index, so no query finds it. Its contacts, follow-ups
    /// and events stay the caller's to handle.
    fn delete_customer(&mut self, id: &str, version: u64) -> Result<()>;
    fn customers(&mut self, query: &CustomerQuery) -> Result<Vec<Customer>>;
    /// The ids of the customers `customers(query)` returns that `keep` accepts, in no order:
    /// for scans of many customers (audiences) that need only a few, without a copy of each.
    fn customer_ids_where(
        &mut self,
        query: &CustomerQuery,
        keep: &mut dyn FnMut(&Customer) -> bool,
    ) -> Result<Vec<CustomerId>> {
        Ok(self
            .customers(query)?
            .into_iter()
            .filter(|c| keep(c))
            .map(|c| c.id)
            .collect())
    }
    /// The [`CustomerFacts`](crate::import::facts::CustomerFacts) of every customer not merged
    /// (only those of `owners`, when given), in no order: what the quality report reads. A
    /// store that keeps them on write answers without decoding or checking records.
    fn customer_facts(
        &mut self,
        owners: Option<&[UserId]>,
        each: &mut dyn FnMut(crate::import::facts::CustomerFacts),
    ) -> Result<()> {
        let query = CustomerQuery {
            owners: owners.map(<[UserId]>::to_vec),
            ..CustomerQuery::default()
        };
        self.customer_ids_where(&query, &mut |c| {
            each(crate::import::facts::CustomerFacts::of(c));
            false
        })?;
        Ok(())
    }
    /// Replaces the duplicate-detection keys of a customer (empty: none). The name of a name key
    /// ([`NAME_PREFIX`](crate::customer::NAME_PREFIX)) is also in the name gram index while any
    /// customer holds it: under each of its [`name_grams`](crate::customer::grams::name_grams),
    /// with its [`name_len`](crate::customer::grams::name_len), and under each of its
    /// [`name_variants`](crate::customer::variants::name_variants).
    fn set_dedup_keys(&mut self, customer_id: &str, keys: &[String]) -> Result<()>;
    fn customers_by_dedup_key(&mut self, key: &str) -> Result<Vec<CustomerId>>;
    /// (key, customer) pairs whose key starts with `prefix`, for fuzzy matching.
    fn dedup_keys_with_prefix(&mut self, prefix: &str) -> Result<Vec<(String, CustomerId)>>;
    /// Calls `each(key, customer)` for every pair `dedup_keys_with_prefix` lists, in key order
    /// (a key's holders one after another): a pass over millions of keys without a copy of each.
    fn each_dedup_key_with_prefix(
        &mut self,
        prefix: &str,
        each: &mut dyn FnMut(&str, &str),
    ) -> Result<()> {
        let mut pairs = self.dedup_keys_with_prefix(prefix)?;
        pairs.sort_unstable();
        pairs.iter().for_each(|(key, id)| each(key, id));
        Ok(())
    }
    /// How many distinct indexed names hold each gram, in the order asked: lets a duplicate
    /// check read the rarest grams' names only.
    fn name_gram_counts(&mut self, grams: &[String]) -> Result<Vec<u64>>;
    /// The distinct indexed names (without the prefix) holding at least `at_least` of the
    /// distinct `grams` whose length lies in `lengths` and whose character class counts
    /// `near` admits: the candidates of a fuzzy name match. Shared text: a memory store hands out
    /// the copy its index holds, as most candidates are compared and dropped.
    fn names_with_grams(
        &mut self,
        grams: &[String],
        lengths: RangeInclusive<u32>,
        at_least: u32,
        near: Near,
    ) -> Result<Vec<Arc<str>>>;
    /// The distinct indexed names (without the prefix) holding any of `variants` among their
    /// [`name_variants`](crate::customer::variants::name_variants): the candidates of a fuzzy
    /// name match at most one edit away. A store keeps every name of a name key under its
    /// variants beside its grams (names over `VARIANT_MAX_LEN` characters have none). A store
    /// that looks variants up by a hash may return a few other names too: the caller compares
    /// every candidate.
    fn names_with_variants(&mut self, variants: &[String]) -> Result<Vec<String>>;
    /// How many postings `names_with_grams` reads in the time a caller spends on one name it
    /// returns (taking it and comparing it): a duplicate check reads up to that many times the
    /// postings to compare fewer names. A store whose every row costs as much as a name (SQL)
    /// keeps the default.
    fn postings_per_name(&self) -> u64 {
        1
    }

    fn contact(&mut self, id: &str) -> Result<Option<Contact>>;
    fn contacts_of(&mut self, customer_id: &str) -> Result<Vec<Contact>>;
    fn put_contact(&mut self, contact: &Contact) -> Result<()>;
    /// Removes a contact still at `version` (an import's revert of one it created); the caller
    /// re-keys its customer's duplicate keys.
    fn delete_contact(&mut self, id: &str, version: u64) -> Result<()>;
    fn follow_up(&mut self, id: &str) -> Result<Option<FollowUp>>;
    fn follow_ups_of(&mut self, customer_id: &str) -> Result<Vec<FollowUp>>;
    fn put_follow_up(&mut self, follow_up: &FollowUp) -> Result<()>;

    /// Owned, active customers whose `recycle_due_at` is at or before `until`: the only customers
    /// a recycling sweep or warning list can concern, answered from an index.
    fn recycle_due(&mut self, until: DateTime<Utc>) -> Result<Vec<Customer>>;

    fn doc(&mut self, kind: DocKind, id: &str) -> Result<Option<Doc>>;
    /// Every document of a kind, or only those with this parent, in id order.
    fn docs(&mut self, kind: DocKind, parent: Option<&str>) -> Result<Vec<Doc>>;
    /// Documents of a kind whose `due` lies before `before`, in id order: what a time-driven
    /// list (overdue instalments) may concern, answered from an index.
    fn docs_due(&mut self, kind: DocKind, before: NaiveDate) -> Result<Vec<Doc>>;
    /// Documents of a kind whose `due_at` is at or before `until`, earliest first (ties in id
    /// order): what a deadline list (tickets about to breach) may concern, answered from an index.
    fn docs_due_at(&mut self, kind: DocKind, until: DateTime<Utc>) -> Result<Vec<Doc>>;
    /// Versioned like every `put_*`.
    fn put_doc(&mut self, doc: Doc) -> Result<()>;
    /// Removes a document that is still at `version`.
    fn delete_doc(&mut self, kind: DocKind, id: &str, version: u64) -> Result<()>;

    /// Appends to the log and returns the new sequence number; they start at 1 and have no gaps.
    fn append_event(&mut self, event: NewEvent) -> Result<u64>;
    /// Switches this transaction to mirror writes: every `put_*` stores the record at the
    /// version it carries whatever is stored, and every delete removes what is stored (or
    /// nothing). Only a sync replica writes this way, to hold the server's records exactly as
    /// the server sent them; backends that never hold a replica refuse.
    fn mirror_writes(&mut self) -> Result<()> {
        Err(crate::error::CrmError::invalid(
            "store",
            "this store cannot hold a sync replica",
        ))
    }
    /// Removes a follow-up still at `version` (a replica dropping a customer that left its
    /// scope, or an offline record the server renumbered).
    fn delete_follow_up(&mut self, id: &str, version: u64) -> Result<()> {
        let _ = (id, version);
        Err(crate::error::CrmError::invalid(
            "store",
            "this store cannot delete follow-ups",
        ))
    }
    /// Events concerning any of these customers, in log order.
    fn events_of(&mut self, customer_ids: &[CustomerId]) -> Result<Vec<Event>>;
    /// Up to `limit` events with `seq > after`, in log order.
    fn events_after(&mut self, after: u64, limit: usize) -> Result<Vec<Event>>;
}

/// The check every backend applies on a delete (`delete_doc`, `delete_customer`,
/// `delete_contact`): the record must exist and still be at `version`.
pub fn check_delete_version(
    kind: crate::error::EntityKind,
    id: &str,
    version: u64,
    stored: Option<u64>,
) -> Result<()> {
    use crate::error::CrmError;
    match stored {
        None => Err(CrmError::NotFound {
            kind,
            id: id.to_string(),
        }),
        Some(actual) if actual != version => Err(CrmError::VersionConflict {
            kind,
            id: id.to_string(),
            expected: version,
            actual,
        }),
        Some(_) => Ok(()),
    }
}

/// [`check_version`] in a transaction that may be in mirror mode, where any version is taken
/// as it comes: `Ok(true)` to insert, `Ok(false)` to replace.
pub fn check_put(
    kind: crate::error::EntityKind,
    id: &str,
    new_version: u64,
    stored: Option<u64>,
    mirror: bool,
) -> Result<bool> {
    if mirror {
        Ok(stored.is_none())
    } else {
        check_version(kind, id, new_version, stored)
    }
}

/// [`check_delete_version`] in a transaction that may be in mirror mode: `Ok(true)` when there
/// is a record to remove.
pub fn check_remove(
    kind: crate::error::EntityKind,
    id: &str,
    version: u64,
    stored: Option<u64>,
    mirror: bool,
) -> Result<bool> {
    if mirror {
        Ok(stored.is_some())
    } else {
        check_delete_version(kind, id, version, stored).map(|()| true)
    }
}

/// The version check every backend applies on `put_*`: `Ok(true)` to insert, `Ok(false)` to update.
pub fn check_version(
    kind: crate::error::EntityKind,
    id: &str,
    new_version: u64,
    stored: Option<u64>,
) -> Result<bool> {
    use crate::error::CrmError;
    match (new_version, stored) {
        (0, _) => Err(CrmError::invalid("version", "versions start at 1")),
        (1, None) => Ok(true),
        (1, Some(_)) => Err(CrmError::AlreadyExists {
            kind,
            id: id.to_string(),
        }),
        (v, Some(s)) if s == v - 1 => Ok(false),
        (v, stored) => Err(CrmError::VersionConflict {
            kind,
            id: id.to_string(),
            expected: v - 1,
            actual: stored.unwrap_or(0),
        }),
    }
}
