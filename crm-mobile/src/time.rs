//! Instants cross uniffi as `SystemTime` (Kotlin `Instant`, Swift `Date`) and the core's JSON as
//! RFC 3339 strings; these helpers join the two. A foreign instant outside chrono's range (Kotlin's
//! `Instant.MAX`, say) is an `InvalidInput` error, never a panic.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::time::{SystemTime, UNIX_EPOCH};

/// The core's instant for a foreign one; `None` when chrono cannot represent it.
pub fn checked(t: SystemTime) -> Option<DateTime<Utc>> {
    let (secs, nanos) = match t.duration_since(UNIX_EPOCH) {
        Ok(d) => (i64::try_from(d.as_secs()).ok()?, d.subsec_nanos()),
        Err(e) => {
            let d = e.duration();
            let secs = i64::try_from(d.as_secs()).ok()?;
            if d.subsec_nanos() == 0 {
                (secs.checked_neg()?, 0)
            } else {
                (
                    secs.checked_neg()?.checked_sub(1)?,
                    1_000_000_000 - d.subsec_nanos(),
                )
            }
        }
    };
    DateTime::from_timestamp(secs, nanos)
}

/// [`checked`], or the typed error naming `field`.
pub fn utc(field: &str, t: SystemTime) -> Result<DateTime<Utc>, crate::CrmError> {
    checked(t).ok_or_else(|| {
        crm_core::CrmError::InvalidInput {
            field: field.into(),
            reason: "the instant is outside the supported range".into(),
        }
        .into()
    })
}

fn to_utc<E: serde::ser::Error>(t: &SystemTime) -> Result<DateTime<Utc>, E> {
    checked(*t).ok_or_else(|| E::custom("an instant is outside the supported range"))
}

pub fn serialize<S: Serializer>(t: &SystemTime, s: S) -> Result<S::Ok, S::Error> {
    to_utc(t)?.serialize(s)
}

pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<SystemTime, D::Error> {
    DateTime::<Utc>::deserialize(d).map(SystemTime::from)
}

pub mod option {
    use super::*;

    pub fn serialize<S: Serializer>(t: &Option<SystemTime>, s: S) -> Result<S::Ok, S::Error> {
        t.as_ref().map(to_utc).transpose()?.serialize(s)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<SystemTime>, D::Error> {
        Option::<DateTime<Utc>>::deserialize(d).map(|t| t.map(SystemTime::from))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn instants_convert_exactly_on_both_sides_of_the_epoch() {
        let after = UNIX_EPOCH + Duration::new(1_772_413_200, 123_456_789);
        assert_eq!(
            checked(after).unwrap().to_rfc3339(),
            "2026-03-02T01:00:00.123456789+00:00"
        );
        let before = UNIX_EPOCH - Duration::new(1, 250_000_000);
        let t = checked(before).unwrap();
        assert_eq!(t.to_rfc3339(), "1969-12-31T23:59:58.750+00:00");
        assert_eq!(SystemTime::from(t), before);
    }

    #[test]
    fn out_of_range_instants_are_typed_errors() {
        let far = UNIX_EPOCH + Duration::from_secs(31_556_889_864_403_199); // Instant.MAX
        assert!(checked(far).is_none());
        let e = utc("now", far).unwrap_err();
        assert_eq!(e.code(), "INVALID_INPUT");
        assert!(serde_json::to_value(crate::Team {
            id: "t-1".into(),
            name: "East".into(),
            created_at: far,
            version: 1,
        })
        .is_err());
    }
}
