//! Where an import's rows come from: a CSV reader or columns a binding passed. The service reads
//! rows one at a time, so a file is never held whole in memory.

use super::model::{ImportColumn, RowError};
use crate::error::{CrmError, Result};

/// The most columns a file may have.
pub const MAX_COLUMNS: usize = 1_000;

/// One data row: its 1-based number, the line it starts on, its cells by header position.
#[derive(Debug, Clone, PartialEq)]
pub struct SourceRow {
    pub row: u64,
    pub line: Option<u64>,
    pub values: Vec<Option<String>>,
}

#[derive(Debug)]
pub enum SourceError {
    /// This row cannot be read (bad encoding, wrong number of cells); the import goes on.
    Row(RowError, Vec<Option<String>>),
    /// The source itself failed (an I/O error): the import stops, resumable.
    File(CrmError),
}

pub trait RowSource {
    fn header(&self) -> &[String];
    fn next_row(&mut self) -> Option<std::result::Result<SourceRow, SourceError>>;
}

/// Rows from columns of equal length.
pub struct ColumnSource {
    header: Vec<String>,
    columns: Vec<Vec<Option<String>>>,
    rows: usize,
    next: usize,
}

impl ColumnSource {
    pub fn new(columns: Vec<ImportColumn>) -> Result<ColumnSource> {
        if columns.len() > MAX_COLUMNS {
            return Err(CrmError::invalid(
                "columns",
                format!("at most {MAX_COLUMNS} columns, not {}", columns.len()),
            ));
        }
        let rows = columns.first().map_or(0, |c| c.values.len());
        if let Some(c) = columns.iter().find(|c| c.values.len() != rows) {
            return Err(CrmError::invalid(
                "columns",
                format!(
                    "every column needs {rows} values like the first; {} has {}",
                    c.name,
                    c.values.len()
                ),
            ));
        }
        let (header, columns) = columns.into_iter().map(|c| (c.name, c.values)).unzip();
        Ok(ColumnSource {
            header,
            columns,
            rows,
            next: 0,
        })
    }
}

impl RowSource for ColumnSource {
    fn header(&self) -> &[String] {
        &self.header
    }

    fn next_row(&mut self) -> Option<std::result::Result<SourceRow, SourceError>> {
        if self.next >= self.rows {
            return None;
        }
        let i = self.next;
        self.next += 1;
        let values = self.columns.iter_mut().map(|c| c[i].take()).collect();
        Some(Ok(SourceRow {
            row: i as u64 + 1,
            line: None,
            values,
        }))
    }
}
