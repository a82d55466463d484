//! Refusals of malformed arguments in domain words: which field (the whole path, `patch.level`,
//! `orders[3].amount`), what it must be, and at most a short prefix of what came. serde's own
//! messages speak of its type system (`invalid type: floating point, expected u64`, `struct
//! CustomerPatch`); they are read here once and never reach a caller.

use crate::error::CrmError;
use serde::de::DeserializeOwned;
use serde_json::Value;

/// The longest piece of a caller's value quoted back.
const QUOTE: usize = 40;

/// Reads `T` from `value`; a refusal names `field` and, below it, the path to the bad part.
pub(crate) fn read<T: DeserializeOwned>(field: &str, value: &Value) -> Result<T, CrmError> {
    serde_path_to_error::deserialize(value).map_err(|e| {
        let path = e.path().to_string();
        let at = match (field, path.as_str()) {
            ("", p) => p.to_string(),
            (f, ".") => f.to_string(),
            (f, p) if p.starts_with('[') => format!("{f}{p}"),
            (f, p) => format!("{f}.{p}"),
        };
        refusal(&at, &e.into_inner().to_string())
    })
}

fn short(text: &str) -> String {
    let mut out: String = text.chars().take(QUOTE).collect();
    if text.chars().nth(QUOTE).is_some() {
        out.push('…');
    }
    out
}

/// What serde says it found, as a reader would say it.
fn found(what: &str) -> String {
    let quoted = |w: &str| w.trim_matches(|c| c == '`' || c == '"').to_string();
    match what.split_once(' ') {
        Some(("string", v)) => format!("the text \"{}\"", short(&quoted(v))),
        Some(("floating", v)) => format!("the number {}", quoted(v.trim_start_matches("point "))),
        Some(("integer", v)) => format!("the number {}", quoted(v)),
        Some(("boolean", v)) => quoted(v),
        _ => match what {
            "sequence" => "a list".into(),
            "map" => "an object".into(),
            "unit value" | "null" => "null".into(),
            other => short(other),
        },
    }
}

/// What serde expected, as a reader would say it.
fn wanted(what: &str) -> String {
    let range = |max: &str| format!("a whole number from 0 to {max}");
    match what {
        "u8" => range("255"),
        "u16" => range("65535"),
        "u32" => range("4294967295"),
        "u64" | "usize" => range("18446744073709551615"),
        "i8" | "i16" | "i32" | "i64" | "i128" | "isize" => "a whole number".into(),
        "f32" | "f64" => "a number".into(),
        "a string" | "a borrowed string" | "a character" => "text".into(),
        "a boolean" => "true or false".into(),
        "a sequence" => "a list".into(),
        w if w.starts_with("a Decimal") || w.contains("decimal") => {
            "an exact decimal such as \"12.50\"".into()
        }
        w if w.starts_with("struct ") || w == "a map" || w.starts_with("internally tagged") => {
            "an object".into()
        }
        w if w.starts_with("adjacently tagged") => "an object with a type and a value".into(),
        w if w.contains("RFC 3339") || w.contains("date") => w.to_string(),
        w => short(w),
    }
}

fn names(list: &str) -> String {
    list.replace('`', "")
}

