//! `crm tickets breaches|report`: the service desk's breach list and its service report on a
//! database file, as a table (times in the organisation's zone) or CSV (times in UTC).

use crate::db::Target;
use chrono::{DateTime, SecondsFormat, Utc};
use chrono_tz::Tz;
use crm_core::desk::{ServiceReport, ServiceRow, TicketBreach};
use crm_core::performance::PerformanceSubject;
use crm_core::service::BREACH_WINDOW_MINUTES;
use crm_core::sla::SlaClockState;
use rust_decimal::Decimal;
use std::io::Write;

type CliResult = Result<(), Box<dyn std::error::Error>>;

pub const BREACH_HEADER: &str = "ticket_id,subject,priority,status,assignee,group,metric,state,\
due_at,remaining_minutes";

pub const REPORT_HEADER: &str = "kind,id,rank,solved,first_response_median_minutes,\
first_response_p90_minutes,resolution_median_minutes,resolution_p90_minutes,\
first_response_attainment_percent,resolution_attainment_percent,rated_good,rated_bad,\
csat_percent,reopen_rate_percent,backlog";

/// The breach list's columns a table aligns left: all but the minutes left.
pub const BREACH_TEXT_COLUMNS: &[usize] = &[0, 1, 2, 3, 4, 5, 6, 7, 8];

/// The report's columns in a table: shorter names, the same order as the CSV.
const REPORT_TABLE_HEAD: [&str; 15] = [
    "row",
    "id",
    "rank",
    "solved",
    "1st resp med",
    "1st resp p90",
    "resol med",
    "resol p90",
    "1st resp SLA %",
    "resol SLA %",
    "good",
    "bad",
    "CSAT %",
    "reopen %",
    "backlog",
];

/// A duration such as `90m`, `2h`, `1d` or `1h 30min` (humantime's syntax), in whole minutes.
pub fn parse_minutes(text: &str) -> Result<i64, String> {
    let bad = || format!("{text:?} is not a duration like 90m, 2h, 1d or 1h30m");
    let d = humantime::parse_duration(text.trim()).map_err(|_| bad())?;
    if d.subsec_nanos() != 0 || d.as_secs() % 60 != 0 {
        return Err(bad());
    }
    i64::try_from(d.as_secs() / 60).map_err(|_| bad())
}

/// Minutes as the shortest duration that reads back the same: `2h`, `90m`, `1d`, `1h30m`.
pub fn human_minutes(minutes: i64) -> String {
    match minutes {
        0 => "0m".into(),
        m if m % 1440 == 0 => format!("{}d", m / 1440),
        m if m % 60 == 0 => format!("{}h", m / 60),
        m if m > 120 => format!("{}h{}m", m / 60, m % 60),
        m => format!("{m}m"),
    }
}

/// A JSON string's text (the serde name of a unit variant: `first_response`, `breached`).
fn name(value: serde_json::Result<serde_json::Value>) -> String {
    value
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}

fn local(at: DateTime<Utc>, tz: Tz) -> String {
    at.with_timezone(&tz).format("%Y-%m-%d %H:%M").to_string()
}

fn utc(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// The breach list's rows: due times in `tz` for a table, in UTC for CSV.
pub fn breach_rows(breaches: &[TicketBreach], tz: Tz, csv: bool) -> Vec<Vec<String>> {
    breaches
        .iter()
        .map(|b| {
            vec![
                b.ticket_id.clone(),
                b.subject.clone(),
                b.priority.as_str().to_string(),
                b.status.clone(),
                b.assignee_id.clone().unwrap_or_default(),
                b.group_id.clone().unwrap_or_default(),
                name(serde_json::to_value(b.metric)),
                name(serde_json::to_value(b.state)),
                if csv {
                    utc(b.due_at)
                } else {
                    local(b.due_at, tz)
                },
                b.remaining_minutes.to_string(),
            ]
        })
        .collect()
}

/// `3 breached, 5 due within 2h`.
pub fn breach_summary(breaches: &[TicketBreach], within_minutes: i64) -> String {
    let breached = breaches
        .iter()
        .filter(|b| b.state == SlaClockState::Breached)
        .count();
    format!(
        "{breached} breached, {} due within {}",
        breaches.len() - breached,
        human_minutes(within_minutes)
    )
}

/// Writes the breach list as a table (or CSV) with its summary line; text columns left-aligned.
pub fn write_breaches(
    out: &mut dyn Write,
    breaches: &[TicketBreach],
    tz: Tz,
    within_minutes: i64,
    csv: bool,
) -> CliResult {
    let head: Vec<&str> = BREACH_HEADER.split(',').collect();
    let rows = breach_rows(breaches, tz, csv);
    if csv {
        return crate::table::write(out, &head, &rows, true);
    }
    if !rows.is_empty() {
        crate::table::write_left(out, &head, &rows, false, BREACH_TEXT_COLUMNS)?;
    }
    writeln!(out, "{}", breach_summary(breaches, within_minutes))?;
    Ok(())
}

pub struct BreachOptions<'a> {
    pub at: Option<DateTime<Utc>>,
    pub within_minutes: Option<i64>,
    pub actor: &'a str,
    pub assignee: Option<&'a str>,
    pub group: Option<&'a str>,
    pub csv: bool,
}

