//! A device's replica: the server's records of its user's scope in a local store (memory, or
//! SQLite on phones and desktops), an outbox of the operations made offline, and the refusals
//! the server answered. Local operations run through the same operation table and rules as on
//! the server, so a rep sees at once that a claim is over the limit.

use super::merge::{base_fields, edited_record, pair_ids, rename};
use super::recording::{Finish, Recording, Writes};
use super::{
    DeviceOp, OpStatus, PullResponse, PushResponse, RecordBase, Records, Rejection, Snapshot,
    LOCAL_ID_BASE, SYNC_BATCH, SYNC_OPERATIONS,
};
use crate::api::{self, Args};
use crate::clock::Clock;
use crate::customer::dedup::customer_keys;
use crate::error::{CrmError, EntityKind, Result};
use crate::service::Crm;
use crate::store::{self, CustomerQuery, Doc, DocKind, Store, Tx};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex};

const STATE: &str = "state";

/// Who the replica belongs to and how far it has followed the server.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct State {
    user_id: String,
    device_id: String,
    /// The last event applied; `None` until the first snapshot.
    cursor: Option<u64>,
    next_op_id: u64,
    version: u64,
}

/// A queued operation with the temporary ids it created locally.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Pending {
    op: DeviceOp,
    created: Vec<String>,
}

/// A whole replica as one value, for hosts whose storage is not a `Store` (a browser keeps it
/// in IndexedDB): its state, outbox and rejections and the records it holds.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ReplicaImage {
    state: State,
    outbox: Vec<Pending>,
    rejections: Vec<Rejection>,
    records: Records,
}

/// What one sync of a replica did.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct SyncSummary {
    /// Whether the scope was downloaded whole (a new device).
    pub snapshot: bool,
    pub applied: u64,
    pub rejected: u64,
    /// Values overwritten by this device's edits, kept as conflict records on the server.
    pub conflicts: u64,
    pub events: u64,
    /// Customers that left the scope and were removed from the replica.
    pub removed: u64,
    pub cursor: u64,
}

pub struct Replica {
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
    user_id: String,
    device_id: String,
}

fn outbox_id(op_id: u64) -> String {
    format!("{op_id:020}")
}

/// A record id the replica numbered offline, as its kind's prefix and its local number (the
/// store's sequence value, before [`LOCAL_ID_BASE`] is added).
fn temporary(id: &str) -> Option<(&str, u64)> {
    let (prefix, n) = id.rsplit_once('-')?;
    let n = n.parse::<u64>().ok().filter(|n| *n > LOCAL_ID_BASE)?;
    Some((prefix, n - LOCAL_ID_BASE))
}

fn is_temporary(id: &str) -> bool {
    temporary(id).is_some()
}

impl Replica {
    /// Opens the replica in `store` for `user_id` on this device; a store that already holds
    /// one keeps its device id, and refuses another user.
    pub fn open(
        store: impl Store + 'static,
        clock: Arc<dyn Clock>,
        user_id: &str,
        device_id: &str,
    ) -> Result<Replica> {
        crate::limits::text("device_id", device_id, crate::limits::ID)?;
        if device_id.trim().is_empty() || user_id.trim().is_empty() {
            return Err(CrmError::invalid("device_id", "must not be empty"));
        }
        let store: Arc<dyn Store> = Arc::new(store);
        let state = store::write(store.as_ref(), |tx| {
            if let Some(doc) = tx.doc(DocKind::SyncState, STATE)? {
                return doc.decode::<State>();
            }
            let state = State {
                user_id: user_id.to_string(),
                device_id: device_id.to_string(),
                cursor: None,
                next_op_id: 1,
                version: 1,
            };
            tx.put_doc(Doc::new(DocKind::SyncState, STATE, None, 1, &state)?)?;
            Ok(state)
        })?;
        if state.user_id != user_id {
            return Err(CrmError::InvalidState {
                reason: format!(
                    "this replica belongs to user {}; open another store for {user_id}",
                    state.user_id
                ),
            });
        }
        Ok(Replica {
            store,
            clock,
            user_id: state.user_id,
            device_id: state.device_id,
        })
    }

