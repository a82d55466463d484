//! Tickets (DOMAIN.md section 9): created and routed, worked through their statuses, replied
//! to, rated; each change recorded in the ticket's own SLA history, which its clocks replay.

use super::desk::{all_tickets, Desk};
use super::{check_expected, load, non_empty, Crm, Ctx};
use crate::access::{DataScope, User};
use crate::desk::{
    pick_agent, AgentLoad, CommentAuthor, Csat, CsatRating, NewCsat, NewTicket, NewTicketComment,
    StatusCategory, Ticket, TicketChannel, TicketComment, TicketFacts, TicketPatch, TicketPriority,
    TicketQuery, TicketReply,
};
use crate::error::{CrmError, EntityKind, Result};
use crate::event::EventKind;
use crate::ids::record_order;
use crate::limits::{self, Bounded, ID, NAME};
use crate::sla::{SlaClockStatus, SlaHistoryEntry};
use crate::store::{Doc, DocKind};
use chrono::{DateTime, Utc};
use std::collections::{BTreeSet, HashMap};

/// The most tickets one `create_tickets` call takes.
pub const TICKET_BATCH: usize = 100_000;

/// Whether the actor sees a ticket: all-scope users every one; others the tickets they are
/// assigned, those of their team (group), and those of customers in their scope.
pub(super) fn sees(cx: &mut Ctx<'_>, t: &Ticket) -> Result<bool> {
    if cx.actor.scope == DataScope::All
        || t.assignee_id.as_deref() == Some(cx.actor.id.as_str())
        || (t.group_id.is_some() && t.group_id == cx.actor.team_id)
    {
        return Ok(true);
    }
    let owner = cx.tx.customer(&t.customer_id)?.and_then(|c| c.owner_id);
    cx.covers_owner(owner.as_deref())
}

/// A ticket the actor may see and change.
fn scoped_ticket(cx: &mut Ctx<'_>, id: &str) -> Result<Ticket> {
    let t: Ticket = load(cx.tx, DocKind::Ticket, id)?;
    if sees(cx, &t)? {
        Ok(t)
    } else {
        Err(CrmError::OutOfScope {
            actor: cx.actor.id.clone(),
            kind: EntityKind::Ticket,
            id: id.to_string(),
        })
    }
}

fn closed(t: &Ticket) -> CrmError {
    CrmError::InvalidState {
        reason: format!(
            "ticket {} is closed and never changes; a requester reply opens a follow-up",
            t.id
        ),
    }
}

/// Tags trimmed, without empties and duplicates, sorted.
fn clean_tags(tags: &[String]) -> Vec<String> {
    let set: BTreeSet<String> = tags
        .iter()
        .map(|t| t.trim().to_string())
        .filter(|t| !t.is_empty())
        .collect();
    set.into_iter().collect()
}

/// The users of the organisation by id, loaded once per operation for routing.
fn users_by_id(cx: &mut Ctx<'_>) -> Result<HashMap<String, User>> {
    Ok(cx
        .tx
        .users()?
        .into_iter()
        .map(|u| (u.id.clone(), u))
        .collect())
}

/// Moves a ticket to `to`, recording what the clocks need; refuses unknown statuses, changes to
/// closed tickets, and closing a ticket that is not solved.
fn move_status(desk: &Desk, t: &mut Ticket, to: &str, at: DateTime<Utc>) -> Result<bool> {
    let to_cat = desk.config.category(to)?;
    if t.category == StatusCategory::Closed {
        return Err(closed(t));
    }
    if to == t.status {
        return Ok(false);
    }
    if to == "new" {
        return Err(CrmError::InvalidState {
            reason: "a ticket is new only until it is first worked".into(),
        });
    }
    if to_cat == StatusCategory::Closed && t.category != StatusCategory::Resolved {
        return Err(CrmError::InvalidState {
            reason: format!("ticket {} is not solved; only solved tickets close", t.id),
        });
    }
    let reopening = t.category == StatusCategory::Resolved
        && matches!(to_cat, StatusCategory::Open | StatusCategory::Paused);
    if reopening {
        t.cycle += 1;
        t.solved_at = None;
        t.sla_history.push(SlaHistoryEntry::Reopen { at });
    }
    t.sla_history.push(SlaHistoryEntry::Status {
        at,
        status: to.to_string(),
    });
    match to_cat {
        StatusCategory::Resolved if t.category != StatusCategory::Resolved => {
            // Solving fulfils every clock, as the response clocks would be by a reply.
            t.sla_history.push(SlaHistoryEntry::Respond { at });
            t.sla_history.push(SlaHistoryEntry::Resolve { at });
            t.solved_at = Some(at);
        }
        StatusCategory::Closed => t.closed_at = Some(at),
        _ => {}
    }
    t.status = to.to_string();
    t.category = to_cat;
    Ok(true)
}

