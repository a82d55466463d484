//! The service desk (DOMAIN.md section 9) through the service layer, on the in-memory store,
//! with the arithmetic of every SLA answer in comments. Shanghai office calendar: weekdays
//! 09:00-12:00 and 13:30-18:00 (7.5 working hours a day), National Day holidays.

use chrono::{DateTime, Duration, TimeZone, Utc};
use chrono_tz::Asia::Shanghai;
use crm_core::desk::{
    Agent, CsatRating, DeskPolicy, DeskRoute, NewArticle, NewCsat, NewTicket, NewTicketComment,
    RouteStrategy, ServiceDeskPatch, StatusCategory, TicketConditions, TicketPriority, TicketQuery,
    TicketStatusDef,
};
use crm_core::sla::{SlaClockState, SlaMetric, SlaTarget, SlaTimeBasis};
use crm_core::{Crm, CrmError, FixedClock, NewCustomer, NewUser, Role};
use std::collections::BTreeMap;
use std::sync::Arc;

pub const CALENDAR: &str = r#"timezone = "Asia/Shanghai"
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
"#;

const ADMIN: &str = "u-1";
const AGENT_A: &str = "u-2";
const AGENT_B: &str = "u-3";
const SALES_REP: &str = "u-4";
const OTHER_REP: &str = "u-5";

fn sh(y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
    Shanghai
        .with_ymd_and_hms(y, m, d, h, min, 0)
        .unwrap()
        .with_timezone(&Utc)
}

fn target(minutes: i64) -> SlaTarget {
    SlaTarget {
        minutes,
        basis: SlaTimeBasis::Business,
    }
}

fn policy() -> DeskPolicy {
    let mut normal = BTreeMap::new();
    normal.insert(SlaMetric::FirstResponse, target(60));
    normal.insert(SlaMetric::NextResponse, target(120));
    normal.insert(SlaMetric::Resolution, target(480));
    let mut urgent = BTreeMap::new();
    urgent.insert(SlaMetric::FirstResponse, target(30));
    urgent.insert(SlaMetric::Resolution, target(240));
    DeskPolicy {
        name: "standard".into(),
        conditions: TicketConditions::default(),
        calendar: CALENDAR.into(),
        targets: [
            ("normal".to_string(), normal),
            ("urgent".to_string(), urgent),
        ]
        .into_iter()
        .collect(),
        warn_at_percent: 75,
        on_priority_change: Default::default(),
    }
}

/// An admin, a service team t-1 with agents u-2 and u-3 (round robin), a sales rep u-4 who owns
/// customer c-1, and a rep u-5 outside every team.
fn desk(at: DateTime<Utc>) -> (Crm, Arc<FixedClock>) {
    let clock = Arc::new(FixedClock::new(at));
    let crm = Crm::in_memory(clock.clone());
    crm.bootstrap("Admin", None).unwrap();
    let team = crm.create_team(ADMIN, "Service").unwrap();
    for (name, role, team_id) in [
        ("Agent A", Role::Rep, Some(team.id.clone())),
        ("Agent B", Role::Rep, Some(team.id.clone())),
        ("Sales", Role::Rep, None),
        ("Other", Role::Rep, None),
    ] {
        crm.create_user(
            ADMIN,
            NewUser {
                name: name.into(),
                role,
                scope: None,
                team_id,
            },
        )
        .unwrap();
    }
    crm.update_service_desk(
        ADMIN,
        0,
        ServiceDeskPatch {
            policies: Some(vec![policy()]),
            routes: Some(vec![DeskRoute {
                name: "everything".into(),
                conditions: TicketConditions::default(),
                group_id: team.id.clone(),
                strategy: RouteStrategy::RoundRobin,
                skills: false,
            }]),
            agents: Some(
                [AGENT_A, AGENT_B]
                    .iter()
                    .map(|u| Agent {
                        user_id: u.to_string(),
                        group_id: team.id.clone(),
                        skills: Vec::new(),
                        capacity: None,
                    })
                    .collect(),
            ),
            ..Default::default()
        },
    )
    .unwrap();
    crm.create_customer(
        SALES_REP,
        NewCustomer {
            name: "Acme Machinery".into(),
            ..Default::default()
        },
    )
    .unwrap();
    (crm, clock)
}

