//! A token reaches exactly its user's data scope; bad credentials, hostile bodies and broken
//! requests get a 4xx with a code, change nothing, and never stop the server.

mod common;

use chrono::TimeZone;
use common::*;
use crm_server::Limits;
use serde_json::{json, Value};

struct Org {
    s: SqliteServer,
    c: Client,
    admin: String,
    /// Reps u-2 and u-3 in team t-1, each with a token.
    rep2: String,
    rep3: String,
}

fn org() -> Org {
    let start = chrono::Utc.with_ymd_and_hms(2026, 3, 2, 1, 0, 0).unwrap();
    let s = sqlite_server(start, Limits::default());
    let c = Client::new(&s.server.url());
    let (_, admin) = bootstrap(&s.crm, ORG);
    assert_eq!(
        c.op(&admin, "create_team", &json!({"name": "East"})).status,
        200
    );
    let mut reps = vec![];
    for name in ["Li Lei", "Han Meimei"] {
        let user = c.op(
            &admin,
            "create_user",
            &json!({"name": name, "role": "rep", "team_id": "t-1"}),
        );
        assert_eq!(user.status, 200, "{:?}", user.body);
        let issued = c.send(
            "POST",
            "/v1/tokens",
            Some(&admin),
            json!({"user_id": user.body["id"], "label": "phone"})
                .to_string()
                .as_bytes(),
        );
        assert_eq!(issued.status, 200, "{:?}", issued.body);
        reps.push(issued.body["credential"].as_str().unwrap().to_string());
    }
    let created = c.op(
        &reps[0],
        "create_customer",
        &json!({"name": "Acme Trading", "phones": ["13900000001"]}),
    );
    assert_eq!(created.status, 200, "{:?}", created.body);
    assert_eq!(created.body["customer"]["owner_id"], "u-2");
    Org {
        s,
        c,
        admin,
        rep2: reps[0].clone(),
        rep3: reps[1].clone(),
    }
}

/// Everything the organisation holds, as the administrator reads it.
fn snapshot(o: &Org) -> Value {
    let events = o.c.op(&o.admin, "events", &json!({"after": 0}));
    let customers = o.c.op(&o.admin, "customers", &json!({}));
    assert_eq!(events.status, 200);
    json!({"events": events.body, "customers": customers.body})
}

#[test]
fn another_reps_customer_cannot_be_read_changed_or_detected() {
    let o = org();
    let hidden = o.c.op(&o.rep3, "customer", &json!({"id": "c-1"}));
    let missing = o.c.op(&o.rep3, "customer", &json!({"id": "c-2"}));
    assert_eq!((hidden.status, hidden.code()), (404, "NOT_FOUND"));
    assert_eq!((missing.status, missing.code()), (404, "NOT_FOUND"));
    // The same shape and wording: only the id differs.
    assert_eq!(
        hidden.body["message"]
            .as_str()
            .unwrap()
            .replace("c-1", "c-2"),
        missing.body["message"]
    );
    assert_eq!(
        hidden.body["details"]["kind"],
        missing.body["details"]["kind"]
    );
    let before = snapshot(&o);
    for (op, args) in [
        (
            "update_customer",
            json!({"id": "c-1", "expected_version": 1, "patch": {"name": "Mine now"}}),
        ),
        (
            "transfer_customer",
            json!({"id": "c-1", "expected_version": 1, "to_user_id": "u-3", "reason": "x"}),
        ),
        (
            "record_follow_up",
            json!({"customer_id": "c-1", "follow_up": {"channel": "phone", "note": "hi", "at": "2026-03-02T00:00:00Z"}}),
        ),
        ("contacts", json!({"customer_id": "c-1"})),
    ] {
        let r = o.c.op(&o.rep3, op, &args);
        assert!(
            r.status == 404 || (r.status == 422 && r.code() == "INVALID_INPUT"),
            "{op}: {} {:?}",
            r.status,
            r.body
        );
        assert_ne!(r.code(), "OUT_OF_SCOPE", "{op}");
    }
    let listed = o.c.op(&o.rep3, "customers", &json!({}));
    assert_eq!(listed.body, json!([]));
    // The actor is the token's: naming another one is an unknown argument.
    let spoof =
        o.c.op(&o.rep3, "customer", &json!({"id": "c-1", "actor": "u-1"}));
    assert_eq!((spoof.status, spoof.code()), (422, "INVALID_INPUT"));
    assert_eq!(snapshot(&o), before);
    // The owner still reads it.
    assert_eq!(
        o.c.op(&o.rep2, "customer", &json!({"id": "c-1"})).status,
        200
    );
}

