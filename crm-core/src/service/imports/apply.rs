//! One row applied: matched against stored records by the chosen fields (with the duplicate
//! rules of entry), then created or updated through the entry functions, or refused.

use super::super::customers::{enter_customer, entry_owner, patch_customer};
use super::super::duplicates::find_matches;
use super::super::leads::{enter_lead, save_lead, scoped_lead};
use super::super::records::enter_contact;
use super::super::Ctx;
use super::{Change, Decided, FieldChange, Run};
use crate::customer::dedup::{email_key, name_key, phone_key};
use crate::customer::normalize::normalize_name;
use crate::customer::{
    Contact, Customer, CustomerPatch, CustomerStatus, DuplicateProbe, NewContact, NewCustomer,
};
use crate::error::{CrmError, Result};
use crate::event::EventKind;
use crate::import::targets::{Draft, Target};
use crate::import::{
    ImportKind, ImportMode, InFileDuplicates, MatchKey, RowAction, RowError, RowOutcome,
};
use crate::lead::{Lead, LeadStatus, NewLead};
use crate::limits::Bounded;
use crate::store::DocKind;
use serde::Serialize;
use serde_json::Value;
use std::collections::HashMap;

/// Existing leads by normalised phone, email and name key, built once per run (leads have no
/// store index of their own) and kept current as the run creates leads.
pub(super) struct LeadIndex(HashMap<String, Vec<String>>);

impl LeadIndex {
    fn load(cx: &mut Ctx<'_>) -> Result<LeadIndex> {
        let mut index = LeadIndex(HashMap::new());
        for doc in cx.tx.docs(DocKind::Lead, None)? {
            let lead: Lead = doc.decode()?;
            index.add(&lead);
        }
        Ok(index)
    }

    fn add(&mut self, lead: &Lead) {
        for key in lead_keys(lead) {
            let ids = self.0.entry(key).or_default();
            if !ids.contains(&lead.id) {
                ids.push(lead.id.clone());
            }
        }
    }

    fn find(&self, key: &str) -> &[String] {
        self.0.get(key).map_or(&[], Vec::as_slice)
    }
}

fn lead_keys(lead: &Lead) -> Vec<String> {
    let mut keys = vec![name_key(&lead.name)];
    keys.extend(lead.phones.iter().filter_map(|p| phone_key(p).ok()));
    keys.extend(lead.emails.iter().filter_map(|e| email_key(e).ok()));
    keys
}

/// What matching found.
enum Found {
    None,
    One(String, String),
    Ambiguous(Vec<String>),
}

/// Errors that end the batch (the store failed) rather than the row.
fn is_fatal(e: &CrmError) -> bool {
    matches!(
        e,
        CrmError::Storage { .. }
            | CrmError::StorageBusy { .. }
            | CrmError::StorageFull { .. }
            | CrmError::ReadOnly { .. }
            | CrmError::VersionConflict { .. }
    )
}

pub(super) fn row(cx: &mut Ctx<'_>, run: &mut Run, row: u64, draft: Draft) -> Result<Decided> {
    match decide_row(cx, run, row, draft) {
        Ok(decided) => Ok(decided),
        Err(e) if is_fatal(&e) => Err(e),
        Err(e) => Ok(Decided {
            outcome: refused(run, e),
            change: None,
        }),
    }
}

/// A refusal of the entry rules as the row's error, naming the column when the rule names a field.
fn refused(run: &Run, e: CrmError) -> RowOutcome {
    let field = match &e {
        CrmError::InvalidInput { field, .. } => column_of(run, field),
        CrmError::InvalidPhone { .. } => column_of(run, "phones"),
        CrmError::InvalidEmail { .. } => column_of(run, "emails"),
        _ => None,
    };
    row_error(e.code(), field, e.to_string()).outcome
}

