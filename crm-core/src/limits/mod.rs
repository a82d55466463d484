//! Bounds on what a caller can hand in, defined once so every surface refuses the same input with
//! the same message: no text, list or number can make an operation slow, overflow a date or a sum,
//! or grow a record without end. Each refusal is `INVALID_INPUT` naming the field and the bound.
//!
//! | what | at most |
//! |---|---|
//! | ids (of users, customers, pools, ...) | 100 characters |
//! | names (customers, leads, contacts, users, teams, pools, allocators, pipelines, stages, opportunities) | 200 characters |
//! | codes (level, source, industry, region, tags, contact roles, custom field names, lost reasons) | 100 characters |
//! | phone numbers / email addresses | 40 / 254 characters |
//! | notes, reasons | 10,000 characters |
//! | custom field text values, opportunity field values | 2,000 characters |
//! | phones, emails per record | 20 each |
//! | tags per customer; custom fields per record | 100; 100 |
//! | ids in one batch call (claims, lead allocation, pool members) | 10,000 |
//! | days in pool rules, locks and lock policies | 36,500 (100 years) |
//! | waiting hours | 876,000 (100 years) |
//! | amounts (opportunities, contracts, instalments, payments) | 10^18 in size |
//! | instalments per contract; stages of a pipeline | 1,000; 100 |

mod inputs;

pub use inputs::{days, Bounded};

use crate::error::{CrmError, Result};
use rust_decimal::Decimal;

pub const ID: usize = 100;
pub const NAME: usize = 200;
pub const CODE: usize = 100;
pub const PHONE: usize = 40;
pub const EMAIL: usize = 254;
pub const NOTE: usize = 10_000;
pub const FIELD_TEXT: usize = 2_000;
pub const CONTACT_POINTS: usize = 20;
pub const TAGS: usize = 100;
pub const FIELDS: usize = 100;
pub const BATCH: usize = 10_000;
pub const DAYS: u32 = 36_500;
pub const HOURS: u32 = 876_000;
pub const INSTALMENTS: usize = 1_000;
pub const STAGES: usize = 100;

/// The largest amount of money accepted (in size): sums of many still fit a `Decimal` exactly.
pub fn max_amount() -> Decimal {
    Decimal::from(1_000_000_000_000_000_000u64)
}

/// At most `max` characters of text.
pub fn text(field: &str, value: &str, max: usize) -> Result<()> {
    if longer_than(value.chars(), max) {
        return Err(CrmError::invalid(
            field,
            format!("is longer than {max} characters"),
        ));
    }
    Ok(())
}

/// Whether there are more than `max` characters. Counting stops past the bound, so a huge value
/// costs no more than a short one.
fn longer_than(chars: impl Iterator<Item = char>, max: usize) -> bool {
    chars.take(max + 1).count() > max
}

pub fn opt_text(field: &str, value: Option<&str>, max: usize) -> Result<()> {
    value.map_or(Ok(()), |v| text(field, v, max))
}

/// At most `max_items` items of at most `max_len` characters each.
pub fn texts<'a>(
    field: &str,
    items: impl IntoIterator<Item = &'a String>,
    max_items: usize,
    max_len: usize,
) -> Result<()> {
    for (i, item) in items.into_iter().enumerate() {
        if i >= max_items {
            return Err(CrmError::invalid(
                field,
                format!("has more than {max_items} items"),
            ));
        }
        text(&format!("{field}[{i}]"), item, max_len)?;
    }
    Ok(())
}

/// At most `max` items.
pub fn count(field: &str, len: usize, max: usize) -> Result<()> {
    if len > max {
        return Err(CrmError::invalid(
            field,
            format!("has {len} items; at most {max} are allowed"),
        ));
    }
    Ok(())
}

/// A whole number from 0 to `max`.
pub fn at_most(field: &str, value: u64, max: u64) -> Result<()> {
    if value > max {
        return Err(CrmError::invalid(
            field,
            format!("must lie between 0 and {max}"),
        ));
    }
    Ok(())
}

/// An amount of money no larger than [`max_amount`] in size.
pub fn amount(field: &str, value: Decimal) -> Result<()> {
    if value.abs() > max_amount() {
        return Err(CrmError::invalid(
            field,
            format!("must lie between -{0} and {0}", max_amount()),
        ));
    }
    Ok(())
}

/// Keys and text values of a custom-field-like map.
pub fn field_map<'a, V: 'a>(
    field: &str,
    map: impl IntoIterator<Item = (&'a String, V)>,
    value_text: impl Fn(V) -> Option<&'a str>,
) -> Result<()> {
    for (i, (key, value)) in map.into_iter().enumerate() {
        if i >= FIELDS {
            return Err(CrmError::invalid(
                field,
                format!("has more than {FIELDS} entries"),
            ));
        }
        text(&format!("{field} name"), key, CODE)?;
        if let Some(v) = value_text(value) {
            text(&format!("{field}.{key}"), v, FIELD_TEXT)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_huge_text_is_refused_at_once_naming_the_bound() {
        // Characters read while checking 10,000,000 of them against the bound.
        let reads = std::cell::Cell::new(0usize);
        let counted = (0..10_000_000).map(|_| {
            reads.set(reads.get() + 1);
            'x'
        });
        assert!(longer_than(counted, NAME));
        assert_eq!(reads.get(), NAME + 1, "counting went on past the bound");
        assert!(!longer_than("x".repeat(NAME).chars(), NAME));
        let huge = "x".repeat(100_000_000);
        let e = text("name", &huge, NAME).unwrap_err();
        assert_eq!(
            e,
            CrmError::invalid("name", "is longer than 200 characters")
        );
        assert!(text("name", &"名".repeat(200), NAME).is_ok());
    }

    #[test]
    fn lists_numbers_and_amounts_have_bounds() {
        let many: Vec<String> = (0..21).map(|i| i.to_string()).collect();
        assert!(texts("phones", &many, CONTACT_POINTS, PHONE).is_err());
        assert!(texts("phones", &many[..20], CONTACT_POINTS, PHONE).is_ok());
        assert!(at_most("days", 36_501, u64::from(DAYS)).is_err());
        assert!(amount("amount", max_amount()).is_ok());
        assert!(amount("amount", -max_amount() - Decimal::ONE).is_err());
    }
}
