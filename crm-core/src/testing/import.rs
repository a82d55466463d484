//! A row source that fails after a number of rows, as a crash or a lost disk would stop an
//! import: the tests of resume (crm-core/tests/import*.rs) read a file through it.

use crate::error::CrmError;
use crate::import::{RowSource, SourceError, SourceRow};

pub struct StopAfter<S> {
    pub inner: S,
    /// Rows handed out before the failure (`None`: never fails).
    pub stop_at: Option<u64>,
    pub read: u64,
}

impl<S: RowSource> StopAfter<S> {
    pub fn new(inner: S, stop_at: Option<u64>) -> Self {
        StopAfter {
            inner,
            stop_at,
            read: 0,
        }
    }
}

impl<S: RowSource> RowSource for StopAfter<S> {
    fn header(&self) -> &[String] {
        self.inner.header()
    }

    fn next_row(&mut self) -> Option<Result<SourceRow, SourceError>> {
        if Some(self.read) == self.stop_at {
            return Some(Err(SourceError::File(CrmError::invalid(
                "file",
                "the source went away",
            ))));
        }
        self.read += 1;
        self.inner.next_row()
    }
}
