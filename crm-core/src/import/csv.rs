//! CSV files for import: UTF-8 with or without a byte-order mark, or GBK when the caller says so
//! (feature `gbk`). A row that cannot be decoded or has the wrong number of cells is a row
//! error; only a failing reader stops the import. The rejected rows go back out as a CSV with
//! an `error` column, to fix and import again.

use super::model::{RejectedRow, RowError};
use super::source::{RowSource, SourceError, SourceRow, MAX_COLUMNS};
use crate::error::{CrmError, Result};
use std::cell::RefCell;
use std::collections::VecDeque;
use std::io::Read;
use std::rc::Rc;

/// Line breaks a reader has handed out that no row has passed yet: `(offset, is \n)`. The csv
/// crate's own line count, and the start offset it gives a row, are off after `\r\n` endings
/// and skipped blank lines (they point at the breaks before the row), so the line a row starts on
/// is counted here. Bounded by the reader's read-ahead.
#[derive(Default)]
struct Newlines {
    pending: VecDeque<(u64, bool)>,
    /// `\n`s passed so far.
    passed: u64,
}

impl Newlines {
    /// The 1-based line of the first byte at or after `offset` that is not a line break
    /// (offsets only grow).
    fn line_at(&mut self, offset: u64) -> u64 {
        let mut start = offset;
        while let Some(&(at, newline)) = self.pending.front() {
            if at > start {
                break;
            }
            if at == start {
                start += 1;
            }
            self.pending.pop_front();
            self.passed += u64::from(newline);
        }
        self.passed + 1
    }
}

/// A reader that notes where its newlines are.
struct Counting<R> {
    inner: R,
    offset: u64,
    newlines: Rc<RefCell<Newlines>>,
}

impl<R: Read> Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        let mut lines = self.newlines.borrow_mut();
        for (i, b) in buf[..n].iter().enumerate() {
            if *b == b'\n' || *b == b'\r' {
                lines
                    .pending
                    .push_back((self.offset + i as u64, *b == b'\n'));
            }
        }
        self.offset += n as u64;
        Ok(n)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    Utf8,
    /// GBK (and GB18030, its superset), Excel's default for Chinese.
    #[cfg(feature = "gbk")]
    Gbk,
}

impl Encoding {
    /// `utf-8` (also `utf8`) or `gbk` (also `gb18030`, `gb2312`).
    pub fn parse(name: &str) -> Result<Encoding> {
        match name.trim().to_ascii_lowercase().as_str() {
            "utf-8" | "utf8" => Ok(Encoding::Utf8),
            #[cfg(feature = "gbk")]
            "gbk" | "gb18030" | "gb2312" => Ok(Encoding::Gbk),
            other => Err(CrmError::invalid(
                "encoding",
                format!("{other} is not an encoding this build reads (utf-8, gbk)"),
            )),
        }
    }

    fn decode(self, bytes: &[u8]) -> Option<String> {
        match self {
            Encoding::Utf8 => std::str::from_utf8(bytes).ok().map(str::to_string),
            #[cfg(feature = "gbk")]
            Encoding::Gbk => encoding_rs::GB18030
                .decode_without_bom_handling_and_without_replacement(bytes)
                .map(|s| s.into_owned()),
        }
    }
}

/// Rows of a CSV file, read as they are needed.
pub struct CsvSource<R: Read> {
    reader: csv::Reader<Counting<R>>,
    newlines: Rc<RefCell<Newlines>>,
    encoding: Encoding,
    header: Vec<String>,
    record: csv::ByteRecord,
    row: u64,
}

impl<R: Read> CsvSource<R> {
    /// Reads the header; an empty or undecodable header is a file error.
    pub fn new(input: R, encoding: Encoding) -> Result<CsvSource<R>> {
        let newlines = Rc::new(RefCell::new(Newlines::default()));
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .from_reader(Counting {
                inner: input,
                offset: 0,
                newlines: newlines.clone(),
            });
        let mut record = csv::ByteRecord::new();
        let file_error = |m: String| CrmError::invalid("file", m);
        if !reader
            .read_byte_record(&mut record)
            .map_err(|e| file_error(format!("cannot read the header: {e}")))?
        {
            return Err(file_error(
                "the file is empty: it needs a header row".into(),
            ));
        }
        if record.len() > MAX_COLUMNS {
            return Err(file_error(format!(
                "the header has {} columns; at most {MAX_COLUMNS}",
                record.len()
            )));
        }
        let mut header = Vec::with_capacity(record.len());
        for (i, cell) in record.iter().enumerate() {
            let cell = if i == 0 {
                cell.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(cell)
            } else {
                cell
            };
            let name = encoding.decode(cell).ok_or_else(|| {
                file_error(format!(
                    "header column {} is not {encoding:?} text (declare the file's encoding)",
                    i + 1
                ))
            })?;
            header.push(name.trim().to_string());
        }
        Ok(CsvSource {
            reader,
            newlines,
            encoding,
            header,
            record,
            row: 0,
        })
    }
}

