//! `crm demo --server`: the demo's story through the HTTP API of a server the demo starts on a
//! free loopback port, over the same store and clock. Each user of the story calls with a token
//! of their own, which the administrator issues over HTTP the first time that user acts.

use crm_core::api::Operations;
use crm_core::{Crm, CrmError, Result};
use crm_server::Client;
use serde_json::Value;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

/// Every call over HTTP as its actor (bootstrap, which no token can call yet, in-process as
/// `crm token bootstrap` does it).
pub struct OverHttp {
    crm: Arc<Crm>,
    org: String,
    base: String,
    admin: OnceLock<(String, Arc<Client>)>,
    clients: Mutex<HashMap<String, Arc<Client>>>,
}

impl OverHttp {
    pub fn new(crm: Arc<Crm>, org: &str, base: &str) -> OverHttp {
        OverHttp {
            crm,
            org: org.to_string(),
            base: base.to_string(),
            admin: OnceLock::new(),
            clients: Mutex::default(),
        }
    }

    fn admin(&self) -> Result<&(String, Arc<Client>)> {
        self.admin.get().ok_or_else(|| CrmError::InvalidState {
            reason: "the organisation has no administrator yet".into(),
        })
    }

    /// The client acting as `user`, its token issued by the administrator on first use.
    fn client(&self, user: &str) -> Result<Arc<Client>> {
        let (admin_id, admin) = self.admin()?;
        if user.is_empty() || user == admin_id {
            return Ok(admin.clone());
        }
        let mut clients = self.clients.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(c) = clients.get(user) {
            return Ok(c.clone());
        }
        let issued = admin.issue_token(user, "crm demo --server")?;
        let client = Arc::new(Client::new(&self.base, &issued.credential));
        clients.insert(user.to_string(), client.clone());
        Ok(client)
    }
}

impl Operations for OverHttp {
    fn call_value(&self, op: &str, actor: &str, args: Value) -> Result<Value> {
        if op == "bootstrap" {
            let out = crm_core::api::call(&self.crm, op, actor, &args)?;
            let admin = out["id"].as_str().unwrap_or_default().to_string();
            let secret = crm_server::new_secret()?;
            let issued =
                self.crm
                    .issue_token(&admin, &self.org, &admin, "crm demo --server", secret)?;
            let client = Arc::new(Client::new(&self.base, &issued.credential));
            let _ = self.admin.set((admin, client));
            return Ok(out);
        }
        match self.client(actor) {
            Ok(client) => client.call_value(op, actor, args),
            // A user who cannot get a token (deactivated, unknown) is a caller the server does
            // not know.
            Err(CrmError::InactiveUser { .. } | CrmError::NotFound { .. }) => {
                Err(crm_core::auth::unauthenticated())
            }
            Err(e) => Err(e),
        }
    }
}