/// `crm tickets breaches`: the tickets breached or due within the window, as `actor` sees them.
pub fn breaches(db: &Target, o: &BreachOptions<'_>, out: &mut dyn Write) -> CliResult {
    let at = o.at.unwrap_or_else(Utc::now);
    let crm = db.open_at(at)?;
    let tz = crm.settings()?.tz()?;
    let list = crm.ticket_breaches(
        o.actor,
        Some(at),
        o.within_minutes,
        o.assignee.map(str::to_string),
        o.group.map(str::to_string),
    )?;
    let within = o.within_minutes.unwrap_or(BREACH_WINDOW_MINUTES);
    if !o.csv {
        writeln!(
            out,
            "SLA breaches at {} {tz} ({}'s view{}{}), looking {} ahead:",
            local(at, tz),
            o.actor,
            o.assignee
                .map(|a| format!(", assignee {a}"))
                .unwrap_or_default(),
            o.group.map(|g| format!(", group {g}")).unwrap_or_default(),
            human_minutes(within)
        )?;
    }
    write_breaches(out, &list, tz, within, o.csv)
}

/// A percentage to 2 places (`66.67`, `25.00`); empty when there is nothing to divide by.
pub fn percent(p: Option<Decimal>) -> String {
    p.map(|p| format!("{:.2}", p.round_dp(2)))
        .unwrap_or_default()
}

fn minutes(m: Option<i64>) -> String {
    m.map(|m| m.to_string()).unwrap_or_default()
}

/// One row of the service report: kind (`agent`, `group`, `total`) and id, then the figures.
pub fn report_cells(r: &ServiceRow) -> Vec<String> {
    let (kind, id) = match &r.subject {
        Some(PerformanceSubject::Rep { user_id }) => ("agent", user_id.clone()),
        Some(PerformanceSubject::Team { team_id }) => ("group", team_id.clone()),
        None => ("total", String::new()),
    };
    vec![
        kind.to_string(),
        id,
        r.rank.to_string(),
        r.solved.to_string(),
        minutes(r.first_response_median_minutes),
        minutes(r.first_response_p90_minutes),
        minutes(r.resolution_median_minutes),
        minutes(r.resolution_p90_minutes),
        percent(r.first_response_attainment_percent),
        percent(r.resolution_attainment_percent),
        r.rated_good.to_string(),
        r.rated_bad.to_string(),
        percent(r.csat_percent),
        percent(r.reopen_rate_percent),
        r.backlog.iter().map(|b| b.tickets).sum::<u64>().to_string(),
    ]
}

/// Writes the report's rows as a table (shorter column names) or CSV.
pub fn write_report(out: &mut dyn Write, report: &ServiceReport, csv: bool) -> CliResult {
    let rows: Vec<Vec<String>> = report.rows.iter().map(report_cells).collect();
    if csv {
        let head: Vec<&str> = REPORT_HEADER.split(',').collect();
        return crate::table::write(out, &head, &rows, true);
    }
    crate::table::write_left(out, &REPORT_TABLE_HEAD, &rows, false, &[0, 1])
}

pub struct ReportOptions<'a> {
    pub period: &'a str,
    pub group: Option<&'a str>,
    /// The moment backlog ages are measured at (default now).
    pub at: Option<DateTime<Utc>>,
    pub actor: &'a str,
    pub csv: bool,
}

