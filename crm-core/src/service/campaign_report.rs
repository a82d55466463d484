//! The campaign report and the attribution of stored deals: touches are the campaign members of
//! a deal's customer (its contacts and its converted leads included), each at its first response
//! if that came by the win, else when it joined (a member reached before the win touched the deal
//! even if it answered later).

use super::campaigns::{all_campaigns, members_of};
use super::{scoped_doc, scoped_docs, Crm, Ctx};
use crate::access::Role;
use crate::campaign::attribution::{attribute, split_amount};
use crate::campaign::{
    AttributedDeal, AttributionSettings, Campaign, CampaignMember, CampaignReport, DealAttribution,
    MemberKind, Touch,
};
use crate::contract::{Contract, PaymentKind};
use crate::error::Result;
use crate::lead::{Lead, LeadStatus};
use crate::opportunity::{Opportunity, OpportunityStatus};
use crate::store::{Doc, DocKind};
use chrono::{DateTime, Utc};
use rust_decimal::{Decimal, RoundingStrategy};
use std::collections::{BTreeMap, HashMap, HashSet};

/// A member of a customer's: its campaign, when it joined, when it first responded.
type Joined = (String, DateTime<Utc>, Option<DateTime<Utc>>);

/// Everything the report and deal attribution read, loaded once per call.
struct Facts {
    campaigns: Vec<Campaign>,
    /// Members by campaign.
    members: HashMap<String, Vec<CampaignMember>>,
    /// Members by customer.
    touches: HashMap<String, Vec<Joined>>,
    /// The creation time of the (first) lead each customer came from.
    lead_created: HashMap<String, DateTime<Utc>>,
    /// Leads in scope.
    leads: Vec<Lead>,
    opportunities: Vec<Opportunity>,
    contracts: Vec<Contract>,
}

fn facts(cx: &mut Ctx<'_>) -> Result<Facts> {
    let campaigns = all_campaigns(cx.tx)?;
    let all_leads: Vec<Lead> = cx
        .tx
        .docs(DocKind::Lead, None)?
        .iter()
        .map(Doc::decode)
        .collect::<Result<_>>()?;
    let lead_customer: HashMap<&str, &str> = all_leads
        .iter()
        .filter_map(|l| Some((l.id.as_str(), l.customer_id.as_deref()?)))
        .collect();
    let mut lead_created = HashMap::new();
    for l in &all_leads {
        if let Some(c) = &l.customer_id {
            let e = lead_created.entry(c.clone()).or_insert(l.created_at);
            *e = (*e).min(l.created_at);
        }
    }
    let mut members = HashMap::new();
    let mut touches: HashMap<String, Vec<_>> = HashMap::new();
    for c in &campaigns {
        let list = members_of(cx.tx, &c.id)?;
        for m in &list {
            let customer = m.customer_id.as_deref().or(if m.kind == MemberKind::Lead {
                lead_customer.get(m.member_id.as_str()).copied()
            } else {
                None
            });
            if let Some(customer) = customer {
                touches.entry(customer.to_string()).or_default().push((
                    c.id.clone(),
                    m.added_at,
                    m.first_responded_at,
                ));
            }
        }
        members.insert(c.id.clone(), list);
    }
    let mut leads = Vec::new();
    for l in all_leads {
        if cx.covers_owner(l.owner_id.as_deref())? {
            leads.push(l);
        }
    }
    Ok(Facts {
        campaigns,
        members,
        touches,
        lead_created,
        leads,
        opportunities: scoped_docs(cx, DocKind::Opportunity)?,
        contracts: scoped_docs(cx, DocKind::Contract)?,
    })
}

fn deal(f: &Facts, o: &Opportunity) -> Option<AttributedDeal> {
    let won_at = o.closed_at?;
    let touches = f
        .touches
        .get(&o.customer_id)
        .into_iter()
        .flatten()
        .map(|(campaign, joined, responded)| Touch {
            campaign_id: campaign.clone(),
            at: responded.filter(|r| *r <= won_at).unwrap_or(*joined),
        })
        .collect();
    Some(AttributedDeal {
        id: o.id.clone(),
        amount: o.amount,
        won_at,
        created_at: o.created_at,
        lead_created_at: f.lead_created.get(&o.customer_id).copied(),
        primary_campaign_id: o.campaign_id.clone(),
        touches,
    })
}

