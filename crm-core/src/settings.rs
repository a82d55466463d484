//! Organisation-wide configuration that rules read.

use crate::customer::DuplicatePolicy;
use crate::error::{CrmError, Result};
use crate::pool::{ClaimPolicy, LockPolicy};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[serde(deny_unknown_fields)]
pub struct OrgSettings {
    /// IANA time zone of the organisation: local midnight and local dates are taken here.
    pub timezone: String,
    pub duplicates: DuplicatePolicy,
    /// Claim limits of the public pools.
    #[serde(default)]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub claims: ClaimPolicy,
    /// Protection (lock) limits.
    #[serde(default)]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub locks: LockPolicy,
    /// Where customers without a pool of their own are recycled and released to.
    #[serde(default)]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
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

/// What `update_settings` changes: each part given replaces that part; parts left out stay.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[serde(deny_unknown_fields)]
pub struct SettingsPatch {
    #[serde(default)]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub timezone: Option<String>,
    #[serde(default)]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub duplicates: Option<DuplicatePolicy>,
    #[serde(default)]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub claims: Option<ClaimPolicy>,
    #[serde(default)]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub locks: Option<LockPolicy>,
    #[serde(default)]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub default_pool_id: Option<String>,
    /// Removes the default pool (`default_pool_id` is then ignored).
    #[serde(default)]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub clear_default_pool: bool,
}

/// A patch that gives every part: the whole settings replaced (the version is not part of it).
impl From<OrgSettings> for SettingsPatch {
    fn from(s: OrgSettings) -> Self {
        SettingsPatch {
            timezone: Some(s.timezone),
            duplicates: Some(s.duplicates),
            claims: Some(s.claims),
            locks: Some(s.locks),
            clear_default_pool: s.default_pool_id.is_none(),
            default_pool_id: s.default_pool_id,
        }
    }
}

impl SettingsPatch {
    /// `current` with this patch applied (the version is left for the caller to advance).
    pub fn apply(self, current: &OrgSettings) -> OrgSettings {
        let default_pool_id = if self.clear_default_pool {
            None
        } else {
            self.default_pool_id
                .or_else(|| current.default_pool_id.clone())
        };
        OrgSettings {
            timezone: self.timezone.unwrap_or_else(|| current.timezone.clone()),
            duplicates: self.duplicates.unwrap_or(current.duplicates),
            claims: self.claims.unwrap_or_else(|| current.claims.clone()),
            locks: self.locks.unwrap_or_else(|| current.locks.clone()),
            default_pool_id,
            version: current.version,
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
