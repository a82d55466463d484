//! What the server tests share: a blocking HTTP client, servers on SQLite and PostgreSQL, and
//! the parity scenarios replayed over HTTP.
#![allow(dead_code)]

use chrono::{DateTime, Utc};
use crm_core::testing::scenario::Surface;
use crm_core::{Crm, FixedClock};
use crm_server::{Limits, OneOrg, Orgs, PgOrgs, Running};
use serde_json::Value;
use std::collections::{HashMap, HashSet};
use std::sync::Arc;

/// One HTTP answer: the status and the body (JSON when it parses, else a string).
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub body: Value,
}

impl Reply {
    pub fn code(&self) -> &str {
        self.body["code"].as_str().unwrap_or_default()
    }
}

pub struct Client {
    agent: ureq::Agent,
    pub base: String,
}

impl Client {
    pub fn new(base: &str) -> Client {
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(std::time::Duration::from_secs(60)))
            .build()
            .into();
        Client {
            agent,
            base: base.to_string(),
        }
    }

    /// Sends raw bytes (any content, valid or not) with an optional bearer credential.
    pub fn send(&self, method: &str, path: &str, credential: Option<&str>, body: &[u8]) -> Reply {
        let url = format!("{}{path}", self.base);
        let auth = credential.map(|c| format!("Bearer {c}"));
        let result = match method {
            "GET" => {
                let mut r = self.agent.get(&url);
                if let Some(a) = &auth {
                    r = r.header("Authorization", a);
                }
                r.call()
            }
            _ => {
                let mut r = self.agent.post(&url).content_type("application/json");
                if let Some(a) = &auth {
                    r = r.header("Authorization", a);
                }
                r.send(body)
            }
        };
        let mut response = result.unwrap_or_else(|e| panic!("{method} {path}: {e}"));
        let status = response.status().as_u16();
        let text = response
            .body_mut()
            .with_config()
            .limit(64 << 20)
            .read_to_string()
            .unwrap_or_default();
        let body = serde_json::from_str(&text).unwrap_or(Value::String(text));
        Reply { status, body }
    }

    pub fn op(&self, credential: &str, op: &str, args: &Value) -> Reply {
        self.send(
            "POST",
            &format!("/v1/ops/{op}"),
            Some(credential),
            args.to_string().as_bytes(),
        )
    }
}

/// A server on a fresh SQLite file with a fixed clock, and the CRM it serves (for set-up the
/// HTTP API does not offer: bootstrap, the first token).
pub struct SqliteServer {
    pub crm: Arc<Crm>,
    pub clock: Arc<FixedClock>,
    pub server: Running,
    _dir: tempfile::TempDir,
}

pub const ORG: &str = "default";

pub fn sqlite_server(start: DateTime<Utc>, limits: Limits) -> SqliteServer {
    let dir = tempfile::tempdir().unwrap();
    let store = crm_sqlite::SqliteStore::open(dir.path().join("crm.db")).unwrap();
    let clock = Arc::new(FixedClock::new(start));
    let crm = Arc::new(Crm::new(store, clock.clone()));
    let server = Running::start(Arc::new(OneOrg::new(ORG, crm.clone())), limits).unwrap();
    SqliteServer {
        crm,
        clock,
        server,
        _dir: dir,
    }
}

/// The PostgreSQL URL of `scripts/with-postgres.sh`.
pub fn pg_url() -> String {
    std::env::var("CRM_PG_URL").expect("CRM_PG_URL (run under scripts/with-postgres.sh)")
}

/// A server on every organisation of the test cluster, with a fixed clock.
pub struct PgServer {
    pub orgs: Arc<PgOrgs>,
    pub pool: crm_postgres::PgPool,
    pub clock: Arc<FixedClock>,
    pub server: Running,
}

pub fn pg_server(start: DateTime<Utc>, limits: Limits) -> PgServer {
    let pool = crm_postgres::PgPool::connect(&pg_url(), 16).unwrap();
    let clock = Arc::new(FixedClock::new(start));
    let orgs = Arc::new(PgOrgs::new(pool.clone(), clock.clone()));
    let server = Running::start(orgs.clone(), limits).unwrap();
    PgServer {
        orgs,
        pool,
        clock,
        server,
    }
}

/// Bootstraps `crm` and issues its administrator a token: (admin id, credential).
pub fn bootstrap(crm: &Crm, org: &str) -> (String, String) {
    let admin = crm.bootstrap("Ada Admin", None).unwrap();
    let issued = crm
        .issue_token(
            &admin.id,
            org,
            &admin.id,
            "tests",
            crm_server::new_secret().unwrap(),
        )
        .unwrap();
    (admin.id, issued.credential)
}

