//! The organisation of the audience benchmarks (crm-core's memory bench and crm-sqlite's): 1,000,000
//! customers with levels, tags, regions, owners in two teams, a pool, follow-ups and custom fields,
//! seeded deterministically, with the criteria measured and their expected answers.

use crate::access::{DataScope, Role, Team, User};
use crate::campaign::AudienceCriteria;
use crate::customer::{Customer, CustomerKind, CustomerStatus, DealStatus, FieldValue};
use crate::pool::Pool;
use crate::settings::OrgSettings;
use crate::store::{self, Doc, DocKind, Store};
use crate::testing::population;
use chrono::{DateTime, Duration, Utc};
use rust_decimal::Decimal;
use std::collections::BTreeMap;

pub const CUSTOMERS: usize = 1_000_000;
const REPS: usize = 200;
const REGIONS: [&str; 8] = [
    "Shanghai",
    "Beijing",
    "Guangzhou",
    "Shenzhen",
    "Hangzhou",
    "Chengdu",
    "Wuhan",
    "Nanjing",
];

/// A splitmix64 step: deterministic, so every run benchmarks the same organisation.
fn next(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

fn user(id: &str, role: Role, scope: DataScope, team: Option<&str>, at: DateTime<Utc>) -> User {
    User {
        id: id.into(),
        name: format!("user {id}"),
        role,
        scope,
        team_id: team.map(str::to_string),
        active: true,
        created_at: at,
        version: 1,
    }
}

/// The `i`-th customer (from 0) of the organisation: 10% unowned in pool `p-1`, the others owned
/// by reps `u-3..` (even reps in team `t-1`, odd in `t-2`); levels A/B/C or none, tags, regions,
/// a last follow-up for 60%, custom fields.
fn customer(i: usize, seed: &mut u64, now: DateTime<Utc>) -> Customer {
    let r = next(seed);
    let level = match r % 10 {
        0 | 1 => Some("A"),
        2..=4 => Some("B"),
        5..=8 => Some("C"),
        _ => None,
    };
    let r = next(seed);
    let mut tags = std::collections::BTreeSet::new();
    if r % 20 == 0 {
        tags.insert("vip".to_string());
    }
    if (r >> 8) % 10 < 3 {
        tags.insert("newsletter".to_string());
    }
    if (r >> 16) % 10 == 0 {
        tags.insert("trade-show".to_string());
    }
    let r = next(seed);
    let region = (r % 20 != 0).then(|| REGIONS[((r >> 8) % REGIONS.len() as u64) as usize]);
    let r = next(seed);
    let pooled = r % 10 == 0;
    let owner = (!pooled).then(|| format!("u-{}", 3 + (r >> 8) as usize % REPS));
    let r = next(seed);
    let created = now - Duration::minutes((r % (720 * 24 * 60)) as i64);
    let last_follow_up =
        ((r >> 32) % 10 < 6).then(|| now - Duration::minutes(((r >> 36) % (180 * 24 * 60)) as i64));
    let r = next(seed);
    let mut custom_fields = BTreeMap::from([(
        "industry_code".to_string(),
        FieldValue::Text(format!("IND-{:02}", r % 20)),
    )]);
    if (r >> 8) % 2 == 0 {
        custom_fields.insert(
            "employees".into(),
            FieldValue::Number(Decimal::from((r >> 16) % 5_000)),
        );
    }
    if (r >> 32) % 4 == 0 {
        custom_fields.insert("listed".into(), FieldValue::Bool((r >> 40) % 2 == 0));
    }
    Customer {
        id: format!("c-{}", i + 1),
        name: format!("Customer {} Trading Co., Ltd.", i + 1),
        kind: CustomerKind::Company,
        level: level.map(str::to_string),
        tags,
        source: Some("web".into()),
        industry: Some("manufacturing".into()),
        region: region.map(str::to_string),
        phones: vec![format!("138{:08}", i)],
        emails: Vec::new(),
        previous_owner_id: pooled.then(|| format!("u-{}", 3 + i % REPS)),
        pool_id: Some("p-1".into()),
        pooled_at: pooled.then_some(created),
        released_at: None,
        status: CustomerStatus::Active,
        merged_into: None,
        merged_from: Vec::new(),
        created_at: created,
        updated_at: last_follow_up.unwrap_or(created),
        owned_since: owner.as_ref().map(|_| created),
        last_follow_up_at: last_follow_up,
        next_follow_up_at: None,
        deal_status: DealStatus::None,
        locked: false,
        locked_until: None,
        last_won_at: None,
        open_opportunities: 0,
        recycle_due_at: None,
        custom_fields,
        opt_outs: vec![],
        campaign_id: None,
        owner_id: owner,
        version: 1,
    }
}

/// Writes admin `u-1`, manager `u-2` of team `t-1`, reps `u-3..` in teams `t-1` and `t-2`, pool
/// `p-1` and the customers in batches of `batch` per transaction.
pub fn seed(store: &dyn Store, now: DateTime<Utc>, batch: usize) -> crate::Result<()> {
    let at = now - Duration::days(800);
    store::write(store, |tx| {
        tx.put_settings(&OrgSettings {
            version: 1,
            ..OrgSettings::default()
        })?;
        for t in ["t-1", "t-2"] {
            tx.put_team(&Team {
                id: t.into(),
                name: format!("team {t}"),
                created_at: at,
                version: 1,
            })?;
        }
        tx.put_user(&user("u-1", Role::Admin, DataScope::All, None, at))?;
        tx.put_user(&user(
            "u-2",
            Role::Manager,
            DataScope::Team,
            Some("t-1"),
            at,
        ))?;
        for i in 0..REPS {
            let team = if i % 2 == 0 { "t-1" } else { "t-2" };
            let id = format!("u-{}", 3 + i);
            tx.put_user(&user(&id, Role::Rep, DataScope::Own, Some(team), at))?;
        }
        let pool = Pool {
            id: "p-1".into(),
            name: "public pool".into(),
            member_ids: Vec::new(),
            member_team_ids: Vec::new(),
            admin_ids: Vec::new(),
            rules: population::rules(),
            created_at: at,
            version: 1,
        };
        tx.put_doc(Doc::new(DocKind::Pool, "p-1", None, 1, &pool)?)
    })?;
    let mut state = 7u64;
    let mut start = 0;
    while start < CUSTOMERS {
        let end = (start + batch).min(CUSTOMERS);
        store::write(store, |tx| {
            for i in start..end {
                tx.put_customer(&customer(i, &mut state, now))?;
            }
            Ok(())
        })?;
        start = end;
    }
    Ok(())
}

/// Level A, tag `vip`, region Shanghai: about one customer in a thousand.
pub fn selective() -> AudienceCriteria {
    AudienceCriteria {
        levels: vec!["A".into()],
        tags_any: vec!["vip".into()],
        regions: vec!["Shanghai".into()],
        ..AudienceCriteria::default()
    }
}

/// Every customer of team `t-1`: about 450,000.
pub fn broad() -> AudienceCriteria {
    AudienceCriteria {
        team_ids: vec!["t-1".into()],
        ..AudienceCriteria::default()
    }
}

/// The expected count and first ten ids of each case, from the seeded records themselves.
pub fn expected(
    now: DateTime<Utc>,
    admin: bool,
    criteria: &AudienceCriteria,
) -> (u64, Vec<String>) {
    let mut state = 7u64;
    let mut count = 0;
    let mut first = Vec::new();
    for i in 0..CUSTOMERS {
        let c = customer(i, &mut state, now);
        let rep = c
            .owner_id
            .as_deref()
            .map(|o| o["u-".len()..].parse::<usize>().unwrap() - 3);
        let in_t1 = rep.is_some_and(|r| r % 2 == 0);
        let hit = if criteria.team_ids.is_empty() {
            c.level.as_deref() == Some("A")
                && c.tags.contains("vip")
                && c.region.as_deref() == Some("Shanghai")
        } else {
            in_t1
        };
        if hit && (admin || in_t1) {
            count += 1;
            if first.len() < 10 {
                first.push(c.id);
            }
        }
    }
    (count, first)
}

/// One measured case: the criteria, who previews them, and the answer the seed implies.
pub struct Case {
    /// `selective/admin`, `broad/manager`, ...
    pub name: String,
    pub actor: &'static str,
    pub criteria: AudienceCriteria,
    pub count: u64,
    pub first: Vec<String>,
}

/// Both criteria sets, each as the admin (`u-1`) and as the manager of `t-1` (`u-2`).
pub fn cases(now: DateTime<Utc>) -> Vec<Case> {
    let mut out = Vec::new();
    for (name, criteria) in [("selective", selective()), ("broad", broad())] {
        for (who, actor) in [("admin", "u-1"), ("manager", "u-2")] {
            let (count, first) = expected(now, actor == "u-1", &criteria);
            out.push(Case {
                name: format!("{name}/{who}"),
                actor,
                criteria: criteria.clone(),
                count,
                first,
            });
        }
    }
    out
}

/// Previews the case (a sample of ten) and checks the answer against the seed.
pub fn check(crm: &crate::Crm, case: &Case) -> crate::campaign::AudiencePreview {
    let p = crm
        .preview_audience(case.actor, case.criteria.clone(), Some(10))
        .unwrap();
    assert_eq!(p.count, case.count, "{}", case.name);
    assert!(p
        .sample
        .iter()
        .all(|m| m.kind == crate::campaign::MemberKind::Customer));
    assert!(p.sample.iter().map(|m| &m.id).eq(case.first.iter()));
    p
}