fn column_of(run: &Run, field: &str) -> Option<String> {
    let target = match field.split(['.', '[']).next().unwrap_or(field) {
        "name" => Target::Name,
        "phones" => Target::Phones,
        "emails" => Target::Emails,
        "owner_id" => Target::OwnerId,
        "pool_id" => Target::PoolId,
        "tags" | "add_tags" => Target::Tags,
        "level" => Target::Level,
        "source" => Target::Source,
        "industry" => Target::Industry,
        "region" => Target::Region,
        "role" => Target::Role,
        "campaign_id" => Target::CampaignId,
        "customer" => Target::Customer,
        "customer_id" => Target::CustomerId,
        _ => return None,
    };
    run.plan
        .columns
        .iter()
        .find(|(_, _, t)| *t == target)
        .map(|(_, c, _)| c.clone())
}

fn plain(action: RowAction, record: &str, fields: Vec<String>, note: Option<String>) -> RowOutcome {
    RowOutcome {
        row: 0,
        line: None,
        action,
        record_id: Some(record.to_string()),
        fields,
        note,
        errors: Vec::new(),
    }
}

fn decide_row(cx: &mut Ctx<'_>, run: &mut Run, row: u64, draft: Draft) -> Result<Decided> {
    let found = match run.plan.kind {
        ImportKind::Customers => match_customer(cx, run, &draft)?,
        ImportKind::Contacts => match_contact(cx, run, &draft)?,
        ImportKind::Leads => match_lead(cx, run, &draft)?,
    };
    let mode = run.mapping.mode;
    let target = match found {
        Found::Ambiguous(ids) => {
            return Ok(row_error(
                "AMBIGUOUS_MATCH",
                None,
                format!(
                    "the row matches several records ({}); match on fewer fields or by id",
                    ids.join(", ")
                ),
            ))
        }
        Found::None if mode == ImportMode::Update => {
            return Ok(row_error(
                "NOT_FOUND",
                None,
                "no stored record matches the row (update mode creates nothing)".into(),
            ))
        }
        Found::None => None,
        Found::One(id, why) => {
            if let Some(&first) = run.touched.get(&id) {
                if run.mapping.in_file_duplicates == InFileDuplicates::Error {
                    return Ok(row_error(
                        "DUPLICATE_IN_FILE",
                        None,
                        format!("row {first} of this file is the same record ({id}, {why})"),
                    ));
                }
                Some((id, Some(format!("same record as row {first} ({why})"))))
            } else if mode == ImportMode::Create {
                let outcome = plain(
                    RowAction::Duplicate,
                    &id,
                    Vec::new(),
                    Some(format!("matches {id} ({why}); create mode leaves it")),
                );
                return Ok(Decided {
                    outcome,
                    change: None,
                });
            } else {
                Some((id, None))
            }
        }
    };
    let decided = match (run.plan.kind, target) {
        (ImportKind::Customers, None) => create_customer(cx, row, draft)?,
        (ImportKind::Customers, Some((id, note))) => {
            update_customer(cx, run, row, &id, draft, note)?
        }
        (ImportKind::Contacts, None) => create_contact(cx, row, draft)?,
        (ImportKind::Contacts, Some((id, note))) => update_contact(cx, row, &id, draft, note)?,
        (ImportKind::Leads, None) => create_lead(cx, run, row, draft)?,
        (ImportKind::Leads, Some((id, note))) => update_lead(cx, run, row, &id, draft, note)?,
    };
    if let Some(id) = &decided.outcome.record_id {
        run.touched.entry(id.clone()).or_insert(row);
    }
    Ok(decided)
}

fn row_error(code: &str, field: Option<String>, message: String) -> Decided {
    Decided {
        outcome: RowOutcome {
            row: 0,
            line: None,
            action: RowAction::Failed,
            record_id: None,
            fields: Vec::new(),
            note: None,
            errors: vec![RowError {
                row: 0,
                line: None,
                field,
                code: code.to_string(),
                message,
                raw: None,
            }],
        },
        change: None,
    }
}

fn wants(run: &Run, key: MatchKey) -> bool {
    run.plan.match_on.contains(&key)
}

