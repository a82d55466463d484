//! Blocking for fuzzy name matches (撞单): which stored names can reach the similarity threshold,
//! read from an index of the names' 3-grams instead of a scan of every name.
//!
//! A name is padded with two `^` in front and two `$` behind (a normalised name holds neither) and
//! cut into its overlapping windows of three characters: `acme` has `^^a ^ac acm cme me$ e$$`.
//! Stores index each distinct name under each of its distinct grams, with its length in
//! characters. Three-character grams are selective for Latin names, where pairs of letters are
//! common, and work as they are for Chinese names (which need no pinyin or phonetic key: they are
//! matched on their characters, and a gram of hanzi is rarer still).
//!
//! The look-up finds every name the full scan would, whatever the threshold at or above 0.5. A
//! match of length `lb` is at most `max_distance(max(la, lb))` edits from the probe, which bounds
//! `lb` (the length window) and gives two guarantees that some gram of a chosen set survives in it:
//! - counting (Ukkonen's q-gram lemma): names `d` edits apart share at least
//!   `max(la, lb) + 2 - 3d` grams, counted with repeats; so once the chosen grams occur more often
//!   in the probe than it can lose, a match holds one of them;
//! - position: an edit only destroys the grams that overlap it, so if no `d` edits can touch every
//!   occurrence of the chosen grams (fewer points than `d + 1` cannot stab all their intervals),
//!   one of them survives intact in the match.
//!
//! The look-up takes the probe's grams rarest first until either holds, and reads only their
//! names. When neither can hold (thresholds under about 2/3, where a similar name may share
//! hardly a gram; or below 0.5, where the length window stops being narrow), it says so and
//! the caller scans every name, as before, so answers never depend on the threshold.

use super::classes::{class_counts, Near};
use super::similarity::max_distance;
use std::ops::RangeInclusive;

/// Characters per gram.
pub const GRAM_LEN: usize = 3;
const HEAD: char = '^';
const TAIL: char = '$';

/// Distinct grams of a name with the padded positions each starts at, in order of first
/// occurrence.
fn positioned(name: &str) -> Vec<(String, Vec<usize>)> {
    let pad = GRAM_LEN - 1;
    let chars: Vec<char> = std::iter::repeat_n(HEAD, pad)
        .chain(name.chars())
        .chain(std::iter::repeat_n(TAIL, pad))
        .collect();
    let mut grams: Vec<(String, Vec<usize>)> = Vec::with_capacity(chars.len());
    for (at, window) in chars.windows(GRAM_LEN).enumerate() {
        let gram: String = window.iter().collect();
        match grams.iter_mut().find(|(g, _)| *g == gram) {
            Some((_, starts)) => starts.push(at),
            None => grams.push((gram, vec![at])),
        }
    }
    grams
}

/// The distinct grams a store indexes a normalised name under.
pub fn name_grams(name: &str) -> Vec<String> {
    positioned(name).into_iter().map(|(g, _)| g).collect()
}

/// The length of a name as the index records it: characters.
pub fn name_len(name: &str) -> u32 {
    u32::try_from(name.chars().count()).unwrap_or(u32::MAX)
}

/// How to find every stored name that can reach a threshold against one probe.
#[derive(Debug)]
pub(crate) struct Blocking {
    grams: Vec<(String, Vec<usize>)>,
    /// The probe's length in characters.
    len: usize,
    /// Lengths a match can have.
    lengths: RangeInclusive<u32>,
    /// The most edits any match can be away.
    edits: usize,
    /// The fewest grams (with repeats) any match shares with the probe; may be 0 or less.
    shared: i64,
    /// Each length a match can have, with the most edits a match of that length can be away.
    edits_by_length: Vec<(u32, usize)>,
    /// The probe's character class counts.
    counts: u64,
    /// Every occurrence of the probe's grams, `(first, last, gram)`: the probe's characters
    /// it covers (an edit stabs one of them; an insertion destroys a subset of what replacing
    /// a neighbour does) and its index in `grams`, by `last`, so that the stabbing number of
    /// any choice of grams is one pass.
    by_end: Vec<(usize, usize, usize)>,
}

