//! Imports (导入): the rows of a file or of columns become customers, contacts or leads through
//! the entry rules every other write uses (validation, scope, duplicate policy), in committed
//! batches recorded on a stored job, so an import can be resumed after a crash and reverted.
//!
//! A row's refusal is decided before its first write; only a store failure stops the import
//! (the job stays `running` and resumes after its last committed batch). A dry run and an
//! all-or-nothing import run every row in one transaction that is then rolled back (dry run) or
//! rolled back when a row failed, so both report exactly what a real run does.

mod apply;
mod revert;

use super::{load, Crm, Ctx};
use crate::error::{CrmError, EntityKind, Result};
use crate::event::EventKind;
use crate::ids::record_order;
use crate::import::targets::{self, Plan};
use crate::import::{
    ColumnSource, ImportColumn, ImportCounts, ImportJob, ImportMapping, ImportOptions,
    ImportResult, ImportState, RejectedRow, RowAction, RowError, RowOutcome, RowSource,
    SavedMapping, SourceError, SourceRow,
};
use crate::store::{Doc, DocKind};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::HashMap;

/// Rows per committed batch unless the caller says otherwise.
pub const IMPORT_BATCH: u32 = 5_000;
const MAX_BATCH: u32 = 100_000;

/// Receives each row's outcome as the import decides it (after its batch commits, in a real
/// run), and the job after every batch: a CLI's progress bar and rejects file.
pub trait ImportSink {
    fn row(&mut self, outcome: &RowOutcome, values: &[Option<String>]);
    fn committed(&mut self, _job: &ImportJob) {}
}

impl ImportSink for Vec<RowOutcome> {
    fn row(&mut self, outcome: &RowOutcome, _values: &[Option<String>]) {
        self.push(outcome.clone());
    }
}

/// One field an update changed, for the revert.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct FieldChange {
    field: String,
    before: Value,
    after: Value,
}

/// What one row did to one record.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Change {
    row: u64,
    record: String,
    created: bool,
    /// The record's version after the row.
    version: u64,
    fields: Vec<FieldChange>,
}

/// A committed batch: its changes and the rows it refused.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Batch {
    job_id: String,
    index: u64,
    first_row: u64,
    last_row: u64,
    changes: Vec<Change>,
    rejected: Vec<RejectedRow>,
    /// Records a row matched and left as they were, with its row: a resumed run must still
    /// know them as met in this file (a later row matching one is a duplicate within it).
    #[serde(default)]
    unchanged: Vec<(String, u64)>,
}

/// A row's decision and what it changed.
struct Decided {
    outcome: RowOutcome,
    change: Option<Change>,
}

/// What a run remembers across rows: records this file created or updated (a later row that
/// matches one is a duplicate within the file), and the lead index.
struct Run {
    plan: Plan,
    mapping: ImportMapping,
    threshold: f64,
    touched: HashMap<String, u64>,
    leads: Option<apply::LeadIndex>,
}

impl Crm {
    /// Imports rows from any source; outcomes go to `sink` as they are decided.
    pub fn import(
        &self,
        actor: &str,
        options: ImportOptions,
        source: &mut dyn RowSource,
        sink: &mut dyn ImportSink,
    ) -> Result<ImportResult> {
        let mapping = self.resolve_mapping(actor, &options)?;
        let plan = Plan::new(&mapping, source.header())?;
        let batch_size = batch_size(options.batch_size)?;
        if options.dry_run {
            let counts = self.discard(actor, |cx| {
                let mut run = Run::new(cx, plan, mapping)?;
                let mut counts = ImportCounts::default();
                while let Some(next) = source.next_row() {
                    let (decided, values) = decide(cx, &mut run, next)?;
                    counts.add(decided.outcome.action);
                    sink.row(&decided.outcome, &values);
                }
                Ok(counts)
            })?;
            return Ok(ImportResult {
                job: None,
                dry_run: true,
                counts,
                outcomes: Vec::new(),
            });
        }
        let header = source.header().to_vec();
        let job = self.act(actor, |cx| {
            let job = ImportJob {
                id: cx.new_id("imp")?,
                mapping: mapping.clone(),
                file_name: options.file_name.clone(),
                header,
                state: ImportState::Running,
                counts: ImportCounts::default(),
                committed_rows: 0,
                batches: 0,
                batch_size,
                created_by: cx.actor.id.clone(),
                created_at: cx.now,
                finished_at: None,
                reverted_at: None,
                version: 1,
            };
            save_job(cx, &job)?;
            Ok(job)
        })?;
        self.carry_on(actor, job, plan, source, sink)
    }

