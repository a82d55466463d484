//! `crm attribution`: won deals and the campaign touches before them (two CSV files) shared among
//! the campaigns by an attribution model (DOMAIN.md section 10, "Influence"); one CSV line per
//! counted touch, with its exact share, its money and how the share came about.
//!
//! Both files are read whole and, when they hold no quoted field, parsed in place on every core;
//! the deals are then attributed in blocks on every core by the core's [`Attributor`] (the one
//! implementation behind `attribute`), each core writing its own blocks' lines, and the blocks
//! are written out in the order of the deals file.

use chrono::{DateTime, Datelike, SecondsFormat, Timelike, Utc};
use crm_core::campaign::attribution::{
    AttributionModel, AttributionSettings, Attributor, DealRef, Shape, TouchRef,
};
use crm_core::limits;
use rust_decimal::Decimal;
use std::collections::HashMap;
use std::io::Write;
use std::path::Path;
use std::process::ExitCode;
use std::str::FromStr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{mpsc, Mutex};
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
///
/// The rows are parsed in place (ids borrowed from the files as read, no allocation per field),
/// the touches gathered by deal, then blocks of deals are attributed and written on every core
/// by [`Attributor`]s, each shape of shares and explanations (the same for all the deals with as
/// many counted touches) worked out and turned into bytes once; the blocks go out in the order
/// of the deals file while the next are being made.
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

    // The touches file is read while the deals are parsed.
    let touches_path = opts.touches.to_path_buf();
    let touches_read = std::thread::spawn(move || read(&touches_path));
    let deals_data = read(opts.deals)?;
    let deals_body = body(&deals_name, &deals_data, &DEALS_HEADER)?;
    let deals: Vec<(usize, DealRef<'_>)> =
        rows(&deals_name, &deals_body, DEALS_HEADER.len(), true, &|| {
            parse_deal
        })?
        .concat();
    let mut index: HashMap<&str, u32> = HashMap::with_capacity(deals.len());
    for (i, (line, deal)) in deals.iter().enumerate() {
        if index.insert(deal.id, i as u32).is_some() {
            return Err(Failure::Input(format!(
                "{deals_name} line {line}: deal_id {} appears twice",
                quoted(deal.id)
            )));
        }
    }

    let touches_data = touches_read.join().expect("the touches file was read")?;
    let touches_body = body(&touches_name, &touches_data, &TOUCHES_HEADER)?;
    let index = &index;
    let deals_file = deals_name.as_str();
    let parts = rows(
        &touches_name,
        &touches_body,
        TOUCHES_HEADER.len(),
        false,
        &|| {
            // Touches mostly come grouped by deal: the deal of the row before, without a look-up.
            let mut last: (&[u8], u32) = (&[], 0);
            move |_, f: &[&[u8]]| {
                let deal = if !f[0].is_empty() && same(f[0], last.0) {
                    last.1
                } else {
                    let deal = id("deal_id", f[0])?;
                    let &i = index.get(deal).ok_or_else(|| {
                        format!("deal_id {} is not in {deals_file}", quoted(deal))
                    })?;
                    last = (f[0], i);
                    i
                };
                let touch = TouchRef {
                    campaign_id: id("campaign_id", f[1])?,
                    at: time("at", f[2])?,
                };
                Ok((deal, touch))
            }
        },
    )?;
    let touches = Gathered::by_deal(deals.len(), parts);
    let touch_count = touches.len();

    let io = |e: std::io::Error| Failure::Io(format!("cannot write the output: {e}"));
    writeln!(out, "{HEADER}").map_err(io)?;
    let lines = attribute_and_write(&deals, &touches, &settings, deals_file, out)?;
    out.flush().map_err(io)?;
    Ok(Summary {
        deals: deals.len(),
        touches: touch_count,
        lines,
    })
}

