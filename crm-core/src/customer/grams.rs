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
        let (mut lo, mut hi, mut edits, mut shared) = (usize::MAX, 0, 0, i64::MAX);
        for (lb, d) in shorter.chain(longer) {
            let longest = len.max(lb) as i64;
            lo = lo.min(lb);
            hi = hi.max(lb);
            edits = edits.max(d);
            shared = shared.min(longest + GRAM_LEN as i64 - 1 - (GRAM_LEN * d) as i64);
        }
        let clamp = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
        Some(Blocking {
            grams,
            len,
            lengths: clamp(lo)..=clamp(hi),
            edits,
            shared,
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

    /// Given how many names hold each gram of [`Blocking::grams`], the rarest grams every match
    /// holds at least one of; `None` when no choice guarantees that (scan instead).
    pub(crate) fn pick(&self, counts: &[u64]) -> Option<Vec<String>> {
        let mut order: Vec<usize> = (0..self.grams.len()).collect();
        order.sort_by_key(|&i| (counts.get(i).copied().unwrap_or(u64::MAX), i));
        let total = (self.len + GRAM_LEN - 1) as i64;
        // The probe's characters sit at padded positions first..=last; an edit stabs one of
        // them (an insertion destroys a subset of what replacing a neighbour does).
        let first = GRAM_LEN - 1;
        let last = (first + self.len).saturating_sub(1).max(first);
        let (mut occurrences, mut intervals, mut picked) = (0i64, Vec::new(), Vec::new());
        for i in order {
            let (gram, starts) = &self.grams[i];
            picked.push(gram.clone());
            occurrences += starts.len() as i64;
            intervals.extend(
                starts
                    .iter()
                    .map(|&s| (s.clamp(first, last), (s + GRAM_LEN - 1).clamp(first, last))),
            );
            let counted = self.shared >= 1 && occurrences > total - self.shared;
            if counted || stabbing_number(&mut intervals) > self.edits {
                return Some(picked);
            }
        }
        None
    }
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
        // "acm" and "din" lie apart: one edit cannot destroy both.
        assert_eq!(b.pick(&counts).unwrap(), ["acm", "din"]);
        counts[rare("cme")] = 0;
        // "cme" overlaps "acm", so one edit still could destroy both: "din" is needed too.
        assert_eq!(b.pick(&counts).unwrap(), ["cme", "acm", "din"]);
    }

    #[test]
    fn low_thresholds_on_long_names_fall_back_to_a_scan() {
        let long = "abcdefghijklmnopqrstuvwxyz0123456789";
        let b = Blocking::new(long, 0.55).unwrap();
        assert_eq!(b.pick(&vec![1; b.grams().len()]), None);
        assert!(Blocking::new(long, 0.85)
            .unwrap()
            .pick(&vec![1; 38])
            .is_some());
    }

    #[test]
    fn stabbing_counts_disjoint_groups() {
        assert_eq!(stabbing_number(&mut [(0, 2), (1, 3), (2, 4)]), 1);
        assert_eq!(stabbing_number(&mut [(0, 2), (3, 5), (4, 6)]), 2);
        assert_eq!(stabbing_number(&mut []), 0);
    }
}
