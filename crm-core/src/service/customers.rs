//! Creating, reading and updating customers.

use super::duplicates::find_matches;
use super::{check_expected, non_empty, Crm, Ctx};
use crate::customer::dedup::{customer_keys, DuplicateMode};
use crate::customer::normalize::{normalize_email, normalize_phone};
use crate::customer::{
    Customer, CustomerKind, CustomerPatch, CustomerStatus, DealStatus, DuplicateMatch,
    DuplicateProbe, NewCustomer,
};
use crate::error::{CrmError, EntityKind, Result};
use crate::event::{EventKind, OwnershipReason};
use crate::ids::record_order;
use crate::limits::Bounded;
use crate::store::CustomerQuery;
use serde::{Deserialize, Serialize};

/// A new customer, with any possible duplicates found when the policy is `Warn`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct CustomerCreated {
    pub customer: Customer,
    pub duplicates: Vec<DuplicateMatch>,
}

pub(super) fn validated_phones(phones: &[String]) -> Result<Vec<String>> {
    phones
        .iter()
        .map(|p| normalize_phone(p).map(|_| p.trim().to_string()))
        .collect()
}

pub(super) fn validated_emails(emails: &[String]) -> Result<Vec<String>> {
    emails
        .iter()
        .map(|e| normalize_email(e).map(|_| e.trim().to_string()))
        .collect()
}

pub(super) fn cleaned(value: Option<String>) -> Option<String> {
    value
        .map(|v| v.trim().to_string())
        .filter(|v| !v.is_empty())
}

impl Crm {
    pub fn create_customer(&self, actor: &str, new: NewCustomer) -> Result<CustomerCreated> {
        new.check_bounds()?;
        self.act(actor, |cx| {
            let owner = entry_owner(cx, new.owner_id.as_deref(), new.pool_id.as_deref())?;
            enter_customer(cx, new, owner)
        })
    }

    pub fn customer(&self, actor: &str, id: &str) -> Result<Customer> {
        self.look(actor, |cx| cx.customer(id))
    }

    /// Every active customer in the actor's scope, in id order.
    pub fn customers(&self, actor: &str) -> Result<Vec<Customer>> {
        self.look(actor, |cx| scoped_customers(cx, CustomerQuery::default()))
    }

    /// Applies a partial update; `expected_version` is the version the caller read.
    pub fn update_customer(
        &self,
        actor: &str,
        id: &str,
        expected_version: u64,
        patch: CustomerPatch,
    ) -> Result<Customer> {
        patch.check_bounds()?;
        self.act(actor, |cx| {
            let c = cx.customer(id)?;
            check_expected(EntityKind::Customer, id, expected_version, c.version)?;
            patch_customer(cx, c, patch).map(|(c, _)| c)
        })
    }
}

/// Who owns a customer entered with this owner and pool: the owner (the actor must manage
/// them), nobody when it goes into a pool the actor administers, else the actor.
pub(super) fn entry_owner(
    cx: &mut Ctx<'_>,
    owner_id: Option<&str>,
    pool_id: Option<&str>,
) -> Result<Option<crate::access::User>> {
    Ok(match (owner_id, pool_id) {
        (Some(id), _) => Some(cx.managed_user(id)?),
        (None, Some(pool)) => {
            let pool = super::pools::load_pool(cx.tx, pool)?;
            if !pool.is_admin(&cx.actor) {
                return Err(cx.denied(&format!("put customers into pool {}", pool.id)));
            }
            None
        }
        (None, None) => Some(cx.actor.clone()),
    })
}