impl<R: Read> RowSource for CsvSource<R> {
    fn header(&self) -> &[String] {
        &self.header
    }

    fn next_row(&mut self) -> Option<std::result::Result<SourceRow, SourceError>> {
        match self.reader.read_byte_record(&mut self.record) {
            Ok(false) => return None,
            Ok(true) => {}
            Err(e) => {
                return Some(Err(SourceError::File(CrmError::invalid(
                    "file",
                    format!("cannot read row {}: {e}", self.row + 1),
                ))))
            }
        }
        self.row += 1;
        let line = self
            .record
            .position()
            .map(|p| self.newlines.borrow_mut().line_at(p.byte()));
        let mut values = Vec::with_capacity(self.header.len());
        let mut bad = None;
        for (i, cell) in self.record.iter().enumerate() {
            match self.encoding.decode(cell) {
                Some(text) => values.push((!text.is_empty()).then_some(text)),
                None => {
                    values.push(Some(String::from_utf8_lossy(cell).into_owned()));
                    bad.get_or_insert(i);
                }
            }
        }
        let error = |field: Option<String>, code: &str, message: String| RowError {
            row: self.row,
            line,
            field,
            code: code.into(),
            message,
            raw: None,
        };
        let fault = if let Some(i) = bad {
            Some(error(
                self.header.get(i).cloned(),
                "INVALID_ENCODING",
                format!(
                    "the cell is not {:?} text (declare the file's encoding)",
                    self.encoding
                ),
            ))
        } else if values.len() != self.header.len() {
            Some(error(
                None,
                "WRONG_CELL_COUNT",
                format!(
                    "the row has {} cells; the header has {}",
                    values.len(),
                    self.header.len()
                ),
            ))
        } else {
            None
        };
        Some(match fault {
            Some(e) => Err(SourceError::Row(e, values)),
            None => Ok(SourceRow {
                row: self.row,
                line,
                values,
            }),
        })
    }
}

/// The rejected rows as a CSV: the original header and cells, then an `error` column that says
/// what to fix (`column: message; ...`).
pub fn rejects_csv(header: &[String], rows: &[RejectedRow]) -> String {
    let mut out = csv::WriterBuilder::new()
        .flexible(true)
        .from_writer(Vec::new());
    let mut head: Vec<&str> = header.iter().map(String::as_str).collect();
    head.push("error");
    // Writing to a Vec cannot fail; a failure would only lose this summary, never stored data.
    let _ = out.write_record(&head);
    for row in rows {
        let mut cells: Vec<String> = row
            .values
            .iter()
            .map(|v| v.clone().unwrap_or_default())
            .collect();
        cells.push(describe(&row.errors));
        let _ = out.write_record(&cells);
    }
    String::from_utf8(out.into_inner().unwrap_or_default()).unwrap_or_default()
}

/// The header of a rejects file: the file's own, with an `error` column added unless it has one
/// (a rejects file fixed and imported again keeps one error column).
pub fn rejects_header(header: &[String]) -> Vec<String> {
    let mut head = header.to_vec();
    if !head.iter().any(|h| h == ERROR_COLUMN) {
        head.push(ERROR_COLUMN.into());
    }
    head
}

/// A refused row's cells under [`rejects_header`]: its own, with this import's errors in the
/// error column.
pub fn rejected_cells(
    header: &[String],
    values: &[Option<String>],
    errors: &[RowError],
) -> Vec<String> {
    let mut cells: Vec<String> = values
        .iter()
        .map(|v| v.clone().unwrap_or_default())
        .collect();
    match header.iter().position(|h| h == ERROR_COLUMN) {
        Some(i) if i < cells.len() => cells[i] = describe(errors),
        _ => cells.push(describe(errors)),
    }
    cells
}

