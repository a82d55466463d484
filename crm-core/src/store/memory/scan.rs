//! Listing customers by a [`CustomerQuery`]: from the index that narrows the query most (the
//! owners' records, or the ids of the pool, levels, regions or tags) or, when none narrows it
//! enough, by one pass over the table. The facet indexes (level, region, tag) exist for
//! audiences: at a million customers a pass costs a cache miss per customer (the records are
//! scattered on the heap), while a tag held by one customer in twenty is read in a twentieth of
//! the look-ups. Records are read ahead in batches (`read_ahead`).

use super::{member_add, member_remove, read_ahead, Key, State};
use crate::customer::Customer;
use crate::store::CustomerQuery;
use imbl::{HashMap, HashSet};
use std::collections::BTreeSet;
use std::sync::Arc;

/// Customers by level, region and tag (every status: the query filters merged ones out).
#[derive(Clone, Default)]
pub(super) struct Facets {
    pub(super) by_level: HashMap<Key, HashSet<Key>>,
    pub(super) by_region: HashMap<Key, HashSet<Key>>,
    pub(super) by_tag: HashMap<Key, HashSet<Key>>,
}

impl Facets {
    /// Moves customer `id` from the facets of `old` to those of `new` (None: absent), touching
    /// only what changed.
    pub(super) fn reindex(&mut self, id: &str, old: Option<&Customer>, new: Option<&Customer>) {
        move_one(
            &mut self.by_level,
            id,
            old.and_then(|c| c.level.as_deref()),
            new.and_then(|c| c.level.as_deref()),
        );
        move_one(
            &mut self.by_region,
            id,
            old.and_then(|c| c.region.as_deref()),
            new.and_then(|c| c.region.as_deref()),
        );
        let empty = BTreeSet::new();
        let (old_tags, new_tags) = (
            old.map_or(&empty, |c| &c.tags),
            new.map_or(&empty, |c| &c.tags),
        );
        if old_tags != new_tags {
            for t in old_tags.difference(new_tags) {
                member_remove(&mut self.by_tag, t, id);
            }
            for t in new_tags.difference(old_tags) {
                member_add(&mut self.by_tag, t, id);
            }
        }
    }
}

fn move_one(
    index: &mut HashMap<Key, HashSet<Key>>,
    id: &str,
    old: Option<&str>,
    new: Option<&str>,
) {
    if old != new {
        if let Some(o) = old {
            member_remove(index, o, id);
        }
        if let Some(n) = new {
            member_add(index, n, id);
        }
    }
}

/// Where a query's customers can only be: the owners' records, or the id sets of one index.
enum Source<'a> {
    Records(Vec<&'a HashMap<Key, Arc<Customer>>>),
    Ids(Vec<&'a HashSet<Key>>),
}

/// The source, and the query left to check on each customer found there.
struct Narrowed<'a> {
    source: Source<'a>,
    rest: CustomerQuery,
    /// For tags, the tag of each set: a customer with two of them is in both sets, and is
    /// visited from the first.
    tags: Option<Vec<&'a str>>,
}

/// A look-up by id costs about three steps of a pass over the table (measured at 1,000,000
/// customers): an index pays when it names fewer than a third of them.
const LOOKUP_COST: usize = 3;

/// A query as checked on each customer: many owners (a manager's team) in a hashed set
/// rather than the query's list.
struct Check<'a> {
    owners: Option<rustc_hash::FxHashSet<&'a str>>,
    rest: CustomerQuery,
}

impl<'a> Check<'a> {
    fn new(query: &'a CustomerQuery) -> Self {
        match &query.owners {
            Some(owners) if owners.len() > 8 => Check {
                owners: Some(owners.iter().map(String::as_str).collect()),
                rest: CustomerQuery {
                    owners: None,
                    ..query.clone()
                },
            },
            _ => Check {
                owners: None,
                rest: query.clone(),
            },
        }
    }

    fn accepts(&self, c: &Customer) -> bool {
        self.owners
            .as_ref()
            .is_none_or(|set| c.owner_id.as_deref().is_some_and(|o| set.contains(o)))
            && self.rest.accepts(c)
    }
}

/// Reads what the checks and the callers' first steps read of `c`: its status, owner and id.
fn touch(c: &&Arc<Customer>) {
    std::hint::black_box((
        c.status,
        c.owner_id.as_deref().and_then(|o| o.bytes().next()),
        c.id.bytes().next(),
    ));
}

