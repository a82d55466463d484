//! `crm sla due` and `crm sla elapsed`: calendar arithmetic over CSV files, batch first.

use chrono::{DateTime, Utc};
use crm_core::sla::{parse_calendar, Calendar};
use rust_decimal::Decimal;
use std::io::{Read, Write};
use std::path::Path;

type CliResult<T> = Result<T, Box<dyn std::error::Error>>;

pub fn load_calendar(path: &Path) -> CliResult<Calendar> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    parse_calendar(&text).map_err(|e| format!("{}: {e}", path.display()).into())
}

fn reader(path: &Path) -> CliResult<csv::Reader<Box<dyn Read>>> {
    let input: Box<dyn Read> = if path == Path::new("-") {
        Box::new(std::io::stdin().lock())
    } else {
        Box::new(std::fs::File::open(path).map_err(|e| format!("{}: {e}", path.display()))?)
    };
    Ok(csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_reader(input))
}

fn check_header(rdr: &mut csv::Reader<Box<dyn Read>>, expected: &[&str]) -> CliResult<()> {
    let header: Vec<String> = rdr.headers()?.iter().map(str::to_string).collect();
    if header != expected {
        return Err(format!(
            "line 1: expected header {}, found {}",
            expected.join(","),
            header.join(",")
        )
        .into());
    }
    Ok(())
}

fn instant(field: &str, value: &str, line: u64) -> CliResult<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(value)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|_| {
            format!("line {line}: {field} {value:?} is not an RFC 3339 time with offset").into()
        })
}

/// Reads `ticket_id,created_at,target_minutes`, writes `ticket_id,due_at` in the calendar's zone.
/// With `timing`, reports on stderr how long the due-time computation itself took.
pub fn due(calendar: &Path, tickets: &Path, timing: bool, out: &mut dyn Write) -> CliResult<()> {
    let cal = load_calendar(calendar)?;
    let mut rdr = reader(tickets)?;
    check_header(&mut rdr, &["ticket_id", "created_at", "target_minutes"])?;
    let (mut ids, mut starts, mut work) = (Vec::new(), Vec::new(), Vec::new());
    for record in rdr.records() {
        let record = record?;
        let line = record.position().map_or(0, |p| p.line());
        if record.len() != 3 {
            return Err(format!("line {line}: expected 3 fields, found {}", record.len()).into());
        }
        let minutes: i64 = record[2].parse().ok().filter(|m| *m >= 0).ok_or_else(|| {
            format!(
                "line {line}: target_minutes {:?} is not a whole number of minutes >= 0",
                &record[2]
            )
        })?;
        ids.push(record[0].to_string());
        starts.push(instant("created_at", &record[1], line)?.timestamp_millis());
        work.push(minutes * 60_000);
    }
    let clock = std::time::Instant::now();
    let due = cal.due_batch(&starts, &work)?;
    if timing {
        let secs = clock.elapsed().as_secs_f64();
        eprintln!(
            "computed {} due times in {:.1} ms ({:.0} tickets/s)",
            due.len(),
            secs * 1000.0,
            due.len() as f64 / secs.max(1e-9)
        );
    }
    let tz = cal.timezone();
    let mut wtr = csv::Writer::from_writer(out);
    wtr.write_record(["ticket_id", "due_at"])?;
    for (id, ms) in ids.iter().zip(due) {
        let at = DateTime::from_timestamp_millis(ms).ok_or("due time out of range")?;
        wtr.write_record([id.as_str(), &at.with_timezone(&tz).to_rfc3339()])?;
    }
    wtr.flush()?;
    Ok(())
}

/// Reads `ticket_id,start,end`, writes `ticket_id,elapsed_minutes` of business time.
pub fn elapsed(calendar: &Path, tickets: &Path, out: &mut dyn Write) -> CliResult<()> {
    let cal = load_calendar(calendar)?;
    let mut rdr = reader(tickets)?;
    check_header(&mut rdr, &["ticket_id", "start", "end"])?;
    let mut wtr = csv::Writer::from_writer(out);
    wtr.write_record(["ticket_id", "elapsed_minutes"])?;
    for record in rdr.records() {
        let record = record?;
        let line = record.position().map_or(0, |p| p.line());
        if record.len() != 3 {
            return Err(format!("line {line}: expected 3 fields, found {}", record.len()).into());
        }
        let (start, end) = (
            instant("start", &record[1], line)?,
            instant("end", &record[2], line)?,
        );
        let ms = cal.elapsed_ms(start.timestamp_millis(), end.timestamp_millis())?;
        let minutes = (Decimal::from(ms) / Decimal::from(60_000)).normalize();
        wtr.write_record([&record[0], minutes.to_string().as_str()])?;
    }
    wtr.flush()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const CAL: &str =
        "timezone = \"Asia/Shanghai\"\n[week]\nmon = [\"09:00-12:00\", \"13:30-18:00\"]\n";

    fn due(calendar: &Path, tickets: &Path, out: &mut dyn Write) -> CliResult<()> {
        super::due(calendar, tickets, false, out)
    }

    fn run(f: fn(&Path, &Path, &mut dyn Write) -> CliResult<()>, csv: &str) -> CliResult<String> {
        let dir = tempfile::tempdir()?;
        let (cal, tickets) = (dir.path().join("cal.toml"), dir.path().join("t.csv"));
        std::fs::write(&cal, CAL)?;
        std::fs::write(&tickets, csv)?;
        let mut out = Vec::new();
        f(&cal, &tickets, &mut out)?;
        Ok(String::from_utf8(out)?)
    }

    #[test]
    fn due_times_come_out_in_the_calendar_zone() {
        let out = run(due, "ticket_id,created_at,target_minutes\nT1,2026-09-14T01:00:00Z,180\nT2,2026-09-14T11:00:00+08:00,90\n").unwrap();
        assert_eq!(
            out,
            "ticket_id,due_at\nT1,2026-09-14T12:00:00+08:00\nT2,2026-09-14T14:00:00+08:00\n"
        );
    }

    #[test]
    fn elapsed_counts_business_minutes() {
        let out = run(
            elapsed,
            "ticket_id,start,end\nT1,2026-09-14T09:00:00+08:00,2026-09-14T14:00:30+08:00\n",
        )
        .unwrap();
        assert_eq!(out, "ticket_id,elapsed_minutes\nT1,210.5\n");
    }

    #[test]
    fn malformed_rows_name_their_line() {
        let err = run(
            due,
            "ticket_id,created_at,target_minutes\nT1,2026-09-14T01:00:00Z,180\nT2,yesterday,5\n",
        )
        .unwrap_err();
        assert!(err.to_string().contains("line 3"), "{err}");
        let err = run(due, "id,created,minutes\n").unwrap_err();
        assert!(err.to_string().contains("line 1"), "{err}");
        let err = run(
            due,
            "ticket_id,created_at,target_minutes\nT1,2026-09-14T01:00:00Z,-5\n",
        )
        .unwrap_err();
        assert!(err.to_string().contains("line 2"), "{err}");
    }
}
