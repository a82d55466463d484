//! Opportunities moving through pipelines: creation with the first stage's guards, transitions
//! (every one an event with the stage history kept), figure changes, activity that resets the
//! rotting clock, and the pipeline reports over the opportunities in the actor's scope.

use super::customers::cleaned;
use super::{check_expected, non_empty, scoped_doc, scoped_docs, Crm, Ctx};
use crate::customer::{Customer, CustomerStatus, DealStatus};
use crate::error::{CrmError, EntityKind, Result};
use crate::event::EventKind;
use crate::limits::Bounded;
use crate::opportunity::{
    NewOpportunity, Opportunity, OpportunityPatch, OpportunityStatus, StageEntry,
};
use crate::performance::PeriodKind;
use crate::pipeline::{
    self, check_move, missing_fields, ForecastRow, Pipeline, Rotting, StageConversion, StageKind,
    StageMove, StageTime, Velocity, DEFAULT_PIPELINE,
};
use crate::store::{Doc, DocKind, Tx};
use chrono::{DateTime, Utc};
use rust_decimal::Decimal;

pub(super) fn save_opportunity(tx: &mut dyn Tx, o: &Opportunity) -> Result<()> {
    tx.put_doc(Doc::new(
        DocKind::Opportunity,
        &o.id,
        Some(&o.customer_id),
        o.version,
        o,
    )?)
}

/// A stored pipeline; `default` is the standard one until the organisation stores its own.
pub(super) fn load_pipeline(tx: &mut dyn Tx, id: &str) -> Result<Pipeline> {
    match tx.doc(DocKind::Pipeline, id)? {
        Some(doc) => doc.decode(),
        None if id == DEFAULT_PIPELINE => Ok(Pipeline::standard()),
        None => Err(CrmError::not_found(EntityKind::Pipeline, id)),
    }
}

fn all_pipelines(tx: &mut dyn Tx) -> Result<Vec<Pipeline>> {
    let mut list: Vec<Pipeline> = tx
        .docs(DocKind::Pipeline, None)?
        .iter()
        .map(Doc::decode)
        .collect::<Result<_>>()?;
    if !list.iter().any(|p| p.id == DEFAULT_PIPELINE) {
        list.insert(0, Pipeline::standard());
    }
    Ok(list)
}

fn check_amount(amount: Decimal) -> Result<()> {
    if amount.is_sign_negative() {
        return Err(CrmError::invalid("amount", "must not be negative"));
    }
    Ok(())
}

fn check_probability(p: Option<Decimal>) -> Result<()> {
    if p.is_some_and(|p| p < Decimal::ZERO || p > Decimal::ONE_HUNDRED) {
        return Err(CrmError::invalid(
            "probability_override",
            "must lie between 0 and 100",
        ));
    }
    Ok(())
}

/// Ends the current history entry at `now` and starts one describing `o` as it is now.
fn record_stay(o: &mut Opportunity, p: &Pipeline, now: DateTime<Utc>) -> Result<()> {
    let stage = p.stage(&o.stage)?;
    if let Some(last) = o.history.last_mut() {
        last.left_at = Some(now);
    }
    o.history.push(StageEntry {
        stage: stage.key.clone(),
        status: stage.kind.into(),
        entered_at: now,
        left_at: None,
        amount: o.amount,
        probability: p.probability(stage, o.probability_override),
        category: stage.category,
        expected_close: o.expected_close,
    });
    Ok(())
}

fn guard(p: &Pipeline, stage: &str, o: &Opportunity) -> Result<()> {
    let missing = missing_fields(p.stage(stage)?, o);
    if missing.is_empty() {
        Ok(())
    } else {
        Err(CrmError::RequiredFieldsMissing {
            opportunity_id: o.id.clone(),
            stage: stage.to_string(),
            fields: missing,
        })
    }
}