    pub fn device_id(&self) -> &str {
        &self.device_id
    }

    pub fn user_id(&self) -> &str {
        &self.user_id
    }

    fn state(&self) -> Result<State> {
        store::read(self.store.as_ref(), |tx| read_state(tx))
    }

    /// The last event applied; `None` before the first snapshot.
    pub fn cursor(&self) -> Result<Option<u64>> {
        Ok(self.state()?.cursor)
    }

    /// Runs an operation of the table on the replica as its user. An operation of
    /// [`SYNC_OPERATIONS`] is applied locally and queued, in one transaction; any other may read
    /// but not write (it needs the server).
    pub fn call(&self, op: &str, args: &Value) -> Result<Value> {
        let text = self.call_json(op, &args.to_string())?;
        serde_json::from_str(&text).map_err(CrmError::storage)
    }

    /// [`Replica::call`] on JSON text, as bindings hand it over.
    pub fn call_json(&self, op: &str, args: &str) -> Result<String> {
        let parsed = Args::parse(args).map_err(CrmError::clipped)?;
        let writes = if SYNC_OPERATIONS.contains(&op) {
            let value: Value =
                serde_json::from_str(if args.trim().is_empty() { "{}" } else { args })
                    .map_err(|e| CrmError::invalid("args", e.to_string()))?;
            let base = self.base(op, &value)?;
            let (op, user) = (op.to_string(), self.user_id.clone());
            let finish: Finish = Box::new(move |tx, created| {
                let mut state = read_state(tx)?;
                let op_id = state.next_op_id;
                let pending = Pending {
                    op: DeviceOp {
                        op_id,
                        op,
                        args: value,
                        base,
                        created: created.to_vec(),
                    },
                    created: created.to_vec(),
                };
                tx.put_doc(Doc::new(
                    DocKind::SyncOutbox,
                    &outbox_id(op_id),
                    Some(&user),
                    1,
                    &pending,
                )?)?;
                state.next_op_id += 1;
                write_state(tx, &mut state)
            });
            Writes::Allowed(Mutex::new(Some(finish)))
        } else {
            Writes::Refused(format!(
                "{op} needs the server: it cannot be made offline (offline: {})",
                SYNC_OPERATIONS.join(", ")
            ))
        };
        let view = Crm::new(
            Recording::new(self.store.clone(), LOCAL_ID_BASE, writes),
            self.clock.clone(),
        );
        api::answer(&view, op, &self.user_id, &parsed)?.to_json()
    }

    /// For an edit: the record's version and edited fields as this replica holds them.
    fn base(&self, op: &str, args: &Value) -> Result<Option<RecordBase>> {
        let Some((kind, arg)) = edited_record(op) else {
            return Ok(None);
        };
        let Some(id) = args.get(arg).and_then(Value::as_str) else {
            return Ok(None);
        };
        let record = store::read(self.store.as_ref(), |tx| {
            Ok(match kind {
                EntityKind::Customer => tx
                    .customer(id)?
                    .map(|c| serde_json::to_value(c).map_err(CrmError::storage))
                    .transpose()?,
                _ => tx.doc(DocKind::Opportunity, id)?.map(|d| d.body),
            })
        })?;
        Ok(record.map(|record| RecordBase {
            id: id.to_string(),
            version: record.get("version").and_then(Value::as_u64).unwrap_or(0),
            fields: base_fields(args, &record),
        }))
    }

    /// The whole replica as one value ([`Replica::restore`] reads it back).
    pub fn image(&self) -> Result<ReplicaImage> {
        let view = Crm::new(
            Recording::new(
                self.store.clone(),
                LOCAL_ID_BASE,
                Writes::Refused(String::new()),
            ),
            self.clock.clone(),
        );
        let records = match self.cursor()? {
            // Before the first sync the replica holds no record (not even its user).
            None => Records::default(),
            Some(_) => view.sync_snapshot(&self.user_id)?.records,
        };
        store::read(self.store.as_ref(), |tx| {
            let mut rejections = tx.docs(DocKind::SyncRejection, None)?;
            rejections.sort_by(|a, b| a.id.cmp(&b.id));
            Ok(ReplicaImage {
                state: read_state(tx)?,
                outbox: pending(tx)?,
                rejections: rejections.iter().map(Doc::decode).collect::<Result<_>>()?,
                records,
            })
        })
    }

