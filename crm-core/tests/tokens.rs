//! API tokens: issued by admins, checked in constant time, dead at once when revoked or when
//! their user leaves; every failure is the same UNAUTHENTICATED.

use chrono::TimeZone;
use crm_core::auth::{Credential, SECRET_BYTES};
use crm_core::{Crm, FixedClock, NewUser, Role};
use std::sync::Arc;

fn org() -> Crm {
    let clock = Arc::new(FixedClock::new(
        chrono::Utc.with_ymd_and_hms(2026, 3, 2, 1, 0, 0).unwrap(),
    ));
    let crm = Crm::in_memory(clock);
    crm.bootstrap("Ada", None).unwrap();
    for name in ["Li", "Han"] {
        crm.create_user(
            "u-1",
            NewUser {
                name: name.into(),
                role: Role::Rep,
                scope: None,
                team_id: None,
            },
        )
        .unwrap();
    }
    crm
}

#[test]
fn an_issued_token_authenticates_its_user_until_revoked() {
    let crm = org();
    let issued = crm
        .issue_token("u-1", "acme", "u-2", "phone", [3; SECRET_BYTES])
        .unwrap();
    assert_eq!(
        (issued.token.id.as_str(), issued.token.user_id.as_str()),
        ("tk-1", "u-2")
    );
    let credential = Credential::parse(&issued.credential).unwrap();
    assert_eq!(credential.org, "acme");
    assert_eq!(crm.authenticate(&credential).unwrap().id, "u-2");
    let wrong = Credential::new("acme", "tk-1", [4; SECRET_BYTES]);
    assert_eq!(
        crm.authenticate(&wrong).unwrap_err().code(),
        "UNAUTHENTICATED"
    );
    let unknown = Credential::new("acme", "tk-7", [3; SECRET_BYTES]);
    assert_eq!(
        crm.authenticate(&unknown).unwrap_err(),
        crm.authenticate(&wrong).unwrap_err()
    );

    // The token's own user may revoke it; twice is refused; a stale version conflicts.
    assert_eq!(
        crm.revoke_token("u-2", "tk-1", 9).unwrap_err().code(),
        "VERSION_CONFLICT"
    );
    let revoked = crm.revoke_token("u-2", "tk-1", 1).unwrap();
    assert_eq!(revoked.revoked_by.as_deref(), Some("u-2"));
    assert_eq!(
        crm.authenticate(&credential).unwrap_err().code(),
        "UNAUTHENTICATED"
    );
    assert_eq!(
        crm.revoke_token("u-1", "tk-1", 2).unwrap_err().code(),
        "INVALID_STATE"
    );
}

#[test]
fn only_admins_issue_and_see_every_token_and_a_leaver_is_locked_out() {
    let crm = org();
    let refused = crm
        .issue_token("u-2", "o", "u-2", "", [1; SECRET_BYTES])
        .unwrap_err();
    assert_eq!(refused.code(), "PERMISSION_DENIED");
    let a = crm
        .issue_token("u-1", "o", "u-2", "a", [1; SECRET_BYTES])
        .unwrap();
    crm.issue_token("u-1", "o", "u-3", "b", [2; SECRET_BYTES])
        .unwrap();
    assert_eq!(crm.tokens("u-1").unwrap().len(), 2);
    let own: Vec<_> = crm
        .tokens("u-2")
        .unwrap()
        .into_iter()
        .map(|t| t.id)
        .collect();
    assert_eq!(own, ["tk-1"]);
    // Another user's token is not the rep's to revoke.
    assert_eq!(
        crm.revoke_token("u-3", "tk-1", 1).unwrap_err().code(),
        "PERMISSION_DENIED"
    );
    assert_eq!(
        crm.issue_token("u-1", "o", "u-9", "", [1; SECRET_BYTES])
            .unwrap_err()
            .code(),
        "NOT_FOUND"
    );

    crm.deactivate_user("u-1", "u-2", "left").unwrap();
    let credential = Credential::parse(&a.credential).unwrap();
    assert_eq!(
        crm.authenticate(&credential).unwrap_err().code(),
        "UNAUTHENTICATED"
    );
    let for_leaver = crm
        .issue_token("u-1", "o", "u-2", "", [5; SECRET_BYTES])
        .unwrap_err();
    assert_eq!(for_leaver.code(), "INACTIVE_USER");
    assert_eq!(
        crm.issue_token("u-1", "o", "u-3", &"x".repeat(100_000), [5; SECRET_BYTES])
            .unwrap_err()
            .code(),
        "INVALID_INPUT"
    );
}
