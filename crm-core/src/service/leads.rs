//! Leads: capture with a duplicate check, allocation through a stored allocator (one transaction
//! per batch), conversion into a customer and optionally an opportunity.

use super::customers::{
    cleaned, duplicates_on_entry, enter_customer, validated_emails, validated_phones,
};
use super::pools::load_pool;
use super::{load, non_empty, Crm, Ctx};
use crate::access::Role;
use crate::allocation::{
    allocate, AllocationStrategy, Allocator, LeadAllocation, NewAllocator, Placement, RepLoad,
    RepUsage, RuleTarget,
};
use crate::customer::{CustomerKind, NewCustomer};
use crate::error::{CrmError, EntityKind, Result};
use crate::event::EventKind;
use crate::lead::{Lead, LeadCaptured, LeadConversion, LeadStatus, NewLead};
use crate::limits::Bounded;
use crate::opportunity::NewOpportunity;
use crate::store::{Doc, DocKind, Tx};
use std::collections::BTreeSet;

pub(super) fn save_lead(tx: &mut dyn Tx, lead: &Lead) -> Result<()> {
    tx.put_doc(Doc::new(
        DocKind::Lead,
        &lead.id,
        lead.owner_id.as_deref(),
        lead.version,
        lead,
    )?)
}

/// Every rep a strategy can name must be one of the allocator's reps; every pool must exist.
fn check_strategy(
    tx: &mut dyn Tx,
    strategy: &AllocationStrategy,
    reps: &BTreeSet<String>,
) -> Result<()> {
    if let AllocationStrategy::Rules { rules, default } = strategy {
        for target in rules.iter().map(|r| &r.target).chain([default]) {
            match target {
                RuleTarget::Pool { pool_id } => {
                    load_pool(tx, pool_id)?;
                }
                RuleTarget::Reps { rep_ids, strategy } => {
                    if let Some(missing) = rep_ids.iter().find(|r| !reps.contains(*r)) {
                        return Err(CrmError::invalid(
                            "strategy",
                            format!("rule target rep {missing} is not one of the allocator's reps"),
                        ));
                    }
                    if matches!(**strategy, AllocationStrategy::Rules { .. }) {
                        return Err(CrmError::invalid("strategy", "rules cannot nest rules"));
                    }
                }
            }
        }
    }
    Ok(())
}

impl Crm {
    pub fn create_allocator(&self, actor: &str, new: NewAllocator) -> Result<Allocator> {
        new.check_bounds()?;
        self.act(actor, |cx| {
            cx.require_admin("create allocators")?;
            let name = non_empty("name", &new.name)?;
            let mut ids = BTreeSet::new();
            for rep in &new.reps {
                cx.user(&rep.rep_id)?;
                if !ids.insert(rep.rep_id.clone()) {
                    return Err(CrmError::invalid(
                        "reps",
                        format!("rep {} is listed twice", rep.rep_id),
                    ));
                }
            }
            if ids.is_empty() && !matches!(new.strategy, AllocationStrategy::Rules { .. }) {
                return Err(CrmError::invalid("reps", "must not be empty"));
            }
            check_strategy(cx.tx, &new.strategy, &ids)?;
            let allocator = Allocator {
                id: cx.new_id("al")?,
                name,
                strategy: new.strategy,
                reps: new.reps,
                state: Default::default(),
                usage: Default::default(),
                version: 1,
            };
            cx.tx.put_doc(Doc::new(
                DocKind::Allocator,
                &allocator.id,
                None,
                1,
                &allocator,
            )?)?;
            cx.emit(
                EventKind::AllocatorCreated {
                    allocator_id: allocator.id.clone(),
                },
                format!("allocator {:?} created", allocator.name),
            )?;
            Ok(allocator)
        })
    }

    pub fn allocators(&self, actor: &str) -> Result<Vec<Allocator>> {
        self.look(actor, |cx| {
            if cx.actor.role == Role::Rep {
                return Err(cx.denied("see allocators"));
            }
            cx.tx
                .docs(DocKind::Allocator, None)?
                .iter()
                .map(Doc::decode)
                .collect()
        })
    }

    pub fn capture_lead(&self, actor: &str, new: NewLead) -> Result<LeadCaptured> {
        new.check_bounds()?;
        self.act(actor, |cx| enter_lead(cx, new))
    }

    pub fn lead(&self, actor: &str, id: &str) -> Result<Lead> {
        self.look(actor, |cx| scoped_lead(cx, id))
    }