    /// A replica in `store` (empty) made from an image; its temporary ids carry on after the
    /// highest the image holds.
    pub fn restore(
        store: impl Store + 'static,
        clock: Arc<dyn Clock>,
        image: ReplicaImage,
    ) -> Result<Replica> {
        let store: Arc<dyn Store> = Arc::new(store);
        store::write(store.as_ref(), |tx| {
            if tx.doc(DocKind::SyncState, STATE)?.is_some() {
                return Err(CrmError::InvalidState {
                    reason: "this store already holds a replica".into(),
                });
            }
            tx.mirror_writes()?;
            let state = &image.state;
            tx.put_doc(Doc::new(
                DocKind::SyncState,
                STATE,
                None,
                state.version,
                state,
            )?)?;
            apply_records(tx, &image.records)?;
            let mut highest: BTreeMap<String, u64> = BTreeMap::new();
            let held = image.records.customers.iter().map(|c| &c.id);
            let held = held
                .chain(image.records.contacts.iter().map(|c| &c.id))
                .chain(image.records.follow_ups.iter().map(|f| &f.id))
                .chain(image.records.opportunities.iter().map(|o| &o.id))
                .chain(image.outbox.iter().flat_map(|p| &p.created));
            for (prefix, n) in held.filter_map(|id| temporary(id)) {
                let top = highest.entry(prefix.to_string()).or_default();
                *top = (*top).max(n);
            }
            for (prefix, top) in highest {
                while tx.next_id(&prefix)? < top {}
            }
            for p in &image.outbox {
                let id = outbox_id(p.op.op_id);
                tx.put_doc(Doc::new(DocKind::SyncOutbox, &id, None, 1, p)?)?;
            }
            for r in &image.rejections {
                let id = outbox_id(r.op_id);
                tx.put_doc(Doc::new(DocKind::SyncRejection, &id, None, 1, r)?)?;
            }
            Ok(())
        })?;
        Ok(Replica {
            store,
            clock,
            user_id: image.state.user_id,
            device_id: image.state.device_id,
        })
    }

    /// Every queued operation, oldest first.
    pub fn outbox(&self) -> Result<Vec<DeviceOp>> {
        Ok(self.pending()?.into_iter().map(|p| p.op).collect())
    }

    /// The oldest queued operations, at most [`SYNC_BATCH`]: the next push.
    pub fn next_push(&self) -> Result<Vec<DeviceOp>> {
        Ok(self
            .pending()?
            .into_iter()
            .take(SYNC_BATCH)
            .map(|p| p.op)
            .collect())
    }

    fn pending(&self) -> Result<Vec<Pending>> {
        store::read(self.store.as_ref(), |tx| pending(tx))
    }

    /// The operations the server refused, oldest first.
    pub fn rejections(&self) -> Result<Vec<Rejection>> {
        store::read(self.store.as_ref(), |tx| {
            let mut docs = tx.docs(DocKind::SyncRejection, None)?;
            docs.sort_by(|a, b| a.id.cmp(&b.id));
            docs.iter().map(Doc::decode).collect()
        })
    }

    /// Forgets a refusal the user has seen.
    pub fn dismiss_rejection(&self, op_id: u64) -> Result<()> {
        store::write(self.store.as_ref(), |tx| {
            let id = outbox_id(op_id);
            let doc = tx
                .doc(DocKind::SyncRejection, &id)?
                .ok_or_else(|| CrmError::not_found(EntityKind::SyncOperation, op_id.to_string()))?;
            tx.delete_doc(DocKind::SyncRejection, &id, doc.version)
        })
    }

