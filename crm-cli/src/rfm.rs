//! `crm rfm`: RFM scores and segments from an orders CSV.

use chrono::{DateTime, NaiveDate};
use chrono_tz::Tz;
use crm_core::rfm::{parse_config, score_table, Aggregator, CustomerIds, RfmConfig, RfmMethod};
use rust_decimal::Decimal;
use std::io::{Read, Write};
use std::path::Path;
use std::str::FromStr;

type CliResult<T> = Result<T, Box<dyn std::error::Error>>;

pub struct Options<'a> {
    pub orders: &'a Path,
    pub as_of: NaiveDate,
    /// A TOML configuration file (see `crm_core::rfm::parse_config`).
    pub config: Option<&'a Path>,
    /// Overrides the configuration's method.
    pub method: Option<RfmMethod>,
    /// Local dates of RFC 3339 order times are taken in this zone; default: the offset as written.
    pub timezone: Option<Tz>,
    pub skip_bad_rows: bool,
}

fn order_date(value: &str, tz: Option<Tz>) -> Option<NaiveDate> {
    if let Ok(date) = NaiveDate::parse_from_str(value, "%Y-%m-%d") {
        return Some(date);
    }
    let t = DateTime::parse_from_rfc3339(value).ok()?;
    Some(match tz {
        Some(tz) => t.with_timezone(&tz).date_naive(),
        None => t.date_naive(),
    })
}

/// One order row's problem, by line number.
type Problem = (usize, String);

/// A fast `YYYY-MM-DD`; anything else goes through [`order_date`].
fn iso_date(b: &[u8]) -> Option<NaiveDate> {
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let num = |r: std::ops::Range<usize>| {
        b[r].iter().try_fold(0u32, |n, &c| {
            c.is_ascii_digit().then(|| n * 10 + u32::from(c - b'0'))
        })
    };
    NaiveDate::from_ymd_opt(num(0..4)? as i32, num(5..7)?, num(8..10)?)
}

fn text(f: &[u8]) -> Result<&str, String> {
    std::str::from_utf8(f).map_err(|_| "is not UTF-8".to_string())
}

fn parse_row(line: &[u8], tz: Option<Tz>) -> Result<(&str, NaiveDate, Decimal), String> {
    let mut it = line.split(|&c| c == b',');
    match (it.next(), it.next(), it.next(), it.next()) {
        (Some(a), Some(b), Some(c), None) => {
            parse_fields(&[a.trim_ascii(), b.trim_ascii(), c.trim_ascii()], tz)
        }
        _ => Err(format!(
            "expected 3 fields, found {}",
            line.split(|&c| c == b',').count()
        )),
    }
}

fn parse_fields<'a>(
    fields: &[&'a [u8]],
    tz: Option<Tz>,
) -> Result<(&'a str, NaiveDate, Decimal), String> {
    if fields.len() != 3 {
        return Err(format!("expected 3 fields, found {}", fields.len()));
    }
    let id = text(fields[0]).map_err(|e| format!("customer_id {e}"))?;
    if id.is_empty() {
        return Err("customer_id is empty".into());
    }
    let date = match iso_date(fields[1]) {
        Some(d) => d,
        None => {
            let raw = text(fields[1]).map_err(|e| format!("order_date {e}"))?;
            order_date(raw, tz).ok_or_else(|| {
                format!("order_date {raw:?} is not an ISO date or an RFC 3339 time")
            })?
        }
    };
    let raw = text(fields[2]).map_err(|e| format!("amount {e}"))?;
    let amount =
        Decimal::from_str(raw).map_err(|_| format!("amount {raw:?} is not a decimal number"))?;
    Ok((id, date, amount))
}

/// Parses one chunk of lines (no quotes in it) whose first line is `first_line` into `agg`;
/// stops at the first problem unless skipping.
fn parse_chunk(
    agg: &mut Aggregator,
    chunk: &[u8],
    first_line: usize,
    opts: &Options<'_>,
) -> Vec<Problem> {
    let mut problems = Vec::new();
    for (k, line) in chunk.split(|&c| c == b'\n').enumerate() {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        if line.trim_ascii().is_empty() {
            continue;
        }
        match parse_row(line, opts.timezone) {
            Ok((id, date, amount)) => agg.push(id, date, amount),
            Err(p) => {
                problems.push((first_line + k, p));
                if !opts.skip_bad_rows {
                    break;
                }
            }
        }
    }
    problems
}