/// One id, or none, or several: the strongest evidence decides (id, then exact phone or email
/// keys, then the most similar name).
fn choose(mut exact: Vec<(String, String)>, names: Vec<(String, String, f64)>) -> Found {
    exact.sort();
    exact.dedup_by(|a, b| a.0 == b.0);
    match exact.len() {
        1 => return Found::One(exact[0].0.clone(), exact[0].1.clone()),
        n if n > 1 => return Found::Ambiguous(exact.into_iter().map(|e| e.0).collect()),
        _ => {}
    }
    let best = names.iter().map(|n| n.2).fold(f64::MIN, f64::max);
    let top: Vec<&(String, String, f64)> = names.iter().filter(|n| n.2 == best).collect();
    match top.len() {
        0 => Found::None,
        1 => Found::One(top[0].0.clone(), top[0].1.clone()),
        _ => Found::Ambiguous(top.into_iter().map(|n| n.0.clone()).collect()),
    }
}

fn match_customer(cx: &mut Ctx<'_>, run: &Run, d: &Draft) -> Result<Found> {
    if wants(run, MatchKey::Id) {
        if let Some(id) = &d.id {
            let live = cx
                .tx
                .customer(id)?
                .filter(|c| c.status == CustomerStatus::Active);
            return Ok(match live {
                Some(c) => Found::One(c.id, "same id".into()),
                None => Found::None,
            });
        }
    }
    let probe = DuplicateProbe {
        name: None,
        phones: if wants(run, MatchKey::Phone) {
            d.phones.clone().unwrap_or_default()
        } else {
            Vec::new()
        },
        emails: if wants(run, MatchKey::Email) {
            d.emails.clone().unwrap_or_default()
        } else {
            Vec::new()
        },
    };
    let exact: Vec<(String, String)> = if probe.phones.is_empty() && probe.emails.is_empty() {
        Vec::new()
    } else {
        find_matches(cx.tx, &probe, run.threshold, &[])?
            .into_iter()
            .map(|m| {
                (
                    m.customer_id,
                    format!("{:?} {}", m.matched_on, m.matched_value).to_lowercase(),
                )
            })
            .collect()
    };
    let mut names = Vec::new();
    if exact.is_empty() && wants(run, MatchKey::Name) {
        if let Some(name) = &d.name {
            let probe = DuplicateProbe {
                name: Some(name.clone()),
                ..DuplicateProbe::default()
            };
            for m in find_matches(cx.tx, &probe, run.threshold, &[])? {
                names.push((
                    m.customer_id,
                    format!("name {}", m.matched_value),
                    m.similarity,
                ));
            }
        }
    }
    Ok(choose(exact, names))
}

fn create_customer(cx: &mut Ctx<'_>, row: u64, d: Draft) -> Result<Decided> {
    let new = NewCustomer {
        name: d.name.unwrap_or_default(),
        kind: d.kind,
        level: d.level,
        tags: d.tags.unwrap_or_default(),
        source: d.source,
        industry: d.industry,
        region: d.region,
        phones: d.phones.unwrap_or_default(),
        emails: d.emails.unwrap_or_default(),
        owner_id: d.owner_id,
        pool_id: d.pool_id,
        custom_fields: d.custom,
        opt_outs: d.opt_outs.unwrap_or_default(),
        campaign_id: d.campaign_id,
    };
    new.check_bounds()?;
    let owner = entry_owner(cx, new.owner_id.as_deref(), new.pool_id.as_deref())?;
    let created = enter_customer(cx, new, owner)?;
    let c = created.customer;
    let note = (!created.duplicates.is_empty()).then(|| {
        let ids: Vec<&str> = created
            .duplicates
            .iter()
            .map(|m| m.customer_id.as_str())
            .collect();
        format!(
            "created; possible duplicates by the entry policy: {}",
            ids.join(", ")
        )
    });
    Ok(created_change(row, &c.id, c.version, note))
}

fn created_change(row: u64, id: &str, version: u64, note: Option<String>) -> Decided {
    Decided {
        outcome: plain(RowAction::Created, id, Vec::new(), note),
        change: Some(Change {
            row,
            record: id.to_string(),
            created: true,
            version,
            fields: Vec::new(),
        }),
    }
}