    /// Carries on a `running` import after its last committed batch, reading the same file
    /// from its start (rows already committed are skipped).
    pub fn resume_import(
        &self,
        actor: &str,
        job_id: &str,
        source: &mut dyn RowSource,
        sink: &mut dyn ImportSink,
    ) -> Result<ImportResult> {
        let job = self.look(actor, |cx| own_job(cx, job_id))?;
        if job.state != ImportState::Running {
            return Err(CrmError::InvalidState {
                reason: format!("import {job_id} is {:?}, not running", job.state).to_lowercase(),
            });
        }
        if source.header() != job.header.as_slice() {
            return Err(CrmError::invalid(
                "file",
                format!("the header differs from import {job_id}'s: resume with the same file"),
            ));
        }
        let plan = Plan::new(&job.mapping, source.header())?;
        self.carry_on(actor, job, plan, source, sink)
    }

    /// Rows given as columns (a DataFrame, an Arrow table, arrays).
    pub fn import_columns(
        &self,
        actor: &str,
        options: ImportOptions,
        columns: Vec<ImportColumn>,
    ) -> Result<ImportResult> {
        let mut source = ColumnSource::new(columns)?;
        let mut outcomes = Vec::new();
        let mut result = self.import(actor, options, &mut source, &mut outcomes)?;
        result.outcomes = outcomes;
        Ok(result)
    }

    /// A CSV file's text (UTF-8; a byte-order mark is skipped).
    pub fn import_csv(
        &self,
        actor: &str,
        options: ImportOptions,
        csv: &str,
    ) -> Result<ImportResult> {
        let mut source =
            crate::import::csv::CsvSource::new(csv.as_bytes(), crate::import::csv::Encoding::Utf8)?;
        let mut outcomes = Vec::new();
        let mut result = self.import(actor, options, &mut source, &mut outcomes)?;
        result.outcomes = outcomes;
        Ok(result)
    }

    /// `resume_import` over a CSV file's text.
    pub fn resume_import_csv(&self, actor: &str, job_id: &str, csv: &str) -> Result<ImportResult> {
        let mut source =
            crate::import::csv::CsvSource::new(csv.as_bytes(), crate::import::csv::Encoding::Utf8)?;
        let mut outcomes = Vec::new();
        let mut result = self.resume_import(actor, job_id, &mut source, &mut outcomes)?;
        result.outcomes = outcomes;
        Ok(result)
    }

    pub fn import_job(&self, actor: &str, id: &str) -> Result<ImportJob> {
        self.look(actor, |cx| own_job(cx, id))
    }

    /// The actor's imports (every import, for an administrator), newest first.
    pub fn import_jobs(&self, actor: &str) -> Result<Vec<ImportJob>> {
        self.look(actor, |cx| {
            let mut jobs = Vec::new();
            for doc in cx.tx.docs(DocKind::ImportJob, None)? {
                let job: ImportJob = doc.decode()?;
                if job.created_by == cx.actor.id || cx.require_admin("").is_ok() {
                    jobs.push(job);
                }
            }
            jobs.sort_by(|a, b| record_order(&b.id, &a.id));
            Ok(jobs)
        })
    }

