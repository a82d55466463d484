//! The only source of `now`. Rules never read the system clock: the service asks its `Clock`.

use chrono::{DateTime, Duration, Timelike, Utc};
use std::sync::RwLock;

/// `at` plus a period counted in whole `days`, or the last representable instant when the sum
/// lies beyond it: a period that long never runs out, and no rule may panic on stored data.
pub fn after_days(at: DateTime<Utc>, days: i64) -> DateTime<Utc> {
    Duration::try_days(days)
        .and_then(|d| at.checked_add_signed(d))
        .unwrap_or(DateTime::<Utc>::MAX_UTC)
}

/// [`after_days`] for a period in whole hours.
pub fn after_hours(at: DateTime<Utc>, hours: i64) -> DateTime<Utc> {
    Duration::try_hours(hours)
        .and_then(|d| at.checked_add_signed(d))
        .unwrap_or(DateTime::<Utc>::MAX_UTC)
}

pub trait Clock: Send + Sync {
    fn now(&self) -> DateTime<Utc>;
}

/// The real time, for production use on native targets, in whole microseconds: the finest step
/// every surface holds exactly (Python's `datetime`, PostgreSQL's `timestamptz`, a Swift `Date`
/// across this century), so an instant the core made goes out and comes back unchanged.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        let now = Utc::now();
        now.with_nanosecond(now.nanosecond() / 1_000 * 1_000)
            .unwrap_or(now)
    }
}

/// A clock that stands still until told otherwise: for tests, scenarios, demos and replays.
#[derive(Debug)]
pub struct FixedClock(RwLock<DateTime<Utc>>);

impl FixedClock {
    pub fn new(now: DateTime<Utc>) -> Self {
        FixedClock(RwLock::new(now))
    }

    pub fn set(&self, now: DateTime<Utc>) {
        *self.0.write().unwrap_or_else(|e| e.into_inner()) = now;
    }

    pub fn advance(&self, by: Duration) {
        let mut guard = self.0.write().unwrap_or_else(|e| e.into_inner());
        *guard += by;
    }
}

impl Clock for FixedClock {
    fn now(&self) -> DateTime<Utc> {
        *self.0.read().unwrap_or_else(|e| e.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_system_clock_ticks_in_whole_microseconds() {
        for _ in 0..1_000 {
            assert_eq!(SystemClock.now().nanosecond() % 1_000, 0);
        }
    }
}