fn settings_or_default(s: Option<AttributionSettings>) -> Result<AttributionSettings> {
    let s = s.unwrap_or(AttributionSettings::new(
        crate::campaign::AttributionModel::UShaped,
    ));
    s.validate()?;
    Ok(s)
}

/// Campaign ids under each campaign (itself included), parents before children.
fn trees(campaigns: &[Campaign]) -> BTreeMap<String, Vec<String>> {
    let mut children: HashMap<&str, Vec<&str>> = HashMap::new();
    for c in campaigns {
        if let Some(p) = &c.parent_id {
            children.entry(p.as_str()).or_default().push(c.id.as_str());
        }
    }
    campaigns
        .iter()
        .map(|c| {
            let mut out = vec![c.id.clone()];
            let mut seen: HashSet<&str> = HashSet::from([c.id.as_str()]);
            let mut i = 0;
            while i < out.len() {
                for ch in children.get(out[i].as_str()).into_iter().flatten() {
                    if seen.insert(ch) {
                        out.push(ch.to_string());
                    }
                }
                i += 1;
            }
            (c.id.clone(), out)
        })
        .collect()
}

/// `num / den` with exactly `places` decimals (so "0.7500", not "0.75"), none for a zero `den`.
fn ratio(num: Decimal, den: Decimal, places: u32) -> Option<Decimal> {
    (!den.is_zero()).then(|| {
        let mut r = num
            .checked_div(den)
            .unwrap_or_default()
            .round_dp_with_strategy(places, RoundingStrategy::MidpointNearestEven);
        r.rescale(places);
        r
    })
}