/// Attributes the deals in blocks on every core and writes their lines to `out` in the order of
/// the deals; the lines written, or the first refused deal (by its line in `deals_file`).
fn attribute_and_write(
    deals: &[(usize, DealRef<'_>)],
    touches: &Gathered<'_>,
    settings: &AttributionSettings,
    deals_file: &str,
    out: &mut dyn Write,
) -> Result<usize, Failure> {
    let io = |e: std::io::Error| Failure::Io(format!("cannot write the output: {e}"));
    let workers = threads();
    let attributors = (0..workers)
        .map(|_| Attributor::with(settings, Rendered::of))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| Failure::Input(e.to_string()))?;
    let blocks = deals.len().div_ceil(BLOCK);
    let next = AtomicUsize::new(0);
    // Buffers go round: a worker takes one before it takes a block, the writer gives it back
    // once written, so no more than these are ever filled.
    let (pool_tx, pool_rx) = mpsc::channel::<Vec<u8>>();
    for _ in 0..2 * workers + 2 {
        pool_tx.send(Vec::new()).expect("the pool is open");
    }
    let pool_rx = Mutex::new(pool_rx);
    let (done_tx, done_rx) = mpsc::channel::<(usize, Block)>();
    std::thread::scope(|s| {
        for mut attributor in attributors {
            let (done_tx, pool_rx, next) = (done_tx.clone(), &pool_rx, &next);
            s.spawn(move || {
                let mut scratch = Vec::new();
                loop {
                    let Ok(mut buf) = pool_rx.lock().expect("the pool").recv() else {
                        return;
                    };
                    let b = next.fetch_add(1, Ordering::Relaxed);
                    if b >= blocks {
                        return;
                    }
                    let first = b * BLOCK;
                    let last = (first + BLOCK).min(deals.len());
                    buf.clear();
                    let result = write_block(
                        &deals[first..last],
                        first,
                        touches,
                        &mut attributor,
                        &mut scratch,
                        deals_file,
                        &mut buf,
                    )
                    .map(|lines| (buf, lines));
                    if done_tx.send((b, result)).is_err() {
                        return;
                    }
                }
            });
        }
        drop(done_tx);
        // The writer: the blocks in order, each as soon as it and those before are done; the
        // first refused deal (in the order of the file) stops the run. On the way out, the pool
        // and the results channel close with it, so no worker waits for them.
        let (pool_tx, done_rx) = (pool_tx, done_rx);
        let mut waiting: Vec<Option<Block>> = Vec::new();
        waiting.resize_with(blocks, || None);
        let (mut written, mut lines) = (0, 0);
        while written < blocks {
            let Ok((b, result)) = done_rx.recv() else {
                break;
            };
            waiting[b] = Some(result);
            while let Some(result) = waiting.get_mut(written).and_then(Option::take) {
                let (buf, n) = result?;
                out.write_all(&buf).map_err(io)?;
                lines += n;
                written += 1;
                let _ = pool_tx.send(buf);
            }
        }
        Ok::<_, Failure>(lines)
    })
}

/// Deals per block.
const BLOCK: usize = 2048;

/// A block's lines and how many, or its first refused deal.
type Block = Result<(Vec<u8>, usize), Failure>;

fn read(path: &Path) -> Result<Vec<u8>, Failure> {
    std::fs::read(path).map_err(|e| Failure::Io(format!("{}: {e}", path.display())))
}

/// The touches gathered by deal (in the order of the file within a deal): as parsed, in pieces,
/// when the file has them in the order of the deals, else sorted into one piece.
struct Gathered<'a> {
    pieces: Vec<Vec<(u32, TouchRef<'a>)>>,
    /// Where each piece begins among all the touches.
    piece_starts: Vec<usize>,
    /// Deal `i`'s touches are `starts[i]..starts[i + 1]` among all the touches.
    starts: Vec<usize>,
}

impl<'a> Gathered<'a> {
    fn by_deal(deals: usize, pieces: Vec<Vec<(u32, TouchRef<'a>)>>) -> Self {
        let mut starts = vec![0usize; deals + 1];
        let mut ordered = true;
        let mut previous = 0;
        for &(deal, _) in pieces.iter().flatten() {
            starts[deal as usize + 1] += 1;
            ordered &= deal >= previous;
            previous = deal;
        }
        for i in 0..deals {
            starts[i + 1] += starts[i];
        }
        if ordered {
            let mut piece_starts = Vec::with_capacity(pieces.len());
            let mut at = 0;
            for piece in &pieces {
                piece_starts.push(at);
                at += piece.len();
            }
            return Gathered {
                pieces,
                piece_starts,
                starts,
            };
        }
        let placeholder = TouchRef {
            campaign_id: "",
            at: DateTime::<Utc>::MIN_UTC,
        };
        let mut sorted = vec![(0, placeholder); starts[deals]];
        let mut place = starts.clone();
        for (deal, touch) in pieces.into_iter().flatten() {
            sorted[place[deal as usize]] = (deal, touch);
            place[deal as usize] += 1;
        }
        Gathered {
            pieces: vec![sorted],
            piece_starts: vec![0],
            starts,
        }
    }

    fn len(&self) -> usize {
        self.starts.last().copied().unwrap_or(0)
    }

    /// Deal `i`'s touches onto `out`.
    fn copy(&self, i: usize, out: &mut Vec<TouchRef<'a>>) {
        let (mut from, to) = (self.starts[i], self.starts[i + 1]);
        if from == to {
            return;
        }
        let mut p = self.piece_starts.partition_point(|&s| s <= from) - 1;
        while from < to {
            let piece = &self.pieces[p];
            let begin = from - self.piece_starts[p];
            let end = (to - self.piece_starts[p]).min(piece.len());
            out.extend(piece[begin..end].iter().map(|&(_, t)| t));
            from += end - begin;
            p += 1;
        }
    }
}

/// The fixed bytes of the lines of a shape: `,position,share,` before the money and
/// `,explanation\n` after it.
struct Rendered {
    bytes: Vec<u8>,
    /// Line `i`: where its first part ends and where its second part ends (the next begins).
    ends: Vec<(usize, usize)>,
}

impl Rendered {
    fn of(shape: &Shape) -> Rendered {
        let mut bytes = Vec::with_capacity(shape.lines().len() * 64);
        let mut ends = Vec::with_capacity(shape.lines().len());
        for (i, line) in shape.lines().iter().enumerate() {
            bytes.push(b',');
            digits(&mut bytes, i as u128 + 1);
            bytes.push(b',');
            decimal(&mut bytes, line.share);
            bytes.push(b',');
            let before = bytes.len();
            bytes.push(b',');
            field(&mut bytes, &line.explanation);
            bytes.push(b'\n');
            ends.push((before, bytes.len()));
        }
        Rendered { bytes, ends }
    }

    /// Line `i`'s bytes before and after its money.
    fn line(&self, i: usize) -> (&[u8], &[u8]) {
        let start = if i == 0 { 0 } else { self.ends[i - 1].1 };
        let (middle, end) = self.ends[i];
        (&self.bytes[start..middle], &self.bytes[middle..end])
    }
}

fn write_block<'a>(
    deals: &[(usize, DealRef<'a>)],
    first: usize,
    touches: &Gathered<'a>,
    attributor: &mut Attributor<Rendered>,
    scratch: &mut Vec<TouchRef<'a>>,
    deals_name: &str,
    buf: &mut Vec<u8>,
) -> Result<usize, Failure> {
    let mut lines = 0;
    let mut head = Vec::new();
    for (k, (line, deal)) in deals.iter().enumerate() {
        scratch.clear();
        touches.copy(first + k, scratch);
        let a = attributor.attribute(deal, scratch).map_err(|e| {
            Failure::Input(format!(
                "{deals_name} line {line}: deal {}: {e}",
                quoted(deal.id)
            ))
        })?;
        let Some((_, rendered)) = a.shape() else {
            continue;
        };
        head.clear();
        field(&mut head, deal.id);
        head.push(b',');
        for (i, &amount) in a.amounts().iter().enumerate() {
            let (campaign_id, at) = a.touch(i);
            let (before, after) = rendered.line(i);
            buf.extend_from_slice(&head);
            field(buf, campaign_id);
            buf.push(b',');
            if let Some(at) = at {
                instant(buf, at);
            }
            buf.extend_from_slice(before);
            decimal(buf, amount);
            buf.extend_from_slice(after);
        }
        lines += a.len();
    }
    Ok(lines)
}

/// Pairs of decimal digits, "00" to "99".
const PAIRS: &[u8; 200] = b"0001020304050607080910111213141516171819\
2021222324252627282930313233343536373839\
4041424344454647484950515253545556575859\
6061626364656667686970717273747576777879\
8081828384858687888990919293949596979899";

/// The digits of `v` at the end of `tmp`; where they start.
fn digits_u64(tmp: &mut [u8], mut v: u64) -> usize {
    let mut k = tmp.len();
    while v >= 100 {
        let pair = (v % 100) as usize * 2;
        v /= 100;
        k -= 2;
        tmp[k..k + 2].copy_from_slice(&PAIRS[pair..pair + 2]);
    }
    if v >= 10 {
        k -= 2;
        tmp[k..k + 2].copy_from_slice(&PAIRS[v as usize * 2..v as usize * 2 + 2]);
    } else {
        k -= 1;
        tmp[k] = b'0' + v as u8;
    }
    k
}

/// The digits of `v` at the end of `tmp` (at least 40 bytes); where they start.
fn digits_into(tmp: &mut [u8], v: u128) -> usize {
    const E19: u128 = 10_000_000_000_000_000_000;
    if let Ok(v) = u64::try_from(v) {
        return digits_u64(tmp, v);
    }
    // Most numbers fit 64 bits, whose division is much cheaper than 128-bit division; the rest
    // go 19 digits at a time.
    let (high, low) = (v / E19, (v % E19) as u64);
    let end = tmp.len();
    let k = digits_u64(tmp, low);
    tmp[end - 19..k].fill(b'0');
    digits_into(&mut tmp[..end - 19], high)
}

fn digits(buf: &mut Vec<u8>, v: u128) {
    let mut tmp = [0u8; 40];
    let k = digits_into(&mut tmp, v);
    buf.extend_from_slice(&tmp[k..]);
}

/// A decimal as `Decimal`'s `Display` writes it (all its places), without the formatter.
fn decimal(buf: &mut Vec<u8>, d: Decimal) {
    let m = d.mantissa();
    if m < 0 {
        buf.push(b'-');
    }
    let mut tmp = [0u8; 40];
    let k = digits_into(&mut tmp, m.unsigned_abs());
    let ds = &tmp[k..];
    let scale = d.scale() as usize;
    if scale == 0 {
        buf.extend_from_slice(ds);
    } else if ds.len() <= scale {
        // 0.00ddd: the leading zeros go before the digits.
        buf.extend_from_slice(b"0.");
        buf.resize(buf.len() + scale - ds.len(), b'0');
        buf.extend_from_slice(ds);
    } else {
        let (whole, frac) = ds.split_at(ds.len() - scale);
        buf.extend_from_slice(whole);
        buf.push(b'.');
        buf.extend_from_slice(frac);
    }
}

/// A CSV field, quoted when it holds a separator, a quote or a line break.
fn field(buf: &mut Vec<u8>, value: &str) {
    if value
        .bytes()
        .any(|c| matches!(c, b',' | b'"' | b'\n' | b'\r'))
    {
        buf.push(b'"');
        buf.extend_from_slice(value.replace('"', "\"\"").as_bytes());
        buf.push(b'"');
    } else {
        buf.extend_from_slice(value.as_bytes());
    }
}

/// RFC 3339 in UTC (`2026-06-30T12:00:00Z`), fractions of a second only when there are any.
fn instant(buf: &mut Vec<u8>, at: DateTime<Utc>) {
    // The naive time is the UTC time: no offset of zero to add for each field.
    let naive = at.naive_utc();
    let year = naive.year();
    if naive.nanosecond() != 0 || !(0..=9999).contains(&year) {
        buf.extend_from_slice(at.to_rfc3339_opts(SecondsFormat::AutoSi, true).as_bytes());
        return;
    }
    let at = naive;
    let seconds = at.num_seconds_from_midnight();
    let pair = |n: u32| &PAIRS[n as usize * 2..n as usize * 2 + 2];
    let mut text = [0u8; 20];
    text[0..2].copy_from_slice(pair(year as u32 / 100));
    text[2..4].copy_from_slice(pair(year as u32 % 100));
    text[4] = b'-';
    text[5..7].copy_from_slice(pair(at.month()));
    text[7] = b'-';
    text[8..10].copy_from_slice(pair(at.day()));
    text[10] = b'T';
    text[11..13].copy_from_slice(pair(seconds / 3600));
    text[13] = b':';
    text[14..16].copy_from_slice(pair(seconds / 60 % 60));
    text[16] = b':';
    text[17..19].copy_from_slice(pair(seconds % 60));
    text[19] = b'Z';
    buf.extend_from_slice(&text);
}

/// `a == b` for short slices, without a call to `memcmp`.
fn same(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let (mut x, mut y) = (a.chunks_exact(8), b.chunks_exact(8));
    for (x, y) in (&mut x).zip(&mut y) {
        let word = |c: &[u8]| u64::from_ne_bytes(c.try_into().expect("8 bytes"));
        if word(x) != word(y) {
            return false;
        }
    }
    x.remainder().iter().zip(y.remainder()).all(|(x, y)| x == y)
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
    // No more bytes than the bound: no more characters either, without counting them.
    if v.len() > limits::ID {
        limits::text(name, v, limits::ID).map_err(|e| e.to_string())?;
    }
    Ok(v)
}

fn parse_deal<'a>(line: usize, f: &[&'a [u8]]) -> Result<(usize, DealRef<'a>), String> {
    let raw = text("amount", f[1])?;
    let amount =
        Decimal::from_str(raw).map_err(|_| format!("amount {} is not a decimal", quoted(raw)))?;
    if amount.is_sign_negative() && !amount.is_zero() {
        return Err(format!("amount {} is negative", quoted(raw)));
    }
    limits::amount("amount", amount).map_err(|e| e.to_string())?;
    let deal = DealRef {
        id: id("deal_id", f[0])?,
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
            Some(id("primary_campaign_id", f[5])?)
        },
    };
    Ok((line, deal))
}

