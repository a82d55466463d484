//! Calendar arithmetic against a brute-force reference that steps minute by minute through real
//! instants and asks, for each, whether its local wall-clock time lies in a working interval of
//! the right date. Written separately from the fast path on purpose.

use chrono::{DateTime, Datelike, Duration, NaiveDate, TimeZone, Timelike, Utc};
use chrono_tz::Tz;
use crm_core::sla::{Calendar, Holiday, WorkInterval};
use proptest::prelude::*;
use std::collections::BTreeMap;

#[derive(Debug, Clone)]
struct Def {
    tz: Tz,
    week: [Vec<WorkInterval>; 7],
    holidays: BTreeMap<NaiveDate, Holiday>,
    workdays: BTreeMap<NaiveDate, Vec<WorkInterval>>,
}

impl Def {
    fn calendar(&self) -> Calendar {
        Calendar::new(
            self.tz,
            self.week.clone(),
            self.holidays.clone(),
            self.workdays.clone(),
        )
        .unwrap()
    }

    fn schedule(&self, d: NaiveDate) -> &[WorkInterval] {
        self.workdays
            .get(&d)
            .map(Vec::as_slice)
            .unwrap_or(&self.week[d.weekday().num_days_from_monday() as usize])
    }

    /// Whether the minute starting at `t` is working time.
    fn working(&self, t: DateTime<Utc>) -> bool {
        let local = t.with_timezone(&self.tz).naive_local();
        let d = local.date();
        let m = local.hour() * 60 + local.minute();
        let today = self
            .schedule(d)
            .iter()
            .any(|iv| m >= iv.start && m < iv.end.min(1440));
        let yesterday = d.pred_opt().is_some_and(|y| {
            self.schedule(y)
                .iter()
                .any(|iv| iv.end > 1440 && m < iv.end - 1440)
        });
        let off = match self.holidays.get(&d) {
            Some(Holiday::Whole) => true,
            Some(Holiday::Off(parts)) => parts.iter().any(|p| m >= p.start && m < p.end),
            None => false,
        };
        (today || yesterday) && !off
    }

    fn due(&self, start: DateTime<Utc>, minutes: i64) -> DateTime<Utc> {
        let (mut t, mut left) = (start, minutes);
        while left > 0 {
            if self.working(t) {
                left -= 1;
            }
            t += Duration::minutes(1);
        }
        t
    }

    fn elapsed(&self, from: DateTime<Utc>, to: DateTime<Utc>) -> i64 {
        let mut t = from;
        let mut n = 0;
        while t < to {
            if self.working(t) {
                n += 1;
            }
            t += Duration::minutes(1);
        }
        n
    }
}

const ZONES: &[Tz] = &[
    chrono_tz::Asia::Shanghai,
    chrono_tz::America::New_York,
    chrono_tz::Europe::London,
    chrono_tz::Australia::Lord_Howe,
    chrono_tz::America::Santiago,
    chrono_tz::UTC,
];

fn interval() -> impl Strategy<Value = WorkInterval> {
    (0u32..96, 0u32..=96).prop_map(|(s, e)| WorkInterval::new(s * 15, e * 15).unwrap())
}

fn date() -> impl Strategy<Value = NaiveDate> {
    (0i64..730).prop_map(|d| NaiveDate::from_ymd_opt(2026, 1, 1).unwrap() + Duration::days(d))
}

fn holiday() -> impl Strategy<Value = Holiday> {
    prop_oneof![
        Just(Holiday::Whole),
        proptest::collection::vec((0u32..96, 1u32..=96), 1..3).prop_map(|parts| Holiday::Off(
            parts
                .into_iter()
                .map(|(s, len)| WorkInterval::new(s * 15, (s + len).min(96) * 15).unwrap())
                .filter(|p| !p.overnight())
                .collect()
        )),
    ]
}