impl Crm {
    /// Every campaign's report (or one campaign's), each rolled up over the campaigns under it,
    /// attributed by `attribution` (default U-shaped, 180 days). Managers and admins; the figures
    /// cover the members, leads and deals in the reader's scope.
    pub fn campaign_report(
        &self,
        actor: &str,
        campaign_id: Option<&str>,
        attribution: Option<AttributionSettings>,
    ) -> Result<Vec<CampaignReport>> {
        let settings = settings_or_default(attribution)?;
        self.look(actor, |cx| {
            if cx.actor.role == Role::Rep {
                return Err(cx.denied("see campaign reports"));
            }
            if let Some(id) = campaign_id {
                super::load::<Campaign>(cx.tx, DocKind::Campaign, id)?;
            }
            let f = facts(cx)?;
            let admin = cx.actor.role == Role::Admin;
            let scoped_customers: HashSet<String> = if admin {
                HashSet::new()
            } else {
                super::customers::scoped_customers(cx, Default::default())?
                    .into_iter()
                    .map(|c| c.id)
                    .collect()
            };
            let lead_ids: HashSet<&str> = f.leads.iter().map(|l| l.id.as_str()).collect();
            let visible = |m: &CampaignMember| {
                admin
                    || m.customer_id
                        .as_ref()
                        .is_some_and(|c| scoped_customers.contains(c))
                    || (m.kind == MemberKind::Lead && lead_ids.contains(m.member_id.as_str()))
            };
            // Attributed money per campaign, over every won deal in scope.
            let mut won_by: HashMap<String, Decimal> = HashMap::new();
            let mut collected_by: HashMap<String, Decimal> = HashMap::new();
            for o in f
                .opportunities
                .iter()
                .filter(|o| o.status == OpportunityStatus::Won)
            {
                let Some(d) = deal(&f, o) else { continue };
                let att = attribute(&d, &settings)?;
                for line in &att.lines {
                    *won_by.entry(line.campaign_id.clone()).or_default() += line.amount;
                }
                for c in f.contracts.iter().filter(|c| c.opportunity_id == o.id) {
                    for p in &c.payments {
                        let amount = match p.kind {
                            PaymentKind::Payment => p.amount,
                            PaymentKind::Refund => -p.amount,
                        };
                        for (i, money) in split_amount(&att, amount)? {
                            *collected_by
                                .entry(att.lines[i].campaign_id.clone())
                                .or_default() += money;
                        }
                    }
                }
            }
            let trees = trees(&f.campaigns);
            let mut out = Vec::new();
            for c in &f.campaigns {
                if campaign_id.is_some_and(|id| id != c.id) {
                    continue;
                }
                let ids = &trees[&c.id];
                let in_tree = |id: Option<&String>| id.is_some_and(|i| ids.contains(i));
                let mut r = CampaignReport {
                    campaign_id: c.id.clone(),
                    name: c.name.clone(),
                    campaign_ids: ids.clone(),
                    model: settings.model,
                    members: 0,
                    sent: 0,
                    responded: 0,
                    response_rate: None,
                    leads: 0,
                    converted_leads: 0,
                    opportunities: 0,
                    won: 0,
                    won_amount: Decimal::ZERO,
                    attributed_won_amount: Decimal::ZERO,
                    attributed_collected_amount: Decimal::ZERO,
                    budgeted_cost: Decimal::ZERO,
                    actual_cost: Decimal::ZERO,
                    cost_per_lead: None,
                    cost_per_won_deal: None,
                    roi: None,
                };
                for id in ids {
                    let Some(sub) = f.campaigns.iter().find(|x| &x.id == id) else {
                        continue;
                    };
                    r.budgeted_cost += sub.budgeted_cost;
                    r.actual_cost += sub.actual_cost;
                    let sent_from = sub.default_status().order;
                    for m in f
                        .members
                        .get(id)
                        .into_iter()
                        .flatten()
                        .filter(|m| visible(m))
                    {
                        r.members += 1;
                        if sub
                            .status_of(&m.status)
                            .is_some_and(|s| s.order >= sent_from)
                        {
                            r.sent += 1;
                        }
                        if m.first_responded_at.is_some() {
                            r.responded += 1;
                        }
                    }
                    r.attributed_won_amount += won_by.get(id).copied().unwrap_or_default();
                    r.attributed_collected_amount +=
                        collected_by.get(id).copied().unwrap_or_default();
                }
                for l in f.leads.iter().filter(|l| in_tree(l.campaign_id.as_ref())) {
                    r.leads += 1;
                    if l.status == LeadStatus::Converted {
                        r.converted_leads += 1;
                    }
                }
                for o in f
                    .opportunities
                    .iter()
                    .filter(|o| in_tree(o.campaign_id.as_ref()))
                {
                    r.opportunities += 1;
                    if o.status == OpportunityStatus::Won {
                        r.won += 1;
                        r.won_amount += o.amount;
                    }
                }
                r.response_rate = ratio(r.responded.into(), r.sent.into(), 4);
                r.cost_per_lead = ratio(r.actual_cost, r.leads.into(), 2);
                r.cost_per_won_deal = ratio(r.actual_cost, r.won.into(), 2);
                r.roi = ratio(
                    r.attributed_collected_amount - r.actual_cost,
                    r.actual_cost,
                    4,
                );
                out.push(r);
            }
            Ok(out)
        })
    }

    /// How one won opportunity's amount is shared among the campaigns that touched its
    /// customer, each line explaining itself.
    pub fn deal_attribution(
        &self,
        actor: &str,
        opportunity_id: &str,
        attribution: Option<AttributionSettings>,
    ) -> Result<DealAttribution> {
        let settings = settings_or_default(attribution)?;
        self.look(actor, |cx| {
            let (o, _customer): (Opportunity, _) =
                scoped_doc(cx, DocKind::Opportunity, opportunity_id)?;
            if o.status != OpportunityStatus::Won {
                return Err(crate::CrmError::InvalidState {
                    reason: format!("opportunity {opportunity_id} is not won"),
                });
            }
            let f = facts(cx)?;
            let d = deal(&f, &o).ok_or_else(|| crate::CrmError::InvalidState {
                reason: format!("opportunity {opportunity_id} has no closing time"),
            })?;
            attribute(&d, &settings)
        })
    }
}
