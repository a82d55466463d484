//! What this crate adds to the core: the settable clock, the stores, the pure functions' wiring and
//! the plan's either/or. The rules themselves are tested in crm-core; the Kotlin tests call every
//! method through the generated bindings.

use super::*;
use crm_core::customer::{CustomerPatch, FieldValue, NewCustomer};
use crm_core::sla::SlaHistoryEntry;
use crm_core::{NewUser, Role};
use std::collections::BTreeMap;

fn start() -> DateTime<Utc> {
    "2026-03-02T01:00:00Z".parse().unwrap()
}

fn org(crm: &Crm) -> (String, String) {
    let admin = crm.bootstrap("Ada".into(), None).unwrap();
    let rep = NewUser {
        name: "Li Lei".into(),
        role: Role::Rep,
        scope: None,
        team_id: None,
    };
    let rep = crm.create_user(admin.id.clone(), rep).unwrap();
    (admin.id, rep.id)
}

fn acme() -> NewCustomer {
    NewCustomer {
        name: "Acme".into(),
        level: Some("B".into()),
        custom_fields: BTreeMap::from([(
            "budget".to_string(),
            FieldValue::Number("125000.50".parse().unwrap()),
        )]),
        ..NewCustomer::default()
    }
}

#[test]
fn the_clock_is_fixed_only_when_now_is_given() {
    let crm = Crm::in_memory(Some(start())).unwrap();
    let later = start() + chrono::Duration::nanoseconds(86_400_000_000_123);
    crm.set_now(later).unwrap();
    assert_eq!(crm.now(), later);
    let (_, rep) = org(&crm);
    let c = crm.create_customer(rep.clone(), acme()).unwrap().customer;
    assert_eq!(c.created_at, later, "the service reads the same clock");
    let system = Crm::in_memory(None).unwrap();
    assert_eq!(system.set_now(start()).unwrap_err().code(), "INVALID_STATE");
    assert!(system.now() > start());
}

#[test]
fn records_and_errors_are_the_cores_own() {
    let crm = Crm::in_memory(Some(start())).unwrap();
    let (admin, rep) = org(&crm);
    let c = crm.create_customer(rep.clone(), acme()).unwrap().customer;
    assert_eq!(crm.customer(rep.clone(), c.id.clone()).unwrap(), c);
    let patch = CustomerPatch {
        clear_level: true,
        custom_fields: BTreeMap::from([("budget".to_string(), None)]),
        ..CustomerPatch::default()
    };
    let cleared = crm
        .update_customer(rep.clone(), c.id.clone(), c.version, patch.clone())
        .unwrap();
    assert_eq!((cleared.level, cleared.custom_fields.len()), (None, 0));
    let stale = crm
        .update_customer(rep.clone(), c.id.clone(), c.version, patch)
        .unwrap_err();
    assert!(matches!(
        stale,
        CrmError::VersionConflict {
            expected: 1,
            actual: 2,
            ..
        }
    ));
    let all = crm.events(admin.clone(), 0, None).unwrap();
    assert!(all.len() > 2, "{all:?}");
    assert_eq!(
        crm.events(admin, 0, Some(2)).unwrap(),
        all[..2],
        "the limit holds"
    );
}