impl Blocking {
    /// The blocking of a normalised probe name at `threshold`; `None` when the length window is
    /// not narrow (thresholds under 0.5): scan instead.
    pub(crate) fn new(probe: &str, threshold: f64) -> Option<Blocking> {
        if !(0.5..=1.0).contains(&threshold) {
            return None;
        }
        let len = probe.chars().count();
        let grams = positioned(probe);
        // Each candidate length with the most edits a match of that length can have.
        let shorter = len - max_distance(len, threshold)..=len;
        let shorter = shorter.map(|lb| (lb, max_distance(len, threshold)));
        // A longer match needs at least its excess length in edits, at most half its length at
        // 0.5: none is longer than twice the probe (one more for rounding).
        let longer = (len + 1..=2 * len + 2)
            .map(|lb| (lb, max_distance(lb, threshold)))
            .filter(|&(lb, d)| lb - len <= d);
        let clamp = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
        let edits_by_length: Vec<(u32, usize)> = shorter
            .chain(longer)
            .map(|(lb, d)| (clamp(lb), d))
            .collect();
        let (mut lo, mut hi, mut edits, mut shared) = (u32::MAX, 0, 0, i64::MAX);
        for &(lb, d) in &edits_by_length {
            lo = lo.min(lb);
            hi = hi.max(lb);
            edits = edits.max(d);
            shared = shared.min(shared_at(len, lb, d));
        }
        let (first, last) = characters(len);
        let mut by_end: Vec<(usize, usize, usize)> = grams
            .iter()
            .enumerate()
            .flat_map(|(i, (_, starts))| starts.iter().map(move |&s| (s, i)))
            .map(|(s, i)| {
                let end = s + GRAM_LEN - 1;
                (s.clamp(first, last), end.clamp(first, last), i)
            })
            .collect();
        by_end.sort_unstable_by_key(|&(_, end, _)| end);
        Some(Blocking {
            grams,
            by_end,
            len,
            lengths: lo..=hi,
            edits,
            shared,
            edits_by_length,
            counts: class_counts(probe),
        })
    }

    /// The probe's distinct grams, to be counted by the store.
    pub(crate) fn grams(&self) -> Vec<String> {
        self.grams.iter().map(|(g, _)| g.clone()).collect()
    }

    /// The lengths in characters a match can have.
    pub(crate) fn lengths(&self) -> RangeInclusive<u32> {
        self.lengths.clone()
    }

    /// The most edits any match can be away from the probe.
    pub(crate) fn edits(&self) -> usize {
        self.edits
    }

    /// Which names of `lengths` can match as far as their character class counts tell: the
    /// probe's counts, and the most edits a match of any of those lengths can be away.
    pub(crate) fn near(&self, lengths: &RangeInclusive<u32>) -> Near {
        let edits = self
            .edits_by_length
            .iter()
            .filter(|(lb, _)| lengths.contains(lb))
            .map(|&(_, d)| d)
            .max()
            .unwrap_or(self.edits);
        Near {
            counts: self.counts,
            edits: u32::try_from(edits).unwrap_or(u32::MAX),
        }
    }

    /// Given how many names hold each gram of [`Blocking::grams`], the grams to read and how
    /// many of them every match holds at least; `None` when no choice guarantees one (scan
    /// instead).
    ///
    /// The grams that guarantee one are often joined by a common gram (a trade word such as
    /// "technologies"), whose names would all have to be compared. Reading a few more grams
    /// until every match must hold two of them lets the store drop, without looking at them,
    /// the names that hold only one; that is chosen when those grams' names are at most
    /// `wider_read` times as many (what a store reads in the time one candidate costs).
    pub(crate) fn pick(&self, counts: &[u64], wider_read: u64) -> Option<Picked> {
        let count = |i: usize| counts.get(i).copied().unwrap_or(u64::MAX);
        let read = |set: &[usize]| set.iter().fold(0u64, |n, &i| n.saturating_add(count(i)));
        let [one, two] = self.rarest_first(&count, wider_read);
        let one = one.map(|set| self.pruned(set, 1, &count));
        let two = two.map(|set| self.pruned(set, 2, &count));
        match (one, two) {
            (Some(one), Some(two)) if read(&two) <= read(&one).saturating_mul(wider_read) => {
                Some(self.picked(two, 2))
            }
            (None, Some(two)) => Some(self.picked(two, 2)),
            (Some(one), _) => Some(self.picked(one, 1)),
            (None, None) => None,
        }
    }