/// When a solved ticket whose grace period is over counts as closed: the end of the grace
/// period, or its last recorded change if that came later (its history stays in time order).
fn closing_instant(desk: &Desk, t: &Ticket, now: DateTime<Utc>) -> DateTime<Utc> {
    let last = t.sla_history.last().map(SlaHistoryEntry::at);
    desk.closes_at(t)
        .unwrap_or(now)
        .max(last.unwrap_or(t.created_at))
}

struct Placed {
    assignee_id: Option<String>,
    group_id: Option<String>,
    reason: String,
}

/// Who gets a new ticket: the agent asked for, else the first route that matches.
fn place(
    cx: &mut Ctx<'_>,
    desk: &mut Desk,
    users: &HashMap<String, User>,
    new: &NewTicket,
    facts: &TicketFacts<'_>,
) -> Result<Placed> {
    if let Some(a) = &new.assignee_id {
        let user = users
            .get(a)
            .ok_or_else(|| CrmError::not_found(EntityKind::User, a))?;
        if !user.active {
            return Err(CrmError::InactiveUser {
                id: user.id.clone(),
            });
        }
        let group_id = new
            .group_id
            .clone()
            .or_else(|| desk.config.agent(a).map(|g| g.group_id.clone()))
            .or_else(|| user.team_id.clone());
        return Ok(Placed {
            assignee_id: Some(a.clone()),
            group_id,
            reason: format!("assigned to {a} by {}", cx.actor.id),
        });
    }
    let Some(route) = desk
        .config
        .routes
        .iter()
        .find(|r| r.conditions.matches(facts))
        .cloned()
    else {
        return Ok(Placed {
            assignee_id: None,
            group_id: new.group_id.clone(),
            reason: "no route matched".into(),
        });
    };
    let loads: Vec<AgentLoad<'_>> = desk
        .config
        .agents
        .iter()
        .map(|a| AgentLoad {
            agent: a,
            active: users.get(&a.user_id).is_some_and(|u| u.active),
            open: desk.state.open.get(&a.user_id).copied().unwrap_or(0),
        })
        .collect();
    let pointer = desk.state.pointers.get(&route.name).map(String::as_str);
    let chosen = pick_agent(&route, &loads, facts.tags, pointer).map(|a| a.user_id.clone());
    let reason = match &chosen {
        Some(a) => format!("route {:?} ({:?}) chose {a}", route.name, route.strategy),
        None => format!(
            "route {:?}: no active agent of {} with capacity{} left; waiting in the group",
            route.name,
            route.group_id,
            if route.skills { " and the skills" } else { "" }
        ),
    };
    if let Some(a) = &chosen {
        desk.set_pointer(&route.name, a);
    }
    Ok(Placed {
        assignee_id: chosen,
        group_id: Some(route.group_id.clone()),
        reason,
    })
}