/// Rows with quoted fields, through the CSV reader.
fn aggregate_quoted(
    agg: &mut Aggregator,
    body: &[u8],
    first_line: usize,
    opts: &Options<'_>,
) -> CliResult<Vec<Problem>> {
    let mut problems = Vec::new();
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(false)
        .trim(csv::Trim::All)
        .flexible(true)
        .from_reader(body);
    for record in rdr.records() {
        let record = record?;
        let line = first_line + record.position().map_or(1, |p| p.line() as usize) - 1;
        let fields: Vec<&[u8]> = record.iter().map(str::as_bytes).collect();
        match parse_fields(&fields, opts.timezone) {
            Ok((id, date, amount)) => agg.push(id, date, amount),
            Err(p) => problems.push((line, p)),
        }
        if !opts.skip_bad_rows && !problems.is_empty() {
            break;
        }
    }
    Ok(problems)
}

/// Reads into `buf` until it holds at least `want` bytes or the input ends; true at the end.
fn fill(input: &mut dyn Read, buf: &mut Vec<u8>, want: usize) -> std::io::Result<bool> {
    while buf.len() < want {
        let start = buf.len();
        buf.resize(want, 0);
        let n = input.read(&mut buf[start..])?;
        buf.truncate(start + n);
        if n == 0 {
            return Ok(true);
        }
    }
    Ok(false)
}

/// The rows after the header, streamed in blocks of about `block` bytes so memory stays bounded
/// whatever the file's size: each block's quote-free lines are cut into pieces parsed on all
/// cores, each core into its own aggregator; from the first block with a quote on, the rest goes
/// through the CSV reader. Stops after the first block with a problem unless skipping.
fn aggregate(
    input: &mut dyn Read,
    mut pending: Vec<u8>,
    mut at_end: bool,
    block: usize,
    opts: &Options<'_>,
    window_days: Option<u32>,
) -> CliResult<(Aggregator, Vec<Problem>)> {
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(8);
    let mut aggs: Vec<Aggregator> = (0..threads)
        .map(|_| Aggregator::new(opts.as_of, window_days))
        .collect();
    let mut problems = Vec::new();
    let mut line = 2;
    loop {
        if !at_end {
            at_end = fill(input, &mut pending, block)?;
        }
        let cut = if at_end {
            pending.len()
        } else {
            match pending.iter().rposition(|&c| c == b'\n') {
                Some(p) => p + 1,
                // A line longer than a block: read on until it ends.
                None => {
                    let want = pending.len() * 2;
                    at_end = fill(input, &mut pending, want)?;
                    continue;
                }
            }
        };
        let body = &pending[..cut];
        if body.contains(&b'"') {
            let mut rest = pending;
            if !at_end {
                input.read_to_end(&mut rest)?;
            }
            problems.extend(aggregate_quoted(&mut aggs[0], &rest, line, opts)?);
            break;
        }
        let pieces = crate::split::pieces(body, threads);
        let mut starts = Vec::with_capacity(pieces.len());
        for piece in &pieces {
            starts.push(line);
            line += piece.iter().filter(|&&c| c == b'\n').count();
        }
        // Each core parses a piece into its own aggregator; they are merged once, at the end.
        let found: Vec<Vec<Problem>> = std::thread::scope(|s| {
            let handles: Vec<_> = aggs
                .iter_mut()
                .zip(pieces.iter().zip(&starts))
                .map(|(agg, (piece, &start))| s.spawn(move || parse_chunk(agg, piece, start, opts)))
                .collect();
            handles
                .into_iter()
                .map(|h| h.join().expect("a parser thread finished"))
                .collect()
        });
        problems.extend(found.into_iter().flatten());
        if at_end || (!opts.skip_bad_rows && !problems.is_empty()) {
            break;
        }
        pending.drain(..cut);
    }
    let mut parts = aggs.into_iter();
    let mut all = parts
        .next()
        .unwrap_or_else(|| Aggregator::new(opts.as_of, window_days));
    for part in parts {
        all.merge(part);
    }
    Ok((all, problems))
}

/// Reads `customer_id,order_date,amount`, writes
/// `customer_id,recency_days,frequency,monetary,r,f,m,score,segment` sorted by customer id.
pub fn run(opts: &Options<'_>, out: &mut dyn Write, warn: &mut dyn Write) -> CliResult<()> {
    run_in_blocks(opts, out, warn, 8 << 20)
}