pub(super) fn open_opportunity(
    cx: &mut Ctx<'_>,
    customer: &mut Customer,
    new: NewOpportunity,
) -> Result<Opportunity> {
    let name = non_empty("name", &new.name)?;
    check_amount(new.amount)?;
    check_probability(new.probability_override)?;
    if customer.status == CustomerStatus::Merged {
        return Err(CrmError::InvalidState {
            reason: format!("customer {} was merged into another", customer.id),
        });
    }
    let p = load_pipeline(
        cx.tx,
        new.pipeline_id.as_deref().unwrap_or(DEFAULT_PIPELINE),
    )?;
    let stage = match &new.stage {
        Some(key) => p.stage(key)?,
        None => p.first(StageKind::Open)?,
    };
    if stage.kind != StageKind::Open {
        return Err(CrmError::invalid(
            "stage",
            "a new opportunity starts in an open stage",
        ));
    }
    let mut o = Opportunity {
        id: cx.new_id("o")?,
        customer_id: customer.id.clone(),
        name,
        amount: new.amount,
        owner_id: customer.owner_id.clone(),
        status: OpportunityStatus::Open,
        lost_reason: None,
        created_at: cx.now,
        closed_at: None,
        pipeline_id: p.id.clone(),
        stage: stage.key.clone(),
        probability_override: new.probability_override,
        expected_close: new.expected_close,
        fields: new.fields,
        history: vec![],
        last_activity_at: None,
        campaign_id: match new.campaign_id {
            Some(id) => super::campaigns::existing_campaign(cx, Some(id))?,
            None => customer.campaign_id.clone(),
        },
        version: 1,
    };
    guard(&p, &o.stage, &o)?;
    record_stay(&mut o, &p, cx.now)?;
    save_opportunity(cx.tx, &o)?;
    customer.open_opportunities += 1;
    customer.updated_at = cx.now;
    customer.version += 1;
    cx.save_customer(customer)?;
    cx.emit(
        EventKind::OpportunityCreated {
            opportunity_id: o.id.clone(),
            customer_id: customer.id.clone(),
        },
        format!("opportunity {:?} opened in {}", o.name, o.stage),
    )?;
    Ok(o)
}

/// Moves a merged customer's opportunities to the survivor.
pub(super) fn move_opportunities(tx: &mut dyn Tx, from: &str, to: &str) -> Result<()> {
    for doc in tx.docs(DocKind::Opportunity, Some(from))? {
        let mut o: Opportunity = doc.decode()?;
        o.customer_id = to.to_string();
        o.version += 1;
        save_opportunity(tx, &o)?;
    }
    Ok(())
}

/// A follow-up with the customer is activity on each of its open opportunities.
pub(super) fn touch_open(cx: &mut Ctx<'_>, customer_id: &str, at: DateTime<Utc>) -> Result<()> {
    for doc in cx.tx.docs(DocKind::Opportunity, Some(customer_id))? {
        let mut o: Opportunity = doc.decode()?;
        if o.status == OpportunityStatus::Open && o.last_activity_at.is_none_or(|l| l < at) {
            o.last_activity_at = Some(at);
            o.version += 1;
            save_opportunity(cx.tx, &o)?;
        }
    }
    Ok(())
}

/// An opportunity and its customer, when the customer is in the actor's scope.
pub(super) fn load_scoped_opportunity(
    cx: &mut Ctx<'_>,
    id: &str,
) -> Result<(Opportunity, Customer)> {
    scoped_doc(cx, DocKind::Opportunity, id)
}

fn in_scope(cx: &mut Ctx<'_>) -> Result<Vec<Opportunity>> {
    scoped_docs(cx, DocKind::Opportunity)
}

impl Crm {
    /// Stores a pipeline (admins): `version` 0 creates, otherwise it must match the stored one.
    /// A stage that opportunities are in cannot be removed.
    pub fn save_pipeline(&self, actor: &str, pipeline: Pipeline) -> Result<Pipeline> {
        pipeline.check_bounds()?;
        self.act(actor, |cx| {
            cx.require_admin("change pipelines")?;
            pipeline.validate()?;
            let stored = match cx.tx.doc(DocKind::Pipeline, &pipeline.id)? {
                Some(doc) => doc.version,
                None => 0,
            };
            check_expected(EntityKind::Pipeline, &pipeline.id, pipeline.version, stored)?;
            for doc in cx.tx.docs(DocKind::Opportunity, None)? {
                let o: Opportunity = doc.decode()?;
                if o.pipeline_id == pipeline.id && pipeline.position(&o.stage).is_none() {
                    return Err(CrmError::invalid(
                        "stages",
                        format!("stage {:?} is in use by opportunity {}", o.stage, o.id),
                    ));
                }
            }
            let mut p = pipeline;
            p.version = stored + 1;
            cx.tx
                .put_doc(Doc::new(DocKind::Pipeline, &p.id, None, p.version, &p)?)?;
            cx.emit(
                EventKind::PipelineSaved {
                    pipeline_id: p.id.clone(),
                },
                format!("pipeline {:?} saved", p.name),
            )?;
            Ok(p)
        })
    }

    pub fn pipelines(&self, actor: &str) -> Result<Vec<Pipeline>> {
        self.look(actor, |cx| all_pipelines(cx.tx))
    }

    pub fn create_opportunity(
        &self,
        actor: &str,
        customer_id: &str,
        new: NewOpportunity,
    ) -> Result<Opportunity> {
        new.check_bounds()?;
        self.act(actor, |cx| {
            let mut customer = cx.customer(customer_id)?;
            open_opportunity(cx, &mut customer, new)
        })
    }

