//! uniffi converters for the value types the records use that uniffi does not know, so the records
//! themselves cross to Kotlin and Swift unchanged (behind the `uniffi` feature; crm-mobile exports
//! them). Each is a named custom type, one per kind of value:
//! - `Timestamp`: an instant (`DateTime<Utc>`), a `SystemTime` on the wire: Kotlin
//!   `java.time.Instant`, Swift `Date`.
//! - `LocalDate`: a calendar day (`NaiveDate`), ISO `YYYY-MM-DD` text on the wire.
//! - `DecimalNumber`: an exact decimal, its text on the wire (never a float).
//! - `JsonValue`: any JSON value (a synced operation's arguments), its JSON text on the wire.
//! - `MapOf*` / `SetOfString`: the ordered maps and sets, which cross as uniffi's `HashMap` /
//!   `HashSet` (the only ones it has): unordered on the foreign side, ordered again on the way in.
//!
//! A foreign value the core cannot hold (an instant outside chrono's range, a decimal needing more
//! than 28 digits, a malformed day) is refused as `INVALID_INPUT` naming the kind of value, a typed
//! error on the foreign side, never a panic. The bindings' package names and the Kotlin types of
//! `LocalDate` and `DecimalNumber` are set in crm-mobile's `uniffi.toml`.

use crate::allocation::RepUsage;
use crate::customer::FieldValue;
use crate::error::CrmError;
use crate::sla::{SlaMetric, SlaTarget};
use chrono::{DateTime, NaiveDate, Utc};
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::time::{SystemTime, UNIX_EPOCH};

pub type Timestamp = DateTime<Utc>;
pub type LocalDate = NaiveDate;
pub type DecimalNumber = rust_decimal::Decimal;

/// The instant of a foreign `SystemTime`; `None` when chrono cannot represent it.
fn instant(t: SystemTime) -> Option<DateTime<Utc>> {
    let (secs, nanos) = match t.duration_since(UNIX_EPOCH) {
        Ok(d) => (i64::try_from(d.as_secs()).ok()?, d.subsec_nanos()),
        Err(before) => {
            let d = before.duration();
            let secs = i64::try_from(d.as_secs()).ok()?.checked_neg()?;
            match d.subsec_nanos() {
                0 => (secs, 0),
                n => (secs.checked_sub(1)?, 1_000_000_000 - n),
            }
        }
    };
    DateTime::from_timestamp(secs, nanos)
}

fn refused(kind: &str, reason: String) -> uniffi::deps::anyhow::Error {
    CrmError::invalid(kind, reason).into()
}

uniffi::custom_type!(Timestamp, SystemTime, {
    remote,
    lower: |t| t.into(),
    try_lift: |t| instant(t).ok_or_else(|| {
        refused("instant", "lies beyond about 262,000 years from 1970".into())
    }),
});

uniffi::custom_type!(LocalDate, String, {
    remote,
    lower: |d| d.to_string(),
    try_lift: |s| s.parse().map_err(|e| refused("date", format!("{s:?}: {e}"))),
});

/// Any JSON value (a synced operation's arguments and result), its text on the wire.
pub type JsonValue = serde_json::Value;

uniffi::custom_type!(JsonValue, String, {
    remote,
    lower: |v| v.to_string(),
    try_lift: |s| serde_json::from_str(&s).map_err(|e| refused("json", format!("{e}"))),
});

uniffi::custom_type!(DecimalNumber, String, {
    remote,
    lower: |d| d.to_string(),
    try_lift: |s| {
        rust_decimal::Decimal::from_str_exact(&s)
            .map_err(|e| refused("decimal", format!("{s:?}: {e}")))
    },
});

