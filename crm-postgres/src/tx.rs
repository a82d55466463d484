//! The `Tx` operations in SQL. Every statement names the organisation (`org_id = $1`) besides the
//! row-level security policy, and versioned writes are conditional (`WHERE version = v - 1`), so a
//! stale version can never overwrite a newer row.

use crate::db;
use chrono::{DateTime, NaiveDate, Utc};
use crm_core::access::{Team, User};
use crm_core::customer::grams::{name_grams, name_len};
use crm_core::customer::variants::name_variants;
use crm_core::customer::{Contact, Customer, CustomerId, CustomerStatus, FollowUp, NAME_PREFIX};
use crm_core::event::{Event, NewEvent};
use crm_core::store::{check_delete_version, check_version, CustomerQuery, Doc, DocKind, Near, Tx};
use crm_core::{CrmError, EntityKind, OrgSettings, Result};
use postgres::types::{Json, ToSql};
use postgres::{Row, Statement, Transaction};
use serde::de::DeserializeOwned;
use serde::Serialize;
use std::collections::HashMap;
use std::ops::RangeInclusive;
use std::sync::Arc;

type Param<'a> = &'a (dyn ToSql + Sync);

pub(crate) struct PgTx<'t, 'c> {
    txn: &'t mut Transaction<'c>,
    statements: &'t mut HashMap<String, Statement>,
    org: &'t str,
    /// The last event sequence number handed out; written back to `orgs` on commit.
    seq: i64,
}

fn body<T: DeserializeOwned>(row: &Row) -> Result<T> {
    row.try_get::<_, Json<T>>(0)
        .map(|j| j.0)
        .map_err(|e| CrmError::storage(format!("corrupt record: {e}")))
}

fn version(v: u64) -> Result<i64> {
    i64::try_from(v).map_err(|_| CrmError::invalid("version", "too large"))
}

impl<'t, 'c> PgTx<'t, 'c> {
    pub(crate) fn new(
        txn: &'t mut Transaction<'c>,
        statements: &'t mut HashMap<String, Statement>,
        org: &'t str,
        seq: i64,
    ) -> Self {
        PgTx {
            txn,
            statements,
            org,
            seq,
        }
    }

    pub(crate) fn last_seq(&self) -> i64 {
        self.seq
    }

    fn statement(&mut self, sql: &str) -> Result<Statement> {
        if let Some(s) = self.statements.get(sql) {
            return Ok(s.clone());
        }
        let s = self.txn.prepare(sql).map_err(db)?;
        self.statements.insert(sql.to_string(), s.clone());
        Ok(s)
    }

    fn query(&mut self, sql: &str, args: &[Param]) -> Result<Vec<Row>> {
        let s = self.statement(sql)?;
        self.txn.query(&s, args).map_err(db)
    }

    fn execute(&mut self, sql: &str, args: &[Param]) -> Result<u64> {
        let s = self.statement(sql)?;
        self.txn.execute(&s, args).map_err(db)
    }

    fn list<T: DeserializeOwned>(&mut self, sql: &str, args: &[Param]) -> Result<Vec<T>> {
        self.query(sql, args)?.iter().map(body).collect()
    }

    fn get<T: DeserializeOwned>(&mut self, table: &str, id: &str) -> Result<Option<T>> {
        let sql = format!("SELECT body FROM {table} WHERE org_id = $1 AND id = $2");
        let org = self.org;
        self.query(&sql, &[&org, &id])?
            .first()
            .map(body)
            .transpose()
    }

    fn version_of(&mut self, table: &str, id: &str) -> Result<Option<u64>> {
        let sql = format!("SELECT version FROM {table} WHERE org_id = $1 AND id = $2");
        let org = self.org;
        Ok(self
            .query(&sql, &[&org, &id])?
            .first()
            .map(|r| r.get::<_, i64>(0) as u64))
    }

