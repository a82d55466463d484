//! The fuzzy name measure of duplicate detection: normalised Levenshtein similarity over
//! characters, `1 - distance / longer length` (1 for two empty names), the same figure strsim's
//! `normalized_levenshtein` gives. A duplicate check only needs to know whether a name reaches the
//! threshold, so it computes the distance within the few edits the threshold allows: a band of the
//! dynamic programme instead of all of it, after the shared beginning and end are set aside.

/// The similarity of two names `distance` edits apart whose longer one has `longer` characters.
/// Every similarity of this module is this one expression, so thresholds compare bit for bit.
pub(crate) fn similarity(distance: usize, longer: usize) -> f64 {
    if longer == 0 {
        1.0
    } else {
        1.0 - (distance as f64) / (longer as f64)
    }
}

/// The most edits two names may be apart, the longer one having `longer` characters, and still
/// reach `threshold` (at most 1; 0 edits always reach it).
pub(crate) fn max_distance(longer: usize, threshold: f64) -> usize {
    let reaches = |d: usize| similarity(d, longer) >= threshold;
    let guess = ((1.0 - threshold) * longer as f64).floor();
    let mut d = if guess.is_finite() && guess > 0.0 {
        (guess as usize).min(longer)
    } else {
        0
    };
    while d < longer && reaches(d + 1) {
        d += 1;
    }
    while d > 0 && !reaches(d) {
        d -= 1;
    }
    d
}

/// The Levenshtein distance of `a` and `b` if it is at most `limit`: O(limit x length) time.
/// `rows` is scratch space, kept by the caller across comparisons.
pub(crate) fn bounded_distance(
    a: &[char],
    b: &[char],
    limit: usize,
    rows: &mut (Vec<usize>, Vec<usize>),
) -> Option<usize> {
    let shared_head = a.iter().zip(b).take_while(|(x, y)| x == y).count();
    let (a, b) = (&a[shared_head..], &b[shared_head..]);
    let shared_tail = a
        .iter()
        .rev()
        .zip(b.iter().rev())
        .take_while(|(x, y)| x == y)
        .count();
    let (a, b) = (&a[..a.len() - shared_tail], &b[..b.len() - shared_tail]);
    let (a, b) = if a.len() <= b.len() { (a, b) } else { (b, a) };
    if b.len() - a.len() > limit {
        return None;
    }
    if a.is_empty() {
        return Some(b.len());
    }
    // Row i holds the distances of a[..i] to b[..j] for j within `limit` of i; cells outside
    // the band hold `over`, which no path through them can get below.
    let over = limit + 1;
    let (prev, cur) = rows;
    prev.clear();
    prev.extend((0..=b.len()).map(|j| j.min(over)));
    cur.clear();
    cur.resize(b.len() + 1, over);
    for i in 1..=a.len() {
        let lo = i.saturating_sub(limit);
        let hi = (i + limit).min(b.len());
        if lo == 0 {
            cur[0] = i.min(over);
        } else {
            cur[lo - 1] = over;
        }
        let mut row_min = if lo == 0 { cur[0] } else { over };
        for j in lo.max(1)..=hi {
            let substitute = prev[j - 1] + usize::from(a[i - 1] != b[j - 1]);
            let cell = substitute.min(prev[j] + 1).min(cur[j - 1] + 1).min(over);
            cur[j] = cell;
            row_min = row_min.min(cell);
        }
        if hi < b.len() {
            cur[hi + 1] = over;
        }
        if row_min > limit {
            return None;
        }
        std::mem::swap(prev, cur);
    }
    Some(prev[b.len()]).filter(|d| *d <= limit)
}

/// Similarity of two normalised names in [0, 1].
pub fn name_similarity(a: &str, b: &str) -> f64 {
    let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
    let longer = a.len().max(b.len());
    let distance = bounded_distance(&a, &b, longer, &mut Default::default()).unwrap_or(longer);
    similarity(distance, longer)
}

/// Compares one probe name with many stored names against one threshold, reusing its buffers.
pub(crate) struct NameMatcher {
    probe: String,
    chars: Vec<char>,
    threshold: f64,
    other: Vec<char>,
    rows: (Vec<usize>, Vec<usize>),
}

