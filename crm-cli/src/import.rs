//! `crm import`, `crm import-jobs`, `crm import-revert` and `crm quality`: files into a database
//! through a saved-or-given column mapping, with a progress bar on a terminal (plain lines
//! otherwise), the refused rows written to a CSV to fix, and a summary; the data quality report.

use crate::db::Target;
use crm_core::import::csv::{CsvSource, Encoding};
use crm_core::import::quality::{QualityOptions, QualityReport};
use crm_core::import::RowSource;
use crm_core::import::{
    ImportCounts, ImportJob, ImportKind, ImportMapping, ImportMode, ImportOptions, ImportState,
    RowAction, RowOutcome,
};
use crm_core::service::ImportSink;
use crm_core::SystemClock;
use indicatif::{ProgressBar, ProgressStyle};
use std::io::{IsTerminal, Read, Write};
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

type CliResult<T = ()> = Result<T, Box<dyn std::error::Error>>;

/// Exit status when rows were refused or an all-or-nothing import wrote nothing.
pub const ROWS_REFUSED: u8 = 2;

pub struct ImportArgs {
    pub db: Target,
    pub file: PathBuf,
    pub map: Option<PathBuf>,
    pub mapping_id: Option<String>,
    pub kind: Option<ImportKind>,
    pub mode: Option<ImportMode>,
    pub dry_run: bool,
    pub rejects: Option<PathBuf>,
    pub actor: String,
    pub encoding: String,
    pub batch_size: Option<u32>,
    pub resume: Option<String>,
}

/// Counts the bytes a reader hands out, for a progress bar over the file's size.
struct Counted<R> {
    inner: R,
    read: Arc<AtomicU64>,
}

impl<R: Read> Read for Counted<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.read.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}

/// Where outcomes go: the rejects file, the progress display.
struct Sink {
    header: Vec<String>,
    rejects: Option<csv::Writer<std::fs::File>>,
    rejected: u64,
    bar: Option<ProgressBar>,
    read: Arc<AtomicU64>,
    size: u64,
    rows: u64,
    next_line_at: u64,
    error: Option<std::io::Error>,
}

impl Sink {
    fn tick(&mut self) {
        if let Some(bar) = &self.bar {
            bar.set_position(self.read.load(Ordering::Relaxed));
            bar.set_message(format!("{} rows", self.rows));
        } else if self.rows >= self.next_line_at {
            let read = self.read.load(Ordering::Relaxed);
            eprintln!(
                "{} rows, {}% of the file",
                self.rows,
                (read * 100).checked_div(self.size).unwrap_or(100)
            );
            self.next_line_at += progress_step(self.size);
        }
    }
}

/// Plain progress lines every so many rows: about ten for a large file.
fn progress_step(size: u64) -> u64 {
    (size / 1_000).clamp(1_000, 100_000)
}

impl ImportSink for Sink {
    fn row(&mut self, outcome: &RowOutcome, values: &[Option<String>]) {
        self.rows += 1;
        if outcome.action == RowAction::Failed {
            self.rejected += 1;
            if let Some(w) = &mut self.rejects {
                let cells =
                    crm_core::import::csv::rejected_cells(&self.header, values, &outcome.errors);
                if let Err(e) = w.write_record(&cells) {
                    self.error.get_or_insert(e.into());
                }
            }
        }
        if self.rows % 1_000 == 0 {
            self.tick();
        }
    }

    fn committed(&mut self, _job: &ImportJob) {
        self.tick();
    }
}

fn read_mapping(args: &ImportArgs) -> CliResult<Option<ImportMapping>> {
    let Some(path) = &args.map else {
        return Ok(None);
    };
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read the mapping {}: {e}", path.display()))?;
    let mut mapping: ImportMapping = toml::from_str(&text)
        .map_err(|e| format!("the mapping {} is not valid: {e}", path.display()))?;
    if let Some(kind) = args.kind {
        mapping.kind = kind;
    }
    if let Some(mode) = args.mode {
        mapping.mode = mode;
    }
    Ok(Some(mapping))
}

