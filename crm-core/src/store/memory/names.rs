//! The memory store's name gram index (see `customer::grams`): each distinct indexed name under
//! each of its grams with its length and character classes (`customer::classes`), in one
//! ordered set (a set per gram would cost a tree node per rare gram, and most grams are rare),
//! and how many names hold each gram; and each name under its deletion variants (see
//! `customer::variants`).

use super::read_ahead;
use crate::customer::classes::{char_classes, Near};
use crate::customer::grams::{name_grams, name_len, GRAM_LEN};
use crate::customer::variants::name_variants;
use imbl::{HashMap, OrdSet};
use std::hash::{BuildHasher, BuildHasherDefault};
use std::ops::RangeInclusive;
use std::sync::Arc;

/// A gram's characters in one word, 21 bits each, so an entry stays small.
pub(super) type Packed = u64;

/// The packed gram, or `None` for a string that is no gram (no indexed name holds it).
pub(super) fn pack(gram: &str) -> Option<Packed> {
    let mut chars = gram.chars();
    let mut packed = 0;
    for _ in 0..GRAM_LEN {
        packed = packed << 21 | u64::from(chars.next()?);
    }
    chars.next().is_none().then_some(packed)
}

#[derive(Clone, Default)]
pub(super) struct NameIndex {
    /// (gram, length, classes, name): one shared copy of a name serves all its entries; the
    /// classes, in what would be padding, let a look-up drop a name without reading it.
    pub(super) postings: OrdSet<(Packed, u32, u32, Arc<str>)>,
    pub(super) counts: HashMap<Packed, u64>,
    /// (hash of a variant, name). A hash rather than the text keeps an entry small; two
    /// variants colliding in 64 bits would only add a candidate, which the caller's exact
    /// similarity then drops. Never stored, so any fixed hash does.
    pub(super) variants: OrdSet<(u64, Arc<str>)>,
}

/// A variant's key in `NameIndex::variants`.
pub(super) fn variant_hash(variant: &str) -> u64 {
    BuildHasherDefault::<rustc_hash::FxHasher>::default().hash_one(variant)
}

impl NameIndex {
    /// Indexes a name that has just got its first holder.
    pub(super) fn add(&mut self, name: &str) {
        let shared: Arc<str> = Arc::from(name);
        let (len, classes) = (name_len(name), char_classes(name));
        for gram in name_grams(name).iter().filter_map(|g| pack(g)) {
            if self
                .postings
                .insert((gram, len, classes, shared.clone()))
                .is_none()
            {
                *self.counts.entry(gram).or_default() += 1;
            }
        }
        for variant in name_variants(name) {
            self.variants
                .insert((variant_hash(&variant), shared.clone()));
        }
    }

    /// Drops a name that has just lost its last holder.
    pub(super) fn remove(&mut self, name: &str) {
        let shared: Arc<str> = Arc::from(name);
        let (len, classes) = (name_len(name), char_classes(name));
        for gram in name_grams(name).iter().filter_map(|g| pack(g)) {
            if self
                .postings
                .remove(&(gram, len, classes, shared.clone()))
                .is_some()
            {
                match self.counts.get_mut(&gram) {
                    Some(n) if *n > 1 => *n -= 1,
                    _ => {
                        self.counts.remove(&gram);
                    }
                }
            }
        }
        for variant in name_variants(name) {
            self.variants
                .remove(&(variant_hash(&variant), shared.clone()));
        }
    }

    /// The distinct names holding any of `variants`.
    pub(super) fn with_variants(&self, variants: &[String]) -> Vec<String> {
        let empty: Arc<str> = Arc::from("");
        let mut found: Vec<&Arc<str>> = Vec::new();
        for hash in variants.iter().map(|v| variant_hash(v)) {
            found.extend(
                self.variants
                    .range((hash, empty.clone())..)
                    .take_while(|(h, _)| *h == hash)
                    .map(|(_, name)| name),
            );
        }
        let mut out: Vec<String> = found
            .into_iter()
            .map(|n| String::from(n.as_ref()))
            .collect();
        out.sort_unstable();
        out.dedup();
        out
    }

    pub(super) fn counts(&self, grams: &[String]) -> Vec<u64> {
        grams
            .iter()
            .map(|g| pack(g).and_then(|p| self.counts.get(&p).copied()))
            .map(Option::unwrap_or_default)
            .collect()
    }

