//! The server's side of sync: pushed operations applied exactly once through the operation
//! table, as the authenticated user, with the field-level merge of stale edits; pulls and
//! snapshots of the user's scope; conflict records and their restoring.

pub(crate) mod scope;

use super::{load, Crm};
use crate::api::{self, Args};
use crate::customer::{Customer, CustomerStatus};
use crate::error::{CrmError, EntityKind, Result};
use crate::opportunity::Opportunity;
use crate::store::{Doc, DocKind, Tx};
use crate::sync::merge::{edited_record, pair_ids, rebase, rename, Overwrite};
use crate::sync::recording::{Recording, Writes};
use crate::sync::{
    ConflictState, DeviceOp, OpOutcome, OpStatus, PullResponse, PushResponse, Records, Rejection,
    Snapshot, SyncConflict, SYNC_BATCH, SYNC_OPERATIONS,
};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};

/// What the server keeps of a pushed operation, so a retry gets the same answer.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Receipt {
    status: OpStatus,
    created: Vec<String>,
    rejection: Option<Rejection>,
    conflicts: Vec<SyncConflict>,
}

impl Receipt {
    fn outcome(self, op_id: u64, repeated: bool) -> OpOutcome {
        OpOutcome {
            op_id,
            status: self.status,
            repeated,
            created: self.created,
            rejection: self.rejection,
            conflicts: self.conflicts,
        }
    }
}

/// Errors that say nothing about the operation: the push stops and the device retries later.
fn transient(e: &CrmError) -> bool {
    matches!(
        e,
        CrmError::Storage { .. }
            | CrmError::StorageBusy { .. }
            | CrmError::StorageFull { .. }
            | CrmError::ReadOnly { .. }
    )
}

fn receipt_id(actor: &str, device_id: &str, op_id: u64) -> String {
    format!("{actor}/{device_id}/{op_id:020}")
}

impl Crm {
    /// Applies a device's operations in order, each exactly once: an operation id seen before
    /// is answered from its receipt. Refusals are outcomes, not errors; a storage failure
    /// stops the push (what was applied stays applied, and says so on the retry).
    pub fn sync_push(
        &self,
        actor: &str,
        device_id: &str,
        ops: Vec<DeviceOp>,
    ) -> Result<PushResponse> {
        crate::limits::text("device_id", device_id, crate::limits::ID)?;
        if device_id.trim().is_empty() {
            return Err(CrmError::invalid("device_id", "must not be empty"));
        }
        crate::limits::count("ops", ops.len(), SYNC_BATCH)?;
        self.look(actor, |_| Ok(()))?;
        let mut outcomes = Vec::with_capacity(ops.len());
        let mut named = BTreeSet::new();
        // Offline ids of records created earlier in this push, to the server's.
        let mut renamed = std::collections::BTreeMap::new();
        for mut op in ops {
            rename(&mut op.args, &renamed);
            if let Some(base) = &mut op.base {
                if let Some(real) = renamed.get(&base.id) {
                    base.id = real.clone();
                }
            }
            let outcome = self.push_one(actor, device_id, op.clone())?;
            renamed.extend(pair_ids(&op.created, &outcome.created));
            if outcome.status == OpStatus::Rejected {
                if let Some(id) = self.named_customer(&op)? {
                    named.insert(id);
                }
            }
            outcomes.push(outcome);
        }
        let (records, removed) = self.look(actor, |cx| {
            let scope = scope::Scope::load(cx)?;
            let mut records = Records::default();
            let gone = scope.refresh(cx, &named, &mut records)?;
            Ok((records, gone))
        })?;
        Ok(PushResponse {
            outcomes,
            records,
            removed,
        })
    }

    /// The customer an operation is about, for refreshing a device after a refusal.
    fn named_customer(&self, op: &DeviceOp) -> Result<Option<String>> {
        let text = |key: &str| op.args.get(key).and_then(Value::as_str).map(str::to_string);
        if let Some(id) = text("customer_id") {
            return Ok(Some(id));
        }
        if op.op == "update_customer" {
            return Ok(text("id"));
        }
        match text("opportunity_id") {
            Some(id) => crate::store::read(self.store.as_ref(), |tx| {
                Ok(tx.doc(DocKind::Opportunity, &id)?.and_then(|d| d.parent))
            }),
            None => Ok(None),
        }
    }

