//! `crm forecast`: the weighted forecast per period on a database file, as a table or CSV.

use chrono::{DateTime, Utc};
use std::io::Write;

type CliResult = Result<(), Box<dyn std::error::Error>>;

pub const HEADER: &str = "period,open,amount,weighted,pipeline,best_case,commit,closed";

/// Writes the forecast by `period_kind` as the opportunities in `actor`'s scope stood at `as_of`.
pub fn run(
    db: &crate::db::Target,
    period_kind: &str,
    as_of: DateTime<Utc>,
    actor: &str,
    csv_out: bool,
    out: &mut dyn Write,
) -> CliResult {
    let crm = db.open_at(as_of)?;
    let rows = crm.forecast(actor, period_kind.parse()?, Some(as_of))?;
    let cells = |r: &crm_core::pipeline::ForecastRow| {
        [
            r.period.clone(),
            r.open.to_string(),
            r.amount.round_dp(2).to_string(),
            r.weighted.round_dp(2).to_string(),
            r.pipeline.round_dp(2).to_string(),
            r.best_case.round_dp(2).to_string(),
            r.commit.round_dp(2).to_string(),
            r.closed.round_dp(2).to_string(),
        ]
    };
    if !csv_out {
        writeln!(
            out,
            "forecast as of {} ({actor}'s view)",
            as_of.to_rfc3339()
        )?;
    }
    let head: Vec<&str> = HEADER.split(',').collect();
    let body: Vec<Vec<String>> = rows.iter().map(|r| cells(r).to_vec()).collect();
    crate::table::write(out, &head, &body, csv_out)?;
    if csv_out {
        return Ok(());
    }
    if rows.is_empty() {
        writeln!(out, "(no dated open or won opportunities)")?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::demo::{demo_db, start};
    use chrono::Duration;

    #[test]
    fn forecast_of_the_demo_file_now_and_as_of_an_earlier_day() {
        let dir = tempfile::tempdir().unwrap();
        let path = demo_db(dir.path());
        // Day 25: both deals open and dated December (480,000 at commit 75% + 60,000 at 50%).
        let mut out = Vec::new();
        let day25 = start() + Duration::days(24);
        run(&path, "month", day25, "u-1", true, &mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert_eq!(
            text.lines().collect::<Vec<_>>(),
            [
                HEADER,
                "2026-12,2,540000.00,390000.00,0,60000.00,480000.00,0"
            ],
            "{text}"
        );
        // Day 40: the big deal is won (closed in November, local day 27), the small one lost.
        let mut out = Vec::new();
        run(
            &path,
            "month",
            start() + Duration::days(39),
            "u-1",
            false,
            &mut out,
        )
        .unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(text.contains("2026-11"), "{text}");
        assert!(text.contains("480000.00"), "{text}");
        let mut out = Vec::new();
        let e = run(&path, "week", day25, "u-1", true, &mut out).unwrap_err();
        assert!(e.to_string().contains("period_kind"), "{e}");
    }
}