fn ticket(customer: &str, subject: &str) -> NewTicket {
    NewTicket {
        customer_id: customer.into(),
        subject: subject.into(),
        ..Default::default()
    }
}

fn reply(body: &str) -> NewTicketComment {
    NewTicketComment {
        body: body.into(),
        ..Default::default()
    }
}

fn from_requester(body: &str) -> NewTicketComment {
    NewTicketComment {
        body: body.into(),
        from_requester: true,
        ..Default::default()
    }
}

fn code(e: CrmError) -> &'static str {
    e.code()
}

fn clock_of(crm: &Crm, id: &str, metric: SlaMetric) -> crm_core::sla::SlaClockStatus {
    crm.ticket_sla(ADMIN, id, None)
        .unwrap()
        .into_iter()
        .find(|c| c.metric == metric)
        .unwrap()
}

#[test]
fn a_tickets_whole_life_with_a_pause_a_reopen_and_a_follow_up() {
    // Monday 2 November 2026, 09:00 in Shanghai.
    let (crm, clock) = desk(sh(2026, 11, 2, 9, 0));
    let t = crm
        .create_ticket(SALES_REP, ticket("c-1", "Spindle noise"))
        .unwrap();
    assert_eq!(t.id, "tkt-1");
    assert_eq!(
        t.assignee_id.as_deref(),
        Some(AGENT_A),
        "round robin starts first"
    );
    assert_eq!(t.group_id.as_deref(), Some("t-1"));
    assert_eq!(
        (t.status.as_str(), t.category),
        ("new", StatusCategory::Open)
    );
    assert_eq!(t.policy.as_deref(), Some("standard"));
    // First response: 60 business minutes from 09:00 is 10:00. Resolution: 480 minutes = the
    // 7.5 h of Monday and 30 minutes of Tuesday: Tuesday 09:30.
    let first = clock_of(&crm, "tkt-1", SlaMetric::FirstResponse);
    assert_eq!(first.due_at, Some(sh(2026, 11, 2, 10, 0)));
    let res = clock_of(&crm, "tkt-1", SlaMetric::Resolution);
    assert_eq!(res.due_at, Some(sh(2026, 11, 3, 9, 30)));

    // 09:30: the agent answers and waits on the customer (pending pauses the clocks).
    clock.set(sh(2026, 11, 2, 9, 30));
    let r = crm
        .add_ticket_comment(
            AGENT_A,
            "tkt-1",
            NewTicketComment {
                status: Some("pending".into()),
                ..reply("Which model?")
            },
        )
        .unwrap();
    assert_eq!(r.ticket.status, "pending");
    assert_eq!(r.ticket.category, StatusCategory::Paused);
    assert_eq!(r.ticket.first_responded_at, Some(sh(2026, 11, 2, 9, 30)));
    clock.set(sh(2026, 11, 2, 13, 0));
    assert_eq!(
        clock_of(&crm, "tkt-1", SlaMetric::FirstResponse).state,
        SlaClockState::Met
    );
    let res = clock_of(&crm, "tkt-1", SlaMetric::Resolution);
    assert_eq!(res.state, SlaClockState::Paused);
    assert_eq!(res.elapsed_minutes, 30);
    assert_eq!(res.due_at, None, "a paused clock has no due time");

    // 14:00: the customer answers; pending goes back to open and the clocks run again.
    clock.set(sh(2026, 11, 2, 14, 0));
    let r = crm
        .add_ticket_comment(SALES_REP, "tkt-1", from_requester("The X200"))
        .unwrap();
    assert_eq!(r.ticket.status, "open");
    assert!(r.follow_up.is_none());
    // 450 minutes left from 14:00: 4 h to 18:00, then 210 minutes on Tuesday: 09:00 + 3 h =
    // 12:00, + 30 min after lunch = 14:00.
    let res = clock_of(&crm, "tkt-1", SlaMetric::Resolution);
    assert_eq!(res.due_at, Some(sh(2026, 11, 3, 14, 0)));
    let next = clock_of(&crm, "tkt-1", SlaMetric::NextResponse);
    assert_eq!(next.due_at, Some(sh(2026, 11, 2, 16, 0)));

    // 16:00: solved; then rated 5 (good).
    clock.set(sh(2026, 11, 2, 16, 0));
    let t = crm
        .set_ticket_status(AGENT_A, "tkt-1", 3, "solved".into())
        .unwrap();
    assert_eq!(t.category, StatusCategory::Resolved);
    let res = clock_of(&crm, "tkt-1", SlaMetric::Resolution);
    assert_eq!((res.state, res.elapsed_minutes), (SlaClockState::Met, 150));
    let t = crm
        .rate_ticket(
            SALES_REP,
            "tkt-1",
            NewCsat {
                score: Some(5),
                ..Default::default()
            },
        )
        .unwrap();
    assert_eq!(t.csat().unwrap().rating, CsatRating::Good);
    let again = crm.rate_ticket(
        SALES_REP,
        "tkt-1",
        NewCsat {
            rating: Some(CsatRating::Bad),
            ..Default::default()
        },
    );
    assert_eq!(
        code(again.unwrap_err()),
        "INVALID_STATE",
        "one rating per solve"
    );

    // Wednesday 10:00, within the 4-day grace period: the customer writes again: reopened.
    clock.set(sh(2026, 11, 4, 10, 0));
    let r = crm
        .add_ticket_comment(SALES_REP, "tkt-1", from_requester("It is back"))
        .unwrap();
    assert_eq!((r.ticket.status.as_str(), r.ticket.cycle), ("open", 1));
    let res = clock_of(&crm, "tkt-1", SlaMetric::Resolution);
    assert_eq!((res.cycle, res.state), (1, SlaClockState::Running));
    // A new cycle of 480 minutes from Wednesday 10:00: 6.5 h on Wednesday, 1.5 h on Thursday.
    assert_eq!(res.due_at, Some(sh(2026, 11, 5, 10, 30)));
    clock.set(sh(2026, 11, 4, 11, 0));
    let t = crm.ticket(ADMIN, "tkt-1").unwrap();
    crm.set_ticket_status(AGENT_A, "tkt-1", t.version, "solved".into())
        .unwrap();

    // The next Monday, more than 4 days after the solve: the reply closes tk-1 (at the end of
    // its grace period, Sunday 11:00) and opens a follow-up that the message belongs to.
    clock.set(sh(2026, 11, 9, 9, 0));
    let r = crm
        .add_ticket_comment(SALES_REP, "tkt-1", from_requester("Still noisy"))
        .unwrap();
    assert_eq!(r.ticket.status, "closed");
    assert_eq!(r.ticket.closed_at, Some(sh(2026, 11, 8, 11, 0)));
    let f = r.follow_up.expect("a follow-up");
    assert_eq!(f.follow_up_of.as_deref(), Some("tkt-1"));
    assert_eq!(r.comment.ticket_id, f.id);
    assert_eq!(
        f.assignee_id.as_deref(),
        Some(AGENT_A),
        "the same agent keeps it"
    );
    // Closed tickets never change.
    let closed = crm.ticket(ADMIN, "tkt-1").unwrap();
    assert_eq!(
        code(
            crm.add_ticket_comment(AGENT_A, "tkt-1", reply("hi"))
                .unwrap_err()
        ),
        "INVALID_STATE"
    );
    assert_eq!(
        code(
            crm.set_ticket_status(ADMIN, "tkt-1", closed.version, "open".into())
                .unwrap_err()
        ),
        "INVALID_STATE"
    );
    assert_eq!(crm.ticket(ADMIN, "tkt-1").unwrap(), closed);
    let comments = crm.ticket_comments(ADMIN, "tkt-1").unwrap();
    assert_eq!(comments.len(), 3);
}

