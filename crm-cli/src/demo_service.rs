//! The demo's fifth part: the service desk (客户服务). A Shanghai service team on a business
//! calendar with a lunch break and the New Year holiday; SLA policies per priority in business
//! time; tickets routed round robin by skill, an agent at capacity passed over; a pause while
//! waiting on the requester, a requester reply that reopens a solved ticket, solves and ratings,
//! a leaver's tickets handed on; a late reply after the grace period opening a follow-up; the
//! breach list and the service report.

use crate::demo::{start, DemoResult};
use crate::report::Report;
use crate::tickets;
use chrono::{DateTime, Duration, Utc};
use chrono_tz::Asia::Shanghai;
use crm_core::api::Operations;
use crm_core::desk::{
    Agent, DeskPolicy, DeskRoute, NewCsat, NewTicket, NewTicketComment, RouteStrategy,
    ServiceDeskPatch, Ticket, TicketChannel, TicketConditions, TicketPriority,
};
use crm_core::sla::{SlaClockStatus, SlaMetric, SlaTarget, SlaTimeBasis};
use crm_core::{FixedClock, NewUser, Role};
use std::collections::BTreeMap;

/// The service team's calendar: lunch break, National Day week, the afternoon of New Year's Eve
/// and New Year's Day off.
const SERVICE_CALENDAR: &str = r#"
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
[[holiday]]
date = "2027-01-01"
"#;

/// Business minutes per metric: (first response, next response, resolution).
fn targets(list: &[(&str, [i64; 3])]) -> BTreeMap<String, BTreeMap<SlaMetric, SlaTarget>> {
    let business = |minutes| SlaTarget {
        minutes,
        basis: SlaTimeBasis::Business,
    };
    list.iter()
        .map(|(priority, [first, next, resolution])| {
            (
                priority.to_string(),
                BTreeMap::from([
                    (SlaMetric::FirstResponse, business(*first)),
                    (SlaMetric::NextResponse, business(*next)),
                    (SlaMetric::Resolution, business(*resolution)),
                ]),
            )
        })
        .collect()
}

fn policy(name: &str, levels: &[&str], list: &[(&str, [i64; 3])]) -> DeskPolicy {
    DeskPolicy {
        name: name.into(),
        conditions: TicketConditions {
            customer_levels: levels.iter().map(|l| l.to_string()).collect(),
            ..TicketConditions::default()
        },
        calendar: SERVICE_CALENDAR.into(),
        targets: targets(list),
        warn_at_percent: 75,
        on_priority_change: Default::default(),
    }
}

/// A ticket arriving on the first morning (Monday 28 December).
struct Incoming {
    hour: i64,
    minute: i64,
    customer: &'static str,
    channel: TicketChannel,
    priority: TicketPriority,
    tags: &'static [&'static str],
    subject: &'static str,
}

const INCOMING: &[Incoming] = &[
    Incoming {
        hour: 9,
        minute: 5,
        customer: "c-1",
        channel: TicketChannel::Phone,
        priority: TicketPriority::High,
        tags: &["billing"],
        subject: "发票抬头开错了 (invoice made out to the wrong name)",
    },
    Incoming {
        hour: 9,
        minute: 20,
        customer: "c-6",
        channel: TicketChannel::Wechat,
        priority: TicketPriority::Normal,
        tags: &["install"],
        subject: "安装后无法登录 (cannot log in after installing)",
    },
    Incoming {
        hour: 9,
        minute: 40,
        customer: "c-7",
        channel: TicketChannel::Email,
        priority: TicketPriority::Urgent,
        tags: &["install"],
        subject: "Production line terminal down",
    },
    Incoming {
        hour: 10,
        minute: 30,
        customer: "c-8",
        channel: TicketChannel::WebForm,
        priority: TicketPriority::Low,
        tags: &[],
        subject: "申请第二个账号 (a second login, please)",
    },
    Incoming {
        hour: 11,
        minute: 0,
        customer: "c-3",
        channel: TicketChannel::Email,
        priority: TicketPriority::Normal,
        tags: &["install"],
        subject: "Spare scanner not recognised",
    },
];

