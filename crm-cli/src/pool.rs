//! `crm pool sweep|warnings`: the recycling sweep and its warning list on a database file, as CSV.

use crate::db::Target;
use chrono::{DateTime, Utc};
use crm_core::pool::{RecycleDue, SweepReport};
use std::io::Write;

type CliResult = Result<(), Box<dyn std::error::Error>>;

const HEADER: &str =
    "customer_id,customer_name,owner_id,pool_id,rule,days,level,clock_start,due_at,recycle_at";

/// Writes the header and one row per customer (customer id, name, owner, pool, due figures).
fn write_rows<'a>(
    out: &mut dyn Write,
    rows: impl Iterator<Item = (&'a str, &'a str, &'a str, &'a str, &'a RecycleDue)>,
) -> CliResult {
    let mut csv = csv::Writer::from_writer(out);
    csv.write_record(HEADER.split(','))?;
    for (id, name, owner, pool, due) in rows {
        csv.write_record([
            id,
            name,
            owner,
            pool,
            due.rule.as_str(),
            &due.days.to_string(),
            due.level.as_deref().unwrap_or(""),
            &due.clock_start.to_rfc3339(),
            &due.due_at.to_rfc3339(),
            &due.recycle_at().to_rfc3339(),
        ])?;
    }
    csv.flush()?;
    Ok(())
}

/// Runs the sweep as `actor` at `at`; writes the recycled customers, and a summary to `err`.
pub fn sweep(
    db: &Target,
    at: DateTime<Utc>,
    actor: &str,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> CliResult {
    let crm = db.open_at(at)?;
    let SweepReport {
        examined, recycled, ..
    } = crm.sweep_pools(actor)?;
    write_rows(
        out,
        recycled.iter().map(|r| {
            (
                r.customer_id.as_str(),
                r.customer_name.as_str(),
                r.owner_id.as_str(),
                r.pool_id.as_str(),
                &r.due,
            )
        }),
    )?;
    writeln!(
        err,
        "recycled {} of {examined} due customer(s) at {}",
        recycled.len(),
        at.to_rfc3339()
    )?;
    Ok(())
}

/// Lists who will be recycled within their pool's warning days, as `actor` sees it.
pub fn warnings(
    db: &Target,
    at: DateTime<Utc>,
    actor: &str,
    owner: Option<&str>,
    out: &mut dyn Write,
) -> CliResult {
    let crm = db.open_at(at)?;
    let warned = crm.recycle_warnings(actor, owner)?;
    write_rows(
        out,
        warned.iter().map(|w| {
            (
                w.customer_id.as_str(),
                w.customer_name.as_str(),
                w.owner_id.as_str(),
                w.pool_id.as_str(),
                &w.due,
            )
        }),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::demo::{demo_db, start};
    use chrono::Duration;

    fn lines(buf: Vec<u8>) -> Vec<String> {
        String::from_utf8(buf)
            .unwrap()
            .lines()
            .map(str::to_string)
            .collect()
    }

    #[test]
    fn warnings_then_sweep_on_a_file() {
        let dir = tempfile::tempdir().unwrap();
        let db = demo_db(dir.path());
        // c-11 (level A, 20 days) was claimed on day 12 and locked until day 26: its rule runs
        // out on day 32, so day 30 warns and day 33 recycles.
        let at = start() + Duration::days(29);
        let mut out = Vec::new();
        warnings(&db, at, "u-1", None, &mut out).unwrap();
        let warned = lines(out);
        assert_eq!(warned[0], HEADER);
        assert!(warned.iter().any(|l| l.starts_with("c-11,")), "{warned:?}");
        let (mut out, mut err) = (Vec::new(), Vec::new());
        sweep(&db, at + Duration::days(3), "u-1", &mut out, &mut err).unwrap();
        let swept = lines(out);
        let c11 = swept
            .iter()
            .find(|l| l.starts_with("c-11,"))
            .expect("c-11 recycled");
        assert!(c11.contains(",u-6,p-1,no_follow_up,20,A,"), "{c11}");
        let summary = String::from_utf8(err).unwrap();
        assert!(
            summary.starts_with(&format!("recycled {} of", swept.len() - 1)),
            "{summary}"
        );
        // Nothing is left to do at the same moment.
        let (mut out, mut err) = (Vec::new(), Vec::new());
        sweep(&db, at + Duration::days(3), "u-1", &mut out, &mut err).unwrap();
        assert_eq!(lines(out), [HEADER]);
    }

    #[test]
    fn a_rep_may_not_sweep_and_a_missing_file_is_named() {
        let dir = tempfile::tempdir().unwrap();
        let db = demo_db(dir.path());
        let (mut out, mut err) = (Vec::new(), Vec::new());
        let e = sweep(&db, start(), "u-5", &mut out, &mut err).unwrap_err();
        assert!(
            e.to_string().contains("may not run the recycling sweep"),
            "{e}"
        );
        let e = sweep(
            &Target::file(dir.path().join("nope.db")),
            start(),
            "u-1",
            &mut out,
            &mut err,
        )
        .unwrap_err();
        assert!(e.to_string().contains("no database at"), "{e}");
    }
}