/// The fields that differ between two versions of a record (custom fields one by one).
pub(super) fn diff<T: Serialize>(
    before: &T,
    after: &T,
    fields: &[String],
) -> Result<Vec<FieldChange>> {
    let b = serde_json::to_value(before).map_err(CrmError::storage)?;
    let a = serde_json::to_value(after).map_err(CrmError::storage)?;
    let mut out = Vec::new();
    for field in fields {
        if field == "custom_fields" {
            let empty = serde_json::Map::new();
            let bm = b[field].as_object().unwrap_or(&empty);
            let am = a[field].as_object().unwrap_or(&empty);
            let mut keys: Vec<&String> = bm.keys().chain(am.keys()).collect();
            keys.sort();
            keys.dedup();
            for key in keys {
                let (bv, av) = (
                    bm.get(key).cloned().unwrap_or(Value::Null),
                    am.get(key).cloned().unwrap_or(Value::Null),
                );
                if bv != av {
                    out.push(FieldChange {
                        field: format!("custom_fields.{key}"),
                        before: bv,
                        after: av,
                    });
                }
            }
        } else if b[field] != a[field] {
            out.push(FieldChange {
                field: field.clone(),
                before: b[field].clone(),
                after: a[field].clone(),
            });
        }
    }
    Ok(out)
}

fn updated_change<T: Serialize>(
    row: u64,
    id: &str,
    version: u64,
    before: &T,
    after: &T,
    fields: Vec<String>,
    note: Option<String>,
) -> Result<Decided> {
    if fields.is_empty() {
        return Ok(Decided {
            outcome: plain(RowAction::Unchanged, id, fields, note),
            change: None,
        });
    }
    let changes = diff(before, after, &fields)?;
    Ok(Decided {
        outcome: plain(RowAction::Updated, id, fields, note),
        change: Some(Change {
            row,
            record: id.to_string(),
            created: false,
            version,
            fields: changes,
        }),
    })
}

/// Owners and pools change by transfer, assignment and release, with their rules and history.
fn refuse_owner_change(
    run: &Run,
    now: (&Option<String>, &Option<String>),
    d: &Draft,
) -> Result<()> {
    for (wanted, current, target, what) in [
        (&d.owner_id, now.0, Target::OwnerId, "owner"),
        (&d.pool_id, now.1, Target::PoolId, "pool"),
    ] {
        if wanted.is_some() && wanted != current {
            let column = run
                .plan
                .columns
                .iter()
                .find(|(_, _, t)| *t == target)
                .map(|(_, c, _)| c.clone());
            return Err(CrmError::invalid(
                column.unwrap_or_else(|| what.to_string()),
                format!(
                    "an import does not change the {what}; transfer or move the record instead"
                ),
            ));
        }
    }
    Ok(())
}

/// Phones or emails that are the stored ones in another spelling (`+8613800138000` for
/// `138 0013 8000`) are no change: the stored spelling stays.
fn same_points(new: &mut Option<Vec<String>>, stored: &[String], key: fn(&str) -> Result<String>) {
    let keys = |list: &[String]| -> Option<Vec<String>> {
        let mut keys: Vec<String> = list.iter().map(|v| key(v).ok()).collect::<Option<_>>()?;
        keys.sort();
        keys.dedup();
        Some(keys)
    };
    if let Some(list) = new {
        if keys(list).is_some() && keys(list) == keys(stored) {
            *new = None;
        }
    }
}

fn update_customer(
    cx: &mut Ctx<'_>,
    run: &Run,
    row: u64,
    id: &str,
    mut d: Draft,
    note: Option<String>,
) -> Result<Decided> {
    let before = cx.customer(id)?;
    same_points(&mut d.phones, &before.phones, phone_key);
    same_points(&mut d.emails, &before.emails, email_key);
    refuse_owner_change(run, (&before.owner_id, &before.pool_id), &d)?;
    let (add_tags, remove_tags) = match &d.tags {
        Some(tags) => (
            tags.clone(),
            before
                .tags
                .iter()
                .filter(|t| !tags.contains(t))
                .cloned()
                .collect(),
        ),
        None => (Vec::new(), Vec::new()),
    };
    let patch = CustomerPatch {
        name: d.name,
        kind: d.kind,
        level: d.level,
        clear_level: false,
        add_tags,
        remove_tags,
        source: d.source,
        industry: d.industry,
        region: d.region,
        phones: d.phones,
        emails: d.emails,
        custom_fields: d.custom.into_iter().map(|(k, v)| (k, Some(v))).collect(),
        opt_outs: d.opt_outs,
    };
    patch.check_bounds()?;
    let (after, fields) = patch_customer(cx, before.clone(), patch)?;
    updated_change(row, id, after.version, &before, &after, fields, note)
}