/// Creates one ticket inside an operation: checks, routes, applies the first matching policy.
fn create_one(
    cx: &mut Ctx<'_>,
    desk: &mut Desk,
    users: &HashMap<String, User>,
    new: &NewTicket,
    follow_up_of: Option<String>,
) -> Result<Ticket> {
    let customer = cx
        .tx
        .customer(&new.customer_id)?
        .ok_or_else(|| CrmError::not_found(EntityKind::Customer, &new.customer_id))?;
    let is_agent = desk.config.agent(&cx.actor.id).is_some();
    if !is_agent && !cx.in_scope(&customer)? {
        return Err(CrmError::OutOfScope {
            actor: cx.actor.id.clone(),
            kind: EntityKind::Customer,
            id: customer.id,
        });
    }
    if let Some(c) = &new.contact_id {
        // The requester must be one of the customer's contacts.
        if cx
            .tx
            .contact(c)?
            .is_none_or(|k| k.customer_id != customer.id)
        {
            return Err(CrmError::not_found(EntityKind::Contact, c));
        }
    }
    if let Some(g) = &new.group_id {
        cx.tx
            .team(g)?
            .ok_or_else(|| CrmError::not_found(EntityKind::Team, g))?;
    }
    let tags = clean_tags(&new.tags);
    let priority = new.priority.unwrap_or(TicketPriority::Normal);
    let channel = new.channel.unwrap_or(TicketChannel::WebForm);
    let facts = TicketFacts {
        priority,
        channel,
        group_id: new.group_id.as_deref(),
        customer_level: customer.level.as_deref(),
        tags: &tags,
    };
    let placed = place(cx, desk, users, new, &facts)?;
    let facts = TicketFacts {
        group_id: placed.group_id.as_deref(),
        ..facts
    };
    let policy = desk.config.policy_for(&facts).map(|p| p.name.clone());
    let mut t = Ticket {
        id: cx.new_id("tkt")?,
        customer_id: customer.id.clone(),
        contact_id: new.contact_id.clone(),
        channel,
        subject: non_empty("subject", &new.subject)?,
        description: new.description.clone(),
        priority,
        kind: new.kind.clone().filter(|k| !k.trim().is_empty()),
        tags,
        custom_fields: new.custom_fields.clone(),
        assignee_id: placed.assignee_id.clone(),
        group_id: placed.group_id.clone(),
        status: "new".into(),
        category: StatusCategory::Open,
        policy,
        sla_history: vec![SlaHistoryEntry::Open {
            at: cx.now,
            priority: priority.as_str().into(),
            status: "new".into(),
        }],
        cycle: 0,
        first_responded_at: None,
        solved_at: None,
        closed_at: None,
        ratings: Vec::new(),
        article_ids: Vec::new(),
        follow_up_of: follow_up_of.clone(),
        created_at: cx.now,
        updated_at: cx.now,
        version: 0,
    };
    desk.save(cx, None, &mut t)?;
    cx.emit(
        EventKind::TicketCreated {
            ticket_id: t.id.clone(),
            customer_id: t.customer_id.clone(),
            follow_up_of,
        },
        format!("ticket {:?} opened", t.subject),
    )?;
    if t.assignee_id.is_some() || t.group_id.is_some() {
        cx.emit(
            EventKind::TicketAssigned {
                ticket_id: t.id.clone(),
                customer_id: t.customer_id.clone(),
                assignee_id: t.assignee_id.clone(),
                group_id: t.group_id.clone(),
            },
            placed.reason,
        )?;
    }
    Ok(t)
}

fn save_comment(cx: &mut Ctx<'_>, c: &TicketComment) -> Result<()> {
    cx.tx.put_doc(Doc::new(
        DocKind::TicketComment,
        &c.id,
        Some(&c.ticket_id),
        c.version,
        c,
    )?)
}

fn status_event(cx: &mut Ctx<'_>, t: &Ticket, from: &str, reason: String) -> Result<()> {
    cx.emit(
        EventKind::TicketStatusChanged {
            ticket_id: t.id.clone(),
            customer_id: t.customer_id.clone(),
            from_status: from.to_string(),
            to_status: t.status.clone(),
        },
        reason,
    )?;
    Ok(())
}

impl Crm {
    /// Opens a ticket for a customer in the actor's scope (agents may open one for any
    /// customer); routed by the desk's routes unless an assignee is given; timed by the first
    /// policy that matches.
    pub fn create_ticket(&self, actor: &str, new: NewTicket) -> Result<Ticket> {
        new.check_bounds()?;
        self.act(actor, |cx| {
            let mut desk = Desk::load(cx.tx)?;
            let users = users_by_id(cx)?;
            let t = create_one(cx, &mut desk, &users, &new, None)?;
            desk.finish(cx.tx)?;
            Ok(t)
        })
    }

    /// Opens many tickets in one transaction: every one or none.
    pub fn create_tickets(&self, actor: &str, new: Vec<NewTicket>) -> Result<Vec<Ticket>> {
        limits::count("tickets", new.len(), TICKET_BATCH)?;
        for n in &new {
            n.check_bounds()?;
        }
        self.act(actor, |cx| {
            let mut desk = Desk::load(cx.tx)?;
            let users = users_by_id(cx)?;
            let mut out = Vec::with_capacity(new.len());
            for n in &new {
                out.push(create_one(cx, &mut desk, &users, n, None)?);
            }
            desk.finish(cx.tx)?;
            Ok(out)
        })
    }

