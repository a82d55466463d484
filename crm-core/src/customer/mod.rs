//! Customers, contacts, follow-ups, duplicate detection and merging (section 1 of DOMAIN.md).

pub(crate) mod dedup;
mod merge;
mod model;
pub mod normalize;

pub use dedup::{DuplicateMatch, DuplicateMode, DuplicatePolicy, DuplicateProbe, MatchField};
pub(crate) use merge::merge_into;
pub use model::*;
