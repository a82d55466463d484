//! SLA timing on business calendars (section 7 of DOMAIN.md).

mod calendar;
mod file;
mod interval;

pub use calendar::{Calendar, Holiday, FIRST_YEAR, LAST_YEAR};
pub use file::parse_calendar;
pub use interval::WorkInterval;
mod policy;
mod ticket;

pub use policy::{Metric, OnPriorityChange, SlaPolicy, Target, TimeBasis};
pub use ticket::{ClockState, ClockStatus, Cycle, SlaClock, SlaEvent, SlaEventKind, SlaTicket};
mod history;

pub use history::{ticket_status, TicketAction, TicketEntry};
