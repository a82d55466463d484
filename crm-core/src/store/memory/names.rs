//! The memory store's name gram index (see `customer::grams`): each distinct indexed name under
//! each of its grams and its length, with its character class counts (`customer::classes`),
//! and how many names hold each gram; and each name under its deletion variants (see
//! `customer::variants`).

use super::read_ahead;
use crate::customer::classes::{class_counts, Near};
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

/// A name in a run: its character class counts (`customer::classes`), which let a look-up drop
/// it without reading it, and its number in [`NameIndex::names`]. Words of 32 bits: twelve
/// bytes, not sixteen.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Posting {
    counts: [u32; 2],
    id: u32,
}

impl Posting {
    fn counts(&self) -> u64 {
        u64::from(self.counts[1]) << 32 | u64::from(self.counts[0])
    }
}

/// Postings per block of a run: a block changed while a snapshot shares it is copied whole.
const RUN_BLOCK: usize = 256;

/// The names holding one gram at one length, by number (ascending: numbers are handed out in
/// order, and runs are only appended to or have an entry taken out), in blocks shared between
/// the store's snapshots.
#[derive(Clone, Default)]
struct Run {
    blocks: Vec<Arc<Vec<Posting>>>,
}

impl Run {
    fn push(&mut self, posting: Posting) {
        match self.blocks.last_mut() {
            Some(block) if block.len() < RUN_BLOCK => Arc::make_mut(block).push(posting),
            _ => self.blocks.push(Arc::new(vec![posting])),
        }
    }

    /// Takes name `id` out; false when the run does not hold it.
    fn remove(&mut self, id: u32) -> bool {
        let at = self
            .blocks
            .partition_point(|b| b.last().is_some_and(|p| p.id < id));
        let Some(block) = self.blocks.get_mut(at) else {
            return false;
        };
        let Ok(i) = block.binary_search_by_key(&id, |p| p.id) else {
            return false;
        };
        Arc::make_mut(block).remove(i);
        if block.is_empty() {
            self.blocks.remove(at);
        }
        true
    }

    fn len(&self) -> usize {
        self.blocks.iter().map(|b| b.len()).sum()
    }

    fn iter(&self) -> impl Iterator<Item = &Posting> {
        self.blocks.iter().flat_map(|b| b.iter())
    }
}

/// The names holding one gram: how many, and their runs by length.
#[derive(Clone, Default)]
struct Gram {
    names: u64,
    /// (length, run), by length; no run is empty.
    runs: Vec<(u32, Run)>,
}

impl Gram {
    /// The runs of `lengths`.
    fn runs(&self, lengths: &RangeInclusive<u32>) -> impl Iterator<Item = &Run> + use<'_> {
        let (first, last) = (*lengths.start(), *lengths.end());
        let from = self.runs.partition_point(|(len, _)| *len < first);
        self.runs[from..]
            .iter()
            .take_while(move |(len, _)| *len <= last)
            .map(|(_, run)| run)
    }
}

/// The index. A look-up reads the runs of its grams at each length a match can have, a block (a
/// slice) at a time, and common grams' runs hold tens of thousands of names: so a posting is
/// twelve bytes holding a name's number, and a gram is one hashed look-up (measured at 1,000,000
/// names: an ordered set of every posting cost about 20 ns an entry to step over, these runs a
/// few). Numbers also make counting a name's grams a merge of sorted runs.
#[derive(Clone, Default)]
pub(super) struct NameIndex {
    /// Each gram's names; shared, so that a write copies only the grams it changes while a
    /// snapshot holds them.
    grams: HashMap<Packed, Arc<Gram>>,
    /// Each name by its number (`None` once dropped: numbers are not reused).
    names: Numbered,
    /// (hash of a variant, name). A hash rather than the text keeps an entry small; two
    /// variants colliding in 64 bits would only add a candidate, which the caller's exact
    /// similarity then drops. Never stored, so any fixed hash does.
    pub(super) variants: OrdSet<(u64, Arc<str>)>,
}

/// Names by number, in blocks shared between the store's snapshots (a write copies the block it
/// changes only while a snapshot holds it). A number's name is one step from a short table of
/// blocks: a persistent vector's tree walk cost about half a microsecond per cold look-up
/// (measured), as much as comparing the name.
#[derive(Clone, Default)]
struct Numbered {
    blocks: Arc<Vec<Arc<NameBlock>>>,
    len: usize,
}

const BLOCK: usize = 1024;

/// [`BLOCK`] names by number (the last block fewer).
type NameBlock = Vec<Option<Arc<str>>>;