fn calendar_def() -> impl Strategy<Value = Def> {
    (
        proptest::sample::select(ZONES),
        proptest::collection::vec(proptest::collection::vec(interval(), 0..3), 7),
        proptest::collection::btree_map(date(), holiday(), 0..12),
        proptest::collection::btree_map(date(), proptest::collection::vec(interval(), 1..3), 0..6),
    )
        .prop_map(|(tz, days, holidays, mut workdays)| {
            let mut week: [Vec<WorkInterval>; 7] = Default::default();
            for (slot, day) in week.iter_mut().zip(days) {
                *slot = day;
            }
            // Every calendar works at least Monday 09:00-17:00, so every target comes due.
            week[0].push(WorkInterval::new(540, 1020).unwrap());
            workdays.retain(|d, _| !holidays.contains_key(d));
            Def {
                tz,
                week,
                holidays,
                workdays,
            }
        })
}

fn instant() -> impl Strategy<Value = DateTime<Utc>> {
    (0i64..(700 * 24 * 60))
        .prop_map(|m| Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap() + Duration::minutes(m))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn due_agrees_with_minute_stepping(def in calendar_def(), start in instant(), minutes in 0i64..2400) {
        let cal = def.calendar();
        let fast = cal.due(start, Duration::minutes(minutes)).unwrap();
        prop_assert_eq!(fast, def.due(start, minutes));
    }

    #[test]
    fn elapsed_agrees_with_minute_stepping(def in calendar_def(), a in instant(), span in 0i64..6000) {
        let cal = def.calendar();
        let b = a + Duration::minutes(span);
        prop_assert_eq!(cal.elapsed(a, b).unwrap(), Duration::minutes(def.elapsed(a, b)));
        prop_assert_eq!(cal.elapsed(b, a).unwrap(), -Duration::minutes(def.elapsed(a, b)));
        prop_assert_eq!(cal.is_working_at(a).unwrap(), def.working(a));
    }

    #[test]
    fn due_composes_inverts_and_is_monotonic(def in calendar_def(), start in instant(), a in 0i64..200_000, b in 0i64..200_000, shift in 0i64..5000) {
        let cal = def.calendar();
        let (da, db) = (Duration::minutes(a), Duration::minutes(b));
        let due_a = cal.due(start, da).unwrap();
        prop_assert_eq!(cal.due(start, da + db).unwrap(), cal.due(due_a, db).unwrap());
        prop_assert_eq!(cal.elapsed(start, due_a).unwrap(), da);
        let (lo, hi) = (da.min(db), da.max(db));
        prop_assert!(cal.due(start, lo).unwrap() <= cal.due(start, hi).unwrap());
        let later = start + Duration::minutes(shift);
        prop_assert!(cal.due(start, da).unwrap() <= cal.due(later, da).unwrap());
        let next = cal.next_working_instant(start).unwrap();
        prop_assert!(next >= start && cal.is_working_at(next).unwrap());
        prop_assert_eq!(cal.elapsed(start, next).unwrap(), Duration::zero());
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(12))]

    /// Targets of up to 2,000 hours, still checked minute by minute.
    #[test]
    fn long_targets_agree_with_minute_stepping(def in calendar_def(), start in instant(), hours in 1000i64..=2000) {
        let cal = def.calendar();
        let fast = cal.due(start, Duration::hours(hours)).unwrap();
        prop_assert_eq!(fast, def.due(start, hours * 60));
    }
}

fn shanghai_office() -> Def {
    let day = vec![
        "09:00-12:00".parse().unwrap(),
        "13:30-18:00".parse().unwrap(),
    ];
    let mut week: [Vec<WorkInterval>; 7] = Default::default();
    for slot in week.iter_mut().take(5) {
        *slot = day.clone();
    }
    let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
    let holidays = (1..=7)
        .map(|i| (d("2026-10-01") + Duration::days(i - 1), Holiday::Whole))
        .collect();
    let workdays = [("2026-09-27", day.clone()), ("2026-10-10", day)]
        .into_iter()
        .map(|(k, v)| (d(k), v))
        .collect();
    Def {
        tz: chrono_tz::Asia::Shanghai,
        week,
        holidays,
        workdays,
    }
}

