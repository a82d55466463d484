//! The `Tx` operations in SQL. Versioned writes are conditional (`WHERE version = ?`), so a stale
//! version can never overwrite a newer row, whoever else holds the file.

use chrono::{DateTime, NaiveDate, Utc};
use crm_core::access::{Team, User};
use crm_core::customer::grams::{name_grams, name_len};
use crm_core::customer::variants::name_variants;
use crm_core::customer::{Contact, Customer, CustomerId, CustomerStatus, FollowUp, NAME_PREFIX};
use crm_core::event::{Event, NewEvent};
use crm_core::store::{
    check_put, check_remove, check_version, CustomerQuery, Doc, DocKind, Near, Tx,
};
use crm_core::{CrmError, EntityKind, OrgSettings, Result};
use rusqlite::types::ToSql;
use rusqlite::{params, params_from_iter, OptionalExtension, Transaction};
use rustc_hash::FxHashMap;
use serde::de::DeserializeOwned;
use serde::Serialize;
use std::collections::BTreeSet;
use std::ops::RangeInclusive;
use std::sync::Arc;

pub(crate) struct SqliteTx<'a> {
    txn: &'a Transaction<'a>,
    /// Whether this transaction mirrors a server (`Tx::mirror_writes`).
    mirror: bool,
    /// Changes to `name_gram_counts` not yet written, by gram. A new name moves the count of
    /// each of its grams; written as they come, that is a row update per gram per name (a third
    /// of a new customer's statements), while a batch of names shares most of its grams. Reads
    /// in the transaction add these, and [`SqliteTx::finish`] writes them once per gram.
    gram_counts: FxHashMap<String, i64>,
    /// The last value handed out of each sequence used, not yet written: an import takes a
    /// number per customer and per event, and one write per sequence at the end replaces an
    /// upsert each. Write transactions hold the file's write lock from their start, so no one
    /// else takes a number meanwhile.
    sequences: FxHashMap<String, u64>,
}

impl<'a> SqliteTx<'a> {
    pub(crate) fn new(txn: &'a Transaction<'a>) -> Self {
        SqliteTx {
            txn,
            mirror: false,
            gram_counts: FxHashMap::default(),
            sequences: FxHashMap::default(),
        }
    }

    /// Writes what the transaction still holds in memory; called before it commits.
    pub(crate) fn finish(self) -> Result<()> {
        let mut changed: Vec<(String, i64)> = self
            .gram_counts
            .into_iter()
            .filter(|&(_, n)| n != 0)
            .collect();
        // In key order, so the B-tree is walked once from one end to the other.
        changed.sort_unstable();
        let mut add = self
            .txn
            .prepare_cached(
                "INSERT INTO name_gram_counts (gram, names) VALUES (?1, ?2)
                 ON CONFLICT (gram) DO UPDATE SET names = names + ?2",
            )
            .map_err(db)?;
        let mut empty = self
            .txn
            .prepare_cached("DELETE FROM name_gram_counts WHERE gram = ?1 AND names <= 0")
            .map_err(db)?;
        for (gram, n) in &changed {
            add.execute(params![gram, n]).map_err(db)?;
            if *n < 0 {
                empty.execute([gram]).map_err(db)?;
            }
        }
        let mut set = self
            .txn
            .prepare_cached(
                "INSERT INTO sequences (name, value) VALUES (?1, ?2)
                 ON CONFLICT (name) DO UPDATE SET value = ?2",
            )
            .map_err(db)?;
        for (name, value) in &self.sequences {
            set.execute(params![name, *value as i64]).map_err(db)?;
        }
        Ok(())
    }
}

pub(crate) fn db(e: rusqlite::Error) -> CrmError {
    crate::errors::from_sqlite(e)
}

fn to_json<T: Serialize>(value: &T) -> Result<String> {
    serde_json::to_string(value).map_err(CrmError::storage)
}

fn date(text: Option<String>) -> Result<Option<chrono::NaiveDate>> {
    text.map(|t| {
        t.parse()
            .map_err(|e| CrmError::storage(format!("corrupt date {t}: {e}")))
    })
    .transpose()
}

pub(crate) fn from_json<T: DeserializeOwned>(text: &str) -> Result<T> {
    serde_json::from_str(text).map_err(|e| CrmError::storage(format!("corrupt record: {e}")))
}

fn ms(t: Option<DateTime<Utc>>) -> Option<i64> {
    t.map(|t| t.timestamp_millis())
}