    /// The rarest grams that guarantee one, and those that guarantee two (when they read at
    /// most `wider_read` times the first).
    fn rarest_first(
        &self,
        count: &dyn Fn(usize) -> u64,
        wider_read: u64,
    ) -> [Option<Vec<usize>>; 2] {
        let mut order: Vec<usize> = (0..self.grams.len()).collect();
        order.sort_by_key(|&i| (count(i), i));
        let (mut chosen, mut picked) = (vec![false; self.grams.len()], Vec::new());
        let mut read = 0u64;
        let mut one: Option<(Vec<usize>, u64)> = None;
        for i in order {
            chosen[i] = true;
            picked.push(i);
            read = read.saturating_add(count(i));
            let distinct = self.held_by(&chosen, self.shared, self.edits);
            match &one {
                None if distinct >= 2 => return [None, Some(picked)],
                None if distinct == 1 => one = Some((picked.clone(), read)),
                Some((_, first)) if read > first.saturating_mul(wider_read) => break,
                Some((set, _)) if distinct >= 2 => return [Some(set.clone()), Some(picked)],
                _ => {}
            }
        }
        [one.map(|(set, _)| set), None]
    }

    /// `chosen` without the grams its guarantee of `at_least` does not need, commonest first.
    /// Taken rarest first, grams that overlap each other add little to what an edit must
    /// destroy: of a brand's ten grams, four disjoint ones may guarantee as much. Dropping
    /// grams never adds a candidate (a name holding enough of fewer grams held enough of all).
    fn pruned(
        &self,
        mut chosen: Vec<usize>,
        at_least: i64,
        count: &dyn Fn(usize) -> u64,
    ) -> Vec<usize> {
        let mut mask = self.mask(&chosen);
        let mut by_count = chosen.clone();
        by_count.sort_by_key(|&i| std::cmp::Reverse((count(i), i)));
        for gram in by_count {
            mask[gram] = false;
            if self.held_by(&mask, self.shared, self.edits) < at_least {
                mask[gram] = true;
            }
        }
        chosen.retain(|&i| mask[i]);
        chosen
    }

    /// `grams` with how many of them a match holds at least, length by length: the guarantee
    /// `pick` chose them for holds at the length allowing the most edits, and a length that
    /// allows fewer (a shorter match, within the probe's own budget) keeps more of them, so
    /// the store can drop the names that hold too few without their text being read.
    fn picked(&self, chosen: Vec<usize>, at_least: u32) -> Picked {
        let mask = self.mask(&chosen);
        let mut by_length: Vec<(RangeInclusive<u32>, u32)> = Vec::new();
        for &(lb, d) in &self.edits_by_length {
            let distinct = self.held_by(&mask, shared_at(self.len, lb, d), d);
            let here = u32::try_from(distinct).unwrap_or(u32::MAX).max(at_least);
            match by_length.last_mut() {
                Some((run, n)) if *n == here && run.end().checked_add(1) == Some(lb) => {
                    *run = *run.start()..=lb
                }
                _ => by_length.push((lb..=lb, here)),
            }
        }
        Picked {
            grams: chosen.iter().map(|&i| self.grams[i].0.clone()).collect(),
            at_least,
            by_length,
        }
    }

    /// A flag per gram of [`Blocking::grams`], set for the `chosen` indices.
    fn mask(&self, chosen: &[usize]) -> Vec<bool> {
        let mut mask = vec![false; self.grams.len()];
        chosen.iter().for_each(|&i| mask[i] = true);
        mask
    }

    /// How many of the `chosen` grams (a flag per gram) every match holds, when it shares at
    /// least `shared` grams with the probe and is at most `edits` edits away.
    fn held_by(&self, chosen: &[bool], shared: i64, edits: usize) -> i64 {
        let (mut occurrences, mut most_repeated) = (0i64, 1i64);
        for ((_, starts), _) in self.grams.iter().zip(chosen).filter(|(_, &c)| c) {
            occurrences += starts.len() as i64;
            most_repeated = most_repeated.max(starts.len() as i64);
        }
        let intervals = self.by_end.iter().filter(|o| chosen[o.2]);
        let stabbing = stabbing(intervals.map(|&(first, last, _)| (first, last)));
        let total = (self.len + GRAM_LEN - 1) as i64;
        held(
            shared,
            total - occurrences,
            stabbing as i64 - edits as i64,
            most_repeated,
        )
    }
}

/// How many distinct picked grams every match holds (0: no guarantee). The occurrences of the
/// picked grams a match keeps: by counting (Ukkonen's lemma: it shares `shared`, at most the
/// `unpicked` occurrences elsewhere) and by position (`placed`: the stabbing number less the
/// edits, as that many disjoint occurrences stay unhit). A gram occurs at most `most_repeated`
/// times, so that many occurrences make one distinct gram.
fn held(shared: i64, unpicked: i64, placed: i64, most_repeated: i64) -> i64 {
    let counted = if shared >= 1 { shared - unpicked } else { 0 };
    let kept = counted.max(placed);
    if kept >= 1 {
        (kept + most_repeated - 1) / most_repeated
    } else {
        0
    }
}

