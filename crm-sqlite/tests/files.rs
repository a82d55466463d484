//! File behaviour: migrations, reopening, several stores on one file, concurrent writers.

use chrono::{TimeZone, Utc};
use crm_core::store;
use crm_core::{Crm, CustomerPatch, FixedClock, NewCustomer, NewUser, Role};
use crm_sqlite::{SqliteStore, SCHEMA_VERSION};
use std::sync::{Arc, Barrier};

fn clock() -> Arc<FixedClock> {
    Arc::new(FixedClock::new(
        Utc.with_ymd_and_hms(2026, 3, 2, 1, 0, 0).unwrap(),
    ))
}

#[test]
fn data_survives_reopening_and_is_seen_by_a_second_store() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("crm.db");
    let crm = Crm::new(SqliteStore::open(&path).unwrap(), clock());
    let admin = crm.bootstrap("Ada", None).unwrap();
    let other = Crm::new(SqliteStore::open(&path).unwrap(), clock());
    let c = crm
        .create_customer(
            &admin.id,
            NewCustomer {
                name: "Acme".into(),
                ..Default::default()
            },
        )
        .unwrap();
    assert_eq!(
        other.customer(&admin.id, &c.customer.id).unwrap(),
        c.customer
    );
    drop((crm, other));
    let reopened = Crm::new(SqliteStore::open(&path).unwrap(), clock());
    assert_eq!(reopened.customers(&admin.id).unwrap().len(), 1);
    assert_eq!(reopened.events(&admin.id, 0, 100).unwrap().len(), 4);
}

#[test]
fn a_database_from_schema_version_1_opens_and_keeps_its_data() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("old.db");
    // A file as the first release wrote it: schema 1, with rows in it.
    {
        let conn = rusqlite::Connection::open(&path).unwrap();
        conn.execute_batch(include_str!("../migrations/0001_init.sql"))
            .unwrap();
        conn.pragma_update(None, "user_version", 1).unwrap();
        let user = crm_core::testing::conformance::user("u-1", 1);
        conn.execute(
            "INSERT INTO users (id, version, body) VALUES ('u-1', 1, ?1)",
            [serde_json::to_string(&user).unwrap()],
        )
        .unwrap();
        // Customers in the first release's shape: no lock end, no won date, no opportunity count.
        let old_body = |c: &crm_core::Customer| {
            let mut v = serde_json::to_value(c).unwrap();
            for key in [
                "locked_until",
                "last_won_at",
                "open_opportunities",
                "recycle_due_at",
            ] {
                v.as_object_mut().unwrap().remove(key);
            }
            v.to_string()
        };
        let owned = crm_core::testing::conformance::customer("c-1", Some("u-1"), 1);
        let mut pooled = crm_core::testing::conformance::customer("c-2", None, 1);
        pooled.pool_id = Some("p-1".into());
        for (c, owner) in [(&owned, Some("u-1")), (&pooled, None)] {
            conn.execute(
                "INSERT INTO customers (id, version, owner_id, status, body) VALUES (?1, 1, ?2, 'active', ?3)",
                rusqlite::params![c.id, owner, old_body(c)],
            )
            .unwrap();
        }
    }
    let store = SqliteStore::open(&path).unwrap();
    let user = store::read(&store, |tx| tx.user("u-1")).unwrap().unwrap();
    assert_eq!(user.name, "user u-1");
    // Migration 2 filled the pool column from the stored bodies; schema 1 had no pools, so
    // nothing is due for recycling.
    let far = chrono::DateTime::<chrono::Utc>::MAX_UTC;
    assert!(store::read(&store, |tx| tx.recycle_due(far))
        .unwrap()
        .is_empty());
    let in_pool = store::read(&store, |tx| {
        tx.customers(&crm_core::store::CustomerQuery {
            in_pool: Some("p-1".into()),
            ..Default::default()
        })
    })
    .unwrap();
    assert_eq!(in_pool.len(), 1);
    assert_eq!(in_pool[0].open_opportunities, 0);
    // Migration 6 computed the quality facts of the stored customers.
    let mut facts = Vec::new();
    store::read(&store, |tx| tx.customer_facts(None, &mut |f| facts.push(f))).unwrap();
    facts.sort_by(|a, b| a.id.cmp(&b.id));
    let mut expected: Vec<_> = store::read(&store, |tx| tx.customers(&Default::default()))
        .unwrap()
        .iter()
        .map(crm_core::import::facts::CustomerFacts::of)
        .collect();
    expected.sort_by(|a, b| a.id.cmp(&b.id));
    assert_eq!(facts.len(), 2);
    assert_eq!(facts, expected);
    let conn = rusqlite::Connection::open(&path).unwrap();
    let version: u32 = conn
        .pragma_query_value(None, "user_version", |r| r.get(0))
        .unwrap();
    assert_eq!(version, SCHEMA_VERSION);
}

