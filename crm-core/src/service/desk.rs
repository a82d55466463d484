//! The service desk's configuration and routing state as the ticket operations use them, the
//! one place a ticket is saved (so its deadline index and the agents' loads never go stale),
//! and the knowledge base.

use super::{check_expected, load, non_empty, Crm, Ctx};
use crate::access::Role;
use crate::desk::{
    Article, ArticleState, ArticleUsage, NewArticle, ServiceDesk, ServiceDeskPatch, StatusCategory,
    Ticket,
};
use crate::error::{CrmError, EntityKind, Result};
use crate::event::EventKind;
use crate::limits::Bounded;
use crate::sla::{
    parse_calendar, ticket_status, Calendar, SlaClockState, SlaClockStatus, SlaPolicy,
};
use crate::store::{Doc, DocKind, Tx};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};

const CONFIG: &str = "config";
const STATE: &str = "state";

/// What routing remembers between tickets: round-robin pointers per route and each agent's
/// unsolved tickets (kept on every ticket save, so least-open never counts tickets).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub(super) struct DeskState {
    pub pointers: BTreeMap<String, String>,
    pub open: BTreeMap<String, u64>,
    pub version: u64,
}

/// The desk as one operation sees it: configuration, parsed calendars, routing state.
pub(super) struct Desk {
    pub config: ServiceDesk,
    policies: HashMap<String, (SlaPolicy, Calendar)>,
    pub state: DeskState,
    dirty: bool,
}

/// Who holds a ticket's load: its assignee while it is unsolved.
fn holder(t: &Ticket) -> Option<&str> {
    matches!(t.category, StatusCategory::Open | StatusCategory::Paused)
        .then_some(t.assignee_id.as_deref())
        .flatten()
}

impl Desk {
    pub fn load(tx: &mut dyn Tx) -> Result<Desk> {
        let config: ServiceDesk = match tx.doc(DocKind::ServiceDesk, CONFIG)? {
            Some(d) => d.decode()?,
            None => ServiceDesk::default(),
        };
        let state: DeskState = match tx.doc(DocKind::ServiceDesk, STATE)? {
            Some(d) => d.decode()?,
            None => DeskState::default(),
        };
        let paused = config.paused_statuses();
        let mut policies = HashMap::new();
        for p in &config.policies {
            policies.insert(
                p.name.clone(),
                (p.sla_policy(&paused), parse_calendar(&p.calendar)?),
            );
        }
        Ok(Desk {
            config,
            policies,
            state,
            dirty: false,
        })
    }

    /// The policy a ticket was given, with its calendar (none: the ticket is not timed, or its
    /// policy has since been removed).
    pub fn policy(&self, t: &Ticket) -> Option<&(SlaPolicy, Calendar)> {
        t.policy.as_deref().and_then(|p| self.policies.get(p))
    }

    /// Every clock of a ticket at `at`: its own SLA history replayed under its policy.
    pub fn clocks(&self, t: &Ticket, at: DateTime<Utc>) -> Result<Vec<SlaClockStatus>> {
        match self.policy(t) {
            Some((policy, calendar)) => ticket_status(calendar, policy, &t.sla_history, at),
            None => Ok(Vec::new()),
        }
    }

    /// Business (or, untimed, calendar) minutes between two instants on the ticket's calendar.
    pub fn minutes(&self, t: &Ticket, from: DateTime<Utc>, to: DateTime<Utc>) -> Result<i64> {
        let ms = match self.policy(t) {
            Some((_, calendar)) => calendar.elapsed(from, to)?.num_milliseconds(),
            None => (to - from).num_milliseconds(),
        };
        Ok(ms.div_euclid(60_000))
    }

    /// The instant a ticket's first running clock runs out (breached ones included): what the
    /// breach list finds it by.
    fn deadline(&self, t: &Ticket, now: DateTime<Utc>) -> Result<Option<DateTime<Utc>>> {
        if t.category != StatusCategory::Open {
            // Paused clocks have no due time, and resolved ones are fulfilled; checking the
            // history still refuses a change the clocks cannot take.
            self.clocks(t, now)?;
            return Ok(None);
        }
        Ok(self
            .clocks(t, now)?
            .into_iter()
            .filter(|c| {
                matches!(
                    c.state,
                    SlaClockState::Running | SlaClockState::Warning | SlaClockState::Breached
                )
            })
            .filter_map(|c| c.due_at)
            .min())
    }

    /// When a solved ticket closes: the grace period after its solve.
    pub fn closes_at(&self, t: &Ticket) -> Option<DateTime<Utc>> {
        (t.category == StatusCategory::Resolved)
            .then_some(t.solved_at)
            .flatten()
            .map(|s| crate::clock::after_days(s, i64::from(self.config.grace_days)))
    }