#[test]
fn a_breach_across_the_national_day_holidays_comes_from_the_index() {
    // Wednesday 30 September 17:00: one working hour left that day, then the holidays.
    let (crm, clock) = desk(sh(2026, 9, 30, 17, 0));
    crm.create_ticket(SALES_REP, ticket("c-1", "Line down"))
        .unwrap();
    clock.set(sh(2026, 9, 30, 17, 30));
    crm.add_ticket_comment(AGENT_A, "tkt-1", reply("Looking"))
        .unwrap();
    // Resolution: 480 minutes = 60 on 30 Sep, none from 1 to 7 Oct (holidays and the weekend),
    // 180 + 240 on Thursday 8 Oct: due at 17:30.
    let res = clock_of(&crm, "tkt-1", SlaMetric::Resolution);
    assert_eq!(res.due_at, Some(sh(2026, 10, 8, 17, 30)));
    assert!(crm
        .ticket_breaches(ADMIN, Some(sh(2026, 10, 8, 9, 0)), Some(60), None, None)
        .unwrap()
        .is_empty());
    let due = crm
        .ticket_breaches(ADMIN, Some(sh(2026, 10, 8, 17, 0)), Some(60), None, None)
        .unwrap();
    assert_eq!(due.len(), 1);
    // 450 of 480 minutes used: past the 75 % warning, 30 minutes left.
    assert_eq!(
        (due[0].metric, due[0].state, due[0].remaining_minutes),
        (SlaMetric::Resolution, SlaClockState::Warning, 30)
    );
    let late = crm
        .ticket_breaches(ADMIN, Some(sh(2026, 10, 9, 9, 0)), Some(0), None, None)
        .unwrap();
    assert_eq!(
        (late[0].state, late[0].remaining_minutes, late[0].due_at),
        (SlaClockState::Breached, -30, sh(2026, 10, 8, 17, 30))
    );
    // A second ticket due sooner comes after the breached one.
    clock.set(sh(2026, 10, 9, 9, 0));
    crm.create_ticket(SALES_REP, ticket("c-1", "Second"))
        .unwrap();
    let list = crm
        .ticket_breaches(ADMIN, None, Some(120), None, None)
        .unwrap();
    let order: Vec<_> = list
        .iter()
        .map(|b| (b.ticket_id.as_str(), b.state))
        .collect();
    assert_eq!(
        order,
        [
            ("tkt-1", SlaClockState::Breached),
            ("tkt-2", SlaClockState::Running)
        ]
    );
    // Scope: the agent of tk-2 (round robin: u-3) sees it through the group; the other rep not.
    assert_eq!(
        crm.ticket_breaches(AGENT_B, None, Some(120), Some(AGENT_B.into()), None)
            .unwrap()
            .len(),
        1
    );
    assert!(crm
        .ticket_breaches(OTHER_REP, None, Some(120), None, None)
        .unwrap()
        .is_empty());
}