    pub fn ticket(&self, actor: &str, id: &str) -> Result<Ticket> {
        self.look(actor, |cx| scoped_ticket(cx, id))
    }

    /// The tickets in the actor's scope that the query selects, in creation order.
    pub fn tickets(&self, actor: &str, query: TicketQuery) -> Result<Vec<Ticket>> {
        self.look(actor, |cx| {
            let candidates = match &query.customer_id {
                Some(c) => cx
                    .tx
                    .docs(DocKind::Ticket, Some(c))?
                    .iter()
                    .map(Doc::decode)
                    .collect::<Result<Vec<Ticket>>>()?,
                None => all_tickets(cx.tx)?,
            };
            let mut out = Vec::new();
            for t in candidates {
                let keep = query
                    .assignee_id
                    .as_ref()
                    .is_none_or(|a| t.assignee_id.as_ref() == Some(a))
                    && query
                        .group_id
                        .as_ref()
                        .is_none_or(|g| t.group_id.as_ref() == Some(g))
                    && query.category.is_none_or(|c| t.category == c);
                if keep && sees(cx, &t)? {
                    out.push(t);
                }
            }
            out.sort_by(|a, b| record_order(&a.id, &b.id));
            Ok(out)
        })
    }

    /// Changes what the patch gives; a new priority moves the SLA targets as the ticket's
    /// policy says (recompute or keep).
    pub fn update_ticket(
        &self,
        actor: &str,
        id: &str,
        expected_version: u64,
        patch: TicketPatch,
    ) -> Result<Ticket> {
        patch.check_bounds()?;
        self.act(actor, |cx| {
            let mut desk = Desk::load(cx.tx)?;
            let before = scoped_ticket(cx, id)?;
            check_expected(EntityKind::Ticket, id, expected_version, before.version)?;
            if before.category == StatusCategory::Closed {
                return Err(closed(&before));
            }
            let mut t = before.clone();
            let mut fields = Vec::new();
            if let Some(s) = &patch.subject {
                t.subject = non_empty("subject", s)?;
                fields.push("subject");
            }
            if let Some(d) = &patch.description {
                t.description = d.clone();
                fields.push("description");
            }
            if let Some(k) = &patch.kind {
                t.kind = Some(k.trim().to_string()).filter(|k| !k.is_empty());
                fields.push("kind");
            }
            if let Some(tags) = &patch.tags {
                t.tags = clean_tags(tags);
                fields.push("tags");
            }
            for (k, v) in &patch.custom_fields {
                match v {
                    Some(v) => t.custom_fields.insert(k.clone(), v.clone()),
                    None => t.custom_fields.remove(k),
                };
                fields.push("custom_fields");
            }
            if let Some(p) = patch.priority.filter(|p| *p != t.priority) {
                t.priority = p;
                t.sla_history.push(SlaHistoryEntry::Priority {
                    at: cx.now,
                    priority: p.as_str().into(),
                });
                fields.push("priority");
            }
            fields.dedup();
            if fields.is_empty() {
                return Ok(before);
            }
            desk.save(cx, Some(&before), &mut t)?;
            cx.emit(
                EventKind::TicketUpdated {
                    ticket_id: t.id.clone(),
                    customer_id: t.customer_id.clone(),
                    fields: fields.iter().map(|f| f.to_string()).collect(),
                },
                format!("ticket changed: {}", fields.join(", ")),
            )?;
            desk.finish(cx.tx)?;
            Ok(t)
        })
    }

    /// Moves a ticket to another status (built-in or the desk's own); solving fulfils its
    /// clocks, leaving a solved status reopens it with a new cycle.
    pub fn set_ticket_status(
        &self,
        actor: &str,
        id: &str,
        expected_version: u64,
        status: String,
    ) -> Result<Ticket> {
        limits::text("status", &status, limits::CODE)?;
        self.act(actor, |cx| {
            let mut desk = Desk::load(cx.tx)?;
            let before = scoped_ticket(cx, id)?;
            check_expected(EntityKind::Ticket, id, expected_version, before.version)?;
            let mut t = before.clone();
            if !move_status(&desk, &mut t, status.trim(), cx.now)? {
                return Ok(before);
            }
            desk.save(cx, Some(&before), &mut t)?;
            status_event(cx, &t, &before.status, format!("set by {}", cx.actor.id))?;
            desk.finish(cx.tx)?;
            Ok(t)
        })
    }