    /// Versioned insert (version 1) or conditional update (stored version = version - 1).
    /// `columns` are the indexed columns after `org_id, id, version, body`.
    fn put<T: Serialize + Sync + std::fmt::Debug>(
        &mut self,
        table: &str,
        kind: EntityKind,
        id: &str,
        new_version: u64,
        record: &T,
        columns: &[(&str, Param)],
    ) -> Result<()> {
        if new_version == 0 {
            return check_version(kind, id, 0, None).map(|_| ());
        }
        let v = version(new_version)?;
        let org = self.org;
        let json = Json(record);
        let mut args: Vec<Param> = vec![&org, &id, &v, &json];
        args.extend(columns.iter().map(|(_, value)| *value));
        let names: String = columns.iter().map(|(n, _)| format!(", {n}")).collect();
        let sql = if new_version == 1 {
            let marks: Vec<String> = (1..=args.len()).map(|i| format!("${i}")).collect();
            format!(
                "INSERT INTO {table} (org_id, id, version, body{names}) VALUES ({})
                 ON CONFLICT (org_id, id) DO NOTHING",
                marks.join(", ")
            )
        } else {
            let sets: String = columns
                .iter()
                .enumerate()
                .map(|(i, (n, _))| format!(", {n} = ${}", i + 5))
                .collect();
            format!(
                "UPDATE {table} SET version = $3::bigint, body = $4{sets}
                 WHERE org_id = $1 AND id = $2 AND version = $3::bigint - 1"
            )
        };
        if self.execute(&sql, &args)? == 1 {
            return Ok(());
        }
        let stored = self.version_of(table, id)?;
        check_version(kind, id, new_version, stored).and(Err(CrmError::storage(format!(
            "{kind} {id}: conditional write changed no row"
        ))))
    }

    /// Removes the row still at `expected`, in one conditional statement so a concurrent writer
    /// cannot slip in between a check and the delete.
    fn delete(&mut self, table: &str, kind: EntityKind, id: &str, expected: u64) -> Result<()> {
        let org = self.org;
        let v = version(expected)?;
        let sql = format!("DELETE FROM {table} WHERE org_id = $1 AND id = $2 AND version = $3");
        if self.execute(&sql, &[&org, &id, &v])? == 1 {
            return Ok(());
        }
        let stored = self.version_of(table, id)?;
        check_delete_version(kind, id, expected, stored).and(Err(CrmError::storage(format!(
            "{kind} {id}: conditional delete removed no row"
        ))))
    }

    fn doc_version(&mut self, kind: DocKind, id: &str) -> Result<Option<u64>> {
        let org = self.org;
        Ok(self
            .query(
                "SELECT version FROM docs WHERE org_id = $1 AND kind = $2 AND id = $3",
                &[&org, &kind.as_str(), &id],
            )?
            .first()
            .map(|r| r.get::<_, i64>(0) as u64))
    }
}

fn doc_of(kind: DocKind, row: &Row) -> Result<Doc> {
    Ok(Doc {
        kind,
        id: row.get(1),
        parent: row.get(2),
        version: row.get::<_, i64>(3) as u64,
        body: body(row)?,
        due: row.get(4),
        due_at: row.get(5),
    })
}

/// The name gram and variant indexes (`crm_core::customer::{grams, variants}`), kept by
/// `set_dedup_keys`.
impl PgTx<'_, '_> {
    /// Puts a name in the gram index or takes it out, as whether any customer now holds it says.
    /// Writers of one name queue on a transaction lock, so under READ COMMITTED each sees the
    /// other's committed holders and the index never keeps a name nobody holds, nor misses one.
    fn reindex_name(&mut self, name: &str) -> Result<()> {
        let org = self.org;
        let key = format!("{NAME_PREFIX}{name}");
        self.execute(
            "SELECT pg_advisory_xact_lock(hashtext($1), hashtext($2))",
            &[&org, &key],
        )?;
        let held: bool = self
            .query(
                "SELECT EXISTS (SELECT 1 FROM dedup_keys WHERE org_id = $1 AND key = $2)",
                &[&org, &key],
            )?
            .first()
            .is_some_and(|r| r.get(0));
        let grams = name_grams(name);
        let variants = name_variants(name);
        let len = i32::try_from(name_len(name)).unwrap_or(i32::MAX);
        if held {
            self.execute(
                "INSERT INTO name_variants (org_id, variant, name)
                 SELECT $1, v, $2 FROM unnest($3::text[]) AS v ON CONFLICT DO NOTHING",
                &[&org, &name, &variants],
            )?;
            self.execute(
                "WITH added AS (
                     INSERT INTO name_grams (org_id, gram, len, name)
                     SELECT $1, g, $2, $3 FROM unnest($4::text[]) AS g
                     ON CONFLICT DO NOTHING RETURNING gram)
                 INSERT INTO name_gram_counts (org_id, gram, names)
                 SELECT $1, gram, 1 FROM added
                 ON CONFLICT (org_id, gram) DO UPDATE SET names = name_gram_counts.names + 1",
                &[&org, &len, &name, &grams],
            )?;
        } else {
            self.execute(
                "DELETE FROM name_variants WHERE org_id = $1 AND name = $2 AND variant = ANY($3)",
                &[&org, &name, &variants],
            )?;
            self.execute(
                "WITH removed AS (
                     DELETE FROM name_grams
                     WHERE org_id = $1 AND len = $2 AND name = $3 AND gram = ANY($4)
                     RETURNING gram)
                 UPDATE name_gram_counts c SET names = c.names - 1
                   FROM removed WHERE c.org_id = $1 AND c.gram = removed.gram",
                &[&org, &len, &name, &grams],
            )?;
            self.execute(
                "DELETE FROM name_gram_counts WHERE org_id = $1 AND gram = ANY($2) AND names <= 0",
                &[&org, &grams],
            )?;
        }
        Ok(())
    }
}

