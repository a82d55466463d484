//! crm-server: an organisation's crm behind an authenticated HTTP API (axum on tokio).
//!
//! Every operation of the core's operation table is `POST /v1/ops/{name}`, its body the named
//! arguments as a JSON object and its answer the result, both in the records' serde form;
//! `openapi.json` (generated from the core's types, served at `/v1/openapi.json`) describes each.
//! Callers authenticate with `Authorization: Bearer <credential>`, a token an administrator issued
//! (`crm token issue`, or `POST /v1/tokens`); the token's user is the actor of every call, and
//! the data scopes of the core decide what they may see and change.
//!
//! The core is synchronous, so each call runs on tokio's blocking pool; an SQLite file serves one
//! organisation, a PostgreSQL database every organisation it holds (the credential names it).
//! Errors are a status and the `{code, message, details}` every surface shares (see `errors`).

mod client;
mod errors;
mod orgs;
mod routes;
mod statuses;

pub use client::Client;
pub use errors::{status_for_code, status_of, ApiError};
pub use orgs::{OneOrg, Orgs, PgOrgs};
pub use routes::OPENAPI;
pub use statuses::SERVER_CODES;

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

/// What one request may cost.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// The largest request body accepted (413 BODY_TOO_LARGE beyond).
    pub body_bytes: usize,
    /// How long a call may take before the caller gets 504 TIMEOUT (the call itself runs to its
    /// end: a transaction is never cut in half).
    pub call_time: Duration,
    /// Calls answered at once; more get 429 OVERLOADED at once rather than waiting in a queue.
    pub in_flight: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            body_bytes: 1 << 20,
            call_time: Duration::from_secs(30),
            in_flight: 256,
        }
    }
}

/// The HTTP application: every route, ready to serve.
pub fn app(orgs: Arc<dyn Orgs>, limits: Limits) -> axum::Router {
    routes::router(orgs, limits)
}

/// Serves `app` on `listener` until `shutdown` completes; calls in flight then finish.
pub async fn serve(
    listener: tokio::net::TcpListener,
    app: axum::Router,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown)
        .await
}

/// A server running on its own threads, for tests, examples and the demo: it listens on a free
/// loopback port and stops when dropped.
pub struct Running {
    addr: SocketAddr,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<std::io::Result<()>>>,
}

impl Running {
    /// Starts serving `orgs` on 127.0.0.1 at a port the system picks.
    pub fn start(orgs: Arc<dyn Orgs>, limits: Limits) -> std::io::Result<Running> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()?;
        let listener = runtime.block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))?;
        let addr = listener.local_addr()?;
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let thread = std::thread::Builder::new()
            .name("crm-server".into())
            .spawn(move || {
                runtime.block_on(serve(listener, app(orgs, limits), async {
                    let _ = stopped.await;
                }))
            })?;
        Ok(Running {
            addr,
            stop: Some(stop),
            thread: Some(thread),
        })
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// Fresh random bytes for a new token's secret (the operating system's source), for the tools
/// that issue tokens outside a request (`crm token`).
pub fn new_secret() -> crm_core::Result<[u8; crm_core::auth::SECRET_BYTES]> {
    routes::secret()
}
