//! Audiences: saved criteria evaluated against the customers in the actor's scope when used.

use super::campaigns::members_of;
use super::Ctx;
use crate::access::DataScope;
use crate::campaign::{AudienceCriteria, AudiencePreview, MemberKind, MemberRef};
use crate::customer::{Customer, FieldValue};
use crate::error::Result;
use crate::limits::{self, BATCH, CODE, ID};
use crate::opportunity::{Opportunity, OpportunityStatus};
use crate::rfm::{self, RfmConfig, RfmOrder, RfmRow};
use crate::store::CustomerQuery;
use crate::store::DocKind;
use std::collections::{BTreeSet, BinaryHeap, HashMap, HashSet};
use std::fmt;

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
    limits::texts("rfm_segments", &c.rfm_segments, BATCH, limits::NAME)?;
    limits::count("custom_fields", c.custom_fields.len(), limits::FIELDS)?;
    for (k, v) in &c.custom_fields {
        limits::text("custom_fields", k, CODE)?;
        limits::text("custom_fields", v, limits::FIELD_TEXT)?;
    }
    Ok(())
}

/// Whether a custom field's value, as text, is `text` (without writing the text out).
fn field_is(v: &FieldValue, text: &str) -> bool {
    match v {
        FieldValue::Text(t) => t == text,
        FieldValue::Number(n) => writes_as(&n.normalize(), text),
        FieldValue::Bool(b) => (if *b { "true" } else { "false" }) == text,
        FieldValue::Date(d) => writes_as(d, text),
    }
}

/// Whether `value` displays as `text`: its pieces are matched as they are written.
fn writes_as(value: &dyn fmt::Display, text: &str) -> bool {
    struct Rest<'a>(&'a str);
    impl fmt::Write for Rest<'_> {
        fn write_str(&mut self, s: &str) -> fmt::Result {
            match self.0.strip_prefix(s) {
                Some(rest) => {
                    self.0 = rest;
                    Ok(())
                }
                None => Err(fmt::Error),
            }
        }
    }
    let mut rest = Rest(text);
    fmt::write(&mut rest, format_args!("{value}")).is_ok() && rest.0.is_empty()
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

/// RFM rows by customer over the won deals in the actor's scope, as of today (local date).
fn rfm_rows(cx: &mut Ctx<'_>) -> Result<HashMap<String, RfmRow>> {
    let tz = cx.tx.settings()?.unwrap_or_default().tz()?;
    let orders: Vec<RfmOrder> = super::scoped_docs::<Opportunity>(cx, DocKind::Opportunity)?
        .into_iter()
        .filter(|o| o.status == OpportunityStatus::Won)
        .filter_map(|o| {
            Some(RfmOrder {
                date: o.closed_at?.with_timezone(&tz).date_naive(),
                customer_id: o.customer_id,
                amount: o.amount,
            })
        })
        .collect();
    let today = cx.now.with_timezone(&tz).date_naive();
    Ok(rfm::score(&orders, today, &RfmConfig::default())?
        .into_iter()
        .map(|r| (r.customer_id.clone(), r))
        .collect())
}

/// The owners in both sets (`None`: any owner).
fn narrowed<'a>(owners: Option<HashSet<&'a str>>, to: HashSet<&'a str>) -> HashSet<&'a str> {
    match owners {
        None => to,
        Some(o) => o.into_iter().filter(|id| to.contains(id)).collect(),
    }
}