#[test]
fn revoked_and_inactive_users_tokens_stop_at_once() {
    let o = org();
    let me = o.c.send("GET", "/v1/whoami", Some(&o.rep3), b"");
    assert_eq!(me.body["id"], "u-3");
    // Reps may not issue tokens, and list only their own.
    let refused = o.c.send(
        "POST",
        "/v1/tokens",
        Some(&o.rep3),
        br#"{"user_id": "u-3"}"#,
    );
    assert_eq!((refused.status, refused.code()), (403, "PERMISSION_DENIED"));
    let mine = o.c.send("GET", "/v1/tokens", Some(&o.rep3), b"");
    assert_eq!(mine.body.as_array().unwrap().len(), 1);
    assert!(mine.body[0].get("hash").is_none() && mine.body[0].get("credential").is_none());
    let all = o.c.send("GET", "/v1/tokens", Some(&o.admin), b"");
    assert_eq!(all.body.as_array().unwrap().len(), 3);
    let id = mine.body[0]["id"].as_str().unwrap();

    let revoked = o.c.send(
        "POST",
        &format!("/v1/tokens/{id}/revoke"),
        Some(&o.admin),
        br#"{"expected_version": 1}"#,
    );
    assert_eq!(revoked.status, 200, "{:?}", revoked.body);
    assert!(revoked.body["revoked_at"].is_string());
    let after = o.c.op(&o.rep3, "customers", &json!({}));
    assert_eq!((after.status, after.code()), (401, "UNAUTHENTICATED"));

    let left = o.c.op(
        &o.admin,
        "deactivate_user",
        &json!({"id": "u-2", "reason": "left"}),
    );
    assert_eq!(left.status, 200, "{:?}", left.body);
    let gone = o.c.op(&o.rep2, "customer", &json!({"id": "c-1"}));
    assert_eq!((gone.status, gone.code()), (401, "UNAUTHENTICATED"));
    assert_eq!(
        gone.body, after.body,
        "one answer for every way a token fails"
    );
}

#[test]
fn bad_credentials_are_refused_alike() {
    let o = org();
    let good = o.rep2.clone();
    let (head, secret) = good.rsplit_once('.').unwrap();
    let mut flipped: Vec<char> = secret.chars().collect();
    flipped[0] = if flipped[0] == 'A' { 'B' } else { 'A' };
    let wrong_secret = format!("{head}.{}", flipped.iter().collect::<String>());
    let other_org = good.replacen(".ZGVmYXVsdA.", ".b3RoZXI.", 1);
    assert_ne!(other_org, good, "the credential names org `default`");
    for header in [
        None,
        Some("Basic dTpw".to_string()),
        Some("Bearer".to_string()),
        Some("Bearer garbage".to_string()),
        Some(format!("Bearer {wrong_secret}")),
        Some(format!("Bearer {other_org}")),
        Some(format!("Bearer {}", good.replace("tk-2", "tk-9"))),
    ] {
        let r = match &header {
            None => o.c.send("POST", "/v1/ops/customers", None, b"{}"),
            Some(h) => {
                let cred = h.strip_prefix("Bearer ").unwrap_or("");
                if h.starts_with("Bearer ") {
                    o.c.send("POST", "/v1/ops/customers", Some(cred), b"{}")
                } else {
                    // A scheme other than Bearer: sent raw.
                    raw(&o.c, h)
                }
            }
        };
        assert_eq!((r.status, r.code()), (401, "UNAUTHENTICATED"), "{header:?}");
    }
    assert_eq!(o.c.op(&good, "customers", &json!({})).status, 200);
}

fn raw(c: &Client, authorization: &str) -> Reply {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();
    let mut r = agent
        .post(format!("{}/v1/ops/customers", c.base))
        .header("Authorization", authorization)
        .send("{}")
        .unwrap();
    let status = r.status().as_u16();
    let body = serde_json::from_str(&r.body_mut().read_to_string().unwrap()).unwrap();
    Reply { status, body }
}

/// A small deterministic generator, so a failure replays.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// Bodies no operation can accept: broken JSON, text that is not UTF-8, nesting past any limit,
/// a body over the size limit.
fn broken_body(rng: &mut Rng) -> Vec<u8> {
    let valid = json!({"id": "c-1", "expected_version": 1, "patch": {"name": "x"}}).to_string();
    match rng.below(5) {
        0 => valid.as_bytes()[..rng.below(valid.len() - 1) + 1].to_vec(),
        1 => {
            let mut b = valid.into_bytes();
            let at = rng.below(b.len());
            b.insert(at, [0xff, 0xc0, 0x80, 0xfe][rng.below(4)]);
            b
        }
        2 => {
            let depth = 200 + rng.below(5000);
            format!("{}{}", "[".repeat(depth), "]".repeat(depth)).into_bytes()
        }
        3 => format!(
            "{{\"id\": \"{}\"}}",
            "x".repeat((1 << 20) + rng.below(1000))
        )
        .into_bytes(),
        _ => b"{\"id\": \"c-1\", \"patch\": {\"name\": \"\\ud800\"}, \"expected_version\": 1}"
            .to_vec(),
    }
}