/// The customer a contact row belongs to: by id, or by a phone, email or exact name.
fn contact_customer(cx: &mut Ctx<'_>, d: &Draft) -> Result<Option<Customer>> {
    if let Some(id) = &d.customer_id {
        return cx.customer(id).map(Some);
    }
    let Some(reference) = &d.customer else {
        return Ok(None);
    };
    let mut keys = vec![name_key(reference)];
    keys.extend(phone_key(reference).ok());
    keys.extend(email_key(reference).ok());
    let mut ids = Vec::new();
    for key in keys {
        for id in cx.tx.customers_by_dedup_key(&key)? {
            if !ids.contains(&id) {
                ids.push(id);
            }
        }
    }
    let mut live = Vec::new();
    for id in ids {
        if let Some(c) = cx
            .tx
            .customer(&id)?
            .filter(|c| c.status == CustomerStatus::Active)
        {
            live.push(c);
        }
    }
    match live.len() {
        0 => Err(CrmError::invalid(
            "customer",
            format!("no customer is named or reached by {reference}"),
        )),
        1 => {
            let id = live[0].id.clone();
            cx.customer(&id).map(Some)
        }
        _ => Err(CrmError::invalid(
            "customer",
            format!(
                "{reference} names several customers ({}); use customer_id",
                live.iter()
                    .map(|c| c.id.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        )),
    }
}

fn match_contact(cx: &mut Ctx<'_>, run: &Run, d: &Draft) -> Result<Found> {
    if wants(run, MatchKey::Id) {
        if let Some(id) = &d.id {
            return Ok(match cx.tx.contact(id)? {
                Some(c) => Found::One(c.id, "same id".into()),
                None => Found::None,
            });
        }
    }
    let customer = contact_customer(cx, d)?;
    let Some(customer) = customer else {
        return Ok(Found::None);
    };
    let phones: Vec<String> = d
        .phones
        .iter()
        .flatten()
        .filter_map(|p| phone_key(p).ok())
        .collect();
    let emails: Vec<String> = d
        .emails
        .iter()
        .flatten()
        .filter_map(|e| email_key(e).ok())
        .collect();
    let name = d.name.as_deref().map(normalize_name);
    let mut exact = Vec::new();
    let mut names = Vec::new();
    for c in cx.tx.contacts_of(&customer.id)? {
        if wants(run, MatchKey::Phone)
            && c.phones
                .iter()
                .filter_map(|p| phone_key(p).ok())
                .any(|k| phones.contains(&k))
        {
            exact.push((c.id.clone(), "phone".to_string()));
        }
        if wants(run, MatchKey::Email)
            && c.emails
                .iter()
                .filter_map(|e| email_key(e).ok())
                .any(|k| emails.contains(&k))
        {
            exact.push((c.id.clone(), "email".to_string()));
        }
        if wants(run, MatchKey::Name) && name.as_deref() == Some(normalize_name(&c.name).as_str()) {
            names.push((
                c.id.clone(),
                format!("name {} at {}", c.name, customer.id),
                1.0,
            ));
        }
    }
    Ok(choose(exact, names))
}

fn create_contact(cx: &mut Ctx<'_>, row: u64, d: Draft) -> Result<Decided> {
    let customer = contact_customer(cx, &d)?.ok_or_else(|| {
        CrmError::invalid(
            "customer",
            "the row names no customer (customer_id or customer)",
        )
    })?;
    let new = NewContact {
        name: d.name.clone().unwrap_or_default(),
        phones: d.phones.unwrap_or_default(),
        emails: d.emails.unwrap_or_default(),
        role: d.role,
        opt_outs: d.opt_outs.unwrap_or_default(),
    };
    new.check_bounds()?;
    let name = super::super::non_empty("name", &new.name)?;
    let contact = enter_contact(cx, &customer, name, new)?;
    Ok(created_change(row, &contact.id, contact.version, None))
}

fn update_contact(
    cx: &mut Ctx<'_>,
    row: u64,
    id: &str,
    mut d: Draft,
    note: Option<String>,
) -> Result<Decided> {
    let before = cx
        .tx
        .contact(id)?
        .ok_or_else(|| CrmError::not_found(crate::error::EntityKind::Contact, id))?;
    same_points(&mut d.phones, &before.phones, phone_key);
    same_points(&mut d.emails, &before.emails, email_key);
    let customer = cx.customer(&before.customer_id)?;
    let mut after = before.clone();
    let mut fields = Vec::new();
    if let Some(name) = d.name.filter(|n| *n != after.name) {
        after.name = name;
        fields.push("name".to_string());
    }
    if let Some(phones) = d.phones.filter(|p| *p != after.phones) {
        after.phones = phones;
        fields.push("phones".to_string());
    }
    if let Some(emails) = d.emails.filter(|e| *e != after.emails) {
        after.emails = emails;
        fields.push("emails".to_string());
    }
    if d.role.is_some() && d.role != after.role {
        after.role = d.role;
        fields.push("role".to_string());
    }
    if let Some(opt_outs) = d
        .opt_outs
        .map(crate::campaign::channels)
        .filter(|o| *o != after.opt_outs)
    {
        after.opt_outs = opt_outs;
        fields.push("opt_outs".to_string());
    }
    let check = NewContact {
        name: after.name.clone(),
        phones: after.phones.clone(),
        emails: after.emails.clone(),
        role: after.role.clone(),
        opt_outs: Vec::new(),
    };
    check.check_bounds()?;
    if !fields.is_empty() {
        after.version += 1;
        save_contact(cx, &customer, &after, fields.clone(), "updated by import")?;
    }
    updated_change(row, id, after.version, &before, &after, fields, note)
}

/// Writes a changed contact, re-keys its customer and records the change.
pub(super) fn save_contact(
    cx: &mut Ctx<'_>,
    customer: &Customer,
    contact: &Contact,
    fields: Vec<String>,
    why: &str,
) -> Result<()> {
    cx.tx.put_contact(contact)?;
    cx.rekey(customer)?;
    cx.emit(
        EventKind::ContactUpdated {
            customer_id: customer.id.clone(),
            contact_id: contact.id.clone(),
            fields: fields.clone(),
        },
        format!("{why}: {}", fields.join(", ")),
    )?;
    Ok(())
}

/// Writes a changed lead at its next version and records the change.
pub(super) fn save_lead_change(
    cx: &mut Ctx<'_>,
    lead: &mut Lead,
    fields: Vec<String>,
    why: &str,
) -> Result<()> {
    lead.version += 1;
    lead.updated_at = cx.now;
    save_lead(cx.tx, lead)?;
    let reason = format!("{why}: {}", fields.join(", "));
    cx.emit(
        EventKind::LeadUpdated {
            lead_id: lead.id.clone(),
            fields,
        },
        reason,
    )?;
    Ok(())
}

fn match_lead(cx: &mut Ctx<'_>, run: &mut Run, d: &Draft) -> Result<Found> {
    if wants(run, MatchKey::Id) {
        if let Some(id) = &d.id {
            let lead = cx.tx.doc(DocKind::Lead, id)?;
            return Ok(match lead {
                Some(_) => Found::One(id.clone(), "same id".into()),
                None => Found::None,
            });
        }
    }
    if run.leads.is_none() {
        run.leads = Some(LeadIndex::load(cx)?);
    }
    let index = run.leads.as_ref().expect("loaded above");
    let mut exact = Vec::new();
    if wants(run, MatchKey::Phone) {
        for p in d.phones.iter().flatten() {
            for id in index.find(&phone_key(p)?) {
                exact.push((id.clone(), format!("phone {p}")));
            }
        }
    }
    if wants(run, MatchKey::Email) {
        for e in d.emails.iter().flatten() {
            for id in index.find(&email_key(e)?) {
                exact.push((id.clone(), format!("email {e}")));
            }
        }
    }
    let mut names = Vec::new();
    if wants(run, MatchKey::Name) {
        if let Some(name) = &d.name {
            for id in index.find(&name_key(name)) {
                names.push((id.clone(), format!("name {name}"), 1.0));
            }
        }
    }
    Ok(choose(exact, names))
}

fn create_lead(cx: &mut Ctx<'_>, run: &mut Run, row: u64, d: Draft) -> Result<Decided> {
    let new = NewLead {
        name: d.name.unwrap_or_default(),
        kind: d.kind,
        phones: d.phones.unwrap_or_default(),
        emails: d.emails.unwrap_or_default(),
        source: d.source,
        region: d.region,
        industry: d.industry,
        level: d.level,
        custom_fields: d.custom,
        weight: d.weight,
        owner_id: d.owner_id,
        campaign_id: d.campaign_id,
    };
    new.check_bounds()?;
    let captured = enter_lead(cx, new)?;
    if let Some(index) = &mut run.leads {
        index.add(&captured.lead);
    }
    Ok(created_change(
        row,
        &captured.lead.id,
        captured.lead.version,
        None,
    ))
}

fn update_lead(
    cx: &mut Ctx<'_>,
    run: &mut Run,
    row: u64,
    id: &str,
    mut d: Draft,
    note: Option<String>,
) -> Result<Decided> {
    let before = scoped_lead(cx, id)?;
    same_points(&mut d.phones, &before.phones, phone_key);
    same_points(&mut d.emails, &before.emails, email_key);
    if before.status != LeadStatus::Open {
        return Err(CrmError::InvalidState {
            reason: format!("lead {id} was converted and no longer changes"),
        });
    }
    refuse_owner_change(
        run,
        (&before.owner_id, &None),
        &Draft {
            pool_id: None,
            ..d.clone()
        },
    )?;
    let mut after = before.clone();
    let mut fields = Vec::new();
    let mut set = |field: &str, changed: bool| {
        if changed {
            fields.push(field.to_string());
        }
    };
    if let Some(v) = d.name.filter(|v| *v != after.name) {
        after.name = v;
        set("name", true);
    }
    if let Some(v) = d.kind.filter(|v| *v != after.kind) {
        after.kind = v;
        set("kind", true);
    }
    if let Some(v) = d.phones.filter(|v| *v != after.phones) {
        after.phones = v;
        set("phones", true);
    }
    if let Some(v) = d.emails.filter(|v| *v != after.emails) {
        after.emails = v;
        set("emails", true);
    }
    for (field, value, target) in [
        ("source", d.source, &mut after.source),
        ("region", d.region, &mut after.region),
        ("industry", d.industry, &mut after.industry),
        ("level", d.level, &mut after.level),
    ] {
        if value.is_some() && value != *target {
            *target = value;
            set(field, true);
        }
    }
    if let Some(w) = d.weight.filter(|w| *w != after.weight) {
        after.weight = w;
        set("weight", true);
    }
    let mut custom = after.custom_fields.clone();
    custom.extend(d.custom);
    if custom != after.custom_fields {
        after.custom_fields = custom;
        set("custom_fields", true);
    }
    let check = NewLead {
        name: after.name.clone(),
        phones: after.phones.clone(),
        emails: after.emails.clone(),
        custom_fields: after.custom_fields.clone(),
        ..NewLead::default()
    };
    check.check_bounds()?;
    if !fields.is_empty() {
        save_lead_change(cx, &mut after, fields.clone(), "updated by import")?;
        if let Some(index) = &mut run.leads {
            index.add(&after);
        }
    }
    updated_change(row, id, after.version, &before, &after, fields, note)
}
