//! `claim_batch URL ORG REP CUSTOMER...`: one rep claims a batch of customers in one transaction.
//! The killed-client test runs it as a separate process and kills it in the middle of the batch.

use crm_core::{Crm, SystemClock};
use crm_postgres::PgStore;
use std::sync::Arc;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [url, org, rep, ids @ ..] = args.as_slice() else {
        eprintln!("usage: claim_batch URL ORG REP CUSTOMER...");
        std::process::exit(2);
    };
    let crm = Crm::new(
        PgStore::connect(url, org).expect("connect"),
        Arc::new(SystemClock),
    );
    match crm.claim_customers(rep, ids) {
        Ok(claimed) => println!("claimed {}", claimed.len()),
        Err(e) => {
            eprintln!("{}: {e}", e.code());
            std::process::exit(1);
        }
    }
}