/// `crm tickets report`: service performance per agent, group and in total for a period.
pub fn report(db: &Target, o: &ReportOptions<'_>, out: &mut dyn Write) -> CliResult {
    let at = o.at.unwrap_or_else(Utc::now);
    let crm = db.open_at(at)?;
    let report = crm.service_report(o.actor, o.period, o.group.map(str::to_string))?;
    if !o.csv {
        writeln!(
            out,
            "service report {} ({}'s view{}); times in business minutes, backlog as of {}:",
            report.period,
            o.actor,
            o.group.map(|g| format!(", group {g}")).unwrap_or_default(),
            local(at, crm.settings()?.tz()?)
        )?;
    }
    write_report(out, &report, o.csv)?;
    if !o.csv && report.rows.iter().all(|r| r.subject.is_none()) {
        writeln!(out, "(no agent or group solved or holds a ticket)")?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::demo::{demo_db, start};
    use chrono::Duration;

    #[test]
    fn durations_read_like_humantime() {
        for (text, minutes) in [
            ("90m", 90),
            ("2h", 120),
            ("1d", 1440),
            ("1h30m", 90),
            ("1h 30min", 90),
            (" 3 days ", 4320),
            ("0m", 0),
            ("1.5h", 90),
        ] {
            assert_eq!(parse_minutes(text), Ok(minutes), "{text}");
        }
        for bad in [
            "",
            "2",
            "h",
            "2x",
            "-2h",
            "2h-",
            "90s",
            "99999999999999999999d",
        ] {
            let e = parse_minutes(bad).unwrap_err();
            assert!(e.contains("is not a duration like 90m"), "{bad}: {e}");
        }
        for (minutes, text) in [
            (120, "2h"),
            (90, "90m"),
            (1440, "1d"),
            (150, "2h30m"),
            (0, "0m"),
        ] {
            assert_eq!(human_minutes(minutes), text);
            assert_eq!(parse_minutes(text), Ok(minutes));
        }
    }

    /// Monday 4 January 2027, 09:30 in Shanghai: where the demo's service chapter ends.
    fn jan4() -> DateTime<Utc> {
        start() + Duration::days(63) + Duration::minutes(30)
    }

    #[test]
    fn breaches_and_report_of_the_demo_file() {
        let dir = tempfile::tempdir().unwrap();
        let db = demo_db(dir.path());
        let options = |csv| BreachOptions {
            at: Some(jan4()),
            within_minutes: Some(120),
            actor: "u-1",
            assignee: None,
            group: None,
            csv,
        };
        // The demo's service chapter ends there: T5 (tkt-5) has been past its 16 business hours
        // of resolution since Wednesday 12:00 (8 more business hours on Wed pm, Thu am and Mon
        // 09:00-09:30: -480); the follow-up T7 (VIP high, 09:15) has 15 of its 30 minutes
        // left, T6 (normal, Thu 11:00) 30 of 120: past 75%, warning.
        let mut out = Vec::new();
        breaches(&db, &options(true), &mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert_eq!(
            text.lines().collect::<Vec<_>>(),
            [
                BREACH_HEADER,
                "tkt-5,Spare scanner not recognised,normal,open,u-9,t-3,resolution,breached,2026-12-30T04:00:00Z,-480",
                "tkt-7,发票抬头开错了 (invoice made out to the wrong name),high,new,u-9,t-3,first_response,running,2027-01-04T01:45:00Z,15",
                "tkt-6,对账单金额不符 (statement does not add up),normal,new,u-9,t-3,first_response,warning,2027-01-04T02:00:00Z,30",
            ],
            "{text}"
        );
        let mut out = Vec::new();
        breaches(&db, &options(false), &mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(
            text.starts_with(
                "SLA breaches at 2027-01-04 09:30 Asia/Shanghai (u-1's view), looking 2h ahead:"
            ),
            "{text}"
        );
        assert!(text.contains("2027-01-04 10:00"), "{text}");
        assert!(text.ends_with("1 breached, 2 due within 2h\n"), "{text}");

        // December as the demo tells it: u-9 solved T1, T3, T4 (first replies after 20, 190,
        // 450 business minutes, solves after 505, 680, 870; T3 late on both), u-10 solved T2
        // (40 and 760, reopened, rated bad); T5, T6, T7 are still open.
        let mut out = Vec::new();
        let o = ReportOptions {
            period: "2026-12",
            group: None,
            at: Some(jan4()),
            actor: "u-1",
            csv: true,
        };
        report(&db, &o, &mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert_eq!(
            text.lines().collect::<Vec<_>>(),
            [
                REPORT_HEADER,
                "agent,u-9,1,3,190,450,680,870,66.67,66.67,2,0,100.00,0.00,3",
                "agent,u-10,2,1,40,40,760,760,100.00,100.00,0,1,0.00,100.00,0",
                "group,t-3,1,4,40,450,680,870,75.00,75.00,2,1,66.67,25.00,3",
                "total,,1,4,40,450,680,870,75.00,75.00,2,1,66.67,25.00,3",
            ],
            "{text}"
        );
        let e = report(
            &db,
            &ReportOptions {
                period: "2026-13",
                ..o
            },
            &mut Vec::new(),
        )
        .unwrap_err();
        assert!(e.to_string().contains("period"), "{e}");
    }
}