/// A value of any JSON type, strings full of SQL and shell metacharacters.
fn any_value(rng: &mut Rng, depth: u32) -> Value {
    const TEXTS: [&str; 8] = [
        "c-1' OR '1'='1",
        "'; DROP TABLE customers; --",
        "u-1\" OR 1=1 --",
        "%' AND 1=0 UNION SELECT * FROM docs --",
        "$(rm -rf /)",
        "\\x00\u{0}",
        "c-1",
        "🙂𝒜\u{202e}",
    ];
    match rng.below(if depth > 2 { 5 } else { 7 }) {
        0 => Value::String(TEXTS[rng.below(TEXTS.len())].into()),
        1 => json!(rng.next() as i64),
        2 => [json!(-1.5e300), json!(1e-300), json!(0.5), json!(u64::MAX)][rng.below(4)].clone(),
        3 => json!(rng.below(2) == 0),
        4 => Value::Null,
        5 => Value::Array(
            (0..rng.below(3))
                .map(|_| any_value(rng, depth + 1))
                .collect(),
        ),
        _ => {
            let keys = [
                "name",
                "id",
                "patch",
                "phones",
                "amount",
                "expected_version",
                "x",
            ];
            Value::Object(
                (0..rng.below(4))
                    .map(|_| {
                        (
                            keys[rng.below(keys.len())].to_string(),
                            any_value(rng, depth + 1),
                        )
                    })
                    .collect(),
            )
        }
    }
}

#[test]
fn thousands_of_hostile_requests_get_4xx_with_a_code_and_change_nothing() {
    let o = org();
    let ops: Vec<&str> = crm_core::api::ORG_OPERATIONS
        .iter()
        .chain(crm_core::api::PURE_OPERATIONS)
        .copied()
        .collect();
    let mut rng = Rng(0x5eed_cafe_f00d);
    let before = snapshot(&o);
    for i in 0..1500 {
        let op = ops[rng.below(ops.len())];
        let who = if i % 2 == 0 { &o.rep3 } else { &o.admin };
        let r = o.c.send(
            "POST",
            &format!("/v1/ops/{op}"),
            Some(who),
            &broken_body(&mut rng),
        );
        assert!(
            (400..500).contains(&r.status) && !r.code().is_empty(),
            "{op} #{i}: {} {:?}",
            r.status,
            r.body
        );
    }
    assert_eq!(snapshot(&o), before, "a refused request changed something");

    // Well-formed JSON of any shape, from a rep: answered, never with a server error; whatever
    // it refused left the data as it was (checked per request on the event log's length).
    let mut statuses = std::collections::BTreeMap::new();
    for i in 0..1500 {
        let op = ops[rng.below(ops.len())];
        let args = Value::Object(
            (0..rng.below(4))
                .map(|_| {
                    let names = [
                        "id",
                        "name",
                        "customer_id",
                        "patch",
                        "expected_version",
                        "reason",
                        "phones",
                        "amount",
                        "after",
                    ];
                    (
                        names[rng.below(names.len())].to_string(),
                        any_value(&mut rng, 0),
                    )
                })
                .collect(),
        );
        let events_before = o.s.crm.events("u-1", 0, usize::MAX).unwrap().len();
        let r = o.c.op(&o.rep3, op, &args);
        assert!(
            r.status < 500,
            "{op} #{i} {args}: {} {:?}",
            r.status,
            r.body
        );
        if r.status != 200 {
            assert!(!r.code().is_empty(), "{op} {args}: {:?}", r.body);
            assert_eq!(
                o.s.crm.events("u-1", 0, usize::MAX).unwrap().len(),
                events_before,
                "{op} {args} was refused but wrote"
            );
        }
        *statuses.entry(r.status).or_insert(0) += 1;
    }
    eprintln!("outcomes of well-formed hostile calls: {statuses:?}");
    assert!(
        statuses.len() > 2,
        "the generator reaches several outcomes: {statuses:?}"
    );
    // Still serving, and the owner's customer is intact.
    let health = o.c.send("GET", "/v1/health", None, b"");
    assert_eq!(health.body, json!({"status": "ok"}));
    let c1 = o.c.op(&o.rep2, "customer", &json!({"id": "c-1"}));
    assert_eq!(c1.body["name"], "Acme Trading");
}

