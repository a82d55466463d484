//! What the quality report needs of one customer, taken from its record alone. A store may keep
//! these beside the record on every write (SQLite does), so the report reads a few bytes per
//! customer instead of decoding each record and checking its numbers again: libphonenumber
//! spends about 8 µs on one number, most of a report over a million customers.

use super::{divisions, fields};
use crate::customer::{Customer, CustomerKind, FieldValue};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// The fields every customer has, in report order; bit `i` of [`CustomerFacts::filled`] is
/// `FIXED[i]`.
pub const FIXED: [&str; 8] = [
    "name", "phones", "emails", "industry", "region", "level", "source", "tags",
];

/// One active customer as the quality report counts it. The id and owner are the store's
/// columns, not part of the stored text (short keys keep that text small).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CustomerFacts {
    #[serde(skip)]
    pub id: String,
    #[serde(skip)]
    pub owner_id: Option<String>,
    #[serde(rename = "p", default, skip_serializing_if = "is_false")]
    pub person: bool,
    /// Which of [`FIXED`] hold a value, one bit each.
    #[serde(rename = "f")]
    pub filled: u8,
    /// Whether every phone is valid, numbers without a country code read as Chinese (the
    /// report's default region).
    #[serde(rename = "pv", default = "yes", skip_serializing_if = "is_true")]
    pub phones_valid: bool,
    /// The phones as stored, for a report that reads them in another region (even a number
    /// with a country code can pass in one default region and fail in another).
    #[serde(rename = "ph", default, skip_serializing_if = "Vec::is_empty")]
    pub phones: Vec<String>,
    #[serde(rename = "ev", default = "yes", skip_serializing_if = "is_true")]
    pub emails_valid: bool,
    /// Custom fields with a value (an import's `division_code` left out), each with the
    /// result of its check where it has one (addresses).
    #[serde(rename = "c", default, skip_serializing_if = "Vec::is_empty")]
    pub custom: Vec<(String, Option<bool>)>,
    /// [`Customer::follow_up_clock`]: when the owner last followed up, or took the customer.
    #[serde(
        rename = "t",
        default,
        skip_serializing_if = "Option::is_none",
        with = "chrono::serde::ts_milliseconds_option"
    )]
    pub follow_up: Option<DateTime<Utc>>,
}

fn is_false(b: &bool) -> bool {
    !*b
}

fn is_true(b: &bool) -> bool {
    *b
}

fn yes() -> bool {
    true
}

impl CustomerFacts {
    pub fn of(c: &Customer) -> CustomerFacts {
        let has = [
            !c.name.trim().is_empty(),
            !c.phones.is_empty(),
            !c.emails.is_empty(),
            c.industry.is_some(),
            c.region.is_some(),
            c.level.is_some(),
            c.source.is_some(),
            !c.tags.is_empty(),
        ];
        let filled = has
            .iter()
            .enumerate()
            .fold(0u8, |bits, (i, &h)| bits | (u8::from(h) << i));
        CustomerFacts {
            id: c.id.clone(),
            owner_id: c.owner_id.clone(),
            person: c.kind == CustomerKind::Person,
            filled,
            phones_valid: c
                .phones
                .iter()
                .all(|p| fields::phone_is_valid(p, fields::DEFAULT_REGION)),
            phones: c.phones.clone(),
            emails_valid: c.emails.iter().all(|e| fields::email(e).is_ok()),
            custom: c
                .custom_fields
                .iter()
                // Part of the address an import resolved, not a field of its own.
                .filter(|(key, _)| key.as_str() != "division_code")
                .map(|(key, value)| {
                    let valid = match (key.as_str(), value) {
                        ("address", FieldValue::Text(text)) => {
                            Some(divisions::parse_address(text).is_ok())
                        }
                        _ => None,
                    };
                    (key.clone(), valid)
                })
                .collect(),
            follow_up: c.follow_up_clock(),
        }
    }

    /// Whether `FIXED[i]` holds a value.
    pub fn has(&self, i: usize) -> bool {
        self.filled & (1 << i) != 0
    }

    /// Whether every phone is valid, numbers without a country code read in `region`.
    pub fn phones_valid_in(&self, region: phonenumber::country::Id) -> bool {
        if region == fields::DEFAULT_REGION {
            return self.phones_valid;
        }
        self.phones
            .iter()
            .all(|p| fields::phone_is_valid(p, region))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stored_text_round_trips_without_id_or_owner() {
        let facts = CustomerFacts {
            id: "c-1".into(),
            owner_id: Some("u-1".into()),
            person: true,
            filled: 0b101,
            phones_valid: false,
            phones: vec!["13800138000".into()],
            emails_valid: true,
            custom: vec![("address".into(), Some(false)), ("birthday".into(), None)],
            follow_up: Some("2026-03-11T08:00:00Z".parse().unwrap()),
        };
        let text = serde_json::to_string(&facts).unwrap();
        assert!(!text.contains("c-1") && !text.contains("u-1"), "{text}");
        let back: CustomerFacts = serde_json::from_str(&text).unwrap();
        assert_eq!(
            back,
            CustomerFacts {
                id: String::new(),
                owner_id: None,
                ..facts
            }
        );
        let empty = serde_json::to_string(&CustomerFacts::default()).unwrap();
        assert!(empty.len() < 40, "{empty}");
    }
}