/// Declares an ordered map as a custom type over uniffi's `HashMap`.
macro_rules! ordered_maps {
    ($($(#[$doc:meta])* $alias:ident = BTreeMap<$k:ty, $v:ty>;)*) => {$(
        $(#[$doc])*
        pub type $alias = BTreeMap<$k, $v>;
        uniffi::custom_type!($alias, HashMap<$k, $v>, {
            remote,
            lower: |m| m.into_iter().collect(),
            try_lift: |m| Ok(m.into_iter().collect()),
        });
    )*};
}

ordered_maps! {
    MapOfString = BTreeMap<String, String>;
    MapOfI64 = BTreeMap<String, i64>;
    MapOfU32 = BTreeMap<String, u32>;
    MapOfDecimal = BTreeMap<String, DecimalNumber>;
    MapOfFieldValue = BTreeMap<String, FieldValue>;
    /// A patch of custom fields: `None` removes the field.
    MapOfFieldValuePatch = BTreeMap<String, Option<FieldValue>>;
    MapOfRepUsage = BTreeMap<String, RepUsage>;
    MapOfSlaTarget = BTreeMap<SlaMetric, SlaTarget>;
    MapOfSlaTargets = BTreeMap<String, MapOfSlaTarget>;
    /// A synced edit's base: field path to the value the device saw.
    MapOfJson = BTreeMap<String, JsonValue>;
}

pub type SetOfString = BTreeSet<String>;
uniffi::custom_type!(SetOfString, HashSet<String>, {
    remote,
    lower: |s| s.into_iter().collect(),
    try_lift: |s| Ok(s.into_iter().collect()),
});

/// The stable code of an error (`VERSION_CONFLICT`, ...) for Kotlin and Swift callers; the text
/// comes from the exported `Display` (Kotlin `toString()`, Swift `description`).
#[uniffi::export]
impl CrmError {
    #[uniffi::method(name = "code")]
    pub fn foreign_code(&self) -> String {
        self.code().to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn instants_convert_exactly_on_both_sides_of_the_epoch() {
        let after = UNIX_EPOCH + Duration::new(1_772_413_200, 123_456_789);
        let t = instant(after).unwrap();
        assert_eq!(t.to_rfc3339(), "2026-03-02T01:00:00.123456789+00:00");
        assert_eq!(SystemTime::from(t), after);
        let before = UNIX_EPOCH - Duration::new(1, 250_000_000);
        let t = instant(before).unwrap();
        assert_eq!(t.to_rfc3339(), "1969-12-31T23:59:58.750+00:00");
        assert_eq!(SystemTime::from(t), before);
        assert_eq!(
            instant(UNIX_EPOCH - Duration::from_secs(2))
                .unwrap()
                .timestamp(),
            -2
        );
    }

    #[test]
    fn values_the_core_cannot_hold_are_invalid_input() {
        let far = UNIX_EPOCH + Duration::from_secs(31_556_889_864_403_199); // Kotlin's Instant.MAX
        assert!(instant(far).is_none());
        let e = <Timestamp as uniffi::Lift<crate::UniFfiTag>>::try_lift(
            <SystemTime as uniffi::Lower<crate::UniFfiTag>>::lower(far),
        )
        .unwrap_err();
        let e = e.downcast::<CrmError>().unwrap();
        assert_eq!(e.code(), "INVALID_INPUT");
        let digits = "1.00000000000000000000000000001".to_string();
        let e = <DecimalNumber as uniffi::Lift<crate::UniFfiTag>>::try_lift(
            <String as uniffi::Lower<crate::UniFfiTag>>::lower(digits),
        )
        .unwrap_err();
        assert!(matches!(
            e.downcast::<CrmError>().unwrap(),
            CrmError::InvalidInput { ref field, .. } if field == "decimal"
        ));
        let e =
            <LocalDate as uniffi::Lift<crate::UniFfiTag>>::try_lift(<String as uniffi::Lower<
                crate::UniFfiTag,
            >>::lower(
                "2026-02-30".into()
            ))
            .unwrap_err();
        assert_eq!(e.downcast::<CrmError>().unwrap().code(), "INVALID_INPUT");
    }

    #[test]
    fn decimals_and_days_round_trip_as_text() {
        let d: DecimalNumber = "-1234.5600".parse().unwrap();
        let back = <DecimalNumber as uniffi::Lift<crate::UniFfiTag>>::try_lift(
            <DecimalNumber as uniffi::Lower<crate::UniFfiTag>>::lower(d),
        )
        .unwrap();
        assert_eq!(back.to_string(), "-1234.5600", "the scale survives");
        let day = NaiveDate::from_ymd_opt(2026, 3, 2).unwrap();
        assert_eq!(
            <LocalDate as uniffi::Lift<crate::UniFfiTag>>::try_lift(<LocalDate as uniffi::Lower<
                crate::UniFfiTag,
            >>::lower(day))
            .unwrap(),
            day
        );
    }
}