fn at(tz: Tz, s: &str) -> DateTime<Utc> {
    tz.from_local_datetime(&chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").unwrap())
        .earliest()
        .unwrap()
        .with_timezone(&Utc)
}

#[test]
fn a_target_running_out_at_noon_is_due_at_noon_not_after_lunch() {
    let def = shanghai_office();
    let cal = def.calendar();
    let sh = chrono_tz::Asia::Shanghai;
    let due = cal
        .due(at(sh, "2026-09-14 09:00"), Duration::hours(3))
        .unwrap();
    assert_eq!(due, at(sh, "2026-09-14 12:00"));
    let due = cal
        .due(at(sh, "2026-09-14 11:00"), Duration::hours(2))
        .unwrap();
    assert_eq!(due, at(sh, "2026-09-14 14:30"));
    // Started on a Saturday evening: counting begins Monday 09:00.
    let due = cal
        .due(at(sh, "2026-09-12 20:00"), Duration::minutes(30))
        .unwrap();
    assert_eq!(due, at(sh, "2026-09-14 09:30"));
}

#[test]
fn the_national_day_week_and_its_make_up_days() {
    let cal = shanghai_office().calendar();
    let sh = chrono_tz::Asia::Shanghai;
    // Sunday 27 September is a make-up working day (调休).
    assert!(cal.is_working_at(at(sh, "2026-09-27 10:00")).unwrap());
    // Wednesday 30 September 17:00 + 2h: one hour that day, then 1-7 October off, then Thursday 8th.
    let due = cal
        .due(at(sh, "2026-09-30 17:00"), Duration::hours(2))
        .unwrap();
    assert_eq!(due, at(sh, "2026-10-08 10:00"));
    // A business week has 37.5 hours; the holiday week has none.
    let week = cal
        .elapsed(at(sh, "2026-10-01 00:00"), at(sh, "2026-10-08 00:00"))
        .unwrap();
    assert_eq!(week, Duration::zero());
    let normal = cal
        .elapsed(at(sh, "2026-09-14 00:00"), at(sh, "2026-09-21 00:00"))
        .unwrap();
    assert_eq!(normal, Duration::minutes(5 * 450));
}

#[test]
fn new_york_dst_gap_and_repeated_hour() {
    let ny = chrono_tz::America::New_York;
    let mut week: [Vec<WorkInterval>; 7] = Default::default();
    week[6] = vec!["00:00-04:00".parse().unwrap()];
    let def = Def {
        tz: ny,
        week,
        holidays: BTreeMap::new(),
        workdays: BTreeMap::new(),
    };
    let cal = def.calendar();
    // Sunday 8 March 2026: 02:00-03:00 does not exist, so 00:00-04:00 is three real hours.
    let spring = cal
        .elapsed(at(ny, "2026-03-08 00:00"), at(ny, "2026-03-08 05:00"))
        .unwrap();
    assert_eq!(spring, Duration::hours(3));
    // Sunday 1 November 2026: 01:00-02:00 happens twice, so 00:00-04:00 is five real hours.
    let autumn = cal
        .elapsed(at(ny, "2026-11-01 00:00"), at(ny, "2026-11-01 05:00"))
        .unwrap();
    assert_eq!(autumn, Duration::hours(5));
    let due = cal
        .due(at(ny, "2026-11-01 00:00"), Duration::hours(2))
        .unwrap();
    assert_eq!(
        due,
        Utc.with_ymd_and_hms(2026, 11, 1, 6, 0, 0).unwrap(),
        "01:00 EST, the second pass"
    );
}

#[test]
fn a_thousand_hours_costs_about_what_one_hour_does() {
    // Structural check, not timing: both answers come from the same precomputed year tables.
    let cal = shanghai_office().calendar();
    let sh = chrono_tz::Asia::Shanghai;
    let start = at(sh, "2026-09-01 09:00");
    let long = cal.due(start, Duration::hours(1000)).unwrap();
    assert_eq!(cal.elapsed(start, long).unwrap(), Duration::hours(1000));
}

#[test]
fn instants_outside_the_supported_years_are_refused() {
    let cal = shanghai_office().calendar();
    let early = Utc.with_ymd_and_hms(1850, 1, 1, 0, 0, 0).unwrap();
    assert_eq!(
        cal.due(early, Duration::hours(1)).unwrap_err().code(),
        "INVALID_INPUT"
    );
    let start = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
    assert_eq!(
        cal.due(start, Duration::hours(-1)).unwrap_err().code(),
        "INVALID_INPUT"
    );
}