impl Tx for PgTx<'_, '_> {
    fn settings(&mut self) -> Result<Option<OrgSettings>> {
        let org = self.org;
        self.query("SELECT body FROM settings WHERE org_id = $1", &[&org])?
            .first()
            .map(body)
            .transpose()
    }

    fn put_settings(&mut self, settings: &OrgSettings) -> Result<()> {
        let org = self.org;
        let stored = self
            .query("SELECT version FROM settings WHERE org_id = $1", &[&org])?
            .first()
            .map(|r| r.get::<_, i64>(0) as u64);
        check_version(EntityKind::Settings, "settings", settings.version, stored)?;
        let v = version(settings.version)?;
        self.execute(
            "INSERT INTO settings (org_id, version, body) VALUES ($1, $2, $3)
             ON CONFLICT (org_id) DO UPDATE SET version = excluded.version, body = excluded.body",
            &[&org, &v, &Json(settings)],
        )?;
        Ok(())
    }

    fn next_id(&mut self, sequence: &str) -> Result<u64> {
        let org = self.org;
        let rows = self.query(
            "INSERT INTO sequences (org_id, name, value) VALUES ($1, $2, 1)
             ON CONFLICT (org_id, name) DO UPDATE SET value = sequences.value + 1
             RETURNING value",
            &[&org, &sequence],
        )?;
        Ok(rows[0].get::<_, i64>(0) as u64)
    }

    fn user(&mut self, id: &str) -> Result<Option<User>> {
        self.get("users", id)
    }

    fn users(&mut self) -> Result<Vec<User>> {
        let org = self.org;
        self.list("SELECT body FROM users WHERE org_id = $1", &[&org])
    }

    fn put_user(&mut self, user: &User) -> Result<()> {
        self.put("users", EntityKind::User, &user.id, user.version, user, &[])
    }

    fn team(&mut self, id: &str) -> Result<Option<Team>> {
        self.get("teams", id)
    }

    fn teams(&mut self) -> Result<Vec<Team>> {
        let org = self.org;
        self.list("SELECT body FROM teams WHERE org_id = $1", &[&org])
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
        let owned = c.owner_id.is_some() && c.status == CustomerStatus::Active;
        let due = c.recycle_due_at.filter(|_| owned);
        self.put(
            "customers",
            EntityKind::Customer,
            &c.id,
            c.version,
            c,
            &[
                ("owner_id", &c.owner_id),
                ("status", &status),
                ("next_follow_up_at", &c.next_follow_up_at),
                ("pool_id", &c.pool_id),
                ("recycle_due_at", &due),
            ],
        )
    }

    fn delete_customer(&mut self, id: &str, version: u64) -> Result<()> {
        self.delete("customers", EntityKind::Customer, id, version)?;
        // Its names leave the gram index with it, if it held them last.
        self.set_dedup_keys(id, &[])
    }

