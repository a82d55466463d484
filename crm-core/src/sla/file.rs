//! The calendar file format (TOML) of DOMAIN.md section 7, with errors that name the line.

use super::calendar::{Calendar, Holiday};
use super::interval::WorkInterval;
use crate::error::{CrmError, Result};
use chrono::NaiveDate;
use serde::Deserialize;
use std::collections::BTreeMap;
use toml::Spanned;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    timezone: Spanned<String>,
    #[serde(default)]
    week: Week,
    #[serde(default)]
    holiday: Vec<HolidayEntry>,
    #[serde(default)]
    workday: Vec<WorkdayEntry>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct Week {
    mon: Option<Vec<Spanned<String>>>,
    tue: Option<Vec<Spanned<String>>>,
    wed: Option<Vec<Spanned<String>>>,
    thu: Option<Vec<Spanned<String>>>,
    fri: Option<Vec<Spanned<String>>>,
    sat: Option<Vec<Spanned<String>>>,
    sun: Option<Vec<Spanned<String>>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct HolidayEntry {
    date: Spanned<String>,
    off: Option<Vec<Spanned<String>>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct WorkdayEntry {
    date: Spanned<String>,
    hours: Vec<Spanned<String>>,
}

/// Parses and validates a calendar file.
pub fn parse_calendar(source: &str) -> Result<Calendar> {
    let file: File = toml::from_str(source)
        .map_err(|e| CrmError::invalid("calendar", e.to_string().trim().replace('\n', " ")))?;
    let at = |span: std::ops::Range<usize>, problem: String| {
        let line = source[..span.start.min(source.len())].matches('\n').count() + 1;
        CrmError::invalid(format!("calendar line {line}"), problem)
    };
    let tz = file
        .timezone
        .get_ref()
        .parse::<chrono_tz::Tz>()
        .map_err(|_| {
            at(
                file.timezone.span(),
                format!("unknown IANA time zone {:?}", file.timezone.get_ref()),
            )
        })?;
    let intervals = |list: &[Spanned<String>]| -> Result<Vec<WorkInterval>> {
        let mut out = Vec::with_capacity(list.len());
        for item in list {
            out.push(item.get_ref().parse().map_err(|e| at(item.span(), e))?);
        }
        Ok(out)
    };
    let date = |d: &Spanned<String>| -> Result<NaiveDate> {
        NaiveDate::parse_from_str(d.get_ref(), "%Y-%m-%d").map_err(|_| {
            at(
                d.span(),
                format!("{:?} is not a date like \"2026-10-01\"", d.get_ref()),
            )
        })
    };
    let w = &file.week;
    let mut week: [Vec<WorkInterval>; 7] = Default::default();
    for (slot, day) in week
        .iter_mut()
        .zip([&w.mon, &w.tue, &w.wed, &w.thu, &w.fri, &w.sat, &w.sun])
    {
        *slot = intervals(day.as_deref().unwrap_or_default())?;
    }
    let mut holidays = BTreeMap::new();
    for h in &file.holiday {
        let d = date(&h.date)?;
        let holiday = match &h.off {
            None => Holiday::Whole,
            Some(parts) => {
                let parts = intervals(parts)?;
                if let Some(p) = parts.iter().find(|p| p.overnight()) {
                    return Err(at(
                        h.date.span(),
                        format!("the part off, {p}, must end by 24:00 of {d}"),
                    ));
                }
                Holiday::Off(parts)
            }
        };
        if holidays.insert(d, holiday).is_some() {
            return Err(at(
                h.date.span(),
                format!("{d} is listed as a holiday twice"),
            ));
        }
    }
    let mut workdays = BTreeMap::new();
    for wd in &file.workday {
        let d = date(&wd.date)?;
        if holidays.contains_key(&d) {
            return Err(at(
                wd.date.span(),
                format!("{d} is both a holiday and a workday"),
            ));
        }
        if workdays.insert(d, intervals(&wd.hours)?).is_some() {
            return Err(at(
                wd.date.span(),
                format!("{d} is listed as a workday twice"),
            ));
        }
    }
    Calendar::new(tz, week, holidays, workdays)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SPEC_EXAMPLE: &str = r#"timezone = "Asia/Shanghai"

[week]
mon = ["09:00-12:00", "13:30-18:00"]
tue = ["09:00-12:00", "13:30-18:00"]
wed = ["09:00-12:00", "13:30-18:00"]
thu = ["09:00-12:00", "13:30-18:00"]
fri = ["09:00-12:00", "13:30-18:00"]
sat = []
sun = ["22:00-06:00"]

[[holiday]]
date = "2026-10-01"

[[holiday]]
date = "2026-12-31"
off = ["13:30-18:00"]

[[workday]]
date = "2026-09-27"
hours = ["09:00-12:00", "13:30-18:00"]
"#;

    #[test]
    fn the_spec_example_parses() {
        let cal = parse_calendar(SPEC_EXAMPLE).unwrap();
        assert_eq!(cal.timezone(), chrono_tz::Asia::Shanghai);
    }

    fn error_of(source: &str) -> String {
        parse_calendar(source).unwrap_err().to_string()
    }

    #[test]
    fn errors_name_the_line_and_the_problem() {
        let bad_interval = SPEC_EXAMPLE.replace("tue = [\"09:00-12:00\"", "tue = [\"09:00-25:00\"");
        let e = error_of(&bad_interval);
        assert!(e.contains("calendar line 5") && e.contains("25:00"), "{e}");
        let bad_zone = SPEC_EXAMPLE.replace("Asia/Shanghai", "Asia/Atlantis");
        let e = error_of(&bad_zone);
        assert!(
            e.contains("calendar line 1") && e.contains("Asia/Atlantis"),
            "{e}"
        );
        let bad_date = SPEC_EXAMPLE.replace("2026-10-01", "2026-13-01");
        let e = error_of(&bad_date);
        assert!(
            e.contains("calendar line 13") && e.contains("2026-13-01"),
            "{e}"
        );
        let typo = SPEC_EXAMPLE.replace("[week]", "[weak]");
        let e = error_of(&typo);
        assert!(e.contains("line 3") && e.contains("weak"), "{e}");
        let twice = format!("{SPEC_EXAMPLE}\n[[holiday]]\ndate = \"2026-09-27\"\n");
        let e = error_of(&twice);
        assert!(e.contains("both a holiday and a workday"), "{e}");
        let overnight_off =
            SPEC_EXAMPLE.replace("off = [\"13:30-18:00\"]", "off = [\"22:00-02:00\"]");
        assert!(error_of(&overnight_off).contains("must end by 24:00"));
    }
}
