//! Import records: the mapping of a file's columns to fields, the job, and each row's outcome.

use crate::access::UserId;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// What the rows of a file become.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[serde(rename_all = "snake_case")]
pub enum ImportKind {
    Customers,
    Contacts,
    Leads,
}

/// Whether rows may create records, update matched ones, or both.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[serde(rename_all = "snake_case")]
pub enum ImportMode {
    /// A row that matches a stored record is reported as a duplicate and left alone.
    #[default]
    Create,
    /// A row that matches nothing fails with `NOT_FOUND`.
    Update,
    /// Create or update.
    Upsert,
}

/// A field rows are matched on, with the duplicate rules of entry (normalised phone and email,
/// name by similarity over the organisation's threshold).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[serde(rename_all = "snake_case")]
pub enum MatchKey {
    Id,
    Phone,
    Email,
    /// Customers and leads: the name by similarity; contacts: the name within their customer.
    Name,
}

/// Two rows of one file that match each other.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[serde(rename_all = "snake_case")]
pub enum InFileDuplicates {
    /// The later row updates the record the earlier one created.
    #[default]
    Merge,
    /// The later row fails with `DUPLICATE_IN_FILE`.
    Error,
}

/// How a file's columns become fields: saved under a name and reused for the next file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[serde(deny_unknown_fields)]
pub struct ImportMapping {
    pub kind: ImportKind,
    /// Column header → field: `name`, `phones`, `emails`, `tags`, `province`, `address`,
    /// `custom.birthday:date` ... (see `import::targets`). Unmapped columns are ignored.
    pub columns: BTreeMap<String, String>,
    /// `create` when left out (uniffi has no defaults for enum fields: Kotlin and Swift give it).
    #[serde(default)]
    pub mode: ImportMode,
    /// Fields rows match stored records on; default: phone and email (id for `update`).
    #[serde(default)]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub match_on: Vec<MatchKey>,
    /// `merge` when left out (given in Kotlin and Swift, like `mode`).
    #[serde(default)]
    pub in_file_duplicates: InFileDuplicates,
    /// ISO 3166 region of phone numbers written without a country code (default `CN`).
    #[serde(default)]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub default_region: Option<String>,
    /// Write nothing when any row fails.
    #[serde(default)]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub all_or_nothing: bool,
}

/// A mapping kept for reuse.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct SavedMapping {
    pub id: String,
    pub name: String,
    pub mapping: ImportMapping,
    pub created_by: UserId,
    pub version: u64,
}

/// What to import with: a mapping given whole or a saved one by id.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[serde(deny_unknown_fields)]
pub struct ImportOptions {
    #[serde(default)]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub mapping: Option<ImportMapping>,
    #[serde(default)]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub mapping_id: Option<String>,
    /// Evaluate every row and report its outcome; write nothing.
    #[serde(default)]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub dry_run: bool,
    /// The file's name, kept on the job.
    #[serde(default)]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub file_name: Option<String>,
    /// Rows per committed transaction (default 5,000): a resumed import restarts after the
    /// last committed batch.
    #[serde(default)]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub batch_size: Option<u32>,
}

/// Rows given as columns (one list of cells per header, all of one length): how bindings pass
/// a DataFrame, an Arrow table or arrays. `None` and blank cells leave a field unset.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[serde(deny_unknown_fields)]
pub struct ImportColumn {
    pub name: String,
    pub values: Vec<Option<String>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[serde(rename_all = "snake_case")]
pub enum RowAction {
    Created,
    Updated,
    /// Matched a record that already holds every value of the row.
    Unchanged,
    /// Matched a stored record in `create` mode, and was left alone.
    Duplicate,
    Failed,
}

/// Why a row (or one of its cells) was refused.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct RowError {
    /// 1-based data row (the header is not a row).
    pub row: u64,
    /// The file line the row starts on, when it came from a file.
    pub line: Option<u64>,
    /// The column, when one cell is at fault.
    pub field: Option<String>,
    pub code: String,
    pub message: String,
    /// The cell as it was (at most 200 characters).
    pub raw: Option<String>,
}

/// What became of one row.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct RowOutcome {
    pub row: u64,
    pub line: Option<u64>,
    pub action: RowAction,
    /// The record created, updated or matched.
    pub record_id: Option<String>,
    /// Fields an update changed.
    pub fields: Vec<String>,
    /// Why a duplicate was left alone, or a row merged into an earlier one.
    pub note: Option<String>,
    pub errors: Vec<RowError>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct ImportCounts {
    pub rows: u64,
    pub created: u64,
    pub updated: u64,
    pub unchanged: u64,
    pub duplicate: u64,
    pub failed: u64,
}

impl ImportCounts {
    pub(crate) fn add(&mut self, action: RowAction) {
        self.rows += 1;
        match action {
            RowAction::Created => self.created += 1,
            RowAction::Updated => self.updated += 1,
            RowAction::Unchanged => self.unchanged += 1,
            RowAction::Duplicate => self.duplicate += 1,
            RowAction::Failed => self.failed += 1,
        }
    }

    pub(crate) fn merge(&mut self, other: &ImportCounts) {
        self.rows += other.rows;
        self.created += other.created;
        self.updated += other.updated;
        self.unchanged += other.unchanged;
        self.duplicate += other.duplicate;
        self.failed += other.failed;
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[serde(rename_all = "snake_case")]
pub enum ImportState {
    /// Started and not finished: `resume_import` carries on after `committed_rows`.
    Running,
    Completed,
    /// All or nothing, and a row failed: nothing was written.
    RolledBack,
    Reverted,
}

/// An import: its mapping, counts and progress, stored so it can be resumed and reverted.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct ImportJob {
    pub id: String,
    pub mapping: ImportMapping,
    pub file_name: Option<String>,
    pub header: Vec<String>,
    pub state: ImportState,
    pub counts: ImportCounts,
    /// Rows written by committed batches; a resumed import starts after them.
    pub committed_rows: u64,
    /// Committed batches, each a stored record of what it changed.
    pub batches: u64,
    pub batch_size: u32,
    pub created_by: UserId,
    pub created_at: DateTime<Utc>,
    pub finished_at: Option<DateTime<Utc>>,
    pub reverted_at: Option<DateTime<Utc>>,
    pub version: u64,
}

/// An import's answer: every row's outcome, and the stored job (none for a dry run).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct ImportResult {
    pub job: Option<ImportJob>,
    pub dry_run: bool,
    pub counts: ImportCounts,
    pub outcomes: Vec<RowOutcome>,
}

/// A refused row as it was, with its errors: written out as a CSV to fix and import again.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct RejectedRow {
    pub row: u64,
    pub line: Option<u64>,
    pub values: Vec<Option<String>>,
    pub errors: Vec<RowError>,
}

/// A record a revert left alone, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct RevertSkip {
    pub record_id: String,
    pub field: Option<String>,
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct RevertReport {
    pub job: ImportJob,
    /// Records the import created, now deleted.
    pub deleted: Vec<String>,
    /// Records whose imported fields were restored.
    pub restored: Vec<String>,
    /// Changed since the import: reported, not touched.
    pub skipped: Vec<RevertSkip>,
}
