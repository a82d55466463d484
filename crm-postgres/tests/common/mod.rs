//! Shared by the PostgreSQL tests: the server comes from `scripts/with-postgres.sh` (run by
//! `crm-postgres/test.sh`), which exports `CRM_PG_URL` (an ordinary role) and `CRM_PG_ADMIN_URL`.
#![allow(dead_code)]

use crm_postgres::{PgPool, PgStore};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::OnceLock;

pub fn url() -> String {
    std::env::var("CRM_PG_URL")
        .expect("CRM_PG_URL is not set: run the PostgreSQL tests with bash crm-postgres/test.sh")
}

pub fn admin() -> postgres::Client {
    let url = std::env::var("CRM_PG_ADMIN_URL").expect("CRM_PG_ADMIN_URL is not set");
    postgres::Client::connect(&url, postgres::NoTls).expect("admin connection")
}

/// One pool per test binary, shared by every organisation its tests open.
pub fn pool() -> &'static PgPool {
    static POOL: OnceLock<PgPool> = OnceLock::new();
    POOL.get_or_init(|| PgPool::connect(&url(), 16).expect("connect to PostgreSQL"))
}

/// A fresh, empty organisation: unique per process and call, so tests never share data.
pub fn org_name(prefix: &str) -> String {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    format!(
        "{prefix}-{}-{nanos}-{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    )
}

pub fn fresh(prefix: &str) -> PgStore {
    pool().store(&org_name(prefix)).expect("open organisation")
}

/// Every table's rows of one organisation, hashed in a stable order (read as the superuser, past
/// row-level security): equal fingerprints mean equal data.
pub fn fingerprint(admin: &mut postgres::Client, org: &str) -> Vec<(String, i64, String)> {
    let tables = [
        ("orgs", "id"),
        ("settings", "org_id"),
        ("sequences", "org_id"),
        ("users", "org_id"),
        ("teams", "org_id"),
        ("customers", "org_id"),
        ("dedup_keys", "org_id"),
        ("name_grams", "org_id"),
        ("name_gram_counts", "org_id"),
        ("contacts", "org_id"),
        ("follow_ups", "org_id"),
        ("docs", "org_id"),
        ("events", "org_id"),
        ("event_customers", "org_id"),
    ];
    tables
        .iter()
        .map(|(table, column)| {
            let row = admin
                .query_one(
                    &format!(
                        "SELECT count(*), COALESCE(md5(string_agg(t::text, '|' ORDER BY t::text)), '')
                         FROM {table} t WHERE {column} = $1"
                    ),
                    &[&org],
                )
                .unwrap();
            (table.to_string(), row.get(0), row.get(1))
        })
        .collect()
}