fn run_in_blocks(
    opts: &Options<'_>,
    out: &mut dyn Write,
    warn: &mut dyn Write,
    block: usize,
) -> CliResult<()> {
    let mut input: Box<dyn Read> = if opts.orders == Path::new("-") {
        Box::new(std::io::stdin().lock())
    } else {
        Box::new(
            std::fs::File::open(opts.orders)
                .map_err(|e| format!("{}: {e}", opts.orders.display()))?,
        )
    };
    let mut data = Vec::new();
    let mut at_end = false;
    while !at_end && !data.contains(&b'\n') {
        let want = data.len() + block.max(1);
        at_end = fill(&mut input, &mut data, want)?;
    }
    let header_end = data
        .iter()
        .position(|&c| c == b'\n')
        .map_or(data.len(), |p| p + 1);
    let header: Vec<String> = String::from_utf8_lossy(&data[..header_end])
        .trim()
        .split(',')
        .map(|f| f.trim().to_string())
        .collect();
    if header != ["customer_id", "order_date", "amount"] {
        return Err(format!(
            "line 1: expected header customer_id,order_date,amount, found {}",
            header.join(",")
        )
        .into());
    }
    let mut config = match opts.config {
        Some(path) => {
            let text =
                std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
            parse_config(&text).map_err(|e| format!("{}: {e}", path.display()))?
        }
        None => RfmConfig::default(),
    };
    if let Some(method) = opts.method {
        config.method = method;
    }
    config.validate()?;
    data.drain(..header_end);
    let (agg, mut problems) = aggregate(
        &mut input,
        data,
        at_end,
        block.max(1),
        opts,
        config.window_days,
    )?;
    problems.sort_by_key(|p| p.0);
    if let Some((line, problem)) = problems.first().filter(|_| !opts.skip_bad_rows) {
        return Err(format!("line {line}: {problem} (use --skip-bad-rows to go on)").into());
    }
    for (line, problem) in &problems {
        writeln!(warn, "line {line}: {problem} (skipped)")?;
    }
    let table = score_table(&agg, &config)?;
    let mut w = std::io::BufWriter::with_capacity(1 << 20, out);
    writeln!(
        w,
        "customer_id,recency_days,frequency,monetary,r,f,m,score,segment"
    )?;
    for i in 0..table.len() {
        match &table.customer_ids {
            CustomerIds::Numbers(ids) => write!(w, "{}", ids[i])?,
            CustomerIds::Text(ids) if ids[i].contains([',', '"', '\n', '\r']) => {
                write!(w, "\"{}\"", ids[i].replace('"', "\"\""))?
            }
            CustomerIds::Text(ids) => w.write_all(ids[i].as_bytes())?,
        }
        writeln!(
            w,
            ",{},{},{},{},{},{},{},{}",
            table.recency_days[i],
            table.frequency[i],
            table.monetary[i],
            table.r[i],
            table.f[i],
            table.m[i],
            table.score[i],
            table.segment_name(i)
        )?;
    }
    w.flush()?;
    if !problems.is_empty() {
        writeln!(warn, "{} bad row(s) skipped", problems.len())?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run_on(csv: &str, skip: bool) -> CliResult<(String, String)> {
        run_blocks(csv, skip, 32 << 20)
    }

    fn run_blocks(csv: &str, skip: bool, block: usize) -> CliResult<(String, String)> {
        let dir = tempfile::tempdir()?;
        let path = dir.path().join("orders.csv");
        std::fs::write(&path, csv)?;
        let opts = Options {
            orders: &path,
            as_of: NaiveDate::from_ymd_opt(2026, 1, 31).unwrap(),
            config: None,
            method: None,
            timezone: None,
            skip_bad_rows: skip,
        };
        let (mut out, mut warn) = (Vec::new(), Vec::new());
        run_in_blocks(&opts, &mut out, &mut warn, block)?;
        Ok((String::from_utf8(out)?, String::from_utf8(warn)?))
    }

    #[test]
    fn writes_sorted_scores_with_segments() {
        let (out, _) = run_on(
            "customer_id,order_date,amount\n10,2026-01-30,100.50\n9,2026-01-01T23:30:00+08:00,20\n10,2026-01-02,5\n",
            false,
        )
        .unwrap();
        assert_eq!(
            out,
            "customer_id,recency_days,frequency,monetary,r,f,m,score,segment\n\
             9,30,1,20,1,1,1,3,Lost\n\
             10,1,2,105.50,3,3,3,9,Potential loyalist\n"
        );
    }

    #[test]
    fn a_config_file_switches_to_thresholds_and_weights() {
        let dir = tempfile::tempdir().unwrap();
        let (orders, config) = (dir.path().join("o.csv"), dir.path().join("rfm.toml"));
        std::fs::write(
            &orders,
            "customer_id,order_date,amount\n1,2026-01-20,20000\n",
        )
        .unwrap();
        std::fs::write(
            &config,
            "method = \"thresholds\"\n[weights]\nr = 4\nf = 8\nm = 8\n[thresholds]\nrecency = [[30, 5]]\nfrequency = [[4, 4]]\nmonetary = [[\"20000\", 4]]\n",
        )
        .unwrap();
        let opts = Options {
            orders: &orders,
            as_of: NaiveDate::from_ymd_opt(2026, 1, 31).unwrap(),
            config: Some(&config),
            method: None,
            timezone: None,
            skip_bad_rows: false,
        };
        let (mut out, mut warn) = (Vec::new(), Vec::new());
        run(&opts, &mut out, &mut warn).unwrap();
        // R 5 (11 days), F 1 (one order is below 4), M 4: 5*4 + 1*8 + 4*8 = 60, code 514.
        assert_eq!(
            String::from_utf8(out).unwrap().lines().nth(1),
            Some("1,11,1,20000,5,1,4,60,Promising")
        );
        let bad = Options {
            config: None,
            method: Some(RfmMethod::Thresholds),
            ..opts
        };
        let err = run(&bad, &mut Vec::new(), &mut Vec::new()).unwrap_err();
        assert!(err.to_string().contains("break point"), "{err}");
    }

    #[test]
    fn quoted_fields_and_many_chunks_give_the_same_scores() {
        let header = "customer_id,order_date,amount\n";
        let (mut plain, mut quoted) = (header.to_string(), header.to_string());
        for i in 0..500 {
            let (id, day) = (i % 37, 1 + i % 28);
            plain.push_str(&format!("{id},2026-01-{day:02},{i}.25\n"));
            quoted.push_str(&format!("\"{id}\",\"2026-01-{day:02}\",\"{i}.25\"\n"));
        }
        let (expected, _) = run_on(&plain, false).unwrap();
        let (got, _) = run_on(&quoted, false).unwrap();
        assert_eq!(got, expected);
        assert_eq!(expected.lines().count(), 38);
        // A quoted id may hold the separator and comes back quoted.
        let (out, _) = run_on(&format!("{header}\"Acme, Inc.\",2026-01-30,10\n"), false).unwrap();
        assert_eq!(
            out.lines().nth(1),
            Some("\"Acme, Inc.\",1,1,10,1,1,1,3,Lost")
        );
    }

    #[test]
    fn any_block_size_reads_the_same_rows_and_lines() {
        let header = "customer_id,order_date,amount\n";
        let mut csv = header.to_string();
        for i in 0..300 {
            csv.push_str(&format!("{},2026-01-{:02},{i}.5\n", i % 41, 1 + i % 28));
        }
        let whole = run_on(&csv, false).unwrap();
        for block in [1, 7, 64, 1000] {
            assert_eq!(
                run_blocks(&csv, false, block).unwrap(),
                whole,
                "block {block}"
            );
        }
        // Problems keep their line numbers across blocks; a quote late in the file switches
        // to the CSV reader for the rest.
        let bad = format!("{csv}9,soon,1\n\"7\",2026-01-03,2\n8,2026-01-02,x\n");
        for block in [1, 64, 1 << 20] {
            let (_, warn) = run_blocks(&bad, true, block).unwrap();
            assert!(
                warn.contains("line 302:")
                    && warn.contains("line 304:")
                    && warn.contains("2 bad row(s)"),
                "block {block}: {warn}"
            );
            let err = run_blocks(&bad, false, block).unwrap_err();
            assert!(err.to_string().contains("line 302"), "block {block}: {err}");
        }
    }

    #[test]
    fn bad_rows_name_their_line_or_are_skipped() {
        let csv =
            "customer_id,order_date,amount\n1,2026-01-01,5\n2,yesterday,5\n3,2026-01-02,lots\n";
        let err = run_on(csv, false).unwrap_err();
        assert!(err.to_string().contains("line 3"), "{err}");
        let (out, warn) = run_on(csv, true).unwrap();
        assert_eq!(out.lines().count(), 2);
        assert!(
            warn.contains("line 3") && warn.contains("line 4") && warn.contains("2 bad row(s)"),
            "{warn}"
        );
    }
}
