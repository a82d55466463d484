//! The data quality report over the customers in the actor's scope: one pass over the customers
//! (through `customer_ids_where`, without copying them) and one over the duplicate keys.

use super::Crm;
use crate::access::DataScope;
use crate::customer::{CustomerKind, FieldValue};
use crate::error::{CrmError, Result};
use crate::import::quality::{
    percent, DuplicateCluster, FieldQuality, GroupQuality, Inconsistency, QualityOptions,
    QualityReport,
};
use crate::import::{divisions, fields};
use crate::store::CustomerQuery;
use std::collections::{BTreeMap, BTreeSet, HashMap};

const STALE_DAYS: u32 = 90;
const LIST_LIMIT: u32 = 100;
/// The fields every customer has, in report order.
const FIXED: [&str; 8] = [
    "name", "phones", "emails", "industry", "region", "level", "source", "tags",
];

#[derive(Default, Clone)]
struct Tally {
    filled: u64,
    valid: u64,
    checked: bool,
}

#[derive(Default)]
struct Group {
    customers: u64,
    filled: u64,
    invalid: u64,
    duplicates: u64,
    stale: u64,
}

impl Crm {
    pub fn quality_report(&self, actor: &str, options: QualityOptions) -> Result<QualityReport> {
        let stale_days = options.stale_days.unwrap_or(STALE_DAYS);
        crate::limits::days("stale_days", stale_days)?;
        let limit = options.limit.unwrap_or(LIST_LIMIT).min(10_000) as usize;
        let region = fields::region(options.default_region.as_deref())
            .map_err(|(_, m)| CrmError::invalid("default_region", m))?;
        self.look(actor, |cx| {
            let now = cx.now;
            let stale_before = now - chrono::Duration::days(i64::from(stale_days));
            let users = cx.tx.users()?;
            let team_of: HashMap<String, Option<String>> = users
                .iter()
                .map(|u| (u.id.clone(), u.team_id.clone()))
                .collect();
            let owners = match cx.actor.scope {
                DataScope::All => None,
                _ => {
                    let actor = cx.actor.clone();
                    Some(
                        users
                            .iter()
                            .filter(|u| actor.covers(Some(u)))
                            .map(|u| u.id.clone())
                            .collect(),
                    )
                }
            };
            let query = CustomerQuery {
                owners,
                ..CustomerQuery::default()
            };
            let mut tallies: BTreeMap<String, Tally> = FIXED
                .iter()
                .map(|f| (f.to_string(), Tally::default()))
                .collect();
            let mut groups: BTreeMap<String, Group> = BTreeMap::new();
            let mut group_of: HashMap<String, String> = HashMap::new();
            let mut people: HashMap<String, ()> = HashMap::new();
            let mut customers = 0u64;
            let mut stale = 0u64;
            cx.tx.customer_ids_where(&query, &mut |c| {
                customers += 1;
                let mut filled = 0u64;
                let mut invalid = 0u64;
                let mut mark = |field: &str, has: bool, valid: Option<bool>| {
                    let t = tallies.entry(field.to_string()).or_default();
                    if has {
                        t.filled += 1;
                        filled += 1;
                    }
                    if let Some(ok) = valid {
                        t.checked = true;
                        if ok {
                            t.valid += 1;
                        } else {
                            invalid += 1;
                        }
                    }
                };
                mark("name", !c.name.trim().is_empty(), None);
                let phones_ok = c.phones.iter().all(|p| fields::phone_is_valid(p, region));
                mark(
                    "phones",
                    !c.phones.is_empty(),
                    (!c.phones.is_empty()).then_some(phones_ok),
                );
                let emails_ok = c.emails.iter().all(|e| fields::email(e).is_ok());
                mark(
                    "emails",
                    !c.emails.is_empty(),
                    (!c.emails.is_empty()).then_some(emails_ok),
                );
                mark("industry", c.industry.is_some(), None);
                mark("region", c.region.is_some(), None);
                mark("level", c.level.is_some(), None);
                mark("source", c.source.is_some(), None);
                mark("tags", !c.tags.is_empty(), None);
                for (key, value) in &c.custom_fields {
                    if key == "division_code" {
                        // Part of the address an import resolved, not a field of its own.
                        continue;
                    }
                    let valid = match (key.as_str(), value) {
                        ("address", FieldValue::Text(text)) => {
                            Some(divisions::parse_address(text).is_ok())
                        }
                        _ => None,
                    };
                    mark(&format!("custom_fields.{key}"), true, valid);
                }
                let is_stale = c
                    .owner_id
                    .as_ref()
                    .is_some_and(|_| c.follow_up_clock().is_none_or(|at| at < stale_before));
                if is_stale {
                    stale += 1;
                }
                let owner = c.owner_id.clone().unwrap_or_else(|| "(pool)".into());
                let team = match c.owner_id.as_ref().and_then(|o| team_of.get(o)) {
                    Some(Some(team)) => format!("team:{team}"),
                    Some(None) => "team:(no team)".into(),
                    None => "team:(pool)".into(),
                };
                for key in [owner.clone(), team] {
                    let g = groups.entry(key).or_default();
                    g.customers += 1;
                    g.filled += filled;
                    g.invalid += invalid;
                    g.stale += u64::from(is_stale);
                }
                group_of.insert(c.id.clone(), owner);
                if c.kind == CustomerKind::Person {
                    people.insert(c.id.clone(), ());
                }
                false
            })?;
            // Duplicate clusters: customers joined by a shared key (union-find over the ids in
            // scope that share one); a person's own distinct phones and emails come from the
            // same keys, which hold its contacts' too.
            let mut parent: HashMap<String, String> = HashMap::new();
            let mut shared: HashMap<String, Vec<String>> = HashMap::new();
            let mut personal: BTreeMap<(String, &'static str), BTreeSet<String>> = BTreeMap::new();
            for (prefix, what) in [("p:", "phone"), ("e:", "email"), ("n:", "name")] {
                let mut by_key: HashMap<String, Vec<String>> = HashMap::new();
                for (key, id) in cx.tx.dedup_keys_with_prefix(prefix)? {
                    if !group_of.contains_key(&id) {
                        continue;
                    }
                    if what != "name" && people.contains_key(&id) {
                        let field = if what == "phone" { "phones" } else { "emails" };
                        personal
                            .entry((id.clone(), field))
                            .or_default()
                            .insert(key[2..].to_string());
                    }
                    by_key.entry(key).or_default().push(id);
                }
                for (key, mut ids) in by_key {
                    ids.sort();
                    ids.dedup();
                    if ids.len() < 2 || key.len() <= 2 {
                        continue;
                    }
                    let root = find(&mut parent, &ids[0]);
                    for id in &ids[1..] {
                        let other = find(&mut parent, id);
                        if other != root {
                            parent.insert(other, root.clone());
                        }
                    }
                    shared
                        .entry(ids[0].clone())
                        .or_default()
                        .push(format!("{what} {}", &key[2..]));
                }
            }
            let mut clusters: BTreeMap<String, DuplicateCluster> = BTreeMap::new();
            let members: Vec<String> = parent.keys().cloned().collect();
            for id in members {
                let root = find(&mut parent, &id);
                clusters
                    .entry(root)
                    .or_insert_with(|| DuplicateCluster {
                        customer_ids: Vec::new(),
                        shared: Vec::new(),
                    })
                    .customer_ids
                    .push(id);
            }
            for (first, what) in shared {
                let root = find(&mut parent, &first);
                if let Some(cluster) = clusters.get_mut(&root) {
                    cluster.shared.extend(what);
                }
            }
            let mut clusters: Vec<DuplicateCluster> = clusters.into_values().collect();
            for cluster in &mut clusters {
                cluster
                    .customer_ids
                    .sort_by(|a, b| crate::ids::record_order(a, b));
                cluster.shared.sort();
                for id in &cluster.customer_ids {
                    if let Some(owner) = group_of.get(id) {
                        let team = match team_of.get(owner) {
                            Some(Some(team)) => format!("team:{team}"),
                            Some(None) => "team:(no team)".into(),
                            None => "team:(pool)".into(),
                        };
                        for key in [owner.clone(), team] {
                            if let Some(g) = groups.get_mut(&key) {
                                g.duplicates += 1;
                            }
                        }
                    }
                }
            }
            clusters.sort_by(|a, b| {
                b.customer_ids
                    .len()
                    .cmp(&a.customer_ids.len())
                    .then_with(|| crate::ids::record_order(&a.customer_ids[0], &b.customer_ids[0]))
            });
            let in_clusters: u64 = clusters.iter().map(|c| c.customer_ids.len() as u64).sum();
            let cluster_count = clusters.len() as u64;
            clusters.truncate(limit);
            let mut inconsistencies: Vec<Inconsistency> = personal
                .into_iter()
                .filter(|(_, values)| values.len() > 1)
                .map(|((customer_id, field), values)| Inconsistency {
                    customer_id,
                    field: field.to_string(),
                    values: values.into_iter().collect(),
                })
                .collect();
            inconsistencies.sort_by(|a, b| {
                crate::ids::record_order(&a.customer_id, &b.customer_id).then(a.field.cmp(&b.field))
            });
            let inconsistency_count = inconsistencies.len() as u64;
            inconsistencies.truncate(limit);

            let field_count = tallies.len() as u64;
            let fields: Vec<FieldQuality> = tallies
                .into_iter()
                .map(|(field, t)| FieldQuality {
                    completeness: percent(t.filled, customers),
                    valid: t.checked.then_some(t.valid),
                    validity: t.checked.then(|| percent(t.valid, t.filled)),
                    field,
                    records: customers,
                    filled: t.filled,
                })
                .collect();
            let group = |(key, g): (String, Group)| GroupQuality {
                group: key,
                completeness: percent(g.filled, g.customers * field_count),
                customers: g.customers,
                invalid_values: g.invalid,
                duplicates: g.duplicates,
                stale: g.stale,
            };
            let (teams, owners): (Vec<_>, Vec<_>) = groups
                .into_iter()
                .partition(|(k, _)| k.starts_with("team:"));
            let by_owner: Vec<GroupQuality> = owners.into_iter().map(group).collect();
            let by_team: Vec<GroupQuality> = teams
                .into_iter()
                .map(|(k, g)| group((k["team:".len()..].to_string(), g)))
                .collect();
            let findings = findings(
                &fields,
                customers,
                (in_clusters, cluster_count),
                (stale, stale_days),
                inconsistency_count,
            );
            Ok(QualityReport {
                as_of: now,
                customers,
                fields,
                by_owner,
                by_team,
                duplicate_cluster_count: cluster_count,
                duplicate_clusters: clusters,
                stale_days,
                stale,
                inconsistency_count,
                inconsistencies,
                findings,
            })
        })
    }
}

fn find(parent: &mut HashMap<String, String>, id: &str) -> String {
    let mut root = id.to_string();
    while let Some(up) = parent.get(&root).filter(|up| **up != root) {
        root = up.clone();
    }
    parent.entry(id.to_string()).or_insert_with(|| root.clone());
    let mut at = id.to_string();
    while at != root {
        let up = parent
            .insert(at.clone(), root.clone())
            .unwrap_or_else(|| root.clone());
        at = up;
    }
    root
}

/// The report's worst points as sentences, by share of customers concerned.
fn findings(
    fields: &[FieldQuality],
    customers: u64,
    (in_clusters, clusters): (u64, u64),
    (stale, stale_days): (u64, u32),
    inconsistent: u64,
) -> Vec<String> {
    if customers == 0 {
        return vec!["no customers in scope".into()];
    }
    let mut out: Vec<(rust_decimal::Decimal, String)> = Vec::new();
    for f in fields {
        let name = f.field.strip_prefix("custom_fields.").unwrap_or(&f.field);
        if let Some(valid) = f.valid.filter(|v| *v < f.filled) {
            let share = percent(f.filled - valid, f.filled);
            out.push((share, format!("{share}% of {name} values are invalid")));
        }
        if f.filled < f.records && f.field != "tags" {
            let share = percent(f.records - f.filled, f.records);
            out.push((share, format!("{share}% of customers have no {name}")));
        }
    }
    if clusters > 0 {
        let share = percent(in_clusters, customers);
        out.push((
            share,
            format!(
                "{in_clusters} customers ({share}%) fall in {clusters} duplicate cluster{}",
                if clusters == 1 { "" } else { "s" }
            ),
        ));
    }
    if stale > 0 {
        let share = percent(stale, customers);
        out.push((
            share,
            format!("{stale} customers ({share}%) have had no follow-up for {stale_days} days"),
        ));
    }
    if inconsistent > 0 {
        let share = percent(inconsistent, customers);
        out.push((
            share,
            format!("{inconsistent} people hold more than one phone or email across their records"),
        ));
    }
    out.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    out.into_iter().map(|(_, s)| s).collect()
}
