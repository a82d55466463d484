//! A store wrapper that runs one operation's writes with extra work in the same transaction:
//! it notes the ids the operation numbers, can renumber them (a replica's temporary ids), and
//! hands the transaction to a finishing step (the server's receipt, the device's outbox entry)
//! before it commits, so the operation and its bookkeeping land together or not at all.

use crate::access::{Team, User, UserId};
use crate::customer::{Contact, Customer, CustomerId, FollowUp};
use crate::error::{CrmError, Result};
use crate::event::{Event, NewEvent};
use crate::settings::OrgSettings;
use crate::store::{CustomerQuery, Doc, DocKind, Near, Store, Tx};
use chrono::{DateTime, NaiveDate, Utc};
use std::ops::RangeInclusive;
use std::sync::{Arc, Mutex};

/// The step run inside the operation's first write transaction, with the ids it numbered.
pub(crate) type Finish = Box<dyn FnOnce(&mut dyn Tx, &[String]) -> Result<()> + Send>;

/// What a wrapped operation may do to the store.
pub(crate) enum Writes {
    /// Write, and finish the first write transaction with the step.
    Allowed(Mutex<Option<Finish>>),
    /// Refuse every write with this reason (an operation a replica cannot make offline).
    Refused(String),
}

pub(crate) struct Recording {
    inner: Arc<dyn Store>,
    /// Added to every number the store hands out, so a replica's ids never meet the server's.
    offset: u64,
    writes: Writes,
    created: Mutex<Vec<String>>,
}

impl Recording {
    pub(crate) fn new(inner: Arc<dyn Store>, offset: u64, writes: Writes) -> Self {
        Recording {
            inner,
            offset,
            writes,
            created: Mutex::new(Vec::new()),
        }
    }

    /// The finishing step, when a write transaction has not taken it yet.
    pub(crate) fn take_finish(&self) -> Option<Finish> {
        match &self.writes {
            Writes::Allowed(finish) => finish.lock().unwrap_or_else(|e| e.into_inner()).take(),
            Writes::Refused(_) => None,
        }
    }

    /// The ids numbered by committed write transactions, `prefix-n`, in order.
    pub(crate) fn created(&self) -> Vec<String> {
        self.created
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }
}

impl Store for Recording {
    fn write(&self, work: &mut dyn FnMut(&mut dyn Tx) -> Result<()>) -> Result<()> {
        if let Writes::Refused(reason) = &self.writes {
            return Err(CrmError::InvalidState {
                reason: reason.clone(),
            });
        }
        let mut finish = self.take_finish();
        let mut numbered = Vec::new();
        let outcome = self.inner.write(&mut |tx| {
            numbered.clear();
            let mut recording = RecordingTx {
                inner: tx,
                offset: self.offset,
                numbered: &mut numbered,
            };
            work(&mut recording)?;
            match finish.take() {
                Some(step) => step(tx, &numbered),
                None => Ok(()),
            }
        });
        if outcome.is_ok() {
            self.created
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .extend(numbered);
        } else if let (Some(step), Writes::Allowed(slot)) = (finish, &self.writes) {
            // The transaction failed before the step ran: keep it for the next write.
            *slot.lock().unwrap_or_else(|e| e.into_inner()) = Some(step);
        }
        outcome
    }

    fn read(&self, work: &mut dyn FnMut(&mut dyn Tx) -> Result<()>) -> Result<()> {
        self.inner.read(work)
    }
}

struct RecordingTx<'a> {
    inner: &'a mut dyn Tx,
    offset: u64,
    numbered: &'a mut Vec<String>,
}

