//! Campaigns (DOMAIN.md section 10): managers and admins run them; members are customers,
//! contacts and leads in the actor's scope, added once per campaign and never against an
//! opt-out of the campaign's channel.

use super::{check_expected, load, non_empty, Crm, Ctx};
use crate::access::Role;
use crate::campaign::{
    Audience, AudienceCriteria, AudiencePreview, Campaign, CampaignMember, CampaignPatch,
    CampaignStatus, MemberExclusion, MemberKind, MemberRef, MemberStatus, MembersAdded,
    NewCampaign,
};
use crate::error::{CrmError, EntityKind, Result};
use crate::event::EventKind;
use crate::lead::Lead;
use crate::limits::{self, ID, NAME};
use crate::store::{Doc, DocKind, Tx};
use chrono::NaiveDate;
use rust_decimal::Decimal;
use std::collections::{BTreeSet, HashSet};

/// The most statuses a campaign's member status set may have.
const STATUSES: usize = 50;

/// A campaign id that must name a stored campaign (leads, customers and deals point at one).
pub(super) fn existing_campaign(cx: &mut Ctx<'_>, id: Option<String>) -> Result<Option<String>> {
    match id.map(|i| i.trim().to_string()).filter(|i| !i.is_empty()) {
        Some(id) => {
            limits::text("campaign_id", &id, ID)?;
            let c: Campaign = load(cx.tx, DocKind::Campaign, &id)?;
            Ok(Some(c.id))
        }
        None => Ok(None),
    }
}

fn save_campaign(tx: &mut dyn Tx, c: &Campaign) -> Result<()> {
    tx.put_doc(Doc::new(
        DocKind::Campaign,
        &c.id,
        c.parent_id.as_deref(),
        c.version,
        c,
    )?)
}

fn save_member(tx: &mut dyn Tx, m: &CampaignMember) -> Result<()> {
    tx.put_doc(Doc::new(
        DocKind::CampaignMember,
        &m.id,
        Some(&m.campaign_id),
        m.version,
        m,
    )?)
}

pub(super) fn members_of(tx: &mut dyn Tx, campaign_id: &str) -> Result<Vec<CampaignMember>> {
    let mut all: Vec<CampaignMember> = tx
        .docs(DocKind::CampaignMember, Some(campaign_id))?
        .iter()
        .map(Doc::decode)
        .collect::<Result<_>>()?;
    all.sort_by(|a, b| crate::ids::record_order(&a.id, &b.id));
    Ok(all)
}

fn require_marketer(cx: &Ctx<'_>, action: &str) -> Result<()> {
    if cx.actor.role == Role::Rep {
        Err(cx.denied(action))
    } else {
        Ok(())
    }
}

fn money(field: &str, value: Option<Decimal>) -> Result<Decimal> {
    let v = value.unwrap_or_default();
    limits::amount(field, v)?;
    if v.is_sign_negative() && !v.is_zero() {
        return Err(CrmError::invalid(field, "must not be negative"));
    }
    Ok(v)
}

fn check_dates(start: Option<NaiveDate>, end: Option<NaiveDate>) -> Result<()> {
    match (start, end) {
        (Some(s), Some(e)) if e < s => Err(CrmError::invalid(
            "end_date",
            format!("{e} lies before the start date {s}"),
        )),
        _ => Ok(()),
    }
}