/// Applies a patch to a loaded customer, saves it and records the change; returns the fields
/// that really changed (none: nothing is written).
pub(super) fn patch_customer(
    cx: &mut Ctx<'_>,
    mut c: Customer,
    patch: CustomerPatch,
) -> Result<(Customer, Vec<String>)> {
    let id = c.id.clone();
    if c.status == CustomerStatus::Merged {
        return Err(CrmError::InvalidState {
            reason: format!("customer {id} was merged into another and cannot change"),
        });
    }
    let fields = apply_patch(&mut c, patch)?;
    if fields.is_empty() {
        return Ok((c, fields));
    }
    c.updated_at = cx.now;
    c.version += 1;
    cx.save_customer(&mut c)?;
    if fields
        .iter()
        .any(|f| ["name", "phones", "emails"].contains(&f.as_str()))
    {
        cx.rekey(&c)?;
    }
    cx.emit(
        EventKind::CustomerUpdated {
            customer_id: c.id.clone(),
            fields: fields.clone(),
        },
        format!("updated {}", fields.join(", ")),
    )?;
    Ok((c, fields))
}

/// Active customers the actor may see, by the owners their scope covers.
pub(super) fn scoped_customers(
    cx: &mut Ctx<'_>,
    mut query: CustomerQuery,
) -> Result<Vec<Customer>> {
    use crate::access::DataScope;
    query.owners = match cx.actor.scope {
        DataScope::All => None,
        DataScope::Own => Some(vec![cx.actor.id.clone()]),
        DataScope::Team => {
            let actor = cx.actor.clone();
            Some(
                cx.tx
                    .users()?
                    .into_iter()
                    .filter(|u| actor.covers(Some(u)))
                    .map(|u| u.id)
                    .collect(),
            )
        }
    };
    let mut customers = cx.tx.customers(&query)?;
    customers.sort_by(|a, b| record_order(&a.id, &b.id));
    Ok(customers)
}

/// Applies a patch and returns the names of the fields that really changed.
fn apply_patch(c: &mut Customer, p: CustomerPatch) -> Result<Vec<String>> {
    let mut changed = Vec::new();
    let mut set = |field: &str, differs: bool| {
        if differs {
            changed.push(field.to_string());
        }
        differs
    };
    if let Some(name) = p.name {
        let name = non_empty("name", &name)?;
        if set("name", name != c.name) {
            c.name = name;
        }
    }
    if let Some(kind) = p.kind {
        if set("kind", kind != c.kind) {
            c.kind = kind;
        }
    }
    let level = if p.clear_level {
        Some(None)
    } else {
        p.level.map(Some)
    };
    if let Some(level) = level {
        let level = cleaned(level);
        if set("level", level != c.level) {
            c.level = level;
        }
    }
    let mut tags = c.tags.clone();
    tags.extend(
        p.add_tags
            .iter()
            .map(|t| t.trim().to_string())
            .filter(|t| !t.is_empty()),
    );
    for tag in &p.remove_tags {
        tags.remove(tag.trim());
    }
    if set("tags", tags != c.tags) {
        c.tags = tags;
    }
    for (field, value, target) in [
        ("source", p.source, &mut c.source),
        ("industry", p.industry, &mut c.industry),
        ("region", p.region, &mut c.region),
    ] {
        if let Some(value) = value {
            let value = cleaned(Some(value));
            if set(field, value != *target) {
                *target = value;
            }
        }
    }
    if let Some(phones) = p.phones {
        let phones = validated_phones(&phones)?;
        if set("phones", phones != c.phones) {
            c.phones = phones;
        }
    }
    if let Some(emails) = p.emails {
        let emails = validated_emails(&emails)?;
        if set("emails", emails != c.emails) {
            c.emails = emails;
        }
    }
    let mut fields = c.custom_fields.clone();
    for (key, value) in p.custom_fields {
        if key.trim().is_empty() {
            return Err(CrmError::invalid(
                "custom_fields",
                "field names must not be empty",
            ));
        }
        match value {
            Some(v) => fields.insert(key, v),
            None => fields.remove(&key),
        };
    }
    if set("custom_fields", fields != c.custom_fields) {
        c.custom_fields = fields;
    }
    if let Some(opt_outs) = p.opt_outs {
        let opt_outs = crate::campaign::channels(opt_outs);
        if set("opt_outs", opt_outs != c.opt_outs) {
            c.opt_outs = opt_outs;
        }
    }
    Ok(changed)
}

