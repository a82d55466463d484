//! The deletion variants of a name: exact look-up keys for fuzzy matches at most one edit away.
//!
//! A name's variants are itself and every string made by deleting one of its characters. Two
//! names at most one edit (Levenshtein) apart always share a variant: equal names share
//! themselves; a substitution at position `i` leaves both names with the same deletion at `i`;
//! an insertion makes the shorter name a deletion of the longer one. So when no match can be
//! more than one edit away (Chinese company names at the default threshold: up to 13
//! characters at 0.85), the candidates are the names sharing one of the probe's `len + 1`
//! variants, a few point look-ups whatever the number of stored names, where the gram index
//! (`customer::grams`) reads postings that grow with it (every name of a common city and
//! trade). Longer thresholds' matches still come from the gram index.
//!
//! Only names of at most [`VARIANT_MAX_LEN`] characters are kept under their variants: a name
//! of `n` characters has `n + 1` of them, each a row a write puts in a random place of a large
//! index (on SQLite, a page the commit writes), while at the default threshold (0.85) a match
//! of 14 characters or more may be two edits away, so only higher thresholds would use them.

/// The longest name, in characters, indexed under its variants; a probe whose matches may be
/// longer is answered from the gram index.
pub const VARIANT_MAX_LEN: u32 = 16;

/// The distinct deletion variants a store indexes a normalised name under (the name itself
/// first), or none for a name over [`VARIANT_MAX_LEN`] characters.
pub fn name_variants(name: &str) -> Vec<String> {
    let chars: Vec<(usize, char)> = name.char_indices().collect();
    if chars.len() > VARIANT_MAX_LEN as usize {
        return Vec::new();
    }
    let mut variants = Vec::with_capacity(chars.len() + 1);
    variants.push(name.to_string());
    for (i, &(at, c)) in chars.iter().enumerate() {
        // Deleting any character of a run gives the same string: keep the run's first.
        if i > 0 && chars[i - 1].1 == c {
            continue;
        }
        let mut variant = String::with_capacity(name.len() - c.len_utf8());
        variant.push_str(&name[..at]);
        variant.push_str(&name[at + c.len_utf8()..]);
        variants.push(variant);
    }
    variants
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::customer::similarity::bounded_distance;
    use proptest::prelude::*;

    #[test]
    fn variants_are_the_name_and_its_distinct_deletions() {
        assert_eq!(name_variants("acme"), ["acme", "cme", "ame", "ace", "acm"]);
        assert_eq!(name_variants("abba"), ["abba", "bba", "aba", "abb"]);
        assert_eq!(name_variants("星辰"), ["星辰", "辰", "星"]);
        assert_eq!(name_variants(""), [""]);
        assert!(name_variants(&"a".repeat(VARIANT_MAX_LEN as usize + 1)).is_empty());
        assert_eq!(name_variants(&"ab".repeat(8)).len(), 17);
    }

    fn distance(a: &str, b: &str) -> Option<usize> {
        let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
        bounded_distance(&a, &b, 1, &mut Default::default())
    }

    proptest! {
        /// The lemma the look-up rests on: names at most one edit apart share a variant.
        #[test]
        fn names_one_edit_apart_share_a_variant(
            a in "[ab星辰 ]{0,12}",
            at in 0usize..13,
            c in "[ab星x]",
            edit in 0u8..3,
        ) {
            let mut chars: Vec<char> = a.chars().collect();
            let at = at.min(chars.len());
            let c = c.chars().next().unwrap();
            match edit {
                0 if at < chars.len() => chars[at] = c,
                1 if at < chars.len() => {
                    chars.remove(at);
                }
                _ => chars.insert(at, c),
            }
            let b: String = chars.into_iter().collect();
            prop_assert!(distance(&a, &b).is_some());
            let shared = name_variants(&a).iter().any(|v| name_variants(&b).contains(v));
            prop_assert!(shared, "{a:?} and {b:?} share no variant");
        }
    }
}