    /// Open and converted leads the actor's scope covers (unowned ones: administrators), in id order.
    pub fn leads(&self, actor: &str) -> Result<Vec<Lead>> {
        self.look(actor, |cx| {
            let mut out = Vec::new();
            for doc in cx.tx.docs(DocKind::Lead, None)? {
                let lead: Lead = doc.decode()?;
                if cx.covers_owner(lead.owner_id.as_deref())? {
                    out.push(lead);
                }
            }
            Ok(out)
        })
    }

    /// Places the leads with the allocator's strategy, all or none, in one transaction.
    pub fn allocate_leads(
        &self,
        actor: &str,
        allocator_id: &str,
        lead_ids: &[String],
        reassign_owned: bool,
    ) -> Result<Vec<LeadAllocation>> {
        crate::limits::count("lead_ids", lead_ids.len(), crate::limits::BATCH)?;
        if lead_ids.is_empty() {
            return Err(CrmError::invalid("lead_ids", "must not be empty"));
        }
        if lead_ids.iter().collect::<BTreeSet<_>>().len() != lead_ids.len() {
            return Err(CrmError::invalid("lead_ids", "lists a lead twice"));
        }
        self.act(actor, |cx| {
            if cx.actor.role == Role::Rep {
                return Err(cx.denied("allocate leads"));
            }
            let mut allocator: Allocator = load(cx.tx, DocKind::Allocator, allocator_id)?;
            let today = cx
                .now
                .with_timezone(&cx.tx.settings()?.unwrap_or_default().tz()?)
                .date_naive();
            let mut reps = Vec::with_capacity(allocator.reps.len());
            for r in &allocator.reps {
                let user = cx.managed_user(&r.rep_id)?;
                let usage = allocator.usage.get(&r.rep_id).copied();
                let open = cx
                    .tx
                    .docs(DocKind::Lead, Some(&r.rep_id))?
                    .iter()
                    .map(Doc::decode::<Lead>)
                    .filter(|l| l.as_ref().map_or(true, |l| l.status == LeadStatus::Open))
                    .count() as u64;
                reps.push(RepLoad {
                    rep_id: r.rep_id.clone(),
                    active: user.active,
                    weight: r.weight,
                    open,
                    daily_cap: r.daily_cap,
                    total_cap: r.total_cap,
                    used_today: usage.filter(|u| u.day == today).map_or(0, |u| u.today),
                    used_total: usage.map_or(0, |u| u.total),
                });
            }
            let mut leads = Vec::with_capacity(lead_ids.len());
            for id in lead_ids {
                let lead: Lead = load(cx.tx, DocKind::Lead, id)?;
                if lead.status != LeadStatus::Open {
                    return Err(CrmError::InvalidState {
                        reason: format!("lead {id} was already converted"),
                    });
                }
                leads.push(lead);
            }
            let views: Vec<_> = leads.iter().map(Lead::view).collect();
            let mut state = allocator.state.clone();
            let placed = allocate(
                &allocator.strategy,
                &mut reps,
                &mut state,
                &views,
                reassign_owned,
            )?;
            for (mut lead, a) in leads.into_iter().zip(&placed) {
                let from = lead.owner_id.clone();
                match &a.placement {
                    Placement::Kept { .. } => continue,
                    Placement::Rep { rep_id } => {
                        lead.owner_id = Some(rep_id.clone());
                        lead.pool_id = None;
                    }
                    Placement::Pool { pool_id } => {
                        load_pool(cx.tx, pool_id)?;
                        lead.owner_id = None;
                        lead.pool_id = Some(pool_id.clone());
                    }
                }
                lead.updated_at = cx.now;
                lead.version += 1;
                save_lead(cx.tx, &lead)?;
                cx.emit(
                    EventKind::LeadAllocated {
                        lead_id: lead.id.clone(),
                        from_owner_id: from,
                        to_owner_id: lead.owner_id.clone(),
                        pool_id: lead.pool_id.clone(),
                    },
                    format!("allocator {}: {}", allocator.id, a.reason),
                )?;
            }
            if placed
                .iter()
                .all(|a| matches!(a.placement, Placement::Kept { .. }))
            {
                return Ok(placed);
            }
            for r in &reps {
                allocator.usage.insert(
                    r.rep_id.clone(),
                    RepUsage {
                        day: today,
                        today: r.used_today,
                        total: r.used_total,
                    },
                );
            }
            allocator.state = state;
            allocator.version += 1;
            cx.tx.put_doc(Doc::new(
                DocKind::Allocator,
                &allocator.id,
                None,
                allocator.version,
                &allocator,
            )?)?;
            Ok(placed)
        })
    }