fn instant(ms: Option<i64>) -> Result<Option<DateTime<Utc>>> {
    ms.map(|ms| {
        DateTime::from_timestamp_millis(ms)
            .ok_or_else(|| CrmError::storage(format!("corrupt instant {ms}")))
    })
    .transpose()
}

/// A text column read in place, without a copy.
pub(crate) fn text_at<'r>(row: &'r rusqlite::Row<'_>, i: usize) -> Result<&'r str> {
    row.get_ref(i)
        .map_err(db)?
        .as_str()
        .map_err(|e| CrmError::storage(format!("corrupt text: {e}")))
}

pub(crate) fn placeholders(n: usize) -> String {
    vec!["?"; n].join(", ")
}

type DocRow = (
    String,
    Option<String>,
    i64,
    String,
    Option<String>,
    Option<i64>,
);

fn doc_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<DocRow> {
    Ok((
        r.get(0)?,
        r.get(1)?,
        r.get(2)?,
        r.get(3)?,
        r.get(4)?,
        r.get(5)?,
    ))
}

fn doc_of(kind: DocKind, (id, parent, version, body, due, due_at): DocRow) -> Result<Doc> {
    Ok(Doc {
        kind,
        id,
        parent,
        version: version as u64,
        body: from_json(&body)?,
        due: date(due)?,
        due_at: instant(due_at)?,
    })
}

