//! The data quality report over the customers in the actor's scope: one pass over their
//! [`CustomerFacts`] (kept on write by stores that can) and one over the duplicate keys.

use super::Crm;
use crate::access::DataScope;
use crate::error::{CrmError, Result};
use crate::import::facts::{CustomerFacts, FIXED};
use crate::import::fields;
use crate::import::quality::{
    percent, DuplicateCluster, FieldQuality, GroupQuality, Inconsistency, QualityOptions,
    QualityReport,
};
use rustc_hash::FxHashMap;
use std::collections::hash_map::Entry;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::hash::Hasher;

const STALE_DAYS: u32 = 90;
const LIST_LIMIT: u32 = 100;

#[derive(Default, Clone)]
struct Tally {
    filled: u64,
    valid: u64,
    checked: bool,
}

impl Tally {
    /// Counts one checked value; 1 when it failed.
    fn check(&mut self, ok: bool) -> u64 {
        self.checked = true;
        self.valid += u64::from(ok);
        u64::from(!ok)
    }
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
            let owners: Option<Vec<String>> = match cx.actor.scope {
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
            let mut fixed: [Tally; FIXED.len()] = Default::default();
            let mut custom: FxHashMap<String, Tally> = FxHashMap::default();
            // Customers by number (their order in the pass), with their owner's group.
            let mut members = Members::default();
            let mut owner_groups: Vec<(String, Group)> = Vec::new();
            let mut owner_index: FxHashMap<Option<String>, u32> = FxHashMap::default();
            let mut stale = 0u64;
            let mut each = |f: CustomerFacts| {
                let mut filled = u64::from(f.filled.count_ones());
                let mut invalid = 0u64;
                for (i, t) in fixed.iter_mut().enumerate() {
                    t.filled += u64::from(f.has(i));
                }
                if f.has(1) {
                    invalid += fixed[1].check(f.phones_valid_in(region));
                }
                if f.has(2) {
                    invalid += fixed[2].check(f.emails_valid);
                }
                for (key, valid) in &f.custom {
                    filled += 1;
                    let t = match custom.get_mut(key) {
                        Some(t) => t,
                        None => custom.entry(key.clone()).or_default(),
                    };
                    t.filled += 1;
                    if let Some(ok) = valid {
                        invalid += t.check(*ok);
                    }
                }
                let is_stale =
                    f.owner_id.is_some() && f.follow_up.is_none_or(|at| at < stale_before);
                stale += u64::from(is_stale);
                let owner = match owner_index.get(&f.owner_id) {
                    Some(&i) => i,
                    None => {
                        let key = f.owner_id.clone().unwrap_or_else(|| "(pool)".into());
                        owner_groups.push((key, Group::default()));
                        let i = owner_groups.len() as u32 - 1;
                        owner_index.insert(f.owner_id, i);
                        i
                    }
                };
                let g = &mut owner_groups[owner as usize].1;
                g.customers += 1;
                g.filled += filled;
                g.invalid += invalid;
                g.stale += u64::from(is_stale);
                members.add(&f.id, owner, f.person);
            };
            cx.tx.customer_facts(owners.as_deref(), &mut each)?;
            let customers = members.len() as u64;
            let tallies: BTreeMap<String, Tally> = FIXED
                .iter()
                .map(|f| f.to_string())
                .zip(fixed)
                .chain(
                    custom
                        .into_iter()
                        .map(|(k, t)| (format!("custom_fields.{k}"), t)),
                )
                .collect();

            // Duplicate clusters: customers joined by a shared key (union-find over the
            // customers in scope that share one); a person's own distinct phones and emails
            // come from the same keys, which hold its contacts' too.
            let mut joins = Joins::new(members.len());
            let mut personal: BTreeMap<(u32, &'static str), BTreeSet<String>> = BTreeMap::new();
            // Most keys have one holder: a key's customers are looked up only once a second
            // holder shows (or when people's own details are wanted).
            let people = members.person.iter().any(|p| *p);
            for (prefix, what) in [("p:", "phone"), ("e:", "email"), ("n:", "name")] {
                let field = if what == "phone" { "phones" } else { "emails" };
                let look = people && what != "name";
                let mut key_now = String::new();
                let mut first = String::new();
                let mut held = 0usize;
                let mut holders: Vec<u32> = Vec::new();
                let mut hold = |key: &str, id: &str, holders: &mut Vec<u32>| {
                    let Some(i) = members.get(id) else {
                        return;
                    };
                    holders.push(i);
                    if look && members.person[i as usize] {
                        personal
                            .entry((i, field))
                            .or_default()
                            .insert(key[2..].to_string());
                    }
                };
                cx.tx.each_dedup_key_with_prefix(prefix, &mut |key, id| {
                    if key != key_now {
                        joins.join(&key_now, what, &mut holders);
                        key_now.clear();
                        key_now.push_str(key);
                        held = 0;
                    }
                    held += 1;
                    match held {
                        1 if !look => {
                            first.clear();
                            first.push_str(id);
                        }
                        2 if !look => {
                            hold(key, &first, &mut holders);
                            hold(key, id, &mut holders);
                        }
                        _ => hold(key, id, &mut holders),
                    }
                })?;
                joins.join(&key_now, what, &mut holders);
            }
            // Clusters are ranked by customer numbers; ids and texts are made only for the
            // ones listed (a million-customer file has ~180,000 clusters, and building them all
            // was a third of the report).
            let found = joins.clusters();
            let mut ranked: Vec<(usize, u32)> = Vec::with_capacity(found.len());
            for c in 0..found.len() {
                let customers = found.customers(c);
                for &i in customers {
                    owner_groups[members.owner[i as usize] as usize]
                        .1
                        .duplicates += 1;
                }
                let first = customers
                    .iter()
                    .copied()
                    .min_by(|&a, &b| crate::ids::record_order(members.id(a), members.id(b)))
                    .unwrap_or_default();
                ranked.push((c, first));
            }
            let rank = |a: &(usize, u32), b: &(usize, u32)| {
                let len = |c: usize| found.customers(c).len();
                len(b.0)
                    .cmp(&len(a.0))
                    .then_with(|| crate::ids::record_order(members.id(a.1), members.id(b.1)))
            };
            if ranked.len() > limit {
                if limit > 0 {
                    ranked.select_nth_unstable_by(limit - 1, rank);
                }
                ranked.truncate(limit);
            }
            ranked.sort_unstable_by(rank);
            let in_clusters = found.customer_count() as u64;
            let cluster_count = found.len() as u64;
            let clusters: Vec<DuplicateCluster> = ranked
                .iter()
                .map(|&(c, _)| {
                    let mut customer_ids: Vec<String> = found
                        .customers(c)
                        .iter()
                        .map(|&i| members.id(i).to_string())
                        .collect();
                    customer_ids.sort_by(|a, b| crate::ids::record_order(a, b));
                    let mut shared: Vec<String> = found.shared(c).collect();
                    shared.sort();
                    DuplicateCluster {
                        customer_ids,
                        shared,
                    }
                })
                .collect();
            let mut inconsistencies: Vec<Inconsistency> = personal
                .into_iter()
                .filter(|(_, values)| values.len() > 1)
                .map(|((i, field), values)| Inconsistency {
                    customer_id: members.id(i).to_string(),
                    field: field.to_string(),
                    values: values.into_iter().collect(),
                })
                .collect();
            inconsistencies.sort_by(|a, b| {
                crate::ids::record_order(&a.customer_id, &b.customer_id).then(a.field.cmp(&b.field))
            });
            let inconsistency_count = inconsistencies.len() as u64;
            inconsistencies.truncate(limit);
            let mut groups: BTreeMap<String, Group> = BTreeMap::new();
            for (owner, g) in owner_groups {
                let team = groups.entry(team_key(&team_of, &owner)).or_default();
                team.add(&g);
                groups.insert(owner, g);
            }

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

impl Group {
    fn add(&mut self, other: &Group) {
        self.customers += other.customers;
        self.filled += other.filled;
        self.invalid += other.invalid;
        self.duplicates += other.duplicates;
        self.stale += other.stale;
    }
}

/// The customers of one report, numbered in the order the pass met them. A million ids are
/// kept in one text and found by their hash (with the rare id whose hash another took kept
/// apart): a map of a million owned strings cost a quarter of the report.
#[derive(Default)]
struct Members {
    /// The ids one after another; id `i` ends at `ends[i]`.
    text: String,
    ends: Vec<usize>,
    by_hash: FxHashMap<u64, u32>,
    collided: FxHashMap<String, u32>,
    /// Each one's owner, as an index into the report's owner groups.
    owner: Vec<u32>,
    person: Vec<bool>,
}

impl Members {
    fn hash(id: &str) -> u64 {
        let mut h = rustc_hash::FxHasher::default();
        h.write(id.as_bytes());
        h.finish()
    }

    /// Adds a customer not met before (the pass lists each once).
    fn add(&mut self, id: &str, owner: u32, person: bool) {
        let n = self.len() as u32;
        match self.by_hash.entry(Self::hash(id)) {
            Entry::Vacant(slot) => {
                slot.insert(n);
            }
            Entry::Occupied(_) => {
                self.collided.insert(id.to_string(), n);
            }
        }
        self.text.push_str(id);
        self.ends.push(self.text.len());
        self.owner.push(owner);
        self.person.push(person);
    }

    fn get(&self, id: &str) -> Option<u32> {
        match self.by_hash.get(&Self::hash(id)) {
            Some(&i) if self.id(i) == id => Some(i),
            _ if self.collided.is_empty() => None,
            _ => self.collided.get(id).copied(),
        }
    }

    fn id(&self, i: u32) -> &str {
        let i = i as usize;
        let start = if i == 0 { 0 } else { self.ends[i - 1] };
        &self.text[start..self.ends[i]]
    }

    fn len(&self) -> usize {
        self.owner.len()
    }
}

/// Union-find over customer numbers, with what joined them.
struct Joins {
    parent: Vec<u32>,
    joined: Vec<bool>,
    /// What each join shared: (a customer of the cluster, `phone`, the end of its value in
    /// `values`), the values one after another in one text.
    shared: Vec<(u32, &'static str, usize)>,
    values: String,
}

impl Joins {
    fn new(n: usize) -> Joins {
        Joins {
            parent: (0..n as u32).collect(),
            joined: vec![false; n],
            shared: Vec::new(),
            values: String::new(),
        }
    }

    fn root(&mut self, mut i: u32) -> u32 {
        while self.parent[i as usize] != i {
            let up = self.parent[i as usize];
            // Path halving keeps the trees flat.
            self.parent[i as usize] = self.parent[up as usize];
            i = up;
        }
        i
    }

    /// Joins the holders of one key (emptied after); a key of a prefix alone joins nothing.
    fn join(&mut self, key: &str, what: &'static str, holders: &mut Vec<u32>) {
        holders.sort_unstable();
        holders.dedup();
        if holders.len() >= 2 && key.len() > 2 {
            let first = self.root(holders[0]);
            for &h in holders.iter() {
                self.joined[h as usize] = true;
                let other = self.root(h);
                if other != first {
                    self.parent[other as usize] = first;
                }
            }
            self.values.push_str(&key[2..]);
            self.shared.push((holders[0], what, self.values.len()));
        }
        holders.clear();
    }

    /// The clusters, as runs of customer numbers and of shared keys: two sorts of
    /// (root, member) pairs instead of a map of vectors per cluster.
    fn clusters(mut self) -> Found {
        let mut customers: Vec<(u32, u32)> = Vec::new();
        for i in 0..self.parent.len() as u32 {
            if self.joined[i as usize] {
                customers.push((self.root(i), i));
            }
        }
        customers.sort_unstable();
        let mut shared: Vec<(u32, u32)> = (0..self.shared.len())
            .map(|s| (self.root(self.shared[s].0), s as u32))
            .collect();
        shared.sort_unstable();
        // Both runs hold the same roots: every join marks its holders, and every joined
        // customer's cluster has the join that joined it.
        let mut ends = Vec::new();
        let mut s = 0;
        for (at, &(root, _)) in customers.iter().enumerate() {
            if customers.get(at + 1).is_none_or(|next| next.0 != root) {
                while s < shared.len() && shared[s].0 == root {
                    s += 1;
                }
                ends.push((at as u32 + 1, s as u32));
            }
        }
        Found {
            customers: customers.into_iter().map(|(_, i)| i).collect(),
            shared: shared.into_iter().map(|(_, s)| s).collect(),
            ends,
            joins: self,
        }
    }
}

/// The duplicate clusters of one report: cluster `c`'s customers and shared keys are the runs
/// ending at `ends[c]`.
struct Found {
    customers: Vec<u32>,
    shared: Vec<u32>,
    ends: Vec<(u32, u32)>,
    joins: Joins,
}

impl Found {
    fn len(&self) -> usize {
        self.ends.len()
    }

    /// Customers in any cluster.
    fn customer_count(&self) -> usize {
        self.customers.len()
    }

    fn starts(&self, c: usize) -> (usize, usize) {
        match c {
            0 => (0, 0),
            _ => (self.ends[c - 1].0 as usize, self.ends[c - 1].1 as usize),
        }
    }

    fn customers(&self, c: usize) -> &[u32] {
        &self.customers[self.starts(c).0..self.ends[c].0 as usize]
    }

    /// What cluster `c`'s customers share: `phone 13800138000`.
    fn shared(&self, c: usize) -> impl Iterator<Item = String> + '_ {
        self.shared[self.starts(c).1..self.ends[c].1 as usize]
            .iter()
            .map(|&s| {
                let s = s as usize;
                let (_, what, end) = self.joins.shared[s];
                let start = match s {
                    0 => 0,
                    _ => self.joins.shared[s - 1].2,
                };
                format!("{what} {}", &self.joins.values[start..end])
            })
    }
}

/// The group key of an owner's team (`(pool)`: the customers without one).
fn team_key(team_of: &HashMap<String, Option<String>>, owner: &str) -> String {
    match team_of.get(owner) {
        Some(Some(team)) => format!("team:{team}"),
        Some(None) => "team:(no team)".into(),
        None => "team:(pool)".into(),
    }
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