/// A file's rows after its header: as read when it holds no quote, else unquoted by the CSV
/// reader first.
enum Body<'d> {
    Plain(&'d [u8]),
    Quoted(Unquoted),
}

/// The rows of a file with quotes, their fields unquoted and trimmed, one after another.
struct Unquoted {
    bytes: Vec<u8>,
    /// Each row's line.
    lines: Vec<usize>,
    /// The end of every field in `bytes`, `width` a row.
    ends: Vec<usize>,
    /// The row the CSV reader refused, or of the wrong width, and why (the rows before it are
    /// all in).
    refused: Option<(usize, String)>,
}

/// The body of a file after checking its header.
fn body<'d>(name: &str, data: &'d [u8], header: &[&str]) -> Result<Body<'d>, Failure> {
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
        return Err(Failure::Input(format!(
            "{name} line 1: expected the header {}, found {}",
            header.join(","),
            quoted(&found.join(","))
        )));
    }
    let body = &data[header_end..];
    if !crate::split::holds(body, b'"') {
        return Ok(Body::Plain(body));
    }
    let width = header.len();
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(false)
        .trim(csv::Trim::All)
        .flexible(true)
        .from_reader(body);
    let mut unquoted = Unquoted {
        bytes: Vec::with_capacity(body.len()),
        lines: Vec::new(),
        ends: Vec::new(),
        refused: None,
    };
    let mut record = csv::ByteRecord::new();
    loop {
        let line = 1 + rdr.position().line() as usize;
        match rdr.read_byte_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => {
                unquoted.refused = Some((line, e.to_string()));
                break;
            }
        }
        if record.len() == 1 && record[0].is_empty() {
            continue;
        }
        if record.len() != width {
            let found = record.len();
            unquoted.refused = Some((line, format!("expected {width} fields, found {found}")));
            break;
        }
        unquoted.lines.push(line);
        for f in &record {
            unquoted.bytes.extend_from_slice(f);
            unquoted.ends.push(unquoted.bytes.len());
        }
    }
    Ok(Body::Quoted(unquoted))
}

