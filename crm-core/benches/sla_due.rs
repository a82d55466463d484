//! Due times for 1,000,000 tickets on an Asia/Shanghai office calendar with a lunch break, the
//! National Day holidays and their make-up working days (调休).

use chrono::{Duration, TimeZone, Utc};
use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use crm_core::sla::parse_calendar;

const CALENDAR: &str = r#"
timezone = "Asia/Shanghai"
[week]
mon = ["09:00-12:00", "13:30-18:00"]
tue = ["09:00-12:00", "13:30-18:00"]
wed = ["09:00-12:00", "13:30-18:00"]
thu = ["09:00-12:00", "13:30-18:00"]
fri = ["09:00-12:00", "13:30-18:00"]
[[holiday]]
date = "2026-10-01"
[[holiday]]
date = "2026-10-02"
[[holiday]]
date = "2026-10-05"
[[holiday]]
date = "2026-10-06"
[[holiday]]
date = "2026-10-07"
[[holiday]]
date = "2026-12-31"
off = ["13:30-18:00"]
[[workday]]
date = "2026-09-27"
hours = ["09:00-12:00", "13:30-18:00"]
[[workday]]
date = "2026-10-10"
hours = ["09:00-12:00", "13:30-18:00"]
"#;

/// A deterministic spread of tickets over 2026 with targets from 15 minutes to 100 hours.
pub fn tickets(n: usize) -> (Vec<i64>, Vec<i64>) {
    let base = Utc
        .with_ymd_and_hms(2026, 1, 1, 0, 0, 0)
        .unwrap()
        .timestamp_millis();
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    let starts = (0..n)
        .map(|_| base + (next() % (360 * 86_400)) as i64 * 1000)
        .collect();
    let work = (0..n)
        .map(|_| (15 + (next() % 6000) as i64) * 60_000)
        .collect();
    (starts, work)
}

fn bench(c: &mut Criterion) {
    let cal = parse_calendar(CALENDAR).unwrap();
    let (starts, work) = tickets(1_000_000);
    cal.due_batch(&starts, &work).unwrap();
    let mut group = c.benchmark_group("sla");
    group.sample_size(10);
    group.throughput(Throughput::Elements(starts.len() as u64));
    group.bench_function("due_1m_tickets_shanghai", |b| {
        b.iter(|| cal.due_batch(&starts, &work).unwrap())
    });
    group.finish();
    let start = Utc.with_ymd_and_hms(2026, 3, 2, 1, 0, 0).unwrap();
    for hours in [1, 1000] {
        c.bench_function(&format!("sla/due_{hours}h"), |b| {
            b.iter(|| cal.due(start, Duration::hours(hours)).unwrap())
        });
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
