//! The demo's second fortnight: inbound leads allocated by rule and capacity, the public pool
//! (公海) with its claim limits, a lock, recycling warnings and the sweep.

use crate::demo::{start, DemoResult};
use crate::report::Report;
use chrono::Duration;
use crm_core::allocation::{
    AllocationRule, AllocationStrategy, AllocatorRep, NewAllocator, Placement, RuleCondition,
    RuleTarget,
};
use crm_core::api::Operations;
use crm_core::lead::NewLead;
use crm_core::opportunity::NewOpportunity;
use crm_core::pool::{
    CapScope, ClaimPolicy, LockPolicy, NewPool, OwnershipCap, PoolRules, RecycleKind, RecycleRule,
};
use crm_core::{CrmError, FixedClock, NewCustomer, SettingsPatch};
use rust_decimal::Decimal;
use std::collections::BTreeMap;

/// Customers the administrator imports straight into the pool.
const POOL_IMPORT: &[(&str, &str)] = &[
    ("杭州云栖软件有限公司", "B"),
    ("苏州工业园精密制造有限公司", "A"),
    ("宁波港联物流有限公司", "C"),
    ("南京紫金文化传媒有限公司", "C"),
];

/// Inbound leads: (name, source, region, level).
const INBOUND: &[(&str, &str, &str, &str)] = &[
    ("天津滨海新材料有限公司", "website", "Tianjin", "B"),
    ("合肥科大讯通有限公司", "trade_show", "Anhui", "A"),
    ("保定长城机电有限公司", "website", "Hebei", "C"),
    ("无锡太湖环保科技有限公司", "website", "Jiangsu", "B"),
    ("唐山钢联贸易有限公司", "referral", "Hebei", "B"),
    ("温州瓯江鞋业有限公司", "website", "Zhejiang", "C"),
];

fn problem(e: &CrmError) -> String {
    format!("refused, {} ({e})", e.code())
}

pub struct Org<'a> {
    pub admin: &'a str,
    pub mgr_east: &'a str,
    pub teams: [&'a str; 2],
    /// reps[0] has left the company (inactive) by now.
    pub reps: &'a [String; 4],
}

