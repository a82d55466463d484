//! The demo's fourth part: marketing campaigns (市场营销). An email campaign with a second wave and
//! a trade fair; an audience previewed and added, an opted-out contact left out; responses; a
//! lead from the fair converted, won and partly paid; the campaign report with ROI on collected
//! cash, and one deal's attribution explained line by line.

use crate::demo::{start, DemoResult};
use crate::demo_pipeline::yuan;
use crate::report::Report;
use chrono::Duration;
use crm_core::api::Operations;
use crm_core::campaign::{
    AttributionModel, AttributionSettings, AudienceCriteria, CampaignKind, CampaignPatch,
    CampaignStatus, ConsentChannel, MemberKind, MemberRef, NewCampaign,
};
use crm_core::contract::{NewContract, NewInstalment, NewPayment};
use crm_core::lead::NewLead;
use crm_core::opportunity::NewOpportunity;
use crm_core::{CustomerPatch, FixedClock};
use rust_decimal::Decimal;

fn campaign(name: &str, kind: CampaignKind, parent: Option<&str>, cost: i64) -> NewCampaign {
    NewCampaign {
        name: name.into(),
        kind,
        channel: None,
        parent_id: parent.map(str::to_string),
        status: Some(CampaignStatus::Active),
        start_date: Some((start() + Duration::days(40)).date_naive()),
        end_date: None,
        budgeted_cost: Some(yuan(cost)),
        actual_cost: Some(yuan(cost)),
        expected_revenue: None,
        owner_id: None,
    }
}