    fn push_one(&self, actor: &str, device_id: &str, op: DeviceOp) -> Result<OpOutcome> {
        let key = receipt_id(actor, device_id, op.op_id);
        let stored =
            crate::store::read(self.store.as_ref(), |tx| tx.doc(DocKind::SyncReceipt, &key))?;
        if let Some(doc) = stored {
            return Ok(doc.decode::<Receipt>()?.outcome(op.op_id, true));
        }
        let refuse = |e: CrmError| -> Result<OpOutcome> {
            if transient(&e) {
                return Err(e);
            }
            let receipt = Receipt {
                status: OpStatus::Rejected,
                created: Vec::new(),
                rejection: Some(rejection(&op, &e, self.now())),
                conflicts: Vec::new(),
            };
            let parent = format!("{actor}/{device_id}");
            let stored = crate::store::write(self.store.as_ref(), |tx| {
                if let Some(doc) = tx.doc(DocKind::SyncReceipt, &key)? {
                    return Ok(Some(doc));
                }
                tx.put_doc(Doc::new(
                    DocKind::SyncReceipt,
                    &key,
                    Some(&parent),
                    1,
                    &receipt,
                )?)?;
                Ok(None)
            })?;
            Ok(match stored {
                // A concurrent push of the same operation answered first.
                Some(doc) => doc.decode::<Receipt>()?.outcome(op.op_id, true),
                None => receipt.outcome(op.op_id, false),
            })
        };
        if !SYNC_OPERATIONS.contains(&op.op.as_str()) {
            return refuse(CrmError::invalid(
                "op",
                format!(
                    "{} cannot be synced (it takes: {})",
                    op.op,
                    SYNC_OPERATIONS.join(", ")
                ),
            ));
        }
        let Some(mut args) = op.args.as_object().cloned() else {
            return refuse(CrmError::invalid(
                "args",
                "must be an object of named arguments",
            ));
        };
        let overwrites = match self.merge(actor, &op, &mut args) {
            Ok(overwrites) => overwrites,
            Err(e) => return refuse(e),
        };
        let kept = Arc::new(Mutex::new(Vec::<SyncConflict>::new()));
        let finish = {
            let (actor, device_id, kept) = (actor.to_string(), device_id.to_string(), kept.clone());
            let (op_id, now, key) = (op.op_id, self.now(), key.clone());
            let record = edited_record(&op.op).and_then(|(kind, arg)| {
                let id = args.get(arg).and_then(Value::as_str)?;
                Some((kind, id.to_string()))
            });
            Box::new(move |tx: &mut dyn Tx, created: &[String]| {
                let mut conflicts = Vec::new();
                if let Some((kind, id)) = &record {
                    for (field, kept, lost, seen) in overwrites {
                        let conflict = SyncConflict {
                            id: format!("sc-{}", tx.next_id("sc")?),
                            record_kind: *kind,
                            record_id: id.clone(),
                            field,
                            kept,
                            lost,
                            seen,
                            user_id: actor.clone(),
                            device_id: device_id.clone(),
                            op_id,
                            at: now,
                            state: ConflictState::Open,
                            version: 1,
                        };
                        let customer = conflict_customer(tx, &conflict)?;
                        tx.put_doc(Doc::new(
                            DocKind::SyncConflict,
                            &conflict.id,
                            Some(&customer),
                            1,
                            &conflict,
                        )?)?;
                        conflicts.push(conflict);
                    }
                }
                let receipt = Receipt {
                    status: OpStatus::Applied,
                    created: created.to_vec(),
                    rejection: None,
                    conflicts: conflicts.clone(),
                };
                let parent = format!("{actor}/{device_id}");
                tx.put_doc(Doc::new(
                    DocKind::SyncReceipt,
                    &key,
                    Some(&parent),
                    1,
                    &receipt,
                )?)?;
                *kept.lock().unwrap_or_else(|e| e.into_inner()) = conflicts;
                Ok(())
            }) as crate::sync::recording::Finish
        };
        let recording = Arc::new(Recording::new(
            self.store.clone(),
            0,
            Writes::Allowed(Mutex::new(Some(finish))),
        ));
        let view = Crm {
            store: recording.clone(),
            clock: self.clock.clone(),
        };
        let args = Args::from_map(args);
        match api::answer(&view, &op.op, actor, &args) {
            Ok(_) => {
                if let Some(finish) = recording.take_finish() {
                    // The operation wrote nothing (an edit that changed no field): its receipt
                    // stands alone.
                    crate::store::write(self.store.as_ref(), |tx| finish(tx, &[]))?;
                }
                let conflicts = kept.lock().unwrap_or_else(|e| e.into_inner()).clone();
                Ok(OpOutcome {
                    op_id: op.op_id,
                    status: OpStatus::Applied,
                    repeated: false,
                    created: recording.created(),
                    rejection: None,
                    conflicts,
                })
            }
            Err(CrmError::AlreadyExists {
                kind: EntityKind::SyncOperation,
                ..
            }) => {
                // A concurrent push of the same operation committed first.
                let doc = crate::store::read(self.store.as_ref(), |tx| {
                    tx.doc(DocKind::SyncReceipt, &key)
                })?
                .ok_or_else(|| CrmError::storage("a receipt vanished"))?;
                Ok(doc.decode::<Receipt>()?.outcome(op.op_id, true))
            }
            Err(e) => refuse(e),
        }
    }