    /// Saves a ticket at its next version (`before`: as it was stored, none when new), keeping
    /// its deadline, its closing date and its assignee's load up to date.
    pub fn save(
        &mut self,
        cx: &mut Ctx<'_>,
        before: Option<&Ticket>,
        t: &mut Ticket,
    ) -> Result<()> {
        t.version += 1;
        t.updated_at = cx.now;
        let old = before.and_then(holder).map(str::to_string);
        let new = holder(t).map(str::to_string);
        if old != new {
            if let Some(o) = old {
                let n = self.state.open.entry(o).or_default();
                *n = n.saturating_sub(1);
            }
            if let Some(n) = new {
                *self.state.open.entry(n).or_default() += 1;
            }
            self.dirty = true;
        }
        let due_at = self.deadline(t, cx.now)?;
        let closes: Option<NaiveDate> = self.closes_at(t).map(|c| c.date_naive());
        cx.tx.put_doc(
            Doc::new(DocKind::Ticket, &t.id, Some(&t.customer_id), t.version, t)?
                .due_at(due_at)
                .due_on(closes),
        )
    }

    pub fn set_pointer(&mut self, route: &str, agent: &str) {
        self.state
            .pointers
            .insert(route.to_string(), agent.to_string());
        self.dirty = true;
    }

    /// Writes the routing state if the operation changed it.
    pub fn finish(mut self, tx: &mut dyn Tx) -> Result<()> {
        if self.dirty {
            self.state.version += 1;
            tx.put_doc(Doc::new(
                DocKind::ServiceDesk,
                STATE,
                None,
                self.state.version,
                &self.state,
            )?)?;
        }
        Ok(())
    }
}

/// After a change of statuses or policies, every ticket not closed takes its status's category
/// and its deadline under the new configuration, so lists, clocks and the index agree with it.
/// Refuses a configuration that removes a status in use, moves one in use into or out of
/// `resolved`, or leaves a ticket's policy without a target for its priority.
fn retime_tickets(cx: &mut Ctx<'_>) -> Result<()> {
    let mut desk = Desk::load(cx.tx)?;
    let ms = |d: Option<DateTime<Utc>>| d.map(|d| d.timestamp_millis());
    for doc in cx.tx.docs(DocKind::Ticket, None)? {
        let before: Ticket = doc.decode()?;
        if before.category == StatusCategory::Closed {
            continue;
        }
        let in_use = |why: &str| CrmError::InvalidState {
            reason: format!(
                "status {:?} is in use (ticket {}): it {why}",
                before.status, before.id
            ),
        };
        let category = desk
            .config
            .category(&before.status)
            .map_err(|_| in_use("cannot be removed"))?;
        if (category == StatusCategory::Resolved) != (before.category == StatusCategory::Resolved) {
            return Err(in_use("cannot move into or out of resolved"));
        }
        let mut t = before.clone();
        t.category = category;
        if category == before.category && ms(desk.deadline(&t, cx.now)?) == ms(doc.due_at) {
            continue;
        }
        desk.save(cx, Some(&before), &mut t)?;
        cx.emit(
            EventKind::TicketUpdated {
                ticket_id: t.id.clone(),
                customer_id: t.customer_id.clone(),
                fields: vec!["sla".into()],
            },
            "service desk reconfigured",
        )?;
    }
    desk.finish(cx.tx)
}

fn save_article(tx: &mut dyn Tx, a: &Article) -> Result<()> {
    tx.put_doc(Doc::new(DocKind::Article, &a.id, None, a.version, a)?)
}

pub(super) fn all_tickets(tx: &mut dyn Tx) -> Result<Vec<Ticket>> {
    tx.docs(DocKind::Ticket, None)?
        .iter()
        .map(Doc::decode)
        .collect()
}

impl Crm {
    /// The service desk's configuration (readable by anyone).
    pub fn service_desk(&self, actor: &str) -> Result<ServiceDesk> {
        self.look(actor, |cx| Ok(Desk::load(cx.tx)?.config))
    }

