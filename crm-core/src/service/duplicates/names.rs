//! Fuzzy name matches: candidates from the store's gram index (`customer::grams`), then the exact
//! similarity on each; every name when blocking cannot promise the full scan's answer.

use crate::customer::grams::{Blocking, Picked};
use crate::customer::normalize::normalize_name;
use crate::customer::similarity::NameMatcher;
use crate::customer::{CustomerId, NAME_PREFIX};
use crate::error::Result;
use crate::store::Tx;

/// Chooses the grams whose names to read, given each gram's count and the store's postings per
/// name; `None`: scan every name.
pub(super) type Pick = fn(&Blocking, &[u64], u64) -> Option<Picked>;

/// (customer, normalised name, similarity) of every stored name at or above `threshold`.
pub(super) fn similar_names(
    tx: &mut dyn Tx,
    name: &str,
    threshold: f64,
) -> Result<Vec<(CustomerId, String, f64)>> {
    similar_names_picking(tx, name, threshold, Blocking::pick)
}

pub(super) fn similar_names_picking(
    tx: &mut dyn Tx,
    name: &str,
    threshold: f64,
    pick: Pick,
) -> Result<Vec<(CustomerId, String, f64)>> {
    let wanted = normalize_name(name);
    let mut matcher = NameMatcher::new(&wanted, threshold);
    let mut found = Vec::new();
    match candidates(tx, &wanted, threshold, pick)? {
        Some(names) => {
            for name in names {
                if let Some(similarity) = matcher.similarity(&name) {
                    for id in tx.customers_by_dedup_key(&format!("{NAME_PREFIX}{name}"))? {
                        found.push((id, name.clone(), similarity));
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
) -> Result<Option<Vec<String>>> {
    let Some(blocking) = Blocking::new(wanted, threshold) else {
        return Ok(None);
    };
    let counts = tx.name_gram_counts(&blocking.grams())?;
    let Some(picked) = pick(&blocking, &counts, tx.postings_per_name()) else {
        return Ok(None);
    };
    tx.names_with_grams(&picked.grams, blocking.lengths(), picked.at_least)
        .map(Some)
}
