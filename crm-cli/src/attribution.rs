//! `crm attribution`: won deals and the campaign touches before them (two CSV files) shared among
//! the campaigns by an attribution model (DOMAIN.md section 10, "Influence"); one CSV line per
//! counted touch, with its exact share, its money and how the share came about.
//!
//! Both files are read whole and, when they hold no quoted field, parsed on every core; the deals
//! are then attributed on every core, each core writing its own lines, and the lines are written
//! out in the order of the deals file.

use chrono::{DateTime, Datelike, SecondsFormat, Timelike, Utc};
use crm_core::campaign::attribution::{
    attribute, AttributedDeal, AttributionModel, AttributionSettings, Touch,
};
use crm_core::limits;
use rust_decimal::Decimal;
use std::collections::HashMap;
use std::io::Write;
use std::path::Path;
use std::process::ExitCode;
use std::str::FromStr;
use std::time::Instant;

/// The model names `--model` accepts.
pub const MODELS: [&str; 7] = [
    "first_touch",
    "last_touch",
    "even",
    "u_shaped",
    "w_shaped",
    "time_decay",
    "primary_source",
];

pub const TOUCHES_HEADER: [&str; 3] = ["deal_id", "campaign_id", "at"];
pub const DEALS_HEADER: [&str; 6] = [
    "deal_id",
    "amount",
    "won_at",
    "created_at",
    "lead_created_at",
    "primary_campaign_id",
];
pub const HEADER: &str = "deal_id,campaign_id,touch_at,position,share,amount,explanation";

pub struct Options<'a> {
    /// `deal_id,campaign_id,at` (RFC 3339).
    pub touches: &'a Path,
    /// `deal_id,amount,won_at,created_at,lead_created_at,primary_campaign_id` (the last two may
    /// be empty).
    pub deals: &'a Path,
    /// One of [`MODELS`].
    pub model: &'a str,
    pub lookback_days: Option<u32>,
    pub half_life_days: Option<u32>,
    /// Standard output when absent.
    pub out: Option<&'a Path>,
}

/// Why a run stopped: refused input (exit code 2) or a file that could not be read or written
/// (exit code 1).
#[derive(Debug)]
pub enum Failure {
    Input(String),
    Io(String),
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Failure::Input(m) | Failure::Io(m) => f.write_str(m),
        }
    }
}

/// What a run did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Summary {
    pub deals: usize,
    pub touches: usize,
    pub lines: usize,
}

/// Runs the command as `crm attribution` does: the summary on stderr, a refusal on stderr with
/// exit code 2.
pub fn main(opts: &Options<'_>) -> ExitCode {
    let started = Instant::now();
    let result = match opts.out {
        Some(path) => std::fs::File::create(path)
            .map_err(|e| Failure::Io(format!("{}: {e}", path.display())))
            .and_then(|mut file| run(opts, &mut file)),
        None => run(opts, &mut std::io::stdout().lock()),
    };
    match result {
        Ok(s) => {
            eprintln!(
                "{} deals, {} touches, {} lines in {:.2} s",
                s.deals,
                s.touches,
                s.lines,
                started.elapsed().as_secs_f64()
            );
            ExitCode::SUCCESS
        }
        Err(Failure::Input(m)) => {
            eprintln!("crm: {m}");
            ExitCode::from(2)
        }
        Err(Failure::Io(m)) => {
            eprintln!("crm: {m}");
            ExitCode::FAILURE
        }
    }
}

fn threads() -> usize {
    std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(8)
}