impl Numbered {
    fn len(&self) -> usize {
        self.len
    }

    fn get(&self, id: usize) -> Option<&Arc<str>> {
        self.blocks.get(id / BLOCK)?.get(id % BLOCK)?.as_ref()
    }

    fn push(&mut self, name: Arc<str>) {
        let blocks = Arc::make_mut(&mut self.blocks);
        if self.len % BLOCK == 0 {
            blocks.push(Arc::new(Vec::with_capacity(BLOCK)));
        }
        if let Some(last) = blocks.last_mut() {
            Arc::make_mut(last).push(Some(name));
            self.len += 1;
        }
    }

    /// Empties the slot of `id`, handing back its name.
    fn take(&mut self, id: usize) -> Option<Arc<str>> {
        let block = Arc::make_mut(&mut self.blocks).get_mut(id / BLOCK)?;
        Arc::make_mut(block).get_mut(id % BLOCK)?.take()
    }

    fn living(&self) -> impl Iterator<Item = &Arc<str>> {
        self.blocks.iter().flat_map(|b| b.iter().flatten())
    }
}

/// A variant's key in `NameIndex::variants`.
pub(super) fn variant_hash(variant: &str) -> u64 {
    BuildHasherDefault::<rustc_hash::FxHasher>::default().hash_one(variant)
}

impl NameIndex {
    /// Indexes a name that has just got its first holder (so no run holds it yet).
    pub(super) fn add(&mut self, name: &str) {
        if u32::try_from(self.names.len()).is_err() {
            // Four billion names have come and gone: number the living ones afresh.
            self.renumber();
        }
        // Past that only four billion living names, which no memory holds, leave one unindexed.
        let Ok(id) = u32::try_from(self.names.len()) else {
            return;
        };
        let shared: Arc<str> = Arc::from(name);
        self.names.push(shared.clone());
        let (len, counts) = (name_len(name), class_counts(name));
        let posting = Posting {
            counts: [counts as u32, (counts >> 32) as u32],
            id,
        };
        for packed in name_grams(name).iter().filter_map(|g| pack(g)) {
            let gram = Arc::make_mut(self.grams.entry(packed).or_default());
            gram.names += 1;
            let at = gram.runs.partition_point(|(l, _)| *l < len);
            match gram.runs.get_mut(at) {
                Some((l, run)) if *l == len => run.push(posting),
                _ => {
                    let mut run = Run::default();
                    run.push(posting);
                    gram.runs.insert(at, (len, run));
                }
            }
        }
        for variant in name_variants(name) {
            self.variants
                .insert((variant_hash(&variant), shared.clone()));
        }
    }

    /// Drops a name that has just lost its last holder.
    pub(super) fn remove(&mut self, name: &str) {
        let len = name_len(name);
        let packed: Vec<Packed> = name_grams(name).iter().filter_map(|g| pack(g)).collect();
        let lengths = len..=len;
        // Its number, found by its text in its shortest run.
        let shortest = packed
            .iter()
            .filter_map(|g| self.grams.get(g))
            .flat_map(|gram| gram.runs(&lengths))
            .min_by_key(|run| run.len());
        let Some(id) = shortest.and_then(|run| {
            run.iter()
                .find(|p| self.name(p.id).is_some_and(|n| n.as_ref() == name))
                .map(|p| p.id)
        }) else {
            return;
        };
        for g in packed {
            let Some(gram) = self.grams.get_mut(&g) else {
                continue;
            };
            let gram = Arc::make_mut(gram);
            let at = gram.runs.partition_point(|(l, _)| *l < len);
            let Some((_, run)) = gram.runs.get_mut(at).filter(|(l, _)| *l == len) else {
                continue;
            };
            if run.remove(id) {
                if run.blocks.is_empty() {
                    gram.runs.remove(at);
                }
                gram.names -= 1;
                if gram.names == 0 {
                    self.grams.remove(&g);
                }
            }
        }
        if let Some(shared) = self.names.take(id as usize) {
            for variant in name_variants(name) {
                self.variants
                    .remove(&(variant_hash(&variant), shared.clone()));
            }
        }
    }

    fn name(&self, id: u32) -> Option<&Arc<str>> {
        self.names.get(id as usize)
    }

    /// The living names numbered from nought again, their runs rebuilt.
    fn renumber(&mut self) {
        let living: Vec<Arc<str>> = self.names.living().cloned().collect();
        *self = NameIndex::default();
        for name in living {
            self.add(&name);
        }
    }