    fn customers(&mut self, query: &CustomerQuery) -> Result<Vec<Customer>> {
        let org = self.org;
        let mut sql = String::from("SELECT body FROM customers WHERE org_id = $1");
        let mut args: Vec<Param> = vec![&org];
        if let Some(owners) = &query.owners {
            if owners.is_empty() {
                return Ok(Vec::new());
            }
            args.push(owners);
            sql += &format!(" AND owner_id = ANY(${})", args.len());
        }
        if let Some(due) = &query.follow_up_due_before {
            args.push(due);
            sql += &format!(" AND next_follow_up_at < ${}", args.len());
        }
        if let Some(pool) = &query.in_pool {
            args.push(pool);
            sql += &format!(" AND pool_id = ${} AND owner_id IS NULL", args.len());
        }
        if !query.include_merged {
            sql += " AND status <> 'merged'";
        }
        // Level, region and tags live in the body only (`{}`: the values' parameter).
        for (test, values) in [
            ("body->>'level' = ANY({})", &query.levels),
            ("body->>'region' = ANY({})", &query.regions),
            ("body->'tags' ?| {}", &query.tags_any),
        ] {
            if let Some(values) = values {
                if values.is_empty() {
                    return Ok(Vec::new());
                }
                args.push(values);
                sql += &format!(" AND {}", test.replace("{}", &format!("${}", args.len())));
            }
        }
        self.list(&sql, &args)
    }

    fn recycle_due(&mut self, until: DateTime<Utc>) -> Result<Vec<Customer>> {
        let org = self.org;
        self.list(
            "SELECT body FROM customers WHERE org_id = $1 AND recycle_due_at <= $2
             ORDER BY recycle_due_at",
            &[&org, &until],
        )
    }

    fn set_dedup_keys(&mut self, customer_id: &str, keys: &[String]) -> Result<()> {
        let org = self.org;
        let old: Vec<String> = self
            .query(
                "DELETE FROM dedup_keys WHERE org_id = $1 AND customer_id = $2 RETURNING key",
                &[&org, &customer_id],
            )?
            .iter()
            .map(|r| r.get(0))
            .collect();
        if !keys.is_empty() {
            let keys = keys.to_vec();
            self.execute(
                "INSERT INTO dedup_keys (org_id, key, customer_id)
                 SELECT $1, k, $2 FROM unnest($3::text[]) AS k ON CONFLICT DO NOTHING",
                &[&org, &customer_id, &keys],
            )?;
        }
        // Names this customer gains or loses enter or leave the gram index with their first or
        // last holder.
        let mut changed: Vec<&str> = old
            .iter()
            .filter(|k| !keys.contains(k))
            .chain(keys.iter().filter(|k| !old.contains(k)))
            .filter_map(|k| k.strip_prefix(NAME_PREFIX))
            .collect();
        changed.sort_unstable();
        changed.dedup();
        for name in changed {
            self.reindex_name(name)?;
        }
        Ok(())
    }

    fn customers_by_dedup_key(&mut self, key: &str) -> Result<Vec<CustomerId>> {
        let org = self.org;
        Ok(self
            .query(
                "SELECT customer_id FROM dedup_keys WHERE org_id = $1 AND key = $2",
                &[&org, &key],
            )?
            .iter()
            .map(|r| r.get(0))
            .collect())
    }

    fn dedup_keys_with_prefix(&mut self, prefix: &str) -> Result<Vec<(String, CustomerId)>> {
        // Under the C collation every key with the prefix sorts between the prefix and the
        // prefix followed by U+10FFFF.
        let org = self.org;
        let upper = format!("{prefix}\u{10FFFF}");
        Ok(self
            .query(
                "SELECT key, customer_id FROM dedup_keys
                 WHERE org_id = $1 AND key >= $2 AND key < $3",
                &[&org, &prefix, &upper],
            )?
            .iter()
            .map(|r| (r.get(0), r.get(1)))
            .collect())
    }

    fn name_gram_counts(&mut self, grams: &[String]) -> Result<Vec<u64>> {
        let org = self.org;
        let grams = grams.to_vec();
        let counts: HashMap<String, i64> = self
            .query(
                "SELECT gram, names FROM name_gram_counts WHERE org_id = $1 AND gram = ANY($2)",
                &[&org, &grams],
            )?
            .iter()
            .map(|r| (r.get(0), r.get(1)))
            .collect();
        Ok(grams
            .iter()
            .map(|g| counts.get(g).map_or(0, |&n| u64::try_from(n).unwrap_or(0)))
            .collect())
    }

