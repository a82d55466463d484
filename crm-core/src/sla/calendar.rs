//! Business calendars and exact calendar arithmetic.
//!
//! The working time of a calendar is precomputed, one local year at a time on first use, as sorted
//! disjoint instant ranges with prefix sums of working time. Every query is then two binary
//! searches: a 1,000-hour target costs about what a 1-hour one does, and nothing walks minute by
//! minute.
//!
//! Wall-clock handling, explicitly: an instant is working time when its local wall-clock time lies
//! in a working interval of the right date. So
//! - wall-clock times in a DST gap do not exist and are simply not worked (an interval 02:30-04:00
//!   on a spring-forward night in New York works 03:00-04:00);
//! - a repeated local hour (DST fall-back) counts once per real instant, so a working hour that
//!   happens twice counts twice (01:00-03:00 on a fall-back night is three real hours);
//! - an overnight interval (end <= start) belongs to the day it starts: that day's `workday`
//!   override decides it, while holidays remove working time from 00:00 to 24:00 of their own local
//!   date only, cutting the part of an overnight interval that runs into them.

use super::interval::WorkInterval;
use crate::error::{CrmError, Result};
use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveDateTime, Offset, TimeZone, Utc};
use chrono_tz::Tz;
use std::collections::BTreeMap;
use std::sync::OnceLock;

/// The first and last local years a calendar answers for.
pub const FIRST_YEAR: i32 = 1900;
pub const LAST_YEAR: i32 = 2299;

/// A day off: all of it, or only some intervals of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Holiday {
    Whole,
    Off(Vec<WorkInterval>),
}

/// A business calendar: a time zone, working intervals per weekday, holidays and extra working
/// days (调休).
pub struct Calendar {
    tz: Tz,
    /// Monday first.
    week: [Vec<WorkInterval>; 7],
    holidays: BTreeMap<NaiveDate, Holiday>,
    workdays: BTreeMap<NaiveDate, Vec<WorkInterval>>,
    /// Instant (ms) of local midnight starting each year FIRST_YEAR..=LAST_YEAR + 1.
    year_starts: Vec<i64>,
    years: Box<[OnceLock<Year>]>,
}

/// One local year of working time: disjoint ranges `[starts[i], ends[i])` in ms, and the working
/// time before each range (`cum`) and up to its end (`cum_end`).
struct Year {
    starts: Vec<i64>,
    ends: Vec<i64>,
    cum: Vec<i64>,
    cum_end: Vec<i64>,
}

impl Year {
    fn total(&self) -> i64 {
        self.cum_end.last().copied().unwrap_or(0)
    }
}

impl std::fmt::Debug for Calendar {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Calendar")
            .field("tz", &self.tz)
            .field("week", &self.week)
            .field("holidays", &self.holidays)
            .field("workdays", &self.workdays)
            .finish()
    }
}

fn out_of_range() -> CrmError {
    CrmError::invalid(
        "instant",
        format!("outside the years {FIRST_YEAR}-{LAST_YEAR} a calendar covers"),
    )
}

/// Work runs past the last year the calendar covers: too little working time (or none) for it.
fn no_time_left() -> CrmError {
    CrmError::invalid(
        "calendar",
        format!("has too little working time for this before the end of {LAST_YEAR} (does it have working hours?)"),
    )
}

impl Calendar {
    pub fn new(
        tz: Tz,
        week: [Vec<WorkInterval>; 7],
        holidays: BTreeMap<NaiveDate, Holiday>,
        workdays: BTreeMap<NaiveDate, Vec<WorkInterval>>,
    ) -> Result<Self> {
        for (date, holiday) in &holidays {
            if let Holiday::Off(parts) = holiday {
                if let Some(p) = parts.iter().find(|p| p.overnight()) {
                    return Err(CrmError::invalid(
                        "holiday",
                        format!("{date}: the part off, {p}, must end by 24:00 of that date"),
                    ));
                }
            }
        }
        let year_starts = (FIRST_YEAR..=LAST_YEAR + 1)
            .map(|y| {
                let jan1 = wall_ms(midnight(
                    NaiveDate::from_ymd_opt(y, 1, 1).expect("1 January exists"),
                ));
                let mut first = Vec::with_capacity(2);
                wall_range(&tz, jan1, jan1 + 2 * DAY_MS, &mut first);
                first.first().map_or(jan1, |r| r.0)
            })
            .collect();
        let years = (FIRST_YEAR..=LAST_YEAR).map(|_| OnceLock::new()).collect();
        Ok(Calendar {
            tz,
            week,
            holidays,
            workdays,
            year_starts,
            years,
        })
    }

    pub fn timezone(&self) -> Tz {
        self.tz
    }