    /// Applies a new device's first download (or a reset): the replica becomes the snapshot,
    /// keeping what was made offline and not yet pushed.
    pub fn apply_snapshot(&self, snapshot: Snapshot) -> Result<()> {
        store::write(self.store.as_ref(), |tx| {
            tx.mirror_writes()?;
            let keep: BTreeSet<String> = snapshot
                .records
                .customers
                .iter()
                .chain(&snapshot.records.pool_customers)
                .map(|c| c.id.clone())
                .collect();
            for c in tx.customers(&CustomerQuery::default())? {
                if !keep.contains(&c.id) && !is_temporary(&c.id) {
                    remove_customer(tx, &c.id)?;
                }
            }
            apply_records(tx, &snapshot.records)?;
            let mut state = read_state(tx)?;
            state.cursor = Some(snapshot.cursor);
            write_state(tx, &mut state)
        })
    }

    /// Applies the server's answer to a push: applied operations leave the outbox (their
    /// temporary records give way to the server's, which the next pull brings), refused ones
    /// become rejections, and operations queued since are renumbered to the server's ids.
    pub fn apply_push(&self, response: &PushResponse) -> Result<SyncSummary> {
        store::write(self.store.as_ref(), |tx| {
            tx.mirror_writes()?;
            let mut summary = SyncSummary::default();
            let queued: BTreeMap<u64, Pending> =
                pending(tx)?.into_iter().map(|p| (p.op.op_id, p)).collect();
            let mut renamed: BTreeMap<String, String> = BTreeMap::new();
            let mut dropped: Vec<String> = Vec::new();
            for outcome in &response.outcomes {
                let Some(done) = queued.get(&outcome.op_id) else {
                    continue;
                };
                tx.delete_doc(DocKind::SyncOutbox, &outbox_id(outcome.op_id), 0)?;
                match outcome.status {
                    OpStatus::Applied => {
                        summary.applied += 1;
                        summary.conflicts += outcome.conflicts.len() as u64;
                        renamed.extend(pair_ids(&done.created, &outcome.created));
                    }
                    OpStatus::Rejected => {
                        summary.rejected += 1;
                        if let Some(rejection) = &outcome.rejection {
                            let id = outbox_id(outcome.op_id);
                            tx.put_doc(Doc::new(DocKind::SyncRejection, &id, None, 1, rejection)?)?;
                        }
                    }
                }
                dropped.extend(done.created.iter().cloned());
            }
            for id in &dropped {
                remove_record(tx, id)?;
            }
            if !renamed.is_empty() {
                for mut later in pending(tx)? {
                    rename(&mut later.op.args, &renamed);
                    if let Some(base) = &mut later.op.base {
                        if let Some(real) = renamed.get(&base.id) {
                            base.id = real.clone();
                        }
                    }
                    let id = outbox_id(later.op.op_id);
                    tx.put_doc(Doc::new(DocKind::SyncOutbox, &id, None, 1, &later)?)?;
                }
            }
            apply_records(tx, &response.records)?;
            for id in &response.removed {
                remove_customer(tx, id)?;
            }
            summary.removed = response.removed.len() as u64;
            Ok(summary)
        })
    }

    /// Applies a page of events: the records they touched as the server holds them now, and
    /// the customers that left the scope removed.
    pub fn apply_pull(&self, response: &PullResponse) -> Result<SyncSummary> {
        self.apply_page(
            &response.records,
            &response.removed,
            response.cursor,
            response.events.len(),
        )
    }

    /// [`Replica::apply_pull`] on the answer as the server sent it (a replica reads the
    /// records; the events it only counts, so a host need not decode them).
    pub fn apply_pull_value(&self, answer: &Value) -> Result<(SyncSummary, bool)> {
        let page: Page = decode(answer)?;
        let summary =
            self.apply_page(&page.records, &page.removed, page.cursor, page.events.len())?;
        Ok((summary, page.more))
    }

    fn apply_page(
        &self,
        records: &Records,
        removed: &[String],
        cursor: u64,
        events: usize,
    ) -> Result<SyncSummary> {
        store::write(self.store.as_ref(), |tx| {
            tx.mirror_writes()?;
            apply_records(tx, records)?;
            for id in removed {
                remove_customer(tx, id)?;
            }
            let mut state = read_state(tx)?;
            state.cursor = Some(cursor);
            write_state(tx, &mut state)?;
            Ok(SyncSummary {
                events: events as u64,
                removed: removed.len() as u64,
                cursor,
                ..SyncSummary::default()
            })
        })
    }