/// Reads both files, attributes every deal and writes `HEADER` and the lines to `out`.
pub fn run(opts: &Options<'_>, out: &mut dyn Write) -> Result<Summary, Failure> {
    let model = AttributionModel::from_str(opts.model)
        .map_err(|_| Failure::Input(format!("--model must be one of {}", MODELS.join(", "))))?;
    let settings = AttributionSettings {
        model,
        lookback_days: opts.lookback_days,
        half_life_days: opts.half_life_days,
    };
    settings.validate().map_err(|e| match e {
        crm_core::error::CrmError::InvalidInput { field, reason } => {
            Failure::Input(format!("--{}: {reason}", field.replace('_', "-")))
        }
        other => Failure::Input(other.to_string()),
    })?;
    let deals_name = opts.deals.display().to_string();
    let touches_name = opts.touches.display().to_string();
    let deals_data = read(opts.deals)?;
    let mut deals: Vec<(usize, AttributedDeal)> =
        records(&deals_name, &deals_data, &DEALS_HEADER, &|f| parse_deal(f))?;
    drop(deals_data);
    let mut index: HashMap<&str, u32> = HashMap::with_capacity(deals.len());
    for (i, (line, deal)) in deals.iter().enumerate() {
        if index.insert(deal.id.as_str(), i as u32).is_some() {
            return Err(Failure::Input(format!(
                "{deals_name} line {line}: deal_id {} appears twice",
                quoted(&deal.id)
            )));
        }
    }
    let touches_data = read(opts.touches)?;
    let touches: Vec<(usize, (u32, Touch))> =
        records(&touches_name, &touches_data, &TOUCHES_HEADER, &|f| {
            parse_touch(f, &index, &deals_name)
        })?;
    drop(touches_data);
    drop(index);
    let touch_count = touches.len();
    let mut per_deal = vec![0u32; deals.len()];
    for (_, (i, _)) in &touches {
        per_deal[*i as usize] += 1;
    }
    for ((_, deal), n) in deals.iter_mut().zip(per_deal) {
        deal.touches.reserve_exact(n as usize);
    }
    for (_, (i, touch)) in touches {
        deals[i as usize].1.touches.push(touch);
    }

    // Attribute in rounds of a block of deals per core, each core formatting its block's lines
    // into its own buffer, written out in the deals' order after each round: memory stays small
    // and the buffers are reused. Every row was checked against the core's bounds while parsing,
    // so no deal is refused once lines have been written.
    let io = |e: std::io::Error| Failure::Io(format!("cannot write the output: {e}"));
    let parts = threads();
    let mut buffers: Vec<Vec<u8>> = vec![Vec::new(); parts];
    let mut lines = 0;
    writeln!(out, "{HEADER}").map_err(io)?;
    for round in deals.chunks(BLOCK * parts) {
        let per = round.len().div_ceil(parts);
        let results: Vec<Result<usize, Failure>> = std::thread::scope(|s| {
            let handles: Vec<_> = round
                .chunks(per)
                .zip(buffers.iter_mut())
                .map(|(chunk, buf)| {
                    let (settings, deals_name) = (&settings, &deals_name);
                    s.spawn(move || {
                        buf.clear();
                        write_chunk(chunk, settings, deals_name, buf)
                    })
                })
                .collect();
            handles
                .into_iter()
                .map(|h| h.join().expect("an attribution thread finished"))
                .collect()
        });
        let used = results.len();
        for result in results {
            lines += result?;
        }
        for buf in &buffers[..used] {
            out.write_all(buf).map_err(io)?;
        }
    }
    out.flush().map_err(io)?;
    Ok(Summary {
        deals: deals.len(),
        touches: touch_count,
        lines,
    })
}

/// Deals per core per round.
const BLOCK: usize = 4096;

fn read(path: &Path) -> Result<Vec<u8>, Failure> {
    std::fs::read(path).map_err(|e| Failure::Io(format!("{}: {e}", path.display())))
}