/// Calls `f` with each of `records` that `check` accepts, reading ahead.
fn each_accepted<'a>(
    records: impl Iterator<Item = &'a Arc<Customer>>,
    check: &Check<'_>,
    f: &mut dyn FnMut(&Arc<Customer>),
) {
    read_ahead(records, touch, |c| {
        if check.accepts(c) {
            f(c);
        }
    });
}

impl State {
    /// Calls `f` with every customer `query` accepts, in no order.
    pub(super) fn each_customer(&self, query: &CustomerQuery, f: &mut dyn FnMut(&Arc<Customer>)) {
        match self.narrowed(query) {
            Some(Narrowed {
                source: Source::Records(owners),
                rest,
                ..
            }) => each_accepted(
                owners.iter().flat_map(|records| records.values()),
                &Check::new(&rest),
                f,
            ),
            Some(Narrowed {
                source: Source::Ids(sets),
                rest,
                tags,
            }) => {
                let rest = Check::new(&rest);
                for (i, set) in sets.iter().enumerate() {
                    for id in set.iter() {
                        let Some(c) = self.customers.get::<str>(id) else {
                            continue;
                        };
                        let earlier = tags
                            .as_ref()
                            .is_some_and(|t| t[..i].iter().any(|t| c.tags.contains(*t)));
                        if !earlier && rest.accepts(c) {
                            f(c);
                        }
                    }
                }
            }
            None => each_accepted(self.customers.values(), &Check::new(query), f),
        }
    }

    /// The index that narrows `query` most, if reading it costs less than a pass: a record read
    /// from the owner index costs a step of the pass, an id looked up [`LOOKUP_COST`] steps.
    fn narrowed<'a>(&'a self, query: &'a CustomerQuery) -> Option<Narrowed<'a>> {
        // The entries of the keys present, each key once (a key named twice would visit its
        // customers twice).
        fn entries<'a, V>(
            index: &'a HashMap<Key, V>,
            keys: &'a [String],
        ) -> (Vec<&'a str>, Vec<&'a V>) {
            let keys: BTreeSet<&'a str> = keys.iter().map(String::as_str).collect();
            keys.into_iter()
                .filter_map(|k| index.get(k).map(|v| (k, v)))
                .unzip()
        }
        let mut best: Option<(usize, Narrowed<'a>)> = None;
        // A source costing `cost` steps, with `clear` taking the filter it answers off what is
        // left to check.
        let mut offer = |cost: usize, source: Source<'a>, clear: fn(&mut CustomerQuery), tags| {
            if best.as_ref().is_none_or(|(b, _)| cost < *b) {
                let mut rest = query.clone();
                clear(&mut rest);
                best = Some((cost, Narrowed { source, rest, tags }));
            }
        };
        let ids =
            |sets: &[&HashSet<Key>]| sets.iter().map(|s| s.len()).sum::<usize>() * LOOKUP_COST;
        if let Some(owners) = &query.owners {
            let (_, records) = entries(&self.by_owner, owners);
            let cost = records.iter().map(|r| r.len()).sum();
            offer(cost, Source::Records(records), |q| q.owners = None, None);
        }
        // The pool index holds the active customers waiting in the pool: all `in_pool` asks
        // for unless merged ones are wanted too.
        if let Some(pool) = query.in_pool.as_ref().filter(|_| !query.include_merged) {
            let sets: Vec<_> = self.by_pool.get(pool.as_str()).into_iter().collect();
            offer(ids(&sets), Source::Ids(sets), |q| q.in_pool = None, None);
        }
        if let Some(levels) = &query.levels {
            let (_, sets) = entries(&self.facets.by_level, levels);
            offer(ids(&sets), Source::Ids(sets), |q| q.levels = None, None);
        }
        if let Some(regions) = &query.regions {
            let (_, sets) = entries(&self.facets.by_region, regions);
            offer(ids(&sets), Source::Ids(sets), |q| q.regions = None, None);
        }
        if let Some(tags) = &query.tags_any {
            let (names, sets) = entries(&self.facets.by_tag, tags);
            offer(
                ids(&sets),
                Source::Ids(sets),
                |q| q.tags_any = None,
                Some(names),
            );
        }
        best.filter(|(cost, _)| *cost < self.customers.len())
            .map(|(_, n)| n)
    }
}