    /// Every posting as (gram, length, class counts, name), in no order: for checks of the index.
    #[cfg(test)]
    pub(super) fn entries(&self) -> impl Iterator<Item = (Packed, u32, u64, &Arc<str>)> {
        self.grams.iter().flat_map(move |(&packed, gram)| {
            gram.runs.iter().flat_map(move |(len, run)| {
                run.iter().filter_map(move |p| {
                    self.name(p.id).map(|name| (packed, *len, p.counts(), name))
                })
            })
        })
    }

    /// How many names hold each gram, for checks of the index.
    #[cfg(test)]
    pub(super) fn gram_counts(&self) -> impl Iterator<Item = (Packed, u64)> + '_ {
        self.grams.iter().map(|(g, gram)| (*g, gram.names))
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
            .map(|g| {
                pack(g)
                    .and_then(|p| self.grams.get(&p))
                    .map(|gram| gram.names)
            })
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
        let mut packed: Vec<Packed> = grams.iter().filter_map(|g| pack(g)).collect();
        packed.sort_unstable();
        packed.dedup();
        let runs: Vec<&Run> = packed
            .iter()
            .filter_map(|g| self.grams.get(g))
            .flat_map(|gram| gram.runs(&lengths))
            .collect();
        let mut found: Vec<u32> = Vec::with_capacity(runs.iter().map(|r| r.len()).sum());
        for block in runs.iter().flat_map(|run| &run.blocks) {
            found.extend(
                block
                    .iter()
                    .filter(|p| near.admits(p.counts()))
                    .map(|p| p.id),
            );
        }
        // A name has one length, so one gram's runs never share a name: with more than one
        // gram, a stable sort merges the runs (each already in order) and brings each name's
        // grams together to be counted.
        if packed.len() > 1 {
            found.sort();
        }
        let kept = found
            .chunk_by(|a, b| a == b)
            .filter(|run| run.len() >= at_least as usize)
            .map(|run| run[0]);
        // The names are cold (one heap block each, thousands of them, and their numbers'
        // entries too): each is fetched ahead of taking a reference to it.
        let mut out = Vec::new();
        read_ahead(
            kept,
            |&id| {
                // The byte itself: a reference to it would not load the block.
                std::hint::black_box(self.name(id).and_then(|n| n.as_bytes().first().copied()));
            },
            |id| out.extend(self.name(id).cloned()),
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
            ["acme"]
        );
        // "acmee" holds two "e"s: two edits from "acmx" as far as counts tell.
        assert_eq!(
            texts(&index, &grams(&["acm"]), 0..=10, 1, near("acmx", 2)),
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
        assert!(index.grams.is_empty());
        assert!(index.variants.is_empty() && index.names.living().next().is_none());
    }

    /// Runs longer than a block, names taken out of their middles, and counting across runs
    /// after that: a run stays in order, so each name's grams still come together.
    #[test]
    fn runs_stay_in_order_through_removals_and_renumbering() {
        let mut index = NameIndex::default();
        // Same length, same grams but the first: one run per shared gram, several blocks long.
        let names: Vec<String> = (0..3 * RUN_BLOCK).map(|i| format!("{i:04}acme")).collect();
        names.iter().for_each(|n| index.add(n));
        let grams = |g: &[&str]| g.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let both = |index: &NameIndex| texts(index, &grams(&["acm", "me$"]), 8..=8, 2, Near::ANY);
        assert_eq!(both(&index).len(), 3 * RUN_BLOCK);
        for gone in names.iter().step_by(3) {
            index.remove(gone);
        }
        let mut left: Vec<String> = names
            .iter()
            .enumerate()
            .filter(|(i, _)| i % 3 != 0)
            .map(|(_, n)| n.clone())
            .collect();
        left.sort();
        assert_eq!(both(&index), left);
        assert_eq!(index.counts(&grams(&["acm"])), [2 * RUN_BLOCK as u64]);
        // A name that comes back gets a new number and is counted once.
        index.add(&names[0]);
        left.insert(0, names[0].clone());
        assert_eq!(both(&index), left);
        let before = index.names.len();
        index.renumber();
        assert_eq!(index.names.len(), left.len());
        assert!(index.names.len() < before);
        assert_eq!(both(&index), left);
        for run in index
            .grams
            .values()
            .flat_map(|g| g.runs.iter().map(|(_, r)| r))
        {
            let ids: Vec<u32> = run.iter().map(|p| p.id).collect();
            assert!(ids.windows(2).all(|w| w[0] < w[1]), "{ids:?}");
        }
    }
}
