//! Every parity scenario replayed over HTTP gives what it gives in-process (with the server's
//! two documented differences: out of scope reads as not found, an unknown or deactivated
//! caller is not authenticated).

mod common;

use common::*;
use crm_server::Limits;

#[test]
fn every_scenario_passes_over_http_on_sqlite() {
    replay_all(&mut |start| {
        let s = sqlite_server(start, Limits::default());
        Served {
            crm: s.crm.clone(),
            org: ORG.into(),
            clock: s.clock.clone(),
            base: s.server.url(),
            keep: Box::new(s),
        }
    });
}

#[test]
#[ignore = "needs PostgreSQL: bash crm-postgres/test.sh"]
fn every_scenario_passes_over_http_on_postgres() {
    let pg = pg_server(chrono::Utc::now(), Limits::default());
    let base = pg.server.url();
    let mut n = 0;
    let run = std::process::id();
    replay_all(&mut |start| {
        n += 1;
        let org = format!("replay-{run}-{n}");
        pg.clock.set(start);
        Served {
            crm: org_of(&pg.orgs, &pg.pool, &org),
            org,
            clock: pg.clock.clone(),
            base: base.clone(),
            keep: Box::new(()),
        }
    });
}
