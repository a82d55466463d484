//! Property tests of the service desk (DOMAIN.md section 9) over random runs of ticket
//! operations on the in-memory store:
//! - every stored ticket's status has exactly one category, the desk's category of that status
//!   (also after `on_hold` is remapped to open or paused);
//! - a closed ticket never changes again;
//! - a requester reply to a pending ticket leaves it open;
//! - the SLA clocks the desk reports equal the pure clock (`api::pure::sla_ticket_status`) run
//!   on the ticket's stored history, and that history is in time order;
//! - CSAT % of the service report is good / (good + bad) over the latest rating of each ticket
//!   solved in the period;
//! - routing never assigns an inactive agent or one at capacity;
//! - a refused operation changes no ticket and writes no event.

use chrono::{DateTime, Duration, TimeZone, Utc};
use crm_core::desk::{
    Agent, CsatRating, DeskPolicy, DeskRoute, NewCsat, NewTicket, NewTicketComment, RouteStrategy,
    ServiceDeskPatch, StatusCategory, Ticket, TicketConditions, TicketPriority, TicketQuery,
};
use crm_core::sla::{SlaMetric, SlaTarget, SlaTimeBasis};
use crm_core::{Crm, FixedClock, NewCustomer, NewUser, Role};
use proptest::prelude::*;
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

const CALENDAR: &str = r#"timezone = "Asia/Shanghai"
[week]
mon = ["09:00-12:00", "13:30-18:00"]
tue = ["09:00-12:00", "13:30-18:00"]
wed = ["09:00-12:00", "13:30-18:00"]
thu = ["09:00-12:00", "13:30-18:00"]
fri = ["09:00-12:00", "13:30-18:00"]
sat = ["10:00-16:00"]
[[holiday]]
date = "2026-10-01"
"#;
const ADMIN: &str = "u-1";
const AGENTS: [&str; 3] = ["u-2", "u-3", "u-4"];
const STATUSES: [&str; 8] = [
    "open", "pending", "on_hold", "solved", "closed", "parts", "new", "bogus",
];