/// Calls `found` with every customer the criteria reach now in the actor's scope, in no order.
fn each_match(
    cx: &mut Ctx<'_>,
    c: &AudienceCriteria,
    found: &mut dyn FnMut(&Customer),
) -> Result<()> {
    let rfm = if c.rfm_segments.is_empty() && c.rfm_score_min.is_none() && c.rfm_score_max.is_none()
    {
        None
    } else {
        Some(rfm_rows(cx)?)
    };
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
    // The owners a member can have: those the actor's scope covers (all: any), narrowed by the
    // owner and team criteria, so the store reads only their customers.
    let users = if cx.actor.scope == DataScope::Team || !c.team_ids.is_empty() {
        cx.tx.users()?
    } else {
        Vec::new()
    };
    let mut owners: Option<HashSet<&str>> = match cx.actor.scope {
        DataScope::All => None,
        DataScope::Own => Some(HashSet::from([cx.actor.id.as_str()])),
        DataScope::Team => Some(
            users
                .iter()
                .filter(|u| cx.actor.covers(Some(u)))
                .map(|u| u.id.as_str())
                .collect(),
        ),
    };
    if !c.owner_ids.is_empty() {
        owners = Some(narrowed(
            owners,
            c.owner_ids.iter().map(String::as_str).collect(),
        ));
    }
    let team_owners: rustc_hash::FxHashSet<&str> = users
        .iter()
        .filter(|u| u.team_id.as_ref().is_some_and(|t| c.team_ids.contains(t)))
        .map(|u| u.id.as_str())
        .collect();
    if !c.team_ids.is_empty() {
        owners = Some(narrowed(owners, team_owners.iter().copied().collect()));
    }
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
                    .is_some_and(|o| team_owners.contains(o.as_str())))
            && (c.tags_any.is_empty() || c.tags_any.iter().any(|t| cu.tags.contains(t)))
            && c.tags_all.iter().all(|t| cu.tags.contains(t))
            && c.last_follow_up_before
                .is_none_or(|t| cu.last_follow_up_at.is_none_or(|l| l < t))
            && c.last_follow_up_after
                .is_none_or(|t| cu.last_follow_up_at.is_some_and(|l| l > t))
            && c.custom_fields
                .iter()
                .all(|(k, v)| cu.custom_fields.get(k).is_some_and(|f| field_is(f, v)))
            && rfm.as_ref().is_none_or(|rows| {
                rows.get(&cu.id).is_some_and(|r| {
                    (c.rfm_segments.is_empty() || c.rfm_segments.contains(&r.segment))
                        && c.rfm_score_min.is_none_or(|m| r.score >= m)
                        && c.rfm_score_max.is_none_or(|m| r.score <= m)
                })
            })
            && must.iter().all(|s| s.contains(&cu.id))
            && !not.contains(&cu.id)
    };
    // Members of pools are unowned: only the pools' customers are read, and none when the
    // scope or the other criteria ask for an owner.
    // The store may answer these from indexes; `keep` checks them again, which costs little.
    let listed = |values: &Vec<String>| (!values.is_empty()).then(|| values.clone());
    let facets = CustomerQuery {
        levels: listed(&c.levels),
        regions: listed(&c.regions),
        tags_any: listed(&c.tags_any),
        ..CustomerQuery::default()
    };
    let queries: Vec<CustomerQuery> = if c.pool_ids.is_empty() {
        vec![CustomerQuery {
            owners: owners.map(|o| o.into_iter().map(str::to_string).collect()),
            ..facets
        }]
    } else if owners.is_some() {
        Vec::new()
    } else {
        let pools: BTreeSet<&String> = c.pool_ids.iter().collect();
        pools
            .into_iter()
            .map(|p| CustomerQuery {
                in_pool: Some(p.clone()),
                ..facets.clone()
            })
            .collect()
    };
    // Filtered as they come; `found` takes the members, so the store collects no ids.
    for query in &queries {
        cx.tx.customer_ids_where(query, &mut |cu| {
            if keep(cu) {
                found(cu);
            }
            false
        })?;
    }
    Ok(())
}