    /// Gives a ticket to another agent or group, with the reason recorded.
    pub fn assign_ticket(
        &self,
        actor: &str,
        id: &str,
        expected_version: u64,
        assignee_id: Option<String>,
        group_id: Option<String>,
        reason: String,
    ) -> Result<Ticket> {
        limits::opt_text("assignee_id", assignee_id.as_deref(), ID)?;
        limits::opt_text("group_id", group_id.as_deref(), ID)?;
        limits::text("reason", &reason, NAME)?;
        self.act(actor, |cx| {
            let mut desk = Desk::load(cx.tx)?;
            let before = scoped_ticket(cx, id)?;
            check_expected(EntityKind::Ticket, id, expected_version, before.version)?;
            if before.category == StatusCategory::Closed {
                return Err(closed(&before));
            }
            let reason = non_empty("reason", &reason)?;
            let mut t = before.clone();
            if let Some(a) = &assignee_id {
                let user = cx.user(a)?;
                if !user.active {
                    return Err(CrmError::InactiveUser { id: user.id });
                }
                t.group_id = group_id
                    .clone()
                    .or_else(|| desk.config.agent(a).map(|g| g.group_id.clone()))
                    .or(user.team_id)
                    .or(t.group_id);
            } else if let Some(g) = &group_id {
                t.group_id = Some(g.clone());
            }
            if let Some(g) = &t.group_id {
                cx.tx
                    .team(g)?
                    .ok_or_else(|| CrmError::not_found(EntityKind::Team, g))?;
            }
            t.assignee_id = assignee_id.clone();
            if t.assignee_id == before.assignee_id && t.group_id == before.group_id {
                return Ok(before);
            }
            desk.save(cx, Some(&before), &mut t)?;
            cx.emit(
                EventKind::TicketAssigned {
                    ticket_id: t.id.clone(),
                    customer_id: t.customer_id.clone(),
                    assignee_id: t.assignee_id.clone(),
                    group_id: t.group_id.clone(),
                },
                reason,
            )?;
            desk.finish(cx.tx)?;
            Ok(t)
        })
    }

