//! Quickstart: an organisation on a SQLite file, a rep, a customer, a duplicate warning.
//! Run with `cargo run -p crm-examples --example quickstart`.

use crm_core::{Channel, Crm, NewCustomer, NewFollowUp, NewUser, Role, SystemClock};
use crm_sqlite::SqliteStore;
use std::sync::Arc;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = std::env::temp_dir().join(format!("crm-quickstart-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let crm = Crm::new(
        SqliteStore::open(dir.join("crm.db"))?,
        Arc::new(SystemClock),
    );

    let admin = crm.bootstrap("Ada", None)?;
    let rep = crm.create_user(
        &admin.id,
        NewUser {
            name: "Li Lei".into(),
            role: Role::Rep,
            scope: None,
            team_id: None,
        },
    )?;
    let acme = crm
        .create_customer(
            &rep.id,
            NewCustomer {
                name: "Acme Trading Co., Ltd.".into(),
                phones: vec!["+86 139 1234 5678".into()],
                ..NewCustomer::default()
            },
        )?
        .customer;
    crm.record_follow_up(
        &rep.id,
        &acme.id,
        NewFollowUp {
            channel: Channel::Call,
            note: "intro call".into(),
            at: None,
            next_follow_up_at: None,
        },
    )?;

    // The same company typed differently is recognised before it is entered twice.
    let again = crm.create_customer(
        &admin.id,
        NewCustomer {
            name: "ACME Trading Ltd".into(),
            phones: vec!["13912345678".into()],
            ..NewCustomer::default()
        },
    )?;
    for m in &again.duplicates {
        println!(
            "possible duplicate: {} owned by {:?}, matched on {:?}",
            m.customer_name, m.owner_id, m.matched_on
        );
    }
    assert_eq!(again.duplicates[0].customer_id, acme.id);

    // A rep cannot touch what is not theirs.
    let err = crm.customer(&rep.id, &again.customer.id).unwrap_err();
    println!("{} -> {}", err.code(), err);
    std::fs::remove_dir_all(&dir)?;
    Ok(())
}
