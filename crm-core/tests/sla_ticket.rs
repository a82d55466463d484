//! Ticket clocks under a policy on a Shanghai office calendar.

use chrono::{DateTime, NaiveDateTime, TimeZone, Utc};
use crm_core::sla::{
    parse_calendar, Calendar, OnPriorityChange, SlaClockState, SlaEventKind, SlaMetric, SlaPolicy,
    SlaTarget, SlaTicket, SlaTimeBasis,
};
use std::collections::{BTreeMap, BTreeSet};

const OFFICE: &str = r#"
timezone = "Asia/Shanghai"
[week]
mon = ["09:00-12:00", "13:30-18:00"]
tue = ["09:00-12:00", "13:30-18:00"]
wed = ["09:00-12:00", "13:30-18:00"]
thu = ["09:00-12:00", "13:30-18:00"]
fri = ["09:00-12:00", "13:30-18:00"]
"#;

fn calendar() -> Calendar {
    parse_calendar(OFFICE).unwrap()
}

fn t(s: &str) -> DateTime<Utc> {
    let local = NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").unwrap();
    chrono_tz::Asia::Shanghai
        .from_local_datetime(&local)
        .unwrap()
        .with_timezone(&Utc)
}

fn policy(on_priority_change: OnPriorityChange) -> SlaPolicy {
    let business = |minutes| SlaTarget {
        minutes,
        basis: SlaTimeBasis::Business,
    };
    let mut targets = BTreeMap::new();
    targets.insert(
        "urgent".to_string(),
        BTreeMap::from([
            (SlaMetric::FirstResponse, business(60)),
            (SlaMetric::NextResponse, business(120)),
            (SlaMetric::Resolution, business(480)),
        ]),
    );
    targets.insert(
        "normal".to_string(),
        BTreeMap::from([
            (SlaMetric::FirstResponse, business(240)),
            (
                SlaMetric::Resolution,
                SlaTarget {
                    minutes: 3 * 24 * 60,
                    basis: SlaTimeBasis::Calendar,
                },
            ),
        ]),
    );
    SlaPolicy {
        name: "support".into(),
        targets,
        warn_at_percent: 75,
        pause_statuses: BTreeSet::from(["waiting_on_customer".to_string()]),
        on_priority_change,
    }
}

fn status(ticket: &SlaTicket, metric: SlaMetric, now: &str) -> crm_core::sla::SlaClockStatus {
    let p = policy(OnPriorityChange::Recompute);
    ticket
        .statuses(&calendar(), &p, t(now))
        .unwrap()
        .into_iter()
        .find(|s| s.metric == metric)
        .unwrap()
}

#[test]
fn first_response_runs_warns_breaches_and_is_met_late() {
    let p = policy(OnPriorityChange::Recompute);
    // Monday 14 September 2026, 11:30: 30 minutes before lunch, then the clock waits until 13:30.
    let mut ticket = SlaTicket::open(&p, "urgent", "open", t("2026-09-14 11:30")).unwrap();
    let s = status(&ticket, SlaMetric::FirstResponse, "2026-09-14 11:50");
    assert_eq!(s.state, SlaClockState::Running);
    assert_eq!(s.elapsed_minutes, 20);
    assert_eq!(s.due_at, Some(t("2026-09-14 14:00")));
    assert_eq!(s.warning_at, Some(t("2026-09-14 13:45")));
    let s = status(&ticket, SlaMetric::FirstResponse, "2026-09-14 13:50");
    assert_eq!(s.state, SlaClockState::Warning);
    assert_eq!(s.remaining_minutes, 10);
    let s = status(&ticket, SlaMetric::FirstResponse, "2026-09-14 14:20");
    assert_eq!(s.state, SlaClockState::Breached);
    assert_eq!(s.remaining_minutes, -20);
    let kinds: Vec<_> = s.events.iter().map(|e| (e.kind, e.at)).collect();
    assert_eq!(
        kinds,
        vec![
            (SlaEventKind::Warning, t("2026-09-14 13:45")),
            (SlaEventKind::Breach, t("2026-09-14 14:00"))
        ]
    );
    ticket.respond(t("2026-09-14 14:30")).unwrap();
    let s = status(&ticket, SlaMetric::FirstResponse, "2026-09-15 10:00");
    assert_eq!(s.state, SlaClockState::MetLate);
    assert_eq!(s.elapsed_minutes, 90);
    assert_eq!(
        s.events.last().map(|e| e.kind),
        Some(SlaEventKind::Fulfilled)
    );
}

