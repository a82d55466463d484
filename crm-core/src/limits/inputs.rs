//! The bounds of [`super`] applied to each input record, in one place: the service layer checks an
//! input before it reads the store, so a refused call costs little and changes nothing.

use super::*;
use crate::access::NewUser;
use crate::allocation::{AllocationRule, AllocationStrategy, NewAllocator, RuleTarget};
use crate::contract::{NewContract, NewPayment};
use crate::customer::{
    CustomerPatch, DuplicateProbe, FieldValue, NewContact, NewCustomer, NewFollowUp,
};
use crate::desk::{
    NewArticle, NewCsat, NewTicket, NewTicketComment, ServiceDeskPatch, TicketPatch,
};
use crate::lead::NewLead;
use crate::opportunity::{NewOpportunity, OpportunityPatch};
use crate::pipeline::Pipeline;
use crate::pool::{ClaimPolicy, LockPolicy, NewPool, PoolRules, PoolRulesPatch, RecycleRule};
use crate::settings::SettingsPatch;

/// An input whose texts, lists and numbers lie within the bounds.
pub trait Bounded {
    fn check_bounds(&self) -> Result<()>;
}

fn field_text(v: &FieldValue) -> Option<&str> {
    match v {
        FieldValue::Text(t) => Some(t),
        _ => None,
    }
}

fn contact_points(phones: &[String], emails: &[String]) -> Result<()> {
    texts("phones", phones, CONTACT_POINTS, PHONE)?;
    texts("emails", emails, CONTACT_POINTS, EMAIL)
}

/// Days of a pool rule, a lock or a lock policy.
pub fn days(field: &str, value: u32) -> Result<()> {
    at_most(field, u64::from(value), u64::from(DAYS))
}

impl Bounded for NewUser {
    fn check_bounds(&self) -> Result<()> {
        text("name", &self.name, NAME)?;
        opt_text("team_id", self.team_id.as_deref(), ID)
    }
}

/// The classification codes customers and leads share: level, source, industry, region.
fn classification(
    level: &Option<String>,
    source: &Option<String>,
    industry: &Option<String>,
    region: &Option<String>,
) -> Result<()> {
    for (f, v) in [
        ("level", level),
        ("source", source),
        ("industry", industry),
        ("region", region),
    ] {
        opt_text(f, v.as_deref(), CODE)?;
    }
    Ok(())
}

impl Bounded for NewCustomer {
    fn check_bounds(&self) -> Result<()> {
        text("name", &self.name, NAME)?;
        classification(&self.level, &self.source, &self.industry, &self.region)?;
        texts("tags", &self.tags, TAGS, CODE)?;
        contact_points(&self.phones, &self.emails)?;
        opt_text("owner_id", self.owner_id.as_deref(), ID)?;
        opt_text("pool_id", self.pool_id.as_deref(), ID)?;
        field_map("custom_fields", &self.custom_fields, field_text)
    }
}

impl Bounded for CustomerPatch {
    fn check_bounds(&self) -> Result<()> {
        opt_text("name", self.name.as_deref(), NAME)?;
        classification(&self.level, &self.source, &self.industry, &self.region)?;
        texts("add_tags", &self.add_tags, TAGS, CODE)?;
        texts("remove_tags", &self.remove_tags, TAGS, CODE)?;
        texts(
            "phones",
            self.phones.iter().flatten(),
            CONTACT_POINTS,
            PHONE,
        )?;
        texts(
            "emails",
            self.emails.iter().flatten(),
            CONTACT_POINTS,
            EMAIL,
        )?;
        field_map("custom_fields", &self.custom_fields, |v| {
            v.as_ref().and_then(field_text)
        })
    }
}

impl Bounded for NewContact {
    fn check_bounds(&self) -> Result<()> {
        text("name", &self.name, NAME)?;
        opt_text("role", self.role.as_deref(), CODE)?;
        contact_points(&self.phones, &self.emails)
    }
}

impl Bounded for NewFollowUp {
    fn check_bounds(&self) -> Result<()> {
        text("note", &self.note, NOTE)
    }
}

impl Bounded for DuplicateProbe {
    fn check_bounds(&self) -> Result<()> {
        opt_text("name", self.name.as_deref(), NAME)?;
        contact_points(&self.phones, &self.emails)
    }
}