    pub fn opportunity(&self, actor: &str, id: &str) -> Result<Opportunity> {
        self.look(actor, |cx| load_scoped_opportunity(cx, id).map(|(o, _)| o))
    }

    pub fn opportunities(&self, actor: &str, customer_id: &str) -> Result<Vec<Opportunity>> {
        self.look(actor, |cx| {
            cx.customer(customer_id)?;
            cx.tx
                .docs(DocKind::Opportunity, Some(customer_id))?
                .iter()
                .map(Doc::decode)
                .collect()
        })
    }

    /// Every opportunity of the customers in the actor's scope.
    pub fn all_opportunities(&self, actor: &str) -> Result<Vec<Opportunity>> {
        self.look(actor, in_scope)
    }

    /// Moves an opportunity to `stage` when the pipeline allows it and the stage's guards hold.
    /// A lost stage needs a reason from the pipeline's list.
    pub fn move_opportunity(
        &self,
        actor: &str,
        id: &str,
        expected_version: u64,
        stage: &str,
        lost_reason: Option<String>,
    ) -> Result<Opportunity> {
        crate::limits::opt_text("lost_reason", lost_reason.as_deref(), crate::limits::NOTE)?;
        self.act(actor, |cx| {
            let (mut o, mut customer) = load_scoped_opportunity(cx, id)?;
            check_expected(EntityKind::Opportunity, id, expected_version, o.version)?;
            let p = load_pipeline(cx.tx, &o.pipeline_id)?;
            let transition = check_move(&p, id, &o.stage, stage, cx.actor.role)?;
            let reason = match transition {
                StageMove::Lose => Some(p.check_lost_reason(lost_reason.as_deref())?),
                _ => None,
            };
            guard(&p, stage, &o)?;
            let from = std::mem::replace(&mut o.stage, stage.to_string());
            let was_open = o.status == OpportunityStatus::Open;
            o.status = p.stage(stage)?.kind.into();
            o.probability_override = None;
            o.lost_reason = reason.clone();
            o.closed_at = (o.status != OpportunityStatus::Open).then_some(cx.now);
            record_stay(&mut o, &p, cx.now)?;
            o.version += 1;
            save_opportunity(cx.tx, &o)?;
            let is_open = o.status == OpportunityStatus::Open;
            if was_open != is_open {
                customer.open_opportunities = if is_open {
                    customer.open_opportunities + 1
                } else {
                    customer.open_opportunities.saturating_sub(1)
                };
                if o.status == OpportunityStatus::Won {
                    customer.deal_status = DealStatus::Won;
                    customer.last_won_at = Some(cx.now);
                }
                customer.updated_at = cx.now;
                customer.version += 1;
                cx.save_customer(&mut customer)?;
            }
            cx.emit(
                EventKind::OpportunityMoved {
                    opportunity_id: o.id.clone(),
                    customer_id: o.customer_id.clone(),
                    from_stage: from.clone(),
                    to_stage: o.stage.clone(),
                    transition,
                },
                match &reason {
                    Some(r) => format!("{from} -> {}: lost ({r})", o.stage),
                    None => format!("{from} -> {} ({transition:?})", o.stage),
                },
            )?;
            Ok(o)
        })
    }

    /// Closes an open opportunity in its pipeline's first won or lost stage (a closed one is
    /// `INVALID_STATE`; reopening is a move).
    pub fn close_opportunity(
        &self,
        actor: &str,
        id: &str,
        won: bool,
        lost_reason: Option<String>,
    ) -> Result<Opportunity> {
        crate::limits::opt_text("lost_reason", lost_reason.as_deref(), crate::limits::NOTE)?;
        let o = self.opportunity(actor, id)?;
        if o.status != OpportunityStatus::Open {
            return Err(CrmError::InvalidState {
                reason: format!("opportunity {id} is already closed"),
            });
        }
        let pipeline_id = o.pipeline_id;
        let stage = self.look(actor, |cx| {
            let p = load_pipeline(cx.tx, &pipeline_id)?;
            let kind = if won { StageKind::Won } else { StageKind::Lost };
            Ok(p.first(kind)?.key.clone())
        })?;
        self.move_opportunity(actor, id, o.version, &stage, cleaned(lost_reason))
    }

