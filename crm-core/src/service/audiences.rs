//! Audiences: saved criteria evaluated against the customers in the actor's scope when used.

use super::campaigns::members_of;
use super::customers::scoped_customers;
use super::Ctx;
use crate::campaign::{AudienceCriteria, MemberKind, MemberRef};
use crate::customer::{Customer, FieldValue};
use crate::error::Result;
use crate::limits::{self, BATCH, CODE, ID};
use crate::store::CustomerQuery;
use std::collections::{BTreeMap, HashSet};

pub(super) fn check_criteria(c: &AudienceCriteria) -> Result<()> {
    limits::texts("levels", &c.levels, BATCH, CODE)?;
    limits::texts("tags_any", &c.tags_any, BATCH, CODE)?;
    limits::texts("tags_all", &c.tags_all, BATCH, CODE)?;
    limits::texts("owner_ids", &c.owner_ids, BATCH, ID)?;
    limits::texts("team_ids", &c.team_ids, BATCH, ID)?;
    limits::texts("pool_ids", &c.pool_ids, BATCH, ID)?;
    limits::texts("regions", &c.regions, BATCH, CODE)?;
    limits::texts("in_campaigns", &c.in_campaigns, BATCH, ID)?;
    limits::texts("responded_to", &c.responded_to, BATCH, ID)?;
    limits::texts("not_in_campaigns", &c.not_in_campaigns, BATCH, ID)?;
    limits::count("custom_fields", c.custom_fields.len(), limits::FIELDS)?;
    for (k, v) in &c.custom_fields {
        limits::text("custom_fields", k, CODE)?;
        limits::text("custom_fields", v, limits::FIELD_TEXT)?;
    }
    Ok(())
}

fn field_text(v: &FieldValue) -> String {
    match v {
        FieldValue::Text(t) => t.clone(),
        FieldValue::Number(n) => n.normalize().to_string(),
        FieldValue::Bool(b) => b.to_string(),
        FieldValue::Date(d) => d.to_string(),
    }
}

/// The customers with a member in the campaign (`responded`: that responded).
fn reached(cx: &mut Ctx<'_>, campaign_id: &str, responded: bool) -> Result<HashSet<String>> {
    super::load::<crate::campaign::Campaign>(cx.tx, crate::store::DocKind::Campaign, campaign_id)?;
    Ok(members_of(cx.tx, campaign_id)?
        .into_iter()
        .filter(|m| !responded || m.first_responded_at.is_some())
        .filter_map(|m| m.customer_id)
        .collect())
}

fn any_of(wanted: &[String], value: Option<&String>) -> bool {
    wanted.is_empty() || value.is_some_and(|v| wanted.iter().any(|w| w == v))
}

/// The members the criteria reach now, in the actor's scope, in id order.
pub(super) fn evaluate(cx: &mut Ctx<'_>, c: &AudienceCriteria) -> Result<Vec<MemberRef>> {
    let mut must: Vec<HashSet<String>> = Vec::new();
    for id in &c.in_campaigns {
        must.push(reached(cx, id, false)?);
    }
    for id in &c.responded_to {
        must.push(reached(cx, id, true)?);
    }
    let mut not: HashSet<String> = HashSet::new();
    for id in &c.not_in_campaigns {
        not.extend(reached(cx, id, false)?);
    }
    let teams: BTreeMap<String, Option<String>> = if c.team_ids.is_empty() {
        BTreeMap::new()
    } else {
        cx.tx
            .users()?
            .into_iter()
            .map(|u| (u.id, u.team_id))
            .collect()
    };
    let keep = |cu: &Customer| -> bool {
        any_of(&c.levels, cu.level.as_ref())
            && any_of(&c.regions, cu.region.as_ref())
            && any_of(&c.owner_ids, cu.owner_id.as_ref())
            && (c.pool_ids.is_empty()
                || (cu.owner_id.is_none() && any_of(&c.pool_ids, cu.pool_id.as_ref())))
            && (c.team_ids.is_empty()
                || cu
                    .owner_id
                    .as_ref()
                    .and_then(|o| teams.get(o).cloned().flatten())
                    .is_some_and(|t| c.team_ids.contains(&t)))
            && (c.tags_any.is_empty() || c.tags_any.iter().any(|t| cu.tags.contains(t)))
            && c.tags_all.iter().all(|t| cu.tags.contains(t))
            && c.last_follow_up_before
                .is_none_or(|t| cu.last_follow_up_at.is_none_or(|l| l < t))
            && c.last_follow_up_after
                .is_none_or(|t| cu.last_follow_up_at.is_some_and(|l| l > t))
            && c.custom_fields
                .iter()
                .all(|(k, v)| cu.custom_fields.get(k).is_some_and(|f| field_text(f) == *v))
            && must.iter().all(|s| s.contains(&cu.id))
            && !not.contains(&cu.id)
    };
    let customers: Vec<Customer> = scoped_customers(cx, CustomerQuery::default())?
        .into_iter()
        .filter(|cu| keep(cu))
        .collect();
    if !c.contacts {
        return Ok(customers
            .into_iter()
            .map(|cu| MemberRef {
                kind: MemberKind::Customer,
                id: cu.id,
            })
            .collect());
    }
    let mut out = Vec::new();
    for cu in customers {
        let mut contacts = cx.tx.contacts_of(&cu.id)?;
        contacts.sort_by(|a, b| crate::ids::record_order(&a.id, &b.id));
        out.extend(contacts.into_iter().map(|ct| MemberRef {
            kind: MemberKind::Contact,
            id: ct.id,
        }));
    }
    Ok(out)
}