impl SqliteTx<'_> {
    fn doc_version(&self, kind: DocKind, id: &str) -> Result<Option<u64>> {
        self.txn
            .prepare_cached("SELECT version FROM docs WHERE kind = ?1 AND id = ?2")
            .map_err(db)?
            .query_row([kind.as_str(), id], |r| r.get::<_, i64>(0))
            .optional()
            .map(|v| v.map(|v| v as u64))
            .map_err(db)
    }

    fn get<T: DeserializeOwned>(&self, table: &str, id: &str) -> Result<Option<T>> {
        let sql = format!("SELECT body FROM {table} WHERE id = ?1");
        let body: Option<String> = self
            .txn
            .prepare_cached(&sql)
            .map_err(db)?
            .query_row([id], |r| r.get(0))
            .optional()
            .map_err(db)?;
        body.map(|b| from_json(&b)).transpose()
    }

    fn list<T: DeserializeOwned>(&self, sql: &str, args: &[&dyn ToSql]) -> Result<Vec<T>> {
        let mut stmt = self.txn.prepare_cached(sql).map_err(db)?;
        let bodies = stmt
            .query_map(args, |r| r.get::<_, String>(0))
            .map_err(db)?
            .collect::<rusqlite::Result<Vec<_>>>()
            .map_err(db)?;
        bodies.iter().map(|b| from_json(b)).collect()
    }

    /// Whether `owners` hold so large a share of the customers (a team's many reps) that one
    /// pass over the table, reading its pages in order, beats fetching each of their rows
    /// through the owner index: at a million customers a fetched row costs about four rows of
    /// a pass. Counted on the index alone, so asking costs far less than the rows would.
    fn owners_hold_much(&self, owners: &[String]) -> Result<bool> {
        if owners.len() <= 8 {
            return Ok(false);
        }
        let count = |sql: &str, args: &[&dyn ToSql]| -> Result<i64> {
            self.txn
                .prepare_cached(sql)
                .map_err(db)?
                .query_row(args, |r| r.get(0))
                .map_err(db)
        };
        let args: Vec<&dyn ToSql> = owners.iter().map(|o| o as &dyn ToSql).collect();
        let theirs = count(
            &format!(
                "SELECT count(*) FROM customers WHERE owner_id IN ({})",
                placeholders(owners.len())
            ),
            &args,
        )?;
        // Below this a fetch of each row is quick whatever the table's size.
        if theirs < 10_000 {
            return Ok(false);
        }
        Ok(theirs * 4 > count("SELECT count(*) FROM customers", &[])?)
    }

    /// Every customer `query` selects, decoded one row at a time (a million customers are never
    /// all held as JSON text at once).
    fn each_customer(&self, query: &CustomerQuery, f: &mut dyn FnMut(Customer)) -> Result<()> {
        let mut conditions = Vec::new();
        let mut args: Vec<&dyn ToSql> = Vec::new();
        if let Some(owners) = &query.owners {
            if owners.is_empty() {
                return Ok(());
            }
            let column = if self.owners_hold_much(owners)? {
                "+owner_id"
            } else {
                "owner_id"
            };
            conditions.push(format!("{column} IN ({})", placeholders(owners.len())));
            args.extend(owners.iter().map(|o| o as &dyn ToSql));
        }
        let due = ms(query.follow_up_due_before);
        if due.is_some() {
            conditions.push("next_follow_up_at < ?".to_string());
            args.push(&due);
        }
        if let Some(pool) = &query.in_pool {
            conditions.push("pool_id = ? AND owner_id IS NULL".to_string());
            args.push(pool);
        }
        if !query.include_merged {
            conditions.push("status <> 'merged'".to_string());
        }
        // Level, region and tags live in the body only: SQLite's JSON functions read them
        // without decoding the record into Rust (`{}`: the values' placeholders).
        for (test, values) in [
            ("json_extract(body, '$.level') IN ({})", &query.levels),
            ("json_extract(body, '$.region') IN ({})", &query.regions),
            (
                "EXISTS (SELECT 1 FROM json_each(body, '$.tags') WHERE value IN ({}))",
                &query.tags_any,
            ),
        ] {
            if let Some(values) = values {
                if values.is_empty() {
                    return Ok(());
                }
                conditions.push(test.replace("{}", &placeholders(values.len())));
                args.extend(values.iter().map(|v| v as &dyn ToSql));
            }
        }
        let filter = if conditions.is_empty() {
            String::new()
        } else {
            format!(" WHERE {}", conditions.join(" AND "))
        };
        let mut stmt = self
            .txn
            .prepare_cached(&format!("SELECT body FROM customers{filter}"))
            .map_err(db)?;
        let mut rows = stmt.query(&*args).map_err(db)?;
        while let Some(row) = rows.next().map_err(db)? {
            let body = row.get_ref(0).map_err(db)?;
            let body = body
                .as_str()
                .map_err(|e| CrmError::storage(format!("corrupt record: {e}")))?;
            f(from_json(body)?);
        }
        Ok(())
    }

    /// Versioned insert (version 1) or conditional update (stored version = version - 1).
    /// `columns` are the extra indexed columns after `id, version, body`.
    fn put<T: Serialize>(
        &self,
        table: &str,
        kind: EntityKind,
        id: &str,
        version: u64,
        record: &T,
        columns: &[(&str, &dyn ToSql)],
    ) -> Result<()> {
        let insert = if self.mirror {
            self.version_of(table, id)?.is_none()
        } else {
            if version <= 1 {
                check_version(kind, id, version, self.version_of(table, id)?)?;
            }
            version == 1
        };
        let body = to_json(record)?;
        let v = version as i64;
        let mut args: Vec<&dyn ToSql> = vec![&id, &v, &body];
        args.extend(columns.iter().map(|(_, value)| *value));
        let names: String = columns.iter().map(|(n, _)| format!(", {n}")).collect();
        let changed = if insert {
            let sql = format!(
                "INSERT INTO {table} (id, version, body{names}) VALUES ({})",
                placeholders(args.len())
            );
            self.txn
                .prepare_cached(&sql)
                .map_err(db)?
                .execute(params_from_iter(args))
                .map_err(db)?
        } else {
            let sets: String = columns
                .iter()
                .enumerate()
                .map(|(i, (n, _))| format!(", {n} = ?{}", i + 4))
                .collect();
            let expected = v - 1;
            let where_version = if self.mirror {
                String::new()
            } else {
                args.push(&expected);
                format!(" AND version = ?{}", args.len())
            };
            let sql = format!(
                "UPDATE {table} SET version = ?2, body = ?3{sets} WHERE id = ?1{where_version}"
            );
            self.txn
                .prepare_cached(&sql)
                .map_err(db)?
                .execute(params_from_iter(args))
                .map_err(db)?
        };
        if changed == 1 {
            Ok(())
        } else {
            check_version(kind, id, version, self.version_of(table, id)?).and(Err(
                CrmError::storage(format!(
                    "{kind} {id}: conditional write changed {changed} rows"
                )),
            ))
        }
    }

    /// Removes the row still at `version` (the writer holds the file, so checking first is
    /// enough).
    fn delete(&self, table: &str, kind: EntityKind, id: &str, version: u64) -> Result<()> {
        let stored = self.version_of(table, id)?;
        if !check_remove(kind, id, version, stored, self.mirror)? {
            return Ok(());
        }
        let sql = format!("DELETE FROM {table} WHERE id = ?1 AND version = ?2");
        self.txn
            .prepare_cached(&sql)
            .map_err(db)?
            .execute(params![id, stored.unwrap_or(version) as i64])
            .map_err(db)?;
        Ok(())
    }

    fn version_of(&self, table: &str, id: &str) -> Result<Option<u64>> {
        let sql = format!("SELECT version FROM {table} WHERE id = ?1");
        self.txn
            .prepare_cached(&sql)
            .map_err(db)?
            .query_row([id], |r| r.get::<_, i64>(0))
            .optional()
            .map(|v| v.map(|v| v as u64))
            .map_err(db)
    }
}

