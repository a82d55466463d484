//! A crm server's operations (crm-server: `POST /v1/ops/{name}`) as [`RemoteCrm`], with the HTTP
//! requests made by the host through [`HttpTransport`] (Kotlin's `HttpClient` or OkHttp, Swift's
//! `URLSession`): this library opens no socket and carries no HTTP client, TLS stack or runtime.
//!
//! The typed methods are the core's generated [`Operations`] trait, over the transport: the same
//! JSON form crm-server's own Rust client speaks, read back into the same records and the same
//! `CrmError` as in-process.

use crm_core::api::client::{from_value, read_answer};
use crm_core::api::Operations;
use crm_core::{CrmError, User};
use serde_json::Value;
use std::fmt;
use std::sync::{Arc, OnceLock};

/// A response as the host's HTTP client received it.
#[derive(Debug, Clone, uniffi::Record)]
pub struct HttpResponse {
    pub status: u16,
    pub body: String,
}

/// The host could not exchange a request with the server (no route, refused, timed out, TLS).
/// `RemoteCrm` reports it as `CrmError::Storage` naming the server.
#[derive(Debug, uniffi::Error)]
pub enum TransportError {
    Failed { reason: String },
}

impl fmt::Display for TransportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TransportError::Failed { reason } => f.write_str(reason),
        }
    }
}

impl std::error::Error for TransportError {}

/// A panic or an undeclared exception of the host's implementation.
impl From<uniffi::UnexpectedUniFFICallbackError> for TransportError {
    fn from(e: uniffi::UnexpectedUniFFICallbackError) -> Self {
        TransportError::Failed { reason: e.reason }
    }
}

/// The host's HTTP client, implemented in Kotlin or Swift. Each method sends one request with the
/// `Authorization` header given and answers with whatever status the server sent (an error
/// status is an answer, not a `TransportError`). Called on the thread that called `RemoteCrm`.
#[uniffi::export(with_foreign)]
pub trait HttpTransport: Send + Sync {
    /// `POST url` with `Content-Type: application/json` and the JSON `body`.
    fn post(
        &self,
        url: String,
        authorization: String,
        body: String,
    ) -> Result<HttpResponse, TransportError>;

    /// `GET url` (no body).
    fn get(&self, url: String, authorization: String) -> Result<HttpResponse, TransportError>;
}

/// One credential's view of a server, implementing the core's typed operations over the host's
/// transport.
pub(crate) struct Remote {
    base: String,
    authorization: String,
    transport: Arc<dyn HttpTransport>,
    me: OnceLock<String>,
}

impl Remote {
    pub(crate) fn new(base_url: &str, credential: &str, transport: Arc<dyn HttpTransport>) -> Self {
        Remote {
            base: base_url.trim_end_matches('/').to_string(),
            authorization: format!("Bearer {credential}"),
            transport,
            me: OnceLock::new(),
        }
    }

    /// GET without a body, POST with one; the server's answer, typed.
    fn send(&self, path: &str, body: Option<&Value>) -> crm_core::Result<Value> {
        let url = format!("{}{path}", self.base);
        let auth = self.authorization.clone();
        let sent = match body {
            None => self.transport.get(url, auth),
            Some(body) => self.transport.post(url, auth, body.to_string()),
        };
        let response = sent.map_err(|e| {
            CrmError::storage(format!("the server at {} did not answer: {e}", self.base))
        })?;
        read_answer(&self.base, response.status, &response.body)
    }

    pub(crate) fn whoami(&self) -> crm_core::Result<User> {
        from_value(self.send("/v1/whoami", None)?)
    }

    /// The credential's user, asked once.
    fn my_id(&self) -> crm_core::Result<&str> {
        if let Some(id) = self.me.get() {
            return Ok(id);
        }
        let id = self.whoami()?.id;
        Ok(self.me.get_or_init(|| id))
    }
}

impl Operations for Remote {
    /// `actor` must be empty (`bootstrap`, `settings`) or the credential's user: a server acts
    /// as the token's user only.
    fn call_value(&self, op: &str, actor: &str, args: Value) -> crm_core::Result<Value> {
        if !actor.is_empty() && actor != self.my_id()? {
            return Err(CrmError::invalid(
                "actor",
                format!("this client acts as its token's user, not {actor}"),
            ));
        }
        self.send(&format!("/v1/ops/{op}"), Some(&args))
    }
}

/// Runs one of the macro's operations on the core's `Operations` trait: `bootstrap` and
/// `settings` (marked `[no_actor]`) with no acting user, every other one with its first argument.
macro_rules! remote_call {
    ($remote:expr, $name:ident, [no_actor]; $($arg:ident),*) => {
        crm_core::api::Operations::$name($remote, "", $($arg),*)
    };
    ($remote:expr, $name:ident, []; $actor:ident $(, $arg:ident)*) => {
        crm_core::api::Operations::$name($remote, &$actor, $($arg),*)
    };
}
pub(crate) use remote_call;
