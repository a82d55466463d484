//! Reverting an import: the records it created are deleted and the fields it updated restored,
//! unless they changed since (those are reported, not touched). Later rows are undone first, so
//! a record two rows of the file touched comes back to what it was before the file.

use super::super::Crm;
use super::apply::{save_contact, save_lead_change};
use super::{batches, own_job, save_job, Change, FieldChange};
use crate::customer::dedup::customer_keys;
use crate::customer::{Contact, Customer, CustomerStatus};
use crate::error::{CrmError, Result};
use crate::event::EventKind;
use crate::import::{ImportKind, ImportState, RevertReport, RevertSkip};
use crate::lead::{Lead, LeadStatus};
use crate::store::DocKind;
use serde_json::Value;

impl Crm {
    /// Undoes an import (running or completed) in one transaction.
    pub fn revert_import(&self, actor: &str, job_id: &str) -> Result<RevertReport> {
        self.act(actor, |cx| {
            let mut job = own_job(cx, job_id)?;
            if !matches!(job.state, ImportState::Running | ImportState::Completed) {
                return Err(CrmError::InvalidState {
                    reason: format!("import {job_id} is {:?}: nothing to revert", job.state)
                        .to_lowercase(),
                });
            }
            let mut records: Vec<(String, Vec<Change>)> = Vec::new();
            let mut at = std::collections::HashMap::new();
            for batch in batches(cx, job_id)? {
                for change in batch.changes {
                    let slot = *at.entry(change.record.clone()).or_insert_with(|| {
                        records.push((change.record.clone(), Vec::new()));
                        records.len() - 1
                    });
                    records[slot].1.push(change);
                }
            }
            let mut report = RevertReport {
                job: job.clone(),
                deleted: Vec::new(),
                restored: Vec::new(),
                skipped: Vec::new(),
            };
            let why = format!("import {job_id} reverted");
            for (id, changes) in records.into_iter().rev() {
                let created = changes.first().is_some_and(|c| c.created);
                let last_version = changes.last().map_or(0, |c| c.version);
                let skip = |reason: &str| RevertSkip {
                    record_id: id.clone(),
                    field: None,
                    reason: reason.to_string(),
                };
                match job.mapping.kind {
                    ImportKind::Customers => {
                        let Some(c) = cx.tx.customer(&id)? else {
                            report.skipped.push(skip("no longer exists"));
                            continue;
                        };
                        if created {
                            if c.version != last_version || c.status != CustomerStatus::Active {
                                report.skipped.push(skip("changed since the import"));
                            } else if !cx.tx.contacts_of(&id)?.is_empty() {
                                report
                                    .skipped
                                    .push(skip("has contacts added since the import"));
                            } else {
                                cx.tx.delete_customer(&id, c.version)?;
                                cx.emit(
                                    EventKind::CustomerDeleted {
                                        customer_id: id.clone(),
                                        import_id: job_id.to_string(),
                                    },
                                    why.clone(),
                                )?;
                                report.deleted.push(id);
                            }
                            continue;
                        }
                        let (mut c, fields) =
                            restored::<Customer>(&c, &changes, &mut report.skipped)?;
                        if !fields.is_empty() {
                            c.version += 1;
                            c.updated_at = cx.now;
                            cx.save_customer(&mut c)?;
                            let contacts = cx.tx.contacts_of(&c.id)?;
                            cx.tx
                                .set_dedup_keys(&c.id, &customer_keys(&c, &contacts)?)?;
                            cx.emit(
                                EventKind::CustomerUpdated {
                                    customer_id: c.id.clone(),
                                    fields,
                                },
                                why.clone(),
                            )?;
                            report.restored.push(id);
                        }
                    }
                    ImportKind::Contacts => {
                        let Some(contact) = cx.tx.contact(&id)? else {
                            report.skipped.push(skip("no longer exists"));
                            continue;
                        };
                        let customer = cx.tx.customer(&contact.customer_id)?;
                        if created {
                            if contact.version != last_version {
                                report.skipped.push(skip("changed since the import"));
                                continue;
                            }
                            cx.tx.delete_contact(&id, contact.version)?;
                            if let Some(customer) = &customer {
                                cx.rekey(customer)?;
                            }
                            cx.emit(
                                EventKind::ContactDeleted {
                                    customer_id: contact.customer_id.clone(),
                                    contact_id: id.clone(),
                                    import_id: job_id.to_string(),
                                },
                                why.clone(),
                            )?;
                            report.deleted.push(id);
                            continue;
                        }
                        let Some(customer) = customer else {
                            report.skipped.push(skip("its customer no longer exists"));
                            continue;
                        };
                        let (mut contact, fields) =
                            restored::<Contact>(&contact, &changes, &mut report.skipped)?;
                        if !fields.is_empty() {
                            contact.version += 1;
                            save_contact(cx, &customer, &contact, fields, &why)?;
                            report.restored.push(id);
                        }
                    }
                    ImportKind::Leads => {
                        let Some(doc) = cx.tx.doc(DocKind::Lead, &id)? else {
                            report.skipped.push(skip("no longer exists"));
                            continue;
                        };
                        let lead: Lead = doc.decode()?;
                        if lead.status != LeadStatus::Open {
                            report.skipped.push(skip("converted since the import"));
                            continue;
                        }
                        if created {
                            if lead.version != last_version {
                                report.skipped.push(skip("changed since the import"));
                                continue;
                            }
                            cx.tx.delete_doc(DocKind::Lead, &id, lead.version)?;
                            cx.emit(
                                EventKind::LeadDeleted {
                                    lead_id: id.clone(),
                                    import_id: job_id.to_string(),
                                },
                                why.clone(),
                            )?;
                            report.deleted.push(id);
                            continue;
                        }
                        let (mut lead, fields) =
                            restored::<Lead>(&lead, &changes, &mut report.skipped)?;
                        if !fields.is_empty() {
                            save_lead_change(cx, &mut lead, fields, &why)?;
                            report.restored.push(id);
                        }
                    }
                }
            }
            job.state = ImportState::Reverted;
            job.reverted_at = Some(cx.now);
            job.version += 1;
            save_job(cx, &job)?;
            cx.emit(
                EventKind::ImportReverted {
                    import_id: job_id.to_string(),
                },
                format!(
                    "{} deleted, {} restored, {} left as they were",
                    report.deleted.len(),
                    report.restored.len(),
                    report.skipped.len()
                ),
            )?;
            report.job = job;
            Ok(report)
        })
    }
}

