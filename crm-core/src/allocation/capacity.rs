//! The capacity strategy: the rep with the least capacity used per unit of weight gets the lead.
//! A heap keeps a pick at O(log reps), so a million leads over a thousand reps stays cheap.

use super::RepLoad;
use std::cmp::Ordering;
use std::collections::BinaryHeap;

/// A rep's place in the queue: `used / weight`, ties by id order (the index).
#[derive(Clone, Copy, PartialEq, Eq)]
struct Key {
    used: u64,
    weight: u32,
    index: usize,
}

impl Ord for Key {
    /// Reversed, so the max-heap pops the least loaded rep.
    fn cmp(&self, other: &Self) -> Ordering {
        let a = u128::from(self.used) * u128::from(other.weight);
        let b = u128::from(other.used) * u128::from(self.weight);
        b.cmp(&a).then_with(|| other.index.cmp(&self.index))
    }
}

impl PartialOrd for Key {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

fn key(reps: &[RepLoad], index: usize) -> Key {
    Key {
        used: reps[index].used_today,
        weight: reps[index].weight,
        index,
    }
}

fn eligible(rep: &RepLoad) -> bool {
    rep.active && rep.weight > 0
}

pub(super) struct Queue {
    heap: BinaryHeap<Key>,
}

impl Queue {
    pub(super) fn new(reps: &[RepLoad]) -> Queue {
        Queue {
            heap: (0..reps.len())
                .filter(|&i| eligible(&reps[i]))
                .map(|i| key(reps, i))
                .collect(),
        }
    }

    /// Pops reps until one can take `weight`; the ones passed over go back (a lighter lead may
    /// still fit them), unless they cannot take even the lightest lead.
    pub(super) fn pick(&mut self, reps: &[RepLoad], weight: u64) -> Option<usize> {
        let mut passed = Vec::new();
        let mut found = None;
        while let Some(k) = self.heap.pop() {
            if reps[k.index].can_take(weight) {
                found = Some(k.index);
                break;
            }
            if reps[k.index].can_take(1) {
                passed.push(k);
            }
        }
        self.heap.extend(passed);
        found
    }

    /// Puts a rep back with its new load after it took a lead.
    pub(super) fn used(&mut self, reps: &[RepLoad], index: usize) {
        if reps[index].can_take(1) {
            self.heap.push(key(reps, index));
        }
    }
}

/// The same choice over a subset of reps (rule targets), by a scan.
pub(super) fn pick_among(reps: &[RepLoad], among: &[usize], weight: u64) -> Option<usize> {
    among
        .iter()
        .copied()
        .filter(|&i| eligible(&reps[i]) && reps[i].can_take(weight))
        .min_by_key(|&i| std::cmp::Reverse(key(reps, i)))
}