impl NameMatcher {
    /// `probe` is a normalised name; `threshold` lies in [0, 1].
    pub(crate) fn new(probe: &str, threshold: f64) -> Self {
        NameMatcher {
            probe: probe.to_string(),
            chars: probe.chars().collect(),
            threshold,
            other: Vec::new(),
            rows: Default::default(),
        }
    }

    /// The similarity of a stored normalised name, if it reaches the threshold.
    pub(crate) fn similarity(&mut self, name: &str) -> Option<f64> {
        if name == self.probe {
            return Some(1.0);
        }
        self.other.clear();
        self.other.extend(name.chars());
        let longer = self.chars.len().max(self.other.len());
        let limit = max_distance(longer, self.threshold);
        let distance = bounded_distance(&self.chars, &self.other, limit, &mut self.rows)?;
        let found = similarity(distance, longer);
        (found >= self.threshold).then_some(found)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn chars(s: &str) -> Vec<char> {
        s.chars().collect()
    }

    #[test]
    fn distances_of_known_pairs() {
        let d = |a: &str, b: &str, k| {
            bounded_distance(&chars(a), &chars(b), k, &mut Default::default())
        };
        assert_eq!(d("kitten", "sitting", 3), Some(3));
        assert_eq!(d("kitten", "sitting", 2), None);
        assert_eq!(d("", "abc", 3), Some(3));
        assert_eq!(d("星辰科技", "星辰科枝", 1), Some(1));
        assert_eq!(d("acmetrading", "acmetrading", 0), Some(0));
        assert_eq!(d("ab", "ba", 5), Some(2));
    }

    #[test]
    fn similarity_of_known_pairs() {
        assert_eq!(name_similarity("acme", "acme"), 1.0);
        assert_eq!(name_similarity("", ""), 1.0);
        assert_eq!(name_similarity("", "a"), 0.0);
        assert!(name_similarity("星辰科技", "星辰科枝") >= 0.75);
        assert!(name_similarity("acme", "globex") < 0.5);
    }

    /// How long this takes is the duplicates benchmark's (`name_similarity_longest_allowed`),
    /// not a test's.
    #[test]
    fn the_longest_allowed_names_are_compared_and_refused_below_the_threshold() {
        let a: String = "北京星辰科技".repeat(34).chars().take(200).collect();
        let b: String = a.chars().rev().collect();
        let s = name_similarity(&a, &b);
        assert!(s < 0.5);
        let mut m = NameMatcher::new(&a, 0.85);
        assert_eq!(m.similarity(&b), None);
        assert_eq!(m.similarity(&a), Some(1.0));
    }

    fn name() -> impl Strategy<Value = String> {
        proptest::collection::vec(
            prop_oneof![Just('a'), Just('b'), Just('c'), Just('星')],
            0..14,
        )
        .prop_map(|v| v.into_iter().collect())
    }

    proptest! {
        /// The banded distance is strsim's within the limit and refuses beyond it; the matcher
        /// keeps exactly the names strsim puts at or above the threshold, with its figure.
        #[test]
        fn agrees_with_strsim(a in name(), b in name(), limit in 0usize..16, t in 0.0f64..=1.0) {
            let exact = strsim::levenshtein(&a, &b);
            let banded = bounded_distance(&chars(&a), &chars(&b), limit, &mut Default::default());
            prop_assert_eq!(banded, (exact <= limit).then_some(exact));
            let reference = strsim::normalized_levenshtein(&a, &b);
            prop_assert_eq!(name_similarity(&a, &b), reference);
            let kept = NameMatcher::new(&a, t).similarity(&b);
            let expected = if a == b { Some(1.0) } else { (reference >= t).then_some(reference) };
            prop_assert_eq!(kept, expected);
        }

        #[test]
        fn max_distance_is_the_last_one_reaching_the_threshold(longer in 0usize..300, t in 0.0f64..=1.0) {
            let d = max_distance(longer, t);
            prop_assert!(similarity(d, longer) >= t);
            prop_assert!(d == longer || similarity(d + 1, longer) < t);
        }
    }
}
