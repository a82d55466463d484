//! Pooled connections (r2d2), each with its own cache of prepared statements so a transaction's
//! statements cost one round trip each, not a prepare and an execute.

use crate::{db, migrations};
use crm_core::{CrmError, Result};
use postgres::{Client, Config, NoTls, Statement};
use std::collections::HashMap;
use std::str::FromStr;
use std::time::Duration;

pub(crate) struct Conn {
    pub(crate) client: Client,
    pub(crate) statements: HashMap<String, Statement>,
}

pub(crate) struct Manager(Config);

impl r2d2::ManageConnection for Manager {
    type Connection = Conn;
    type Error = postgres::Error;

    fn connect(&self) -> std::result::Result<Conn, postgres::Error> {
        Ok(Conn {
            client: self.0.connect(NoTls)?,
            statements: HashMap::new(),
        })
    }

    fn is_valid(&self, conn: &mut Conn) -> std::result::Result<(), postgres::Error> {
        conn.client.simple_query("").map(|_| ())
    }

    fn has_broken(&self, conn: &mut Conn) -> bool {
        conn.client.is_closed()
    }
}

/// A pool of connections to one database; cheap to clone, shared by the stores of many
/// organisations.
#[derive(Clone)]
pub struct PgPool(r2d2::Pool<Manager>);

impl PgPool {
    /// Connects with up to `max_connections` connections and brings the schema up to date.
    pub fn connect(url: &str, max_connections: u32) -> Result<PgPool> {
        let config = Config::from_str(url)
            .map_err(|e| CrmError::invalid("url", format!("not a PostgreSQL URL: {e}")))?;
        let pool = r2d2::Pool::builder()
            .max_size(max_connections.max(1))
            .min_idle(Some(0))
            .connection_timeout(Duration::from_secs(30))
            .build(Manager(config))
            .map_err(CrmError::storage)?;
        let pool = PgPool(pool);
        migrations::migrate(&mut pool.get()?.client)?;
        Ok(pool)
    }

    /// Opens an organisation on this pool (see [`crate::PgStore::open`]).
    pub fn store(&self, org: &str) -> Result<crate::PgStore> {
        crate::PgStore::open(self, org)
    }

    pub(crate) fn get(&self) -> Result<r2d2::PooledConnection<Manager>> {
        self.0
            .get()
            .map_err(|e| CrmError::storage(format!("no PostgreSQL connection available: {e}")))
    }

    /// Runs SQL as is on one pooled connection, outside any organisation: for administration and
    /// tests (with row-level security, a plain role sees no organisation's rows this way).
    pub fn execute_batch(&self, sql: &str) -> Result<()> {
        self.get()?.client.batch_execute(sql).map_err(db)
    }
}