fn write_chunk(
    deals: &[(usize, AttributedDeal)],
    settings: &AttributionSettings,
    deals_name: &str,
    buf: &mut Vec<u8>,
) -> Result<usize, Failure> {
    let mut lines = 0;
    for (line, deal) in deals {
        let a = attribute(deal, settings).map_err(|e| {
            Failure::Input(format!(
                "{deals_name} line {line}: deal {}: {e}",
                quoted(&deal.id)
            ))
        })?;
        for l in &a.lines {
            field(buf, &a.deal_id);
            buf.push(b',');
            field(buf, &l.campaign_id);
            buf.push(b',');
            if let Some(at) = l.touch_at {
                instant(buf, at);
            }
            buf.push(b',');
            digits(buf, u128::from(l.position));
            buf.push(b',');
            decimal(buf, l.share);
            buf.push(b',');
            decimal(buf, l.amount);
            buf.push(b',');
            field(buf, &l.explanation);
            buf.push(b'\n');
        }
        lines += a.lines.len();
    }
    Ok(lines)
}

fn digits(buf: &mut Vec<u8>, v: u128) {
    let mut tmp = [0u8; 40];
    let mut k = tmp.len();
    // Most numbers fit 64 bits, whose division is much cheaper than 128-bit division.
    let (mut high, mut low) = (
        v / 10_000_000_000_000_000_000,
        (v % 10_000_000_000_000_000_000) as u64,
    );
    loop {
        k -= 1;
        tmp[k] = b'0' + (low % 10) as u8;
        low /= 10;
        if low == 0 && high == 0 {
            break;
        }
        if low == 0 && (tmp.len() - k) % 19 == 0 {
            low = (high % 10_000_000_000_000_000_000) as u64;
            high /= 10_000_000_000_000_000_000;
        }
    }
    buf.extend_from_slice(&tmp[k..]);
}

/// A decimal as `Decimal`'s `Display` writes it (all its places), without the formatter.
fn decimal(buf: &mut Vec<u8>, d: Decimal) {
    let m = d.mantissa();
    if m < 0 {
        buf.push(b'-');
    }
    let start = buf.len();
    digits(buf, m.unsigned_abs());
    let scale = d.scale() as usize;
    if scale == 0 {
        return;
    }
    let len = buf.len() - start;
    if len <= scale {
        // 0.00ddd: the leading zeros go before the digits.
        let pad = scale - len + 2;
        buf.splice(start..start, std::iter::repeat_n(b'0', pad));
        buf[start + 1] = b'.';
    } else {
        buf.insert(buf.len() - scale, b'.');
    }
}

/// A CSV field, quoted when it holds a separator, a quote or a line break.
fn field(buf: &mut Vec<u8>, value: &str) {
    if value.contains([',', '"', '\n', '\r']) {
        buf.push(b'"');
        buf.extend_from_slice(value.replace('"', "\"\"").as_bytes());
        buf.push(b'"');
    } else {
        buf.extend_from_slice(value.as_bytes());
    }
}

/// RFC 3339 in UTC (`2026-06-30T12:00:00Z`), fractions of a second only when there are any.
fn instant(buf: &mut Vec<u8>, at: DateTime<Utc>) {
    let year = at.year();
    if at.nanosecond() != 0 || !(0..=9999).contains(&year) {
        buf.extend_from_slice(at.to_rfc3339_opts(SecondsFormat::AutoSi, true).as_bytes());
        return;
    }
    let mut two = |n: u32, sep: Option<u8>| {
        buf.push(b'0' + (n / 10) as u8);
        buf.push(b'0' + (n % 10) as u8);
        buf.extend(sep);
    };
    two(year as u32 / 100, None);
    two(year as u32 % 100, Some(b'-'));
    two(at.month(), Some(b'-'));
    two(at.day(), Some(b'T'));
    two(at.hour(), Some(b':'));
    two(at.minute(), Some(b':'));
    two(at.second(), Some(b'Z'));
}

/// At most 20 characters of a value, quoted, for a message.
fn quoted(value: &str) -> String {
    match value.char_indices().nth(20) {
        Some((end, _)) => format!("{:?}...", &value[..end]),
        None => format!("{value:?}"),
    }
}

fn text<'a>(name: &str, f: &'a [u8]) -> Result<&'a str, String> {
    std::str::from_utf8(f).map_err(|_| format!("{name} is not UTF-8"))
}