pub fn chapter(
    crm: &impl Operations,
    clock: &FixedClock,
    r: &mut Report,
    org: &Org<'_>,
) -> DemoResult<()> {
    let Org { admin, reps, .. } = *org;
    r.section("Day 12: the public pool (公海) opens");
    clock.set(start() + Duration::days(11));
    let rules = PoolRules {
        cool_down_days: 5,
        waiting_hours: 2,
        recycle: vec![
            RecycleRule {
                kind: RecycleKind::NoFollowUp,
                days: 10,
                days_by_level: BTreeMap::from([("A".to_string(), 20)]),
            },
            RecycleRule {
                kind: RecycleKind::NoWonDeal,
                days: 60,
                days_by_level: BTreeMap::new(),
            },
        ],
        exempt_won: true,
        exempt_open_opportunity: true,
        warn_days: 3,
    };
    let pool = crm.create_pool(
        admin,
        NewPool {
            name: "公海 East+North".into(),
            member_ids: Vec::new(),
            member_team_ids: org.teams.iter().map(|t| t.to_string()).collect(),
            admin_ids: vec![org.mgr_east.to_string()],
            rules,
        },
    )?;
    let mut settings = crm.settings("")?;
    settings.default_pool_id = Some(pool.id.clone());
    settings.claims = ClaimPolicy {
        daily_limit: Some(2),
        caps: vec![OwnershipCap {
            scope: CapScope::Everyone,
            max_owned: 8,
            count_won: false,
        }],
    };
    settings.locks = LockPolicy {
        max_locked: Some(1),
        max_days: Some(14),
    };
    let version = settings.version;
    crm.update_settings(admin, version, SettingsPatch::from(settings))?;
    r.item(&format!(
        "{} {}: members are both teams; rules: no follow-up for 10 days (level A: 20), no won deal for 60 days; warnings 3 days ahead; cool-down 5 days; 2 h waiting period",
        pool.id, pool.name
    ));
    r.item("claim limits: 2 claims per rep per local day, at most 8 customers owned (won ones not counted); at most 1 lock of up to 14 days");
    let mut pooled = Vec::new();
    for (name, level) in POOL_IMPORT {
        let c = crm
            .create_customer(
                admin,
                NewCustomer {
                    name: name.to_string(),
                    level: Some(level.to_string()),
                    pool_id: Some(pool.id.clone()),
                    ..NewCustomer::default()
                },
            )?
            .customer;
        r.item(&format!(
            "{} {} (level {level}) imported into the pool",
            c.id, c.name
        ));
        pooled.push(c.id);
    }

    r.section("Day 12: inbound leads allocated by rule (one transaction per batch)");
    let north_reps = vec![reps[2].clone(), reps[3].clone()];
    let allocator = crm.create_allocator(
        admin,
        NewAllocator {
            name: "inbound".into(),
            strategy: AllocationStrategy::Rules {
                rules: vec![AllocationRule {
                    name: "Hebei and Tianjin go to team North".into(),
                    conditions: vec![RuleCondition {
                        field: "region".into(),
                        one_of: vec!["Hebei".into(), "Tianjin".into()],
                    }],
                    target: RuleTarget::Reps {
                        rep_ids: north_reps,
                        strategy: Box::new(AllocationStrategy::RoundRobin),
                    },
                }],
                default: RuleTarget::Reps {
                    rep_ids: reps.to_vec(),
                    strategy: Box::new(AllocationStrategy::Capacity),
                },
            },
            reps: reps
                .iter()
                .enumerate()
                .map(|(i, id)| AllocatorRep {
                    rep_id: id.clone(),
                    weight: if i == 1 { 2 } else { 1 },
                    daily_cap: Some(3),
                    total_cap: None,
                })
                .collect(),
        },
    )?;
    let mut leads = Vec::new();
    for (name, source, region, level) in INBOUND {
        let captured = crm.capture_lead(
            admin,
            NewLead {
                name: name.to_string(),
                source: Some(source.to_string()),
                region: Some(region.to_string()),
                level: Some(level.to_string()),
                ..NewLead::default()
            },
        )?;
        leads.push(captured.lead.id);
    }
    r.item(&format!(
        "{} leads captured; allocator {} (rules, then capacity with weights 1/2/1/1 and 3 a day each; {} has left and is skipped)",
        leads.len(),
        allocator.id,
        reps[0]
    ));
    for a in crm.allocate_leads(admin, &allocator.id, leads.clone(), false)? {
        let to = match &a.placement {
            Placement::Rep { rep_id } => rep_id.clone(),
            Placement::Pool { pool_id } => format!("pool {pool_id}"),
            Placement::Kept { owner_id } => format!("kept by {owner_id}"),
        };
        r.item(&format!("{} -> {to}: {}", a.lead_id, a.reason));
    }
    let lead = crm.lead(admin, &leads[1])?;
    let owner = lead.owner_id.clone().unwrap_or_default();
    let converted = crm.convert_lead(
        &owner,
        &lead.id,
        Some(NewOpportunity::new(
            "首批设备采购",
            Decimal::new(12_600_000, 2),
        )),
    )?;
    r.item(&format!(
        "{owner} converts {} into customer {} with opportunity {} ({} yuan)",
        lead.id,
        converted.customer.id,
        converted.opportunity.as_ref().map_or("", |o| o.id.as_str()),
        converted
            .opportunity
            .as_ref()
            .map_or(Decimal::ZERO, |o| o.amount)
    ));

    r.section("Day 12: claiming from the pool (领取)");
    match crm.claim_customer(&reps[2], &pooled[0]) {
        Err(e) => r.item(&format!(
            "{} claims {} at once: {}",
            reps[2],
            pooled[0],
            problem(&e)
        )),
        Ok(_) => return Err("a claim ignored the waiting period".into()),
    }
    clock.advance(Duration::hours(3));
    let got = crm.claim_customers(&reps[2], &pooled[..2])?;
    r.item(&format!(
        "{} claims {} and {} in one batch three hours later: owner {}",
        reps[2],
        got[0].id,
        got[1].id,
        got[0].owner_id.as_deref().unwrap_or("-")
    ));
    match crm.claim_customer(&reps[2], &pooled[2]) {
        Err(e) => r.item(&format!(
            "{} claims a third customer today: {}",
            reps[2],
            problem(&e)
        )),
        Ok(_) => return Err("the daily claim limit was exceeded".into()),
    }
    match crm.claim_customer(&reps[3], &pooled[0]) {
        Err(e) => r.item(&format!(
            "{} claims {} too: {}",
            reps[3],
            pooled[0],
            problem(&e)
        )),
        Ok(_) => return Err("a customer got two owners".into()),
    }
    let locked = crm.lock_customer(&reps[2], &pooled[1], Some(30))?;
    r.item(&format!(
        "{} locks {} for 30 days: protected until {} (the 14-day maximum)",
        reps[2],
        locked.id,
        r.time(locked.locked_until.unwrap_or_default())
    ));

    r.section("Day 19: recycling warnings (3 days ahead)");
    clock.set(start() + Duration::days(18) + Duration::hours(1));
    let warnings = crm.recycle_warnings(admin, None)?;
    r.item(&format!(
        "{} customer(s) will be recycled soon:",
        warnings.len()
    ));
    for w in &warnings {
        r.item(&format!(
            "   {} {} (owner {}): {} on {}",
            w.customer_id,
            w.customer_name,
            w.owner_id,
            w.due.rule.describe(),
            r.time(w.due.recycle_at())
        ));
    }

    r.section("Day 23: the recycling sweep (回收)");
    clock.set(start() + Duration::days(22));
    let report = crm.sweep_pools(admin)?;
    r.item(&format!(
        "{} customer(s) returned to their pool ({} due examined):",
        report.recycled.len(),
        report.examined
    ));
    for x in &report.recycled {
        r.item(&format!(
            "   {} from {}: {}",
            x.customer_id,
            x.owner_id,
            x.due.explain()
        ));
    }
    let again = crm.sweep_pools(admin)?;
    r.item(&format!(
        "a second sweep at the same moment recycles {}",
        again.recycled.len()
    ));
    if let Some(x) = report.recycled.first() {
        clock.advance(Duration::hours(3));
        match crm.claim_customer(&x.owner_id, &x.customer_id) {
            Err(e) => r.item(&format!(
                "{} tries to take {} back after the waiting period: {}",
                x.owner_id,
                x.customer_id,
                problem(&e)
            )),
            Ok(_) => return Err("the previous owner re-claimed during the cool-down".into()),
        }
    }
    let still = crm.customer(admin, &pooled[1])?;
    r.item(&format!(
        "{} stays with {}: locked until {}",
        still.id,
        still.owner_id.as_deref().unwrap_or("-"),
        r.time(still.locked_until.unwrap_or_default())
    ));
    Ok(())
}
