//! Where a request's organisation lives: the one SQLite file a server was started on, or any
//! organisation of a PostgreSQL database (named by the caller's credential).

use crm_core::{Clock, Crm, Result};
use crm_postgres::{PgPool, PgStore};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// The organisations a server answers for.
pub trait Orgs: Send + Sync {
    /// The CRM of organisation `org`; an error when this server holds no such organisation.
    fn crm(&self, org: &str) -> Result<Arc<Crm>>;
}

/// One organisation, under the one name its credentials carry (an SQLite file is one).
pub struct OneOrg {
    name: String,
    crm: Arc<Crm>,
}

impl OneOrg {
    pub fn new(name: &str, crm: Arc<Crm>) -> OneOrg {
        OneOrg {
            name: name.to_string(),
            crm,
        }
    }
}

impl Orgs for OneOrg {
    fn crm(&self, org: &str) -> Result<Arc<Crm>> {
        if org == self.name {
            Ok(self.crm.clone())
        } else {
            Err(crm_core::auth::unauthenticated())
        }
    }
}

/// Every organisation of one PostgreSQL database. An organisation is opened on its first request
/// and kept; one that does not exist is never created by a request.
pub struct PgOrgs {
    pool: PgPool,
    clock: Arc<dyn Clock>,
    open: Mutex<HashMap<String, Arc<Crm>>>,
}

impl PgOrgs {
    pub fn new(pool: PgPool, clock: Arc<dyn Clock>) -> PgOrgs {
        PgOrgs {
            pool,
            clock,
            open: Mutex::default(),
        }
    }
}

impl Orgs for PgOrgs {
    fn crm(&self, org: &str) -> Result<Arc<Crm>> {
        let known = self
            .open
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(org)
            .cloned();
        if let Some(crm) = known {
            return Ok(crm);
        }
        // Opening outside the lock: a slow database does not hold up other organisations.
        let store = PgStore::open_existing(&self.pool, org).map_err(|e| match e {
            crm_core::CrmError::InvalidInput { .. } => crm_core::auth::unauthenticated(),
            other => other,
        })?;
        let crm = Arc::new(Crm::new(store, self.clock.clone()));
        Ok(self
            .open
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .entry(org.to_string())
            .or_insert(crm)
            .clone())
    }
}
