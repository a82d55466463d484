//! A blocking Rust client of a crm server: the operation table as typed methods (the core's
//! `Operations` trait, through its `Remote`), the server's own routes, and the same typed errors
//! as in-process.

use crm_core::api::client::{from_value, read_answer, Remote, Transport};
use crm_core::api::Operations;
use crm_core::auth::{ApiToken, IssuedToken};
use crm_core::{CrmError, Result, User};
use serde_json::{json, Value};
use std::time::Duration;

/// One credential's view of a server. Every call acts as the credential's user.
pub struct Client {
    remote: Remote<Http>,
}

/// The HTTP exchange: ureq, no TLS (put a TLS terminator in front of a server).
struct Http {
    agent: ureq::Agent,
    base: String,
    authorization: String,
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
            remote: Remote::new(Http {
                agent,
                base: base_url.trim_end_matches('/').to_string(),
                authorization: format!("Bearer {credential}"),
            }),
        }
    }

    /// The credential's user.
    pub fn whoami(&self) -> Result<User> {
        self.remote.whoami()
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

    fn send<T: serde::de::DeserializeOwned>(&self, path: &str, body: Option<&Value>) -> Result<T> {
        from_value(self.remote.transport().exchange(path, body)?)
    }
}

impl Transport for Http {
    fn exchange(&self, path: &str, body: Option<&Value>) -> Result<Value> {
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
        read_answer(&self.base, status, &text)
    }
}

impl Operations for Client {
    /// `actor` must be empty or the credential's user (see the core's `Remote`).
    fn call_value(&self, op: &str, actor: &str, args: Value) -> Result<Value> {
        self.remote.call_value(op, actor, args)
    }
}