#[test]
fn routing_skips_inactive_agents_and_full_ones() {
    let (crm, _) = desk(sh(2026, 11, 2, 9, 0));
    let desk_cfg = crm.service_desk(ADMIN).unwrap();
    let mut agents = desk_cfg.agents.clone();
    agents[0].capacity = Some(1);
    crm.update_service_desk(
        ADMIN,
        desk_cfg.version,
        ServiceDeskPatch {
            agents: Some(agents),
            ..Default::default()
        },
    )
    .unwrap();
    let a = crm.create_ticket(SALES_REP, ticket("c-1", "one")).unwrap();
    let b = crm.create_ticket(SALES_REP, ticket("c-1", "two")).unwrap();
    let c = crm
        .create_ticket(SALES_REP, ticket("c-1", "three"))
        .unwrap();
    // u-2 is full after its first ticket, so round robin gives u-3 every later one.
    assert_eq!(a.assignee_id.as_deref(), Some(AGENT_A));
    assert_eq!(b.assignee_id.as_deref(), Some(AGENT_B));
    assert_eq!(c.assignee_id.as_deref(), Some(AGENT_B));
    crm.deactivate_user(ADMIN, AGENT_B, "left").unwrap();
    let d = crm.create_ticket(SALES_REP, ticket("c-1", "four")).unwrap();
    assert_eq!(
        d.assignee_id, None,
        "nobody active with room: it waits in the group"
    );
    assert_eq!(d.group_id.as_deref(), Some("t-1"));
    // Solving frees u-2's capacity.
    crm.set_ticket_status(AGENT_A, &a.id, a.version, "solved".into())
        .unwrap();
    let e = crm.create_ticket(SALES_REP, ticket("c-1", "five")).unwrap();
    assert_eq!(e.assignee_id.as_deref(), Some(AGENT_A));
    let moved = crm
        .assign_ticket(
            ADMIN,
            &d.id,
            d.version,
            Some(AGENT_A.into()),
            None,
            "escalated".into(),
        )
        .unwrap();
    assert_eq!(moved.assignee_id.as_deref(), Some(AGENT_A));
    assert_eq!(
        code(
            crm.assign_ticket(
                ADMIN,
                &e.id,
                e.version,
                Some(AGENT_B.into()),
                None,
                "x".into()
            )
            .unwrap_err()
        ),
        "INACTIVE_USER"
    );
}