    /// Changes the parts of the desk's configuration the patch gives (admins). Tickets keep the
    /// policy they were given (by name); a change of statuses or policies re-times every ticket
    /// not closed at once (category, clocks, deadline), and is refused if a ticket could not
    /// follow it.
    pub fn update_service_desk(
        &self,
        actor: &str,
        expected_version: u64,
        patch: ServiceDeskPatch,
    ) -> Result<ServiceDesk> {
        patch.check_bounds()?;
        self.act(actor, |cx| {
            cx.require_admin("configure the service desk")?;
            let current = Desk::load(cx.tx)?.config;
            check_expected(
                EntityKind::ServiceDesk,
                CONFIG,
                expected_version,
                current.version,
            )?;
            let mut next = patch.apply(&current);
            next.validate()?;
            for a in &next.agents {
                let user = cx.user(&a.user_id)?;
                cx.tx
                    .team(&a.group_id)?
                    .ok_or_else(|| CrmError::not_found(EntityKind::Team, &a.group_id))?;
                // A leaver already listed may stay (routing skips them); none is added.
                if !user.active && current.agent(&user.id).is_none() {
                    return Err(CrmError::InactiveUser { id: user.id });
                }
            }
            for r in &next.routes {
                cx.tx
                    .team(&r.group_id)?
                    .ok_or_else(|| CrmError::not_found(EntityKind::Team, &r.group_id))?;
            }
            next.version = current.version + 1;
            cx.tx.put_doc(Doc::new(
                DocKind::ServiceDesk,
                CONFIG,
                None,
                next.version,
                &next,
            )?)?;
            cx.emit(EventKind::ServiceDeskChanged, "service desk configured")?;
            if next.statuses != current.statuses
                || next.on_hold_category != current.on_hold_category
                || next.policies != current.policies
            {
                retime_tickets(cx)?;
            }
            Ok(next)
        })
    }

    /// A draft article of the knowledge base (anyone may write one).
    pub fn create_article(&self, actor: &str, new: NewArticle) -> Result<Article> {
        new.check_bounds()?;
        self.act(actor, |cx| {
            let article = Article {
                id: cx.new_id("kb")?,
                title: non_empty("title", &new.title)?,
                body: new.body.clone(),
                category: new.category.clone().filter(|c| !c.trim().is_empty()),
                state: ArticleState::Draft,
                author_id: cx.actor.id.clone(),
                created_at: cx.now,
                updated_at: cx.now,
                version: 1,
            };
            save_article(cx.tx, &article)?;
            cx.emit(
                EventKind::ArticleSaved {
                    article_id: article.id.clone(),
                    state: article.state,
                },
                format!("article {:?} drafted", article.title),
            )?;
            Ok(article)
        })
    }

    pub fn article(&self, actor: &str, id: &str) -> Result<Article> {
        self.look(actor, |cx| load(cx.tx, DocKind::Article, id))
    }

    /// Every article, in creation order.
    pub fn articles(&self, actor: &str) -> Result<Vec<Article>> {
        self.look(actor, |cx| {
            cx.tx
                .docs(DocKind::Article, None)?
                .iter()
                .map(Doc::decode)
                .collect()
        })
    }

    /// Moves an article along draft → in review → published → archived (→ draft again);
    /// publishing and archiving are for managers and admins.
    pub fn set_article_state(
        &self,
        actor: &str,
        id: &str,
        expected_version: u64,
        state: ArticleState,
    ) -> Result<Article> {
        self.act(actor, |cx| {
            let mut a: Article = load(cx.tx, DocKind::Article, id)?;
            check_expected(EntityKind::Article, id, expected_version, a.version)?;
            if !a.state.may_become(state) {
                return Err(CrmError::InvalidState {
                    reason: format!("article {id} cannot go from {:?} to {state:?}", a.state),
                });
            }
            if matches!(state, ArticleState::Published | ArticleState::Archived)
                && cx.actor.role == Role::Rep
            {
                return Err(cx.denied("publish or archive articles"));
            }
            a.state = state;
            a.version += 1;
            a.updated_at = cx.now;
            save_article(cx.tx, &a)?;
            cx.emit(
                EventKind::ArticleSaved {
                    article_id: a.id.clone(),
                    state,
                },
                format!("article {:?} is now {state:?}", a.title),
            )?;
            Ok(a)
        })
    }

    /// Each article with the tickets (of the whole organisation) linking it, and how many of
    /// them were solved: which answers help.
    pub fn article_usage(&self, actor: &str) -> Result<Vec<ArticleUsage>> {
        self.look(actor, |cx| {
            let articles: Vec<Article> = cx
                .tx
                .docs(DocKind::Article, None)?
                .iter()
                .map(Doc::decode)
                .collect::<Result<_>>()?;
            let mut counts: HashMap<String, (u64, u64)> = HashMap::new();
            for t in all_tickets(cx.tx)? {
                let solved = matches!(
                    t.category,
                    StatusCategory::Resolved | StatusCategory::Closed
                );
                for a in &t.article_ids {
                    let c = counts.entry(a.clone()).or_default();
                    c.0 += 1;
                    c.1 += u64::from(solved);
                }
            }
            Ok(articles
                .into_iter()
                .map(|a| {
                    let (tickets, solved_tickets) = counts.get(&a.id).copied().unwrap_or_default();
                    ArticleUsage {
                        article_id: a.id,
                        title: a.title,
                        state: a.state,
                        tickets,
                        solved_tickets,
                    }
                })
                .collect())
        })
    }
}