#[test]
fn a_database_from_a_newer_build_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("new.db");
    rusqlite::Connection::open(&path)
        .unwrap()
        .pragma_update(None, "user_version", SCHEMA_VERSION + 1)
        .unwrap();
    let err = SqliteStore::open(&path).err().expect("refused");
    assert_eq!(err.code(), "STORAGE");
    assert!(err.to_string().contains("newer"), "{err}");
}

/// Four threads, each with its own connection, race read-modify-write cycles on the same customers.
/// Every success moves a version by exactly one; every loser gets VERSION_CONFLICT (after any
/// retries of STORAGE_BUSY); nothing else.
#[test]
fn concurrent_writers_are_resolved_by_versions() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("race.db");
    let setup = Crm::new(SqliteStore::open(&path).unwrap(), clock());
    let admin = setup.bootstrap("Ada", None).unwrap().id;
    let rep = setup
        .create_user(
            &admin,
            NewUser {
                name: "Li".into(),
                role: Role::Rep,
                scope: None,
                team_id: None,
            },
        )
        .unwrap()
        .id;
    let ids: Vec<String> = (0..3)
        .map(|i| {
            setup
                .create_customer(
                    &rep,
                    NewCustomer {
                        name: format!("C{i}"),
                        ..Default::default()
                    },
                )
                .unwrap()
                .customer
                .id
        })
        .collect();
    let barrier = Arc::new(Barrier::new(4));
    let handles: Vec<_> = (0..4)
        .map(|thread| {
            let (path, ids, rep, barrier) =
                (path.clone(), ids.clone(), rep.clone(), barrier.clone());
            std::thread::spawn(move || {
                let crm = Crm::new(SqliteStore::open(&path).unwrap(), clock());
                barrier.wait();
                let (mut won, mut lost) = (0u64, 0u64);
                for round in 0..60 {
                    let id = &ids[(round + thread) % ids.len()];
                    let read = crm.customer(&rep, id).unwrap();
                    let patch = CustomerPatch {
                        add_tags: vec![format!("t{thread}-{round}")],
                        ..Default::default()
                    };
                    // A busy file changed nothing: the same write is simply tried again.
                    let outcome = loop {
                        match crm.update_customer(&rep, id, read.version, patch.clone()) {
                            Err(e) if e.code() == "STORAGE_BUSY" => continue,
                            outcome => break outcome,
                        }
                    };
                    match outcome {
                        Ok(c) => {
                            assert_eq!(c.version, read.version + 1);
                            won += 1;
                        }
                        Err(e) => {
                            assert_eq!(e.code(), "VERSION_CONFLICT", "{e}");
                            lost += 1;
                        }
                    }
                }
                (won, lost)
            })
        })
        .collect();
    let (mut won, mut lost) = (0, 0);
    for h in handles {
        let (w, l) = h.join().unwrap();
        won += w;
        lost += l;
    }
    assert_eq!(won + lost, 240);
    let versions: u64 = ids
        .iter()
        .map(|id| setup.customer(&rep, id).unwrap().version)
        .sum();
    assert_eq!(
        versions,
        3 + won,
        "each customer starts at version 1 and gains one per success"
    );
    let tags: usize = ids
        .iter()
        .map(|id| setup.customer(&rep, id).unwrap().tags.len())
        .sum();
    assert_eq!(
        tags as u64, won,
        "every successful write kept its tag, none was lost"
    );
    let updates = setup
        .events(&admin, 0, usize::MAX)
        .unwrap()
        .iter()
        .filter(|e| matches!(e.kind, crm_core::EventKind::CustomerUpdated { .. }))
        .count();
    assert_eq!(updates as u64, won);
}