/// `YYYY-MM-DDTHH:MM:SSZ` read directly; any other RFC 3339 time through chrono.
fn fast_time(b: &[u8]) -> Option<DateTime<Utc>> {
    if b.len() != 20
        || b[4] != b'-'
        || b[7] != b'-'
        || b[10] != b'T'
        || b[13] != b':'
        || b[16] != b':'
        || b[19] != b'Z'
    {
        return None;
    }
    let num = |r: std::ops::Range<usize>| {
        b[r].iter().try_fold(0u32, |n, &c| {
            c.is_ascii_digit().then(|| n * 10 + u32::from(c - b'0'))
        })
    };
    let date = chrono::NaiveDate::from_ymd_opt(num(0..4)? as i32, num(5..7)?, num(8..10)?)?;
    Some(
        date.and_hms_opt(num(11..13)?, num(14..16)?, num(17..19)?)?
            .and_utc(),
    )
}

fn time(name: &str, f: &[u8]) -> Result<DateTime<Utc>, String> {
    if let Some(t) = fast_time(f) {
        return Ok(t);
    }
    let raw = text(name, f)?;
    DateTime::parse_from_rfc3339(raw)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|_| format!("{name} {} is not an RFC 3339 time", quoted(raw)))
}

/// A non-empty id within the core's bound on ids.
fn id<'a>(name: &str, f: &'a [u8]) -> Result<&'a str, String> {
    let v = text(name, f)?;
    if v.is_empty() {
        return Err(format!("{name} is empty"));
    }
    limits::text(name, v, limits::ID).map_err(|e| e.to_string())?;
    Ok(v)
}

fn parse_deal(f: &[&[u8]]) -> Result<AttributedDeal, String> {
    let raw = text("amount", f[1])?;
    let amount =
        Decimal::from_str(raw).map_err(|_| format!("amount {} is not a decimal", quoted(raw)))?;
    if amount.is_sign_negative() && !amount.is_zero() {
        return Err(format!("amount {} is negative", quoted(raw)));
    }
    limits::amount("amount", amount).map_err(|e| e.to_string())?;
    Ok(AttributedDeal {
        id: id("deal_id", f[0])?.to_string(),
        amount,
        won_at: time("won_at", f[2])?,
        created_at: time("created_at", f[3])?,
        lead_created_at: if f[4].is_empty() {
            None
        } else {
            Some(time("lead_created_at", f[4])?)
        },
        primary_campaign_id: if f[5].is_empty() {
            None
        } else {
            Some(id("primary_campaign_id", f[5])?.to_string())
        },
        touches: Vec::new(),
    })
}

fn parse_touch(
    f: &[&[u8]],
    index: &HashMap<&str, u32>,
    deals_name: &str,
) -> Result<(u32, Touch), String> {
    let deal = id("deal_id", f[0])?;
    let &i = index
        .get(deal)
        .ok_or_else(|| format!("deal_id {} is not in {deals_name}", quoted(deal)))?;
    Ok((
        i,
        Touch {
            campaign_id: id("campaign_id", f[1])?.to_string(),
            at: time("at", f[2])?,
        },
    ))
}

type Parse<'p, T> = dyn Fn(&[&[u8]]) -> Result<T, String> + Sync + 'p;

/// Rows with their line numbers, or the first bad row's line and reason.
type Rows<T> = Result<Vec<(usize, T)>, (usize, String)>;