    fn names_with_grams(
        &mut self,
        grams: &[String],
        lengths: RangeInclusive<u32>,
        at_least: u32,
        near: Near,
    ) -> Result<Vec<Arc<str>>> {
        let org = self.org;
        let grams = grams.to_vec();
        let int = |n: u32| i32::try_from(n).unwrap_or(i32::MAX);
        let (lo, hi) = (int(*lengths.start()), int(*lengths.end()));
        let at_least = i64::from(at_least);
        // `gram = ANY` matches each row once however often the array repeats a gram, so the
        // count is of distinct grams.
        Ok(self
            .query(
                "SELECT name FROM name_grams
                 WHERE org_id = $1 AND gram = ANY($2) AND len BETWEEN $3 AND $4
                 GROUP BY name HAVING count(*) >= $5",
                &[&org, &grams, &lo, &hi, &at_least],
            )?
            .iter()
            .map(|r| r.get::<_, &str>(0))
            .filter(|name| near.admits_name(name))
            .map(Arc::from)
            .collect())
    }

    fn names_with_variants(&mut self, variants: &[String]) -> Result<Vec<String>> {
        let org = self.org;
        let variants = variants.to_vec();
        Ok(self
            .query(
                "SELECT DISTINCT name FROM name_variants
                 WHERE org_id = $1 AND variant = ANY($2) ORDER BY name",
                &[&org, &variants],
            )?
            .iter()
            .map(|r| r.get(0))
            .collect())
    }

    fn contact(&mut self, id: &str) -> Result<Option<Contact>> {
        self.get("contacts", id)
    }

