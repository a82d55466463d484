//! A name's character classes in one 32-bit word: a lower bound on how many edits two names are
//! apart, read without their text.
//!
//! Each character falls in one of 32 classes: the letters `a`-`z` their own, digits six, and any
//! other character (hanzi) by a hash. Every character of one name whose class the other name
//! lacks must be deleted or replaced, one edit each, so names with class sets `A` and `B` are at
//! least `max(|A \ B|, |B \ A|)` edits apart. Stores keep each name's classes beside its grams:
//! among the names sharing a probe's common grams (a trade word such as "technologies" with any
//! brand), most lack letters of the probe's brand, and are dropped before their text is read.

/// The classes of the characters of a normalised name, one bit each.
pub fn char_classes(name: &str) -> u32 {
    name.chars().fold(0, |set, c| set | 1 << class(c))
}

fn class(c: char) -> u32 {
    match c {
        'a'..='z' => c as u32 - 'a' as u32,
        '0'..='9' => 26 + (c as u32 - '0' as u32) % 6,
        // Fibonacci hashing: the top five bits of the code point times 2^32 / phi.
        _ => (c as u32).wrapping_mul(0x9E37_79B9) >> 27,
    }
}

/// Which names a gram look-up keeps: those at most `edits` edits from a probe whose characters
/// fall in `classes`, as far as their classes tell.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Near {
    pub classes: u32,
    pub edits: u32,
}

impl Near {
    /// Keeps every name.
    pub const ANY: Near = Near {
        classes: 0,
        edits: u32::MAX,
    };

    /// The names at most `edits` edits from `probe`, a normalised name.
    pub fn of(probe: &str, edits: u32) -> Near {
        Near {
            classes: char_classes(probe),
            edits,
        }
    }

    /// Whether a normalised name can be within the edits, for a store that holds its text
    /// rather than its classes.
    pub fn admits_name(&self, name: &str) -> bool {
        self.admits(char_classes(name))
    }

    /// Whether a name with these classes can be within the edits.
    pub fn admits(&self, classes: u32) -> bool {
        let missing = (self.classes & !classes).count_ones();
        let extra = (classes & !self.classes).count_ones();
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

    #[test]
    fn letters_are_classes_of_their_own_and_the_bound_can_be_exact() {
        assert_eq!(char_classes("abz"), 1 | 2 | 1 << 25);
        assert_eq!(char_classes(""), 0);
        assert_eq!(char_classes("06"), 1 << 26);
        // Three letters the other lacks, each way: three edits, which the distance is.
        assert_eq!(distance("fieldhub", "fieldvin"), 3);
        assert!(Near::of("fieldhub", 3).admits_name("fieldvin"));
        assert!(!Near::of("fieldhub", 2).admits_name("fieldvin"));
        // Only one side counts at a time: "abc" lacks nothing "abcxy" holds but two extras.
        assert!(Near::of("abcxy", 2).admits_name("abc"));
        assert!(!Near::of("abcxy", 1).admits_name("abc"));
        assert!(Near::ANY.admits(u32::MAX));
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
    }
}
