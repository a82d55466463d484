//! The service desk (客户服务): its configuration, tickets with their SLA clocks, comments,
//! routing and satisfaction ratings, the knowledge base, and the service report.

use crate::{AsyncCrm, AsyncRemoteCrm, Crm, RemoteCrm, Replica, Result};
use chrono::{DateTime, Utc};
use crm_core::desk::{
    Article, ArticleState, ArticleUsage, NewArticle, NewCsat, NewTicket, NewTicketComment,
    ServiceDesk, ServiceDeskPatch, ServiceReport, Ticket, TicketBreach, TicketComment, TicketPatch,
    TicketQuery, TicketReply,
};
use crm_core::performance::Achievement;
use crm_core::sla::SlaClockStatus;

operations! {
    /// The service desk's configuration: statuses, grace period, SLA policies, routes, agents.
    pub fn service_desk(&self, actor: String) -> Result<ServiceDesk> {
        self.inner.service_desk(&actor)
    }

    /// Changes the parts of the desk's configuration the patch gives (admins).
    pub fn update_service_desk(
        &self,
        actor: String,
        expected_version: u64,
        patch: ServiceDeskPatch,
    ) -> Result<ServiceDesk> {
        self.inner.update_service_desk(&actor, expected_version, patch)
    }

    /// Opens a ticket, routed by the desk's routes unless an assignee is given and timed by the
    /// first SLA policy that matches.
    pub fn create_ticket(&self, actor: String, input: NewTicket) -> Result<Ticket> {
        self.inner.create_ticket(&actor, input)
    }

    /// Opens many tickets in one transaction: every one or none.
    pub fn create_tickets(&self, actor: String, tickets: Vec<NewTicket>) -> Result<Vec<Ticket>> {
        self.inner.create_tickets(&actor, tickets)
    }

    pub fn ticket(&self, actor: String, id: String) -> Result<Ticket> {
        self.inner.ticket(&actor, &id)
    }

    /// The tickets in the actor's scope that the query selects.
    pub fn tickets(&self, actor: String, query: TicketQuery) -> Result<Vec<Ticket>> {
        self.inner.tickets(&actor, query)
    }

    /// Changes what the patch gives; a new priority moves the SLA targets as the policy says.
    pub fn update_ticket(
        &self,
        actor: String,
        id: String,
        expected_version: u64,
        patch: TicketPatch,
    ) -> Result<Ticket> {
        self.inner.update_ticket(&actor, &id, expected_version, patch)
    }

    /// Moves a ticket to another status; solving fulfils its clocks, leaving solved reopens it.
    pub fn set_ticket_status(
        &self,
        actor: String,
        id: String,
        expected_version: u64,
        status: String,
    ) -> Result<Ticket> {
        self.inner
            .set_ticket_status(&actor, &id, expected_version, status)
    }

    /// Gives a ticket to another agent or group, with the reason recorded.
    #[uniffi::method(default(assignee_id = None, group_id = None))]
    pub fn assign_ticket(
        &self,
        actor: String,
        id: String,
        expected_version: u64,
        assignee_id: Option<String>,
        group_id: Option<String>,
        reason: String,
    ) -> Result<Ticket> {
        self.inner.assign_ticket(
            &actor,
            &id,
            expected_version,
            assignee_id,
            group_id,
            reason,
        )
    }

    /// A public reply or internal note; a requester's message reopens, or opens a follow-up.
    pub fn add_ticket_comment(
        &self,
        actor: String,
        ticket_id: String,
        comment: NewTicketComment,
    ) -> Result<TicketReply> {
        self.inner.add_ticket_comment(&actor, &ticket_id, comment)
    }

    pub fn ticket_comments(&self, actor: String, ticket_id: String) -> Result<Vec<TicketComment>> {
        self.inner.ticket_comments(&actor, &ticket_id)
    }

    /// The requester's satisfaction with a solved ticket: one rating per solve.
    pub fn rate_ticket(&self, actor: String, id: String, rating: NewCsat) -> Result<Ticket> {
        self.inner.rate_ticket(&actor, &id, rating)
    }

    pub fn link_article(
        &self,
        actor: String,
        ticket_id: String,
        article_id: String,
    ) -> Result<Ticket> {
        self.inner.link_article(&actor, &ticket_id, &article_id)
    }

    /// Every SLA clock of a ticket at `at` (now when left out), from the ticket's own history.
    #[uniffi::method(default(at = None))]
    pub fn ticket_sla(
        &self,
        actor: String,
        id: String,
        at: Option<DateTime<Utc>>,
    ) -> Result<Vec<SlaClockStatus>> {
        self.inner.ticket_sla(&actor, &id, at)
    }

    /// Tickets breached or due within `within_minutes` (60) of `at` (now): breached first, then
    /// the soonest due; for one agent, one group or the actor's whole scope.
    #[uniffi::method(default(at = None, within_minutes = None, assignee_id = None, group_id = None))]
    pub fn ticket_breaches(
        &self,
        actor: String,
        at: Option<DateTime<Utc>>,
        within_minutes: Option<i64>,
        assignee_id: Option<String>,
        group_id: Option<String>,
    ) -> Result<Vec<TicketBreach>> {
        self.inner
            .ticket_breaches(&actor, at, within_minutes, assignee_id, group_id)
    }

    /// Closes the solved tickets whose grace period is over; their ids.
    pub fn close_solved_tickets(&self, actor: String) -> Result<Vec<String>> {
        self.inner.close_solved_tickets(&actor)
    }

    /// A draft article of the knowledge base.
    pub fn create_article(&self, actor: String, input: NewArticle) -> Result<Article> {
        self.inner.create_article(&actor, input)
    }

    pub fn article(&self, actor: String, id: String) -> Result<Article> {
        self.inner.article(&actor, &id)
    }

    pub fn articles(&self, actor: String) -> Result<Vec<Article>> {
        self.inner.articles(&actor)
    }

    /// Draft → in review → published → archived; publishing and archiving need a manager.
    pub fn set_article_state(
        &self,
        actor: String,
        id: String,
        expected_version: u64,
        state: ArticleState,
    ) -> Result<Article> {
        self.inner
            .set_article_state(&actor, &id, expected_version, state)
    }

    /// Each article with the tickets linking it and how many of them were solved.
    pub fn article_usage(&self, actor: String) -> Result<Vec<ArticleUsage>> {
        self.inner.article_usage(&actor)
    }

    /// Service performance for a period per agent, per group and in total.
    #[uniffi::method(default(group_id = None))]
    pub fn service_report(
        &self,
        actor: String,
        period: String,
        group_id: Option<String>,
    ) -> Result<ServiceReport> {
        self.inner.service_report(&actor, &period, group_id)
    }

    /// Tickets solved in a period as achievements, for `evaluate` and `leaderboard`.
    pub fn service_achievements(&self, actor: String, period: String) -> Result<Vec<Achievement>> {
        self.inner.service_achievements(&actor, &period)
    }
}
