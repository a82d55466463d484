//! The two orders ids are listed in. Records the engine numbers itself (`c-2`, `c-10`) sort by
//! [`record_order`]; customer ids a caller brings in a batch (RFM orders) sort by [`batch_order`].
//! Rules, the service layer and the stores all take their order from here, so a list comes out in
//! the same order whichever layer built it.

use std::cmp::Ordering;

/// Generated ids in creation order (`c-2` before `c-10`): shorter first, then byte by byte. Any
/// other strings sort stably too.
pub fn record_order(a: &str, b: &str) -> Ordering {
    (a.len(), a).cmp(&(b.len(), b))
}

/// Positions of a batch's customer ids in the customer id order of DOMAIN.md: as integers when
/// every id is one (ties, such as `"007"` and `"7"`, by text), else byte by byte.
pub fn batch_order(ids: &[String]) -> Vec<usize> {
    let numeric: Option<Vec<i128>> = ids.iter().map(|id| id.parse::<i128>().ok()).collect();
    let mut order: Vec<usize> = (0..ids.len()).collect();
    match numeric {
        Some(n) => {
            order.sort_unstable_by(|&a, &b| n[a].cmp(&n[b]).then_with(|| ids[a].cmp(&ids[b])))
        }
        None => order.sort_unstable_by(|&a, &b| ids[a].as_bytes().cmp(ids[b].as_bytes())),
    }
    order
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_ids_sort_in_creation_order() {
        let mut ids = vec!["c-10", "c-2", "c-1"];
        ids.sort_by(|a, b| record_order(a, b));
        assert_eq!(ids, ["c-1", "c-2", "c-10"]);
    }

    #[test]
    fn batch_ids_sort_as_numbers_only_when_all_are() {
        let ids = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(batch_order(&ids(&["10", "9", "007", "7"])), [2, 3, 1, 0]);
        assert_eq!(batch_order(&ids(&["10", "9", "a"])), [0, 1, 2]);
    }
}