/// The rows after the header, each with its line number: quote-free files are cut into pieces at
/// line ends and parsed on every core; a file with a quote goes through the CSV reader. The first
/// bad row (by line) is refused with the file, the line and the reason.
fn records<T: Send>(
    name: &str,
    data: &[u8],
    header: &[&str],
    parse: &Parse<'_, T>,
) -> Result<Vec<(usize, T)>, Failure> {
    let bad = |line: usize, reason: String| Failure::Input(format!("{name} line {line}: {reason}"));
    let header_end = data
        .iter()
        .position(|&c| c == b'\n')
        .map_or(data.len(), |p| p + 1);
    let found: Vec<String> = String::from_utf8_lossy(&data[..header_end])
        .trim()
        .split(',')
        .map(|f| f.trim().to_string())
        .collect();
    if found != header {
        return Err(bad(
            1,
            format!(
                "expected the header {}, found {}",
                header.join(","),
                quoted(&found.join(","))
            ),
        ));
    }
    let body = &data[header_end..];
    if body.contains(&b'"') {
        return quoted_records(body, header.len(), parse).map_err(|(l, r)| bad(l, r));
    }
    let pieces = crate::split::pieces(body, threads());
    let mut starts = Vec::with_capacity(pieces.len());
    let mut line = 2;
    for piece in &pieces {
        starts.push(line);
        line += piece.iter().filter(|&&c| c == b'\n').count();
    }
    let parts: Vec<Rows<T>> = std::thread::scope(|s| {
        let handles: Vec<_> = pieces
            .iter()
            .zip(&starts)
            .map(|(piece, &start)| {
                s.spawn(move || plain_records(piece, start, header.len(), parse))
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("a parser thread finished"))
            .collect()
    });
    let mut rows = Vec::with_capacity(parts.iter().map(|p| p.as_ref().map_or(0, Vec::len)).sum());
    for part in parts {
        rows.extend(part.map_err(|(l, r)| bad(l, r))?);
    }
    Ok(rows)
}

fn plain_records<T>(
    piece: &[u8],
    first_line: usize,
    width: usize,
    parse: &Parse<'_, T>,
) -> Rows<T> {
    let mut rows = Vec::with_capacity(piece.len() / 40);
    let mut fields: Vec<&[u8]> = Vec::with_capacity(width);
    for (k, line) in piece.split(|&c| c == b'\n').enumerate() {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        if line.trim_ascii().is_empty() {
            continue;
        }
        fields.clear();
        fields.extend(line.split(|&c| c == b',').map(<[u8]>::trim_ascii));
        let n = first_line + k;
        if fields.len() != width {
            return Err((
                n,
                format!("expected {width} fields, found {}", fields.len()),
            ));
        }
        rows.push((n, parse(&fields).map_err(|r| (n, r))?));
    }
    Ok(rows)
}

fn quoted_records<T>(body: &[u8], width: usize, parse: &Parse<'_, T>) -> Rows<T> {
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(false)
        .trim(csv::Trim::All)
        .flexible(true)
        .from_reader(body);
    let mut rows = Vec::new();
    let mut record = csv::ByteRecord::new();
    loop {
        let line = 1 + rdr.position().line() as usize;
        match rdr.read_byte_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => return Err((line, e.to_string())),
        }
        if record.len() == 1 && record[0].is_empty() {
            continue;
        }
        let fields: Vec<&[u8]> = record.iter().collect();
        if fields.len() != width {
            return Err((
                line,
                format!("expected {width} fields, found {}", fields.len()),
            ));
        }
        rows.push((line, parse(&fields).map_err(|r| (line, r))?));
    }
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run_on(touches: &str, deals: &str, model: &str) -> Result<String, Failure> {
        let dir = tempfile::tempdir().unwrap();
        let (t, d) = (dir.path().join("t.csv"), dir.path().join("d.csv"));
        std::fs::write(&t, touches).unwrap();
        std::fs::write(&d, deals).unwrap();
        let mut out = Vec::new();
        run(
            &Options {
                touches: &t,
                deals: &d,
                model,
                lookback_days: None,
                half_life_days: None,
                out: None,
            },
            &mut out,
        )?;
        Ok(String::from_utf8(out).unwrap())
    }

    const DEALS: &str = "deal_id,amount,won_at,created_at,lead_created_at,primary_campaign_id\n\
        d1,100,2026-06-30T00:00:00Z,2026-06-01T00:00:00Z,,\n";

    #[test]
    fn quoted_and_plain_files_give_the_same_lines() {
        let plain = "deal_id,campaign_id,at\nd1,c-b,2026-06-10T00:00:00Z\nd1,c-a,2026-06-20T08:00:00+08:00\n";
        let quoted = "deal_id,campaign_id,at\n\"d1\",\"c-b\",2026-06-10T00:00:00Z\nd1,c-a,\"2026-06-20T08:00:00+08:00\"\n";
        let a = run_on(plain, DEALS, "even").unwrap();
        assert_eq!(
            a,
            format!(
                "{HEADER}\n\
                 d1,c-b,2026-06-10T00:00:00Z,1,0.5000,50.00,\"first of 2 touches, even: 100% / 2 = 50%\"\n\
                 d1,c-a,2026-06-20T00:00:00Z,2,0.5000,50.00,\"last of 2 touches, even: 100% / 2 = 50%\"\n"
            )
        );
        assert_eq!(run_on(quoted, DEALS, "even").unwrap(), a);
    }

    #[test]
    fn bad_rows_name_the_file_and_line() {
        let err = run_on(
            "deal_id,campaign_id,at\nd1,c-a,2026-06-10T00:00:00Z\nd1,c-b,yesterday\n",
            DEALS,
            "even",
        )
        .unwrap_err();
        assert!(
            matches!(&err, Failure::Input(m) if m.contains("t.csv line 3: at \"yesterday\"")),
            "{err}"
        );
        let err = run_on(
            "deal_id,campaign_id,at\nd9,c-a,2026-06-10T00:00:00Z\n",
            DEALS,
            "even",
        )
        .unwrap_err();
        assert!(
            err.to_string().contains("line 2: deal_id \"d9\" is not in"),
            "{err}"
        );
        let err = run_on(
            "deal_id,campaign_id,at\n",
            &DEALS.replace(",100,", ",-1,"),
            "even",
        )
        .unwrap_err();
        assert!(
            err.to_string()
                .contains("d.csv line 2: amount \"-1\" is negative"),
            "{err}"
        );
        let err = run_on("deal_id,at\n", DEALS, "even").unwrap_err();
        assert!(
            err.to_string()
                .contains("t.csv line 1: expected the header"),
            "{err}"
        );
    }

    #[test]
    fn decimals_are_written_as_display_writes_them() {
        for v in [
            "0",
            "0.0000",
            "1.0000",
            "0.0667",
            "-3.5",
            "12345.67",
            "0.00",
            "-0.01",
            "100",
            "10000000000000000000",
            "9999999999999999999",
            "79228162514264337593543950335",
            "-7.9228162514264337593543950335",
            "1000000000000000000000.0000001",
        ] {
            let d = Decimal::from_str(v).unwrap();
            let mut buf = Vec::new();
            decimal(&mut buf, d);
            assert_eq!(String::from_utf8(buf).unwrap(), d.to_string());
        }
    }

    #[test]
    fn instants_are_written_in_utc() {
        let mut buf = Vec::new();
        instant(&mut buf, "2026-01-02T03:04:05+08:00".parse().unwrap());
        buf.push(b' ');
        instant(&mut buf, "2026-01-02T03:04:05.5Z".parse().unwrap());
        for ok in ["2026-01-02T03:04:05Z", "2024-02-29T23:59:59Z"] {
            assert_eq!(fast_time(ok.as_bytes()), Some(ok.parse().unwrap()));
        }
        for other in [
            "2026-02-30T03:04:05Z",
            "2026-01-02T24:00:00Z",
            "2026-01-02T03:04:60Z",
            "2026-01-02 03:04:05Z",
            "2026-01-02T03:04:05+00:00",
        ] {
            assert_eq!(fast_time(other.as_bytes()), None, "{other}");
        }
        assert!(time("at", b"2026-01-02T03:04:60Z").is_ok_and(|t| t.second() == 59));
        assert_eq!(
            String::from_utf8(buf).unwrap(),
            "2026-01-01T19:04:05Z 2026-01-02T03:04:05.500Z"
        );
    }
}
