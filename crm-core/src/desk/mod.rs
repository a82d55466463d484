//! The service desk (客户服务, DOMAIN.md section 9): tickets, their statuses and clocks,
//! routing, satisfaction and the knowledge base. Records and pure rules; the service layer
//! stores them.

mod config;
mod model;
mod report;
mod routing;

pub use config::{
    Agent, DeskPolicy, DeskRoute, RouteStrategy, ServiceDesk, ServiceDeskPatch, TicketConditions,
    TicketFacts, TicketStatusDef, BUILT_IN_STATUSES,
};
pub use model::{
    Article, ArticleState, ArticleUsage, CommentAuthor, Csat, CsatRating, NewArticle, NewCsat,
    NewTicket, NewTicketComment, StatusCategory, Ticket, TicketChannel, TicketComment, TicketPatch,
    TicketPriority, TicketQuery, TicketReply,
};
pub use report::{
    csat_percent, percentile, service_rows, BacklogBucket, ServiceReport, ServiceRow, TicketBreach,
    TicketSample,
};
pub use routing::{pick_agent, AgentLoad};
