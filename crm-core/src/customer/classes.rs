//! A name's characters counted by class in one 64-bit word: a lower bound on how many edits two
//! names are apart, read without their text.
//!
//! Each character falls in one of 32 classes: the letters `a`-`z` their own, digits six, and any
//! other character (hanzi) by a hash. A class's count takes two bits: 0, 1, 2, or 3 for three or
//! more. An edit removes at most one character and adds at most one, so names whose counts are
//! `A` and `B` are at least `max(sum of (A - B)+, sum of (B - A)+)` edits apart (capping a count
//! at three only shrinks a difference). Stores keep each name's counts beside its grams: among
//! the names sharing a probe's common grams (a trade word such as "technologies" with any brand),
//! most hold the probe's letters in other numbers, and are dropped before their text is read.
//! Counting, not just noting, the letters matters there: the trade word holds most letters.

/// The class counts of the characters of a normalised name, two bits per class.
pub fn class_counts(name: &str) -> u64 {
    name.chars().fold(0, |counts, c| {
        let shift = 2 * class(c);
        if counts >> shift & 3 < 3 {
            counts + (1 << shift)
        } else {
            counts
        }
    })
}

fn class(c: char) -> u32 {
    match c {
        'a'..='z' => c as u32 - 'a' as u32,
        '0'..='9' => 26 + (c as u32 - '0' as u32) % 6,
        // Fibonacci hashing: the top five bits of the code point times 2^32 / phi.
        _ => (c as u32).wrapping_mul(0x9E37_79B9) >> 27,
    }
}

/// The sum over classes of `a`'s count less `b`'s where it is more, all 32 at once: even and
/// odd classes apart, each count in a nibble of its own so the subtraction borrows from none.
fn excess(a: u64, b: u64) -> u32 {
    const LOW: u64 = 0x3333_3333_3333_3333;
    const FOUR: u64 = 0x4444_4444_4444_4444;
    const ONE: u64 = 0x1111_1111_1111_1111;
    let half = |a: u64, b: u64| {
        // Each nibble 4 + a - b, in 1..=7; its bit 2 says a >= b, its low bits are then a - b.
        let t = (a | FOUR) - b;
        t & LOW & ((t >> 2 & ONE) * 3)
    };
    // Nibbles of at most 6, bytes of at most 12, a total of at most 96.
    let v = half(a & LOW, b & LOW) + half(a >> 2 & LOW, b >> 2 & LOW);
    let v = (v & 0x0F0F_0F0F_0F0F_0F0F) + (v >> 4 & 0x0F0F_0F0F_0F0F_0F0F);
    (v.wrapping_mul(0x0101_0101_0101_0101) >> 56) as u32
}

/// Which names a gram look-up keeps: those at most `edits` edits from a probe whose characters
/// are counted in `counts`, as far as their counts tell.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Near {
    pub counts: u64,
    pub edits: u32,
}

impl Near {
    /// Keeps every name.
    pub const ANY: Near = Near {
        counts: 0,
        edits: u32::MAX,
    };

    /// The names at most `edits` edits from `probe`, a normalised name.
    pub fn of(probe: &str, edits: u32) -> Near {
        Near {
            counts: class_counts(probe),
            edits,
        }
    }

    /// Whether a normalised name can be within the edits, for a store that holds its text
    /// rather than its counts.
    pub fn admits_name(&self, name: &str) -> bool {
        self.admits(class_counts(name))
    }

    /// Whether a name with these class counts can be within the edits.
    pub fn admits(&self, counts: u64) -> bool {
        let missing = excess(self.counts, counts);
        let extra = excess(counts, self.counts);
        missing.max(extra) <= self.edits
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::customer::similarity::bounded_distance;
    use proptest::prelude::*;

    fn distance(a: &str, b: &str) -> usize {
        let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
        let longer = a.len().max(b.len());
        bounded_distance(&a, &b, longer, &mut Default::default()).unwrap_or(longer)
    }

    /// The excess counted one class at a time.
    fn excess_by_class(a: u64, b: u64) -> u32 {
        (0..32)
            .map(|c| (a >> (2 * c) & 3).saturating_sub(b >> (2 * c) & 3) as u32)
            .sum()
    }

    #[test]
    fn letters_are_classes_of_their_own_and_the_bound_can_be_exact() {
        assert_eq!(class_counts("abz"), 1 | 1 << 2 | 1 << 50);
        assert_eq!(class_counts(""), 0);
        assert_eq!(class_counts("06"), 2 << 52);
        // Counts stop at three.
        assert_eq!(class_counts("aaaaa"), 3);
        // Two more of letters the other holds once: two edits, not none.
        assert_eq!(distance("tonnor", "tonor"), 1);
        assert!(!Near::of("tonnoor", 1).admits_name("tonor"));
        assert!(Near::of("tonnoor", 2).admits_name("tonor"));
        // Three letters the other lacks, each way: three edits, which the distance is.
        assert_eq!(distance("fieldhub", "fieldvin"), 3);
        assert!(Near::of("fieldhub", 3).admits_name("fieldvin"));
        assert!(!Near::of("fieldhub", 2).admits_name("fieldvin"));
        // Only one side counts at a time: "abc" lacks nothing "abcxy" holds but two extras.
        assert!(Near::of("abcxy", 2).admits_name("abc"));
        assert!(!Near::of("abcxy", 1).admits_name("abc"));
        assert!(Near::ANY.admits(u64::MAX));
        assert_eq!(excess(u64::MAX, 0), 96);
        assert_eq!(excess(0, u64::MAX), 0);
    }

    proptest! {
        /// Never above the edit distance: a look-up that drops by classes keeps every match.
        #[test]
        fn classes_never_overstate_the_distance(
            a in "[a-e0-9星辰科技鑫 ]{0,10}",
            b in "[a-e0-9星辰科技鑫 ]{0,10}",
        ) {
            let d = distance(&a, &b) as u32;
            prop_assert!(Near::of(&a, d).admits_name(&b), "{a:?} {b:?} {d}");
        }

        /// All classes at once, as one at a time.
        #[test]
        fn the_word_wide_excess_is_the_sum_over_classes(a: u64, b: u64) {
            prop_assert_eq!(excess(a, b), excess_by_class(a, b));
        }
    }
}