    pub(super) fn names(
        &self,
        grams: &[String],
        lengths: RangeInclusive<u32>,
        at_least: u32,
        near: Near,
    ) -> Vec<Arc<str>> {
        let empty: Arc<str> = Arc::from("");
        let mut packed: Vec<Packed> = grams.iter().filter_map(|g| pack(g)).collect();
        packed.sort_unstable();
        packed.dedup();
        let packed_len = packed.len();
        let mut found: Vec<&Arc<str>> = Vec::new();
        for gram in packed {
            let from = (gram, *lengths.start(), 0, empty.clone());
            found.extend(
                self.postings
                    .range(from..)
                    .take_while(|(g, len, _, _)| *g == gram && len <= lengths.end())
                    .filter(|(_, _, classes, _)| near.admits(*classes))
                    .map(|(_, _, _, name)| name),
            );
        }
        // All entries of a name share one copy, so the address tells names apart and counts
        // their grams without reading a name that holds too few.
        // One gram names each name once: nothing to count.
        if packed_len > 1 {
            found.sort_unstable_by_key(|name| Arc::as_ptr(name).cast::<u8>());
        }
        let kept = found
            .chunk_by(|a, b| Arc::ptr_eq(a, b))
            .filter(|run| run.len() >= at_least as usize)
            .map(|run| run[0]);
        // The names are cold (one heap block each, tens of thousands for a common gram): each
        // block is fetched ahead of taking a reference to it.
        let mut out = Vec::new();
        read_ahead(
            kept,
            |name| {
                // The byte itself: a reference to it would not load the block.
                std::hint::black_box(name.as_bytes().first().copied());
            },
            |name| out.push(Arc::clone(name)),
        );
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn packing_keeps_grams_apart_and_refuses_other_strings() {
        assert_ne!(pack("abc"), pack("acb"));
        assert_ne!(pack("^星辰"), pack("星辰$"));
        assert_eq!(pack("ab"), None);
        assert_eq!(pack("abcd"), None);
        assert!(pack("\u{10FFFF}\u{10FFFF}\u{10FFFF}").is_some());
    }

    /// The names `NameIndex::names` returns, as text in order.
    fn texts(
        index: &NameIndex,
        grams: &[String],
        lengths: RangeInclusive<u32>,
        at_least: u32,
        near: Near,
    ) -> Vec<String> {
        let mut names: Vec<String> = index
            .names(grams, lengths, at_least, near)
            .iter()
            .map(|n| n.to_string())
            .collect();
        names.sort();
        names
    }

    #[test]
    fn a_name_is_found_by_any_of_its_grams_within_the_lengths() {
        let mut index = NameIndex::default();
        index.add("acme");
        index.add("acmee");
        let grams = |g: &[&str]| g.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(
            texts(&index, &grams(&["acm", "zzz"]), 0..=10, 1, Near::ANY),
            ["acme", "acmee"]
        );
        assert_eq!(
            texts(&index, &grams(&["acm"]), 5..=5, 1, Near::ANY),
            ["acmee"]
        );
        assert_eq!(
            texts(&index, &grams(&["acm", "ee$", "acm"]), 0..=10, 2, Near::ANY),
            ["acmee"]
        );
        assert!(index
            .names(&grams(&["acm", "zzz"]), 0..=10, 2, Near::ANY)
            .is_empty());
        // "acmee" has no letter "acme" lacks, and one edit separates them; "acme" lacks
        // nothing of "acmx" but its "x".
        let near = Near::of;
        assert_eq!(
            texts(&index, &grams(&["acm"]), 0..=10, 1, near("acmx", 0)),
            Vec::<String>::new()
        );
        assert_eq!(
            texts(&index, &grams(&["acm"]), 0..=10, 1, near("acmx", 1)),
            ["acme", "acmee"]
        );
        assert_eq!(index.counts(&grams(&["acm", "ee$", "x"])), [2, 1, 0]);
        assert_eq!(
            index.with_variants(&grams(&["acm", "acmee"])),
            ["acme", "acmee"]
        );
        assert_eq!(
            index.with_variants(&grams(&["acmeee"])),
            Vec::<String>::new()
        );
        index.remove("acme");
        assert_eq!(index.counts(&grams(&["acm", "me$"])), [1, 0]);
        index.remove("acmee");
        assert!(index.postings.is_empty() && index.counts.is_empty());
    }
}