#[test]
fn contracts_from_schema_version_2_are_found_by_the_overdue_list_after_migrating() {
    use crm_core::contract::{NewContract, NewInstalment};
    use crm_core::opportunity::NewOpportunity;
    use rust_decimal::Decimal;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("v2.db");
    let day = chrono::NaiveDate::from_ymd_opt(2026, 3, 2).unwrap();
    {
        let crm = Crm::new(SqliteStore::open(&path).unwrap(), clock());
        crm.bootstrap("Ada", None).unwrap();
        let c = crm
            .create_customer(
                "u-1",
                NewCustomer {
                    name: "Acme".into(),
                    ..Default::default()
                },
            )
            .unwrap()
            .customer;
        let o = crm
            .create_opportunity(
                "u-1",
                &c.id,
                NewOpportunity::new("deal", Decimal::from(300)),
            )
            .unwrap();
        crm.close_opportunity("u-1", &o.id, true, None).unwrap();
        let instalment = |days, amount| NewInstalment {
            due_date: day + chrono::Duration::days(days),
            amount: Decimal::from(amount),
        };
        crm.create_contract(
            "u-1",
            &o.id,
            NewContract {
                signed_on: day,
                amount: None,
                instalments: vec![instalment(10, 100), instalment(40, 200)],
            },
        )
        .unwrap();
    }
    // Back to the shape schema 2 wrote: no due or due_at column, no index on them.
    {
        let conn = rusqlite::Connection::open(&path).unwrap();
        conn.execute_batch(
            "DROP INDEX docs_by_due; ALTER TABLE docs DROP COLUMN due;
             DROP TABLE name_grams; DROP TABLE name_gram_counts;
             DROP INDEX docs_by_due_at; ALTER TABLE docs DROP COLUMN due_at;
             DROP TABLE customer_facts; DROP TABLE name_variants; PRAGMA user_version = 2;",
        )
        .unwrap();
    }
    let later = Arc::new(FixedClock::new(
        Utc.with_ymd_and_hms(2026, 4, 1, 1, 0, 0).unwrap(),
    ));
    let crm = Crm::new(SqliteStore::open(&path).unwrap(), later);
    let overdue = crm.overdue_instalments("u-1").unwrap();
    assert_eq!(
        overdue.iter().map(|o| (o.seq, o.open)).collect::<Vec<_>>(),
        vec![(1, Decimal::from(100))],
        "the first instalment (due 12 March) is overdue on 1 April; the second is not yet due"
    );
}

#[test]
fn names_from_schema_version_3_are_found_by_fuzzy_duplicate_checks_after_migrating() {
    use crm_core::customer::{DuplicateProbe, MatchField};
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("v3.db");
    let names = ["Acme Trading", "星辰科技有限公司", "Globex", "Acme Trading"];
    {
        let crm = Crm::new(SqliteStore::open(&path).unwrap(), clock());
        crm.bootstrap("Ada", None).unwrap();
        let mut settings = crm.settings().unwrap();
        settings.duplicates.on_create = crm_core::customer::DuplicateMode::Off;
        crm.update_settings(
            "u-1",
            settings.version,
            crm_core::SettingsPatch {
                duplicates: Some(settings.duplicates),
                ..Default::default()
            },
        )
        .unwrap();
        for name in names {
            crm.create_customer(
                "u-1",
                NewCustomer {
                    name: name.into(),
                    ..Default::default()
                },
            )
            .unwrap();
        }
    }
    // Back to the shape schema 3 wrote: no gram or variant index, no due_at column, no facts.
    {
        let conn = rusqlite::Connection::open(&path).unwrap();
        conn.execute_batch(
            "DROP TABLE name_grams; DROP TABLE name_gram_counts;
             DROP INDEX docs_by_due_at; ALTER TABLE docs DROP COLUMN due_at;
             DROP TABLE customer_facts; DROP TABLE name_variants; PRAGMA user_version = 3;",
        )
        .unwrap();
    }
    let crm = Crm::new(SqliteStore::open(&path).unwrap(), clock());
    let find = |name: &str| {
        let mut found: Vec<String> = crm
            .find_duplicates(
                "u-1",
                DuplicateProbe {
                    name: Some(name.into()),
                    ..Default::default()
                },
            )
            .unwrap()
            .into_iter()
            .filter(|m| m.matched_on == MatchField::Name)
            .map(|m| m.customer_name)
            .collect();
        found.sort();
        found
    };
    assert_eq!(find("Acme Tradng"), ["Acme Trading", "Acme Trading"]);
    assert_eq!(find("星辰科技"), ["星辰科技有限公司"]);
    assert!(find("Initech").is_empty());
    let conn = rusqlite::Connection::open(&path).unwrap();
    let counted: i64 = conn
        .query_row(
            "SELECT count(*) FROM name_gram_counts c WHERE c.names =
               (SELECT count(*) FROM name_grams g WHERE g.gram = c.gram)",
            [],
            |r| r.get(0),
        )
        .unwrap();
    let grams: i64 = conn
        .query_row("SELECT count(DISTINCT gram) FROM name_grams", [], |r| {
            r.get(0)
        })
        .unwrap();
    assert_eq!(counted, grams, "every gram's count is its number of names");
    // The migration put each name under itself and its deletions, as writes do.
    let variants: Vec<String> = conn
        .prepare("SELECT variant FROM name_variants WHERE name = 'acmetrading' ORDER BY variant")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<rusqlite::Result<_>>()
        .unwrap();
    let mut expected = crm_core::customer::variants::name_variants("acmetrading");
    expected.sort();
    assert_eq!(variants, expected);
}
