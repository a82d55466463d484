//! One server, many organisations on PostgreSQL: a credential reaches its own organisation only.

mod common;

use common::*;
use crm_server::Limits;
use serde_json::json;

#[test]
#[ignore = "needs PostgreSQL: bash crm-postgres/test.sh"]
fn a_token_of_one_organisation_never_reaches_anothers_rows() {
    let pg = pg_server(chrono::Utc::now(), Limits::default());
    let c = Client::new(&pg.server.url());
    let run = std::process::id();
    let (a, b) = (format!("tenancy-a-{run}"), format!("tenancy-b-{run}"));
    let (_, admin_a) = bootstrap(&org_of(&pg.orgs, &pg.pool, &a), &a);
    let (_, admin_b) = bootstrap(&org_of(&pg.orgs, &pg.pool, &b), &b);
    let created = c.op(&admin_a, "create_customer", &json!({"name": "Acme of A"}));
    assert_eq!(created.status, 200, "{:?}", created.body);
    // Both organisations number their records alike: c-1 and tk-1 exist in A only / in both.
    let from_b = c.op(&admin_b, "customer", &json!({"id": "c-1"}));
    assert_eq!((from_b.status, from_b.code()), (404, "NOT_FOUND"));
    assert_eq!(c.op(&admin_b, "customers", &json!({})).body, json!([]));
    // A's credential relabelled as B's: B's tk-1 has another secret.
    let a_seg = admin_a.split('.').nth(1).unwrap();
    let b_seg = admin_b.split('.').nth(1).unwrap();
    let forged = admin_a.replacen(a_seg, b_seg, 1);
    assert_ne!(forged, admin_a);
    let r = c.op(&forged, "customers", &json!({}));
    assert_eq!((r.status, r.code()), (401, "UNAUTHENTICATED"));
    // An organisation that does not exist is not created by a request.
    let ghost = admin_a.replacen(a_seg, "Z2hvc3Q", 1);
    assert_eq!(c.op(&ghost, "customers", &json!({})).status, 401);
    assert!(crm_postgres::PgStore::open_existing(&pg.pool, "ghost").is_err());
    assert_eq!(
        c.op(&admin_a, "customers", &json!({}))
            .body
            .as_array()
            .unwrap()
            .len(),
        1
    );
}
