//! The ownership history replayed from an event log, checking as it goes what concurrency tests
//! on every backend must prove: each change starts from the owner of the moment, a claim takes
//! only a free customer, and no owner ever holds more than a cap or claims more per local day than
//! a limit.

use crate::event::{Event, EventKind, OwnershipReason};
use chrono::NaiveDate;
use chrono_tz::Tz;
use std::collections::HashMap;

#[derive(Debug, Default)]
pub struct Replay {
    /// Each customer's owner after the last event.
    pub owner: HashMap<String, Option<String>>,
    /// Claims per (rep, local day).
    pub claims: HashMap<(String, NaiveDate), u64>,
    /// Ownership changes by cause.
    pub claimed: u64,
    pub released: u64,
    pub recycled: u64,
}

impl Replay {
    /// Replays `events` (the whole log, in order), panicking at the first event that breaks a
    /// rule: `cap` bounds what one owner holds after any event, `daily_limit` the claims per rep
    /// and local day in `tz`. Causes other than claim, release and recycling are refused.
    pub fn check(events: &[Event], tz: Tz, cap: u64, daily_limit: u64) -> Replay {
        let mut r = Replay::default();
        let mut held: HashMap<String, u64> = HashMap::new();
        for (i, e) in events.iter().enumerate() {
            assert_eq!(e.seq, i as u64 + 1, "the log has no gaps");
            let EventKind::OwnerChanged {
                customer_id,
                from_owner_id: from,
                to_owner_id: to,
                cause,
            } = &e.kind
            else {
                continue;
            };
            let before = r.owner.get(customer_id).cloned().flatten();
            assert_eq!(
                &before, from,
                "event {} starts from the current owner",
                e.seq
            );
            if let Some(f) = from {
                *held.get_mut(f).expect("a previous owner held the customer") -= 1;
            }
            if let Some(t) = to {
                let n = held.entry(t.clone()).or_default();
                *n += 1;
                assert!(*n <= cap, "event {}: {t} owns {n}, above the cap", e.seq);
            }
            match cause {
                OwnershipReason::Claimed => {
                    assert!(
                        before.is_none(),
                        "event {}: a claim of an owned customer",
                        e.seq
                    );
                    let rep = to.clone().expect("a claim has a new owner");
                    let day = e.at.with_timezone(&tz).date_naive();
                    let n = r.claims.entry((rep, day)).or_default();
                    *n += 1;
                    assert!(*n <= daily_limit, "event {}: daily limit exceeded", e.seq);
                    r.claimed += 1;
                }
                OwnershipReason::Released => r.released += 1,
                OwnershipReason::Recycled => r.recycled += 1,
                other => panic!("event {}: unexpected ownership change {other:?}", e.seq),
            }
            r.owner.insert(customer_id.clone(), to.clone());
        }
        r
    }
}