    /// One whole sync against a server reached through `server(op, args)` (an operation of the
    /// table with its named arguments, as `crm serve` takes them): the first snapshot when the
    /// replica has none, every queued operation pushed, then every page of events pulled.
    pub fn sync(
        &self,
        server: &mut dyn FnMut(&str, Value) -> Result<Value>,
    ) -> Result<SyncSummary> {
        let mut summary = SyncSummary::default();
        if self.cursor()?.is_none() {
            let snapshot = decode(&server("sync_snapshot", Value::Object(Default::default()))?)?;
            self.apply_snapshot(snapshot)?;
            summary.snapshot = true;
        }
        loop {
            let ops = self.next_push()?;
            if ops.is_empty() {
                break;
            }
            let args = serde_json::json!({"device_id": self.device_id, "ops": ops});
            let pushed = self.apply_push(&decode(&server("sync_push", args)?)?)?;
            summary.applied += pushed.applied;
            summary.rejected += pushed.rejected;
            summary.conflicts += pushed.conflicts;
            summary.removed += pushed.removed;
        }
        loop {
            let cursor = self.cursor()?.unwrap_or(0);
            let args = serde_json::json!({ "cursor": cursor });
            let (pulled, more) = self.apply_pull_value(&server("sync_pull", args)?)?;
            summary.events += pulled.events;
            summary.removed += pulled.removed;
            if !more || pulled.cursor == cursor {
                break;
            }
        }
        summary.cursor = self.cursor()?.unwrap_or(0);
        Ok(summary)
    }
}

/// Reads a server's answer through the `&Value` deserialiser, the one stored documents are
/// read with (one copy of each record's reader in a WASM build).
pub(crate) fn decode<T: serde::de::DeserializeOwned>(value: &Value) -> Result<T> {
    T::deserialize(value)
        .map_err(|e| CrmError::storage(format!("the server's sync answer is unreadable: {e}")))
}

/// A pull page as a replica reads it: the events counted, not decoded.
#[derive(Deserialize)]
struct Page {
    events: Vec<serde::de::IgnoredAny>,
    records: Records,
    removed: Vec<String>,
    cursor: u64,
    more: bool,
}

fn read_state(tx: &mut dyn Tx) -> Result<State> {
    tx.doc(DocKind::SyncState, STATE)?
        .ok_or_else(|| CrmError::InvalidState {
            reason: "this store holds no replica".into(),
        })?
        .decode()
}

fn write_state(tx: &mut dyn Tx, state: &mut State) -> Result<()> {
    state.version += 1;
    tx.put_doc(Doc::new(
        DocKind::SyncState,
        STATE,
        None,
        state.version,
        &*state,
    )?)
}

fn pending(tx: &mut dyn Tx) -> Result<Vec<Pending>> {
    let mut docs = tx.docs(DocKind::SyncOutbox, None)?;
    docs.sort_by(|a, b| a.id.cmp(&b.id));
    docs.iter().map(Doc::decode).collect()
}

/// Removes a record the replica created offline, by the kind its id names.
fn remove_record(tx: &mut dyn Tx, id: &str) -> Result<()> {
    match id.rsplit_once('-').map(|(p, _)| p) {
        Some("c") => remove_customer(tx, id),
        Some("ct") => tx.delete_contact(id, 0),
        Some("f") => tx.delete_follow_up(id, 0),
        Some("o") => tx.delete_doc(DocKind::Opportunity, id, 0),
        _ => Ok(()),
    }
}

/// Removes a customer and everything the replica holds under it.
fn remove_customer(tx: &mut dyn Tx, id: &str) -> Result<()> {
    remove_children(tx, id, &BTreeSet::new())?;
    tx.delete_customer(id, 0)
}