#[test]
fn sql_metacharacters_are_data_and_unknown_routes_answer_in_json() {
    let o = org();
    let name = "Robert'); DROP TABLE customers; -- \" OR 1=1 %_\\";
    let r = o.c.op(&o.rep2, "create_customer", &json!({"name": name}));
    assert_eq!(r.status, 200, "{:?}", r.body);
    let id = r.body["customer"]["id"].as_str().unwrap();
    assert_eq!(
        o.c.op(&o.rep2, "customer", &json!({"id": id})).body["name"],
        name
    );
    let injected =
        o.c.op(&o.rep2, "customer", &json!({"id": "c-1' OR '1'='1"}));
    assert_eq!(injected.status, 404);
    assert_eq!(
        o.c.op(&o.rep2, "customers", &json!({}))
            .body
            .as_array()
            .unwrap()
            .len(),
        2
    );
    for (method, path, status, code) in [
        ("GET", "/nowhere", 404, "UNKNOWN_ROUTE"),
        ("GET", "/v1/ops/customers", 405, "METHOD_NOT_ALLOWED"),
        ("POST", "/v1/ops/no_such_op", 422, "INVALID_INPUT"),
    ] {
        let r = o.c.send(method, path, Some(&o.rep2), b"{}");
        assert_eq!((r.status, r.code()), (status, code), "{method} {path}");
    }
    let spec = o.c.send("GET", "/v1/openapi.json", None, b"");
    assert_eq!(spec.status, 200);
    assert_eq!(
        spec.body,
        serde_json::from_str::<Value>(crm_server::OPENAPI).unwrap()
    );
}

#[test]
fn calls_past_the_in_flight_limit_are_refused_with_429_not_queued() {
    let start = chrono::Utc.with_ymd_and_hms(2026, 3, 2, 1, 0, 0).unwrap();
    let limits = Limits {
        in_flight: 1,
        ..Limits::default()
    };
    let s = sqlite_server(start, limits);
    let (_, admin) = bootstrap(&s.crm, ORG);
    let base = s.server.url();
    // Many clients at once against one slot: some are refused at once, none fail otherwise.
    let outcomes: Vec<(u16, String)> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..16)
            .map(|_| {
                let (base, admin) = (base.clone(), admin.clone());
                scope.spawn(move || {
                    let c = Client::new(&base);
                    (0..40)
                        .map(|_| {
                            let r = c.op(
                                &admin,
                                "rfm_score",
                                &json!({"orders": [], "as_of": "2026-03-01"}),
                            );
                            (r.status, r.code().to_string())
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap())
            .collect()
    });
    assert!(outcomes.iter().any(|(s, _)| *s == 200));
    assert!(
        outcomes.iter().any(|(s, _)| *s == 429),
        "one slot, 16 clients: some wait"
    );
    eprintln!(
        "{} of {} calls refused",
        outcomes.iter().filter(|(s, _)| *s == 429).count(),
        outcomes.len()
    );
    let refused: Vec<_> = outcomes.iter().filter(|(s, _)| *s != 200).collect();
    assert!(
        refused.iter().all(|(s, c)| *s == 429 && c == "OVERLOADED"),
        "{refused:?}"
    );
}

#[test]
fn a_call_past_the_time_limit_answers_504_and_the_server_goes_on() {
    use crm_core::store::Store;
    let start = chrono::Utc.with_ymd_and_hms(2026, 3, 2, 1, 0, 0).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("crm.db");
    let clock = std::sync::Arc::new(crm_core::FixedClock::new(start));
    let crm = std::sync::Arc::new(crm_core::Crm::new(
        crm_sqlite::SqliteStore::open(&path).unwrap(),
        clock,
    ));
    let limits = Limits {
        call_time: std::time::Duration::from_millis(300),
        ..Limits::default()
    };
    let server = crm_server::Running::start(
        std::sync::Arc::new(crm_server::OneOrg::new(ORG, crm.clone())),
        limits,
    )
    .unwrap();
    let (_, admin) = bootstrap(&crm, ORG);
    let c = Client::new(&server.url());
    // Another connection holds the write lock for a second: the call waits past its limit.
    let other = crm_sqlite::SqliteStore::open(&path).unwrap();
    let (held, release) = std::sync::mpsc::channel();
    let holder = std::thread::spawn(move || {
        other
            .write(&mut |_| {
                held.send(()).unwrap();
                std::thread::sleep(std::time::Duration::from_secs(1));
                Ok(())
            })
            .unwrap();
    });
    release.recv().unwrap();
    let slow = c.op(&admin, "create_team", &json!({"name": "East"}));
    assert_eq!(
        (slow.status, slow.code()),
        (504, "TIMEOUT"),
        "{:?}",
        slow.body
    );
    holder.join().unwrap();
    // The call itself ran to its end once the lock was free; nothing was cut in half.
    std::thread::sleep(std::time::Duration::from_millis(500));
    let teams = c.op(&admin, "teams", &json!({}));
    assert_eq!(teams.status, 200);
    assert!(teams.body.as_array().unwrap().len() <= 1);
    let again = c.op(&admin, "create_team", &json!({"name": "North"}));
    assert_eq!(again.status, 200, "{:?}", again.body);
}
