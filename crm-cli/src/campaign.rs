//! `crm campaign report`: every campaign's results (or one's) on a database file, rolled up over
//! child campaigns, with won deals and collected cash attributed by a model.

use crm_core::campaign::{AttributionModel, AttributionSettings, CampaignReport};
use std::io::Write;

type CliResult = Result<(), Box<dyn std::error::Error>>;

pub const HEADER: &str = "campaign_id,name,members,sent,responded,response_rate,leads,\
converted_leads,opportunities,won,won_amount,attributed_won,attributed_collected,actual_cost,\
cost_per_lead,cost_per_won_deal,roi";

fn cells(r: &CampaignReport) -> Vec<String> {
    let opt = |d: Option<rust_decimal::Decimal>| d.map(|d| d.to_string()).unwrap_or_default();
    vec![
        r.campaign_id.clone(),
        r.name.clone(),
        r.members.to_string(),
        r.sent.to_string(),
        r.responded.to_string(),
        opt(r.response_rate),
        r.leads.to_string(),
        r.converted_leads.to_string(),
        r.opportunities.to_string(),
        r.won.to_string(),
        r.won_amount.round_dp(2).to_string(),
        r.attributed_won_amount.round_dp(2).to_string(),
        r.attributed_collected_amount.round_dp(2).to_string(),
        r.actual_cost.round_dp(2).to_string(),
        opt(r.cost_per_lead),
        opt(r.cost_per_won_deal),
        opt(r.roi),
    ]
}

pub struct Options<'a> {
    pub campaign: Option<&'a str>,
    pub model: AttributionModel,
    pub lookback_days: Option<u32>,
    pub half_life_days: Option<u32>,
    pub actor: &'a str,
    pub csv: bool,
}

pub fn report(db: &crate::db::Target, o: &Options<'_>, out: &mut dyn Write) -> CliResult {
    let crm = db.open_at(chrono::Utc::now())?;
    let rows = crm.campaign_report(
        o.actor,
        o.campaign,
        Some(AttributionSettings {
            model: o.model,
            lookback_days: o.lookback_days,
            half_life_days: o.half_life_days,
        }),
    )?;
    if !o.csv {
        writeln!(
            out,
            "campaigns ({}'s view), attributed by {}:",
            o.actor,
            o.model.label()
        )?;
    }
    let head: Vec<&str> = HEADER.split(',').collect();
    let body: Vec<Vec<String>> = rows.iter().map(cells).collect();
    crate::table::write(out, &head, &body, o.csv)?;
    if rows.is_empty() && !o.csv {
        writeln!(out, "(no campaigns)")?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::demo::demo_db;

    #[test]
    fn report_of_the_demo_file() {
        let dir = tempfile::tempdir().unwrap();
        let db = demo_db(dir.path());
        let options = |model, csv| Options {
            campaign: None,
            model,
            lookback_days: None,
            half_life_days: None,
            actor: "u-1",
            csv,
        };
        // The won deal (240,000, 100,000 collected) was touched by the fair (its lead), then the
        // email and its second wave: U-shaped 40 / 20 / 40; the email campaign rolls its wave up.
        let mut out = Vec::new();
        report(&db, &options(AttributionModel::UShaped, true), &mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert_eq!(
            text.lines().collect::<Vec<_>>(),
            [
                HEADER,
                "cp-1,双十二 email,4,4,4,1.0000,0,0,0,0,0,144000.00,60000.00,8000.00,,,6.5000",
                "cp-2,\"双十二 email, wave 2\",1,1,1,1.0000,0,0,0,0,0,96000.00,40000.00,2000.00,,,19.0000",
                "cp-3,上海工博会 trade fair,1,1,0,0.0000,1,1,1,1,240000.00,96000.00,40000.00,20000.00,20000.00,20000.00,1.0000",
            ],
            "{text}"
        );
        let mut out = Vec::new();
        report(&db, &options(AttributionModel::Even, false), &mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(
            text.starts_with("campaigns (u-1's view), attributed by even:"),
            "{text}"
        );
        assert!(text.contains("160008.00"), "{text}");
        let mut rep = options(AttributionModel::Even, true);
        rep.actor = "u-5";
        let e = report(&db, &rep, &mut Vec::new()).unwrap_err();
        assert!(
            e.to_string().contains("may not see campaign reports"),
            "{e}"
        );
    }
}
