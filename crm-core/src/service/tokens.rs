//! API tokens: issued and revoked by an administrator, checked on every call a server takes.
//! Not in the operation table: a token is how a caller reaches the table over a network, so only
//! a server and its operator tools manage them.

use super::{check_expected, Crm};
use crate::auth::{unauthenticated, ApiToken, Credential, IssuedToken, StoredToken, SECRET_BYTES};
use crate::error::{CrmError, EntityKind, Result};
use crate::store::{self, Doc, DocKind, Tx};
use crate::User;

impl Crm {
    /// Issues a token acting as `user_id` in organisation `org` (the name the credential carries);
    /// `secret` must be fresh random bytes from the caller (the core has no randomness). Admins
    /// only; the user must be active.
    pub fn issue_token(
        &self,
        actor: &str,
        org: &str,
        user_id: &str,
        label: &str,
        secret: [u8; SECRET_BYTES],
    ) -> Result<IssuedToken> {
        crate::limits::text("label", label, crate::limits::NAME)?;
        self.act(actor, |cx| {
            cx.require_admin("issue API tokens")?;
            let user = cx
                .tx
                .user(user_id)?
                .ok_or_else(|| CrmError::not_found(EntityKind::User, user_id))?;
            if !user.active {
                return Err(CrmError::InactiveUser { id: user.id });
            }
            let id = format!("tk-{}", cx.tx.next_id("tk")?);
            let credential = Credential::new(org, &id, secret);
            let token = ApiToken {
                id: id.clone(),
                user_id: user.id,
                label: label.trim().to_string(),
                created_at: cx.now,
                created_by: cx.actor.id.clone(),
                revoked_at: None,
                revoked_by: None,
                version: 1,
            };
            save(
                cx.tx,
                &StoredToken {
                    token: token.clone(),
                    hash: credential.hash(),
                },
            )?;
            Ok(IssuedToken {
                token,
                credential: credential.text(),
            })
        })
    }

    /// Revokes a token at once (admins, or the token's own user); revoking twice is refused.
    pub fn revoke_token(
        &self,
        actor: &str,
        token_id: &str,
        expected_version: u64,
    ) -> Result<ApiToken> {
        self.act(actor, |cx| {
            let mut stored = load(cx.tx, token_id)?
                .ok_or_else(|| CrmError::not_found(EntityKind::ApiToken, token_id))?;
            if stored.token.user_id != cx.actor.id {
                cx.require_admin("revoke another user's API token")?;
            }
            check_expected(
                EntityKind::ApiToken,
                token_id,
                expected_version,
                stored.token.version,
            )?;
            if stored.token.revoked_at.is_some() {
                return Err(CrmError::InvalidState {
                    reason: format!("API token {token_id} is already revoked"),
                });
            }
            stored.token.revoked_at = Some(cx.now);
            stored.token.revoked_by = Some(cx.actor.id.clone());
            stored.token.version += 1;
            save(cx.tx, &stored)?;
            Ok(stored.token)
        })
    }

    /// Every token (admins) or the actor's own, in order of issue.
    pub fn tokens(&self, actor: &str) -> Result<Vec<ApiToken>> {
        self.look(actor, |cx| {
            let mut all: Vec<ApiToken> = if cx.actor.role == crate::Role::Admin {
                cx.tx.docs(DocKind::ApiToken, None)?
            } else {
                cx.tx.docs(DocKind::ApiToken, Some(&cx.actor.id))?
            }
            .iter()
            .map(|d| d.decode::<StoredToken>().map(|s| s.token))
            .collect::<Result<_>>()?;
            all.sort_by(|a, b| crate::ids::record_order(&a.id, &b.id));
            Ok(all)
        })
    }

    /// The user a credential acts as: `UNAUTHENTICATED` for every failure (unknown or revoked
    /// token, wrong secret, inactive user), so nothing is learnt from which one it was.
    pub fn authenticate(&self, credential: &Credential) -> Result<User> {
        let stored = store::read(self.store.as_ref(), |tx| {
            let stored = load(tx, &credential.token_id)?;
            let user = match &stored {
                Some(s) => tx.user(&s.token.user_id)?,
                None => None,
            };
            Ok(stored.zip(user))
        })
        .map_err(CrmError::clipped)?;
        match stored {
            Some((s, user))
                if credential.matches(&s) && s.token.revoked_at.is_none() && user.active =>
            {
                Ok(user)
            }
            _ => Err(unauthenticated()),
        }
    }
}

fn load(tx: &mut dyn Tx, id: &str) -> Result<Option<StoredToken>> {
    tx.doc(DocKind::ApiToken, id)?
        .map(|d| d.decode())
        .transpose()
}

fn save(tx: &mut dyn Tx, stored: &StoredToken) -> Result<()> {
    tx.put_doc(Doc::new(
        DocKind::ApiToken,
        &stored.token.id,
        Some(&stored.token.user_id),
        stored.token.version,
        stored,
    )?)
}