/// The members the criteria reach now, in the actor's scope, in id order.
pub(super) fn evaluate(cx: &mut Ctx<'_>, c: &AudienceCriteria) -> Result<Vec<MemberRef>> {
    let mut ids: Vec<String> = Vec::new();
    each_match(cx, c, &mut |cu| ids.push(cu.id.clone()))?;
    ids.sort_unstable_by(|a, b| crate::ids::record_order(a, b));
    if !c.contacts {
        return Ok(ids
            .into_iter()
            .map(|id| MemberRef {
                kind: MemberKind::Customer,
                id,
            })
            .collect());
    }
    let mut out = Vec::new();
    for id in ids {
        let mut contacts = cx.tx.contacts_of(&id)?;
        contacts.sort_by(|a, b| crate::ids::record_order(&a.id, &b.id));
        out.extend(contacts.into_iter().map(|ct| MemberRef {
            kind: MemberKind::Contact,
            id: ct.id,
        }));
    }
    Ok(out)
}

/// A customer id ordered as DOMAIN.md orders records (`ids::record_order`).
#[derive(PartialEq, Eq)]
struct InOrder(String);

impl Ord for InOrder {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        crate::ids::record_order(&self.0, &other.0)
    }
}

impl PartialOrd for InOrder {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

/// How many the criteria reach and the first `sample` of them in id order. Customers are
/// counted as they come and only the `sample` smallest ids kept (a bounded heap), so a preview of
/// half a million members neither collects nor sorts them.
pub(super) fn preview(
    cx: &mut Ctx<'_>,
    c: &AudienceCriteria,
    sample: usize,
) -> Result<AudiencePreview> {
    if c.contacts {
        let all = evaluate(cx, c)?;
        return Ok(AudiencePreview {
            count: all.len() as u64,
            sample: all.into_iter().take(sample).collect(),
        });
    }
    let mut count = 0u64;
    let mut first: BinaryHeap<InOrder> = BinaryHeap::with_capacity(sample + 1);
    each_match(cx, c, &mut |cu| {
        count += 1;
        if first.len() < sample {
            first.push(InOrder(cu.id.clone()));
        } else if let Some(mut last) = first.peek_mut() {
            if crate::ids::record_order(&cu.id, &last.0).is_lt() {
                *last = InOrder(cu.id.clone());
            }
        }
    })?;
    Ok(AudiencePreview {
        count,
        sample: first
            .into_sorted_vec()
            .into_iter()
            .map(|InOrder(id)| MemberRef {
                kind: MemberKind::Customer,
                id,
            })
            .collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::access::{Role, Team, User};
    use crate::customer::{Contact, CustomerKind, CustomerStatus, DealStatus};
    use crate::store::{self, MemoryStore};
    use crate::{Crm, FixedClock};
    use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
    use rust_decimal::Decimal;
    use std::collections::BTreeMap;
    use std::sync::Arc;

    /// The evaluation as it was first written (every scoped customer read, cloned and sorted,
    /// custom fields written out as text): the reference the faster one must agree with.
    fn reference(cx: &mut Ctx<'_>, c: &AudienceCriteria) -> Result<Vec<MemberRef>> {
        let teams: BTreeMap<String, Option<String>> = cx
            .tx
            .users()?
            .into_iter()
            .map(|u| (u.id, u.team_id))
            .collect();
        let field_text = |v: &FieldValue| match v {
            FieldValue::Text(t) => t.clone(),
            FieldValue::Number(n) => n.normalize().to_string(),
            FieldValue::Bool(b) => b.to_string(),
            FieldValue::Date(d) => d.to_string(),
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
        };
        let customers: Vec<Customer> =
            super::super::customers::scoped_customers(cx, CustomerQuery::default())?
                .into_iter()
                .filter(|cu| keep(cu))
                .collect();
        let mut out = Vec::new();
        for cu in customers {
            if !c.contacts {
                out.push(MemberRef {
                    kind: MemberKind::Customer,
                    id: cu.id,
                });
                continue;
            }
            let mut contacts = cx.tx.contacts_of(&cu.id)?;
            contacts.sort_by(|a, b| crate::ids::record_order(&a.id, &b.id));
            out.extend(contacts.into_iter().map(|ct| MemberRef {
                kind: MemberKind::Contact,
                id: ct.id,
            }));
        }
        Ok(out)
    }

    fn next(state: &mut u64) -> u64 {
        *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = *state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn pick(state: &mut u64, from: &[&str], most: u64) -> Vec<String> {
        (0..next(state) % (most + 1))
            .map(|_| from[(next(state) % from.len() as u64) as usize].to_string())
            .collect()
    }

    const LEVELS: [&str; 3] = ["A", "B", "C"];
    const TAGS: [&str; 3] = ["vip", "newsletter", "fair"];
    const REGIONS: [&str; 3] = ["Shanghai", "Beijing", "Wuhan"];
    // u-9 owns customers but is no user; t-3 has no member.
    const OWNERS: [&str; 9] = [
        "u-1", "u-2", "u-3", "u-4", "u-5", "u-6", "u-7", "u-8", "u-9",
    ];
    const TEAMS: [&str; 3] = ["t-1", "t-2", "t-3"];
    const POOLS: [&str; 2] = ["p-1", "p-2"];
    const FIELDS: [&str; 6] = ["x", "12.5", "12.50", "true", "2026-03-01", "7"];

    fn field(state: &mut u64) -> FieldValue {
        match next(state) % 5 {
            0 => FieldValue::Text(["x", "12.5", "true"][(next(state) % 3) as usize].into()),
            1 => FieldValue::Number(Decimal::new(1250, 2)),
            2 => FieldValue::Number(Decimal::from(7)),
            3 => FieldValue::Bool(next(state) % 2 == 0),
            _ => FieldValue::Date(NaiveDate::from_ymd_opt(2026, 3, 1).unwrap()),
        }
    }

    fn customer(i: usize, state: &mut u64, now: DateTime<Utc>) -> Customer {
        let owner = match next(state) % 10 {
            0..=2 => None,
            _ => Some(OWNERS[(next(state) % OWNERS.len() as u64) as usize].to_string()),
        };
        let mut custom_fields = BTreeMap::new();
        for k in ["f", "g"] {
            if next(state) % 3 != 0 {
                custom_fields.insert(k.to_string(), field(state));
            }
        }
        Customer {
            id: format!("c-{}", i + 1),
            name: format!("customer {i}"),
            kind: CustomerKind::Company,
            level: (next(state) % 4 != 0).then(|| pick(state, &LEVELS, 1).concat()),
            tags: pick(state, &TAGS, 2).into_iter().collect(),
            source: None,
            industry: None,
            region: (next(state) % 4 != 0).then(|| pick(state, &REGIONS, 1).concat()),
            phones: Vec::new(),
            emails: Vec::new(),
            previous_owner_id: None,
            pool_id: (next(state) % 4 != 0).then(|| pick(state, &POOLS, 1).concat()),
            pooled_at: None,
            released_at: None,
            status: if next(state) % 15 == 0 {
                CustomerStatus::Merged
            } else {
                CustomerStatus::Active
            },
            merged_into: None,
            merged_from: Vec::new(),
            created_at: now,
            updated_at: now,
            owned_since: None,
            last_follow_up_at: (next(state) % 3 != 0)
                .then(|| now - Duration::days((next(state) % 4) as i64 * 10)),
            next_follow_up_at: None,
            deal_status: DealStatus::None,
            locked: false,
            locked_until: None,
            last_won_at: None,
            open_opportunities: 0,
            recycle_due_at: None,
            custom_fields,
            opt_outs: Vec::new(),
            campaign_id: None,
            owner_id: owner,
            version: 1,
        }
    }

    fn criteria(state: &mut u64, now: DateTime<Utc>) -> AudienceCriteria {
        let instant = |state: &mut u64| {
            (next(state) % 3 == 0).then(|| now - Duration::days((next(state) % 4) as i64 * 10))
        };
        let mut custom_fields = BTreeMap::new();
        if next(state) % 3 == 0 {
            custom_fields.insert("f".to_string(), pick(state, &FIELDS, 1).concat());
        }
        AudienceCriteria {
            contacts: next(state) % 4 == 0,
            levels: pick(state, &LEVELS, 2),
            tags_any: pick(state, &TAGS, 2),
            tags_all: pick(state, &TAGS, 1),
            owner_ids: if next(state) % 3 == 0 {
                pick(state, &OWNERS, 3)
            } else {
                Vec::new()
            },
            team_ids: if next(state) % 3 == 0 {
                pick(state, &TEAMS, 2)
            } else {
                Vec::new()
            },
            pool_ids: if next(state) % 3 == 0 {
                pick(state, &POOLS, 2)
            } else {
                Vec::new()
            },
            regions: pick(state, &REGIONS, 2),
            last_follow_up_before: instant(state),
            last_follow_up_after: instant(state),
            custom_fields,
            ..AudienceCriteria::default()
        }
    }

    #[test]
    fn evaluation_agrees_with_the_full_scan() {
        let now = Utc.with_ymd_and_hms(2026, 3, 2, 1, 0, 0).unwrap();
        let store = MemoryStore::new();
        let mut state = 11u64;
        store::write(&store, |tx| {
            for t in TEAMS {
                tx.put_team(&Team {
                    id: t.into(),
                    name: t.into(),
                    created_at: now,
                    version: 1,
                })?;
            }
            // Admin u-1 (all), managers u-2 (t-1) and u-3 (no team) with team scope, reps with
            // own scope in t-1 and t-2, and u-8, inactive, in t-1.
            for (i, id) in OWNERS[..8].iter().enumerate() {
                let (role, scope) = match i {
                    0 => (Role::Admin, DataScope::All),
                    1 | 2 => (Role::Manager, DataScope::Team),
                    _ => (Role::Rep, DataScope::Own),
                };
                tx.put_user(&User {
                    id: id.to_string(),
                    name: id.to_string(),
                    role,
                    scope,
                    team_id: match i {
                        2 => None,
                        _ if i % 2 == 1 => Some("t-1".into()),
                        _ => Some("t-2".into()),
                    },
                    active: i != 7,
                    created_at: now,
                    version: 1,
                })?;
            }
            for i in 0..400 {
                let c = customer(i, &mut state, now);
                for k in 0..next(&mut state) % 3 {
                    tx.put_contact(&Contact {
                        id: format!("ct-{}-{k}", i + 1),
                        customer_id: c.id.clone(),
                        name: "contact".into(),
                        phones: Vec::new(),
                        emails: Vec::new(),
                        role: None,
                        created_at: now,
                        opt_outs: Vec::new(),
                        version: 1,
                    })?;
                }
                tx.put_customer(&c)?;
            }
            Ok(())
        })
        .unwrap();
        let crm = Crm::new(store, Arc::new(FixedClock::new(now)));
        let mut reached = 0;
        for round in 0..1_000 {
            let c = criteria(&mut state, now);
            for actor in ["u-1", "u-2", "u-3", "u-4", "u-5"] {
                let fast = crm.look(actor, |cx| evaluate(cx, &c)).unwrap();
                let full = crm.look(actor, |cx| reference(cx, &c)).unwrap();
                assert_eq!(fast, full, "round {round}, {actor}: {c:?}");
                // The preview counts them all and keeps the first few in id order.
                let sample = round % 5;
                let preview = crm.look(actor, |cx| preview(cx, &c, sample)).unwrap();
                assert_eq!(preview.count, fast.len() as u64, "round {round}, {actor}");
                assert_eq!(
                    preview.sample,
                    fast[..sample.min(fast.len())],
                    "round {round}"
                );
                reached += fast.len();
            }
        }
        assert!(reached > 3_000, "the criteria reach too few: {reached}");
    }
}