#[test]
fn csat_over_several_tickets_and_the_service_report() {
    let (crm, clock) = desk(sh(2026, 11, 2, 9, 0));
    let scores = [Some(5), Some(1), Some(3), None];
    for (i, score) in scores.iter().enumerate() {
        let t = crm
            .create_ticket(SALES_REP, ticket("c-1", &format!("t{i}")))
            .unwrap();
        clock.advance(Duration::minutes(30));
        crm.add_ticket_comment(AGENT_A, &t.id, reply("done"))
            .unwrap();
        let t = crm.ticket(ADMIN, &t.id).unwrap();
        crm.set_ticket_status(ADMIN, &t.id, t.version, "solved".into())
            .unwrap();
        if let Some(s) = score {
            crm.rate_ticket(
                SALES_REP,
                &t.id,
                NewCsat {
                    score: Some(*s),
                    ..Default::default()
                },
            )
            .unwrap();
        }
    }
    crm.create_ticket(SALES_REP, ticket("c-1", "still open"))
        .unwrap();
    let report = crm.service_report(ADMIN, "2026-11", None).unwrap();
    let total = report.rows.last().unwrap();
    assert_eq!(total.subject, None);
    assert_eq!(total.solved, 4);
    assert_eq!((total.rated_good, total.rated_bad), (1, 1));
    assert_eq!(
        total.csat_percent,
        Some(rust_decimal::Decimal::new(5000, 2))
    );
    assert_eq!(total.first_response_median_minutes, Some(30));
    assert_eq!(total.backlog[0].tickets, 1);
    let achievements = crm.service_achievements(ADMIN, "2026-11").unwrap();
    assert_eq!(achievements.len(), 4);
    // Solved tickets feed the sales performance functions: a target of 5 solved for u-2.
    use crm_core::performance::{
        evaluate, leaderboard, PerformanceBasis, PerformanceSubject, PerformanceTarget,
    };
    let targets = [PerformanceTarget {
        subject: PerformanceSubject::Rep {
            user_id: AGENT_A.into(),
        },
        period: "2026-11".into(),
        amount: 5.into(),
    }];
    let attained = evaluate(&targets, &achievements, PerformanceBasis::TicketsSolved).unwrap();
    let board = leaderboard(&attained, false, "2026-11").unwrap();
    // Round robin gave u-2 two of the four solved tickets.
    assert_eq!(board[0].achieved, 2.into());
    assert_eq!(board[0].ratio, Some(rust_decimal::Decimal::new(4, 1)));
    assert!(crm.service_report(ADMIN, "November", None).is_err());
}