/// The name gram index (`crm_core::customer::grams`), kept by `set_dedup_keys`.
impl SqliteTx<'_> {
    /// Whether any customer holds a duplicate key.
    fn key_held(&mut self, key: &str) -> Result<bool> {
        self.txn
            .prepare_cached("SELECT EXISTS (SELECT 1 FROM dedup_keys WHERE key = ?1)")
            .map_err(db)?
            .query_row([key], |r| r.get(0))
            .map_err(db)
    }

    /// Indexes a name that is getting its first holder.
    fn index_name(&mut self, name: &str) -> Result<()> {
        let len = name_len(name);
        let mut insert = self
            .txn
            .prepare_cached(
                "INSERT OR IGNORE INTO name_grams (gram, len, name) VALUES (?1, ?2, ?3)",
            )
            .map_err(db)?;
        for gram in name_grams(name) {
            if insert.execute(params![gram, len, name]).map_err(db)? == 1 {
                *self.gram_counts.entry(gram).or_default() += 1;
            }
        }
        let mut variant = self
            .txn
            .prepare_cached("INSERT OR IGNORE INTO name_variants (variant, name) VALUES (?1, ?2)")
            .map_err(db)?;
        for v in name_variants(name) {
            variant.execute(params![v, name]).map_err(db)?;
        }
        Ok(())
    }

    /// Drops a name that has lost its last holder.
    fn unindex_name(&mut self, name: &str) -> Result<()> {
        let len = name_len(name);
        let mut delete = self
            .txn
            .prepare_cached("DELETE FROM name_grams WHERE gram = ?1 AND len = ?2 AND name = ?3")
            .map_err(db)?;
        for gram in name_grams(name) {
            if delete.execute(params![gram, len, name]).map_err(db)? == 1 {
                *self.gram_counts.entry(gram).or_default() -= 1;
            }
        }
        let mut variant = self
            .txn
            .prepare_cached("DELETE FROM name_variants WHERE variant = ?1 AND name = ?2")
            .map_err(db)?;
        for v in name_variants(name) {
            variant.execute(params![v, name]).map_err(db)?;
        }
        Ok(())
    }
}