    /// Rebases a stale edit on the record's current version; refuses an edit of a merged
    /// customer with the id it lives on as.
    fn merge(
        &self,
        actor: &str,
        op: &DeviceOp,
        args: &mut Map<String, Value>,
    ) -> Result<Vec<Overwrite>> {
        let (Some(base), Some((kind, arg))) = (&op.base, edited_record(&op.op)) else {
            return Ok(Vec::new());
        };
        let id = args
            .get(arg)
            .and_then(Value::as_str)
            .ok_or_else(|| CrmError::invalid(arg, "is missing"))?
            .to_string();
        if id != base.id {
            return Err(CrmError::invalid(
                "base.id",
                format!("names {} but the operation edits {id}", base.id),
            ));
        }
        let (current, version) = match kind {
            EntityKind::Customer => {
                let c: Customer = self.customer(actor, &id)?;
                if c.status == CustomerStatus::Merged {
                    return Err(CrmError::InvalidState {
                        reason: format!(
                            "customer {id} was merged into {}; edit that one",
                            c.merged_into.clone().unwrap_or_default()
                        ),
                    });
                }
                (
                    serde_json::to_value(&c).map_err(CrmError::storage)?,
                    c.version,
                )
            }
            _ => {
                let o: Opportunity = self.opportunity(actor, &id)?;
                (
                    serde_json::to_value(&o).map_err(CrmError::storage)?,
                    o.version,
                )
            }
        };
        if version == base.version {
            return Ok(Vec::new());
        }
        Ok(rebase(args, &base.fields, &current, version))
    }

    /// A page of the events after `cursor` that the actor's scope may see, with the records
    /// they touched and the customers that left the scope.
    pub fn sync_pull(&self, actor: &str, cursor: u64, limit: Option<u32>) -> Result<PullResponse> {
        let limit = limit.map_or(SYNC_BATCH, |l| l as usize);
        if limit == 0 || limit > SYNC_BATCH {
            return Err(CrmError::invalid(
                "limit",
                format!("must be from 1 to {SYNC_BATCH}"),
            ));
        }
        self.look(actor, |cx| scope::pull(cx, cursor, limit))
    }

    /// The actor's whole scope and the cursor to pull from: a new device's first sync.
    pub fn sync_snapshot(&self, actor: &str) -> Result<Snapshot> {
        self.look(actor, scope::snapshot)
    }

    /// The open conflicts on customers in the actor's scope, oldest first.
    pub fn sync_conflicts(&self, actor: &str) -> Result<Vec<SyncConflict>> {
        self.look(actor, |cx| {
            let mut open: Vec<SyncConflict> = super::scoped_docs(cx, DocKind::SyncConflict)?;
            open.retain(|c| c.state == ConflictState::Open);
            Ok(open)
        })
    }

