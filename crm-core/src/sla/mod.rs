//! SLA timing on business calendars (section 7 of DOMAIN.md).

mod answers;
mod calendar;
mod file;
mod interval;

pub use answers::{SlaDue, SlaElapsed, SlaWorkingAt};
pub use calendar::{Calendar, Holiday, FIRST_YEAR, LAST_YEAR};
pub use file::parse_calendar;
pub use interval::WorkInterval;
mod policy;
mod ticket;

pub use policy::{
    OnPriorityChange, SlaMetric, SlaPolicy, SlaTarget, SlaTimeBasis, MAX_TARGET_MINUTES,
};
pub use ticket::{
    SlaClock, SlaClockState, SlaClockStatus, SlaCycle, SlaEvent, SlaEventKind, SlaTicket,
};
mod history;

pub use history::{ticket_status, SlaHistoryEntry};