impl Tx for SqliteTx<'_> {
    fn settings(&mut self) -> Result<Option<OrgSettings>> {
        let body: Option<String> = self
            .txn
            .query_row("SELECT body FROM settings WHERE id = 1", [], |r| r.get(0))
            .optional()
            .map_err(db)?;
        body.map(|b| from_json(&b)).transpose()
    }

    fn put_settings(&mut self, settings: &OrgSettings) -> Result<()> {
        let stored: Option<i64> = self
            .txn
            .query_row("SELECT version FROM settings WHERE id = 1", [], |r| {
                r.get(0)
            })
            .optional()
            .map_err(db)?;
        check_put(
            EntityKind::Settings,
            "settings",
            settings.version,
            stored.map(|v| v as u64),
            self.mirror,
        )?;
        self.txn
            .execute(
                "INSERT INTO settings (id, version, body) VALUES (1, ?1, ?2)
                 ON CONFLICT (id) DO UPDATE SET version = excluded.version, body = excluded.body",
                params![settings.version as i64, to_json(settings)?],
            )
            .map_err(db)?;
        Ok(())
    }

    fn next_id(&mut self, sequence: &str) -> Result<u64> {
        if let Some(value) = self.sequences.get_mut(sequence) {
            *value += 1;
            return Ok(*value);
        }
        let stored = self
            .txn
            .prepare_cached("SELECT value FROM sequences WHERE name = ?1")
            .map_err(db)?
            .query_row([sequence], |r| r.get::<_, i64>(0))
            .optional()
            .map_err(db)?
            .unwrap_or(0);
        let value = stored as u64 + 1;
        self.sequences.insert(sequence.to_string(), value);
        Ok(value)
    }

    fn user(&mut self, id: &str) -> Result<Option<User>> {
        self.get("users", id)
    }

    fn users(&mut self) -> Result<Vec<User>> {
        self.list("SELECT body FROM users", &[])
    }

    fn put_user(&mut self, user: &User) -> Result<()> {
        self.put("users", EntityKind::User, &user.id, user.version, user, &[])
    }

    fn team(&mut self, id: &str) -> Result<Option<Team>> {
        self.get("teams", id)
    }

    fn teams(&mut self) -> Result<Vec<Team>> {
        self.list("SELECT body FROM teams", &[])
    }

    fn put_team(&mut self, team: &Team) -> Result<()> {
        self.put("teams", EntityKind::Team, &team.id, team.version, team, &[])
    }

    fn customer(&mut self, id: &str) -> Result<Option<Customer>> {
        self.get("customers", id)
    }

    fn put_customer(&mut self, c: &Customer) -> Result<()> {
        let status = match c.status {
            CustomerStatus::Active => "active",
            CustomerStatus::Merged => "merged",
        };
        let next = ms(c.next_follow_up_at);
        let owned = c.owner_id.is_some() && c.status == CustomerStatus::Active;
        let due = ms(c.recycle_due_at.filter(|_| owned));
        self.put(
            "customers",
            EntityKind::Customer,
            &c.id,
            c.version,
            c,
            &[
                ("owner_id", &c.owner_id),
                ("status", &status),
                ("next_follow_up_at", &next),
                ("pool_id", &c.pool_id),
                ("recycle_due_at", &due),
            ],
        )?;
        crate::facts::write(self.txn, c)
    }

    fn delete_customer(&mut self, id: &str, version: u64) -> Result<()> {
        self.delete("customers", EntityKind::Customer, id, version)?;
        if self.version_of("customers", id)?.is_none() {
            crate::facts::remove(self.txn, id)?;
        }
        // Its names leave the gram index with it, if it held them last.
        self.set_dedup_keys(id, &[])
    }

    fn customers(&mut self, query: &CustomerQuery) -> Result<Vec<Customer>> {
        let mut out = Vec::new();
        self.each_customer(query, &mut |c| out.push(c))?;
        Ok(out)
    }

    fn customer_ids_where(
        &mut self,
        query: &CustomerQuery,
        keep: &mut dyn FnMut(&Customer) -> bool,
    ) -> Result<Vec<CustomerId>> {
        let mut out = Vec::new();
        self.each_customer(query, &mut |c| {
            if keep(&c) {
                out.push(c.id)
            }
        })?;
        Ok(out)
    }

    fn customer_facts(
        &mut self,
        owners: Option<&[String]>,
        each: &mut dyn FnMut(crm_core::import::facts::CustomerFacts),
    ) -> Result<()> {
        crate::facts::each(self.txn, owners, each)
    }

    fn recycle_due(&mut self, until: DateTime<Utc>) -> Result<Vec<Customer>> {
        self.list(
            "SELECT body FROM customers WHERE recycle_due_at <= ?1 ORDER BY recycle_due_at",
            &[&until.timestamp_millis()],
        )
    }

    fn doc(&mut self, kind: DocKind, id: &str) -> Result<Option<Doc>> {
        self.txn
            .prepare_cached(
                "SELECT id, parent, version, body, due, due_at FROM docs
                 WHERE kind = ?1 AND id = ?2",
            )
            .map_err(db)?
            .query_row([kind.as_str(), id], doc_row)
            .optional()
            .map_err(db)?
            .map(|row| doc_of(kind, row))
            .transpose()
    }

    fn docs(&mut self, kind: DocKind, parent: Option<&str>) -> Result<Vec<Doc>> {
        let sql = match parent {
            Some(_) => {
                "SELECT id, parent, version, body, due, due_at FROM docs
                 WHERE kind = ?1 AND parent = ?2 ORDER BY length(id), id"
            }
            None => {
                "SELECT id, parent, version, body, due, due_at FROM docs
                 WHERE kind = ?1 ORDER BY length(id), id"
            }
        };
        let mut stmt = self.txn.prepare_cached(sql).map_err(db)?;
        let rows = match parent {
            Some(p) => stmt.query_map(params![kind.as_str(), p], doc_row),
            None => stmt.query_map(params![kind.as_str()], doc_row),
        }
        .map_err(db)?
        .collect::<rusqlite::Result<Vec<_>>>()
        .map_err(db)?;
        rows.into_iter().map(|row| doc_of(kind, row)).collect()
    }

    fn docs_due(&mut self, kind: DocKind, before: NaiveDate) -> Result<Vec<Doc>> {
        let mut stmt = self
            .txn
            .prepare_cached(
                "SELECT id, parent, version, body, due, due_at FROM docs
                 WHERE kind = ?1 AND due < ?2 ORDER BY length(id), id",
            )
            .map_err(db)?;
        let rows = stmt
            .query_map(params![kind.as_str(), before.to_string()], doc_row)
            .map_err(db)?
            .collect::<rusqlite::Result<Vec<_>>>()
            .map_err(db)?;
        rows.into_iter().map(|row| doc_of(kind, row)).collect()
    }

    fn docs_due_at(&mut self, kind: DocKind, until: DateTime<Utc>) -> Result<Vec<Doc>> {
        let mut stmt = self
            .txn
            .prepare_cached(
                "SELECT id, parent, version, body, due, due_at FROM docs
                 WHERE kind = ?1 AND due_at <= ?2 ORDER BY due_at, length(id), id",
            )
            .map_err(db)?;
        let rows = stmt
            .query_map(params![kind.as_str(), until.timestamp_millis()], doc_row)
            .map_err(db)?
            .collect::<rusqlite::Result<Vec<_>>>()
            .map_err(db)?;
        let mut docs = rows
            .into_iter()
            .map(|row| doc_of(kind, row))
            .collect::<Result<Vec<_>>>()?;
        // SQL's `length` counts characters, record order bytes: an already sorted list stays as
        // it is, in one pass.
        docs.sort_by(|a, b| {
            a.due_at
                .cmp(&b.due_at)
                .then_with(|| crm_core::ids::record_order(&a.id, &b.id))
        });
        Ok(docs)
    }

    fn put_doc(&mut self, doc: Doc) -> Result<()> {
        let stored = self.doc_version(doc.kind, &doc.id)?;
        let insert = check_put(doc.kind.entity(), &doc.id, doc.version, stored, self.mirror)?;
        let body = to_json(&doc.body)?;
        let sql = if insert {
            "INSERT INTO docs (kind, id, parent, version, body, due, due_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)"
        } else if self.mirror {
            "UPDATE docs SET parent = ?3, version = ?4, body = ?5, due = ?6, due_at = ?7
             WHERE kind = ?1 AND id = ?2"
        } else {
            "UPDATE docs SET parent = ?3, version = ?4, body = ?5, due = ?6, due_at = ?7
             WHERE kind = ?1 AND id = ?2 AND version = ?4 - 1"
        };
        let changed = self
            .txn
            .prepare_cached(sql)
            .map_err(db)?
            .execute(params![
                doc.kind.as_str(),
                doc.id,
                doc.parent,
                doc.version as i64,
                body,
                doc.due.map(|d| d.to_string()),
                ms(doc.due_at)
            ])
            .map_err(db)?;
        if changed == 1 {
            Ok(())
        } else {
            Err(CrmError::storage(format!(
                "{} {}: conditional write changed {changed} rows",
                doc.kind.as_str(),
                doc.id
            )))
        }
    }

    fn delete_doc(&mut self, kind: DocKind, id: &str, version: u64) -> Result<()> {
        let stored = self.doc_version(kind, id)?;
        if !check_remove(kind.entity(), id, version, stored, self.mirror)? {
            return Ok(());
        }
        self.txn
            .prepare_cached("DELETE FROM docs WHERE kind = ?1 AND id = ?2 AND version = ?3")
            .map_err(db)?
            .execute(params![kind.as_str(), id, stored.unwrap_or(version) as i64])
            .map_err(db)?;
        Ok(())
    }

    fn set_dedup_keys(&mut self, customer_id: &str, keys: &[String]) -> Result<()> {
        let old: Vec<String> = {
            let mut stmt = self
                .txn
                .prepare_cached("SELECT key FROM dedup_keys WHERE customer_id = ?1")
                .map_err(db)?;
            let rows = stmt.query_map([customer_id], |r| r.get(0)).map_err(db)?;
            rows.collect::<rusqlite::Result<_>>().map_err(db)?
        };
        for key in old.iter().filter(|k| !keys.contains(k)) {
            self.txn
                .prepare_cached("DELETE FROM dedup_keys WHERE key = ?1 AND customer_id = ?2")
                .map_err(db)?
                .execute(params![key, customer_id])
                .map_err(db)?;
            if let Some(name) = key.strip_prefix(NAME_PREFIX) {
                if !self.key_held(key)? {
                    self.unindex_name(name)?;
                }
            }
        }
        for key in keys.iter().filter(|k| !old.contains(k)) {
            if let Some(name) = key.strip_prefix(NAME_PREFIX) {
                if !self.key_held(key)? {
                    self.index_name(name)?;
                }
            }
            self.txn
                .prepare_cached(
                    "INSERT OR IGNORE INTO dedup_keys (key, customer_id) VALUES (?1, ?2)",
                )
                .map_err(db)?
                .execute(params![key, customer_id])
                .map_err(db)?;
        }
        Ok(())
    }

    fn customers_by_dedup_key(&mut self, key: &str) -> Result<Vec<CustomerId>> {
        let mut stmt = self
            .txn
            .prepare_cached("SELECT customer_id FROM dedup_keys WHERE key = ?1")
            .map_err(db)?;
        let ids = stmt.query_map([key], |r| r.get(0)).map_err(db)?;
        ids.collect::<rusqlite::Result<Vec<_>>>().map_err(db)
    }

    fn dedup_keys_with_prefix(&mut self, prefix: &str) -> Result<Vec<(String, CustomerId)>> {
        // Every key with the prefix sorts between the prefix and the prefix followed by U+10FFFF.
        let upper = format!("{prefix}\u{10FFFF}");
        let mut stmt = self
            .txn
            .prepare_cached("SELECT key, customer_id FROM dedup_keys WHERE key >= ?1 AND key < ?2")
            .map_err(db)?;
        let rows = stmt
            .query_map(params![prefix, upper], |r| Ok((r.get(0)?, r.get(1)?)))
            .map_err(db)?;
        rows.collect::<rusqlite::Result<Vec<_>>>().map_err(db)
    }

    fn each_dedup_key_with_prefix(
        &mut self,
        prefix: &str,
        each: &mut dyn FnMut(&str, &str),
    ) -> Result<()> {
        let upper = format!("{prefix}\u{10FFFF}");
        let mut stmt = self
            .txn
            .prepare_cached(
                "SELECT key, customer_id FROM dedup_keys WHERE key >= ?1 AND key < ?2 ORDER BY key",
            )
            .map_err(db)?;
        let mut rows = stmt.query(params![prefix, upper]).map_err(db)?;
        while let Some(row) = rows.next().map_err(db)? {
            each(text_at(row, 0)?, text_at(row, 1)?);
        }
        Ok(())
    }

    fn name_gram_counts(&mut self, grams: &[String]) -> Result<Vec<u64>> {
        let mut stmt = self
            .txn
            .prepare_cached("SELECT names FROM name_gram_counts WHERE gram = ?1")
            .map_err(db)?;
        grams
            .iter()
            .map(|gram| {
                let n: Option<i64> = stmt
                    .query_row([gram], |r| r.get(0))
                    .optional()
                    .map_err(db)?;
                let pending = self.gram_counts.get(gram).copied().unwrap_or(0);
                Ok(u64::try_from(n.unwrap_or(0) + pending).unwrap_or(0))
            })
            .collect()
    }

    fn names_with_grams(
        &mut self,
        grams: &[String],
        lengths: RangeInclusive<u32>,
        at_least: u32,
        near: Near,
    ) -> Result<Vec<Arc<str>>> {
        let mut stmt = self
            .txn
            .prepare_cached("SELECT name FROM name_grams WHERE gram = ?1 AND len BETWEEN ?2 AND ?3")
            .map_err(db)?;
        let distinct: BTreeSet<&String> = grams.iter().collect();
        // Each name once per gram it holds (the key is (gram, len, name)). Counted by the
        // row's own text, copied once per name: a common gram's tens of thousands of rows
        // cost a hash each, not an allocation each.
        let mut held: FxHashMap<Arc<str>, u32> = FxHashMap::default();
        for gram in distinct {
            let mut rows = stmt
                .query(params![gram, lengths.start(), lengths.end()])
                .map_err(db)?;
            while let Some(row) = rows.next().map_err(db)? {
                let name = text_at(row, 0)?;
                // The class counts are read from the row's text: cheaper than keeping them.
                if !near.admits_name(name) {
                    continue;
                }
                match held.get_mut(name) {
                    Some(n) => *n += 1,
                    None => {
                        held.insert(name.into(), 1);
                    }
                }
            }
        }
        let mut found: Vec<Arc<str>> = held
            .into_iter()
            .filter(|&(_, n)| n >= at_least)
            .map(|(name, _)| name)
            .collect();
        found.sort_unstable();
        Ok(found)
    }

    fn names_with_variants(&mut self, variants: &[String]) -> Result<Vec<String>> {
        let mut stmt = self
            .txn
            .prepare_cached("SELECT name FROM name_variants WHERE variant = ?1")
            .map_err(db)?;
        let mut found = BTreeSet::new();
        for variant in variants.iter().collect::<BTreeSet<_>>() {
            let mut rows = stmt.query([variant]).map_err(db)?;
            while let Some(row) = rows.next().map_err(db)? {
                let name = text_at(row, 0)?;
                if !found.contains(name) {
                    found.insert(name.to_string());
                }
            }
        }
        Ok(found.into_iter().collect())
    }

    fn contact(&mut self, id: &str) -> Result<Option<Contact>> {
        self.get("contacts", id)
    }

    fn contacts_of(&mut self, customer_id: &str) -> Result<Vec<Contact>> {
        self.list(
            "SELECT body FROM contacts WHERE customer_id = ?1",
            &[&customer_id],
        )
    }

    fn put_contact(&mut self, c: &Contact) -> Result<()> {
        self.put(
            "contacts",
            EntityKind::Contact,
            &c.id,
            c.version,
            c,
            &[("customer_id", &c.customer_id)],
        )
    }

    fn delete_contact(&mut self, id: &str, version: u64) -> Result<()> {
        self.delete("contacts", EntityKind::Contact, id, version)
    }

    fn follow_up(&mut self, id: &str) -> Result<Option<FollowUp>> {
        self.get("follow_ups", id)
    }

    fn follow_ups_of(&mut self, customer_id: &str) -> Result<Vec<FollowUp>> {
        self.list(
            "SELECT body FROM follow_ups WHERE customer_id = ?1",
            &[&customer_id],
        )
    }

    fn put_follow_up(&mut self, f: &FollowUp) -> Result<()> {
        self.put(
            "follow_ups",
            EntityKind::FollowUp,
            &f.id,
            f.version,
            f,
            &[("customer_id", &f.customer_id)],
        )
    }

    fn delete_follow_up(&mut self, id: &str, version: u64) -> Result<()> {
        self.delete("follow_ups", EntityKind::FollowUp, id, version)
    }

    fn mirror_writes(&mut self) -> Result<()> {
        self.mirror = true;
        Ok(())
    }

    fn append_event(&mut self, event: NewEvent) -> Result<u64> {
        // Cached: an import appends an event per row, and parsing this each time cost 5%.
        let seq: i64 = self
            .txn
            .prepare_cached("SELECT COALESCE(MAX(seq), 0) + 1 FROM events")
            .map_err(db)?
            .query_row([], |r| r.get(0))
            .map_err(db)?;
        let event = Event {
            seq: seq as u64,
            at: event.at,
            actor_id: event.actor_id,
            kind: event.kind,
            reason: event.reason,
        };
        self.txn
            .prepare_cached("INSERT INTO events (seq, body) VALUES (?1, ?2)")
            .map_err(db)?
            .execute(params![seq, to_json(&event)?])
            .map_err(db)?;
        let mut link = self
            .txn
            .prepare_cached(
                "INSERT OR IGNORE INTO event_customers (customer_id, seq) VALUES (?1, ?2)",
            )
            .map_err(db)?;
        for customer in event.kind.customer_ids() {
            link.execute(params![customer, seq]).map_err(db)?;
        }
        Ok(event.seq)
    }

    fn events_of(&mut self, customer_ids: &[CustomerId]) -> Result<Vec<Event>> {
        if customer_ids.is_empty() {
            return Ok(Vec::new());
        }
        let sql = format!(
            "SELECT body FROM events WHERE seq IN
               (SELECT seq FROM event_customers WHERE customer_id IN ({}))
             ORDER BY seq",
            placeholders(customer_ids.len())
        );
        let args: Vec<&dyn ToSql> = customer_ids.iter().map(|c| c as &dyn ToSql).collect();
        self.list(&sql, &args)
    }

    fn events_after(&mut self, after: u64, limit: usize) -> Result<Vec<Event>> {
        let (after, limit) = (
            after.min(i64::MAX as u64) as i64,
            limit.min(i64::MAX as usize) as i64,
        );
        self.list(
            "SELECT body FROM events WHERE seq > ?1 ORDER BY seq LIMIT ?2",
            &[&after, &limit],
        )
    }
}