/// Every method but `next_id` passes through: a wrapper by hand because `Tx` is ours and no
/// delegation crate handles a trait object's default methods without losing the backend's.
impl Tx for RecordingTx<'_> {
    fn next_id(&mut self, sequence: &str) -> Result<u64> {
        let n = self
            .inner
            .next_id(sequence)?
            .checked_add(self.offset)
            .ok_or_else(|| CrmError::storage("id sequence overflow"))?;
        self.numbered.push(format!("{sequence}-{n}"));
        Ok(n)
    }
    fn settings(&mut self) -> Result<Option<OrgSettings>> {
        self.inner.settings()
    }
    fn put_settings(&mut self, settings: &OrgSettings) -> Result<()> {
        self.inner.put_settings(settings)
    }
    fn user(&mut self, id: &str) -> Result<Option<User>> {
        self.inner.user(id)
    }
    fn users(&mut self) -> Result<Vec<User>> {
        self.inner.users()
    }
    fn put_user(&mut self, user: &User) -> Result<()> {
        self.inner.put_user(user)
    }
    fn team(&mut self, id: &str) -> Result<Option<Team>> {
        self.inner.team(id)
    }
    fn teams(&mut self) -> Result<Vec<Team>> {
        self.inner.teams()
    }
    fn put_team(&mut self, team: &Team) -> Result<()> {
        self.inner.put_team(team)
    }
    fn customer(&mut self, id: &str) -> Result<Option<Customer>> {
        self.inner.customer(id)
    }
    fn put_customer(&mut self, customer: &Customer) -> Result<()> {
        self.inner.put_customer(customer)
    }
    fn delete_customer(&mut self, id: &str, version: u64) -> Result<()> {
        self.inner.delete_customer(id, version)
    }
    fn customers(&mut self, query: &CustomerQuery) -> Result<Vec<Customer>> {
        self.inner.customers(query)
    }
    fn customer_ids_where(
        &mut self,
        query: &CustomerQuery,
        keep: &mut dyn FnMut(&Customer) -> bool,
    ) -> Result<Vec<CustomerId>> {
        self.inner.customer_ids_where(query, keep)
    }
    fn customer_facts(
        &mut self,
        owners: Option<&[UserId]>,
        each: &mut dyn FnMut(crate::import::facts::CustomerFacts),
    ) -> Result<()> {
        self.inner.customer_facts(owners, each)
    }
    fn each_dedup_key_with_prefix(
        &mut self,
        prefix: &str,
        each: &mut dyn FnMut(&str, &str),
    ) -> Result<()> {
        self.inner.each_dedup_key_with_prefix(prefix, each)
    }
    fn set_dedup_keys(&mut self, customer_id: &str, keys: &[String]) -> Result<()> {
        self.inner.set_dedup_keys(customer_id, keys)
    }
    fn customers_by_dedup_key(&mut self, key: &str) -> Result<Vec<CustomerId>> {
        self.inner.customers_by_dedup_key(key)
    }
    fn dedup_keys_with_prefix(&mut self, prefix: &str) -> Result<Vec<(String, CustomerId)>> {
        self.inner.dedup_keys_with_prefix(prefix)
    }
    fn name_gram_counts(&mut self, grams: &[String]) -> Result<Vec<u64>> {
        self.inner.name_gram_counts(grams)
    }
    fn names_with_grams(
        &mut self,
        grams: &[String],
        lengths: RangeInclusive<u32>,
        at_least: u32,
        near: Near,
    ) -> Result<Vec<std::sync::Arc<str>>> {
        self.inner.names_with_grams(grams, lengths, at_least, near)
    }
    fn names_with_variants(&mut self, variants: &[String]) -> Result<Vec<String>> {
        self.inner.names_with_variants(variants)
    }
    fn postings_per_name(&self) -> u64 {
        self.inner.postings_per_name()
    }
    fn contact(&mut self, id: &str) -> Result<Option<Contact>> {
        self.inner.contact(id)
    }
    fn contacts_of(&mut self, customer_id: &str) -> Result<Vec<Contact>> {
        self.inner.contacts_of(customer_id)
    }
    fn put_contact(&mut self, contact: &Contact) -> Result<()> {
        self.inner.put_contact(contact)
    }
    fn delete_contact(&mut self, id: &str, version: u64) -> Result<()> {
        self.inner.delete_contact(id, version)
    }
    fn follow_up(&mut self, id: &str) -> Result<Option<FollowUp>> {
        self.inner.follow_up(id)
    }
    fn follow_ups_of(&mut self, customer_id: &str) -> Result<Vec<FollowUp>> {
        self.inner.follow_ups_of(customer_id)
    }
    fn put_follow_up(&mut self, follow_up: &FollowUp) -> Result<()> {
        self.inner.put_follow_up(follow_up)
    }
    fn delete_follow_up(&mut self, id: &str, version: u64) -> Result<()> {
        self.inner.delete_follow_up(id, version)
    }
    fn recycle_due(&mut self, until: DateTime<Utc>) -> Result<Vec<Customer>> {
        self.inner.recycle_due(until)
    }
    fn doc(&mut self, kind: DocKind, id: &str) -> Result<Option<Doc>> {
        self.inner.doc(kind, id)
    }
    fn docs(&mut self, kind: DocKind, parent: Option<&str>) -> Result<Vec<Doc>> {
        self.inner.docs(kind, parent)
    }
    fn docs_due(&mut self, kind: DocKind, before: NaiveDate) -> Result<Vec<Doc>> {
        self.inner.docs_due(kind, before)
    }
    fn docs_due_at(&mut self, kind: DocKind, until: DateTime<Utc>) -> Result<Vec<Doc>> {
        self.inner.docs_due_at(kind, until)
    }
    fn put_doc(&mut self, doc: Doc) -> Result<()> {
        self.inner.put_doc(doc)
    }
    fn delete_doc(&mut self, kind: DocKind, id: &str, version: u64) -> Result<()> {
        self.inner.delete_doc(kind, id, version)
    }
    fn append_event(&mut self, event: NewEvent) -> Result<u64> {
        self.inner.append_event(event)
    }
    fn mirror_writes(&mut self) -> Result<()> {
        self.inner.mirror_writes()
    }
    fn events_of(&mut self, customer_ids: &[CustomerId]) -> Result<Vec<Event>> {
        self.inner.events_of(customer_ids)
    }
    fn events_after(&mut self, after: u64, limit: usize) -> Result<Vec<Event>> {
        self.inner.events_after(after, limit)
    }
}
