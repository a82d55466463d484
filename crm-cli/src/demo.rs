//! The main job: a realistic sales organisation going through a fortnight of customer work on the
//! embedded store, every step reported with the rule that decided it.

use crate::db::Target;
use crate::report::Report;
use chrono::{DateTime, Duration, TimeZone, Utc};
use chrono_tz::Asia::Shanghai;
use crm_core::api::Operations;
use crm_core::{
    Channel, Crm, CrmError, CustomerPatch, DuplicateMode, DuplicatePolicy, DuplicateProbe,
    FieldValue, FixedClock, NewContact, NewCustomer, NewFollowUp, NewUser, OrgSettings, Role,
};
use crm_core::{Clock, SettingsPatch};
use rust_decimal::Decimal;
use std::collections::BTreeMap;
use std::str::FromStr;
use std::sync::Arc;

pub type DemoResult<T> = Result<T, Box<dyn std::error::Error>>;

/// Opens (or creates) the store and runs the demo, printing the report; with `server`, every
/// call of the story goes through the HTTP API of a server started on a free loopback port.
pub fn run(db: Option<Target>, reset: bool, server: bool) -> DemoResult<()> {
    let clock = Arc::new(FixedClock::new(start()));
    let crm = match &db {
        Some(target) => {
            if reset {
                target.reset()?;
            }
            target.open(clock.clone(), true)?
        }
        None => Crm::in_memory(clock.clone()),
    };
    let mut report = Report::new(Shanghai, true);
    match &db {
        Some(target) => report.line(&format!("crm demo on {}", target.describe())),
        None => report.line("crm demo on the in-memory store"),
    }
    if crm.user("u-1", "u-1").is_ok() {
        report.line(
            "This database already holds the demo organisation; run with --reset to start over.",
        );
        return summary(&crm, "u-1", &mut report);
    }
    if !server {
        return script(&crm, &clock, &mut report);
    }
    let org = db
        .as_ref()
        .map_or(crate::db::DEFAULT_ORG, |t| t.org.as_str());
    let crm = Arc::new(crm);
    let orgs = Arc::new(crm_server::OneOrg::new(org, crm.clone()));
    let running = crm_server::Running::start(orgs, crm_server::Limits::default())?;
    report.line(&format!(
        "every call below goes through crm-server at {} (HTTP, one token per user)",
        running.url()
    ));
    let over_http = crate::demo_server::OverHttp::new(crm, org, &running.url());
    script(&over_http, &clock, &mut report)
}

/// Monday 2 November 2026, 09:00 in Shanghai.
pub fn start() -> DateTime<Utc> {
    Shanghai
        .with_ymd_and_hms(2026, 11, 2, 9, 0, 0)
        .single()
        .expect("a plain local time exists")
        .with_timezone(&Utc)
}

fn money(s: &str) -> FieldValue {
    FieldValue::Number(Decimal::from_str(s).expect("demo amounts are valid decimals"))
}

