//! Fuzzy name matches: candidates from the store's variant index (`customer::variants`) when no
//! match can be more than one edit away, else from its gram index (`customer::grams`), then the
//! exact similarity on each; every name when blocking cannot promise the full scan's answer.

use crate::customer::grams::{Blocking, Picked};
use crate::customer::normalize::normalize_name;
use crate::customer::similarity::{max_distance, NameMatcher};
use crate::customer::variants::{name_variants, VARIANT_MAX_LEN};
use crate::customer::{CustomerId, NAME_PREFIX};
use crate::error::Result;
use crate::store::Tx;
use std::sync::Arc;

/// Chooses the grams whose names to read, given each gram's count and the store's postings per
/// name; `None`: scan every name.
pub(super) type Pick = fn(&Blocking, &[u64], u64) -> Option<Picked>;

/// The variants a probe within one edit is looked up by (`None`: read grams instead).
pub(super) type Variants = Option<fn(&str) -> Vec<String>>;

/// (customer, normalised name, similarity) of every stored name at or above `threshold`.
pub(super) fn similar_names(
    tx: &mut dyn Tx,
    name: &str,
    threshold: f64,
) -> Result<Vec<(CustomerId, String, f64)>> {
    similar_names_picking(tx, name, threshold, Blocking::pick, Some(name_variants))
}

pub(super) fn similar_names_picking(
    tx: &mut dyn Tx,
    name: &str,
    threshold: f64,
    pick: Pick,
    variants: Variants,
) -> Result<Vec<(CustomerId, String, f64)>> {
    let wanted = normalize_name(name);
    let mut matcher = NameMatcher::new(&wanted, threshold);
    let mut found = Vec::new();
    match candidates(tx, &wanted, threshold, pick, variants)? {
        Some(names) => {
            for name in names {
                if let Some(similarity) = matcher.similarity(&name) {
                    for id in tx.customers_by_dedup_key(&format!("{NAME_PREFIX}{name}"))? {
                        found.push((id, name.to_string(), similarity));
                    }
                }
            }
        }
        None => {
            for (key, id) in tx.dedup_keys_with_prefix(NAME_PREFIX)? {
                let Some(name) = key.strip_prefix(NAME_PREFIX) else {
                    continue;
                };
                if let Some(similarity) = matcher.similarity(name) {
                    found.push((id, name.to_string(), similarity));
                }
            }
        }
    }
    Ok(found)
}

/// The names the gram index offers for a normalised probe, or `None`: scan instead.
fn candidates(
    tx: &mut dyn Tx,
    wanted: &str,
    threshold: f64,
    pick: Pick,
    variants: Variants,
) -> Result<Option<Vec<Arc<str>>>> {
    let Some(blocking) = Blocking::new(wanted, threshold) else {
        return Ok(None);
    };
    if let Some(variants) = variants {
        if blocking.edits() <= 1 && *blocking.lengths().end() <= VARIANT_MAX_LEN {
            let mut asked = variants(wanted);
            // Names no longer than the probe are compared at its length: when that allows no
            // edit, only equal names and names one longer (which hold the probe itself as a
            // variant) can match, so the probe's deletions would only fetch near misses.
            if max_distance(wanted.chars().count(), threshold) == 0 {
                asked.truncate(1);
            }
            let names = tx.names_with_variants(&asked)?;
            return Ok(Some(names.into_iter().map(Arc::from).collect()));
        }
    }
    let counts = tx.name_gram_counts(&blocking.grams())?;
    let Some(picked) = pick(&blocking, &counts, tx.postings_per_name()) else {
        return Ok(None);
    };
    // A name has one length, so the runs' names never overlap.
    let mut names = Vec::new();
    for (lengths, at_least) in picked.by_length {
        let near = blocking.near(&lengths);
        names.extend(tx.names_with_grams(&picked.grams, lengths, at_least, near)?);
    }
    Ok(Some(names))
}