/// The rules of a member status set: labels unique and not empty, exactly one default, at least
/// one responded status.
fn check_statuses(statuses: &[MemberStatus]) -> Result<Vec<MemberStatus>> {
    limits::count("member_statuses", statuses.len(), STATUSES)?;
    let mut seen = BTreeSet::new();
    let mut out = Vec::with_capacity(statuses.len());
    for s in statuses {
        limits::text("member_statuses.label", &s.label, limits::CODE)?;
        let label = non_empty("member_statuses.label", &s.label)?;
        if !seen.insert(label.clone()) {
            return Err(CrmError::invalid(
                "member_statuses",
                format!("{label:?} is named twice"),
            ));
        }
        out.push(MemberStatus { label, ..s.clone() });
    }
    let defaults = out.iter().filter(|s| s.default).count();
    if defaults != 1 {
        return Err(CrmError::invalid(
            "member_statuses",
            format!("exactly one status must be the default (found {defaults})"),
        ));
    }
    if !out.iter().any(|s| s.responded) {
        return Err(CrmError::invalid(
            "member_statuses",
            "at least one status must count as responded",
        ));
    }
    out.sort_by(|a, b| a.order.cmp(&b.order).then_with(|| a.label.cmp(&b.label)));
    Ok(out)
}

impl Crm {
    /// A new campaign, starting with the member statuses `sent` (default) and `responded`.
    /// Managers and admins.
    pub fn create_campaign(&self, actor: &str, new: NewCampaign) -> Result<Campaign> {
        limits::text("name", &new.name, NAME)?;
        limits::opt_text("parent_id", new.parent_id.as_deref(), ID)?;
        limits::opt_text("owner_id", new.owner_id.as_deref(), ID)?;
        self.act(actor, |cx| {
            require_marketer(cx, "create campaigns")?;
            let name = non_empty("name", &new.name)?;
            let parent_id = existing_campaign(cx, new.parent_id.clone())?;
            let owner_id = match &new.owner_id {
                Some(id) => cx.managed_user(id)?.id,
                None => cx.actor.id.clone(),
            };
            check_dates(new.start_date, new.end_date)?;
            let campaign = Campaign {
                id: cx.new_id("cp")?,
                name,
                kind: new.kind,
                channel: new.channel.or(new.kind.channel()),
                parent_id,
                status: new.status.unwrap_or(CampaignStatus::Planned),
                start_date: new.start_date,
                end_date: new.end_date,
                budgeted_cost: money("budgeted_cost", new.budgeted_cost)?,
                actual_cost: money("actual_cost", new.actual_cost)?,
                expected_revenue: money("expected_revenue", new.expected_revenue)?,
                owner_id: Some(owner_id),
                member_statuses: MemberStatus::defaults(),
                created_at: cx.now,
                updated_at: cx.now,
                version: 1,
            };
            save_campaign(cx.tx, &campaign)?;
            cx.emit(
                EventKind::CampaignCreated {
                    campaign_id: campaign.id.clone(),
                },
                format!("campaign {:?} created", campaign.name),
            )?;
            Ok(campaign)
        })
    }

    /// A campaign (anyone may read campaigns).
    pub fn campaign(&self, actor: &str, id: &str) -> Result<Campaign> {
        self.look(actor, |cx| load(cx.tx, DocKind::Campaign, id))
    }

    /// Every campaign, in creation order.
    pub fn campaigns(&self, actor: &str) -> Result<Vec<Campaign>> {
        self.look(actor, |cx| all_campaigns(cx.tx))
    }

