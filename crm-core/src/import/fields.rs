//! Per-field normalisation of imported cells: phones to E.164, emails, dates in ISO and Chinese
//! forms, decimals with thousands separators, yes/no, full-width folding. Each returns the value
//! or a `(code, message)` the row reports.

use crate::customer::normalize::normalize_email;
use chrono::NaiveDate;
use phonenumber::country::Id as Country;
use rust_decimal::Decimal;
use std::str::FromStr;
use unicode_normalization::UnicodeNormalization;

/// A refused cell: a stable code and a message for people.
pub type CellError = (&'static str, String);

/// Full-width forms (＋８６, ＡＢＣ, 　) folded to ASCII, and surrounding whitespace trimmed.
pub fn fold(input: &str) -> String {
    if input.is_ascii() {
        return input.trim().to_string();
    }
    input.nfkc().collect::<String>().trim().to_string()
}

/// The region of phone numbers without a country code when none is given.
pub const DEFAULT_REGION: Country = Country::CN;

/// The region phone numbers without a country code belong to.
pub fn region(code: Option<&str>) -> Result<Country, CellError> {
    let Some(code) = code else {
        return Ok(DEFAULT_REGION);
    };
    let code = code.trim().to_ascii_uppercase();
    Country::from_str(&code).map_err(|_| {
        (
            "INVALID_REGION",
            format!("{code} is not an ISO 3166 region code"),
        )
    })
}

/// A phone number in E.164 (`+8613800138000`), parsed and validated by libphonenumber's rules
/// (the `phonenumber` crate) rather than by hand. Its duplicate key is the same as the key of
/// the number as written (checked by tests), so stored keys need no migration.
pub fn phone(input: &str, default: Country) -> Result<String, CellError> {
    Ok(parsed_phone(input, default)?
        .format()
        .mode(phonenumber::Mode::E164)
        .to_string())
}

/// Whether a stored phone passes the check of [`phone`] (without writing its E.164 form, which
/// costs as much as the check: the quality report asks this of every stored number).
pub fn phone_is_valid(input: &str, default: Country) -> bool {
    parsed_phone(input, default).is_ok()
}

fn parsed_phone(input: &str, default: Country) -> Result<phonenumber::PhoneNumber, CellError> {
    let folded = fold(input);
    // libphonenumber reads letters as a keypad's digits (1-800-FLOWERS); in a CRM's data they
    // are typos, and entry refuses them too.
    if folded.chars().any(char::is_alphabetic) {
        return Err(("INVALID_PHONE", format!("{folded} has letters in it")));
    }
    let parsed = phonenumber::parse(Some(default), &folded).map_err(|e| {
        (
            "INVALID_PHONE",
            format!("{folded} is not a phone number: {e}"),
        )
    })?;
    if !phonenumber::is_valid(&parsed) {
        return Err((
            "INVALID_PHONE",
            format!("{folded} is not a valid number in its region"),
        ));
    }
    Ok(parsed)
}

/// An email, trimmed and lower-cased, with the syntax check of entry.
pub fn email(input: &str) -> Result<String, CellError> {
    normalize_email(&fold(input)).map_err(|_| {
        (
            "INVALID_EMAIL",
            format!("{} is not an email address", fold(input)),
        )
    })
}

/// A calendar date: `2026-03-05`, `2026/3/5`, `2026.3.5`, `2026年3月5日`, `20260305`; also a
/// date-time at midnight without a zone (`2026-03-05T00:00:00`, `2026-03-05 00:00`), as
/// spreadsheets and DataFrames write dates.
pub fn date(input: &str) -> Result<NaiveDate, CellError> {
    let mut s = fold(input);
    if let Some((day, time)) = s.split_once(['T', ' ']) {
        if ["00:00", "00:00:00", "00:00:00.000", "00:00:00Z"].contains(&time.trim()) {
            s = day.to_string();
        }
    }
    let bad = || {
        (
            "INVALID_DATE",
            format!("{s} is not a date (2026-03-05, 2026/3/5 or 2026年3月5日)"),
        )
    };
    let parts: Vec<&str> = if s.len() == 8 && s.bytes().all(|b| b.is_ascii_digit()) {
        vec![&s[..4], &s[4..6], &s[6..]]
    } else {
        let trimmed = s.strip_suffix('日').unwrap_or(&s);
        trimmed
            .split(['-', '/', '.', '年', '月'])
            .map(str::trim)
            .collect()
    };
    let [y, m, d] = parts[..] else {
        return Err(bad());
    };
    let digits = |p: &str, max: usize| {
        (!p.is_empty() && p.len() <= max && p.bytes().all(|b| b.is_ascii_digit()))
            .then(|| p.parse::<u32>().ok())
            .flatten()
    };
    match (digits(y, 4), digits(m, 2), digits(d, 2)) {
        (Some(y), Some(m), Some(d)) if y >= 1000 => {
            NaiveDate::from_ymd_opt(y as i32, m, d).ok_or_else(bad)
        }
        _ => Err(bad()),
    }
}

/// A decimal: `1,234,567.89`, `1 234`, `¥1,234`, `１２３`; groups of three after the first.
pub fn decimal(input: &str) -> Result<Decimal, CellError> {
    let s = fold(input);
    let bad = || ("INVALID_NUMBER", format!("{s} is not a number"));
    let body = s
        .trim_start_matches(['¥', '￥', '$', '€'])
        .trim()
        .to_string();
    let (sign, unsigned) = match body.strip_prefix('-') {
        Some(rest) => ("-", rest),
        None => ("", body.as_str()),
    };
    let (whole, frac) = unsigned.split_once('.').unwrap_or((unsigned, ""));
    let groups: Vec<&str> = whole.split([',', ' ', '\'']).collect();
    let grouped = groups.len() > 1;
    let well_grouped = groups.iter().enumerate().all(|(i, g)| {
        !g.is_empty()
            && g.bytes().all(|b| b.is_ascii_digit())
            && (!grouped || if i == 0 { g.len() <= 3 } else { g.len() == 3 })
    });
    if !well_grouped || !frac.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad());
    }
    let plain = if frac.is_empty() {
        format!("{sign}{}", groups.concat())
    } else {
        format!("{sign}{}.{frac}", groups.concat())
    };
    Decimal::from_str_exact(&plain).map_err(|_| bad())
}