/// The rows parsed (each given its line when `numbered`, else its line within its piece), in
/// pieces (in order), or the first bad row (by line) refused with the file, the line and the
/// reason. A quote-free body is cut into pieces at line ends and parsed on every core, each with
/// a parser of its own from `make`.
fn rows<'b, T, P, F>(
    name: &str,
    body: &'b Body<'_>,
    width: usize,
    numbered: bool,
    make: &F,
) -> Result<Vec<Vec<T>>, Failure>
where
    T: Send,
    F: Fn() -> P + Sync,
    P: FnMut(usize, &[&'b [u8]]) -> Result<T, String>,
{
    let bad =
        |(line, reason): (usize, String)| Failure::Input(format!("{name} line {line}: {reason}"));
    let body = match body {
        Body::Plain(body) => *body,
        Body::Quoted(u) => {
            let mut parse = make();
            let mut rows = Vec::with_capacity(u.lines.len());
            let mut fields: Vec<&[u8]> = Vec::with_capacity(width);
            for (r, &line) in u.lines.iter().enumerate() {
                let ends = &u.ends[r * width..(r + 1) * width];
                let mut start = if r == 0 { 0 } else { u.ends[r * width - 1] };
                fields.clear();
                for &end in ends {
                    fields.push(&u.bytes[start..end]);
                    start = end;
                }
                rows.push(parse(line, &fields).map_err(|reason| bad((line, reason)))?);
            }
            return match &u.refused {
                Some(refused) => Err(bad(refused.clone())),
                None => Ok(vec![rows]),
            };
        }
    };
    let pieces = crate::split::pieces(body, threads());
    // Lines are counted before parsing when the rows keep their line, else only to name a bad row.
    let line_counts: Vec<usize> = if numbered {
        pieces.iter().map(|p| crate::split::lines(p)).collect()
    } else {
        Vec::new()
    };
    let mut first_lines = Vec::with_capacity(pieces.len());
    let mut line = 2;
    for count in &line_counts {
        first_lines.push(line);
        line += count;
    }
    first_lines.resize(pieces.len(), 0);
    let parts: Vec<Result<Vec<T>, (usize, String)>> = std::thread::scope(|s| {
        let handles: Vec<_> = pieces
            .iter()
            .zip(&first_lines)
            .map(|(piece, &first)| s.spawn(move || plain_records(piece, first, width, &mut make())))
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("a parser thread finished"))
            .collect()
    });
    let mut line = 2;
    let mut rows = Vec::with_capacity(parts.len());
    for (piece, part) in pieces.iter().zip(parts) {
        rows.push(part.map_err(|(k, reason)| bad((if numbered { k } else { line + k }, reason)))?);
        if !numbered {
            line += crate::split::lines(piece);
        }
    }
    Ok(rows)
}

/// The rows of a quote-free piece whose first line is `first_line`; a bad row with its line and
/// the reason. Each line is read once, its fields cut at the commas on the way.
fn plain_records<'b, T>(
    piece: &'b [u8],
    first_line: usize,
    width: usize,
    parse: &mut impl FnMut(usize, &[&'b [u8]]) -> Result<T, String>,
) -> Result<Vec<T>, (usize, String)> {
    let mut rows = Vec::with_capacity(piece.len() / 32);
    let mut fields: Vec<&[u8]> = Vec::with_capacity(width);
    let (mut line, mut pos) = (first_line, 0);
    while pos < piece.len() {
        fields.clear();
        let end = loop {
            let stop = crate::split::next_stop(piece, pos);
            if piece.get(stop) != Some(&b',') {
                break stop;
            }
            fields.push(piece[pos..stop].trim_ascii());
            pos = stop + 1;
        };
        // The last field ends the line (a \r before the line end trimmed with it).
        fields.push(piece[pos..end].trim_ascii());
        pos = end + 1;
        line += 1;
        let n = line - 1;
        if fields.len() == 1 && fields[0].is_empty() {
            continue;
        }
        if fields.len() != width {
            return Err((
                n,
                format!("expected {width} fields, found {}", fields.len()),
            ));
        }
        rows.push(parse(n, &fields).map_err(|r| (n, r))?);
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

    fn at(seconds: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_780_000_000 + seconds, 0).unwrap()
    }

    #[test]
    fn touches_in_any_order_or_piece_are_gathered_by_deal() {
        let touch = |c: &'static str| TouchRef {
            campaign_id: c,
            at: at(0),
        };
        fn ids(g: &Gathered<'static>, i: usize) -> Vec<&'static str> {
            let mut out = Vec::new();
            g.copy(i, &mut out);
            out.iter().map(|t| t.campaign_id).collect()
        }
        // In the deals' order, a deal across pieces, empty pieces between.
        let g = Gathered::by_deal(
            4,
            vec![
                vec![(0, touch("a")), (0, touch("b"))],
                vec![],
                vec![(0, touch("c")), (2, touch("d"))],
                vec![],
                vec![(2, touch("e")), (3, touch("f"))],
            ],
        );
        assert_eq!(g.len(), 6);
        assert_eq!(ids(&g, 0), ["a", "b", "c"]);
        assert!(ids(&g, 1).is_empty());
        assert_eq!(ids(&g, 2), ["d", "e"]);
        assert_eq!(ids(&g, 3), ["f"]);
        // Out of order: sorted by deal, in the order of the file within each.
        let g = Gathered::by_deal(
            3,
            vec![
                vec![(2, touch("a")), (0, touch("b"))],
                vec![(2, touch("c")), (0, touch("d"))],
            ],
        );
        assert_eq!(ids(&g, 0), ["b", "d"]);
        assert!(ids(&g, 1).is_empty());
        assert_eq!(ids(&g, 2), ["a", "c"]);
    }

    #[test]
    fn the_first_refused_deal_stops_the_lines_after_those_before_its_block() {
        let ids: Vec<String> = (0..3 * BLOCK).map(|i| format!("d{i}")).collect();
        let deals: Vec<(usize, DealRef<'_>)> = ids
            .iter()
            .enumerate()
            .map(|(i, id)| {
                let refused = i == BLOCK + 5 || i == 2 * BLOCK + 1;
                let deal = DealRef {
                    id,
                    amount: if refused {
                        Decimal::NEGATIVE_ONE
                    } else {
                        Decimal::ONE_HUNDRED
                    },
                    won_at: at(0),
                    created_at: at(-86_400),
                    lead_created_at: None,
                    primary_campaign_id: None,
                };
                (i + 2, deal)
            })
            .collect();
        let touch = TouchRef {
            campaign_id: "c",
            at: at(-3600),
        };
        let touches = Gathered::by_deal(
            deals.len(),
            vec![(0..deals.len() as u32).map(|i| (i, touch)).collect()],
        );
        let settings = AttributionSettings::new(AttributionModel::Even);
        let mut out = Vec::new();
        let err = attribute_and_write(&deals, &touches, &settings, "d.csv", &mut out).unwrap_err();
        let expected = format!("d.csv line {}: deal \"d{}\": ", BLOCK + 7, BLOCK + 5);
        assert!(
            matches!(&err, Failure::Input(m) if m.starts_with(&expected)),
            "{err}"
        );
        assert_eq!(String::from_utf8(out).unwrap().lines().count(), BLOCK);
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
