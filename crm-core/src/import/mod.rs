//! Import and data quality (数据清洗): column mappings, per-field normalisation, Chinese
//! divisions, CSV reading, and the records of import jobs. The service runs imports
//! (`service::imports`) and the quality report (`service::quality`).

pub mod csv;
pub mod divisions;
pub mod facts;
pub mod fields;
mod model;
pub mod quality;
mod source;
pub mod targets;

pub use model::*;
pub use source::{ColumnSource, RowSource, SourceError, SourceRow, MAX_COLUMNS};
