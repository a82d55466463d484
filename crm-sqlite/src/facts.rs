//! The `customer_facts` table: each customer's quality facts (`CustomerFacts`), written with the
//! customer so the quality report reads short rows instead of decoding and checking records.

use crate::tx::{db, from_json, placeholders, text_at};
use crm_core::customer::{Customer, CustomerStatus};
use crm_core::import::facts::CustomerFacts;
use crm_core::{CrmError, Result};
use rusqlite::{params, params_from_iter, Connection};

/// Keeps the facts row in step with a customer just written (none for a merged one).
pub(crate) fn write(conn: &Connection, c: &Customer) -> Result<()> {
    if c.status == CustomerStatus::Merged {
        return remove(conn, &c.id);
    }
    let facts = serde_json::to_string(&CustomerFacts::of(c)).map_err(CrmError::storage)?;
    conn.prepare_cached(
        "INSERT INTO customer_facts (id, owner_id, facts) VALUES (?1, ?2, ?3)
         ON CONFLICT (id) DO UPDATE SET owner_id = excluded.owner_id, facts = excluded.facts",
    )
    .map_err(db)?
    .execute(params![c.id, c.owner_id, facts])
    .map_err(db)?;
    Ok(())
}

/// Drops the facts of a customer that is no longer stored.
pub(crate) fn remove(conn: &Connection, id: &str) -> Result<()> {
    conn.prepare_cached("DELETE FROM customer_facts WHERE id = ?1")
        .map_err(db)?
        .execute([id])
        .map_err(db)?;
    Ok(())
}

/// Every facts row (of `owners`, when given).
pub(crate) fn each(
    conn: &Connection,
    owners: Option<&[String]>,
    f: &mut dyn FnMut(CustomerFacts),
) -> Result<()> {
    let sql = match owners {
        None => "SELECT id, owner_id, facts FROM customer_facts".to_string(),
        Some([]) => return Ok(()),
        Some(owners) => format!(
            "SELECT id, owner_id, facts FROM customer_facts WHERE owner_id IN ({})",
            placeholders(owners.len())
        ),
    };
    let mut stmt = conn.prepare_cached(&sql).map_err(db)?;
    let mut rows = stmt
        .query(params_from_iter(owners.unwrap_or_default()))
        .map_err(db)?;
    while let Some(row) = rows.next().map_err(db)? {
        let mut facts: CustomerFacts = from_json(text_at(row, 2)?)?;
        facts.id = row.get(0).map_err(db)?;
        facts.owner_id = row.get(1).map_err(db)?;
        f(facts);
    }
    Ok(())
}

/// Fills the table for the customers stored before it existed (migration 6).
pub(crate) fn backfill(conn: &Connection) -> Result<()> {
    let mut stmt = conn
        .prepare("SELECT body FROM customers WHERE status <> 'merged'")
        .map_err(db)?;
    let mut rows = stmt.query([]).map_err(db)?;
    while let Some(row) = rows.next().map_err(db)? {
        write(conn, &from_json::<Customer>(text_at(row, 0)?)?)?;
    }
    Ok(())
}