/// Enters a new customer owned by `owner` (or sitting in `new.pool_id` when `None`), with the
/// duplicate check the policy asks for; shared by customer entry and lead conversion.
pub(super) fn enter_customer(
    cx: &mut Ctx<'_>,
    new: NewCustomer,
    owner: Option<crate::access::User>,
) -> Result<CustomerCreated> {
    let name = non_empty("name", &new.name)?;
    let phones = validated_phones(&new.phones)?;
    let emails = validated_emails(&new.emails)?;
    if let Some(owner) = &owner {
        if !owner.active {
            return Err(CrmError::InactiveUser {
                id: owner.id.clone(),
            });
        }
    }
    if let Some(pool) = &new.pool_id {
        super::pools::load_pool(cx.tx, pool)?;
    }
    let duplicates = duplicates_on_entry(cx, &name, &phones, &emails)?;
    let owner_id = owner.map(|o| o.id);
    let mut customer = Customer {
        id: cx.new_id("c")?,
        name,
        kind: new.kind.unwrap_or(CustomerKind::Company),
        level: cleaned(new.level),
        tags: new
            .tags
            .iter()
            .map(|t| t.trim().to_string())
            .filter(|t| !t.is_empty())
            .collect(),
        source: cleaned(new.source),
        industry: cleaned(new.industry),
        region: cleaned(new.region),
        phones,
        emails,
        owner_id: owner_id.clone(),
        previous_owner_id: None,
        pool_id: new.pool_id.clone(),
        pooled_at: owner_id.is_none().then_some(cx.now),
        released_at: None,
        status: CustomerStatus::Active,
        merged_into: None,
        merged_from: Vec::new(),
        created_at: cx.now,
        updated_at: cx.now,
        owned_since: owner_id.as_ref().map(|_| cx.now),
        last_follow_up_at: None,
        next_follow_up_at: None,
        deal_status: DealStatus::None,
        locked: false,
        locked_until: None,
        last_won_at: None,
        open_opportunities: 0,
        recycle_due_at: None,
        custom_fields: new.custom_fields,
        opt_outs: crate::campaign::channels(new.opt_outs),
        campaign_id: super::campaigns::existing_campaign(cx, new.campaign_id)?,
        version: 1,
    };
    cx.save_customer(&mut customer)?;
    cx.tx
        .set_dedup_keys(&customer.id, &customer_keys(&customer, &[])?)?;
    let reason = if duplicates.is_empty() {
        "customer entered".to_string()
    } else {
        format!(
            "customer entered despite {} possible duplicate(s)",
            duplicates.len()
        )
    };
    cx.emit(
        EventKind::CustomerCreated {
            customer_id: customer.id.clone(),
        },
        reason,
    )?;
    if let Some(owner) = &owner_id {
        cx.emit(
            EventKind::OwnerChanged {
                customer_id: customer.id.clone(),
                from_owner_id: None,
                to_owner_id: Some(owner.clone()),
                cause: OwnershipReason::Created,
            },
            format!("entered by {}", cx.actor.id),
        )?;
    }
    Ok(CustomerCreated {
        customer,
        duplicates,
    })
}

/// The duplicate check of the organisation's policy on entry of a customer or a lead: off, warn
/// (the matches are returned) or block (`DuplicateFound`).
pub(super) fn duplicates_on_entry(
    cx: &mut Ctx<'_>,
    name: &str,
    phones: &[String],
    emails: &[String],
) -> Result<Vec<DuplicateMatch>> {
    let policy = cx.duplicate_policy()?;
    if policy.on_create == DuplicateMode::Off {
        return Ok(Vec::new());
    }
    let probe = DuplicateProbe {
        name: Some(name.to_string()),
        phones: phones.to_vec(),
        emails: emails.to_vec(),
    };
    let duplicates = find_matches(cx.tx, &probe, policy.name_threshold, &[])?;
    if policy.on_create == DuplicateMode::Block && !duplicates.is_empty() {
        return Err(CrmError::DuplicateFound {
            matches: duplicates,
        });
    }
    Ok(duplicates)
}