impl Bounded for RecycleRule {
    fn check_bounds(&self) -> Result<()> {
        days("days", self.days)?;
        for (level, d) in &self.days_by_level {
            text("days_by_level", level, CODE)?;
            days(&format!("days_by_level.{level}"), *d)?;
        }
        Ok(())
    }
}

impl Bounded for PoolRules {
    fn check_bounds(&self) -> Result<()> {
        days("cool_down_days", self.cool_down_days)?;
        at_most("waiting_hours", self.waiting_hours.into(), HOURS.into())?;
        days("warn_days", self.warn_days)?;
        count("recycle", self.recycle.len(), CODE)?;
        self.recycle.iter().try_for_each(Bounded::check_bounds)
    }
}

impl Bounded for PoolRulesPatch {
    fn check_bounds(&self) -> Result<()> {
        self.cool_down_days
            .map_or(Ok(()), |d| days("cool_down_days", d))?;
        self.waiting_hours
            .map_or(Ok(()), |h| at_most("waiting_hours", h.into(), HOURS.into()))?;
        self.warn_days.map_or(Ok(()), |d| days("warn_days", d))?;
        if let Some(rules) = &self.recycle {
            count("recycle", rules.len(), CODE)?;
            rules.iter().try_for_each(Bounded::check_bounds)?;
        }
        Ok(())
    }
}

impl Bounded for NewPool {
    fn check_bounds(&self) -> Result<()> {
        text("name", &self.name, NAME)?;
        texts("member_ids", &self.member_ids, BATCH, ID)?;
        texts("member_team_ids", &self.member_team_ids, BATCH, ID)?;
        texts("admin_ids", &self.admin_ids, BATCH, ID)?;
        self.rules.check_bounds()
    }
}

impl Bounded for ClaimPolicy {
    fn check_bounds(&self) -> Result<()> {
        count("claims.caps", self.caps.len(), CODE)
    }
}

impl Bounded for LockPolicy {
    fn check_bounds(&self) -> Result<()> {
        self.max_days.map_or(Ok(()), |d| days("locks.max_days", d))
    }
}

impl Bounded for SettingsPatch {
    fn check_bounds(&self) -> Result<()> {
        opt_text("timezone", self.timezone.as_deref(), CODE)?;
        opt_text("default_pool_id", self.default_pool_id.as_deref(), ID)?;
        self.claims.as_ref().map_or(Ok(()), Bounded::check_bounds)?;
        self.locks.as_ref().map_or(Ok(()), Bounded::check_bounds)
    }
}

fn strategy(s: &AllocationStrategy) -> Result<()> {
    if let AllocationStrategy::Rules { rules, default } = s {
        count("strategy.rules", rules.len(), CODE)?;
        for AllocationRule {
            name,
            conditions,
            target,
        } in rules
        {
            text("strategy.rules.name", name, NAME)?;
            count("strategy.rules.conditions", conditions.len(), CODE)?;
            for c in conditions {
                text("strategy.rules.conditions.field", &c.field, CODE)?;
                texts("strategy.rules.conditions.one_of", &c.one_of, BATCH, CODE)?;
            }
            rule_target(target)?;
        }
        rule_target(default)?;
    }
    Ok(())
}

fn rule_target(t: &RuleTarget) -> Result<()> {
    match t {
        RuleTarget::Reps {
            rep_ids,
            strategy: s,
        } => {
            texts("rep_ids", rep_ids, BATCH, ID)?;
            strategy(s)
        }
        RuleTarget::Pool { pool_id } => text("pool_id", pool_id, ID),
    }
}

impl Bounded for NewAllocator {
    fn check_bounds(&self) -> Result<()> {
        text("name", &self.name, NAME)?;
        count("reps", self.reps.len(), BATCH)?;
        for r in &self.reps {
            text("reps.rep_id", &r.rep_id, ID)?;
        }
        strategy(&self.strategy)
    }
}

impl Bounded for NewLead {
    fn check_bounds(&self) -> Result<()> {
        text("name", &self.name, NAME)?;
        classification(&self.level, &self.source, &self.industry, &self.region)?;
        contact_points(&self.phones, &self.emails)?;
        opt_text("owner_id", self.owner_id.as_deref(), ID)?;
        field_map("custom_fields", &self.custom_fields, field_text)
    }
}

impl Bounded for NewOpportunity {
    fn check_bounds(&self) -> Result<()> {
        text("name", &self.name, NAME)?;
        amount("amount", self.amount)?;
        opt_text("pipeline_id", self.pipeline_id.as_deref(), ID)?;
        opt_text("stage", self.stage.as_deref(), CODE)?;
        field_map("fields", &self.fields, |v| Some(v.as_str()))
    }
}