    /// Changes what the patch gives; a new member status set must keep every status in use.
    pub fn update_campaign(
        &self,
        actor: &str,
        id: &str,
        expected_version: u64,
        patch: CampaignPatch,
    ) -> Result<Campaign> {
        limits::opt_text("name", patch.name.as_deref(), NAME)?;
        self.act(actor, |cx| {
            require_marketer(cx, "change campaigns")?;
            let mut c: Campaign = load(cx.tx, DocKind::Campaign, id)?;
            check_expected(EntityKind::Campaign, id, expected_version, c.version)?;
            let mut fields = Vec::new();
            if let Some(name) = &patch.name {
                let name = non_empty("name", name)?;
                if name != c.name {
                    c.name = name;
                    fields.push("name");
                }
            }
            if let Some(status) = patch.status {
                if status != c.status {
                    c.status = status;
                    fields.push("status");
                }
            }
            if let Some(d) = patch.start_date {
                if Some(d) != c.start_date {
                    c.start_date = Some(d);
                    fields.push("start_date");
                }
            }
            if let Some(d) = patch.end_date {
                if Some(d) != c.end_date {
                    c.end_date = Some(d);
                    fields.push("end_date");
                }
            }
            check_dates(c.start_date, c.end_date)?;
            for (field, value, target) in [
                ("budgeted_cost", patch.budgeted_cost, &mut c.budgeted_cost),
                ("actual_cost", patch.actual_cost, &mut c.actual_cost),
                (
                    "expected_revenue",
                    patch.expected_revenue,
                    &mut c.expected_revenue,
                ),
            ] {
                if value.is_some() {
                    let v = money(field, value)?;
                    if v != *target {
                        *target = v;
                        fields.push(field);
                    }
                }
            }
            if let Some(statuses) = &patch.member_statuses {
                let statuses = check_statuses(statuses)?;
                let labels: HashSet<&str> = statuses.iter().map(|s| s.label.as_str()).collect();
                let members = members_of(cx.tx, id)?;
                if let Some(m) = members.iter().find(|m| !labels.contains(m.status.as_str())) {
                    let n = members.iter().filter(|o| o.status == m.status).count();
                    return Err(CrmError::InvalidState {
                        reason: format!(
                            "member status {:?} is in use by {n} member(s) and cannot be removed",
                            m.status
                        ),
                    });
                }
                if statuses != c.member_statuses {
                    c.member_statuses = statuses;
                    fields.push("member_statuses");
                }
            }
            if fields.is_empty() {
                return Ok(c);
            }
            c.updated_at = cx.now;
            c.version += 1;
            save_campaign(cx.tx, &c)?;
            cx.emit(
                EventKind::CampaignUpdated {
                    campaign_id: c.id.clone(),
                    fields: fields.iter().map(|f| f.to_string()).collect(),
                },
                format!("campaign {:?} changed", c.name),
            )?;
            Ok(c)
        })
    }

    /// Adds members (all or none are checked against the actor's scope); those opted out of the
    /// campaign's channel and those already members are reported, not added.
    pub fn add_campaign_members(
        &self,
        actor: &str,
        campaign_id: &str,
        members: &[MemberRef],
    ) -> Result<MembersAdded> {
        limits::count("members", members.len(), limits::BATCH)?;
        for m in members {
            limits::text("members.id", &m.id, ID)?;
        }
        self.act(actor, |cx| add_members(cx, campaign_id, members))
    }

    /// The members of a campaign the actor may see (their customer or lead is in scope).
    pub fn campaign_members(&self, actor: &str, campaign_id: &str) -> Result<Vec<CampaignMember>> {
        self.look(actor, |cx| {
            let _: Campaign = load(cx.tx, DocKind::Campaign, campaign_id)?;
            let mut out = Vec::new();
            for m in members_of(cx.tx, campaign_id)? {
                if member_in_scope(cx, &m)? {
                    out.push(m);
                }
            }
            Ok(out)
        })
    }