#[test]
fn bad_input_gets_typed_errors_and_changes_nothing() {
    let (crm, _) = desk(sh(2026, 11, 2, 9, 0));
    let t = crm.create_ticket(SALES_REP, ticket("c-1", "x")).unwrap();
    let before = crm.ticket(ADMIN, "tkt-1").unwrap();
    assert_eq!(
        code(
            crm.set_ticket_status(ADMIN, "tkt-1", t.version, "waiting".into())
                .unwrap_err()
        ),
        "INVALID_INPUT"
    );
    assert_eq!(
        code(
            crm.rate_ticket(
                ADMIN,
                "tkt-1",
                NewCsat {
                    rating: Some(CsatRating::Good),
                    ..Default::default()
                }
            )
            .unwrap_err()
        ),
        "INVALID_STATE"
    );
    assert_eq!(
        code(
            crm.set_ticket_status(ADMIN, "tkt-1", t.version, "closed".into())
                .unwrap_err()
        ),
        "INVALID_STATE"
    );
    assert_eq!(crm.ticket(ADMIN, "tkt-1").unwrap(), before);
    // Inputs beyond their bounds are refused before anything is read or written.
    let long = NewTicket {
        description: "x".repeat(10_001),
        ..ticket("c-1", "too long")
    };
    assert_eq!(
        code(crm.create_ticket(SALES_REP, long).unwrap_err()),
        "INVALID_INPUT"
    );
    let many_tags = NewTicket {
        tags: (0..101).map(|i| format!("tag{i}")).collect(),
        ..ticket("c-1", "too many tags")
    };
    assert_eq!(
        code(crm.create_ticket(SALES_REP, many_tags).unwrap_err()),
        "INVALID_INPUT"
    );
    assert_eq!(crm.tickets(ADMIN, TicketQuery::default()).unwrap().len(), 1);
    // The end of time is refused, not a panic.
    let end = crm.ticket_breaches(ADMIN, Some(DateTime::<Utc>::MAX_UTC), Some(60), None, None);
    assert_eq!(code(end.unwrap_err()), "INVALID_INPUT");
    let mut bad = policy();
    bad.targets
        .get_mut("normal")
        .unwrap()
        .insert(SlaMetric::FirstResponse, target(600));
    let cfg = crm.service_desk(ADMIN).unwrap();
    assert_eq!(
        code(
            crm.update_service_desk(
                ADMIN,
                cfg.version,
                ServiceDeskPatch {
                    policies: Some(vec![bad]),
                    ..Default::default()
                }
            )
            .unwrap_err()
        ),
        "INVALID_INPUT"
    );
    assert_eq!(
        code(
            crm.update_service_desk(
                ADMIN,
                cfg.version,
                ServiceDeskPatch {
                    statuses: Some(vec![TicketStatusDef {
                        name: "archived".into(),
                        category: StatusCategory::Closed
                    }]),
                    ..Default::default()
                }
            )
            .unwrap_err()
        ),
        "INVALID_INPUT"
    );
    assert_eq!(crm.service_desk(ADMIN).unwrap(), cfg);
    // Scope: a rep outside sees nothing of it.
    assert_eq!(
        code(crm.ticket(OTHER_REP, "tkt-1").unwrap_err()),
        "OUT_OF_SCOPE"
    );
    assert!(crm
        .tickets(OTHER_REP, TicketQuery::default())
        .unwrap()
        .is_empty());
    assert_eq!(
        crm.tickets(SALES_REP, TicketQuery::default())
            .unwrap()
            .len(),
        1
    );
}

#[test]
fn custom_statuses_priorities_and_articles() {
    let (crm, clock) = desk(sh(2026, 11, 2, 9, 0));
    let cfg = crm.service_desk(ADMIN).unwrap();
    crm.update_service_desk(
        ADMIN,
        cfg.version,
        ServiceDeskPatch {
            statuses: Some(vec![TicketStatusDef {
                name: "waiting_on_parts".into(),
                category: StatusCategory::Paused,
            }]),
            ..Default::default()
        },
    )
    .unwrap();
    let t = crm.create_ticket(SALES_REP, ticket("c-1", "x")).unwrap();
    clock.set(sh(2026, 11, 2, 10, 0));
    let t = crm
        .set_ticket_status(AGENT_A, &t.id, t.version, "waiting_on_parts".into())
        .unwrap();
    assert_eq!(t.category, StatusCategory::Paused);
    let t = crm
        .set_ticket_status(AGENT_A, &t.id, t.version, "open".into())
        .unwrap();
    // Urgent: recomputed from the start with the urgent targets (30 minutes first response).
    let t = crm
        .update_ticket(
            AGENT_A,
            &t.id,
            t.version,
            crm_core::desk::TicketPatch {
                priority: Some(TicketPriority::Urgent),
                ..Default::default()
            },
        )
        .unwrap();
    let first = clock_of(&crm, &t.id, SlaMetric::FirstResponse);
    assert_eq!(first.target.minutes, 30);
    assert_eq!(first.state, SlaClockState::Breached);
    let a = crm
        .create_article(
            AGENT_A,
            NewArticle {
                title: "Spindle noise".into(),
                ..Default::default()
            },
        )
        .unwrap();
    let a = crm
        .set_article_state(
            AGENT_A,
            &a.id,
            a.version,
            crm_core::desk::ArticleState::InReview,
        )
        .unwrap();
    assert_eq!(
        code(
            crm.set_article_state(
                AGENT_A,
                &a.id,
                a.version,
                crm_core::desk::ArticleState::Published
            )
            .unwrap_err()
        ),
        "PERMISSION_DENIED"
    );
    crm.set_article_state(
        ADMIN,
        &a.id,
        a.version,
        crm_core::desk::ArticleState::Published,
    )
    .unwrap();
    let t = crm.link_article(AGENT_A, &t.id, &a.id).unwrap();
    crm.set_ticket_status(AGENT_A, &t.id, t.version, "solved".into())
        .unwrap();
    let usage = crm.article_usage(ADMIN).unwrap();
    assert_eq!((usage[0].tickets, usage[0].solved_tickets), (1, 1));
}