    /// The rows an import refused, with their cells and errors, in row order.
    pub fn import_rejects(&self, actor: &str, job_id: &str) -> Result<Vec<RejectedRow>> {
        self.look(actor, |cx| {
            own_job(cx, job_id)?;
            Ok(batches(cx, job_id)?
                .into_iter()
                .flat_map(|b| b.rejected)
                .collect())
        })
    }

    /// The refused rows as a CSV to fix and import again: the file's header plus `error`.
    pub fn import_rejects_csv(&self, actor: &str, job_id: &str) -> Result<String> {
        let job = self.import_job(actor, job_id)?;
        let rows = self.import_rejects(actor, job_id)?;
        Ok(crate::import::csv::rejects_csv(&job.header, &rows))
    }

    /// Keeps a mapping under a name for the next file.
    pub fn save_import_mapping(
        &self,
        actor: &str,
        name: &str,
        mapping: ImportMapping,
    ) -> Result<SavedMapping> {
        use crate::limits::Bounded;
        mapping.check_bounds()?;
        let name = super::non_empty("name", name)?;
        self.act(actor, |cx| {
            let saved = SavedMapping {
                id: cx.new_id("map")?,
                name,
                mapping,
                created_by: cx.actor.id.clone(),
                version: 1,
            };
            cx.tx.put_doc(Doc::new(
                DocKind::ImportMapping,
                &saved.id,
                None,
                1,
                &saved,
            )?)?;
            Ok(saved)
        })
    }

    pub fn import_mappings(&self, actor: &str) -> Result<Vec<SavedMapping>> {
        self.look(actor, |cx| {
            let mut out: Vec<SavedMapping> = cx
                .tx
                .docs(DocKind::ImportMapping, None)?
                .iter()
                .map(Doc::decode)
                .collect::<Result<_>>()?;
            out.sort_by(|a, b| record_order(&a.id, &b.id));
            Ok(out)
        })
    }

    fn resolve_mapping(&self, actor: &str, options: &ImportOptions) -> Result<ImportMapping> {
        use crate::limits::Bounded;
        let mapping = match (&options.mapping, &options.mapping_id) {
            (Some(m), None) => m.clone(),
            (None, Some(id)) => {
                self.look(actor, |cx| {
                    load::<SavedMapping>(cx.tx, DocKind::ImportMapping, id)
                })?
                .mapping
            }
            _ => {
                return Err(CrmError::invalid(
                    "mapping",
                    "give either a mapping or a mapping_id",
                ))
            }
        };
        mapping.check_bounds()?;
        Ok(mapping)
    }