/// One of serde's messages (`invalid type: …, expected …`, `missing field …`, chrono's and
/// rust_decimal's parse errors) as an `INVALID_INPUT` naming the field.
fn refusal(at: &str, message: &str) -> CrmError {
    // serde_path_to_error's path ends at an unknown field already, at a missing one's record.
    let field = |name: &str| match at {
        "" => name.to_string(),
        a if a == name || a.ends_with(&format!(".{name}")) => a.to_string(),
        a => format!("{a}.{name}"),
    };
    let bare = |t: &str| t.trim_matches('`').to_string();
    let msg = message.split(" at line ").next().unwrap_or(message);
    if let Some(rest) = msg.strip_prefix("missing field ") {
        return CrmError::invalid(field(&bare(rest)), "is missing");
    }
    if let Some(rest) = msg.strip_prefix("unknown field ") {
        let (name, expected) = rest.split_once(", expected ").unwrap_or((rest, ""));
        let reason = match expected {
            "" => "is not a field here".to_string(),
            e => format!(
                "is not a field here (the fields are {})",
                names(e).replace("one of ", "")
            ),
        };
        return CrmError::invalid(field(&short(&bare(name))), reason);
    }
    if let Some(rest) = msg.strip_prefix("unknown variant ") {
        let (name, expected) = rest.split_once(", expected ").unwrap_or((rest, ""));
        return CrmError::invalid(
            at,
            format!(
                "must be {} (got \"{}\")",
                names(expected),
                short(&bare(name))
            ),
        );
    }
    for prefix in ["invalid type: ", "invalid value: "] {
        if let Some(rest) = msg.strip_prefix(prefix) {
            if let Some((got, expected)) = rest.rsplit_once(", expected ") {
                return CrmError::invalid(
                    at,
                    format!("must be {} (got {})", wanted(expected), found(got)),
                );
            }
        }
    }
    if let Some(rest) = msg.strip_prefix("invalid length ") {
        let expected = rest.split_once(", expected ").map_or(rest, |(_, e)| e);
        return CrmError::invalid(at, format!("must be {}", short(expected)));
    }
    // chrono's parse errors: an instant or a date that does not read.
    if [
        "input contains invalid characters",
        "premature end of input",
        "trailing input",
        "input is out of range",
        "input is not enough for unique date and time",
        "no possible date and time matching input",
        "bad or unsupported format string",
    ]
    .contains(&msg)
    {
        return CrmError::invalid(
            at,
            "must be an instant with its offset (2026-03-02T09:00:00+08:00) or a date (2026-03-02)",
        );
    }
    // rust_decimal's: text that is no exact decimal.
    if msg.starts_with("Invalid decimal") || msg.contains("decimal") {
        return CrmError::invalid(at, "must be an exact decimal such as \"12.50\"");
    }
    CrmError::invalid(at, short(msg))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::customer::CustomerPatch;
    use serde_json::json;

    fn refused<T: DeserializeOwned + std::fmt::Debug>(field: &str, v: Value) -> CrmError {
        read::<T>(field, &v).unwrap_err()
    }

    #[test]
    fn refusals_speak_of_the_field_and_the_domain_not_of_serde() {
        assert_eq!(
            refused::<u64>("expected_version", json!(1.18e21)),
            CrmError::invalid(
                "expected_version",
                "must be a whole number from 0 to 18446744073709551615 (got the number 1.18e+21)"
            )
        );
        assert_eq!(
            refused::<CustomerPatch>("patch", json!({"level": 3})),
            CrmError::invalid("patch.level", "must be text (got the number 3)")
        );
        let e = refused::<CustomerPatch>("patch", json!({"nmae": "x"}));
        let CrmError::InvalidInput { field, reason } = e else {
            panic!()
        };
        assert_eq!(field, "patch.nmae");
        assert!(reason.starts_with("is not a field here (the fields are name, kind,"));
        assert_eq!(
            refused::<crate::customer::NewFollowUp>(
                "follow_up",
                json!({"channel": "fax", "note": ""})
            ),
            CrmError::invalid(
                "follow_up.channel",
                "must be one of call, visit, email, message, meeting, other (got \"fax\")"
            )
        );
        let huge = "x".repeat(1_000_000);
        let CrmError::InvalidInput { reason, .. } = refused::<u32>("days", json!(huge)) else {
            panic!()
        };
        assert!(reason.len() < 120, "a short prefix only: {reason}");
        assert_eq!(
            refused::<chrono::DateTime<chrono::Utc>>("at", json!("yesterday")),
            CrmError::invalid(
                "at",
                "must be an instant with its offset (2026-03-02T09:00:00+08:00) or a date (2026-03-02)"
            )
        );
        assert_eq!(
            refused::<rust_decimal::Decimal>("amount", json!("12,50")),
            CrmError::invalid(
                "amount",
                "must be an exact decimal such as \"12.50\" (got the text \"12,50\")"
            )
        );
        assert_eq!(
            refused::<crate::customer::NewContact>("contact", json!({"phones": []})),
            CrmError::invalid("contact.name", "is missing")
        );
    }
}