/// The column of a rejects file that says what to fix.
pub const ERROR_COLUMN: &str = "error";

/// `column: message; ...` for a row's errors.
pub fn describe(errors: &[RowError]) -> String {
    errors
        .iter()
        .map(|e| match &e.field {
            Some(f) => format!("{f}: {}", e.message),
            None => e.message.clone(),
        })
        .collect::<Vec<_>>()
        .join("; ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows(
        input: &[u8],
        encoding: Encoding,
    ) -> (Vec<String>, Vec<std::result::Result<SourceRow, String>>) {
        let mut src = CsvSource::new(input, encoding).unwrap();
        let mut out = Vec::new();
        while let Some(r) = src.next_row() {
            out.push(r.map_err(|e| match e {
                SourceError::Row(e, _) => e.code,
                SourceError::File(e) => e.to_string(),
            }));
        }
        (src.header().to_vec(), out)
    }

    #[test]
    fn bom_quotes_and_multiline_cells() {
        let input = "\u{FEFF}名称,备注\n\"上海, 浦东\",\"两行\n备注\"\n北京,\n".as_bytes();
        let (header, rows) = rows(input, Encoding::Utf8);
        assert_eq!(header, ["名称", "备注"]);
        let first = rows[0].as_ref().unwrap();
        assert_eq!(first.values[0].as_deref(), Some("上海, 浦东"));
        assert_eq!(first.line, Some(2));
        let second = rows[1].as_ref().unwrap();
        assert_eq!((second.row, second.line), (2, Some(4)));
        assert_eq!(second.values[1], None);
    }

    #[test]
    fn lines_count_crlf_endings_blank_lines_and_multiline_cells() {
        let input = b"a,b\r\nx,1\r\n\r\ny,\"two\r\nlines\"\r\n\nz,3\n";
        let (_, rows) = rows(input, Encoding::Utf8);
        let lines: Vec<Option<u64>> = rows.iter().map(|r| r.as_ref().unwrap().line).collect();
        assert_eq!(lines, [Some(2), Some(4), Some(7)]);
    }

    #[test]
    fn bad_rows_are_row_errors() {
        let input = b"a,b\n1,2,3\n\xff\xfe,x\n4,5\n";
        let (_, rows) = rows(input, Encoding::Utf8);
        assert_eq!(rows[0].as_ref().unwrap_err(), "WRONG_CELL_COUNT");
        assert_eq!(rows[1].as_ref().unwrap_err(), "INVALID_ENCODING");
        assert!(rows[2].is_ok());
    }

    #[test]
    fn empty_and_wide_files_are_file_errors() {
        assert!(CsvSource::new(&b""[..], Encoding::Utf8).is_err());
        let wide = vec!["c"; MAX_COLUMNS + 1].join(",");
        assert!(CsvSource::new(wide.as_bytes(), Encoding::Utf8).is_err());
    }

    #[cfg(feature = "gbk")]
    #[test]
    fn gbk_when_declared() {
        let (bytes, _, _) = encoding_rs::GBK.encode("名称\n上海浦东\n");
        let (header, read) = rows(&bytes, Encoding::Gbk);
        assert_eq!(header, ["名称"]);
        assert_eq!(
            read[0].as_ref().unwrap().values[0].as_deref(),
            Some("上海浦东")
        );
        // Read as UTF-8 without the declaration, the same bytes are a file error (the header).
        assert!(CsvSource::new(&bytes[..], Encoding::Utf8).is_err());
    }

    #[test]
    fn rejects_round_trip() {
        let rejected = RejectedRow {
            row: 1,
            line: Some(2),
            values: vec![Some("x, y".into()), None],
            errors: vec![RowError {
                row: 1,
                line: Some(2),
                field: Some("phone".into()),
                code: "INVALID_PHONE".into(),
                message: "12 is not a phone number".into(),
                raw: Some("12".into()),
            }],
        };
        let text = rejects_csv(&["name".into(), "phone".into()], &[rejected]);
        assert_eq!(
            text,
            "name,phone,error\n\"x, y\",,phone: 12 is not a phone number\n"
        );
    }
}
