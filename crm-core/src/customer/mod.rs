//! Customers, contacts, follow-ups, duplicate detection and merging (section 1 of DOMAIN.md).

pub mod classes;
pub(crate) mod dedup;
pub mod grams;
mod merge;
mod model;
pub mod normalize;
pub(crate) mod similarity;
pub mod variants;

pub use dedup::{
    DuplicateMatch, DuplicateMode, DuplicatePolicy, DuplicateProbe, MatchField, NAME_PREFIX,
};
pub(crate) use merge::merge_into;
pub use model::*;