#[derive(Debug, Clone)]
enum Op {
    Create(TicketPriority, usize),
    AgentReply(usize, Option<&'static str>),
    RequesterReply(usize),
    Status(usize, &'static str),
    Rate(usize, Option<CsatRating>, Option<u8>),
    Assign(usize, usize),
    Priority(usize, TicketPriority),
    Deactivate(usize),
    Advance(i64),
    Sweep,
    /// Maps `on_hold` to open (true) or paused: the tickets on hold follow.
    OnHold(bool),
}

fn priority() -> impl Strategy<Value = TicketPriority> {
    prop_oneof![
        Just(TicketPriority::Low),
        Just(TicketPriority::Normal),
        Just(TicketPriority::High),
        Just(TicketPriority::Urgent),
    ]
}

fn op() -> impl Strategy<Value = Op> {
    let status = proptest::sample::select(&STATUSES[..]);
    let rating = prop_oneof![
        Just(None),
        Just(Some(CsatRating::Good)),
        Just(Some(CsatRating::Bad)),
        Just(Some(CsatRating::Neutral)),
    ];
    prop_oneof![
        3 => (priority(), 0..2usize).prop_map(|(p, c)| Op::Create(p, c)),
        3 => (0..6usize, proptest::option::of(status.clone())).prop_map(|(t, s)| Op::AgentReply(t, s)),
        3 => (0..6usize).prop_map(Op::RequesterReply),
        4 => (0..6usize, status).prop_map(|(t, s)| Op::Status(t, s)),
        2 => (0..6usize, rating, proptest::option::of(0..7u8)).prop_map(|(t, r, s)| Op::Rate(t, r, s)),
        1 => (0..6usize, 0..3usize).prop_map(|(t, a)| Op::Assign(t, a)),
        1 => (0..6usize, priority()).prop_map(|(t, p)| Op::Priority(t, p)),
        1 => (0..3usize).prop_map(Op::Deactivate),
        3 => (1..(4 * 24 * 60i64)).prop_map(Op::Advance),
        1 => Just(Op::Sweep),
        1 => any::<bool>().prop_map(Op::OnHold),
    ]
}

fn targets(first: i64, resolution: i64) -> BTreeMap<SlaMetric, SlaTarget> {
    let t = |minutes| SlaTarget {
        minutes,
        basis: SlaTimeBasis::Business,
    };
    [
        (SlaMetric::FirstResponse, t(first)),
        (SlaMetric::NextResponse, t(first * 2)),
        (SlaMetric::Resolution, t(resolution)),
    ]
    .into_iter()
    .collect()
}

fn policy() -> DeskPolicy {
    DeskPolicy {
        name: "p".into(),
        conditions: TicketConditions::default(),
        calendar: CALENDAR.into(),
        targets: [
            ("low", targets(240, 2400)),
            ("normal", targets(60, 480)),
            ("high", targets(30, 240)),
            ("urgent", targets(15, 120)),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect(),
        warn_at_percent: 75,
        on_priority_change: Default::default(),
    }
}

fn setup(
    capacities: &[Option<u32>],
    strategy: RouteStrategy,
    on_hold_open: bool,
) -> (Crm, Arc<FixedClock>) {
    let clock = Arc::new(FixedClock::new(
        Utc.with_ymd_and_hms(2026, 9, 28, 1, 0, 0).unwrap(),
    ));
    let crm = Crm::in_memory(clock.clone());
    crm.bootstrap("Admin", None).unwrap();
    let team = crm.create_team(ADMIN, "Service").unwrap();
    for name in AGENTS {
        crm.create_user(
            ADMIN,
            NewUser {
                name: name.into(),
                role: Role::Rep,
                scope: None,
                team_id: Some(team.id.clone()),
            },
        )
        .unwrap();
    }
    crm.update_service_desk(
        ADMIN,
        0,
        ServiceDeskPatch {
            statuses: Some(vec![crm_core::desk::TicketStatusDef {
                name: "parts".into(),
                category: StatusCategory::Paused,
            }]),
            on_hold_category: Some(if on_hold_open {
                StatusCategory::Open
            } else {
                StatusCategory::Paused
            }),
            policies: Some(vec![policy()]),
            routes: Some(vec![DeskRoute {
                name: "all".into(),
                conditions: TicketConditions::default(),
                group_id: team.id.clone(),
                strategy,
                skills: false,
            }]),
            agents: Some(
                AGENTS
                    .iter()
                    .zip(capacities)
                    .map(|(u, c)| Agent {
                        user_id: u.to_string(),
                        group_id: team.id.clone(),
                        skills: Vec::new(),
                        capacity: *c,
                    })
                    .collect(),
            ),
            csat_reasons: Some(Vec::new()),
            ..Default::default()
        },
    )
    .unwrap();
    for name in ["Acme", "Borealis"] {
        crm.create_customer(
            ADMIN,
            NewCustomer {
                name: name.into(),
                ..Default::default()
            },
        )
        .unwrap();
    }
    (crm, clock)
}

fn all(crm: &Crm) -> Vec<Ticket> {
    crm.tickets(ADMIN, TicketQuery::default()).unwrap()
}

fn event_count(crm: &Crm) -> usize {
    crm.events(ADMIN, 0, usize::MAX).unwrap().len()
}

fn strategy() -> impl Strategy<Value = RouteStrategy> {
    prop_oneof![
        Just(RouteStrategy::RoundRobin),
        Just(RouteStrategy::LeastOpen),
        Just(RouteStrategy::Capacity),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn ticket_runs_keep_the_rules(
        capacities in proptest::collection::vec(proptest::option::of(1..4u32), 3),
        route in strategy(),
        on_hold_open in any::<bool>(),
        ops in proptest::collection::vec(op(), 1..40),
    ) {
        let (crm, clock) = setup(&capacities, route, on_hold_open);
        let mut inactive: Vec<&str> = Vec::new();
        let mut closed: HashMap<String, Ticket> = HashMap::new();
        for op in ops {
            let tickets = all(&crm);
            let pick = |i: usize| tickets.get(i % tickets.len().max(1)).cloned();
            let events_before = event_count(&crm);
            let outcome: Option<Result<(), crm_core::CrmError>> = match &op {
                Op::Create(p, c) => {
                    // The agents' loads before routing, to judge the choice.
                    let open: HashMap<String, u64> = AGENTS.iter().map(|a| {
                        (a.to_string(), tickets.iter().filter(|t| {
                            t.assignee_id.as_deref() == Some(*a)
                                && matches!(t.category, StatusCategory::Open | StatusCategory::Paused)
                        }).count() as u64)
                    }).collect();
                    let r = crm.create_ticket(ADMIN, NewTicket {
                        customer_id: format!("c-{}", c + 1),
                        subject: "s".into(),
                        priority: Some(*p),
                        ..Default::default()
                    });
                    if let Ok(t) = &r {
                        if let Some(a) = &t.assignee_id {
                            let i = AGENTS.iter().position(|x| x == a).unwrap();
                            prop_assert!(!inactive.contains(&a.as_str()), "routed to inactive {a}");
                            if let Some(cap) = capacities[i] {
                                prop_assert!(open[a] < u64::from(cap), "routed to {a} at capacity");
                            }
                        } else {
                            // Nobody had room: every active agent is at capacity.
                            for (i, a) in AGENTS.iter().enumerate() {
                                if !inactive.contains(a) {
                                    prop_assert!(capacities[i].is_some_and(|c| open[*a] >= u64::from(c)));
                                }
                            }
                        }
                    }
                    Some(r.map(|_| ()))
                }
                Op::AgentReply(i, s) => pick(*i).map(|t| {
                    let agent = t.assignee_id.clone().unwrap_or(ADMIN.into());
                    let actor = if inactive.contains(&agent.as_str()) { ADMIN.to_string() } else { agent };
                    crm.add_ticket_comment(&actor, &t.id, NewTicketComment {
                        body: "r".into(),
                        status: s.map(str::to_string),
                        ..Default::default()
                    }).map(|_| ())
                }),
                Op::RequesterReply(i) => match pick(*i) {
                    None => None,
                    Some(t) => {
                        let r = crm.add_ticket_comment(ADMIN, &t.id, NewTicketComment {
                            body: "again".into(),
                            from_requester: true,
                            ..Default::default()
                        });
                        if let Ok(reply) = &r {
                            if t.status == "pending" {
                                prop_assert_eq!(reply.ticket.status.as_str(), "open");
                            }
                            if t.category == StatusCategory::Resolved && reply.follow_up.is_none() {
                                prop_assert_eq!(reply.ticket.cycle, t.cycle + 1);
                            }
                            prop_assert_eq!(
                                reply.follow_up.is_some(),
                                t.category == StatusCategory::Closed
                                    || reply.ticket.category == StatusCategory::Closed
                            );
                        }
                        Some(r.map(|_| ()))
                    }
                },
                Op::Status(i, s) => pick(*i).map(|t| {
                    crm.set_ticket_status(ADMIN, &t.id, t.version, s.to_string()).map(|_| ())
                }),
                Op::Rate(i, rating, score) => pick(*i).map(|t| {
                    crm.rate_ticket(ADMIN, &t.id, NewCsat { rating: *rating, score: *score, ..Default::default() }).map(|_| ())
                }),
                Op::Assign(i, a) => pick(*i).map(|t| {
                    crm.assign_ticket(ADMIN, &t.id, t.version, Some(AGENTS[*a].into()), None, "move".into()).map(|_| ())
                }),
                Op::Priority(i, p) => pick(*i).map(|t| {
                    crm.update_ticket(ADMIN, &t.id, t.version, crm_core::desk::TicketPatch {
                        priority: Some(*p),
                        ..Default::default()
                    }).map(|_| ())
                }),
                Op::Deactivate(a) => {
                    if !inactive.contains(&AGENTS[*a]) {
                        crm.deactivate_user(ADMIN, AGENTS[*a], "left").unwrap();
                        inactive.push(AGENTS[*a]);
                    }
                    None
                }
                Op::Advance(m) => {
                    clock.advance(Duration::minutes(*m));
                    None
                }
                Op::Sweep => Some(crm.close_solved_tickets(ADMIN).map(|_| ())),
                Op::OnHold(open) => {
                    let cfg = crm.service_desk(ADMIN).unwrap();
                    Some(crm.update_service_desk(ADMIN, cfg.version, ServiceDeskPatch {
                        on_hold_category: Some(if *open { StatusCategory::Open } else { StatusCategory::Paused }),
                        ..Default::default()
                    }).map(|_| ()))
                }
            };
            let after = all(&crm);
            if let Some(Err(e)) = &outcome {
                prop_assert_eq!(&after, &tickets, "refused {:?} ({}) changed tickets", op, e);
                prop_assert_eq!(event_count(&crm), events_before, "refused {:?} wrote events", op);
            }
            let now: DateTime<Utc> = clock_now(&crm);
            let desk = crm.service_desk(ADMIN).unwrap();
            let pure_policy = desk.policies[0].sla_policy(&desk.paused_statuses());
            for t in &after {
                prop_assert_eq!(desk.category(&t.status).unwrap(), t.category);
                if let Some(c) = closed.get(&t.id) {
                    prop_assert_eq!(c, t, "a closed ticket changed");
                }
                if t.category == StatusCategory::Closed {
                    closed.insert(t.id.clone(), t.clone());
                }
                prop_assert!(t.sla_history.windows(2).all(|w| w[0].at() <= w[1].at()));
                let stored = crm.ticket_sla(ADMIN, &t.id, None).unwrap();
                let pure = crm_core::api::pure::sla_ticket_status(CALENDAR, &pure_policy, &t.sla_history, now).unwrap();
                prop_assert_eq!(stored, pure);
            }
        }
        // CSAT % over the latest ratings of the tickets solved in the period.
        let period = clock_now(&crm).format("%Y").to_string();
        let report = crm.service_report(ADMIN, &period, None).unwrap();
        let total = report.rows.last().unwrap();
        let (mut good, mut bad) = (0u64, 0u64);
        for t in all(&crm).iter().filter(|t| t.solved_at.is_some()) {
            match t.csat().map(|c| c.rating) {
                Some(CsatRating::Good) => good += 1,
                Some(CsatRating::Bad) => bad += 1,
                _ => {}
            }
        }
        prop_assert_eq!((total.rated_good, total.rated_bad), (good, bad));
        let expected = (good + bad > 0).then(|| {
            (rust_decimal::Decimal::from(good) * rust_decimal::Decimal::from(100)
                / rust_decimal::Decimal::from(good + bad)).round_dp(2)
        });
        prop_assert_eq!(total.csat_percent, expected);
    }
}

fn clock_now(crm: &Crm) -> DateTime<Utc> {
    crm.now()
}