    /// Adds a public reply or internal note. A requester's message moves a pending ticket back to
    /// open, reopens a solved one within the grace period, and otherwise (closed, or solved
    /// longer ago) opens a follow-up ticket that the message then belongs to.
    pub fn add_ticket_comment(
        &self,
        actor: &str,
        ticket_id: &str,
        new: NewTicketComment,
    ) -> Result<TicketReply> {
        new.check_bounds()?;
        self.act(actor, |cx| {
            let mut desk = Desk::load(cx.tx)?;
            let before = scoped_ticket(cx, ticket_id)?;
            let body = non_empty("body", &new.body)?;
            let now = cx.now;
            let mut t = before.clone();
            let mut follow_up = None;
            if new.from_requester {
                if new.internal {
                    return Err(CrmError::invalid(
                        "internal",
                        "a requester's message is always public",
                    ));
                }
                let late = match t.category {
                    StatusCategory::Closed => true,
                    StatusCategory::Resolved => desk.closes_at(&t).is_some_and(|c| now >= c),
                    _ => false,
                };
                if late {
                    if t.category == StatusCategory::Resolved {
                        let at = closing_instant(&desk, &t, now);
                        move_status(&desk, &mut t, "closed", at)?;
                        desk.save(cx, Some(&before), &mut t)?;
                        status_event(cx, &t, &before.status, "grace period over".into())?;
                    }
                    let users = users_by_id(cx)?;
                    let keep = t
                        .assignee_id
                        .clone()
                        .filter(|a| users.get(a).is_some_and(|u| u.active));
                    let again = NewTicket {
                        customer_id: t.customer_id.clone(),
                        contact_id: t.contact_id.clone(),
                        channel: Some(t.channel),
                        subject: t.subject.clone(),
                        description: body.clone(),
                        priority: Some(t.priority),
                        kind: t.kind.clone(),
                        tags: t.tags.clone(),
                        custom_fields: t.custom_fields.clone(),
                        group_id: if keep.is_some() {
                            t.group_id.clone()
                        } else {
                            None
                        },
                        assignee_id: keep,
                    };
                    // The message is the follow-up's first: its first-response clock times it.
                    follow_up = Some(create_one(
                        cx,
                        &mut desk,
                        &users,
                        &again,
                        Some(t.id.clone()),
                    )?);
                } else {
                    // A solved ticket reopens (a new cycle); a pending one goes back to open.
                    if t.category == StatusCategory::Resolved || t.status == "pending" {
                        move_status(&desk, &mut t, "open", now)?;
                    }
                    t.sla_history
                        .push(SlaHistoryEntry::CustomerReplied { at: now });
                }
            } else {
                if t.category == StatusCategory::Closed {
                    return Err(closed(&t));
                }
                if !new.internal {
                    t.sla_history.push(SlaHistoryEntry::Respond { at: now });
                    t.first_responded_at.get_or_insert(now);
                    if t.status == "new" && new.status.is_none() {
                        move_status(&desk, &mut t, "open", now)?;
                    }
                }
                if let Some(s) = &new.status {
                    move_status(&desk, &mut t, s.trim(), now)?;
                }
            }
            let target = follow_up.as_ref().unwrap_or(&t);
            let comment = TicketComment {
                id: cx.new_id("tc")?,
                ticket_id: target.id.clone(),
                author: if new.from_requester {
                    CommentAuthor::Requester
                } else {
                    CommentAuthor::Agent {
                        user_id: cx.actor.id.clone(),
                    }
                },
                public: !new.internal,
                body,
                at: now,
                version: 1,
            };
            save_comment(cx, &comment)?;
            let (target_id, customer_id) = (target.id.clone(), target.customer_id.clone());
            if follow_up.is_none() {
                desk.save(cx, Some(&before), &mut t)?;
                if t.status != before.status {
                    status_event(cx, &t, &before.status, "with a reply".into())?;
                }
            }
            cx.emit(
                EventKind::TicketCommented {
                    ticket_id: target_id,
                    customer_id,
                    comment_id: comment.id.clone(),
                    public: comment.public,
                    from_requester: new.from_requester,
                },
                if new.internal {
                    "internal note"
                } else {
                    "public reply"
                },
            )?;
            desk.finish(cx.tx)?;
            Ok(TicketReply {
                comment,
                ticket: t,
                follow_up,
            })
        })
    }

    /// A ticket's thread, oldest first.
    pub fn ticket_comments(&self, actor: &str, ticket_id: &str) -> Result<Vec<TicketComment>> {
        self.look(actor, |cx| {
            scoped_ticket(cx, ticket_id)?;
            let mut all: Vec<TicketComment> = cx
                .tx
                .docs(DocKind::TicketComment, Some(ticket_id))?
                .iter()
                .map(Doc::decode)
                .collect::<Result<_>>()?;
            all.sort_by(|a, b| record_order(&a.id, &b.id));
            Ok(all)
        })
    }

