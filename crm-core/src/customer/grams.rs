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

use super::classes::{char_classes, Near};
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
    /// The probe's character classes.
    classes: u32,
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
        Some(Blocking {
            grams,
            len,
            lengths: lo..=hi,
            edits,
            shared,
            edits_by_length,
            classes: char_classes(probe),
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

    /// Which names of `lengths` can match as far as their character classes tell: the probe's
    /// classes, and the most edits a match of any of those lengths can be away.
    pub(crate) fn near(&self, lengths: &RangeInclusive<u32>) -> Near {
        let edits = self
            .edits_by_length
            .iter()
            .filter(|(lb, _)| lengths.contains(lb))
            .map(|&(_, d)| d)
            .max()
            .unwrap_or(self.edits);
        Near {
            classes: self.classes,
            edits: u32::try_from(edits).unwrap_or(u32::MAX),
        }
    }

    /// Given how many names hold each gram of [`Blocking::grams`], the rarest grams to read and
    /// how many of them every match holds at least; `None` when no choice guarantees one (scan
    /// instead).
    ///
    /// The rarest grams that guarantee one are often joined by one common gram (a trade word
    /// such as "technologies"), whose names would all have to be compared. Reading a few more
    /// grams until every match must hold two of them lets the store drop, without looking at
    /// them, the names that hold only one; that is chosen when those grams' names are at most
    /// `wider_read` times as many (what a store reads in the time one candidate costs).
    pub(crate) fn pick(&self, counts: &[u64], wider_read: u64) -> Option<Picked> {
        let mut order: Vec<usize> = (0..self.grams.len()).collect();
        order.sort_by_key(|&i| (counts.get(i).copied().unwrap_or(u64::MAX), i));
        let total = (self.len + GRAM_LEN - 1) as i64;
        // The probe's characters sit at padded positions first..=last; an edit stabs one of
        // them (an insertion destroys a subset of what replacing a neighbour does).
        let (first, last) = self.characters();
        let (mut occurrences, mut intervals, mut picked) = (0i64, Vec::new(), Vec::new());
        let (mut most_repeated, mut read) = (1i64, 0u64);
        let mut one: Option<(Vec<String>, u64)> = None;
        for i in order {
            let (gram, starts) = &self.grams[i];
            picked.push(gram.clone());
            read = read.saturating_add(counts.get(i).copied().unwrap_or(u64::MAX));
            occurrences += starts.len() as i64;
            most_repeated = most_repeated.max(starts.len() as i64);
            intervals.extend(
                starts
                    .iter()
                    .map(|&s| (s.clamp(first, last), (s + GRAM_LEN - 1).clamp(first, last))),
            );
            let distinct = held(
                self.shared,
                total - occurrences,
                stabbing_number(&mut intervals) as i64 - self.edits as i64,
                most_repeated,
            );
            match (&one, distinct) {
                (None, 1) => one = Some((picked.clone(), read)),
                (None, _) if distinct >= 2 => return Some(self.picked(picked, 2)),
                (Some((_, first_read)), _) if distinct >= 2 => {
                    if read <= first_read.saturating_mul(wider_read) {
                        return Some(self.picked(picked, 2));
                    }
                    break;
                }
                (Some((_, first_read)), _) if read > first_read.saturating_mul(wider_read) => break,
                _ => {}
            }
        }
        one.map(|(grams, _)| self.picked(grams, 1))
    }

    /// `grams` with how many of them a match holds at least, length by length: the guarantee
    /// `pick` chose them for holds at the length allowing the most edits, and a length that
    /// allows fewer (a shorter match, within the probe's own budget) keeps more of them, so
    /// the store can drop the names that hold too few without their text being read.
    fn picked(&self, grams: Vec<String>, at_least: u32) -> Picked {
        let chosen: Vec<&Vec<usize>> = self
            .grams
            .iter()
            .filter(|(g, _)| grams.contains(g))
            .map(|(_, starts)| starts)
            .collect();
        let occurrences: i64 = chosen.iter().map(|s| s.len() as i64).sum();
        let most_repeated = chosen.iter().map(|s| s.len() as i64).max().unwrap_or(1);
        let (first, last) = self.characters();
        let mut intervals: Vec<(usize, usize)> = chosen
            .iter()
            .flat_map(|starts| starts.iter())
            .map(|&s| (s.clamp(first, last), (s + GRAM_LEN - 1).clamp(first, last)))
            .collect();
        let stabbing = stabbing_number(&mut intervals) as i64;
        let total = (self.len + GRAM_LEN - 1) as i64;
        let mut by_length: Vec<(RangeInclusive<u32>, u32)> = Vec::new();
        for &(lb, d) in &self.edits_by_length {
            let distinct = held(
                shared_at(self.len, lb, d),
                total - occurrences,
                stabbing - d as i64,
                most_repeated,
            );
            let here = u32::try_from(distinct).unwrap_or(u32::MAX).max(at_least);
            match by_length.last_mut() {
                Some((run, n)) if *n == here && run.end().checked_add(1) == Some(lb) => {
                    *run = *run.start()..=lb
                }
                _ => by_length.push((lb..=lb, here)),
            }
        }
        Picked {
            grams,
            at_least,
            by_length,
        }
    }

    /// The padded positions of the probe's first and last characters.
    fn characters(&self) -> (usize, usize) {
        let first = GRAM_LEN - 1;
        (first, (first + self.len).saturating_sub(1).max(first))
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

/// The fewest points that hit every closed interval (greedy by right end, which is optimal).
fn stabbing_number(intervals: &mut [(usize, usize)]) -> usize {
    intervals.sort_unstable_by_key(|&(_, end)| end);
    let mut last: Option<usize> = None;
    let mut points = 0;
    for &(start, end) in intervals.iter() {
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
        // "cme" overlaps "acm", so one edit still could destroy both: "din" is needed too.
        assert_eq!(
            got(b.pick(&counts, 8).unwrap()),
            one(&["cme", "acm", "din"])
        );
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
        assert_eq!(stabbing_number(&mut [(0, 2), (1, 3), (2, 4)]), 1);
        assert_eq!(stabbing_number(&mut [(0, 2), (3, 5), (4, 6)]), 2);
        assert_eq!(stabbing_number(&mut []), 0);
    }
}