/// The parity scenarios over HTTP. The actor of each step is the caller of a token issued to
/// that user (bootstrap, which has no caller yet, runs in-process, like `crm token bootstrap`);
/// steps without an actor use the administrator's token.
pub struct HttpSurface {
    pub crm: Arc<Crm>,
    pub org: String,
    pub clock: Arc<FixedClock>,
    pub client: Client,
    pub tokens: HashMap<String, String>,
    pub admin: Option<String>,
    pub inactive: HashSet<String>,
}

impl HttpSurface {
    fn issue(&mut self, user_id: &str) {
        let admin = self.admin.clone().expect("bootstrapped");
        let issued = self
            .crm
            .issue_token(
                &admin,
                &self.org,
                user_id,
                "replay",
                crm_server::new_secret().unwrap(),
            )
            .unwrap();
        self.tokens.insert(user_id.to_string(), issued.credential);
    }
}

impl Surface for HttpSurface {
    fn set_now(&mut self, now: DateTime<Utc>) {
        self.clock.set(now);
    }

    fn call(&mut self, op: &str, actor: &str, args: &Value) -> Result<Value, (String, String)> {
        if op == "bootstrap" {
            let out = crm_core::api::call(&self.crm, op, actor, args)
                .map_err(|e| (e.code().to_string(), e.to_string()))?;
            let admin = out["id"].as_str().unwrap().to_string();
            self.admin = Some(admin.clone());
            self.issue(&admin);
            return Ok(out);
        }
        if self.admin.is_none() {
            // A scenario of pure functions only: the server still wants a caller.
            let (admin, credential) = bootstrap(&self.crm, &self.org);
            self.tokens.insert(admin.clone(), credential);
            self.admin = Some(admin);
        }
        let caller = if actor.is_empty() {
            self.admin.clone().unwrap_or_default()
        } else {
            actor.to_string()
        };
        let credential = self
            .tokens
            .get(&caller)
            .cloned()
            // A user that does not exist has no token: the server sees a stranger.
            .unwrap_or_else(|| "crm1.none.tk-0.none".to_string());
        let reply = self.client.op(&credential, op, args);
        if reply.status != 200 {
            return Err((reply.code().to_string(), reply.body.to_string()));
        }
        match op {
            "create_user" => self.issue(reply.body["id"].as_str().unwrap()),
            "deactivate_user" => {
                self.inactive
                    .insert(args["id"].as_str().unwrap_or_default().to_string());
            }
            _ => {}
        }
        Ok(reply.body)
    }

    /// The server's documented differences: a record outside the caller's scope is not found;
    /// a caller who does not exist or was deactivated is not authenticated.
    fn expected_code(&self, code: &str, step: &Value) -> String {
        let actor = step["actor"].as_str().unwrap_or_default();
        match code {
            "OUT_OF_SCOPE" => "NOT_FOUND".into(),
            "INACTIVE_USER" if self.inactive.contains(actor) => "UNAUTHENTICATED".into(),
            "NOT_FOUND" if !actor.is_empty() && !self.tokens.contains_key(actor) => {
                "UNAUTHENTICATED".into()
            }
            other => other.into(),
        }
    }
}

/// One scenario's server: the CRM it serves under `org`, its clock, its URL, and whatever
/// must stay alive while the scenario runs.
pub struct Served {
    pub crm: Arc<Crm>,
    pub org: String,
    pub clock: Arc<FixedClock>,
    pub base: String,
    pub keep: Box<dyn std::any::Any>,
}

/// Replays every scenario, each on the server `open` gives for its start.
pub fn replay_all(open: &mut dyn FnMut(DateTime<Utc>) -> Served) {
    let mut failures = vec![];
    let mut keep = vec![];
    for file in crm_core::testing::scenario::scenario_files() {
        let outcome = crm_core::testing::scenario::run_file_on(&file, &mut |start| {
            let served = open(start);
            keep.push(served.keep);
            Box::new(HttpSurface {
                crm: served.crm,
                org: served.org,
                clock: served.clock,
                client: Client::new(&served.base),
                tokens: HashMap::new(),
                admin: None,
                inactive: HashSet::new(),
            })
        });
        if let Err(e) = outcome {
            failures.push(e);
        }
        keep.clear();
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Organisation `org` of the cluster (created if new), as the server serves it.
pub fn org_of(orgs: &Arc<PgOrgs>, pool: &crm_postgres::PgPool, org: &str) -> Arc<Crm> {
    crm_postgres::PgStore::open(pool, org).unwrap();
    orgs.crm(org).unwrap()
}