    /// Moves a member to another status of its campaign; the first responded status sets
    /// `first_responded_at`, once (responses after the end date count too).
    pub fn set_member_status(
        &self,
        actor: &str,
        member_id: &str,
        expected_version: u64,
        status: &str,
    ) -> Result<CampaignMember> {
        limits::text("status", status, limits::CODE)?;
        self.act(actor, |cx| {
            let mut m: CampaignMember = load(cx.tx, DocKind::CampaignMember, member_id)?;
            if !member_in_scope(cx, &m)? {
                return Err(CrmError::OutOfScope {
                    actor: cx.actor.id.clone(),
                    kind: EntityKind::CampaignMember,
                    id: member_id.to_string(),
                });
            }
            check_expected(
                EntityKind::CampaignMember,
                member_id,
                expected_version,
                m.version,
            )?;
            let c: Campaign = load(cx.tx, DocKind::Campaign, &m.campaign_id)?;
            let label = status.trim();
            let Some(s) = c.status_of(label) else {
                return Err(CrmError::invalid(
                    "status",
                    format!(
                        "must be one of {} (got {label:?})",
                        c.member_statuses
                            .iter()
                            .map(|s| s.label.as_str())
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                ));
            };
            if s.label == m.status {
                return Ok(m);
            }
            if s.responded && m.first_responded_at.is_none() {
                m.first_responded_at = Some(cx.now);
            }
            let from = std::mem::replace(&mut m.status, s.label.clone());
            m.updated_at = cx.now;
            m.version += 1;
            save_member(cx.tx, &m)?;
            cx.emit(
                EventKind::CampaignMemberStatusChanged {
                    campaign_id: m.campaign_id.clone(),
                    member_id: m.id.clone(),
                    from_status: from,
                    to_status: m.status.clone(),
                },
                "member status changed",
            )?;
            Ok(m)
        })
    }

    /// Saves criteria under a name, to be evaluated whenever used. Managers and admins.
    pub fn save_audience(
        &self,
        actor: &str,
        name: &str,
        criteria: AudienceCriteria,
    ) -> Result<Audience> {
        limits::text("name", name, NAME)?;
        super::audiences::check_criteria(&criteria)?;
        self.act(actor, |cx| {
            require_marketer(cx, "save audiences")?;
            let audience = Audience {
                id: cx.new_id("au")?,
                name: non_empty("name", name)?,
                criteria: criteria.clone(),
                created_by: cx.actor.id.clone(),
                created_at: cx.now,
                version: 1,
            };
            cx.tx.put_doc(Doc::new(
                DocKind::Audience,
                &audience.id,
                None,
                1,
                &audience,
            )?)?;
            cx.emit(
                EventKind::AudienceSaved {
                    audience_id: audience.id.clone(),
                },
                format!("audience {:?} saved", audience.name),
            )?;
            Ok(audience)
        })
    }

    pub fn audiences(&self, actor: &str) -> Result<Vec<Audience>> {
        self.look(actor, |cx| {
            let mut all: Vec<Audience> = cx
                .tx
                .docs(DocKind::Audience, None)?
                .iter()
                .map(Doc::decode)
                .collect::<Result<_>>()?;
            all.sort_by(|a, b| crate::ids::record_order(&a.id, &b.id));
            Ok(all)
        })
    }

    /// How many the criteria reach now in the actor's scope, with the first `sample` of them
    /// (default 10).
    pub fn preview_audience(
        &self,
        actor: &str,
        criteria: AudienceCriteria,
        sample: Option<u32>,
    ) -> Result<AudiencePreview> {
        super::audiences::check_criteria(&criteria)?;
        let sample = sample.unwrap_or(10).min(1_000) as usize;
        self.look(actor, |cx| super::audiences::preview(cx, &criteria, sample))
    }

    /// Adds everyone a saved audience reaches now, as `add_campaign_members` does.
    pub fn add_audience_members(
        &self,
        actor: &str,
        campaign_id: &str,
        audience_id: &str,
    ) -> Result<MembersAdded> {
        self.act(actor, |cx| {
            let audience: Audience = load(cx.tx, DocKind::Audience, audience_id)?;
            let refs = super::audiences::evaluate(cx, &audience.criteria)?;
            add_members(cx, campaign_id, &refs)
        })
    }
}

pub(super) fn all_campaigns(tx: &mut dyn Tx) -> Result<Vec<Campaign>> {
    let mut all: Vec<Campaign> = tx
        .docs(DocKind::Campaign, None)?
        .iter()
        .map(Doc::decode)
        .collect::<Result<_>>()?;
    all.sort_by(|a, b| crate::ids::record_order(&a.id, &b.id));
    Ok(all)
}

fn member_in_scope(cx: &mut Ctx<'_>, m: &CampaignMember) -> Result<bool> {
    if cx.actor.role == Role::Admin {
        return Ok(true);
    }
    match (&m.customer_id, m.kind) {
        (Some(c), _) => match cx.tx.customer(c)? {
            Some(c) => cx.in_scope(&c),
            None => Ok(false),
        },
        (None, MemberKind::Lead) => match cx.tx.doc(DocKind::Lead, &m.member_id)? {
            Some(d) => cx.covers_owner(d.decode::<Lead>()?.owner_id.as_deref()),
            None => Ok(false),
        },
        (None, _) => Ok(false),
    }
}

/// What a member reference names: its customer (if any) and the channels it opted out of.
fn resolve(
    cx: &mut Ctx<'_>,
    r: &MemberRef,
) -> Result<(Option<String>, Vec<crate::campaign::ConsentChannel>)> {
    match r.kind {
        MemberKind::Customer => {
            let c = cx.customer(&r.id)?;
            Ok((Some(c.id), c.opt_outs))
        }
        MemberKind::Contact => {
            let contact = cx
                .tx
                .contact(&r.id)?
                .ok_or_else(|| CrmError::not_found(EntityKind::Contact, &r.id))?;
            let customer = cx.customer(&contact.customer_id).map_err(|e| match e {
                CrmError::OutOfScope { actor, .. } => CrmError::OutOfScope {
                    actor,
                    kind: EntityKind::Contact,
                    id: r.id.clone(),
                },
                other => other,
            })?;
            // A contact is reached on its own details, but a customer-wide opt-out holds too.
            let mut opt_outs = contact.opt_outs;
            opt_outs.extend(customer.opt_outs);
            Ok((Some(customer.id), crate::campaign::channels(opt_outs)))
        }
        MemberKind::Lead => {
            let lead = super::leads::scoped_lead(cx, &r.id)?;
            Ok((lead.customer_id, Vec::new()))
        }
    }
}

fn add_members(cx: &mut Ctx<'_>, campaign_id: &str, refs: &[MemberRef]) -> Result<MembersAdded> {
    require_marketer(cx, "add campaign members")?;
    let c: Campaign = load(cx.tx, DocKind::Campaign, campaign_id)?;
    if matches!(
        c.status,
        CampaignStatus::Completed | CampaignStatus::Aborted
    ) {
        return Err(CrmError::InvalidState {
            reason: format!(
                "campaign {campaign_id} is {:?}: it takes no new members",
                c.status
            )
            .to_lowercase(),
        });
    }
    let mut present: HashSet<(MemberKind, String)> = members_of(cx.tx, campaign_id)?
        .into_iter()
        .map(|m| (m.kind, m.member_id))
        .collect();
    let default = c.default_status().clone();
    let mut out = MembersAdded {
        added: Vec::new(),
        excluded: Vec::new(),
    };
    for r in refs {
        let (customer_id, opt_outs) = resolve(cx, r)?;
        let excluded = |reason: &str| MemberExclusion {
            kind: r.kind,
            id: r.id.clone(),
            reason: reason.to_string(),
        };
        if c.channel.is_some_and(|ch| opt_outs.contains(&ch)) {
            out.excluded.push(excluded("opted_out"));
            continue;
        }
        if !present.insert((r.kind, r.id.clone())) {
            out.excluded.push(excluded("already_member"));
            continue;
        }
        let m = CampaignMember {
            id: cx.new_id("cm")?,
            campaign_id: c.id.clone(),
            kind: r.kind,
            member_id: r.id.clone(),
            customer_id,
            status: default.label.clone(),
            added_at: cx.now,
            // Joining in a responded status (an event's `registered`) is the first response.
            first_responded_at: default.responded.then_some(cx.now),
            updated_at: cx.now,
            version: 1,
        };
        save_member(cx.tx, &m)?;
        out.added.push(m);
    }
    if !out.added.is_empty() {
        cx.emit(
            EventKind::CampaignMembersAdded {
                campaign_id: c.id.clone(),
                count: out.added.len() as u64,
            },
            format!(
                "{} member(s) added, {} excluded",
                out.added.len(),
                out.excluded.len()
            ),
        )?;
    }
    Ok(out)
}
