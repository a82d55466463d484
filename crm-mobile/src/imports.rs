//! Import and data quality (数据清洗): rows as columns or a CSV file's text, saved mappings,
//! jobs with their refused rows, revert, and the quality report.

use crate::{AsyncCrm, AsyncRemoteCrm, Crm, RemoteCrm, Replica, Result};
use crm_core::import::quality::{QualityOptions, QualityReport};
use crm_core::import::{
    ImportColumn, ImportJob, ImportMapping, ImportOptions, ImportResult, RejectedRow, RevertReport,
    SavedMapping,
};

operations! {
    /// Imports rows given as columns (one list of cells per header): every row's outcome, and
    /// the stored job (none for a dry run).
    pub fn import_columns(
        &self,
        actor: String,
        options: ImportOptions,
        columns: Vec<ImportColumn>,
    ) -> Result<ImportResult> {
        self.inner.import_columns(&actor, options, columns)
    }

    /// Imports a CSV file's text (UTF-8; a byte-order mark is skipped).
    pub fn import_csv(&self, actor: String, options: ImportOptions, csv: String) -> Result<ImportResult> {
        self.inner.import_csv(&actor, options, &csv)
    }

    /// Carries on a running import after its last committed batch, given the same CSV again.
    pub fn resume_import_csv(&self, actor: String, job_id: String, csv: String) -> Result<ImportResult> {
        self.inner.resume_import_csv(&actor, &job_id, &csv)
    }

    pub fn import_job(&self, actor: String, id: String) -> Result<ImportJob> {
        self.inner.import_job(&actor, &id)
    }

    /// The actor's imports (every import, for an administrator), newest first.
    pub fn import_jobs(&self, actor: String) -> Result<Vec<ImportJob>> {
        self.inner.import_jobs(&actor)
    }

    /// The rows an import refused, with their cells and errors.
    pub fn import_rejects(&self, actor: String, job_id: String) -> Result<Vec<RejectedRow>> {
        self.inner.import_rejects(&actor, &job_id)
    }

    /// The refused rows as a CSV to fix and import again: the file's columns plus `error`.
    pub fn import_rejects_csv(&self, actor: String, job_id: String) -> Result<String> {
        self.inner.import_rejects_csv(&actor, &job_id)
    }

    /// Deletes what an import created and restores what it updated, unless changed since.
    pub fn revert_import(&self, actor: String, job_id: String) -> Result<RevertReport> {
        self.inner.revert_import(&actor, &job_id)
    }

    /// Keeps a column mapping under a name, for `ImportOptions.mappingId`.
    pub fn save_import_mapping(
        &self,
        actor: String,
        name: String,
        mapping: ImportMapping,
    ) -> Result<SavedMapping> {
        self.inner.save_import_mapping(&actor, &name, mapping)
    }

    pub fn import_mappings(&self, actor: String) -> Result<Vec<SavedMapping>> {
        self.inner.import_mappings(&actor)
    }

    /// Completeness and validity per field, owner and team; duplicate clusters; stale customers;
    /// one person's conflicting phones and emails.
    pub fn quality_report(&self, actor: String, options: QualityOptions) -> Result<QualityReport> {
        self.inner.quality_report(&actor, options)
    }
}