impl Bounded for OpportunityPatch {
    fn check_bounds(&self) -> Result<()> {
        opt_text("name", self.name.as_deref(), NAME)?;
        self.amount.map_or(Ok(()), |a| amount("amount", a))?;
        field_map("fields", &self.fields, |v| Some(v.as_str()))
    }
}

impl Bounded for Pipeline {
    fn check_bounds(&self) -> Result<()> {
        text("id", &self.id, ID)?;
        text("name", &self.name, NAME)?;
        count("stages", self.stages.len(), STAGES)?;
        for s in &self.stages {
            text("stages.key", &s.key, CODE)?;
            text("stages.name", &s.name, NAME)?;
            texts("stages.required_fields", &s.required_fields, FIELDS, CODE)?;
            s.rot_days.map_or(Ok(()), |d| days("stages.rot_days", d))?;
        }
        count("transitions", self.transitions.len(), STAGES * STAGES)?;
        texts("lost_reasons", &self.lost_reasons, FIELDS, CODE)
    }
}

impl Bounded for NewContract {
    fn check_bounds(&self) -> Result<()> {
        self.amount.map_or(Ok(()), |a| amount("amount", a))?;
        count("instalments", self.instalments.len(), INSTALMENTS)?;
        for (i, p) in self.instalments.iter().enumerate() {
            amount(&format!("instalments[{i}].amount"), p.amount)?;
        }
        Ok(())
    }
}

impl Bounded for NewPayment {
    fn check_bounds(&self) -> Result<()> {
        amount("amount", self.amount)?;
        opt_text("note", self.note.as_deref(), NOTE)
    }
}

impl Bounded for NewTicket {
    fn check_bounds(&self) -> Result<()> {
        text("customer_id", &self.customer_id, ID)?;
        opt_text("contact_id", self.contact_id.as_deref(), ID)?;
        text("subject", &self.subject, NAME)?;
        text("description", &self.description, NOTE)?;
        opt_text("kind", self.kind.as_deref(), NAME)?;
        texts("tags", &self.tags, TAGS, CODE)?;
        opt_text("assignee_id", self.assignee_id.as_deref(), ID)?;
        opt_text("group_id", self.group_id.as_deref(), ID)?;
        field_map("custom_fields", &self.custom_fields, field_text)
    }
}

impl Bounded for TicketPatch {
    fn check_bounds(&self) -> Result<()> {
        opt_text("subject", self.subject.as_deref(), NAME)?;
        opt_text("description", self.description.as_deref(), NOTE)?;
        opt_text("kind", self.kind.as_deref(), NAME)?;
        texts("tags", self.tags.iter().flatten(), TAGS, CODE)?;
        field_map("custom_fields", &self.custom_fields, |v| {
            v.as_ref().and_then(field_text)
        })
    }
}

impl Bounded for NewTicketComment {
    fn check_bounds(&self) -> Result<()> {
        text("body", &self.body, NOTE)?;
        opt_text("status", self.status.as_deref(), CODE)
    }
}

impl Bounded for NewCsat {
    fn check_bounds(&self) -> Result<()> {
        opt_text("reason", self.reason.as_deref(), NAME)?;
        opt_text("comment", self.comment.as_deref(), NOTE)
    }
}

impl Bounded for NewArticle {
    fn check_bounds(&self) -> Result<()> {
        text("title", &self.title, NAME)?;
        text("body", &self.body, NOTE)?;
        opt_text("category", self.category.as_deref(), NAME)
    }
}

impl Bounded for ServiceDeskPatch {
    fn check_bounds(&self) -> Result<()> {
        for s in self.statuses.iter().flatten() {
            text("statuses.name", &s.name, CODE)?;
        }
        if let Some(d) = self.grace_days {
            days("grace_days", d)?;
        }
        texts(
            "csat_reasons",
            self.csat_reasons.iter().flatten(),
            100,
            NAME,
        )
    }
}

impl Bounded for crate::import::ImportMapping {
    fn check_bounds(&self) -> Result<()> {
        count("columns", self.columns.len(), crate::import::MAX_COLUMNS)?;
        for (column, target) in &self.columns {
            text("columns", column, NAME)?;
            text("columns", target, NAME)?;
        }
        opt_text("default_region", self.default_region.as_deref(), 8)
    }
}