/// `crm import`: returns whether every row went in.
pub fn run(args: &ImportArgs, out: &mut dyn Write) -> CliResult<bool> {
    let encoding = Encoding::parse(&args.encoding)?;
    let mapping = read_mapping(args)?;
    if mapping.is_none() && args.mapping_id.is_none() && args.resume.is_none() {
        return Err("give a mapping: --map MAP.toml or --mapping ID".into());
    }
    let file = std::fs::File::open(&args.file)
        .map_err(|e| format!("cannot open {}: {e}", args.file.display()))?;
    let size = file.metadata().map(|m| m.len()).unwrap_or(0);
    let read = Arc::new(AtomicU64::new(0));
    let reader = std::io::BufReader::with_capacity(
        1 << 16,
        Counted {
            inner: file,
            read: read.clone(),
        },
    );
    let mut source = CsvSource::new(reader, encoding)?;
    let crm = args.db.open_bulk(Arc::new(SystemClock))?;
    let bar = std::io::stderr().is_terminal().then(|| {
        let bar = ProgressBar::new(size);
        bar.set_style(
            ProgressStyle::with_template(
                "{spinner} [{elapsed_precise}] {wide_bar} {bytes}/{total_bytes} {msg} (eta {eta})",
            )
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
        bar
    });
    let rejects = match &args.rejects {
        Some(path) => {
            let mut w = csv::Writer::from_path(path)
                .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
            w.write_record(crm_core::import::csv::rejects_header(source.header()))?;
            Some(w)
        }
        None => None,
    };
    let mut sink = Sink {
        header: source.header().to_vec(),
        rejects,
        rejected: 0,
        bar,
        read,
        size,
        rows: 0,
        next_line_at: progress_step(size),
        error: None,
    };
    let result = match &args.resume {
        Some(job) => crm.resume_import(&args.actor, job, &mut source, &mut sink),
        None => {
            let options = ImportOptions {
                mapping,
                mapping_id: args.mapping_id.clone(),
                dry_run: args.dry_run,
                file_name: args
                    .file
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned()),
                batch_size: args.batch_size,
            };
            crm.import(&args.actor, options, &mut source, &mut sink)
        }
    };
    if let Some(bar) = &sink.bar {
        bar.finish_and_clear();
    }
    if let Some(w) = &mut sink.rejects {
        w.flush()?;
    }
    if let Some(e) = sink.error.take() {
        return Err(format!("cannot write the rejects file: {e}").into());
    }
    let result = result.map_err(|e| {
        let hint = crm
            .import_jobs(&args.actor)
            .ok()
            .and_then(|jobs| jobs.into_iter().find(|j| j.state == ImportState::Running))
            .map(|j| {
                format!(
                    "; {} committed rows are kept: carry on with --resume {}",
                    j.committed_rows, j.id
                )
            })
            .unwrap_or_default();
        format!("{e}{hint}")
    })?;
    let name = args.file.display();
    let counts = result.counts;
    match &result.job {
        None => writeln!(out, "Dry run of {name}: nothing was written.")?,
        Some(job) => writeln!(
            out,
            "Import {} of {name}: {}.",
            job.id,
            describe_state(job.state)
        )?,
    }
    writeln!(out, "{}", summary(&counts, result.job.is_none()))?;
    if let Some(path) = &args.rejects {
        writeln!(
            out,
            "{} refused row(s) written to {} with an error column: fix them and import that file.",
            sink.rejected,
            path.display()
        )?;
    } else if counts.failed > 0 {
        writeln!(
            out,
            "Write the refused rows to a file with --rejects FILE (or `crm import-jobs` later)."
        )?;
    }
    if let Some(job) = result
        .job
        .as_ref()
        .filter(|j| j.state == ImportState::Completed)
    {
        writeln!(
            out,
            "Undo it with: crm import-revert --db {} {}",
            args.db.db.display(),
            job.id
        )?;
    }
    let rolled_back = result
        .job
        .as_ref()
        .is_some_and(|j| j.state == ImportState::RolledBack);
    Ok(counts.failed == 0 && !rolled_back)
}

fn describe_state(state: ImportState) -> &'static str {
    match state {
        ImportState::Running => "stopped before the end (resume it)",
        ImportState::Completed => "completed",
        ImportState::RolledBack => {
            "rolled back: all or nothing, and a row failed, so nothing was written"
        }
        ImportState::Reverted => "reverted",
    }
}

/// `3000 rows: 2700 created, 100 updated, ...`.
pub fn summary(c: &ImportCounts, dry_run: bool) -> String {
    let verb = if dry_run { "would be " } else { "" };
    format!(
        "{} rows: {} {verb}created, {} {verb}updated, {} unchanged, {} duplicate (left alone), {} failed",
        c.rows, c.created, c.updated, c.unchanged, c.duplicate, c.failed
    )
}

