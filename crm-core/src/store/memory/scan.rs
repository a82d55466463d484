//! Listing customers by a [`CustomerQuery`]: from the smallest index that narrows the query
//! (owners, pool, levels, regions, tags) or, when none narrows it enough, by one pass over the
//! table. The facet indexes (level, region, tag) exist for audiences: at a million customers a
//! pass costs a cache miss per customer (the records are scattered on the heap), while a tag
//! held by one customer in twenty is read in a twentieth of the look-ups.

use super::{member_add, member_remove, Key, State};
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

/// Where a query's customers can only be: the sets of one index, and the query left to check
/// on each customer found there.
struct Narrowed<'a> {
    sets: Vec<&'a HashSet<Key>>,
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

impl State {
    /// Calls `f` with every customer `query` accepts, in no order.
    pub(super) fn each_customer(&self, query: &CustomerQuery, f: &mut dyn FnMut(&Arc<Customer>)) {
        match self.narrowed(query) {
            Some(n) => {
                let rest = Check::new(&n.rest);
                for (i, set) in n.sets.iter().enumerate() {
                    for id in set.iter() {
                        let Some(c) = self.customers.get::<str>(id) else {
                            continue;
                        };
                        let earlier = n
                            .tags
                            .as_ref()
                            .is_some_and(|t| t[..i].iter().any(|t| c.tags.contains(*t)));
                        if !earlier && rest.accepts(c) {
                            f(c);
                        }
                    }
                }
            }
            None => {
                let check = Check::new(query);
                for c in self.customers.values() {
                    if check.accepts(c) {
                        f(c);
                    }
                }
            }
        }
    }

    /// The index that narrows `query` most, if reading it costs less than a pass.
    fn narrowed<'a>(&'a self, query: &'a CustomerQuery) -> Option<Narrowed<'a>> {
        // The sets of the keys present, each key once (a key named twice would visit its
        // customers twice).
        let sets = |index: &'a HashMap<Key, HashSet<Key>>, keys: &'a [String]| {
            let keys: BTreeSet<&'a str> = keys.iter().map(String::as_str).collect();
            keys.into_iter()
                .filter_map(|k| index.get(k).map(|set| (k, set)))
                .unzip::<_, _, Vec<&'a str>, Vec<&'a HashSet<Key>>>()
        };
        let mut best: Option<(usize, Narrowed<'a>)> = None;
        // An index's sets, with `clear` taking the filter they answer off what is left to check.
        let mut offer = |sets: Vec<&'a HashSet<Key>>, clear: fn(&mut CustomerQuery), tags| {
            let size: usize = sets.iter().map(|s| s.len()).sum();
            if best.as_ref().is_none_or(|(b, _)| size < *b) {
                let mut rest = query.clone();
                clear(&mut rest);
                best = Some((size, Narrowed { sets, rest, tags }));
            }
        };
        if let Some(owners) = &query.owners {
            offer(sets(&self.by_owner, owners).1, |q| q.owners = None, None);
        }
        // The pool index holds the active customers waiting in the pool: all `in_pool` asks
        // for unless merged ones are wanted too.
        if let Some(pool) = query.in_pool.as_ref().filter(|_| !query.include_merged) {
            let set = self.by_pool.get(pool.as_str()).into_iter().collect();
            offer(set, |q| q.in_pool = None, None);
        }
        if let Some(levels) = &query.levels {
            offer(
                sets(&self.facets.by_level, levels).1,
                |q| q.levels = None,
                None,
            );
        }
        if let Some(regions) = &query.regions {
            offer(
                sets(&self.facets.by_region, regions).1,
                |q| q.regions = None,
                None,
            );
        }
        if let Some(tags) = &query.tags_any {
            let (names, found) = sets(&self.facets.by_tag, tags);
            offer(found, |q| q.tags_any = None, Some(names));
        }
        best.filter(|(size, _)| size * LOOKUP_COST < self.customers.len())
            .map(|(_, n)| n)
    }
}