    /// Records the requester's satisfaction with a solved ticket: one rating per solve cycle.
    pub fn rate_ticket(&self, actor: &str, id: &str, rating: NewCsat) -> Result<Ticket> {
        rating.check_bounds()?;
        self.act(actor, |cx| {
            let mut desk = Desk::load(cx.tx)?;
            let before = scoped_ticket(cx, id)?;
            match before.category {
                StatusCategory::Resolved => {}
                StatusCategory::Closed => return Err(closed(&before)),
                _ => {
                    return Err(CrmError::InvalidState {
                        reason: format!("ticket {id} is not solved; only solved tickets are rated"),
                    })
                }
            }
            if before
                .ratings
                .last()
                .is_some_and(|r| r.cycle == before.cycle)
            {
                return Err(CrmError::InvalidState {
                    reason: format!("ticket {id} is already rated for this solve"),
                });
            }
            let value = match (rating.rating, rating.score) {
                (Some(CsatRating::Neutral), None) => {
                    return Err(CrmError::invalid(
                        "rating",
                        "is good or bad; neutral comes only from a score of 3",
                    ))
                }
                (Some(r), None) => r,
                (None, Some(s)) => CsatRating::of_score(s)
                    .ok_or_else(|| CrmError::invalid("score", "must lie between 1 and 5"))?,
                _ => {
                    return Err(CrmError::invalid(
                        "rating",
                        "give exactly one of rating (good or bad) and score (1-5)",
                    ))
                }
            };
            let reason = rating
                .reason
                .as_ref()
                .map(|r| r.trim().to_string())
                .filter(|r| !r.is_empty());
            if let Some(r) = &reason {
                let reasons = &desk.config.csat_reasons;
                if !reasons.is_empty() && !reasons.contains(r) {
                    return Err(CrmError::invalid(
                        "reason",
                        format!("{r:?} is not one of the desk's reasons"),
                    ));
                }
            }
            let mut t = before.clone();
            t.ratings.push(Csat {
                rating: value,
                score: rating.score,
                reason,
                comment: rating.comment.clone().filter(|c| !c.trim().is_empty()),
                cycle: t.cycle,
                rated_at: cx.now,
            });
            desk.save(cx, Some(&before), &mut t)?;
            cx.emit(
                EventKind::TicketRated {
                    ticket_id: t.id.clone(),
                    customer_id: t.customer_id.clone(),
                    rating: value,
                },
                format!("rated {value:?}"),
            )?;
            desk.finish(cx.tx)?;
            Ok(t)
        })
    }

    /// Links a knowledge-base article to a ticket (archived articles are not linked).
    pub fn link_article(&self, actor: &str, ticket_id: &str, article_id: &str) -> Result<Ticket> {
        self.act(actor, |cx| {
            let mut desk = Desk::load(cx.tx)?;
            let before = scoped_ticket(cx, ticket_id)?;
            if before.category == StatusCategory::Closed {
                return Err(closed(&before));
            }
            let a: crate::desk::Article = load(cx.tx, DocKind::Article, article_id)?;
            if a.state == crate::desk::ArticleState::Archived {
                return Err(CrmError::InvalidState {
                    reason: format!("article {article_id} is archived"),
                });
            }
            if before.article_ids.contains(&a.id) {
                return Ok(before);
            }
            let mut t = before.clone();
            t.article_ids.push(a.id.clone());
            t.article_ids.sort_by(|x, y| record_order(x, y));
            desk.save(cx, Some(&before), &mut t)?;
            cx.emit(
                EventKind::TicketArticleLinked {
                    ticket_id: t.id.clone(),
                    customer_id: t.customer_id.clone(),
                    article_id: a.id,
                },
                format!("article {:?} linked", a.title),
            )?;
            desk.finish(cx.tx)?;
            Ok(t)
        })
    }

    /// Every SLA clock of a ticket at `at` (default now), replayed from the ticket's history.
    pub fn ticket_sla(
        &self,
        actor: &str,
        id: &str,
        at: Option<DateTime<Utc>>,
    ) -> Result<Vec<SlaClockStatus>> {
        self.look(actor, |cx| {
            let desk = Desk::load(cx.tx)?;
            let t = scoped_ticket(cx, id)?;
            desk.clocks(&t, at.unwrap_or(cx.now))
        })
    }

    /// Closes the solved tickets whose grace period is over (managers and admins); their ids.
    pub fn close_solved_tickets(&self, actor: &str) -> Result<Vec<String>> {
        self.act(actor, |cx| {
            if cx.actor.role == crate::access::Role::Rep {
                return Err(cx.denied("close solved tickets"));
            }
            let mut desk = Desk::load(cx.tx)?;
            let tomorrow = cx
                .now
                .date_naive()
                .succ_opt()
                .unwrap_or(cx.now.date_naive());
            let mut closed_ids = Vec::new();
            for doc in cx.tx.docs_due(DocKind::Ticket, tomorrow)? {
                let before: Ticket = doc.decode()?;
                if desk.closes_at(&before).is_none_or(|c| c > cx.now) {
                    continue;
                }
                let at = closing_instant(&desk, &before, cx.now);
                let mut t = before.clone();
                move_status(&desk, &mut t, "closed", at)?;
                desk.save(cx, Some(&before), &mut t)?;
                status_event(cx, &t, &before.status, "grace period over".into())?;
                closed_ids.push(t.id);
            }
            desk.finish(cx.tx)?;
            Ok(closed_ids)
        })
    }
}