fn span(minutes: i64) -> String {
    tickets::human_minutes(minutes)
}

/// The service chapter on any surface (in process or over HTTP): the story names tickets T1, T2, …
struct Desk<'a, C: Operations> {
    crm: &'a C,
    clock: &'a FixedClock,
    labels: BTreeMap<String, String>,
    names: BTreeMap<String, String>,
}

impl<C: Operations> Desk<'_, C> {
    fn at(&self, day: i64, hour: i64, minute: i64) {
        self.clock.set(
            start() + Duration::days(day) + Duration::hours(hour - 9) + Duration::minutes(minute),
        );
    }

    fn label(&self, t: &Ticket) -> String {
        self.labels
            .get(&t.id)
            .cloned()
            .unwrap_or_else(|| t.id.clone())
    }

    fn name(&self, user: Option<&str>) -> String {
        user.map(|u| {
            format!(
                "{u} {}",
                self.names.get(u).map(String::as_str).unwrap_or_default()
            )
        })
        .unwrap_or_else(|| "nobody".into())
    }

    /// A ticket's clock for `metric`, as the core replays it now.
    fn clock(&self, actor: &str, t: &Ticket, metric: SlaMetric) -> DemoResult<SlaClockStatus> {
        Ok(self
            .crm
            .ticket_sla(actor, t.id.clone(), None::<DateTime<Utc>>)?
            .into_iter()
            .find(|c| c.metric == metric)
            .ok_or_else(|| format!("{} has no {metric:?} clock", self.label(t)))?)
    }

    /// When that clock runs out, if it runs.
    fn due(&self, actor: &str, t: &Ticket, metric: SlaMetric) -> DemoResult<Option<DateTime<Utc>>> {
        Ok(self.clock(actor, t, metric)?.due_at)
    }

    fn reply(
        &self,
        actor: &str,
        t: &Ticket,
        body: &str,
        from_requester: bool,
        status: Option<&str>,
    ) -> DemoResult<crm_core::desk::TicketReply> {
        Ok(self.crm.add_ticket_comment(
            actor,
            t.id.clone(),
            NewTicketComment {
                body: body.into(),
                internal: false,
                from_requester,
                status: status.map(str::to_string),
            },
        )?)
    }

    /// The breach list as the supervisor sees it, printed as a table with its summary.
    fn breaches(&self, r: &mut Report, supervisor: &str, within: i64) -> DemoResult<()> {
        use crm_core::clock::Clock;
        let list = self.crm.ticket_breaches(
            supervisor,
            None::<DateTime<Utc>>,
            Some(within),
            None::<String>,
            None::<String>,
        )?;
        r.item(&format!(
            "{} asks at {} for tickets breached or due within {}:",
            self.name(Some(supervisor)),
            r.time(self.clock.now()),
            span(within)
        ));
        let mut rows = tickets::breach_rows(&list, Shanghai, false);
        for row in &mut rows {
            if let Some(l) = self.labels.get(&row[0]) {
                row[0] = l.clone();
            }
        }
        let head: Vec<&str> = tickets::BREACH_HEADER.split(',').collect();
        let mut out = Vec::new();
        crate::table::write_left(&mut out, &head, &rows, false, tickets::BREACH_TEXT_COLUMNS)?;
        for line in String::from_utf8(out)?.lines() {
            r.line(&format!("      {line}"));
        }
        r.item(&tickets::breach_summary(&list, within));
        Ok(())
    }
}