#[test]
fn a_new_configuration_re_times_the_tickets_it_concerns() {
    let (crm, clock) = desk(sh(2026, 11, 2, 9, 0));
    let t = crm.create_ticket(SALES_REP, ticket("c-1", "x")).unwrap();
    clock.set(sh(2026, 11, 2, 9, 10));
    let t = crm
        .set_ticket_status(AGENT_A, &t.id, t.version, "on_hold".into())
        .unwrap();
    assert_eq!(t.category, StatusCategory::Paused);
    let list = |at| {
        crm.ticket_breaches(ADMIN, Some(at), Some(60), None, None)
            .unwrap()
            .len()
    };
    assert_eq!(
        list(sh(2026, 11, 2, 10, 0)),
        0,
        "on hold: paused, no deadline"
    );
    // On-hold time now counts as open (as Zendesk counts it): the ticket runs again, and its
    // first response (10 minutes used before the hold) is due at 10:00 once more.
    let cfg = crm.service_desk(ADMIN).unwrap();
    let cfg = crm
        .update_service_desk(
            ADMIN,
            cfg.version,
            ServiceDeskPatch {
                on_hold_category: Some(StatusCategory::Open),
                ..Default::default()
            },
        )
        .unwrap();
    let t = crm.ticket(ADMIN, &t.id).unwrap();
    assert_eq!((t.category, t.version), (StatusCategory::Open, 3));
    assert_eq!(list(sh(2026, 11, 2, 9, 30)), 1);
    // A shorter first-response target reaches the breach list at once.
    let mut shorter = policy();
    shorter
        .targets
        .get_mut("normal")
        .unwrap()
        .insert(SlaMetric::FirstResponse, target(20));
    let cfg = crm
        .update_service_desk(
            ADMIN,
            cfg.version,
            ServiceDeskPatch {
                policies: Some(vec![shorter]),
                ..Default::default()
            },
        )
        .unwrap();
    let due = crm
        .ticket_breaches(ADMIN, Some(sh(2026, 11, 2, 9, 10)), Some(15), None, None)
        .unwrap();
    assert_eq!(due[0].due_at, sh(2026, 11, 2, 9, 20));
    // A policy without a target for a priority in use, or a status in use removed: refused.
    let mut urgent_only = policy();
    urgent_only.targets.remove("normal");
    let refused = crm.update_service_desk(
        ADMIN,
        cfg.version,
        ServiceDeskPatch {
            policies: Some(vec![urgent_only]),
            ..Default::default()
        },
    );
    assert_eq!(code(refused.unwrap_err()), "INVALID_INPUT");
    let cfg = crm
        .update_service_desk(
            ADMIN,
            cfg.version,
            ServiceDeskPatch {
                statuses: Some(vec![TicketStatusDef {
                    name: "parts".into(),
                    category: StatusCategory::Paused,
                }]),
                ..Default::default()
            },
        )
        .unwrap();
    let t = crm.ticket(ADMIN, &t.id).unwrap();
    crm.set_ticket_status(AGENT_A, &t.id, t.version, "parts".into())
        .unwrap();
    let refused = crm.update_service_desk(
        ADMIN,
        cfg.version,
        ServiceDeskPatch {
            statuses: Some(Vec::new()),
            ..Default::default()
        },
    );
    assert_eq!(code(refused.unwrap_err()), "INVALID_STATE");
    assert_eq!(crm.service_desk(ADMIN).unwrap(), cfg);
}