/// Yes or no: `true/false`, `yes/no`, `y/n`, `1/0`, `是/否`, `有/无`.
pub fn boolean(input: &str) -> Result<bool, CellError> {
    match fold(input).to_lowercase().as_str() {
        "true" | "yes" | "y" | "1" | "是" | "有" | "对" => Ok(true),
        "false" | "no" | "n" | "0" | "否" | "无" | "不" => Ok(false),
        other => Err(("INVALID_BOOL", format!("{other} is not yes or no"))),
    }
}

/// A cell holding several values (`a, b；c、d`), split and trimmed.
pub fn list(input: &str) -> Vec<String> {
    fold(input)
        .split([',', ';', '、', '|', '\n'])
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::customer::normalize::normalize_phone;

    #[test]
    fn phones_become_e164_with_compatible_keys() {
        let cn = region(None).unwrap();
        for (raw, e164) in [
            ("+86 138-0013-8000", "+8613800138000"),
            ("13800138000", "+8613800138000"),
            ("0086 138 0013 8000", "+8613800138000"),
            ("＋８６ １３８００１３８０００", "+8613800138000"),
            ("010-6552-8888", "+861065528888"),
            ("021 5555 0101", "+862155550101"),
            ("+1 650-253-0000", "+16502530000"),
        ] {
            assert_eq!(phone(raw, cn).unwrap(), e164, "{raw}");
            assert_eq!(
                normalize_phone(e164).unwrap(),
                normalize_phone(raw).unwrap(),
                "the duplicate key of {raw} must not change"
            );
        }
        for bad in ["12", "138-0013-800a", "1380013800", "phone", ""] {
            assert_eq!(phone(bad, cn).unwrap_err().0, "INVALID_PHONE", "{bad}");
        }
        let us = region(Some("us")).unwrap();
        assert_eq!(phone("(650) 253-0000", us).unwrap(), "+16502530000");
        assert_eq!(region(Some("XX")).unwrap_err().0, "INVALID_REGION");
    }

    #[test]
    fn dates_in_iso_and_chinese_forms() {
        let d = NaiveDate::from_ymd_opt(2026, 3, 5).unwrap();
        for raw in [
            "2026-03-05",
            "2026/3/5",
            "2026.3.5",
            "2026年3月5日",
            "2026年03月05日",
            "20260305",
            " ２０２６年３月５日 ",
            "2026-03-05T00:00:00",
            "2026-03-05 00:00",
        ] {
            assert_eq!(date(raw).unwrap(), d, "{raw}");
        }
        for bad in [
            "2026-02-30",
            "3/5/2026",
            "2026年3月",
            "yesterday",
            "99-3-5",
            "",
        ] {
            assert_eq!(date(bad).unwrap_err().0, "INVALID_DATE", "{bad}");
        }
    }

    #[test]
    fn decimals_with_separators() {
        for (raw, want) in [
            ("1,234,567.89", "1234567.89"),
            ("¥1,234", "1234"),
            ("１２３．５", "123.5"),
            ("-2 500", "-2500"),
            ("0.10", "0.10"),
        ] {
            assert_eq!(
                decimal(raw).unwrap(),
                Decimal::from_str(want).unwrap(),
                "{raw}"
            );
        }
        for bad in ["1,23", "12,3456", "1.2.3", "abc", "", "1e5"] {
            assert_eq!(decimal(bad).unwrap_err().0, "INVALID_NUMBER", "{bad}");
        }
    }

    #[test]
    fn booleans_lists_and_emails() {
        assert!(boolean("是").unwrap());
        assert!(!boolean("No").unwrap());
        assert!(boolean("maybe").is_err());
        assert_eq!(list("vip, 华东；key、 "), ["vip", "华东", "key"]);
        assert_eq!(email(" Li.Lei@Example.COM ").unwrap(), "li.lei@example.com");
        assert_eq!(email("li@@x").unwrap_err().0, "INVALID_EMAIL");
    }
}
