//! Organisation-wide configuration that rules read.

use crate::customer::DuplicatePolicy;
use crate::error::{CrmError, Result};
use crate::pool::{ClaimPolicy, LockPolicy};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OrgSettings {
    /// IANA time zone of the organisation: local midnight and local dates are taken here.
    pub timezone: String,
    pub duplicates: DuplicatePolicy,
    /// Claim limits of the public pools.
    #[serde(default)]
    pub claims: ClaimPolicy,
    /// Protection (lock) limits.
    #[serde(default)]
    pub locks: LockPolicy,
    /// Where customers without a pool of their own are recycled and released to.
    #[serde(default)]
    pub default_pool_id: Option<String>,
    pub version: u64,
}

impl Default for OrgSettings {
    fn default() -> Self {
        OrgSettings {
            timezone: "Asia/Shanghai".into(),
            duplicates: DuplicatePolicy::default(),
            claims: ClaimPolicy::default(),
            locks: LockPolicy::default(),
            default_pool_id: None,
            version: 0,
        }
    }
}

impl OrgSettings {
    pub fn tz(&self) -> Result<chrono_tz::Tz> {
        self.timezone.parse().map_err(|_| {
            CrmError::invalid(
                "timezone",
                format!("unknown IANA time zone {:?}", self.timezone),
            )
        })
    }

    pub(crate) fn validate(&self) -> Result<()> {
        self.tz()?;
        let t = self.duplicates.name_threshold;
        if !(0.0..=1.0).contains(&t) || t.is_nan() {
            return Err(CrmError::invalid(
                "duplicates.name_threshold",
                "must lie between 0 and 1",
            ));
        }
        Ok(())
    }
}