#[test]
fn waiting_on_the_customer_pauses_every_open_clock() {
    let p = policy(OnPriorityChange::Recompute);
    let mut ticket = SlaTicket::open(&p, "urgent", "open", t("2026-09-14 09:00")).unwrap();
    ticket.respond(t("2026-09-14 09:20")).unwrap();
    ticket
        .set_status(&p, "waiting_on_customer", t("2026-09-14 10:00"))
        .unwrap();
    let s = status(&ticket, SlaMetric::Resolution, "2026-09-14 17:00");
    assert_eq!(
        (s.state, s.elapsed_minutes, s.due_at),
        (SlaClockState::Paused, 60, None)
    );
    ticket
        .set_status(&p, "open", t("2026-09-15 09:00"))
        .unwrap();
    // 60 minutes used; 420 left from Tuesday 09:00: 180 until noon, 240 after lunch -> 17:30.
    let s = status(&ticket, SlaMetric::Resolution, "2026-09-15 09:30");
    assert_eq!(s.state, SlaClockState::Running);
    assert_eq!(s.due_at, Some(t("2026-09-15 17:30")));
    ticket.resolve(t("2026-09-15 16:00")).unwrap();
    assert_eq!(
        status(&ticket, SlaMetric::Resolution, "2026-09-16 09:00").state,
        SlaClockState::Met
    );
}

#[test]
fn a_reopened_ticket_starts_a_new_resolution_cycle() {
    let p = policy(OnPriorityChange::Recompute);
    let mut ticket = SlaTicket::open(&p, "urgent", "open", t("2026-09-14 09:00")).unwrap();
    ticket.resolve(t("2026-09-14 10:00")).unwrap();
    assert!(
        ticket.resolve(t("2026-09-14 10:30")).is_err(),
        "a fulfilled cycle cannot be fulfilled again"
    );
    ticket.reopen(&p, t("2026-09-16 09:00")).unwrap();
    let s = status(&ticket, SlaMetric::Resolution, "2026-09-16 10:00");
    assert_eq!(
        (s.cycle, s.state, s.elapsed_minutes),
        (1, SlaClockState::Running, 60)
    );
    assert_eq!(
        s.due_at,
        Some(t("2026-09-17 09:30")),
        "7.5 hours on Wednesday, 30 minutes on Thursday"
    );
}

#[test]
fn next_response_starts_with_each_customer_message() {
    let p = policy(OnPriorityChange::Recompute);
    let mut ticket = SlaTicket::open(&p, "urgent", "open", t("2026-09-14 09:00")).unwrap();
    ticket.respond(t("2026-09-14 09:10")).unwrap();
    ticket.customer_replied(&p, t("2026-09-14 11:00")).unwrap();
    let s = status(&ticket, SlaMetric::NextResponse, "2026-09-14 11:30");
    assert_eq!(s.due_at, Some(t("2026-09-14 14:30")));
    ticket.respond(t("2026-09-14 13:40")).unwrap();
    ticket.customer_replied(&p, t("2026-09-15 09:00")).unwrap();
    let s = status(&ticket, SlaMetric::NextResponse, "2026-09-15 09:30");
    assert_eq!((s.cycle, s.state), (1, SlaClockState::Running));
}

#[test]
fn a_priority_change_recomputes_or_keeps_the_target() {
    for (mode, due) in [
        (OnPriorityChange::Recompute, "2026-09-14 10:00"),
        (OnPriorityChange::Keep, "2026-09-14 14:30"),
    ] {
        let p = policy(mode);
        let mut ticket = SlaTicket::open(&p, "normal", "open", t("2026-09-14 09:00")).unwrap();
        ticket.change_priority(&p, "urgent").unwrap();
        let s = ticket
            .statuses(&calendar(), &p, t("2026-09-14 09:30"))
            .unwrap();
        let fr = s
            .iter()
            .find(|s| s.metric == SlaMetric::FirstResponse)
            .unwrap();
        assert_eq!(fr.due_at, Some(t(due)), "{mode:?}");
    }
    let p = policy(OnPriorityChange::Recompute);
    let mut ticket = SlaTicket::open(&p, "normal", "open", t("2026-09-14 09:00")).unwrap();
    assert_eq!(
        ticket.change_priority(&p, "lowest").unwrap_err().code(),
        "INVALID_INPUT"
    );
    assert_eq!(ticket.priority, "normal");
}

#[test]
fn calendar_time_targets_ignore_the_office_hours() {
    let p = policy(OnPriorityChange::Recompute);
    let ticket = SlaTicket::open(&p, "normal", "open", t("2026-09-18 17:00")).unwrap();
    let s = status(&ticket, SlaMetric::Resolution, "2026-09-19 17:00");
    assert_eq!(s.elapsed_minutes, 24 * 60);
    assert_eq!(s.due_at, Some(t("2026-09-21 17:00")));
}

#[test]
fn bad_inputs_are_refused() {
    let p = policy(OnPriorityChange::Recompute);
    assert_eq!(
        SlaTicket::open(&p, "unknown", "open", t("2026-09-14 09:00"))
            .unwrap_err()
            .code(),
        "INVALID_INPUT"
    );
    let mut ticket = SlaTicket::open(&p, "urgent", "open", t("2026-09-14 09:00")).unwrap();
    assert_eq!(
        ticket.respond(t("2026-09-14 08:00")).unwrap_err().code(),
        "INVALID_INPUT"
    );
    let mut bad = p.clone();
    bad.warn_at_percent = 0;
    assert_eq!(bad.validate().unwrap_err().code(), "INVALID_INPUT");
}