    /// Changes an open opportunity's name, amount, close date, probability override or custom
    /// fields; figure changes start a new history entry so past forecasts stay answerable.
    pub fn update_opportunity(
        &self,
        actor: &str,
        id: &str,
        expected_version: u64,
        patch: OpportunityPatch,
    ) -> Result<Opportunity> {
        patch.check_bounds()?;
        if let Some(a) = patch.amount {
            check_amount(a)?;
        }
        check_probability(patch.probability_override)?;
        self.act(actor, |cx| {
            let (mut o, _) = load_scoped_opportunity(cx, id)?;
            check_expected(EntityKind::Opportunity, id, expected_version, o.version)?;
            if o.status != OpportunityStatus::Open {
                return Err(CrmError::InvalidState {
                    reason: format!("opportunity {id} is closed; reopen it first"),
                });
            }
            let mut changed = vec![];
            if let Some(name) = &patch.name {
                o.name = non_empty("name", name)?;
                changed.push("name".to_string());
            }
            if let Some(a) = patch.amount.filter(|a| *a != o.amount) {
                o.amount = a;
                changed.push("amount".into());
            }
            if let Some(d) = patch
                .expected_close
                .filter(|d| Some(*d) != o.expected_close)
            {
                o.expected_close = Some(d);
                changed.push("expected_close".into());
            }
            let probability = if patch.clear_probability_override {
                Some(None)
            } else {
                patch.probability_override.map(Some)
            };
            if let Some(p) = probability.filter(|p| *p != o.probability_override) {
                o.probability_override = p;
                changed.push("probability_override".into());
            }
            for (k, v) in &patch.fields {
                if v.trim().is_empty() {
                    o.fields.remove(k);
                } else {
                    o.fields.insert(k.clone(), v.trim().to_string());
                }
                changed.push(format!("fields.{k}"));
            }
            if changed.is_empty() {
                return Ok(o);
            }
            let p = load_pipeline(cx.tx, &o.pipeline_id)?;
            guard(&p, &o.stage, &o)?;
            if changed
                .iter()
                .any(|f| ["amount", "expected_close", "probability_override"].contains(&f.as_str()))
            {
                record_stay(&mut o, &p, cx.now)?;
            }
            o.version += 1;
            save_opportunity(cx.tx, &o)?;
            cx.emit(
                EventKind::OpportunityUpdated {
                    opportunity_id: o.id.clone(),
                    customer_id: o.customer_id.clone(),
                    fields: changed.clone(),
                },
                format!("changed {}", changed.join(", ")),
            )?;
            Ok(o)
        })
    }

    /// A note or completed task on an open opportunity: resets its rotting clock.
    pub fn record_opportunity_activity(
        &self,
        actor: &str,
        id: &str,
        note: &str,
    ) -> Result<Opportunity> {
        crate::limits::text("note", note, crate::limits::NOTE)?;
        let note = non_empty("note", note)?;
        self.act(actor, |cx| {
            let (mut o, _) = load_scoped_opportunity(cx, id)?;
            if o.status != OpportunityStatus::Open {
                return Err(CrmError::InvalidState {
                    reason: format!("opportunity {id} is closed"),
                });
            }
            o.last_activity_at = Some(cx.now);
            o.version += 1;
            save_opportunity(cx.tx, &o)?;
            cx.emit(
                EventKind::OpportunityActivity {
                    opportunity_id: o.id.clone(),
                    customer_id: o.customer_id.clone(),
                },
                note,
            )?;
            Ok(o)
        })
    }

    /// The weighted forecast per `month`, `quarter` or `year`, as the opportunities in scope stood
    /// at `as_of` (default: now).
    pub fn forecast(
        &self,
        actor: &str,
        period_kind: PeriodKind,
        as_of: Option<DateTime<Utc>>,
    ) -> Result<Vec<ForecastRow>> {
        let at = as_of.unwrap_or_else(|| self.now());
        let tz = self.settings()?.tz()?;
        self.look(actor, |cx| {
            pipeline::forecast(&in_scope(cx)?, period_kind.as_str(), at, tz)
        })
    }

    pub fn stage_conversion(&self, actor: &str, pipeline_id: &str) -> Result<Vec<StageConversion>> {
        self.look(actor, |cx| {
            let p = load_pipeline(cx.tx, pipeline_id)?;
            Ok(pipeline::conversion(&in_scope(cx)?, &p))
        })
    }

    pub fn time_in_stage(&self, actor: &str, pipeline_id: &str) -> Result<Vec<StageTime>> {
        self.look(actor, |cx| {
            let p = load_pipeline(cx.tx, pipeline_id)?;
            Ok(pipeline::time_in_stage(&in_scope(cx)?, &p))
        })
    }

    pub fn sales_velocity(
        &self,
        actor: &str,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Velocity> {
        self.look(actor, |cx| pipeline::velocity(&in_scope(cx)?, from, to))
    }

    /// Open opportunities idle longer than their stage allows, at now.
    pub fn rotting_opportunities(&self, actor: &str) -> Result<Vec<Rotting>> {
        self.look(actor, |cx| {
            let pipelines = all_pipelines(cx.tx)?;
            Ok(pipeline::rotting(&in_scope(cx)?, &pipelines, cx.now))
        })
    }
}