    /// Puts a conflict's lost value back (an edit like any other, with its event) and marks the
    /// conflict restored, in one transaction.
    pub fn restore_conflict(
        &self,
        actor: &str,
        id: &str,
        expected_version: u64,
    ) -> Result<SyncConflict> {
        let conflict: SyncConflict = self.look(actor, |cx| {
            let (conflict, _) = super::scoped_doc::<SyncConflict>(cx, DocKind::SyncConflict, id)?;
            super::check_expected(
                EntityKind::SyncConflict,
                id,
                expected_version,
                conflict.version,
            )?;
            Ok(conflict)
        })?;
        if conflict.state != ConflictState::Open {
            return Err(CrmError::InvalidState {
                reason: format!("conflict {id} was already restored"),
            });
        }
        let patch = restoring_patch(&conflict)?;
        let mut restored = conflict.clone();
        restored.state = ConflictState::Restored;
        restored.version += 1;
        let saved = restored.clone();
        let finish: crate::sync::recording::Finish = Box::new(move |tx, _| {
            let customer = conflict_customer(tx, &saved)?;
            let stored: SyncConflict = load(tx, DocKind::SyncConflict, &saved.id)?;
            super::check_expected(
                EntityKind::SyncConflict,
                &saved.id,
                saved.version - 1,
                stored.version,
            )?;
            tx.put_doc(Doc::new(
                DocKind::SyncConflict,
                &saved.id,
                Some(&customer),
                saved.version,
                &saved,
            )?)
        });
        let view = Crm {
            store: Arc::new(Recording::new(
                self.store.clone(),
                0,
                Writes::Allowed(Mutex::new(Some(finish))),
            )),
            clock: self.clock.clone(),
        };
        match conflict.record_kind {
            EntityKind::Customer => {
                let version = self.customer(actor, &conflict.record_id)?.version;
                view.update_customer(
                    actor,
                    &conflict.record_id,
                    version,
                    serde_json::from_value(patch)
                        .map_err(|e| CrmError::invalid("field", e.to_string()))?,
                )?;
            }
            _ => {
                let version = self.opportunity(actor, &conflict.record_id)?.version;
                view.update_opportunity(
                    actor,
                    &conflict.record_id,
                    version,
                    serde_json::from_value(patch)
                        .map_err(|e| CrmError::invalid("field", e.to_string()))?,
                )?;
            }
        }
        Ok(restored)
    }
}

/// The patch that sets a conflict's field back to its lost value.
fn restoring_patch(conflict: &SyncConflict) -> Result<Value> {
    let field = conflict.field.as_str();
    Ok(match field.split_once('.') {
        Some(("custom_fields", name)) => {
            serde_json::json!({"custom_fields": {name: conflict.lost}})
        }
        Some(_) => {
            return Err(CrmError::invalid(
                "field",
                format!("{field} cannot be restored"),
            ))
        }
        None if field == "stage" => {
            return Err(CrmError::InvalidState {
                reason: "a stage is put back by moving the opportunity".into(),
            })
        }
        None if field == "level" && conflict.lost.is_null() => {
            serde_json::json!({"clear_level": true})
        }
        None => serde_json::json!({ field: conflict.lost }),
    })
}

/// The customer a conflict's record belongs to (its parent in the conflict list).
fn conflict_customer(tx: &mut dyn Tx, conflict: &SyncConflict) -> Result<String> {
    Ok(match conflict.record_kind {
        EntityKind::Customer => conflict.record_id.clone(),
        _ => tx
            .doc(DocKind::Opportunity, &conflict.record_id)?
            .and_then(|d| d.parent)
            .unwrap_or_default(),
    })
}

fn rejection(op: &DeviceOp, e: &CrmError, at: chrono::DateTime<chrono::Utc>) -> Rejection {
    // The details in the core's spelling on every surface (not the WASM build's camelCase):
    // a device shows them as the server sent them.
    let details = serde_json::to_value(e)
        .ok()
        .and_then(|v| v.get("details").cloned())
        .unwrap_or(Value::Object(Default::default()));
    Rejection {
        op_id: op.op_id,
        op: op.op.clone(),
        args: op.args.clone(),
        code: e.code().to_string(),
        message: e.to_string(),
        details,
        at,
    }
}