/// The record with each imported field set back to its value before the import, where it still
/// holds what the import wrote; returns the top-level fields restored.
fn restored<T>(
    record: &T,
    changes: &[Change],
    skipped: &mut Vec<RevertSkip>,
) -> Result<(T, Vec<String>)>
where
    T: serde::Serialize + serde::de::DeserializeOwned,
{
    let mut json = serde_json::to_value(record).map_err(CrmError::storage)?;
    let id = json["id"].as_str().unwrap_or_default().to_string();
    let mut fields: Vec<String> = Vec::new();
    for change in changes.iter().rev() {
        for FieldChange {
            field,
            before,
            after,
        } in change.fields.iter().rev()
        {
            let (top, key) = field
                .split_once('.')
                .map_or((field.as_str(), None), |(t, k)| (t, Some(k)));
            let slot = match key {
                None => json.get_mut(top),
                Some(key) => {
                    let map = json.get_mut(top).and_then(Value::as_object_mut);
                    match map {
                        Some(map) => {
                            if !map.contains_key(key) {
                                map.insert(key.to_string(), Value::Null);
                            }
                            map.get_mut(key)
                        }
                        None => None,
                    }
                }
            };
            let Some(slot) = slot else { continue };
            if slot == after {
                *slot = before.clone();
                if !fields.iter().any(|f| f == top) {
                    fields.push(top.to_string());
                }
            } else {
                skipped.push(RevertSkip {
                    record_id: id.clone(),
                    field: Some(field.clone()),
                    reason: "changed since the import".into(),
                });
            }
        }
    }
    if let Some(map) = json.get_mut("custom_fields").and_then(Value::as_object_mut) {
        map.retain(|_, v| !v.is_null());
    }
    let record = serde_json::from_value(json).map_err(CrmError::storage)?;
    Ok((record, fields))
}