#[test]
fn a_sqlite_file_keeps_its_data() {
    let dir = std::env::temp_dir().join(format!("crm-mobile-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("crm.db").to_string_lossy().into_owned();
    let _ = std::fs::remove_file(&path);
    let (admin, _) = org(&Crm::open(path.clone(), Some(start())).unwrap());
    let again = Crm::open(path, None).unwrap();
    assert_eq!(again.users(admin).unwrap().len(), 2);
    let missing = dir.join("no/such/dir/x.db").to_string_lossy().into_owned();
    assert_eq!(Crm::open(missing, None).err().unwrap().code(), "STORAGE");
    std::fs::remove_dir_all(dir).unwrap();
}

const CALENDAR: &str =
    "timezone = \"Asia/Shanghai\"\n[week]\nmon = [\"09:00-12:00\", \"13:30-18:00\"]\n";

#[test]
fn sla_functions_answer_with_the_cores_records() {
    let monday = "2026-09-14T03:00:00Z".parse().unwrap(); // 11:00 in Shanghai
    let due = sla_due(CALENDAR.into(), monday, 120).unwrap().due_at;
    assert_eq!(
        due,
        "2026-09-14T06:30:00Z".parse::<DateTime<Utc>>().unwrap()
    );
    let batch = sla_due_batch(CALENDAR.into(), vec![monday, monday], vec![60, 120]).unwrap();
    assert_eq!(batch[1], due);
    let e = sla_due_batch(CALENDAR.into(), vec![monday], vec![]).unwrap_err();
    assert_eq!(e.code(), "INVALID_INPUT");
    let elapsed = sla_elapsed(CALENDAR.into(), monday, due).unwrap();
    assert_eq!(elapsed.elapsed_minutes, 120);
    let at = sla_working_at(CALENDAR.into(), "2026-09-14T04:30:00Z".parse().unwrap()).unwrap();
    assert!(!at.working, "12:30 is lunch");
    assert_eq!(
        at.next_working_at,
        "2026-09-14T05:30:00Z".parse::<DateTime<Utc>>().unwrap()
    );
    let policy: crm_core::sla::SlaPolicy = serde_json::from_value(serde_json::json!({
        "name": "p", "targets": {"urgent": {"first_response": {"minutes": 60, "basis": "business"}}},
        "warn_at_percent": 0, "pause_statuses": []
    }))
    .unwrap();
    let history = vec![SlaHistoryEntry::Open {
        at: monday,
        priority: "urgent".into(),
        status: "new".into(),
    }];
    let e = sla_ticket_status(CALENDAR.into(), policy, history, due).unwrap_err();
    assert!(matches!(e, CrmError::InvalidInput { ref field, .. } if field == "warn_at_percent"));
}

#[test]
fn commission_takes_a_plan_or_its_text_but_not_both() {
    let toml = "name = \"p\"\nbase = \"booked\"\nperiod = \"month\"\n[rates]\ntype = \"flat\"\nrate = \"5\"";
    let credits: Vec<crm_core::commission::CommissionCredit> = serde_json::from_value(serde_json::json!([
        {"kind": "won", "deal_id": "d1", "rep_id": "a", "split": "60", "date": "2026-03-02", "amount": "10000"},
        {"kind": "won", "deal_id": "d1", "rep_id": "b", "split": "40", "date": "2026-03-02", "amount": "10000"}
    ]))
    .unwrap();
    let all = commission_statement(
        credits.clone(),
        "2026-03".into(),
        None,
        Some(toml.into()),
        None,
    )
    .unwrap();
    let totals: Vec<String> = all.iter().map(|s| s.total.to_string()).collect();
    assert_eq!(totals, ["300.00", "200.00"]);
    let plan = crm_core::commission::parse_plan(toml).unwrap();
    let one = commission_statement(
        credits.clone(),
        "2026-03".into(),
        Some(plan.clone()),
        None,
        Some("b".into()),
    )
    .unwrap();
    assert_eq!(one.len(), 1);
    assert_eq!(one[0].total.to_string(), "200.00");
    for (plan, text) in [(Some(plan), Some(toml.to_string())), (None, None)] {
        let e =
            commission_statement(credits.clone(), "2026-03".into(), plan, text, None).unwrap_err();
        assert!(matches!(e, CrmError::InvalidInput { ref field, .. } if field == "plan"));
    }
}

#[test]
fn rfm_scores_with_the_default_configuration_or_a_given_one() {
    let orders: Vec<crm_core::rfm::RfmOrder> = serde_json::from_value(serde_json::json!([
        {"customer_id": "c1", "date": "2026-06-10", "amount": "5000.00"},
        {"customer_id": "c2", "date": "2026-01-15", "amount": "800.50"}
    ]))
    .unwrap();
    let as_of = NaiveDate::from_ymd_opt(2026, 6, 30).unwrap();
    let rows = rfm_score(orders.clone(), as_of, None).unwrap();
    assert_eq!(rows.len(), 2);
    let e = rfm_score(orders, as_of, Some("buckets = 12".into())).unwrap_err();
    assert!(matches!(e, CrmError::InvalidInput { ref field, .. } if field == "buckets"));
}

#[test]
fn the_async_twin_answers_as_the_blocking_object_does() {
    let crm = Crm::in_memory(Some(start())).unwrap();
    let (_, rep) = org(&crm);
    let twin = AsyncCrm::new(crm.clone());
    let created = futures_lite::future::block_on(twin.create_customer(rep.clone(), acme()))
        .unwrap()
        .customer;
    assert_eq!(
        crm.customer(rep.clone(), created.id.clone()).unwrap(),
        created
    );
    let missing = futures_lite::future::block_on(twin.customer(rep, "c-404".into()));
    assert_eq!(missing.unwrap_err().code(), "NOT_FOUND");
    assert!(Arc::ptr_eq(&twin.blocking(), &crm));
}

#[test]
fn calls_run_off_the_callers_thread_and_a_panic_reaches_the_caller() {
    let caller = std::thread::current().id();
    let worker = futures_lite::future::block_on(unblock(|| std::thread::current().id()));
    assert_ne!(worker, caller);
    let panicked = std::panic::catch_unwind(|| {
        futures_lite::future::block_on(unblock(|| -> u8 { panic!("in the core") }))
    });
    let message = panicked.unwrap_err();
    assert_eq!(message.downcast_ref::<&str>(), Some(&"in the core"));
    assert_eq!(
        futures_lite::future::block_on(unblock(|| 7)),
        7,
        "the pool still works"
    );
}

/// A server stand-in for `RemoteCrm`'s unit tests: an in-process organisation answering as
/// crm-server does (the core's JSON form, `{code, message, details}` refusals), acting as `user`.
struct FakeServer {
    crm: crm_core::Crm,
    user: String,
    sent: std::sync::Mutex<Vec<String>>,
    canned: std::sync::Mutex<Option<std::result::Result<HttpResponse, TransportError>>>,
}

impl HttpTransport for FakeServer {
    fn post(
        &self,
        url: String,
        authorization: String,
        body: String,
    ) -> std::result::Result<HttpResponse, TransportError> {
        assert_eq!(authorization, "Bearer crm1.test");
        self.sent.lock().unwrap().push(url.clone());
        if let Some(canned) = self.canned.lock().unwrap().take() {
            return canned;
        }
        let op = url.strip_prefix("http://crm.test/v1/ops/").unwrap();
        let args: serde_json::Value = serde_json::from_str(&body).unwrap();
        Ok(
            match crm_core::api::Operations::call_value(&self.crm, op, &self.user, args) {
                Ok(value) => HttpResponse {
                    status: 200,
                    body: value.to_string(),
                },
                Err(e) => HttpResponse {
                    status: 409,
                    body: crm_core::api::error_json(&e).to_string(),
                },
            },
        )
    }

    fn get(
        &self,
        url: String,
        _authorization: String,
    ) -> std::result::Result<HttpResponse, TransportError> {
        assert_eq!(url, "http://crm.test/v1/whoami");
        self.sent.lock().unwrap().push(url);
        let me = self.crm.user(&self.user, &self.user).unwrap();
        Ok(HttpResponse {
            status: 200,
            body: serde_json::to_string(&me).unwrap(),
        })
    }
}

fn remote() -> (Arc<FakeServer>, Arc<RemoteCrm>) {
    let crm = crm_core::Crm::in_memory(Arc::new(SystemClock));
    let admin = crm.bootstrap("Ada", None).unwrap();
    let server = Arc::new(FakeServer {
        crm,
        user: admin.id,
        sent: Default::default(),
        canned: Default::default(),
    });
    let remote = RemoteCrm::new(
        "http://crm.test/".into(),
        "crm1.test".into(),
        server.clone(),
    );
    (server, remote)
}

#[test]
fn remote_calls_answer_with_the_core_records_and_errors() {
    let (server, remote) = remote();
    let me = server.user.clone();
    let created = remote.create_customer(me.clone(), acme()).unwrap();
    assert_eq!(
        remote
            .customer(me.clone(), created.customer.id.clone())
            .unwrap(),
        created.customer
    );
    assert_eq!(remote.settings().unwrap(), server.crm.settings().unwrap());
    let err = remote.customer(me.clone(), "c-404".into()).unwrap_err();
    assert_eq!(err.code(), "NOT_FOUND");
    // `events` with its optional limit, `bootstrap` forwarded (and refused: the admin exists).
    assert!(!remote.events(me.clone(), 0, Some(1)).unwrap().is_empty());
    assert_eq!(
        remote.bootstrap("Eve".into(), None).unwrap_err().code(),
        "INVALID_STATE"
    );
    let sent = server.sent.lock().unwrap().clone();
    assert_eq!(sent[0], "http://crm.test/v1/whoami");
    assert_eq!(
        sent.iter().filter(|u| u.ends_with("/whoami")).count(),
        1,
        "{sent:?}"
    );
    assert_eq!(sent[1], "http://crm.test/v1/ops/create_customer");
}

#[test]
fn remote_refuses_another_actor_before_sending_it() {
    let (server, remote) = remote();
    let err = remote.customers("u-2".into()).unwrap_err();
    assert!(
        matches!(&err, CrmError::InvalidInput { field, .. } if field == "actor"),
        "{err}"
    );
    assert_eq!(*server.sent.lock().unwrap(), ["http://crm.test/v1/whoami"]);
}

#[test]
fn server_codes_and_transport_failures_are_storage_errors() {
    let (server, remote) = remote();
    let me = server.user.clone();
    let canned = |answer| *server.canned.lock().unwrap() = Some(answer);
    canned(Ok(HttpResponse {
        status: 429,
        body: r#"{"code":"OVERLOADED","message":"busy","details":{}}"#.into(),
    }));
    let err = remote.customers(me.clone()).unwrap_err();
    assert!(
        matches!(&err, CrmError::Storage { message } if message.contains("OVERLOADED")),
        "{err}"
    );
    canned(Err(TransportError::Failed {
        reason: "connection refused".into(),
    }));
    let err = remote.customers(me.clone()).unwrap_err();
    assert!(
        matches!(&err, CrmError::Storage { message } if message.contains("connection refused")),
        "{err}"
    );
    canned(Ok(HttpResponse {
        status: 502,
        body: "<html>bad gateway</html>".into(),
    }));
    let err = remote.customers(me).unwrap_err();
    assert!(
        matches!(&err, CrmError::Storage { message } if message.contains("502")),
        "{err}"
    );
}
