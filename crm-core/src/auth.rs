//! API tokens: how a server knows who is calling (DOMAIN.md section 12). A token is bound to one
//! user, issued and revoked by an administrator and stored only as a hash; the secret is shown
//! once, when it is issued. The core stays pure: the caller supplies the secret's random bytes.
//!
//! A credential reads `crm1.<org>.<token id>.<secret>` (org and secret in unpadded base64url).
//! The organisation travels in the clear because a server holding many organisations must know
//! whose rows to look the token up in before it can check it; it is not a secret, and a forged
//! organisation only leads to a token that does not match. The secret's SHA-256 is what the
//! store keeps; 32 random bytes need no slow password hash, and the comparison takes constant time.

use crate::error::{CrmError, Result};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

/// How many random bytes a token's secret holds (256 bits).
pub const SECRET_BYTES: usize = 32;

const PREFIX: &str = "crm1";

/// An issued token as listed: who it acts for and whether it still works. Never the secret.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ApiToken {
    /// `tk-1`, `tk-2`, ... per organisation.
    pub id: String,
    /// The user every call made with this token acts as.
    pub user_id: String,
    /// What the token is for, as the administrator described it.
    pub label: String,
    pub created_at: DateTime<Utc>,
    pub created_by: String,
    pub revoked_at: Option<DateTime<Utc>>,
    pub revoked_by: Option<String>,
    pub version: u64,
}

/// A token just issued, with its credential: the only time the secret is seen.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct IssuedToken {
    pub token: ApiToken,
    /// The bearer credential to hand to the token's user.
    #[cfg_attr(feature = "schema", schemars(extend("x-secret" = true)))]
    pub credential: String,
}

/// What the store keeps: the token and its secret's hash.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct StoredToken {
    #[serde(flatten)]
    pub token: ApiToken,
    /// Lower-case hex SHA-256 of the secret bytes.
    pub hash: String,
}

/// A bearer credential taken apart.
#[derive(Clone, PartialEq, Eq)]
pub struct Credential {
    pub org: String,
    pub token_id: String,
    secret: Vec<u8>,
}

/// Never prints the secret, so a credential can be logged by mistake without harm.
impl std::fmt::Debug for Credential {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credential")
            .field("org", &self.org)
            .field("token_id", &self.token_id)
            .finish_non_exhaustive()
    }
}

impl Credential {
    pub fn new(org: &str, token_id: &str, secret: [u8; SECRET_BYTES]) -> Credential {
        Credential {
            org: org.to_string(),
            token_id: token_id.to_string(),
            secret: secret.to_vec(),
        }
    }

    /// Reads a credential; anything malformed is `UNAUTHENTICATED`, like a wrong one.
    pub fn parse(text: &str) -> Result<Credential> {
        let bad = || unauthenticated();
        let mut parts = text.trim().split('.');
        let (Some(PREFIX), Some(org), Some(token_id), Some(secret), None) = (
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
        ) else {
            return Err(bad());
        };
        let org = URL_SAFE_NO_PAD.decode(org).map_err(|_| bad())?;
        let org = String::from_utf8(org).map_err(|_| bad())?;
        let secret = URL_SAFE_NO_PAD.decode(secret).map_err(|_| bad())?;
        let id_ok = token_id.len() <= 24
            && token_id
                .strip_prefix("tk-")
                .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()));
        if org.is_empty() || org.len() > 200 || !id_ok || secret.len() != SECRET_BYTES {
            return Err(bad());
        }
        Ok(Credential {
            org,
            token_id: token_id.to_string(),
            secret,
        })
    }

    /// The credential's text, as `parse` reads it.
    pub fn text(&self) -> String {
        format!(
            "{PREFIX}.{}.{}.{}",
            URL_SAFE_NO_PAD.encode(self.org.as_bytes()),
            self.token_id,
            URL_SAFE_NO_PAD.encode(&self.secret)
        )
    }

    pub(crate) fn hash(&self) -> String {
        hash_secret(&self.secret)
    }

    /// Whether this credential's secret is the one `stored` was issued with (constant time).
    pub(crate) fn matches(&self, stored: &StoredToken) -> bool {
        self.hash().as_bytes().ct_eq(stored.hash.as_bytes()).into()
    }
}

pub(crate) fn hash_secret(secret: &[u8]) -> String {
    Sha256::digest(secret)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// One error for every way a credential fails (unknown, wrong, revoked, its user inactive), so a
/// caller learns nothing about which tokens exist.
pub fn unauthenticated() -> CrmError {
    CrmError::Unauthenticated {
        reason: "the token is missing, malformed, unknown or revoked, or its user is inactive"
            .into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_credential_reads_back_and_hides_its_secret() {
        let c = Credential::new("acme.cn_东", "tk-12", [7; SECRET_BYTES]);
        let text = c.text();
        assert!(text.starts_with("crm1."));
        assert_eq!(Credential::parse(&text).unwrap(), c);
        assert!(!format!("{c:?}").contains(&URL_SAFE_NO_PAD.encode([7; SECRET_BYTES])));
    }

    #[test]
    fn malformed_credentials_are_unauthenticated() {
        let good = Credential::new("o", "tk-1", [1; SECRET_BYTES]).text();
        let short = Credential {
            secret: vec![1; 8],
            ..Credential::parse(&good).unwrap()
        }
        .text();
        for text in [
            "",
            "crm1",
            "crm2.bw.tk-1.AQ",
            &good.replace("tk-1", "u-1"),
            &good.replace("tk-1", "tk-"),
            &format!("{good}.x"),
            &short,
            &good.replace("crm1.bw", "crm1.!!"),
        ] {
            let e = Credential::parse(text).unwrap_err();
            assert_eq!(e.code(), "UNAUTHENTICATED", "{text}");
        }
    }

    #[test]
    fn only_the_issued_secret_matches() {
        let c = Credential::new("o", "tk-1", [9; SECRET_BYTES]);
        let token = ApiToken {
            id: "tk-1".into(),
            user_id: "u-1".into(),
            label: String::new(),
            created_at: DateTime::UNIX_EPOCH,
            created_by: "u-1".into(),
            revoked_at: None,
            revoked_by: None,
            version: 1,
        };
        let stored = StoredToken {
            token,
            hash: c.hash(),
        };
        assert!(c.matches(&stored));
        assert!(!Credential::new("o", "tk-1", [8; SECRET_BYTES]).matches(&stored));
        assert_eq!(stored.hash.len(), 64);
    }
}