/// The fewest grams (with repeats) a name of `lb` characters at most `d` edits from a probe of
/// `len` shares with it (Ukkonen); 0 or less when there is no such guarantee.
fn shared_at(len: usize, lb: u32, d: usize) -> i64 {
    let longest = len.max(lb as usize) as i64;
    longest + GRAM_LEN as i64 - 1 - (GRAM_LEN * d) as i64
}

/// The grams to read for a probe, and how many of them a name must hold to be a candidate.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Picked {
    pub(crate) grams: Vec<String>,
    /// The fewest at any length.
    pub(crate) at_least: u32,
    /// The fewest for each run of lengths (ascending, covering the blocking's lengths).
    pub(crate) by_length: Vec<(RangeInclusive<u32>, u32)>,
}

/// The padded positions of the first and last characters of a probe of `len` characters.
fn characters(len: usize) -> (usize, usize) {
    let first = GRAM_LEN - 1;
    (first, (first + len).saturating_sub(1).max(first))
}

/// The fewest points that hit every closed interval, given in order of their right ends
/// (greedy by right end, which is optimal).
fn stabbing(by_end: impl Iterator<Item = (usize, usize)>) -> usize {
    let mut last: Option<usize> = None;
    let mut points = 0;
    for (start, end) in by_end {
        if last.is_none_or(|p| start > p) {
            points += 1;
            last = Some(end);
        }
    }
    points
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grams_are_padded_windows_without_repeats() {
        assert_eq!(
            name_grams("acme"),
            ["^^a", "^ac", "acm", "cme", "me$", "e$$"]
        );
        assert_eq!(name_grams(""), ["^^$", "^$$"]);
        assert_eq!(name_grams("aaaa"), ["^^a", "^aa", "aaa", "aa$", "a$$"]);
        assert_eq!(name_grams("星辰"), ["^^星", "^星辰", "星辰$", "辰$$"]);
        assert_eq!(name_len("星辰科技"), 4);
    }

    #[test]
    fn the_window_and_the_edits_follow_the_threshold() {
        let b = Blocking::new("acmetrading", 0.85).unwrap();
        // 11 characters: one edit at most, so lengths 10 to 12.
        assert_eq!(b.lengths(), 10..=12);
        assert_eq!(b.edits, 1);
        let exact = Blocking::new("acme", 1.0).unwrap();
        assert_eq!((exact.lengths(), exact.edits), (4..=4, 0));
        assert!(Blocking::new("acme", 0.49).is_none());
        let wide = Blocking::new("acme", 0.5).unwrap();
        assert_eq!(wide.lengths(), 2..=8);
    }

    #[test]
    fn rare_grams_come_first_and_suffice_when_no_edit_budget_reaches_them_all() {
        let b = Blocking::new("acmetrading", 0.85).unwrap();
        let grams = b.grams();
        let mut counts = vec![1000; grams.len()];
        let rare = |g: &str| grams.iter().position(|x| x == g).unwrap();
        counts[rare("acm")] = 1;
        counts[rare("din")] = 2;
        // "acm" and "din" lie apart: one edit cannot destroy both. Every other gram is common,
        // so reading more to guarantee two is not worth it.
        let one = |grams: &[&str]| (grams.iter().map(|g| g.to_string()).collect::<Vec<_>>(), 1);
        let got = |p: Picked| (p.grams, p.at_least);
        assert_eq!(got(b.pick(&counts, 8).unwrap()), one(&["acm", "din"]));
        counts[rare("cme")] = 0;
        // "cme" overlaps "acm", so one edit could destroy both: "din" is needed with it, and
        // then "acm" adds nothing (taken rarest first, it would be read too).
        assert_eq!(got(b.pick(&counts, 8).unwrap()), one(&["cme", "din"]));
    }

    #[test]
    fn low_thresholds_on_long_names_fall_back_to_a_scan() {
        let long = "abcdefghijklmnopqrstuvwxyz0123456789";
        let b = Blocking::new(long, 0.55).unwrap();
        assert_eq!(b.pick(&vec![1; b.grams().len()], 8), None);
        assert!(Blocking::new(long, 0.85)
            .unwrap()
            .pick(&vec![1; 38], 8)
            .is_some());
    }

    #[test]
    fn a_common_gram_joining_rare_ones_is_outweighed_by_requiring_two() {
        // "tabiatechnologies" at 0.85: up to two edits (three for the longest matches). The
        // rare grams lie in "tabia"; seven grams guarantee one by counting, so two grams as
        // common as a city's are read; the rest is a trade word every tenth name holds.
        let b = Blocking::new("tabiatechnologies", 0.85).unwrap();
        let grams = b.grams();
        let counts: Vec<u64> = grams
            .iter()
            .map(|g| match g.as_str() {
                "tab" | "abi" | "bia" | "iat" => 20,
                "^ta" | "^^t" | "ate" => 2_000,
                _ => 10_000,
            })
            .collect();
        let picked = b.pick(&counts, 8).unwrap();
        // One more (common) gram, and only the names holding two of the eight are compared.
        assert_eq!((picked.grams.len(), picked.at_least), (8, 2), "{picked:?}");
        // When the grams that guarantee one are rare and the next is very common, reading it
        // would cost more than comparing the few names: one is asked for.
        let rare_then_common: Vec<u64> = grams
            .iter()
            .map(|g| match g.as_str() {
                "tab" | "abi" | "bia" | "iat" | "^ta" | "^^t" | "ate" => 10,
                _ => 100_000,
            })
            .collect();
        let picked = b.pick(&rare_then_common, 8).unwrap();
        assert_eq!((picked.grams.len(), picked.at_least), (7, 1), "{picked:?}");
    }

    #[test]
    fn grams_the_guarantee_does_not_need_are_not_read() {
        // "ioterbretechnologies" at 0.85 (the default), with how many of 1,000,000 generated
        // names hold each gram: three edits, so four disjoint grams guarantee one and five
        // two. Taken rarest first, the brand's ten grams (34,504 names hold "ter") and "gie"
        // guarantee two, reading 122,401 names; dropping what the guarantee does not need,
        // commonest first, leaves four disjoint grams of the brand and one of the trade word,
        // 65,601 names.
        let b = Blocking::new("ioterbretechnologies", 0.85).unwrap();
        let counts = [
            12_665, 3_130, 1_763, 4_028, 34_504, 2_619, 2_298, 11_204, 3_580, 4_700, 51_957,
            52_052, 42_237, 42_189, 42_558, 44_741, 76_168, 75_976, 41_910, 61_037, 66_869,
            193_408,
        ];
        assert_eq!(b.grams().len(), counts.len());
        let picked = b.pick(&counts, 8).unwrap();
        assert_eq!(picked.grams, ["rbr", "ote", "ete", "^^i", "gie"]);
        assert_eq!(picked.at_least, 2);
        // Without the trade word's gram, the four guarantee one: read when comparing is cheap.
        let picked = b.pick(&counts, 1).unwrap();
        assert_eq!((picked.grams.len(), picked.at_least), (4, 1), "{picked:?}");
    }

    #[test]
    fn lengths_that_allow_fewer_edits_ask_for_more_grams() {
        // "trontaltechnologies" (19 characters) at 0.85: two edits for matches of 17 to 19
        // characters, three for 20 to 22. Its rarest grams are the brand's.
        let b = Blocking::new("trontaltechnologies", 0.85).unwrap();
        assert_eq!(b.lengths(), 17..=22);
        let grams = b.grams();
        let counts: Vec<u64> = (0..grams.len() as u64)
            .map(|i| if i < 10 { 100 + i } else { 10_000 })
            .collect();
        // Nine guarantee one at the length allowing the most edits (20 characters, three
        // edits, 13 of 21 grams shared); a match within two edits shares 15, so holds 3.
        let picked = b.pick(&counts, 0).unwrap();
        assert_eq!((picked.grams.len(), picked.at_least), (9, 1), "{picked:?}");
        assert_eq!(
            picked.by_length,
            [(17..=19, 3), (20..=20, 1), (21..=21, 2), (22..=22, 3)]
        );
        // Reading a tenth raises each by one.
        let picked = b.pick(&counts, u64::MAX).unwrap();
        assert_eq!((picked.grams.len(), picked.at_least), (10, 2), "{picked:?}");
        assert_eq!(
            picked.by_length,
            [(17..=19, 4), (20..=20, 2), (21..=21, 3), (22..=22, 4)]
        );
    }

    #[test]
    fn stabbing_counts_disjoint_groups() {
        assert_eq!(stabbing([(0, 2), (1, 3), (2, 4)].into_iter()), 1);
        assert_eq!(stabbing([(0, 2), (3, 5), (4, 6)].into_iter()), 2);
        assert_eq!(stabbing(std::iter::empty()), 0);
    }
}