    /// The instant the last unit of `work` is used up, counting from `start` (or from the next
    /// working instant when `start` is outside working hours).
    pub fn due(&self, start: DateTime<Utc>, work: Duration) -> Result<DateTime<Utc>> {
        let work = work.num_milliseconds();
        if work < 0 {
            return Err(CrmError::invalid("duration", "must not be negative"));
        }
        from_ms(self.due_ms(to_ms(start), work)?)
    }

    /// Business time between two instants (negative when `to` is before `from`).
    pub fn elapsed(&self, from: DateTime<Utc>, to: DateTime<Utc>) -> Result<Duration> {
        Ok(Duration::milliseconds(
            self.elapsed_ms(to_ms(from), to_ms(to))?,
        ))
    }

    /// `at` itself when working, else the start of the next working range.
    pub fn next_working_instant(&self, at: DateTime<Utc>) -> Result<DateTime<Utc>> {
        let t = to_ms(at);
        let (mut y, _) = self.locate(t)?;
        loop {
            let year = self.year(y);
            let i = year.ends.partition_point(|&e| e <= t);
            if i < year.starts.len() {
                return from_ms(year.starts[i].max(t));
            }
            y += 1;
            if y >= self.years.len() {
                return Err(no_time_left());
            }
        }
    }

    pub fn is_working_at(&self, at: DateTime<Utc>) -> Result<bool> {
        let t = to_ms(at);
        let (y, _) = self.locate(t)?;
        let year = self.year(y);
        let i = year.ends.partition_point(|&e| e <= t);
        Ok(i < year.starts.len() && year.starts[i] <= t)
    }

    /// `due` on milliseconds since the epoch, for batch callers.
    pub fn due_ms(&self, start: i64, work: i64) -> Result<i64> {
        if work <= 0 {
            return if work == 0 {
                Ok(start)
            } else {
                Err(CrmError::invalid("duration", "must not be negative"))
            };
        }
        let (mut y, w0) = self.locate(start)?;
        let mut target = w0.saturating_add(work);
        loop {
            let year = self.year(y);
            if target <= year.total() {
                let j = year.cum_end.partition_point(|&c| c < target);
                return Ok(year.starts[j] + (target - year.cum[j]));
            }
            target -= year.total();
            y += 1;
            if y >= self.years.len() {
                return Err(no_time_left());
            }
        }
    }

    /// Due times of a batch (ms since the epoch): one call for many tickets, e.g. across an FFI
    /// boundary. Fails on the first bad item, naming its index.
    pub fn due_batch(&self, starts: &[i64], work: &[i64]) -> Result<Vec<i64>> {
        if starts.len() != work.len() {
            return Err(CrmError::invalid("work", "needs one duration per start"));
        }
        starts
            .iter()
            .zip(work)
            .enumerate()
            .map(|(i, (&s, &w))| {
                self.due_ms(s, w)
                    .map_err(|e| CrmError::invalid(format!("item {i}"), e.to_string()))
            })
            .collect()
    }

    /// `elapsed` on milliseconds since the epoch.
    pub fn elapsed_ms(&self, from: i64, to: i64) -> Result<i64> {
        if to < from {
            return self.elapsed_ms(to, from).map(|d| -d);
        }
        let (ya, wa) = self.locate(from)?;
        let (yb, wb) = self.locate(to)?;
        let between: i64 = (ya..yb).map(|y| self.year(y).total()).sum();
        Ok(between - wa + wb)
    }

    /// The year index holding `t`, and the working time of that year before `t`.
    fn locate(&self, t: i64) -> Result<(usize, i64)> {
        let y = self.year_starts.partition_point(|&s| s <= t);
        if y == 0 || y > self.years.len() {
            return Err(out_of_range());
        }
        let y = y - 1;
        let year = self.year(y);
        let i = year.ends.partition_point(|&e| e <= t);
        let w = if i == year.starts.len() {
            year.total()
        } else {
            year.cum[i] + (t - year.starts[i]).max(0)
        };
        Ok((y, w))
    }

    fn year(&self, index: usize) -> &Year {
        self.years[index].get_or_init(|| self.build_year(index))
    }

    fn schedule(&self, date: NaiveDate) -> &[WorkInterval] {
        match self.workdays.get(&date) {
            Some(hours) => hours,
            None => &self.week[date.weekday().num_days_from_monday() as usize],
        }
    }