    fn contacts_of(&mut self, customer_id: &str) -> Result<Vec<Contact>> {
        let org = self.org;
        self.list(
            "SELECT body FROM contacts WHERE org_id = $1 AND customer_id = $2",
            &[&org, &customer_id],
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
        let org = self.org;
        self.list(
            "SELECT body FROM follow_ups WHERE org_id = $1 AND customer_id = $2",
            &[&org, &customer_id],
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

    fn doc(&mut self, kind: DocKind, id: &str) -> Result<Option<Doc>> {
        let org = self.org;
        self.query(
            "SELECT body, id, parent, version, due, due_at FROM docs
             WHERE org_id = $1 AND kind = $2 AND id = $3",
            &[&org, &kind.as_str(), &id],
        )?
        .first()
        .map(|r| doc_of(kind, r))
        .transpose()
    }

    fn docs(&mut self, kind: DocKind, parent: Option<&str>) -> Result<Vec<Doc>> {
        let org = self.org;
        let rows = match parent {
            Some(p) => self.query(
                "SELECT body, id, parent, version, due, due_at FROM docs
                 WHERE org_id = $1 AND kind = $2 AND parent = $3 ORDER BY length(id), id",
                &[&org, &kind.as_str(), &p],
            )?,
            None => self.query(
                "SELECT body, id, parent, version, due, due_at FROM docs
                 WHERE org_id = $1 AND kind = $2 ORDER BY length(id), id",
                &[&org, &kind.as_str()],
            )?,
        };
        rows.iter().map(|r| doc_of(kind, r)).collect()
    }

    fn docs_due(&mut self, kind: DocKind, before: NaiveDate) -> Result<Vec<Doc>> {
        let org = self.org;
        self.query(
            "SELECT body, id, parent, version, due, due_at FROM docs
             WHERE org_id = $1 AND kind = $2 AND due < $3 ORDER BY length(id), id",
            &[&org, &kind.as_str(), &before],
        )?
        .iter()
        .map(|r| doc_of(kind, r))
        .collect()
    }

    fn docs_due_at(&mut self, kind: DocKind, until: DateTime<Utc>) -> Result<Vec<Doc>> {
        let org = self.org;
        let mut docs = self
            .query(
                "SELECT body, id, parent, version, due, due_at FROM docs
                 WHERE org_id = $1 AND kind = $2 AND due_at <= $3
                 ORDER BY due_at, octet_length(id), id",
                &[&org, &kind.as_str(), &until],
            )?
            .iter()
            .map(|r| doc_of(kind, r))
            .collect::<Result<Vec<_>>>()?;
        // Record order is the order above (ids collate as "C"); sorting again costs one pass over
        // a sorted list and keeps the order exact whatever the collation.
        docs.sort_by(|a, b| {
            a.due_at
                .cmp(&b.due_at)
                .then_with(|| crm_core::ids::record_order(&a.id, &b.id))
        });
        Ok(docs)
    }

    fn put_doc(&mut self, doc: Doc) -> Result<()> {
        let org = self.org;
        let v = version(doc.version)?;
        let args: [Param; 8] = [
            &org,
            &doc.kind.as_str(),
            &doc.id,
            &doc.parent,
            &v,
            &doc.body,
            &doc.due,
            &doc.due_at,
        ];
        let changed = if doc.version == 1 {
            self.execute(
                "INSERT INTO docs (org_id, kind, id, parent, version, body, due, due_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (org_id, kind, id) DO NOTHING",
                &args,
            )?
        } else if doc.version > 1 {
            self.execute(
                "UPDATE docs SET parent = $4, version = $5::bigint, body = $6, due = $7, due_at = $8
                 WHERE org_id = $1 AND kind = $2 AND id = $3 AND version = $5::bigint - 1",
                &args,
            )?
        } else {
            0
        };
        if changed == 1 {
            return Ok(());
        }
        let stored = self.doc_version(doc.kind, &doc.id)?;
        check_version(doc.kind.entity(), &doc.id, doc.version, stored).and(Err(CrmError::storage(
            format!(
                "{} {}: conditional write changed no row",
                doc.kind.as_str(),
                doc.id
            ),
        )))
    }

    fn delete_doc(&mut self, kind: DocKind, id: &str, version_: u64) -> Result<()> {
        let org = self.org;
        let v = version(version_)?;
        let deleted = self.execute(
            "DELETE FROM docs WHERE org_id = $1 AND kind = $2 AND id = $3 AND version = $4",
            &[&org, &kind.as_str(), &id, &v],
        )?;
        if deleted == 1 {
            return Ok(());
        }
        let stored = self.doc_version(kind, id)?;
        check_delete_version(kind.entity(), id, version_, stored).and(Err(CrmError::storage(
            format!("{} {id}: conditional delete removed no row", kind.as_str()),
        )))
    }

    fn append_event(&mut self, event: NewEvent) -> Result<u64> {
        let seq = self.seq + 1;
        let event = Event {
            seq: seq as u64,
            at: event.at,
            actor_id: event.actor_id,
            kind: event.kind,
            reason: event.reason,
        };
        let mut customers: Vec<String> = event.kind.customer_ids().into_iter().cloned().collect();
        customers.sort();
        customers.dedup();
        let org = self.org;
        self.execute(
            "WITH e AS (INSERT INTO events (org_id, seq, body) VALUES ($1, $2, $3))
             INSERT INTO event_customers (org_id, customer_id, seq)
             SELECT $1, c, $2 FROM unnest($4::text[]) AS c",
            &[&org, &seq, &Json(&event), &customers],
        )?;
        self.seq = seq;
        Ok(event.seq)
    }

    fn events_of(&mut self, customer_ids: &[CustomerId]) -> Result<Vec<Event>> {
        if customer_ids.is_empty() {
            return Ok(Vec::new());
        }
        let org = self.org;
        let ids = customer_ids.to_vec();
        self.list(
            "SELECT body FROM events WHERE org_id = $1 AND seq IN
               (SELECT seq FROM event_customers WHERE org_id = $1 AND customer_id = ANY($2))
             ORDER BY seq",
            &[&org, &ids],
        )
    }

    fn events_after(&mut self, after: u64, limit: usize) -> Result<Vec<Event>> {
        let org = self.org;
        let after = after.min(i64::MAX as u64) as i64;
        let limit = limit.min(i64::MAX as usize) as i64;
        self.list(
            "SELECT body FROM events WHERE org_id = $1 AND seq > $2 ORDER BY seq LIMIT $3",
            &[&org, &after, &limit],
        )
    }
}
