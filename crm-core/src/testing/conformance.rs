//! The store conformance suite: every backend runs these through [`store_conformance!`], so the
//! memory, SQLite and later backends are held to one behaviour.

use crate::access::{DataScope, Role, Team, User};
use crate::customer::{
    Channel, Contact, Customer, CustomerKind, CustomerStatus, DealStatus, FollowUp,
};
use crate::error::{CrmError, Result};
use crate::event::{EventKind, NewEvent};
use crate::settings::OrgSettings;
use crate::store::{self, CustomerQuery, Doc, DocKind, Near, Store, Tx};
use chrono::{DateTime, TimeZone, Utc};

pub type Factory<'a> = &'a dyn Fn() -> Box<dyn Store>;

/// Runs one conformance case per `#[test]` for a backend: `store_conformance!(|| Box::new(MyStore::new()))`.
/// Attributes after the factory go on every case, e.g. `#[ignore = "needs a server"]`.
#[macro_export]
macro_rules! store_conformance {
    ($factory:expr $(, #[$attr:meta])* $(,)?) => {
        mod store_conformance {
            use super::*;
            use $crate::testing::conformance as c;
            fn factory() -> Box<dyn $crate::store::Store> {
                ($factory)()
            }
            #[test]
            $(#[$attr])*
            fn versioned_puts() {
                c::versioned_puts(&factory)
            }
            #[test]
            $(#[$attr])*
            fn failed_writes_roll_back() {
                c::failed_writes_roll_back(&factory)
            }
            #[test]
            $(#[$attr])*
            fn reads_do_not_persist() {
                c::reads_do_not_persist(&factory)
            }
            #[test]
            $(#[$attr])*
            fn sequences() {
                c::sequences(&factory)
            }
            #[test]
            $(#[$attr])*
            fn customer_queries() {
                c::customer_queries(&factory)
            }
            #[test]
            $(#[$attr])*
            fn dedup_keys() {
                c::dedup_keys(&factory)
            }
            #[test]
            $(#[$attr])*
            fn name_gram_index() {
                c::name_gram_index(&factory)
            }
            #[test]
            $(#[$attr])*
            fn contacts_and_follow_ups_move() {
                c::contacts_and_follow_ups_move(&factory)
            }
            #[test]
            $(#[$attr])*
            fn event_log() {
                c::event_log(&factory)
            }
            #[test]
            $(#[$attr])*
            fn documents() {
                c::documents(&factory)
            }
            #[test]
            $(#[$attr])*
            fn documents_due() {
                c::documents_due(&factory)
            }
            #[test]
            $(#[$attr])*
            fn documents_due_at() {
                c::documents_due_at(&factory)
            }
            #[test]
            $(#[$attr])*
            fn customer_ids_where() {
                c::customer_ids_where(&factory)
            }
            #[test]
            $(#[$attr])*
            fn customers_by_level_region_and_tags() {
                c::customers_by_level_region_and_tags(&factory)
            }
            #[test]
            $(#[$attr])*
            fn every_document_kind() {
                c::every_document_kind(&factory)
            }
            #[test]
            $(#[$attr])*
            fn pool_and_recycling_indexes() {
                c::pool_and_recycling_indexes(&factory)
            }
            #[test]
            $(#[$attr])*
            fn delete_customers() {
                c::delete_customers(&factory)
            }
            #[test]
            $(#[$attr])*
            fn delete_contacts() {
                c::delete_contacts(&factory)
            }
            #[test]
            $(#[$attr])*
            fn customer_facts() {
                c::customer_facts(&factory)
            }
            #[test]
            $(#[$attr])*
            fn scenarios() {
                c::scenarios(&factory)
            }
        }
    };
}

fn t(hour: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 2, hour, 0, 0).unwrap()
}

pub fn user(id: &str, version: u64) -> User {
    User {
        id: id.into(),
        name: format!("user {id}"),
        role: Role::Rep,
        scope: DataScope::Own,
        team_id: None,
        active: true,
        created_at: t(1),
        version,
    }
}

pub fn customer(id: &str, owner: Option<&str>, version: u64) -> Customer {
    Customer {
        id: id.into(),
        name: format!("customer {id}"),
        kind: CustomerKind::Company,
        level: None,
        tags: Default::default(),
        source: None,
        industry: None,
        region: None,
        phones: vec![],
        emails: vec![],
        owner_id: owner.map(Into::into),
        previous_owner_id: None,
        pool_id: None,
        pooled_at: None,
        released_at: None,
        status: CustomerStatus::Active,
        merged_into: None,
        merged_from: vec![],
        created_at: t(1),
        updated_at: t(1),
        owned_since: owner.map(|_| t(1)),
        last_follow_up_at: None,
        next_follow_up_at: None,
        deal_status: DealStatus::None,
        locked: false,
        locked_until: None,
        last_won_at: None,
        open_opportunities: 0,
        recycle_due_at: None,
        custom_fields: Default::default(),
        opt_outs: vec![],
        campaign_id: None,
        version,
    }
}

pub fn contact(id: &str, customer: &str, version: u64) -> Contact {
    Contact {
        id: id.into(),
        customer_id: customer.into(),
        name: id.into(),
        phones: vec![],
        emails: vec![],
        role: None,
        created_at: t(1),
        opt_outs: vec![],
        version,
    }
}

pub fn follow_up(id: &str, customer: &str, version: u64) -> FollowUp {
    FollowUp {
        id: id.into(),
        customer_id: customer.into(),
        rep_id: "u-1".into(),
        channel: Channel::Call,
        note: String::new(),
        at: t(1),
        next_follow_up_at: None,
        version,
    }
}

fn w<T>(s: &dyn Store, f: impl FnOnce(&mut dyn Tx) -> Result<T>) -> Result<T> {
    store::write(s, f)
}

fn r<T>(s: &dyn Store, f: impl FnOnce(&mut dyn Tx) -> Result<T>) -> T {
    store::read(s, f).expect("read succeeds")
}

fn code<T: std::fmt::Debug>(result: Result<T>) -> &'static str {
    result.expect_err("expected an error").code()
}

pub fn event(kind: EventKind) -> NewEvent {
    NewEvent {
        at: t(2),
        actor_id: Some("u-1".into()),
        kind,
        reason: "test".into(),
    }
}

pub fn versioned_puts(factory: Factory) {
    let s = factory();
    let s = s.as_ref();
    // Every table: insert at 1, replace only the version read, refuse stale and duplicate writes.
    w(s, |tx| tx.put_user(&user("u-1", 1))).unwrap();
    assert_eq!(
        code(w(s, |tx| tx.put_user(&user("u-1", 1)))),
        "ALREADY_EXISTS"
    );
    assert_eq!(
        code(w(s, |tx| tx.put_user(&user("u-1", 0)))),
        "INVALID_INPUT"
    );
    w(s, |tx| tx.put_user(&user("u-1", 2))).unwrap();
    match w(s, |tx| tx.put_user(&user("u-1", 2))) {
        Err(CrmError::VersionConflict {
            expected, actual, ..
        }) => assert_eq!((expected, actual), (1, 2)),
        other => panic!("expected a version conflict, got {other:?}"),
    }
    assert_eq!(
        code(w(s, |tx| tx.put_user(&user("u-9", 2)))),
        "VERSION_CONFLICT"
    );
    assert_eq!(r(s, |tx| tx.user("u-1")).map(|u| u.version), Some(2));
    assert_eq!(r(s, |tx| tx.user("u-404")), None);

    let team = |v| Team {
        id: "t-1".into(),
        name: "east".into(),
        created_at: t(1),
        version: v,
    };
    w(s, |tx| tx.put_team(&team(1))).unwrap();
    assert_eq!(code(w(s, |tx| tx.put_team(&team(3)))), "VERSION_CONFLICT");
    w(s, |tx| tx.put_team(&team(2))).unwrap();
    assert_eq!(r(s, |tx| tx.teams()).len(), 1);

    w(s, |tx| tx.put_customer(&customer("c-1", Some("u-1"), 1))).unwrap();
    assert_eq!(
        code(w(s, |tx| tx.put_customer(&customer("c-1", None, 1)))),
        "ALREADY_EXISTS"
    );
    assert_eq!(
        code(w(s, |tx| tx.put_customer(&customer("c-1", None, 3)))),
        "VERSION_CONFLICT"
    );
    let mut c = customer("c-1", Some("u-2"), 2);
    c.name = "renamed".into();
    w(s, |tx| tx.put_customer(&c)).unwrap();
    assert_eq!(r(s, |tx| tx.customer("c-1")), Some(c));

    w(s, |tx| tx.put_contact(&contact("ct-1", "c-1", 1))).unwrap();
    assert_eq!(
        code(w(s, |tx| tx.put_contact(&contact("ct-1", "c-1", 1)))),
        "ALREADY_EXISTS"
    );
    assert_eq!(
        code(w(s, |tx| tx.put_contact(&contact("ct-1", "c-1", 5)))),
        "VERSION_CONFLICT"
    );
    w(s, |tx| tx.put_follow_up(&follow_up("f-1", "c-1", 1))).unwrap();
    assert_eq!(
        code(w(s, |tx| tx.put_follow_up(&follow_up("f-1", "c-1", 1)))),
        "ALREADY_EXISTS"
    );
    assert_eq!(r(s, |tx| tx.follow_up("f-1")).map(|f| f.version), Some(1));
    assert_eq!(r(s, |tx| tx.contact("ct-1")).map(|c| c.version), Some(1));

    let settings = |v| OrgSettings {
        version: v,
        ..OrgSettings::default()
    };
    assert_eq!(r(s, |tx| tx.settings()), None);
    w(s, |tx| tx.put_settings(&settings(1))).unwrap();
    assert_eq!(
        code(w(s, |tx| tx.put_settings(&settings(1)))),
        "ALREADY_EXISTS"
    );
    assert_eq!(
        code(w(s, |tx| tx.put_settings(&settings(3)))),
        "VERSION_CONFLICT"
    );
    w(s, |tx| tx.put_settings(&settings(2))).unwrap();
    assert_eq!(r(s, |tx| tx.settings()).map(|s| s.version), Some(2));
}

pub fn failed_writes_roll_back(factory: Factory) {
    let s = factory();
    let s = s.as_ref();
    w(s, |tx| tx.put_customer(&customer("c-1", Some("u-1"), 1))).unwrap();
    let failed = w(s, |tx| {
        tx.put_user(&user("u-1", 1))?;
        tx.put_customer(&customer("c-2", Some("u-1"), 1))?;
        tx.put_customer(&customer("c-1", Some("u-2"), 2))?;
        tx.set_dedup_keys("c-2", &["p:1".into()])?;
        tx.next_id("c")?;
        tx.append_event(event(EventKind::CustomerCreated {
            customer_id: "c-2".into(),
        }))?;
        tx.put_customer(&customer("c-1", None, 2))
    });
    assert_eq!(code(failed), "VERSION_CONFLICT");
    assert_eq!(r(s, |tx| tx.user("u-1")), None);
    assert_eq!(r(s, |tx| tx.customer("c-2")), None);
    assert_eq!(
        r(s, |tx| tx.customer("c-1")).and_then(|c| c.owner_id),
        Some("u-1".into())
    );
    assert!(r(s, |tx| tx.customers_by_dedup_key("p:1")).is_empty());
    assert!(r(s, |tx| tx.events_after(0, 10)).is_empty());
    assert_eq!(
        w(s, |tx| tx.next_id("c")).unwrap(),
        1,
        "the sequence did not advance"
    );
}

pub fn reads_do_not_persist(factory: Factory) {
    let s = factory();
    let s = s.as_ref();
    r(s, |tx| tx.put_user(&user("u-1", 1)));
    assert_eq!(r(s, |tx| tx.user("u-1")), None);
}

pub fn sequences(factory: Factory) {
    let s = factory();
    let s = s.as_ref();
    let a: Vec<u64> = (0..3)
        .map(|_| w(s, |tx| tx.next_id("c")).unwrap())
        .collect();
    assert_eq!(a, vec![1, 2, 3]);
    assert_eq!(
        w(s, |tx| tx.next_id("u")).unwrap(),
        1,
        "each name counts on its own"
    );
    assert_eq!(
        w(s, |tx| Ok((tx.next_id("c")?, tx.next_id("c")?))).unwrap(),
        (4, 5)
    );
}

/// `customer_ids_where` answers exactly the ids of `customers` that its filter keeps, for every
/// kind of query (few owners, many owners, a pool, everyone, merged ones too).
pub fn customer_ids_where(factory: Factory) {
    let s = factory();
    let s = s.as_ref();
    w(s, |tx| {
        for i in 1..=30 {
            let owner = match i % 4 {
                0 => None,
                k => Some(format!("u-{k}")),
            };
            let mut c = customer(&format!("c-{i}"), owner.as_deref(), 1);
            c.pool_id = (i % 3 == 0).then(|| "p-1".to_string());
            if i % 7 == 0 {
                c.status = CustomerStatus::Merged;
            }
            c.level = Some(if i % 3 == 1 { "B" } else { "A" }.to_string());
            tx.put_customer(&c)?;
        }
        Ok(())
    })
    .unwrap();
    let many: Vec<String> = (1..=12).map(|k| format!("u-{k}")).collect();
    let queries = [
        CustomerQuery::default(),
        CustomerQuery {
            include_merged: true,
            ..Default::default()
        },
        CustomerQuery {
            owners: Some(vec!["u-1".into(), "u-3".into()]),
            ..Default::default()
        },
        CustomerQuery {
            owners: Some(many),
            ..Default::default()
        },
        CustomerQuery {
            owners: Some(vec![]),
            ..Default::default()
        },
        CustomerQuery {
            in_pool: Some("p-1".into()),
            ..Default::default()
        },
    ];
    for q in queries {
        let mut want: Vec<String> = r(s, |tx| tx.customers(&q))
            .into_iter()
            .filter(|c| c.level.as_deref() == Some("A"))
            .map(|c| c.id)
            .collect();
        let mut got = r(s, |tx| {
            tx.customer_ids_where(&q, &mut |c| c.level.as_deref() == Some("A"))
        });
        want.sort();
        got.sort();
        assert!(!want.is_empty() || q.owners.as_ref().is_some_and(Vec::is_empty));
        assert_eq!(got, want, "{q:?}");
    }
}

/// Levels, regions and tags filter `customers` and `customer_ids_where` exactly as
/// `CustomerQuery::accepts` says, alone and with the other filters, after the fields changed,
/// a customer was deleted and a write was rolled back; no customer is listed twice.
pub fn customers_by_level_region_and_tags(factory: Factory) {
    let s = factory();
    let s = s.as_ref();
    const TAGS: [&str; 3] = ["vip", "news", "fair"];
    let shaped = |i: usize, version: u64| {
        let owner = (i % 3 != 0).then(|| format!("u-{}", i % 3));
        let mut c = customer(&format!("c-{i}"), owner.as_deref(), version);
        c.level = ["A", "B", "C"].get(i % 4).map(|l| l.to_string());
        c.region = (i % 5 != 0).then(|| format!("r-{}", i % 5));
        // Few enough for an index to pay, some with two tags.
        c.tags = TAGS
            .iter()
            .zip([i % 6 == 1, i % 4 == 1, i % 5 == 2])
            .filter(|(_, has)| *has)
            .map(|(t, _)| t.to_string())
            .collect();
        c.pool_id = c.owner_id.is_none().then(|| "p-1".to_string());
        if i % 11 == 0 {
            c.status = CustomerStatus::Merged;
        }
        c
    };
    w(s, |tx| {
        (1..=60).try_for_each(|i| tx.put_customer(&shaped(i, 1)))
    })
    .unwrap();
    // Fields change, one customer goes, and a rolled-back write leaves no trace.
    w(s, |tx| {
        let mut c = shaped(5, 2);
        c.tags = ["fair".to_string()].into();
        c.level = None;
        c.region = Some("r-9".into());
        tx.put_customer(&c)?;
        tx.delete_customer("c-7", 1)
    })
    .unwrap();
    let rolled_back = w(s, |tx| {
        let mut c = shaped(6, 2);
        c.tags = ["gone".to_string()].into();
        c.level = Some("Z".into());
        tx.put_customer(&c)?;
        Err::<(), _>(CrmError::InvalidState {
            reason: "rolled back".into(),
        })
    });
    assert!(rolled_back.is_err());
    let list = |v: &[&str]| Some(v.iter().map(|x| x.to_string()).collect::<Vec<_>>());
    let queries = [
        CustomerQuery {
            levels: list(&["A"]),
            ..Default::default()
        },
        CustomerQuery {
            levels: list(&["A", "C", "A", "Z"]),
            include_merged: true,
            ..Default::default()
        },
        CustomerQuery {
            levels: list(&[]),
            ..Default::default()
        },
        CustomerQuery {
            regions: list(&["r-1", "r-9"]),
            owners: Some(vec!["u-1".into()]),
            ..Default::default()
        },
        CustomerQuery {
            tags_any: list(&["vip"]),
            ..Default::default()
        },
        CustomerQuery {
            tags_any: list(&["vip", "news", "vip", "gone"]),
            levels: list(&["A", "B"]),
            ..Default::default()
        },
        CustomerQuery {
            tags_any: list(&["fair", "news"]),
            in_pool: Some("p-1".into()),
            include_merged: true,
            ..Default::default()
        },
        CustomerQuery {
            tags_any: list(&["gone"]),
            ..Default::default()
        },
        CustomerQuery {
            tags_any: list(&["vip", "news", "fair"]),
            regions: list(&["r-1", "r-2", "r-3", "r-4"]),
            owners: Some((1..=12).map(|k| format!("u-{k}")).collect()),
            ..Default::default()
        },
    ];
    let everyone = r(s, |tx| {
        tx.customers(&CustomerQuery {
            include_merged: true,
            ..Default::default()
        })
    });
    assert_eq!(everyone.len(), 59);
    for q in queries {
        let mut want: Vec<String> = everyone
            .iter()
            .filter(|c| q.accepts(c))
            .map(|c| c.id.clone())
            .collect();
        let mut got: Vec<String> = r(s, |tx| tx.customers(&q))
            .into_iter()
            .map(|c| c.id)
            .collect();
        let mut ids = r(s, |tx| tx.customer_ids_where(&q, &mut |_| true));
        want.sort();
        got.sort();
        ids.sort();
        assert_eq!(got, want, "{q:?}");
        assert_eq!(ids, want, "{q:?}");
    }
}

pub fn customer_queries(factory: Factory) {
    let s = factory();
    let s = s.as_ref();
    let mut due = customer("c-1", Some("u-1"), 1);
    due.next_follow_up_at = Some(t(5));
    let mut later = customer("c-2", Some("u-2"), 1);
    later.next_follow_up_at = Some(t(9));
    let mut merged = customer("c-3", Some("u-1"), 1);
    merged.status = CustomerStatus::Merged;
    let unowned = customer("c-4", None, 1);
    w(s, |tx| {
        for c in [&due, &later, &merged, &unowned] {
            tx.put_customer(c)?;
        }
        Ok(())
    })
    .unwrap();
    let ids = |q: CustomerQuery| {
        let mut ids: Vec<String> = r(s, |tx| tx.customers(&q))
            .into_iter()
            .map(|c| c.id)
            .collect();
        ids.sort();
        ids
    };
    assert_eq!(ids(CustomerQuery::default()), ["c-1", "c-2", "c-4"]);
    assert_eq!(
        ids(CustomerQuery {
            include_merged: true,
            ..Default::default()
        }),
        ["c-1", "c-2", "c-3", "c-4"]
    );
    assert_eq!(
        ids(CustomerQuery {
            owners: Some(vec!["u-1".into()]),
            ..Default::default()
        }),
        ["c-1"]
    );
    assert_eq!(
        ids(CustomerQuery {
            owners: Some(vec![]),
            ..Default::default()
        }),
        Vec::<String>::new()
    );
    assert_eq!(
        ids(CustomerQuery {
            owners: Some(vec!["u-1".into(), "u-2".into()]),
            ..Default::default()
        }),
        ["c-1", "c-2"]
    );
    assert_eq!(
        ids(CustomerQuery {
            follow_up_due_before: Some(t(9)),
            ..Default::default()
        }),
        ["c-1"],
        "strictly before"
    );
    assert_eq!(
        ids(CustomerQuery {
            follow_up_due_before: Some(t(10)),
            ..Default::default()
        }),
        ["c-1", "c-2"]
    );
    // The owner index follows owner changes.
    let mut moved = due.clone();
    moved.owner_id = Some("u-2".into());
    moved.next_follow_up_at = None;
    moved.version = 2;
    w(s, |tx| tx.put_customer(&moved)).unwrap();
    assert_eq!(
        ids(CustomerQuery {
            owners: Some(vec!["u-1".into()]),
            ..Default::default()
        }),
        Vec::<String>::new()
    );
    assert_eq!(
        ids(CustomerQuery {
            owners: Some(vec!["u-2".into()]),
            ..Default::default()
        }),
        ["c-1", "c-2"]
    );
    assert_eq!(
        ids(CustomerQuery {
            follow_up_due_before: Some(t(10)),
            ..Default::default()
        }),
        ["c-2"]
    );
}

pub fn dedup_keys(factory: Factory) {
    let s = factory();
    let s = s.as_ref();
    w(s, |tx| {
        tx.set_dedup_keys("c-1", &["n:acme".into(), "p:138".into()])?;
        tx.set_dedup_keys(
            "c-2",
            &["n:acmee".into(), "p:138".into(), "e:a@b.cn".into()],
        )
    })
    .unwrap();
    let mut both = r(s, |tx| tx.customers_by_dedup_key("p:138"));
    both.sort();
    assert_eq!(both, ["c-1", "c-2"]);
    let mut names = r(s, |tx| tx.dedup_keys_with_prefix("n:"));
    names.sort();
    assert_eq!(
        names,
        [
            ("n:acme".to_string(), "c-1".to_string()),
            ("n:acmee".into(), "c-2".into())
        ]
    );
    // The streaming pass: the same pairs, in key order.
    for prefix in ["", "p:", "n:acme", "x:"] {
        let mut streamed: Vec<(String, String)> = Vec::new();
        r(s, |tx| {
            tx.each_dedup_key_with_prefix(prefix, &mut |k, id| {
                streamed.push((k.to_string(), id.to_string()))
            })
        });
        assert!(
            streamed.windows(2).all(|w| w[0].0 <= w[1].0),
            "{streamed:?}"
        );
        let mut listed = r(s, |tx| tx.dedup_keys_with_prefix(prefix));
        listed.sort();
        streamed.sort();
        assert_eq!(streamed, listed, "prefix {prefix:?}");
    }
    w(s, |tx| tx.set_dedup_keys("c-1", &["n:globex".into()])).unwrap();
    assert_eq!(r(s, |tx| tx.customers_by_dedup_key("p:138")), ["c-2"]);
    w(s, |tx| tx.set_dedup_keys("c-2", &[])).unwrap();
    assert!(r(s, |tx| tx.customers_by_dedup_key("e:a@b.cn")).is_empty());
    assert_eq!(
        r(s, |tx| tx.dedup_keys_with_prefix("n:")),
        [("n:globex".to_string(), "c-1".to_string())]
    );
}

/// Names a store handed out, as text in order.
fn texts(names: Vec<std::sync::Arc<str>>) -> Vec<String> {
    let mut texts: Vec<String> = names.iter().map(|n| n.to_string()).collect();
    texts.sort();
    texts
}

/// The name gram and variant indexes behind fuzzy duplicate checks: each distinct name of a name
/// key under each of its grams and its length, and under its deletion variants, while any
/// customer holds it, and nothing a failed write did.
pub fn name_gram_index(factory: Factory) {
    use crate::customer::grams::name_grams;
    let s = factory();
    let s = s.as_ref();
    let grams = |g: &[&str]| g.iter().map(|x| x.to_string()).collect::<Vec<_>>();
    let near_holding = |g: &[&str], lengths: std::ops::RangeInclusive<u32>, at_least, near| {
        texts(r(s, |tx| {
            tx.names_with_grams(&grams(g), lengths, at_least, near)
        }))
    };
    let names_holding = |g: &[&str], lengths: std::ops::RangeInclusive<u32>, at_least| {
        near_holding(g, lengths, at_least, Near::ANY)
    };
    let names = |g: &[&str], lengths| names_holding(g, lengths, 1);
    let counts = |g: &[&str]| r(s, |tx| tx.name_gram_counts(&grams(g)));
    let by_variants = |v: &[&str]| r(s, |tx| tx.names_with_variants(&grams(v)));
    w(s, |tx| {
        tx.set_dedup_keys("c-1", &["n:acme".into(), "p:138".into()])?;
        tx.set_dedup_keys("c-2", &["n:acme".into()])?;
        tx.set_dedup_keys("c-3", &["n:acmee".into(), "e:a@b.cn".into()])?;
        tx.set_dedup_keys("c-4", &["n:星辰科技".into()])?;
        // The open transaction counts the names it indexed (two names hold "acm").
        assert_eq!(tx.name_gram_counts(&grams(&["acm", "zzz"]))?, [2, 0]);
        Ok(())
    })
    .unwrap();
    assert_eq!(names(&["acm"], 0..=100), ["acme", "acmee"]);
    assert_eq!(names(&["acm", "^^星"], 5..=5), ["acmee"]);
    assert_eq!(names(&["me$", "辰科技"], 4..=4), ["acme", "星辰科技"]);
    assert!(names(&["zzz", "138", "p:1"], 0..=100).is_empty());
    assert!(names(&[], 0..=100).is_empty());
    for gram in name_grams("星辰科技") {
        assert_eq!(names(&[&gram], 0..=u32::MAX), ["星辰科技"], "{gram}");
    }
    // Each name under itself and its deletions, once however many customers hold it, in
    // name order; no name under a string two edits away.
    assert_eq!(by_variants(&["acm", "acme"]), ["acme", "acmee"]);
    assert_eq!(
        by_variants(&["星辰科", "acmee", "星辰科"]),
        ["acmee", "星辰科技"]
    );
    assert_eq!(by_variants(&["星科技"]), ["星辰科技"]);
    assert!(by_variants(&["星科", "ac", "p:138", ""]).is_empty());
    assert!(by_variants(&[]).is_empty());
    // A candidate holds at least so many of the distinct grams asked for.
    assert_eq!(names_holding(&["acm", "ee$"], 0..=100, 2), ["acmee"]);
    assert_eq!(
        names_holding(&["acm", "acm", "zzz"], 0..=100, 2),
        Vec::<String>::new()
    );
    assert_eq!(names_holding(&["acm", "cme", "me$"], 0..=100, 3), ["acme"]);
    // A candidate's character class counts are at most the edits from the probe's, both
    // ways: "acmx" lacks "acme"'s "e" and holds an "x" neither name has; "acmee" holds two
    // "e"s, so it is two edits away as far as counts tell.
    let near = Near::of;
    assert!(near_holding(&["acm"], 0..=100, 1, near("acmx", 0)).is_empty());
    assert_eq!(
        near_holding(&["acm"], 0..=100, 1, near("acmx", 1)),
        ["acme"]
    );
    assert_eq!(
        near_holding(&["acm"], 0..=100, 1, near("acmx", 2)),
        ["acme", "acmee"]
    );
    assert_eq!(
        near_holding(&["^^星", "acm"], 0..=100, 1, near("星辰科技", 0)),
        ["星辰科技"]
    );
    // Distinct names count once, however many customers hold them.
    assert_eq!(
        counts(&["acm", "me$", "^^星", "zzz", "p:1"]),
        [2, 1, 1, 0, 0]
    );
    // A name stays while any customer holds it, and leaves with the last.
    w(s, |tx| tx.set_dedup_keys("c-1", &["n:globex".into()])).unwrap();
    assert_eq!(counts(&["acm", "glo"]), [2, 1]);
    w(s, |tx| tx.set_dedup_keys("c-2", &[])).unwrap();
    assert_eq!(counts(&["acm", "me$"]), [1, 0]);
    assert_eq!(names(&["me$", "cme"], 0..=100), ["acmee"]);
    assert_eq!(by_variants(&["acme", "glo", "globe"]), ["acmee", "globex"]);
    // A failed write leaves the index as it was.
    let failed = w(s, |tx| {
        tx.set_dedup_keys("c-3", &[])?;
        tx.set_dedup_keys("c-9", &["n:zeta".into()])?;
        Err::<(), _>(CrmError::invalid(
            "test",
            "the transaction fails at its end",
        ))
    });
    assert!(failed.is_err());
    assert_eq!(counts(&["acm", "zet"]), [1, 0]);
    assert_eq!(names(&["acm", "zet"], 0..=100), ["acmee"]);
    assert_eq!(by_variants(&["acme", "zeta", "eta"]), ["acmee"]);
    // The empty name too has grams, and is its own variant; a name over the variant length
    // limit has none.
    let long = "x".repeat(crate::customer::variants::VARIANT_MAX_LEN as usize + 1);
    w(s, |tx| {
        tx.set_dedup_keys("c-5", &["n:".into(), format!("n:{long}")])
    })
    .unwrap();
    assert_eq!(names(&["^^$"], 0..=0), [""]);
    assert_eq!(by_variants(&["", "a"]), [""]);
    assert!(by_variants(&[long.as_str(), &long[1..]]).is_empty());
    assert_eq!(names(&["xxx"], 0..=100), [long]);
}

pub fn contacts_and_follow_ups_move(factory: Factory) {
    let s = factory();
    let s = s.as_ref();
    w(s, |tx| {
        tx.put_contact(&contact("ct-1", "c-1", 1))?;
        tx.put_contact(&contact("ct-2", "c-2", 1))?;
        tx.put_follow_up(&follow_up("f-1", "c-1", 1))
    })
    .unwrap();
    w(s, |tx| {
        tx.put_contact(&contact("ct-1", "c-2", 2))?;
        tx.put_follow_up(&follow_up("f-1", "c-2", 2))
    })
    .unwrap();
    assert!(r(s, |tx| tx.contacts_of("c-1")).is_empty());
    let mut moved: Vec<String> = r(s, |tx| tx.contacts_of("c-2"))
        .into_iter()
        .map(|c| c.id)
        .collect();
    moved.sort();
    assert_eq!(moved, ["ct-1", "ct-2"]);
    assert!(r(s, |tx| tx.follow_ups_of("c-1")).is_empty());
    assert_eq!(r(s, |tx| tx.follow_ups_of("c-2")).len(), 1);
}

pub fn event_log(factory: Factory) {
    let s = factory();
    let s = s.as_ref();
    let kinds = [
        EventKind::CustomerCreated {
            customer_id: "c-1".into(),
        },
        EventKind::CustomerCreated {
            customer_id: "c-2".into(),
        },
        EventKind::TeamCreated {
            team_id: "t-1".into(),
        },
        EventKind::CustomersMerged {
            survivor_id: "c-1".into(),
            merged_id: "c-2".into(),
        },
        EventKind::FollowUpRecorded {
            customer_id: "c-2".into(),
            follow_up_id: "f-1".into(),
        },
    ];
    let seqs: Vec<u64> = kinds
        .into_iter()
        .map(|k| w(s, |tx| tx.append_event(event(k))).unwrap())
        .collect();
    assert_eq!(seqs, [1, 2, 3, 4, 5]);
    let of = |ids: &[&str]| -> Vec<u64> {
        let ids: Vec<String> = ids.iter().map(|s| s.to_string()).collect();
        r(s, |tx| tx.events_of(&ids))
            .into_iter()
            .map(|e| e.seq)
            .collect()
    };
    assert_eq!(of(&["c-1"]), [1, 4]);
    assert_eq!(of(&["c-2"]), [2, 4, 5]);
    assert_eq!(
        of(&["c-2", "c-1"]),
        [1, 2, 4, 5],
        "log order, each event once"
    );
    assert!(of(&[]).is_empty());
    let page: Vec<u64> = r(s, |tx| tx.events_after(1, 2))
        .into_iter()
        .map(|e| e.seq)
        .collect();
    assert_eq!(page, [2, 3]);
    let all = r(s, |tx| tx.events_after(0, usize::MAX));
    assert_eq!(all.len(), 5);
    assert_eq!(
        all[3].kind,
        EventKind::CustomersMerged {
            survivor_id: "c-1".into(),
            merged_id: "c-2".into()
        }
    );
    assert_eq!(all[0].at, t(2));
    assert!(r(s, |tx| tx.events_after(5, 10)).is_empty());
}

/// Deleting a customer (an import's revert) takes it out of every table and index: its record,
/// its duplicate keys, the names it alone held from the gram index, the owner, pool and recycling
/// indexes. Only at its stored version; a failed transaction puts all of it back.
/// `customer_facts` answers what `CustomerFacts::of` says of every stored customer not merged,
/// through creation, edits, a change of owner, a merge, a deletion and a rolled-back write.
pub fn customer_facts(factory: Factory) {
    use crate::customer::FieldValue;
    use crate::import::facts::CustomerFacts;
    let s = factory();
    let s = s.as_ref();
    let facts = |owners: Option<Vec<String>>| {
        let mut out: Vec<CustomerFacts> = Vec::new();
        r(s, |tx| {
            tx.customer_facts(owners.as_deref(), &mut |f| out.push(f))
        });
        out.sort_by(|a, b| a.id.cmp(&b.id));
        out
    };
    let expected = |owners: Option<&[&str]>| {
        let mut out: Vec<CustomerFacts> = r(s, |tx| tx.customers(&CustomerQuery::default()))
            .iter()
            .filter(|c| {
                owners.is_none_or(|o| c.owner_id.as_deref().is_some_and(|id| o.contains(&id)))
            })
            .map(CustomerFacts::of)
            .collect();
        out.sort_by(|a, b| a.id.cmp(&b.id));
        out
    };
    let mut a = customer("c-1", Some("u-1"), 1);
    a.phones = vec!["+8612".into(), "13900139000".into()];
    a.emails = vec!["not an email".into()];
    a.industry = Some("贸易".into());
    a.custom_fields
        .insert("address".into(), FieldValue::Text("火星市某区".into()));
    let mut b = customer("c-2", Some("u-2"), 1);
    b.kind = crate::customer::CustomerKind::Person;
    b.phones = vec!["+8613800138000".into()];
    let c = customer("c-3", None, 1);
    w(s, |tx| {
        [&a, &b, &c].iter().try_for_each(|c| tx.put_customer(c))
    })
    .unwrap();
    assert_eq!(facts(None).len(), 3);
    assert_eq!(facts(None), expected(None));
    let stored = &facts(None)[0];
    assert!(
        !stored.phones_valid && !stored.emails_valid && stored.has(3),
        "{stored:?}"
    );
    assert_eq!(stored.phones, a.phones);
    assert_eq!(stored.custom, vec![("address".to_string(), Some(false))]);

    // Edits, a new owner, a merge and a deletion.
    a.phones = vec!["+8613800138000".into()];
    a.emails = vec!["a@example.com".into()];
    a.owner_id = Some("u-2".into());
    a.version = 2;
    b.status = CustomerStatus::Merged;
    b.version = 2;
    w(s, |tx| {
        tx.put_customer(&a)?;
        tx.put_customer(&b)?;
        tx.delete_customer("c-3", 1)
    })
    .unwrap();
    let now = facts(None);
    assert_eq!(
        now.iter().map(|f| f.id.as_str()).collect::<Vec<_>>(),
        ["c-1"]
    );
    assert!(now[0].phones_valid && now[0].emails_valid && now[0].phones == a.phones);
    assert_eq!(now, expected(None));
    assert_eq!(facts(Some(vec!["u-2".into()])), expected(Some(&["u-2"])));
    assert!(facts(Some(vec!["u-1".into()])).is_empty());
    assert!(facts(Some(vec![])).is_empty());

    // A write that fails leaves the facts as they were.
    let mut edited = a.clone();
    edited.emails.clear();
    edited.version = 3;
    let failed = w(s, |tx| {
        tx.put_customer(&edited)?;
        Err::<(), _>(CrmError::invalid("test", "roll back"))
    });
    assert!(failed.is_err());
    assert_eq!(facts(None), now);
}

pub fn delete_customers(factory: Factory) {
    use crate::customer::dedup::customer_keys;
    use crate::customer::grams::name_grams;
    let s = factory();
    let s = s.as_ref();
    let mut owned = customer("c-1", Some("u-1"), 1);
    owned.name = "Globex Trading".into();
    owned.phones = vec!["13800000001".into()];
    owned.pool_id = Some("p-1".into());
    owned.recycle_due_at = Some(t(5));
    let mut pooled = customer("c-2", None, 1);
    pooled.name = "Acme".into();
    pooled.phones = vec!["13900000002".into()];
    pooled.pool_id = Some("p-1".into());
    // Keeps a phone of c-1 and the name of c-2 held after they go.
    let mut other = customer("c-3", Some("u-1"), 1);
    other.name = "Acme".into();
    other.phones = vec!["13800000001".into()];
    other.recycle_due_at = Some(t(6));
    w(s, |tx| {
        for c in [&owned, &pooled, &other] {
            tx.put_customer(c)?;
            tx.set_dedup_keys(&c.id, &customer_keys(c, &[])?)?;
        }
        Ok(())
    })
    .unwrap();
    let keys: Vec<String> = [&owned, &pooled]
        .into_iter()
        .flat_map(|c| customer_keys(c, &[]).unwrap())
        .collect();
    let names: Vec<String> = keys
        .iter()
        .filter_map(|k| k.strip_prefix(crate::customer::NAME_PREFIX))
        .map(String::from)
        .collect();
    assert_eq!(names.len(), 2);
    let grams: Vec<String> = names.iter().flat_map(|n| name_grams(n)).collect();
    let sorted = |mut ids: Vec<String>| {
        ids.sort();
        ids
    };
    let ids = |q: CustomerQuery| {
        sorted(
            r(s, |tx| tx.customers(&q))
                .into_iter()
                .map(|c| c.id)
                .collect(),
        )
    };
    // What every look-up a deleted customer could appear in answers.
    let seen = || {
        let holders: Vec<Vec<String>> = keys
            .iter()
            .map(|k| sorted(r(s, |tx| tx.customers_by_dedup_key(k))))
            .collect();
        let mut prefixed = r(s, |tx| tx.dedup_keys_with_prefix("n:"));
        prefixed.sort();
        let found = texts(r(s, |tx| {
            tx.names_with_grams(&grams, 0..=u32::MAX, 1, Near::ANY)
        }));
        let by_variants = r(s, |tx| tx.names_with_variants(&names));
        let owners = CustomerQuery {
            owners: Some(vec!["u-1".into()]),
            ..Default::default()
        };
        let pool = CustomerQuery {
            in_pool: Some("p-1".into()),
            ..Default::default()
        };
        let owned_ids = sorted(r(s, |tx| tx.customer_ids_where(&owners, &mut |_| true)));
        let due: Vec<String> = r(s, |tx| tx.recycle_due(t(23)))
            .into_iter()
            .map(|c| c.id)
            .collect();
        format!(
            "{:?}\n{holders:?}\n{prefixed:?}\n{found:?}\n{by_variants:?}\n{:?}\n{:?}\n{owned_ids:?}\n{:?}\n{:?}\n{due:?}",
            r(s, |tx| Ok((tx.customer("c-1")?, tx.customer("c-2")?))),
            r(s, |tx| tx.name_gram_counts(&grams)),
            ids(owners),
            ids(pool),
            ids(CustomerQuery::default()),
        )
    };
    let before = seen();
    assert_eq!(
        ids(CustomerQuery {
            in_pool: Some("p-1".into()),
            ..Default::default()
        }),
        ["c-2"]
    );
    assert_eq!(
        r(s, |tx| tx.recycle_due(t(23)))
            .into_iter()
            .map(|c| c.id)
            .collect::<Vec<_>>(),
        ["c-1", "c-3"]
    );
    // Only at the stored version; nothing changes otherwise.
    match w(s, |tx| tx.delete_customer("c-1", 2)) {
        Err(CrmError::VersionConflict {
            expected, actual, ..
        }) => assert_eq!((expected, actual), (2, 1)),
        other => panic!("expected a version conflict, got {other:?}"),
    }
    assert_eq!(code(w(s, |tx| tx.delete_customer("c-9", 1))), "NOT_FOUND");
    assert_eq!(seen(), before);
    // A failed transaction (by a conflict, or by the work's own error) puts everything back.
    let conflict = w(s, |tx| {
        tx.delete_customer("c-1", 1)?;
        tx.delete_customer("c-2", 1)?;
        tx.delete_customer("c-3", 7)
    });
    assert_eq!(code(conflict), "VERSION_CONFLICT");
    assert_eq!(seen(), before);
    let failed = w(s, |tx| {
        tx.delete_customer("c-1", 1)?;
        tx.delete_customer("c-2", 1)?;
        assert_eq!(
            tx.customer("c-1")?,
            None,
            "the open transaction sees its delete"
        );
        assert_eq!(tx.customers_by_dedup_key(&keys[1])?, ["c-3"]);
        assert!(
            tx.name_gram_counts(&name_grams(&names[0]))?
                .iter()
                .all(|&n| n == 0),
            "the open transaction counts the name it dropped"
        );
        Err::<(), _>(CrmError::invalid("test", "the work fails at its end"))
    });
    assert_eq!(code(failed), "INVALID_INPUT");
    assert_eq!(seen(), before);
    w(s, |tx| {
        tx.delete_customer("c-1", 1)?;
        tx.delete_customer("c-2", 1)
    })
    .unwrap();
    assert_eq!(r(s, |tx| tx.customer("c-1")), None);
    assert_eq!(r(s, |tx| tx.customer("c-2")), None);
    for key in &keys {
        let holders = r(s, |tx| tx.customers_by_dedup_key(key));
        assert!(holders.iter().all(|id| id == "c-3"), "{key}: {holders:?}");
    }
    // c-3 still holds the shared phone and c-2's name; c-1's name has left the gram index.
    assert_eq!(r(s, |tx| tx.customers_by_dedup_key(&keys[1])), ["c-3"]);
    let prefixed = r(s, |tx| tx.dedup_keys_with_prefix("n:"));
    assert_eq!(prefixed, [(format!("n:{}", names[1]), "c-3".to_string())]);
    assert_eq!(
        texts(r(s, |tx| tx.names_with_grams(
            &grams,
            0..=u32::MAX,
            1,
            Near::ANY
        ))),
        [names[1].clone()]
    );
    assert_eq!(
        r(s, |tx| tx.names_with_variants(&names)),
        [names[1].clone()]
    );
    let gone = name_grams(&names[0]);
    let kept = name_grams(&names[1]);
    assert!(
        !gone.iter().any(|g| kept.contains(g)),
        "the names share no gram"
    );
    assert!(r(s, |tx| tx.name_gram_counts(&gone))
        .iter()
        .all(|&n| n == 0));
    assert!(r(s, |tx| tx.name_gram_counts(&kept))
        .iter()
        .all(|&n| n == 1));
    assert_eq!(
        ids(CustomerQuery {
            owners: Some(vec!["u-1".into()]),
            ..Default::default()
        }),
        ["c-3"]
    );
    assert_eq!(
        ids(CustomerQuery {
            in_pool: Some("p-1".into()),
            ..Default::default()
        }),
        Vec::<String>::new()
    );
    assert_eq!(
        ids(CustomerQuery {
            include_merged: true,
            ..Default::default()
        }),
        ["c-3"]
    );
    assert_eq!(
        r(s, |tx| tx.recycle_due(t(23)))
            .into_iter()
            .map(|c| c.id)
            .collect::<Vec<_>>(),
        ["c-3"]
    );
    assert_eq!(
        code(w(s, |tx| tx.delete_customer("c-1", 1))),
        "NOT_FOUND",
        "deleted once"
    );
    // Nothing of it is left behind: the id starts over at version 1.
    w(s, |tx| tx.put_customer(&customer("c-1", None, 1))).unwrap();
    assert_eq!(r(s, |tx| tx.customer("c-1")).map(|c| c.version), Some(1));
}

/// Deleting a contact takes it out of its customer's list, whichever customer it has moved to;
/// only at its stored version, and a failed transaction puts it back.
pub fn delete_contacts(factory: Factory) {
    let s = factory();
    let s = s.as_ref();
    w(s, |tx| {
        tx.put_contact(&contact("ct-1", "c-1", 1))?;
        tx.put_contact(&contact("ct-2", "c-1", 1))?;
        tx.put_contact(&contact("ct-3", "c-2", 1))
    })
    .unwrap();
    let of = |customer: &str| -> Vec<String> {
        let mut ids: Vec<String> = r(s, |tx| tx.contacts_of(customer))
            .into_iter()
            .map(|c| c.id)
            .collect();
        ids.sort();
        ids
    };
    match w(s, |tx| tx.delete_contact("ct-1", 2)) {
        Err(CrmError::VersionConflict {
            expected, actual, ..
        }) => assert_eq!((expected, actual), (2, 1)),
        other => panic!("expected a version conflict, got {other:?}"),
    }
    assert_eq!(code(w(s, |tx| tx.delete_contact("ct-9", 1))), "NOT_FOUND");
    assert_eq!(of("c-1"), ["ct-1", "ct-2"]);
    let failed = w(s, |tx| {
        tx.delete_contact("ct-1", 1)?;
        assert_eq!(
            tx.contact("ct-1")?,
            None,
            "the open transaction sees its delete"
        );
        tx.delete_contact("ct-3", 1)?;
        Err::<(), _>(CrmError::invalid("test", "the work fails at its end"))
    });
    assert_eq!(code(failed), "INVALID_INPUT");
    assert_eq!(of("c-1"), ["ct-1", "ct-2"]);
    assert_eq!(of("c-2"), ["ct-3"]);
    assert_eq!(
        r(s, |tx| tx.contact("ct-1")),
        Some(contact("ct-1", "c-1", 1))
    );
    w(s, |tx| tx.delete_contact("ct-1", 1)).unwrap();
    assert_eq!(r(s, |tx| tx.contact("ct-1")), None);
    assert_eq!(of("c-1"), ["ct-2"]);
    assert_eq!(of("c-2"), ["ct-3"]);
    // A contact that moved leaves the list of the customer it moved to.
    w(s, |tx| tx.put_contact(&contact("ct-2", "c-2", 2))).unwrap();
    assert_eq!(
        code(w(s, |tx| tx.delete_contact("ct-2", 1))),
        "VERSION_CONFLICT"
    );
    w(s, |tx| tx.delete_contact("ct-2", 2)).unwrap();
    assert_eq!(of("c-1"), Vec::<String>::new());
    assert_eq!(of("c-2"), ["ct-3"]);
    assert_eq!(code(w(s, |tx| tx.delete_contact("ct-2", 2))), "NOT_FOUND");
}

/// The whole service layer on this backend: every parity scenario.
pub fn scenarios(factory: Factory) {
    super::scenario::run_all(factory);
}

pub fn documents(factory: Factory) {
    let s = factory();
    let s = s.as_ref();
    let doc = |id: &str, parent: Option<&str>, version: u64, n: i64| {
        Doc::new(
            DocKind::Lead,
            id,
            parent,
            version,
            &serde_json::json!({ "n": n }),
        )
        .unwrap()
    };
    w(s, |tx| {
        tx.put_doc(doc("l-10", Some("u-1"), 1, 1))?;
        tx.put_doc(doc("l-2", Some("u-1"), 1, 2))?;
        tx.put_doc(doc("l-3", None, 1, 3))?;
        tx.put_doc(Doc::new(DocKind::Pool, "l-2", None, 1, &5)?)
    })
    .unwrap();
    assert_eq!(
        code(w(s, |tx| tx.put_doc(doc("l-2", None, 1, 9)))),
        "ALREADY_EXISTS"
    );
    assert_eq!(
        code(w(s, |tx| tx.put_doc(doc("l-2", None, 3, 9)))),
        "VERSION_CONFLICT"
    );
    let ids = |parent: Option<&str>| -> Vec<String> {
        r(s, |tx| tx.docs(DocKind::Lead, parent))
            .into_iter()
            .map(|d| d.id)
            .collect()
    };
    assert_eq!(ids(None), ["l-2", "l-3", "l-10"], "every lead, in id order");
    assert_eq!(ids(Some("u-1")), ["l-2", "l-10"]);
    // A new parent moves the document between listings.
    w(s, |tx| tx.put_doc(doc("l-2", Some("u-2"), 2, 20))).unwrap();
    assert_eq!(ids(Some("u-1")), ["l-10"]);
    assert_eq!(ids(Some("u-2")), ["l-2"]);
    let got = r(s, |tx| tx.doc(DocKind::Lead, "l-2")).unwrap();
    assert_eq!((got.version, got.body["n"].as_i64()), (2, Some(20)));
    assert_eq!(
        r(s, |tx| tx.doc(DocKind::Pool, "l-2")).unwrap().body,
        serde_json::json!(5),
        "kinds are separate namespaces"
    );
    assert_eq!(
        code(w(s, |tx| tx.delete_doc(DocKind::Lead, "l-2", 1))),
        "VERSION_CONFLICT"
    );
    assert_eq!(
        code(w(s, |tx| tx.delete_doc(DocKind::Lead, "l-9", 1))),
        "NOT_FOUND"
    );
    w(s, |tx| tx.delete_doc(DocKind::Lead, "l-2", 2)).unwrap();
    assert_eq!(ids(None), ["l-3", "l-10"]);
    assert_eq!(ids(Some("u-2")), Vec::<String>::new());
    // A failed transaction leaves documents as they were.
    let failed = w(s, |tx| {
        tx.put_doc(doc("l-11", None, 1, 11))?;
        tx.put_doc(doc("l-3", None, 5, 0))
    });
    assert_eq!(code(failed), "VERSION_CONFLICT");
    assert_eq!(ids(None), ["l-3", "l-10"]);
}

/// Every kind of document (campaigns, their members and audiences too) is stored, found by its
/// parent and kept apart from the other kinds under the same id.
pub fn every_document_kind(factory: Factory) {
    let s = factory();
    let s = s.as_ref();
    w(s, |tx| {
        for kind in DocKind::ALL {
            let body = serde_json::json!({ "kind": kind.as_str() });
            tx.put_doc(Doc::new(kind, "x-1", Some("p-1"), 1, &body)?)?;
            tx.put_doc(Doc::new(kind, "x-2", None, 1, &body)?)?;
        }
        Ok(())
    })
    .unwrap();
    for kind in DocKind::ALL {
        let under: Vec<String> = r(s, |tx| tx.docs(kind, Some("p-1")))
            .into_iter()
            .map(|d| d.id)
            .collect();
        assert_eq!(under, ["x-1"], "{kind:?} by parent");
        let doc = r(s, |tx| tx.doc(kind, "x-2")).unwrap();
        assert_eq!(doc.body["kind"], kind.as_str(), "{kind:?} kept apart");
        assert_eq!(r(s, |tx| tx.docs(kind, None)).len(), 2, "{kind:?}");
    }
}

/// A document of customer `c-1` whose body is only its id: what the index cases store.
fn plain_doc(kind: DocKind, id: &str, version: u64) -> Doc {
    Doc::new(
        kind,
        id,
        Some("c-1"),
        version,
        &serde_json::json!({ "id": id }),
    )
    .unwrap()
}

pub fn documents_due(factory: Factory) {
    let s = factory();
    let s = s.as_ref();
    let day = |d| chrono::NaiveDate::from_ymd_opt(2026, 3, d).unwrap();
    let doc = |kind, id: &str, version, due| plain_doc(kind, id, version).due_on(due);
    let due = |kind, before| -> Vec<String> {
        r(s, |tx| tx.docs_due(kind, before))
            .into_iter()
            .map(|d| d.id)
            .collect()
    };
    w(s, |tx| {
        tx.put_doc(doc(DocKind::Contract, "k-1", 1, Some(day(5))))?;
        tx.put_doc(doc(DocKind::Contract, "k-2", 1, Some(day(10))))?;
        tx.put_doc(doc(DocKind::Contract, "k-10", 1, Some(day(1))))?;
        tx.put_doc(doc(DocKind::Contract, "k-3", 1, None))?;
        tx.put_doc(doc(DocKind::Opportunity, "k-4", 1, Some(day(1))))
    })
    .unwrap();
    assert_eq!(
        due(DocKind::Contract, day(10)),
        ["k-1", "k-10"],
        "strictly before, id order"
    );
    assert_eq!(due(DocKind::Contract, day(5)), ["k-10"]);
    assert_eq!(due(DocKind::Opportunity, day(2)), ["k-4"]);
    assert_eq!(
        r(s, |tx| tx.doc(DocKind::Contract, "k-1")).and_then(|d| d.due),
        Some(day(5)),
        "the due date is read back"
    );
    // A rewrite moves or clears the date; a failed one leaves it.
    w(s, |tx| {
        tx.put_doc(doc(DocKind::Contract, "k-1", 2, None))?;
        tx.put_doc(doc(DocKind::Contract, "k-2", 2, Some(day(4))))
    })
    .unwrap();
    let failed = w(s, |tx| {
        tx.put_doc(doc(DocKind::Contract, "k-10", 2, None))?;
        tx.put_doc(doc(DocKind::Contract, "k-2", 2, None))
    });
    assert_eq!(code(failed), "VERSION_CONFLICT");
    assert_eq!(due(DocKind::Contract, day(5)), ["k-2", "k-10"]);
    w(s, |tx| tx.delete_doc(DocKind::Contract, "k-10", 1)).unwrap();
    assert_eq!(due(DocKind::Contract, day(30)), ["k-2"]);
}

/// The instant index: inclusive of `until`, earliest first, ties in record order (`t-2` before
/// `t-10`), read back to the millisecond, moved, cleared and removed by writes, and untouched by a
/// failed write.
pub fn documents_due_at(factory: Factory) {
    let s = factory();
    let s = s.as_ref();
    // Milliseconds past the hour, so an instant survives every backend's precision exactly.
    let at = |hour: u32, ms: i64| t(hour) + chrono::Duration::milliseconds(ms);
    let doc = |kind, id: &str, version, due_at| plain_doc(kind, id, version).due_at(due_at);
    let due = |kind, until| -> Vec<String> {
        r(s, |tx| tx.docs_due_at(kind, until))
            .into_iter()
            .map(|d| d.id)
            .collect()
    };
    w(s, |tx| {
        tx.put_doc(doc(DocKind::Ticket, "t-1", 1, Some(at(9, 250))))?;
        tx.put_doc(doc(DocKind::Ticket, "t-10", 1, Some(at(8, 0))))?;
        tx.put_doc(doc(DocKind::Ticket, "t-2", 1, Some(at(8, 0))))?;
        tx.put_doc(doc(DocKind::Ticket, "t-3", 1, Some(at(12, 0))))?;
        tx.put_doc(doc(DocKind::Ticket, "t-4", 1, None))?;
        tx.put_doc(doc(DocKind::Article, "t-5", 1, Some(at(1, 0))))
    })
    .unwrap();
    assert_eq!(due(DocKind::Ticket, at(7, 999)), Vec::<String>::new());
    assert_eq!(
        due(DocKind::Ticket, at(8, 0)),
        ["t-2", "t-10"],
        "inclusive, ties in record order"
    );
    assert_eq!(due(DocKind::Ticket, at(9, 249)), ["t-2", "t-10"]);
    assert_eq!(
        due(DocKind::Ticket, at(9, 250)),
        ["t-2", "t-10", "t-1"],
        "earliest first, to the millisecond"
    );
    assert_eq!(
        due(DocKind::Ticket, at(23, 0)),
        ["t-2", "t-10", "t-1", "t-3"],
        "never one without a due instant, nor another kind"
    );
    assert_eq!(due(DocKind::Article, at(23, 0)), ["t-5"]);
    assert_eq!(due(DocKind::TicketComment, at(23, 0)), Vec::<String>::new());
    let listed = r(s, |tx| tx.docs_due_at(DocKind::Ticket, at(9, 250)));
    assert_eq!(listed[2].due_at, Some(at(9, 250)), "listed whole");
    assert_eq!(listed[2].body["id"], "t-1");
    assert_eq!(
        r(s, |tx| tx.doc(DocKind::Ticket, "t-1")).and_then(|d| d.due_at),
        Some(at(9, 250)),
        "the due instant is read back"
    );
    assert_eq!(
        r(s, |tx| tx.doc(DocKind::Ticket, "t-4")).and_then(|d| d.due_at),
        None
    );
    // A rewrite moves or clears the instant; a delete removes it.
    w(s, |tx| {
        tx.put_doc(doc(DocKind::Ticket, "t-1", 2, None))?;
        tx.put_doc(doc(DocKind::Ticket, "t-3", 2, Some(at(7, 0))))?;
        tx.put_doc(doc(DocKind::Ticket, "t-4", 2, Some(at(8, 0))))?;
        tx.delete_doc(DocKind::Ticket, "t-10", 1)
    })
    .unwrap();
    assert_eq!(
        due(DocKind::Ticket, at(23, 0)),
        ["t-3", "t-2", "t-4"],
        "moved, cleared, set and deleted"
    );
    // A failed write (by a conflict, or by the work's own error) leaves the index as it was.
    let before = r(s, |tx| tx.docs_due_at(DocKind::Ticket, at(23, 0)));
    let conflict = w(s, |tx| {
        tx.put_doc(doc(DocKind::Ticket, "t-2", 2, Some(at(1, 0))))?;
        tx.put_doc(doc(DocKind::Ticket, "t-3", 2, None))
    });
    assert_eq!(code(conflict), "VERSION_CONFLICT");
    let failed = w(s, |tx| {
        tx.put_doc(doc(DocKind::Ticket, "t-1", 3, Some(at(2, 0))))?;
        tx.put_doc(doc(DocKind::Ticket, "t-3", 3, None))?;
        tx.delete_doc(DocKind::Ticket, "t-2", 1)?;
        tx.put_doc(doc(DocKind::Ticket, "t-11", 1, Some(at(3, 0))))?;
        assert_eq!(
            tx.docs_due_at(DocKind::Ticket, at(23, 0))?
                .into_iter()
                .map(|d| d.id)
                .collect::<Vec<_>>(),
            ["t-1", "t-11", "t-4"],
            "the open transaction sees its own writes"
        );
        Err::<(), _>(CrmError::invalid("test", "the work fails at its end"))
    });
    assert_eq!(code(failed), "INVALID_INPUT");
    assert_eq!(
        r(s, |tx| tx.docs_due_at(DocKind::Ticket, at(23, 0))),
        before
    );
    assert_eq!(r(s, |tx| tx.doc(DocKind::Ticket, "t-11")), None);
}

pub fn pool_and_recycling_indexes(factory: Factory) {
    let s = factory();
    let s = s.as_ref();
    let owned = |id: &str, due: Option<u32>| {
        let mut c = customer(id, Some("u-1"), 1);
        c.recycle_due_at = due.map(t);
        c.pool_id = Some("p-1".into());
        c
    };
    let mut pooled = customer("c-5", None, 1);
    pooled.pool_id = Some("p-1".into());
    let mut elsewhere = customer("c-6", None, 1);
    elsewhere.pool_id = Some("p-2".into());
    let mut merged = owned("c-7", Some(1));
    merged.status = CustomerStatus::Merged;
    let mut stale = customer("c-8", None, 1);
    stale.recycle_due_at = Some(t(1));
    w(s, |tx| {
        for c in [
            &owned("c-1", Some(6)),
            &owned("c-2", Some(2)),
            &owned("c-3", None),
            &owned("c-4", Some(9)),
            &pooled,
            &elsewhere,
            &merged,
            &stale,
        ] {
            tx.put_customer(c)?;
        }
        Ok(())
    })
    .unwrap();
    let due = |until: u32| -> Vec<String> {
        r(s, |tx| tx.recycle_due(t(until)))
            .into_iter()
            .map(|c| c.id)
            .collect()
    };
    // Inclusive, soonest first, never the unowned or merged, nothing without a due time.
    assert_eq!(due(1), Vec::<String>::new());
    assert_eq!(due(6), ["c-2", "c-1"]);
    assert_eq!(due(23), ["c-2", "c-1", "c-4"]);
    let in_pool = |pool: &str| {
        let mut ids: Vec<String> = r(s, |tx| {
            tx.customers(&CustomerQuery {
                in_pool: Some(pool.into()),
                ..CustomerQuery::default()
            })
        })
        .into_iter()
        .map(|c| c.id)
        .collect();
        ids.sort();
        ids
    };
    assert_eq!(
        in_pool("p-1"),
        ["c-5"],
        "owned customers are not in their pool"
    );
    // Recycling c-1 moves it from the due index into the pool.
    let mut back = owned("c-1", None);
    back.owner_id = None;
    back.owned_since = None;
    back.version = 2;
    w(s, |tx| tx.put_customer(&back)).unwrap();
    assert_eq!(due(23), ["c-2", "c-4"]);
    assert_eq!(in_pool("p-1"), ["c-1", "c-5"]);
    assert_eq!(in_pool("p-2"), ["c-6"]);
    // A new due time moves the customer in the index.
    let mut later = owned("c-2", Some(20));
    later.version = 2;
    w(s, |tx| tx.put_customer(&later)).unwrap();
    assert_eq!(due(12), ["c-4"]);
    assert_eq!(due(20), ["c-4", "c-2"]);
}
