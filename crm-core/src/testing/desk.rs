//! A service desk with many open tickets, shared by the breach-list and batch benchmarks of every
//! backend: ten agents in one team with a round-robin route, one policy whose first-response
//! target is 30 calendar days, and tickets opened evenly over 30 days, so that at the moment the
//! first of them come due about 1,400 of 1,000,000 fall within the next hour.

use crate::desk::{
    Agent, DeskPolicy, DeskRoute, NewTicket, RouteStrategy, ServiceDeskPatch, TicketConditions,
};
use crate::sla::{SlaMetric, SlaTarget, SlaTimeBasis};
use crate::{Crm, FixedClock, NewCustomer, NewUser, Result, Role};
use chrono::{DateTime, Duration, Utc};

pub const ADMIN: &str = "u-1";
/// The first-response target: 30 days of calendar time.
pub const TARGET_MINUTES: i64 = 30 * 24 * 60;
const CALENDAR: &str = "timezone = \"Asia/Shanghai\"\n[week]\nmon = [\"00:00-24:00\"]\n";

/// An organisation with an admin, a team of ten agents, the desk configured and 100 customers.
pub fn configure(crm: &Crm) -> Result<()> {
    crm.bootstrap("Admin", None)?;
    let team = crm.create_team(ADMIN, "Service")?;
    let mut agents = Vec::new();
    for i in 0..10 {
        let u = crm.create_user(
            ADMIN,
            NewUser {
                name: format!("Agent {i}"),
                role: Role::Rep,
                scope: None,
                team_id: Some(team.id.clone()),
            },
        )?;
        agents.push(Agent {
            user_id: u.id,
            group_id: team.id.clone(),
            skills: Vec::new(),
            capacity: None,
        });
    }
    let t = |minutes| SlaTarget {
        minutes,
        basis: SlaTimeBasis::Calendar,
    };
    let targets = [
        (SlaMetric::FirstResponse, t(TARGET_MINUTES)),
        (SlaMetric::Resolution, t(2 * TARGET_MINUTES)),
    ]
    .into_iter()
    .collect();
    crm.update_service_desk(
        ADMIN,
        0,
        ServiceDeskPatch {
            policies: Some(vec![DeskPolicy {
                name: "standard".into(),
                conditions: TicketConditions::default(),
                calendar: CALENDAR.into(),
                targets: [("normal".to_string(), targets)].into_iter().collect(),
                warn_at_percent: 75,
                on_priority_change: Default::default(),
            }]),
            routes: Some(vec![DeskRoute {
                name: "all".into(),
                conditions: TicketConditions::default(),
                group_id: team.id,
                strategy: RouteStrategy::RoundRobin,
                skills: false,
            }]),
            agents: Some(agents),
            ..Default::default()
        },
    )?;
    for i in 0..100 {
        crm.create_customer(
            ADMIN,
            NewCustomer {
                name: format!("Customer {i:03}"),
                ..Default::default()
            },
        )?;
    }
    Ok(())
}

/// `n` new tickets for the seeded customers, in turn.
pub fn batch(n: usize, offset: usize) -> Vec<NewTicket> {
    (0..n)
        .map(|i| NewTicket {
            customer_id: format!("c-{}", (offset + i) % 100 + 1),
            subject: format!("Ticket {}", offset + i),
            ..Default::default()
        })
        .collect()
}

/// Opens `total` tickets in batches of 1,000, spread evenly over 30 days from `start`; the clock
/// is left at the end of that span.
pub fn seed(crm: &Crm, clock: &FixedClock, start: DateTime<Utc>, total: usize) -> Result<()> {
    let batches = total.div_ceil(1_000).max(1);
    let step = Duration::minutes(TARGET_MINUTES) / i32::try_from(batches).unwrap_or(i32::MAX);
    for b in 0..batches {
        clock.set(start + step * i32::try_from(b).unwrap_or(0));
        let n = 1_000.min(total - b * 1_000);
        crm.create_tickets(ADMIN, batch(n, b * 1_000))?;
    }
    Ok(())
}

/// When the first tickets come due: the breach list then asks for the next hour.
pub fn first_due(start: DateTime<Utc>) -> DateTime<Utc> {
    start + Duration::minutes(TARGET_MINUTES)
}

/// The breach list of the next hour at `first_due(start)`; its length.
pub fn breaches(crm: &Crm, start: DateTime<Utc>) -> Result<usize> {
    Ok(crm
        .ticket_breaches(ADMIN, Some(first_due(start)), Some(60), None, None)?
        .len())
}