pub fn chapter(
    crm: &impl Operations,
    clock: &FixedClock,
    r: &mut Report,
    manager: &str,
    rep: &str,
) -> DemoResult<()> {
    r.section("Day 41: marketing campaigns (市场营销)");
    clock.set(start() + Duration::days(40) + Duration::hours(1));
    let email = crm.create_campaign(
        manager,
        campaign("双十二 email", CampaignKind::Email, None, 6_000),
    )?;
    let wave = crm.create_campaign(
        manager,
        campaign(
            "双十二 email, wave 2",
            CampaignKind::Email,
            Some(&email.id),
            2_000,
        ),
    )?;
    let fair = crm.create_campaign(
        manager,
        campaign("上海工博会 trade fair", CampaignKind::Event, None, 20_000),
    )?;
    for c in [&email, &wave, &fair] {
        r.item(&format!(
            "{} {} ({:?}, cost {}), member statuses: {}",
            c.id,
            c.name,
            c.kind,
            c.actual_cost,
            c.member_statuses
                .iter()
                .map(|s| s.label.as_str())
                .collect::<Vec<_>>()
                .join(" → ")
        ));
    }
    let mut statuses = email.member_statuses.clone();
    statuses.insert(
        1,
        crm_core::campaign::MemberStatus {
            label: "opened".into(),
            responded: false,
            default: false,
            order: 2,
        },
    );
    statuses[2].order = 3;
    let email = crm.update_campaign(
        manager,
        email.id.clone(),
        email.version,
        CampaignPatch {
            member_statuses: Some(statuses),
            ..CampaignPatch::default()
        },
    )?;
    r.item(&format!(
        "{} adds an `opened` status between sent and responded",
        email.id
    ));

    // Every customer of the manager's team, reached by email.
    let criteria = AudienceCriteria::default();
    let preview = crm.preview_audience(manager, criteria.clone(), Some(3))?;
    r.item(&format!(
        "audience \"East customers\" previewed: {} customer(s), first {}",
        preview.count,
        preview
            .sample
            .iter()
            .map(|m| m.id.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    ));
    let customers = crm.customers(rep)?;
    if let Some(c) = customers.first() {
        let c = crm.update_customer(
            rep,
            c.id.clone(),
            c.version,
            CustomerPatch {
                opt_outs: Some(vec![ConsentChannel::Email]),
                ..CustomerPatch::default()
            },
        )?;
        r.item(&format!(
            "{} {} asks for no more marketing email",
            c.id, c.name
        ));
    }
    let audience = crm.save_audience(manager, "East customers", criteria)?;
    let added = crm.add_audience_members(manager, email.id.clone(), audience.id)?;
    r.item(&format!(
        "{} member(s) added to {}; left out: {}",
        added.added.len(),
        email.id,
        added
            .excluded
            .iter()
            .map(|x| format!("{} ({})", x.id, x.reason))
            .collect::<Vec<_>>()
            .join(", ")
    ));

    r.section("Days 42-50: responses, a lead from the fair, a deal won and paid in part");
    clock.advance(Duration::days(1));
    for m in added.added.iter().take(2) {
        let m = crm.set_member_status(manager, m.id.clone(), m.version, "responded")?;
        r.item(&format!(
            "{} ({}) answers the email at {}",
            m.member_id,
            m.id,
            m.first_responded_at.map_or("-".into(), |t| r.time(t))
        ));
    }
    let lead = crm
        .capture_lead(
            manager,
            NewLead {
                name: "苏州工业园区精密机械有限公司".into(),
                phones: vec!["+86 512 6666 8888".into()],
                owner_id: Some(rep.into()),
                campaign_id: Some(fair.id.clone()),
                ..NewLead::default()
            },
        )?
        .lead;
    crm.add_campaign_members(
        manager,
        fair.id.clone(),
        vec![MemberRef {
            kind: MemberKind::Lead,
            id: lead.id.clone(),
        }],
    )?;
    r.item(&format!(
        "{} {} met at {}, owned by {rep}",
        lead.id, lead.name, fair.name
    ));
    clock.advance(Duration::days(2));
    let converted = crm.convert_lead(rep, lead.id.clone(), None::<NewOpportunity>)?;
    let customer = converted.customer;
    for (c, days) in [(&email, 1), (&wave, 2)] {
        clock.advance(Duration::days(days));
        let m = crm.add_campaign_members(
            manager,
            c.id.clone(),
            vec![MemberRef {
                kind: MemberKind::Customer,
                id: customer.id.clone(),
            }],
        )?;
        if let Some(m) = m.added.first() {
            crm.set_member_status(manager, m.id.clone(), m.version, "responded")?;
        }
    }
    let deal = crm.create_opportunity(
        rep,
        customer.id.clone(),
        NewOpportunity::new("精密机械 MES", yuan(240_000)),
    )?;
    clock.advance(Duration::days(3));
    let deal = crm.close_opportunity(rep, deal.id, true, None::<String>)?;
    let today = clock_date(clock);
    let contract = crm.create_contract(
        rep,
        deal.id.clone(),
        NewContract {
            signed_on: today,
            amount: None,
            instalments: vec![
                NewInstalment {
                    due_date: today + Duration::days(30),
                    amount: yuan(120_000),
                },
                NewInstalment {
                    due_date: today + Duration::days(60),
                    amount: yuan(120_000),
                },
            ],
        },
    )?;
    clock.advance(Duration::days(2));
    crm.record_payment(
        rep,
        contract.id.clone(),
        contract.version,
        NewPayment {
            received_on: clock_date(clock),
            amount: yuan(100_000),
            instalment: None,
            note: None,
        },
    )?;
    r.item(&format!(
        "{} converted to {} (source {}), {} won for {}, 100000.00 collected so far",
        lead.id,
        customer.id,
        customer.campaign_id.as_deref().unwrap_or("-"),
        deal.id,
        deal.amount
    ));

    r.section("Day 50: campaign report and attribution");
    for model in [AttributionModel::UShaped, AttributionModel::TimeDecay] {
        let rows = crm.campaign_report(
            manager,
            None::<String>,
            Some(AttributionSettings::new(model)),
        )?;
        r.item(&format!("attributed by {}:", model.label()));
        for row in rows {
            r.item(&format!(
                "   {:<6} {:<24} members {:>2}, responded {:>2}, won {:>10}, collected {:>10}, cost {:>9}, ROI {}",
                row.campaign_id,
                row.name,
                row.members,
                row.responded,
                row.attributed_won_amount,
                row.attributed_collected_amount,
                row.actual_cost,
                row.roi.map_or("-".into(), |x| format!("{:.2}%", x * Decimal::ONE_HUNDRED))
            ));
        }
    }
    let explained = crm.deal_attribution(
        manager,
        deal.id.clone(),
        Some(AttributionSettings::new(AttributionModel::WShaped)),
    )?;
    r.item(&format!("{} explained (W-shaped):", deal.id));
    for l in explained.lines {
        r.item(&format!(
            "   {} {:>10}  {}",
            l.campaign_id, l.amount, l.explanation
        ));
    }
    Ok(())
}

fn clock_date(clock: &FixedClock) -> chrono::NaiveDate {
    use crm_core::clock::Clock;
    clock.now().date_naive()
}
