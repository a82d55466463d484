//! A blocking Rust client of a crm server: the operation table as typed methods (the core's
//! `Operations` trait), the server's own routes, and the same typed errors as in-process.

use crm_core::api::client::{from_value, read_answer};
use crm_core::api::Operations;
use crm_core::auth::{ApiToken, IssuedToken};
use crm_core::{CrmError, Result, User};
use serde::de::DeserializeOwned;
use serde_json::{json, Value};
use std::sync::OnceLock;
use std::time::Duration;

/// One credential's view of a server. Every call acts as the credential's user.
pub struct Client {
    agent: ureq::Agent,
    base: String,
    authorization: String,
    me: OnceLock<String>,
}

impl Client {
    /// A client of the server at `base_url` (`http://127.0.0.1:8080`) with a bearer credential.
    pub fn new(base_url: &str, credential: &str) -> Client {
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(Duration::from_secs(60)))
            .build()
            .into();
        Client {
            agent,
            base: base_url.trim_end_matches('/').to_string(),
            authorization: format!("Bearer {credential}"),
            me: OnceLock::new(),
        }
    }

    /// The credential's user.
    pub fn whoami(&self) -> Result<User> {
        self.send("/v1/whoami", None)
    }

    pub fn tokens(&self) -> Result<Vec<ApiToken>> {
        self.send("/v1/tokens", None)
    }

    /// Issues a token acting as `user_id` (administrators).
    pub fn issue_token(&self, user_id: &str, label: &str) -> Result<IssuedToken> {
        let body = json!({"user_id": user_id, "label": label});
        self.send("/v1/tokens", Some(&body))
    }

    pub fn revoke_token(&self, id: &str, expected_version: u64) -> Result<ApiToken> {
        let body = json!({"expected_version": expected_version});
        self.send(&format!("/v1/tokens/{id}/revoke"), Some(&body))
    }

    /// GET without a body, POST with one.
    fn send<T: DeserializeOwned>(&self, path: &str, body: Option<&Value>) -> Result<T> {
        let url = format!("{}{path}", self.base);
        let sent = match body {
            None => self
                .agent
                .get(&url)
                .header("Authorization", &self.authorization)
                .call(),
            Some(body) => self
                .agent
                .post(&url)
                .header("Authorization", &self.authorization)
                .content_type("application/json")
                .send(body.to_string()),
        };
        let mut response = sent.map_err(|e| {
            CrmError::storage(format!("the server at {} did not answer: {e}", self.base))
        })?;
        let status = response.status().as_u16();
        let text = response
            .body_mut()
            .with_config()
            .limit(256 << 20)
            .read_to_string()
            .map_err(|e| CrmError::storage(format!("unreadable answer: {e}")))?;
        from_value(read_answer(&self.base, status, &text)?)
    }

    fn my_id(&self) -> Result<&str> {
        if let Some(id) = self.me.get() {
            return Ok(id);
        }
        let id = self.whoami()?.id;
        Ok(self.me.get_or_init(|| id))
    }
}

impl Operations for Client {
    /// `actor` must be empty or the credential's user: a server acts as the token's user only.
    fn call_value(&self, op: &str, actor: &str, args: Value) -> Result<Value> {
        if !actor.is_empty() && actor != self.my_id()? {
            return Err(CrmError::invalid(
                "actor",
                format!("this client acts as its token's user, not {actor}"),
            ));
        }
        self.send(&format!("/v1/ops/{op}"), Some(&args))
    }
}
