//! A crm server's operations (crm-server: `POST /v1/ops/{name}`) as [`RemoteCrm`], with the HTTP
//! requests made by the host through [`HttpTransport`] (Kotlin's `HttpClient` or OkHttp, Swift's
//! `URLSession`): this library opens no socket and carries no HTTP client, TLS stack or runtime.
//!
//! The typed methods are the core's generated [`Operations`](crm_core::api::Operations) trait, over the transport: the same
//! JSON form crm-server's own Rust client speaks, read back into the same records and the same
//! `CrmError` as in-process.

use crm_core::api::client::{read_answer, Transport};
use crm_core::CrmError;
use serde_json::Value;
use std::fmt;
use std::sync::Arc;

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

/// One credential's view of a server: the core's `Remote` (the typed operations, the actor
/// check, the user asked once) over the host's transport.
pub(crate) type Remote = crm_core::api::client::Remote<HostTransport>;

/// Builds a [`Remote`] of the server at `base_url`.
pub(crate) fn remote(
    base_url: &str,
    credential: &str,
    transport: Arc<dyn HttpTransport>,
) -> Remote {
    Remote::new(HostTransport {
        base: base_url.trim_end_matches('/').to_string(),
        authorization: format!("Bearer {credential}"),
        transport,
    })
}

/// The exchange through the host's HTTP client.
pub(crate) struct HostTransport {
    base: String,
    authorization: String,
    transport: Arc<dyn HttpTransport>,
}

impl Transport for HostTransport {
    /// GET without a body, POST with one; the server's answer, typed.
    fn exchange(&self, path: &str, body: Option<&Value>) -> crm_core::Result<Value> {
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
