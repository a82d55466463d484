//! Instants cross uniffi as `SystemTime` (Kotlin `Instant`, Swift `Date`) and the core's JSON as
//! RFC 3339 strings; these serde adapters join the two.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::time::SystemTime;

pub fn serialize<S: Serializer>(t: &SystemTime, s: S) -> Result<S::Ok, S::Error> {
    DateTime::<Utc>::from(*t).serialize(s)
}

pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<SystemTime, D::Error> {
    DateTime::<Utc>::deserialize(d).map(SystemTime::from)
}

pub mod option {
    use super::*;

    pub fn serialize<S: Serializer>(t: &Option<SystemTime>, s: S) -> Result<S::Ok, S::Error> {
        t.map(DateTime::<Utc>::from).serialize(s)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<SystemTime>, D::Error> {
        Option::<DateTime<Utc>>::deserialize(d).map(|t| t.map(SystemTime::from))
    }
}