pub fn chapter(
    crm: &impl Operations,
    clock: &FixedClock,
    r: &mut Report,
    admin: &str,
) -> DemoResult<()> {
    let mut desk = Desk {
        crm,
        clock,
        labels: BTreeMap::new(),
        names: BTreeMap::new(),
    };
    r.section("Day 57: the service desk (客户服务) opens");
    desk.at(56, 9, 0);
    let team = crm.create_team(admin, "客服 Service")?;
    let mut user = |name: &str, role: Role| -> DemoResult<String> {
        let u = crm.create_user(
            admin,
            NewUser {
                name: name.into(),
                role,
                scope: None,
                team_id: Some(team.id.clone()),
            },
        )?;
        desk.names.insert(u.id.clone(), name.to_string());
        Ok(u.id)
    };
    let supervisor = user("马主管 (Ma, supervisor)", Role::Manager)?;
    let wang = user("小王 (Wang)", Role::Rep)?;
    let li = user("小李 (Li)", Role::Rep)?;
    let chen = user("小陈 (Chen)", Role::Rep)?;
    r.item(&format!(
        "team {} {}: {}, agents {wang}, {li}, {chen}",
        team.id,
        team.name,
        desk.name(Some(&supervisor))
    ));
    let agents = vec![
        Agent {
            user_id: wang.clone(),
            group_id: team.id.clone(),
            skills: vec!["billing".into(), "install".into()],
            capacity: Some(4),
        },
        Agent {
            user_id: li.clone(),
            group_id: team.id.clone(),
            skills: vec!["install".into()],
            capacity: Some(1),
        },
        Agent {
            user_id: chen.clone(),
            group_id: team.id.clone(),
            skills: vec!["billing".into(), "install".into()],
            capacity: None,
        },
    ];
    let patch = ServiceDeskPatch {
        policies: Some(vec![
            policy(
                "VIP",
                &["A"],
                &[("urgent", [15, 30, 120]), ("high", [30, 60, 240])],
            ),
            policy(
                "standard",
                &[],
                &[
                    ("urgent", [30, 60, 240]),
                    ("high", [60, 120, 480]),
                    ("normal", [120, 240, 960]),
                    ("low", [480, 480, 2400]),
                ],
            ),
        ]),
        routes: Some(vec![DeskRoute {
            name: "售后 after-sales".into(),
            conditions: TicketConditions::default(),
            group_id: team.id.clone(),
            strategy: RouteStrategy::RoundRobin,
            skills: true,
        }]),
        agents: Some(agents),
        csat_reasons: Some(vec![
            "回复太慢 (slow replies)".into(),
            "需要多次联系 (took more than one contact)".into(),
            "问题未解决 (not solved)".into(),
        ]),
        ..ServiceDeskPatch::default()
    };
    let config = crm.update_service_desk(admin, crm.service_desk(admin)?.version, patch)?;
    r.item("calendar Asia/Shanghai: Mon-Fri 09:00-12:00 and 13:30-18:00 (lunch break), National Day week, the afternoon of New Year's Eve and New Year's Day off");
    for p in &config.policies {
        let who = if p.conditions.customer_levels.is_empty() {
            "every other ticket".to_string()
        } else {
            format!(
                "customers of level {}",
                p.conditions.customer_levels.join(", ")
            )
        };
        r.item(&format!("policy {} ({who}), business time:", p.name));
        for priority in ["urgent", "high", "normal", "low"] {
            let Some(m) = p.targets.get(priority) else {
                continue;
            };
            let t = |metric| {
                m.get(&metric)
                    .map_or("-".into(), |t: &SlaTarget| span(t.minutes))
            };
            r.item(&format!(
                "   {priority:<6} first response {:>4}, next response {:>4}, resolution {:>5}",
                t(SlaMetric::FirstResponse),
                t(SlaMetric::NextResponse),
                t(SlaMetric::Resolution)
            ));
        }
    }
    for route in &config.routes {
        r.item(&format!(
            "route {}: every ticket to {}, round robin among active agents with room{}",
            route.name,
            route.group_id,
            if route.skills {
                " and every tag of the ticket as a skill"
            } else {
                ""
            }
        ));
    }
    for a in &config.agents {
        r.item(&format!(
            "   agent {:<22} skills {:<17} {}",
            desk.name(Some(&a.user_id)),
            format!("{};", a.skills.join(", ")),
            a.capacity
                .map_or("no limit".into(), |c| format!("at most {c} open ticket(s)"))
        ));
    }

    r.section("Day 57: tickets come in and are routed");
    // (day, hour, minute, customer, channel, priority, tags, subject)
    let mut t = Vec::new();
    for (i, c) in INCOMING.iter().enumerate() {
        desk.at(56, c.hour, c.minute);
        let ticket = crm.create_ticket(
            &wang,
            NewTicket {
                customer_id: c.customer.to_string(),
                channel: Some(c.channel),
                subject: c.subject.to_string(),
                priority: Some(c.priority),
                tags: c.tags.iter().map(|s| s.to_string()).collect(),
                ..NewTicket::default()
            },
        )?;
        desk.labels.insert(ticket.id.clone(), format!("T{}", i + 1));
        let level = crm.customer(admin, c.customer.to_string())?.level;
        let due = desk.due(&supervisor, &ticket, SlaMetric::FirstResponse)?;
        r.item(&format!(
            "{} {} {} (level {}) by {:?}, {} [{}]: {}",
            desk.label(&ticket),
            r.time(ticket.created_at),
            c.customer,
            level.as_deref().unwrap_or("-"),
            ticket.channel,
            ticket.priority.as_str(),
            ticket.tags.join(", "),
            ticket.subject
        ));
        r.item(&format!(
            "   → {}, policy {}, first response due {}",
            desk.name(ticket.assignee_id.as_deref()),
            ticket.policy.as_deref().unwrap_or("none"),
            due.map_or("-".into(), |d| r.time(d))
        ));
        t.push(ticket);
    }
    r.item(&format!(
        "T5: after {} comes {}, but T2 is his one allowed open ticket, so round robin passes him by",
        desk.name(Some(&wang)),
        desk.name(Some(&li))
    ));

    r.section("Day 57: first replies, a pause, a solve");
    desk.at(56, 9, 25);
    let reply = desk.reply(
        &wang,
        &t[0],
        "您好，请提供正确的公司名称和税号。 Please send the correct company name and tax number.",
        false,
        Some("pending"),
    )?;
    t[0] = reply.ticket;
    r.item(&format!(
        "{} {} answers T1 and sets it {}: waiting on the requester, its resolution clock pauses",
        r.time(clock_now(clock)),
        desk.name(Some(&wang)),
        t[0].status
    ));
    desk.at(56, 10, 0);
    t[1] = desk
        .reply(
            &li,
            &t[1],
            "请重新安装 3.2 版客户端。 Please reinstall client 3.2.",
            false,
            None,
        )?
        .ticket;
    r.item(&format!(
        "{} {} answers T2 (first response after 40 business minutes of 120)",
        r.time(clock_now(clock)),
        desk.name(Some(&li))
    ));
    desk.at(56, 13, 45);
    t[1] = crm.set_ticket_status(&li, t[1].id.clone(), t[1].version, "solved")?;
    let resolution = desk.clock(&supervisor, &t[1], SlaMetric::Resolution)?;
    r.item(&format!(
        "{} the reinstall worked: T2 is {}, resolution {:?} after {} business minutes (09:20-12:00, 13:30-13:45: lunch does not count)",
        r.time(clock_now(clock)),
        t[1].status,
        resolution.state,
        resolution.elapsed_minutes
    ));

    r.section("Day 57, 14:00: the breach list");
    desk.at(56, 14, 0);
    desk.breaches(r, &supervisor, 120)?;
    desk.at(56, 14, 10);
    for i in [2, 4] {
        t[i] = crm.assign_ticket(
            &supervisor,
            t[i].id.clone(),
            t[i].version,
            Some(wang.clone()),
            None::<String>,
            "小陈 leaves the company today".to_string(),
        )?;
    }
    crm.deactivate_user(admin, chen.clone(), "left the company".to_string())?;
    r.item(&format!(
        "{} {} gives 小陈's T3 and T5 to {} (reason: 小陈 leaves the company today); 周总 deactivates {chen}",
        r.time(clock_now(clock)),
        desk.name(Some(&supervisor)),
        desk.name(Some(&wang))
    ));
    desk.at(56, 14, 20);
    t[2] = desk
        .reply(
            &wang,
            &t[2],
            "An engineer is on the way; the terminal will be swapped today.",
            false,
            None,
        )?
        .ticket;
    desk.at(56, 14, 25);
    t[4] = desk
        .reply(
            &wang,
            &t[4],
            "Please update the scanner driver to 2.1.",
            false,
            None,
        )?
        .ticket;
    for (i, label) in [(2, "T3"), (4, "T5")] {
        let first = desk.clock(&supervisor, &t[i], SlaMetric::FirstResponse)?;
        r.item(&format!(
            "{} {} answers {label}: first response {:?} after {} business minutes of {}",
            r.time(first.events.last().map_or(clock_now(clock), |e| e.at)),
            desk.name(Some(&wang)),
            first.state,
            first.elapsed_minutes,
            first.target.minutes
        ));
    }

    r.section("Days 58-59: a pause ends, a solved ticket reopens, solves and ratings");
    desk.at(57, 9, 15);
    t[1] = desk
        .reply(
            &li,
            &t[1],
            "还是登录不了。 Still cannot log in.",
            true,
            None,
        )?
        .ticket;
    r.item(&format!(
        "{} T2's requester writes again within the grace period: T2 is {} again, solve cycle {}",
        r.time(clock_now(clock)),
        t[1].status,
        t[1].cycle
    ));
    desk.at(57, 9, 30);
    t[0] = desk
        .reply(&wang, &t[0], "税号是 91310000MA1FL0XX0X。", true, None)?
        .ticket;
    let next = desk.due(&supervisor, &t[0], SlaMetric::NextResponse)?;
    r.item(&format!(
        "{} T1's requester sends the tax number: pending → {}, next response due {}",
        r.time(clock_now(clock)),
        t[0].status,
        next.map_or("-".into(), |d| r.time(d))
    ));
    desk.at(57, 9, 45);
    t[1] = desk
        .reply(
            &li,
            &t[1],
            "已远程重置您的账号。 We reset your account remotely.",
            false,
            None,
        )?
        .ticket;
    desk.at(57, 10, 0);
    t[0] = desk
        .reply(
            &wang,
            &t[0],
            "已重开发票。 The corrected invoice is on its way.",
            false,
            Some("solved"),
        )?
        .ticket;
    let resolution = desk.clock(&supervisor, &t[0], SlaMetric::Resolution)?;
    r.item(&format!(
        "{} {} sends the corrected invoice, T1 {}: resolution {:?}, {} business minutes of {} (the pending night does not count)",
        r.time(clock_now(clock)),
        desk.name(Some(&wang)),
        t[0].status,
        resolution.state,
        resolution.elapsed_minutes,
        resolution.target.minutes
    ));
    desk.at(57, 10, 5);
    t[0] = crm.rate_ticket(
        &wang,
        t[0].id.clone(),
        NewCsat {
            score: Some(5),
            comment: Some("很快，谢谢！".into()),
            ..NewCsat::default()
        },
    )?;
    desk.at(57, 10, 30);
    t[3] = desk
        .reply(&wang, &t[3], "A second login is on its way.", false, None)?
        .ticket;
    desk.at(57, 15, 0);
    t[2] = crm.set_ticket_status(&wang, t[2].id.clone(), t[2].version, "solved")?;
    desk.at(57, 16, 0);
    t[1] = crm.set_ticket_status(&li, t[1].id.clone(), t[1].version, "solved")?;
    t[1] = crm.rate_ticket(
        &li,
        t[1].id.clone(),
        NewCsat {
            rating: Some(crm_core::desk::CsatRating::Bad),
            reason: Some("需要多次联系 (took more than one contact)".into()),
            ..NewCsat::default()
        },
    )?;
    desk.at(58, 10, 0);
    t[3] = crm.set_ticket_status(&wang, t[3].id.clone(), t[3].version, "solved")?;
    t[3] = crm.rate_ticket(
        &wang,
        t[3].id.clone(),
        NewCsat {
            score: Some(4),
            ..NewCsat::default()
        },
    )?;
    for ticket in [&t[0], &t[2], &t[1], &t[3]] {
        let rating = ticket.csat().map_or("not rated".into(), |c| {
            format!(
                "rated {:?}{}{}",
                c.rating,
                c.score.map(|s| format!(" ({s}/5)")).unwrap_or_default(),
                c.reason
                    .as_deref()
                    .map(|x| format!(", reason {x}"))
                    .unwrap_or_default()
            )
        });
        r.item(&format!(
            "{} solved {} by {}, cycle {}: {rating}",
            desk.label(ticket),
            ticket.solved_at.map_or("-".into(), |s| r.time(s)),
            desk.name(ticket.assignee_id.as_deref()),
            ticket.cycle
        ));
    }

    r.section("Day 60: New Year's Eve");
    desk.at(59, 11, 0);
    let t6 = crm.create_ticket(
        &wang,
        NewTicket {
            customer_id: "c-5".into(),
            channel: Some(TicketChannel::Chat),
            subject: "对账单金额不符 (statement does not add up)".into(),
            priority: Some(TicketPriority::Normal),
            tags: vec!["billing".into()],
            ..NewTicket::default()
        },
    )?;
    desk.labels.insert(t6.id.clone(), "T6".into());
    let due = desk.due(&supervisor, &t6, SlaMetric::FirstResponse)?;
    r.item(&format!(
        "T6 {} c-5 by {:?}, {} [billing]: {} → {} (小陈 has left; 小李 lacks billing)",
        r.time(t6.created_at),
        t6.channel,
        t6.priority.as_str(),
        t6.subject,
        desk.name(t6.assignee_id.as_deref())
    ));
    r.item(&format!(
        "   first response ({}) due {}: one hour before lunch, then the afternoon off and New Year's Day",
        span(120),
        due.map_or("-".into(), |d| r.time(d))
    ));

    r.section("Day 64: back from the holiday");
    desk.at(63, 9, 15);
    let late = desk.reply(
        &wang,
        &t[0],
        "新发票上的地址也有错字。 The new invoice has a typo in the address.",
        true,
        None,
    )?;
    let follow = late
        .follow_up
        .ok_or("a reply after the grace period opens a follow-up")?;
    desk.labels.insert(follow.id.clone(), "T7".into());
    let due = desk.due(&supervisor, &follow, SlaMetric::FirstResponse)?;
    r.item(&format!(
        "{} T1's requester writes again: solved {}, the {}-day grace period ended {}, so T1 is {} and the message opens follow-up T7 (of {})",
        r.time(clock_now(clock)),
        t[0].solved_at.map_or("-".into(), |s| r.time(s)),
        config.grace_days,
        late.ticket.closed_at.map_or("-".into(), |c| r.time(c)),
        late.ticket.status,
        desk.label(&late.ticket)
    ));
    r.item(&format!(
        "   T7 → {}, policy {}, first response due {}",
        desk.name(follow.assignee_id.as_deref()),
        follow.policy.as_deref().unwrap_or("none"),
        due.map_or("-".into(), |d| r.time(d))
    ));
    desk.at(63, 9, 30);
    desk.breaches(r, &supervisor, 120)?;

    r.section("Day 64: the service report for December (业绩评估)");
    let report = crm.service_report(&supervisor, "2026-12".to_string(), None::<String>)?;
    r.item(&format!(
        "as {} sees it; business minutes from creation to the first reply and to the (last) solve; backlog as of {}:",
        desk.name(Some(&supervisor)),
        r.time(clock_now(clock))
    ));
    let mut out = Vec::new();
    tickets::write_report(&mut out, &report, false)?;
    for line in String::from_utf8(out)?.lines() {
        r.line(&format!("      {line}"));
    }
    if let Some(total) = report.rows.iter().find(|row| row.subject.is_none()) {
        r.item(&format!(
            "in total: {} solved, CSAT {}% ({} good, {} bad), reopen rate {}%, {} still open",
            total.solved,
            tickets::percent(total.csat_percent),
            total.rated_good,
            total.rated_bad,
            tickets::percent(total.reopen_rate_percent),
            total.backlog.iter().map(|b| b.tickets).sum::<u64>()
        ));
    }
    Ok(())
}

fn clock_now(clock: &FixedClock) -> DateTime<Utc> {
    use crm_core::clock::Clock;
    clock.now()
}