/// `crm import-jobs`: the actor's imports, newest first.
pub fn jobs(db: &Target, actor: &str, out: &mut dyn Write) -> CliResult {
    let crm = db.open(Arc::new(SystemClock), false)?;
    let head = [
        "id",
        "file",
        "kind",
        "state",
        "rows",
        "created",
        "updated",
        "unchanged",
        "duplicate",
        "failed",
        "started",
    ];
    let rows: Vec<Vec<String>> = crm
        .import_jobs(actor)?
        .into_iter()
        .map(|j| {
            vec![
                j.id,
                j.file_name.unwrap_or_default(),
                name(serde_json::to_value(j.mapping.kind)),
                name(serde_json::to_value(j.state)),
                j.counts.rows.to_string(),
                j.counts.created.to_string(),
                j.counts.updated.to_string(),
                j.counts.unchanged.to_string(),
                j.counts.duplicate.to_string(),
                j.counts.failed.to_string(),
                j.created_at.format("%Y-%m-%d %H:%M").to_string(),
            ]
        })
        .collect();
    crate::table::write_left(out, &head, &rows, false, &[0, 1, 2, 3, 10])
}

/// `crm import-revert`: deletes what an import created, restores what it updated.
pub fn revert(db: &Target, actor: &str, job: &str, out: &mut dyn Write) -> CliResult {
    let crm = db.open_bulk(Arc::new(SystemClock))?;
    let report = crm.revert_import(actor, job)?;
    writeln!(
        out,
        "Reverted {job}: {} record(s) deleted, {} restored, {} left as they were.",
        report.deleted.len(),
        report.restored.len(),
        report.skipped.len()
    )?;
    for skip in &report.skipped {
        let field = skip
            .field
            .as_deref()
            .map(|f| format!(" ({f})"))
            .unwrap_or_default();
        writeln!(out, "  kept {}{field}: {}", skip.record_id, skip.reason)?;
    }
    Ok(())
}

fn name(value: serde_json::Result<serde_json::Value>) -> String {
    value
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}

pub const QUALITY_HEADER: &str = "kind,name,customers,filled,completeness_percent,valid,\
validity_percent,invalid_values,duplicates,stale";

/// The report's rows: one per field, owner and team.
pub fn quality_rows(r: &QualityReport) -> Vec<Vec<String>> {
    let mut rows = Vec::new();
    for f in &r.fields {
        rows.push(vec![
            "field".into(),
            f.field.clone(),
            f.records.to_string(),
            f.filled.to_string(),
            f.completeness.to_string(),
            f.valid.map(|v| v.to_string()).unwrap_or_default(),
            f.validity.map(|v| v.to_string()).unwrap_or_default(),
            f.valid
                .map(|v| (f.filled - v).to_string())
                .unwrap_or_default(),
            String::new(),
            String::new(),
        ]);
    }
    for (kind, groups) in [("owner", &r.by_owner), ("team", &r.by_team)] {
        for g in groups {
            rows.push(vec![
                kind.into(),
                g.group.clone(),
                g.customers.to_string(),
                String::new(),
                g.completeness.to_string(),
                String::new(),
                String::new(),
                g.invalid_values.to_string(),
                g.duplicates.to_string(),
                g.stale.to_string(),
            ]);
        }
    }
    rows
}

/// Writes the report: a table with the findings and the largest clusters, or one CSV.
pub fn write_quality(out: &mut dyn Write, r: &QualityReport, csv: bool) -> CliResult {
    let head: Vec<&str> = QUALITY_HEADER.split(',').collect();
    let rows = quality_rows(r);
    if csv {
        return crate::table::write(out, &head, &rows, true);
    }
    writeln!(out, "Data quality of {} customers:", r.customers)?;
    for finding in &r.findings {
        writeln!(out, "  - {finding}")?;
    }
    writeln!(out)?;
    crate::table::write_left(out, &head, &rows, false, &[0, 1])?;
    if !r.duplicate_clusters.is_empty() {
        writeln!(
            out,
            "\nLargest duplicate clusters ({} in all):",
            r.duplicate_cluster_count
        )?;
        for c in r.duplicate_clusters.iter().take(10) {
            writeln!(
                out,
                "  {}: {}",
                c.customer_ids.join(", "),
                c.shared.join("; ")
            )?;
        }
    }
    Ok(())
}

/// `crm quality`: the report as the actor sees it.
pub fn quality(
    db: &Target,
    actor: &str,
    stale_days: Option<u32>,
    csv: bool,
    out: &mut dyn Write,
) -> CliResult {
    let crm = db.open(Arc::new(SystemClock), false)?;
    let report = crm.quality_report(
        actor,
        QualityOptions {
            stale_days,
            ..QualityOptions::default()
        },
    )?;
    write_quality(out, &report, csv)
}