/// Removes a customer's contacts, follow-ups, opportunities and conflicts except `keep` and
/// the ones made offline and not yet pushed.
fn remove_children(tx: &mut dyn Tx, id: &str, keep: &BTreeSet<&str>) -> Result<()> {
    let gone = |child: &str| !keep.contains(child) && !is_temporary(child);
    for c in tx.contacts_of(id)? {
        if gone(&c.id) {
            tx.delete_contact(&c.id, 0)?;
        }
    }
    for f in tx.follow_ups_of(id)? {
        if gone(&f.id) {
            tx.delete_follow_up(&f.id, 0)?;
        }
    }
    for kind in [DocKind::Opportunity, DocKind::SyncConflict] {
        for doc in tx.docs(kind, Some(id))? {
            if gone(&doc.id) {
                tx.delete_doc(kind, &doc.id, 0)?;
            }
        }
    }
    Ok(())
}

/// Stores the server's records as they are (the transaction mirrors).
fn apply_records(tx: &mut dyn Tx, records: &Records) -> Result<()> {
    if let Some(settings) = &records.settings {
        tx.put_settings(settings)?;
    }
    for user in &records.users {
        tx.put_user(user)?;
    }
    for team in &records.teams {
        tx.put_team(team)?;
    }
    for pool in &records.pools {
        tx.put_doc(Doc::new(DocKind::Pool, &pool.id, None, pool.version, pool)?)?;
    }
    for pipeline in records.pipelines.iter().filter(|p| p.version > 0) {
        tx.put_doc(Doc::new(
            DocKind::Pipeline,
            &pipeline.id,
            None,
            pipeline.version,
            pipeline,
        )?)?;
    }
    // The server's counters replace the replica's (a refused claim counted only locally).
    let user = read_state(tx)?.user_id;
    for doc in tx.docs(DocKind::Counter, Some(&user))? {
        if !records.counters.iter().any(|c| c.id == doc.id) {
            tx.delete_doc(DocKind::Counter, &doc.id, 0)?;
        }
    }
    for counter in &records.counters {
        let owner = counter.id.split('/').nth(1);
        tx.put_doc(Doc::new(
            DocKind::Counter,
            &counter.id,
            owner,
            counter.version,
            &counter.count,
        )?)?;
    }
    for c in &records.pool_customers {
        let held = tx.customer(&c.id)?.is_some();
        tx.put_customer(c)?;
        if held {
            remove_children(tx, &c.id, &BTreeSet::new())?;
        }
        tx.set_dedup_keys(&c.id, &customer_keys(c, &[])?)?;
    }
    // The records' children, whichever customer they are under (ids are unique across customers).
    let keep: BTreeSet<&str> = (records.contacts.iter().map(|x| x.id.as_str()))
        .chain(records.follow_ups.iter().map(|f| f.id.as_str()))
        .chain(records.opportunities.iter().map(|o| o.id.as_str()))
        .chain(records.conflicts.iter().map(|k| k.id.as_str()))
        .collect();
    for c in &records.customers {
        // A customer new to the replica has nothing under it to drop (a first snapshot: every
        // customer), which spares three reads each.
        let held = tx.customer(&c.id)?.is_some();
        tx.put_customer(c)?;
        if held {
            remove_children(tx, &c.id, &keep)?;
        }
    }
    for contact in &records.contacts {
        tx.put_contact(contact)?;
    }
    for follow_up in &records.follow_ups {
        tx.put_follow_up(follow_up)?;
    }
    for o in &records.opportunities {
        tx.put_doc(Doc::new(
            DocKind::Opportunity,
            &o.id,
            Some(&o.customer_id),
            o.version,
            o,
        )?)?;
    }
    for k in &records.conflicts {
        let parent = match k.record_kind {
            EntityKind::Customer => Some(k.record_id.clone()),
            _ => records
                .opportunities
                .iter()
                .find(|o| o.id == k.record_id)
                .map(|o| o.customer_id.clone()),
        };
        tx.put_doc(Doc::new(
            DocKind::SyncConflict,
            &k.id,
            parent.as_deref(),
            k.version,
            k,
        )?)?;
    }
    for c in &records.customers {
        let contacts = tx.contacts_of(&c.id)?;
        tx.set_dedup_keys(&c.id, &customer_keys(c, &contacts)?)?;
    }
    Ok(())
}