    /// Working ranges of one local year, clipped to it: intervals of every date that can reach into
    /// it, less the holidays, merged and summed.
    fn build_year(&self, index: usize) -> Year {
        let (lo, hi) = (self.year_starts[index], self.year_starts[index + 1]);
        let year = FIRST_YEAR + index as i32;
        let first = NaiveDate::from_ymd_opt(year, 1, 1).expect("1 January exists");
        let last = NaiveDate::from_ymd_opt(year, 12, 31).expect("31 December exists");
        let mut work = Vec::new();
        let mut off = Vec::new();
        let mut date = first.pred_opt().unwrap_or(first);
        while date <= last {
            let day = wall_ms(midnight(date));
            for iv in self.schedule(date) {
                wall_range(
                    &self.tz,
                    day + minutes(iv.start),
                    day + minutes(iv.end),
                    &mut work,
                );
            }
            match self.holidays.get(&date) {
                Some(Holiday::Whole) => wall_range(&self.tz, day, day + DAY_MS, &mut off),
                Some(Holiday::Off(parts)) => {
                    for p in parts {
                        wall_range(
                            &self.tz,
                            day + minutes(p.start),
                            day + minutes(p.end),
                            &mut off,
                        );
                    }
                }
                None => {}
            }
            date = match date.succ_opt() {
                Some(next) => next,
                None => break,
            };
        }
        let ranges = subtract(merge(work), merge(off));
        let (mut starts, mut ends, mut cum, mut cum_end) =
            (Vec::new(), Vec::new(), Vec::new(), Vec::new());
        let mut total = 0;
        for (s, e) in ranges {
            let (s, e) = (s.max(lo), e.min(hi));
            if e > s {
                starts.push(s);
                ends.push(e);
                cum.push(total);
                total += e - s;
                cum_end.push(total);
            }
        }
        Year {
            starts,
            ends,
            cum,
            cum_end,
        }
    }
}

const DAY_MS: i64 = 86_400_000;

fn minutes(m: u32) -> i64 {
    i64::from(m) * 60_000
}

fn midnight(date: NaiveDate) -> NaiveDateTime {
    date.and_hms_opt(0, 0, 0)
        .expect("midnight exists as a naive time")
}

/// A wall-clock time as milliseconds, read as if it were UTC.
fn wall_ms(local: NaiveDateTime) -> i64 {
    local.and_utc().timestamp_millis()
}

/// The UTC offset (ms) in force at an instant.
fn offset_at(tz: &Tz, instant: i64) -> i64 {
    let utc =
        DateTime::from_timestamp_millis(instant).map_or(NaiveDateTime::MIN, |t| t.naive_utc());
    i64::from(tz.offset_from_utc_datetime(&utc).fix().local_minus_utc()) * 1000
}

/// Appends the instant ranges whose wall-clock time lies in `[from, to)` (wall ms). Around a DST
/// transition this is two pieces, one per offset, each clipped to the side where its offset holds:
/// a gap yields less time than the wall span, a repeated hour more.
fn wall_range(tz: &Tz, from: i64, to: i64, out: &mut Vec<(i64, i64)>) {
    const PAD: i64 = 26 * 3_600_000;
    let (a, b) = (from - PAD, to + PAD);
    let (oa, ob) = (offset_at(tz, a), offset_at(tz, b));
    if oa == ob {
        out.push((from - oa, to - oa));
        return;
    }
    // One transition inside the window: find its first instant.
    let (mut lo, mut hi) = (a, b);
    while hi - lo > 1 {
        let mid = lo + (hi - lo) / 2;
        if offset_at(tz, mid) == oa {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    let (s1, e1) = (from - oa, (to - oa).min(hi));
    if e1 > s1 {
        out.push((s1, e1));
    }
    let (s2, e2) = ((from - ob).max(hi), to - ob);
    if e2 > s2 {
        out.push((s2, e2));
    }
}

fn to_ms(t: DateTime<Utc>) -> i64 {
    t.timestamp_millis()
}

fn from_ms(ms: i64) -> Result<DateTime<Utc>> {
    DateTime::from_timestamp_millis(ms).ok_or_else(out_of_range)
}

/// Sorts and unites overlapping or touching ranges.
fn merge(mut ranges: Vec<(i64, i64)>) -> Vec<(i64, i64)> {
    ranges.sort_unstable();
    let mut out: Vec<(i64, i64)> = Vec::with_capacity(ranges.len());
    for (s, e) in ranges {
        match out.last_mut() {
            Some(last) if s <= last.1 => last.1 = last.1.max(e),
            _ => out.push((s, e)),
        }
    }
    out
}

/// `work` minus `off`, both sorted and disjoint.
fn subtract(work: Vec<(i64, i64)>, off: Vec<(i64, i64)>) -> Vec<(i64, i64)> {
    let mut out = Vec::with_capacity(work.len());
    let mut k = 0;
    for (mut s, e) in work {
        while k < off.len() && off[k].1 <= s {
            k += 1;
        }
        let mut j = k;
        while j < off.len() && off[j].0 < e {
            if off[j].0 > s {
                out.push((s, off[j].0));
            }
            s = s.max(off[j].1);
            j += 1;
        }
        if s < e {
            out.push((s, e));
        }
    }
    out
}