    /// Runs `f` in a write transaction and rolls it back, keeping its answer.
    fn discard<T>(&self, actor: &str, f: impl FnOnce(&mut Ctx<'_>) -> Result<T>) -> Result<T> {
        let mut out = None;
        let rolled_back = self.act(actor, |cx| {
            out = Some(f(cx)?);
            Err::<(), _>(CrmError::InvalidState {
                reason: "rolled back on purpose".into(),
            })
        });
        match (out, rolled_back) {
            (Some(value), _) => Ok(value),
            (None, Err(e)) => Err(e),
            (None, Ok(())) => Err(CrmError::InvalidState {
                reason: "a rolled-back transaction produced nothing".into(),
            }),
        }
    }

    fn carry_on(
        &self,
        actor: &str,
        mut job: ImportJob,
        plan: Plan,
        source: &mut dyn RowSource,
        sink: &mut dyn ImportSink,
    ) -> Result<ImportResult> {
        let job_id = job.id.clone();
        let mut run = self.look(actor, |cx| {
            let mut run = Run::new(cx, plan, job.mapping.clone())?;
            for batch in batches(cx, &job_id)? {
                let met = batch.changes.into_iter().map(|c| (c.record, c.row));
                for (record, row) in met.chain(batch.unchanged) {
                    run.touched.entry(record).or_insert(row);
                }
            }
            Ok(run)
        })?;
        let mut skipped = 0u64;
        while skipped < job.committed_rows {
            match source.next_row() {
                Some(Err(SourceError::File(e))) => return Err(e),
                Some(_) => skipped += 1,
                None => break,
            }
        }
        let all_or_nothing = job.mapping.all_or_nothing;
        let batch_rows = if all_or_nothing {
            u64::MAX
        } else {
            u64::from(job.batch_size)
        };
        let mut counts = job.counts;
        loop {
            let mut buffered: Vec<(RowOutcome, Vec<Option<String>>)> = Vec::new();
            let mut failed_any = false;
            let outcome = self.act(actor, |cx| {
                let mut fresh: ImportJob = load(cx.tx, DocKind::ImportJob, &job_id)?;
                let index = fresh.batches;
                let mut batch = Batch {
                    job_id: job_id.clone(),
                    index,
                    first_row: fresh.committed_rows + 1,
                    last_row: fresh.committed_rows,
                    changes: Vec::new(),
                    rejected: Vec::new(),
                    unchanged: Vec::new(),
                };
                let mut batch_counts = ImportCounts::default();
                let mut ended = false;
                let mut read = 0u64;
                while read < batch_rows {
                    let Some(next) = source.next_row() else {
                        ended = true;
                        break;
                    };
                    read += 1;
                    let (decided, values) = decide(cx, &mut run, next)?;
                    let Decided { outcome, change } = decided;
                    batch.last_row = outcome.row.max(batch.last_row);
                    batch_counts.add(outcome.action);
                    if outcome.action == RowAction::Failed {
                        failed_any = true;
                        batch.rejected.push(RejectedRow {
                            row: outcome.row,
                            line: outcome.line,
                            values: values.clone(),
                            errors: outcome.errors.clone(),
                        });
                    }
                    match (&change, &outcome.record_id) {
                        // Only what the run now knows as met by this row.
                        (None, Some(id)) if run.touched.get(id) == Some(&outcome.row) => {
                            batch.unchanged.push((id.clone(), outcome.row))
                        }
                        _ => batch.changes.extend(change),
                    }
                    if all_or_nothing {
                        sink.row(&outcome, &values);
                    } else {
                        buffered.push((outcome, values));
                    }
                }
                if all_or_nothing && failed_any {
                    counts.merge(&batch_counts);
                    return Err(CrmError::InvalidState {
                        reason: "all or nothing: a row failed".into(),
                    });
                }
                fresh.counts.merge(&batch_counts);
                fresh.committed_rows += read;
                if read > 0 {
                    fresh.batches += 1;
                    let batch_id = format!("{job_id}-b{index}");
                    cx.tx.put_doc(Doc::new(
                        DocKind::ImportBatch,
                        &batch_id,
                        Some(&job_id),
                        1,
                        &batch,
                    )?)?;
                }
                if ended {
                    fresh.state = ImportState::Completed;
                    fresh.finished_at = Some(cx.now);
                    cx.emit(
                        EventKind::ImportFinished {
                            import_id: job_id.clone(),
                            counts: fresh.counts,
                        },
                        format!(
                            "import {job_id}: {} created, {} updated, {} failed",
                            fresh.counts.created, fresh.counts.updated, fresh.counts.failed
                        ),
                    )?;
                }
                fresh.version += 1;
                save_job(cx, &fresh)?;
                Ok((fresh, ended))
            });
            match outcome {
                Ok((fresh, ended)) => {
                    for (outcome, values) in &buffered {
                        sink.row(outcome, values);
                    }
                    sink.committed(&fresh);
                    counts = fresh.counts;
                    job = fresh;
                    if ended {
                        break;
                    }
                }
                Err(_) if all_or_nothing && failed_any => {
                    job = self.act(actor, |cx| {
                        let mut fresh: ImportJob = load(cx.tx, DocKind::ImportJob, &job_id)?;
                        fresh.state = ImportState::RolledBack;
                        fresh.counts = counts;
                        fresh.finished_at = Some(cx.now);
                        fresh.version += 1;
                        save_job(cx, &fresh)?;
                        Ok(fresh)
                    })?;
                    sink.committed(&job);
                    break;
                }
                Err(e) => return Err(e),
            }
        }
        Ok(ImportResult {
            counts: job.counts,
            job: Some(job),
            dry_run: false,
            outcomes: Vec::new(),
        })
    }
}

impl Run {
    fn new(cx: &mut Ctx<'_>, plan: Plan, mapping: ImportMapping) -> Result<Run> {
        let threshold = cx.duplicate_policy()?.name_threshold;
        Ok(Run {
            plan,
            mapping,
            threshold,
            touched: HashMap::new(),
            leads: None,
        })
    }
}

fn batch_size(asked: Option<u32>) -> Result<u32> {
    let size = asked.unwrap_or(IMPORT_BATCH);
    if (1..=MAX_BATCH).contains(&size) {
        Ok(size)
    } else {
        Err(CrmError::invalid(
            "batch_size",
            format!("must lie between 1 and {MAX_BATCH}"),
        ))
    }
}

/// Types a row and applies it; a row the source could not read fails as it is.
fn decide(
    cx: &mut Ctx<'_>,
    run: &mut Run,
    next: std::result::Result<SourceRow, SourceError>,
) -> Result<(Decided, Vec<Option<String>>)> {
    let row = match next {
        Ok(row) => row,
        Err(SourceError::File(e)) => return Err(e),
        Err(SourceError::Row(error, values)) => {
            let outcome = failed(error.row, error.line, vec![error]);
            return Ok((
                Decided {
                    outcome,
                    change: None,
                },
                values,
            ));
        }
    };
    let (draft, mut errors) = targets::draft(&run.plan, &row.values);
    let decided = if errors.is_empty() {
        apply::row(cx, run, row.row, draft)?
    } else {
        for e in &mut errors {
            e.row = row.row;
        }
        Decided {
            outcome: failed(row.row, None, errors),
            change: None,
        }
    };
    let mut decided = decided;
    decided.outcome.row = row.row;
    decided.outcome.line = row.line;
    for e in &mut decided.outcome.errors {
        e.row = row.row;
        e.line = row.line;
    }
    Ok((decided, row.values))
}

fn failed(row: u64, line: Option<u64>, errors: Vec<RowError>) -> RowOutcome {
    RowOutcome {
        row,
        line,
        action: RowAction::Failed,
        record_id: None,
        fields: Vec::new(),
        note: None,
        errors,
    }
}

fn save_job(cx: &mut Ctx<'_>, job: &ImportJob) -> Result<()> {
    cx.tx.put_doc(Doc::new(
        DocKind::ImportJob,
        &job.id,
        Some(&job.created_by),
        job.version,
        job,
    )?)
}

/// A job the actor started, or any job for an administrator.
fn own_job(cx: &mut Ctx<'_>, id: &str) -> Result<ImportJob> {
    let job: ImportJob = load(cx.tx, DocKind::ImportJob, id)?;
    if job.created_by == cx.actor.id || cx.actor.role == crate::access::Role::Admin {
        Ok(job)
    } else {
        Err(CrmError::OutOfScope {
            actor: cx.actor.id.clone(),
            kind: EntityKind::Import,
            id: id.to_string(),
        })
    }
}

/// A job's committed batches in order.
fn batches(cx: &mut Ctx<'_>, job_id: &str) -> Result<Vec<Batch>> {
    let mut out: Vec<Batch> = cx
        .tx
        .docs(DocKind::ImportBatch, Some(job_id))?
        .iter()
        .map(Doc::decode)
        .collect::<Result<_>>()?;
    out.sort_by_key(|b| b.index);
    Ok(out)
}