struct Lead {
    rep: usize,
    name: &'static str,
    level: &'static str,
    industry: &'static str,
    region: &'static str,
    phone: &'static str,
    contact: (&'static str, &'static str, &'static str),
    budget: &'static str,
}

const LEADS: &[Lead] = &[
    Lead {
        rep: 0,
        name: "上海海鸥贸易有限公司",
        level: "A",
        industry: "wholesale",
        region: "Shanghai",
        phone: "021-6218-0001",
        contact: ("王芳", "13611110001", "采购经理"),
        budget: "380000.00",
    },
    Lead {
        rep: 0,
        name: "Acme Trading Co., Ltd.",
        level: "B",
        industry: "import-export",
        region: "Shanghai",
        phone: "+86 139 1234 5678",
        contact: ("Wile Coyote", "13611110002", "buyer"),
        budget: "125000.50",
    },
    Lead {
        rep: 1,
        name: "杭州云帆科技股份有限公司",
        level: "A",
        industry: "software",
        region: "Hangzhou",
        phone: "0571-8888-0003",
        contact: ("陈静", "13611110003", "CTO"),
        budget: "920000.00",
    },
    Lead {
        rep: 1,
        name: "苏州精工机械有限公司",
        level: "C",
        industry: "manufacturing",
        region: "Suzhou",
        phone: "0512-6666-0004",
        contact: ("刘强", "13611110004", "厂长"),
        budget: "56000.00",
    },
    Lead {
        rep: 2,
        name: "北京星辰科技有限公司",
        level: "A",
        industry: "software",
        region: "Beijing",
        phone: "+86 138-0013-8000",
        contact: ("张伟", "13611110005", "采购总监"),
        budget: "640000.00",
    },
    Lead {
        rep: 2,
        name: "天津港联物流有限公司",
        level: "B",
        industry: "logistics",
        region: "Tianjin",
        phone: "022-2333-0006",
        contact: ("赵敏", "13611110006", "运营经理"),
        budget: "210000.00",
    },
    Lead {
        rep: 3,
        name: "Globex Industrial Ltd",
        level: "B",
        industry: "manufacturing",
        region: "Beijing",
        phone: "+1 (212) 555-0107",
        contact: ("Hank Scorpio", "13611110007", "CEO"),
        budget: "300000.00",
    },
    Lead {
        rep: 3,
        name: "石家庄恒信医药有限公司",
        level: "C",
        industry: "pharma",
        region: "Hebei",
        phone: "0311-8777-0008",
        contact: ("孙丽", "13611110008", "药剂科主任"),
        budget: "88000.00",
    },
];

/// The demo itself, on a fresh organisation.
pub fn script(crm: &impl Operations, clock: &FixedClock, r: &mut Report) -> DemoResult<()> {
    r.section("Day 1: the organisation is set up");
    let settings = OrgSettings {
        timezone: "Asia/Shanghai".into(),
        duplicates: DuplicatePolicy {
            on_create: DuplicateMode::Warn,
            name_threshold: 0.85,
        },
        ..OrgSettings::default()
    };
    let admin = crm.bootstrap("", "周总 (Zhou, admin)", Some(settings))?.id;
    let east = crm.create_team(&admin, "华东 East")?;
    let north = crm.create_team(&admin, "华北 North")?;
    let user = |name: &str, role: Role, team: &str| -> crm_core::Result<String> {
        let new = NewUser {
            name: name.into(),
            role,
            scope: None,
            team_id: Some(team.into()),
        };
        Ok(crm.create_user(&admin, new)?.id)
    };
    let mgr_east = user("林经理 (Lin, manager East)", Role::Manager, &east.id)?;
    let mgr_north = user("高经理 (Gao, manager North)", Role::Manager, &north.id)?;
    let reps = [
        user("李雷 (Li Lei)", Role::Rep, &east.id)?,
        user("韩梅梅 (Han Meimei)", Role::Rep, &east.id)?,
        user("王五 (Wang Wu)", Role::Rep, &north.id)?,
        user("赵六 (Zhao Liu)", Role::Rep, &north.id)?,
    ];
    for u in crm.users(&admin)? {
        r.item(&format!(
            "{:<5} {:<28} {:?}, scope {:?}",
            u.id, u.name, u.role, u.scope
        ));
    }

    r.section("Day 1: reps enter their customers");
    let mut customers = Vec::new();
    for (i, lead) in LEADS.iter().enumerate() {
        clock.advance(Duration::minutes(17));
        let rep = &reps[lead.rep];
        let mut fields = BTreeMap::new();
        fields.insert("budget".to_string(), money(lead.budget));
        fields.insert(
            "first_contact_week".to_string(),
            FieldValue::Text(format!("W{}", 45 + i % 2)),
        );
        let new = NewCustomer {
            name: lead.name.into(),
            level: Some(lead.level.into()),
            industry: Some(lead.industry.into()),
            region: Some(lead.region.into()),
            source: Some(if i % 3 == 0 { "trade_show" } else { "website" }.into()),
            tags: vec![lead.industry.to_string()],
            phones: vec![lead.phone.into()],
            custom_fields: fields,
            ..NewCustomer::default()
        };
        let created = crm.create_customer(rep, new)?;
        let c = created.customer;
        let (name, phone, role) = lead.contact;
        crm.add_contact(
            rep,
            &c.id,
            NewContact {
                name: name.into(),
                phones: vec![phone.into()],
                emails: vec![],
                role: Some(role.into()),
                ..NewContact::default()
            },
        )?;
        r.item(&format!(
            "{} {} (level {}, budget {}) owned by {}",
            c.id, c.name, lead.level, lead.budget, rep
        ));
        customers.push(c.id);
    }

    r.section("Day 1: duplicate detection (撞单) at entry");
    clock.advance(Duration::hours(1));
    let attempt = NewCustomer {
        name: "ＡＣＭＥ　Ｔｒａｄｉｎｇ ｃｏ．，ＬＴＤ".into(),
        phones: vec!["0086 13912345678".into()],
        ..NewCustomer::default()
    };
    let warned = crm.create_customer(&reps[2], attempt)?;
    r.item(&format!(
        "{} entered \"{}\" as {}; warning: {} possible duplicate(s)",
        reps[2],
        warned.customer.name,
        warned.customer.id,
        warned.duplicates.len()
    ));
    for m in &warned.duplicates {
        r.item(&format!(
            "   matches {} {} on {:?} {:?} (similarity {:.2}), owned by {}",
            m.customer_id,
            m.customer_name,
            m.matched_on,
            m.matched_value,
            m.similarity,
            m.owner_id.as_deref().unwrap_or("nobody")
        ));
    }
    let settings = crm.settings("")?;
    let mut duplicates = settings.duplicates;
    duplicates.on_create = DuplicateMode::Block;
    let patch = SettingsPatch {
        duplicates: Some(duplicates),
        ..SettingsPatch::default()
    };
    crm.update_settings(&admin, settings.version, patch)?;
    r.item("the administrator switches duplicate handling to block");
    let blocked = crm.create_customer(
        &reps[3],
        NewCustomer {
            name: "北京星辰科技（集团）股份有限公司".into(),
            ..NewCustomer::default()
        },
    );
    match blocked {
        Err(CrmError::DuplicateFound { matches }) => r.item(&format!(
            "{} tries to enter 北京星辰科技（集团）股份有限公司: refused (DUPLICATE_FOUND), it is {} owned by {}",
            reps[3],
            matches[0].customer_id,
            matches[0].owner_id.as_deref().unwrap_or("nobody")
        )),
        other => return Err(format!("expected a blocked duplicate, got {other:?}").into()),
    }
    let probe = DuplicateProbe {
        phones: vec!["+86 138 0013 8000".into()],
        ..DuplicateProbe::default()
    };
    let found = crm.find_duplicates(&reps[0], probe)?;
    r.item(&format!(
        "on-demand check of +86 138 0013 8000: {} match(es), {} owned by {}",
        found.len(),
        found[0].customer_id,
        found[0].owner_id.as_deref().unwrap_or("nobody")
    ));

    r.section("Days 1-5: follow-ups (跟进记录)");
    // (customer, channel, note, day of the fortnight, local hour, next follow-up in days)
    let plan: &[(usize, Channel, &str, i64, i64, i64)] = &[
        (0, Channel::Call, "intro call, wants a quote", 0, 14, 2),
        (1, Channel::Email, "sent catalogue", 0, 16, 3),
        (2, Channel::Visit, "on-site demo with the CTO", 1, 10, 1),
        (4, Channel::Meeting, "requirements workshop", 1, 15, 2),
        (5, Channel::Message, "WeChat: pricing questions", 2, 11, 4),
        (6, Channel::Call, "call with the CEO", 2, 17, 1),
    ];
    for (idx, channel, note, day, hour, next_in_days) in plan {
        clock.set(start() + Duration::days(*day) + Duration::hours(hour - 9));
        let owner = &reps[LEADS[*idx].rep];
        let next = clock.now() + Duration::days(*next_in_days);
        let f = crm.record_follow_up(
            owner,
            &customers[*idx],
            NewFollowUp {
                channel: *channel,
                note: note.to_string(),
                at: None,
                next_follow_up_at: Some(next),
            },
        )?;
        r.item(&format!(
            "{} {} {:?} {}: {}; next by {}",
            r.time(f.at),
            owner,
            channel,
            customers[*idx],
            note,
            r.time(next)
        ));
    }
    clock.set(start() + Duration::days(4));
    r.item(&format!("it is now {}", r.time(clock.now())));
    for (mgr, team) in [(&mgr_east, "East"), (&mgr_north, "North")] {
        let overdue = crm.overdue_follow_ups(mgr, None)?;
        r.item(&format!(
            "overdue follow-ups in team {team}: {}",
            overdue.len()
        ));
        for o in overdue {
            r.item(&format!(
                "   {} {} ({}), due {}",
                o.owner_id,
                o.customer_id,
                o.customer_name,
                r.time(o.due_at)
            ));
        }
    }

    r.section("Day 5: two people edit one customer (optimistic concurrency)");
    let c = crm.customer(&mgr_east, &customers[0])?;
    crm.update_customer(
        &reps[0],
        &c.id,
        c.version,
        CustomerPatch {
            add_tags: vec!["重点客户".into()],
            ..CustomerPatch::default()
        },
    )?;
    r.item(&format!(
        "{} tags {} as 重点客户 (version {} -> {})",
        reps[0],
        c.id,
        c.version,
        c.version + 1
    ));
    let stale = crm.update_customer(
        &mgr_east,
        &c.id,
        c.version,
        CustomerPatch {
            level: Some("VIP".into()),
            ..CustomerPatch::default()
        },
    );
    match stale {
        Err(e @ CrmError::VersionConflict { .. }) => r.item(&format!(
            "{mgr_east} saves an edit made on version {}: refused, {} ({e})",
            c.version,
            e.code()
        )),
        other => return Err(format!("expected a version conflict, got {other:?}").into()),
    }

    r.section("Day 5: data scopes");
    match crm.customer(&reps[2], &customers[0]) {
        Err(e) => r.item(&format!(
            "{} opens {} of team East: refused, {}",
            reps[2],
            customers[0],
            e.code()
        )),
        Ok(_) => return Err("a rep read another team's customer".into()),
    }
    for u in [&reps[0], &mgr_east, &mgr_north, &admin] {
        r.item(&format!("{u} sees {} customers", crm.customers(u)?.len()));
    }

    r.section("Day 5: merging the duplicate entered on day 1");
    clock.set(start() + Duration::days(4) + Duration::hours(3));
    let merged = crm.merge_customers(&admin, &customers[1], &warned.customer.id)?;
    r.item(&format!(
        "{} merged into {}: phones {:?}, contacts {}, history entries {}",
        warned.customer.id,
        merged.id,
        merged.phones,
        crm.contacts(&admin, &merged.id)?.len(),
        crm.customer_events(&admin, &merged.id)?.len()
    ));

    r.section("Day 11: 李雷 leaves; his customers are handed over (离职交接)");
    clock.set(start() + Duration::days(10) + Duration::hours(2));
    let moved = crm.handover(&mgr_east, &reps[0], &reps[1], "李雷 resigned")?;
    crm.deactivate_user(&admin, &reps[0], "resigned")?;
    r.item(&format!(
        "{} customers moved from {} to {}: {}",
        moved.len(),
        reps[0],
        reps[1],
        moved.join(", ")
    ));
    match crm.customers(&reps[0]) {
        Err(e) => r.item(&format!("{} can no longer act: {}", reps[0], e.code())),
        Ok(_) => return Err("a deactivated user could still act".into()),
    }
    r.item(&format!("ownership history of {}:", moved[0]));
    for h in crm.ownership_history(&admin, &moved[0])? {
        r.item(&format!(
            "   {} {} -> {} ({:?}) by {}: {}",
            r.time(h.at),
            h.from_owner_id.as_deref().unwrap_or("-"),
            h.to_owner_id.as_deref().unwrap_or("-"),
            h.cause,
            h.actor_id.as_deref().unwrap_or("-"),
            h.reason
        ));
    }
    sla_section(r)?;
    crate::demo_pool::chapter(
        crm,
        clock,
        r,
        &crate::demo_pool::Org {
            admin: &admin,
            mgr_east: &mgr_east,
            teams: [&east.id, &north.id],
            reps: &reps,
        },
    )?;
    crate::demo_pipeline::chapter(crm, clock, r, &admin, &reps[1], &reps[2])?;
    crate::demo_campaign::chapter(crm, clock, r, &mgr_east, &reps[1])?;
    crate::demo_service::chapter(crm, clock, r, &admin)?;
    crate::demo_import::chapter(crm, clock, r, &admin)?;
    summary(crm, &admin, r)
}

/// The office calendar of the demo organisation: lunch break, a holiday and a make-up working day.
const OFFICE: &str = r#"
timezone = "Asia/Shanghai"
[week]
mon = ["09:00-12:00", "13:30-18:00"]
tue = ["09:00-12:00", "13:30-18:00"]
wed = ["09:00-12:00", "13:30-18:00"]
thu = ["09:00-12:00", "13:30-18:00"]
fri = ["09:00-12:00", "13:30-18:00"]
[[holiday]]
date = "2026-11-16"
[[workday]]
date = "2026-11-14"
hours = ["09:00-12:00"]
"#;

/// Service tickets timed on the office calendar: due times and one ticket's clocks.
fn sla_section(r: &mut Report) -> DemoResult<()> {
    use crm_core::sla::{self, SlaHistoryEntry, SlaMetric, SlaPolicy, SlaTarget, SlaTimeBasis};
    r.section("Days 10-11: service tickets on the office calendar (SLA)");
    let cal = sla::parse_calendar(OFFICE)?;
    let local = |d: i64, h: i64, m: i64| {
        start() + Duration::days(d) + Duration::hours(h - 9) + Duration::minutes(m)
    };
    for (label, created, minutes) in [
        ("before lunch", local(9, 11, 0), 120),
        (
            "Friday evening, over the Saturday make-up morning and Monday's holiday",
            local(11, 17, 0),
            360,
        ),
    ] {
        let due = cal.due(created, Duration::minutes(minutes))?;
        r.item(&format!(
            "ticket raised {} ({label}) with {} business hours: due {}",
            r.time(created),
            minutes / 60,
            r.time(due)
        ));
    }
    let business = |minutes| SlaTarget {
        minutes,
        basis: SlaTimeBasis::Business,
    };
    let policy = SlaPolicy {
        name: "support".into(),
        targets: [(
            "urgent".to_string(),
            [
                (SlaMetric::FirstResponse, business(60)),
                (SlaMetric::Resolution, business(480)),
            ]
            .into(),
        )]
        .into(),
        warn_at_percent: 75,
        pause_statuses: ["waiting_on_customer".to_string()].into(),
        on_priority_change: Default::default(),
    };
    let history = [
        SlaHistoryEntry::Open {
            at: local(9, 11, 30),
            priority: "urgent".into(),
            status: "open".into(),
        },
        SlaHistoryEntry::Respond {
            at: local(9, 14, 30),
        },
        SlaHistoryEntry::Status {
            at: local(9, 15, 0),
            status: "waiting_on_customer".into(),
        },
        SlaHistoryEntry::Status {
            at: local(10, 9, 0),
            status: "open".into(),
        },
    ];
    let now = local(10, 10, 0);
    r.item(&format!(
        "an urgent ticket opened {}, answered {}, waiting on the customer until {}; at {}:",
        r.time(history[0].at()),
        r.time(history[1].at()),
        r.time(history[3].at()),
        r.time(now)
    ));
    for s in sla::ticket_status(&cal, &policy, &history, now)? {
        r.item(&format!(
            "   {:?}: {:?}, {} min used, {} min left{}",
            s.metric,
            s.state,
            s.elapsed_minutes,
            s.remaining_minutes,
            s.due_at
                .map(|d| format!(", due {}", r.time(d)))
                .unwrap_or_default()
        ));
    }
    Ok(())
}

/// Customers per owner and the size of the event log.
fn summary(crm: &impl Operations, admin: &str, r: &mut Report) -> DemoResult<()> {
    r.section("Summary");
    let customers = crm.customers(admin)?;
    let mut per_owner: BTreeMap<String, usize> = BTreeMap::new();
    for c in &customers {
        *per_owner
            .entry(c.owner_id.clone().unwrap_or_else(|| "(none)".into()))
            .or_default() += 1;
    }
    let users = crm.users(admin)?;
    for (owner, n) in per_owner {
        let name = users
            .iter()
            .find(|u| u.id == owner)
            .map(|u| u.name.as_str())
            .unwrap_or("");
        r.item(&format!("{owner:<5} {name:<28} {n} customer(s)"));
    }
    let events = crm.events(admin, 0u64, None)?;
    r.item(&format!(
        "{} active customers, {} events in the log",
        customers.len(),
        events.len()
    ));
    Ok(())
}

/// The demo organisation on a SQLite file in `dir`, for the tests of the commands that read one.
#[cfg(test)]
pub fn demo_db(dir: &std::path::Path) -> crate::db::Target {
    let path = dir.join("demo.db");
    let clock = Arc::new(FixedClock::new(start()));
    let crm = Crm::new(crm_sqlite::SqliteStore::open(&path).unwrap(), clock.clone());
    script(
        &crm,
        &clock,
        &mut Report::new(chrono_tz::Asia::Shanghai, false),
    )
    .unwrap();
    Target::file(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_demo_tells_the_whole_story() {
        let clock = Arc::new(FixedClock::new(start()));
        let crm = Crm::in_memory(clock.clone());
        let mut report = Report::new(Shanghai, false);
        script(&crm, &clock, &mut report).unwrap();
        let text = report.text();
        for expected in [
            "possible duplicate(s)",
            "refused (DUPLICATE_FOUND)",
            "refused, VERSION_CONFLICT",
            "refused, OUT_OF_SCOPE",
            "can no longer act: INACTIVE_USER",
            "(Handover)",
            "FirstResponse: MetLate, 90 min used, -30 min left",
            "Resolution: Running, 180 min used, 300 min left, due 2026-11-12 16:30",
            "refused, WAITING_PERIOD",
            "refused, DAILY_LIMIT_REACHED",
            "refused, ALREADY_OWNED",
            "refused, COOL_DOWN",
            "the 14-day maximum",
            "will be recycled soon",
            "a second sweep at the same moment recycles 0",
            "converts l-2 into customer",
            "to proposal without a close date: refused, REQUIRED_FIELDS_MISSING",
            "refused, TRANSITION_NOT_ALLOWED",
            "lost, reason \"price\"",
            "matched to #1 44000.00, #2 192000.00",
            "commission statement: u-5 for 2026-11 (Field sales (booked))",
            "slice 300000-480000.00 of the period total, tier 2 at 3.5% = 6300.00",
            "total 12300.00",
            "→ u-9 小王 (Wang), policy VIP, first response due 2026-12-28 09:35",
            "T5: after u-9 小王 (Wang) comes u-10 小李 (Li), but T2 is his one allowed open ticket",
            "→ u-11 小陈 (Chen), policy standard, first response due 2026-12-28 14:30",
            "answers T1 and sets it pending",
            "T2 is solved, resolution Met after 175 business minutes",
            "1 breached, 1 due within 2h",
            "answers T3: first response MetLate after 190 business minutes of 30",
            "T2 is open again, solve cycle 1",
            "pending → open, next response due 2026-12-29 10:30",
            "T1 solved: resolution Met, 50 business minutes of 240",
            "rated Bad, reason 需要多次联系 (took more than one contact)",
            "first response (2h) due 2027-01-04 10:00",
            "ended 2027-01-02 10:00, so T1 is closed and the message opens follow-up T7",
            "T7 → u-9 小王 (Wang), policy VIP, first response due 2027-01-04 09:45",
            "1 breached, 2 due within 2h",
            "in total: 4 solved, CSAT 66.67% (2 good, 1 bad), reopen rate 25.00%, 3 still open",
            "an old system's spreadsheet comes in",
            "dry run, nothing written: 3000 rows:",
            "the same outcomes as the dry run: 3000 rows:",
            "refused rows come back as a CSV with an error column",
            "% of customers have no birthday",
            "(changed since the import)",
        ] {
            assert!(text.contains(expected), "missing {expected:?} in\n{text}");
        }
        let customers = crm.customers("u-1").unwrap();
        assert!(customers.len() > LEADS.len());
        assert!(customers
            .iter()
            .all(|c| c.owner_id.as_deref() != Some("u-4")));
    }
}