    /// Turns an open lead into a customer owned by the lead's owner (or the actor), and
    /// optionally an opportunity, in one transaction.
    pub fn convert_lead(
        &self,
        actor: &str,
        lead_id: &str,
        opportunity: Option<NewOpportunity>,
    ) -> Result<LeadConversion> {
        opportunity.as_ref().map_or(Ok(()), Bounded::check_bounds)?;
        self.act(actor, |cx| {
            let mut lead = scoped_lead(cx, lead_id)?;
            if lead.status != LeadStatus::Open {
                return Err(CrmError::InvalidState {
                    reason: format!("lead {lead_id} was already converted"),
                });
            }
            let owner = match &lead.owner_id {
                Some(id) => cx.user(id)?,
                None => cx.actor.clone(),
            };
            let new = NewCustomer {
                name: lead.name.clone(),
                kind: Some(lead.kind),
                level: lead.level.clone(),
                tags: Vec::new(),
                source: lead.source.clone(),
                industry: lead.industry.clone(),
                region: lead.region.clone(),
                phones: lead.phones.clone(),
                emails: lead.emails.clone(),
                owner_id: Some(owner.id.clone()),
                pool_id: None,
                custom_fields: lead.custom_fields.clone(),
                opt_outs: Vec::new(),
                campaign_id: lead.campaign_id.clone(),
            };
            let created = enter_customer(cx, new, Some(owner))?;
            let mut customer = created.customer;
            let opportunity = match opportunity {
                Some(new) => Some(super::opportunities::open_opportunity(
                    cx,
                    &mut customer,
                    new,
                )?),
                None => None,
            };
            lead.status = LeadStatus::Converted;
            lead.customer_id = Some(customer.id.clone());
            lead.updated_at = cx.now;
            lead.version += 1;
            save_lead(cx.tx, &lead)?;
            cx.emit(
                EventKind::LeadConverted {
                    lead_id: lead.id.clone(),
                    customer_id: customer.id.clone(),
                    opportunity_id: opportunity.as_ref().map(|o| o.id.clone()),
                },
                "lead converted",
            )?;
            Ok(LeadConversion {
                lead,
                customer,
                duplicates: created.duplicates,
                opportunity,
            })
        })
    }
}

/// A lead the actor may see and change.
pub(super) fn scoped_lead(cx: &mut Ctx<'_>, id: &str) -> Result<Lead> {
    let lead: Lead = load(cx.tx, DocKind::Lead, id)?;
    if cx.covers_owner(lead.owner_id.as_deref())? {
        Ok(lead)
    } else {
        Err(CrmError::OutOfScope {
            actor: cx.actor.id.clone(),
            kind: EntityKind::Lead,
            id: id.to_string(),
        })
    }
}

/// Captures a lead: validated, owned by a rep the actor manages (or waiting for allocation),
/// checked for duplicates by the organisation's policy.
pub(super) fn enter_lead(cx: &mut Ctx<'_>, new: NewLead) -> Result<LeadCaptured> {
    let name = non_empty("name", &new.name)?;
    let phones = validated_phones(&new.phones)?;
    let emails = validated_emails(&new.emails)?;
    let owner = match &new.owner_id {
        Some(id) => {
            let u = cx.managed_user(id)?;
            if !u.active {
                return Err(CrmError::InactiveUser { id: u.id });
            }
            Some(u.id)
        }
        None => None,
    };
    let duplicates = duplicates_on_entry(cx, &name, &phones, &emails)?;
    let lead = Lead {
        id: cx.new_id("l")?,
        name,
        kind: new.kind.unwrap_or(CustomerKind::Company),
        phones,
        emails,
        source: cleaned(new.source),
        region: cleaned(new.region),
        industry: cleaned(new.industry),
        level: cleaned(new.level),
        custom_fields: new.custom_fields,
        weight: new.weight.unwrap_or(1).max(1),
        owner_id: owner,
        pool_id: None,
        status: LeadStatus::Open,
        customer_id: None,
        campaign_id: super::campaigns::existing_campaign(cx, new.campaign_id.clone())?,
        created_at: cx.now,
        updated_at: cx.now,
        version: 1,
    };
    save_lead(cx.tx, &lead)?;
    let why = if duplicates.is_empty() {
        "lead captured".to_string()
    } else {
        format!(
            "lead captured despite {} possible duplicate(s)",
            duplicates.len()
        )
    };
    cx.emit(
        EventKind::LeadCaptured {
            lead_id: lead.id.clone(),
        },
        why,
    )?;
    Ok(LeadCaptured { lead, duplicates })
}
