//! The error every method throws: one variant per core error, each with the stable `code` all
//! surfaces share, the core's message as `description` (a field named `message` would clash with
//! Kotlin's `Throwable.message`, uniffi-rs#1434), and the facts a caller branches on (Kotlin:
//! `CrmException.VersionConflict`, Swift: `CrmError.VersionConflict`). Instants are instants
//! (`until`), local days `YYYY-MM-DD` strings (`date`).

use crate::records::{DuplicateMatch, EntityKind};
use crm_core::CrmError as Core;
use std::time::SystemTime;

#[derive(Debug, Clone, PartialEq, thiserror::Error, uniffi::Error)]
pub enum CrmError {
    #[error("{code}: {description}")]
    NotFound {
        code: String,
        description: String,
        kind: EntityKind,
        id: String,
    },
    #[error("{code}: {description}")]
    AlreadyExists {
        code: String,
        description: String,
        kind: EntityKind,
        id: String,
    },
    /// Someone saved the record after the caller read it: re-read and retry.
    #[error("{code}: {description}")]
    VersionConflict {
        code: String,
        description: String,
        kind: EntityKind,
        id: String,
        expected: u64,
        actual: u64,
    },
    #[error("{code}: {description}")]
    OutOfScope {
        code: String,
        description: String,
        actor: String,
        kind: EntityKind,
        id: String,
    },
    #[error("{code}: {description}")]
    PermissionDenied {
        code: String,
        description: String,
        actor: String,
        action: String,
    },
    #[error("{code}: {description}")]
    InactiveUser {
        code: String,
        description: String,
        user_id: String,
    },
    #[error("{code}: {description}")]
    InvalidPhone {
        code: String,
        description: String,
        input: String,
    },
    #[error("{code}: {description}")]
    InvalidEmail {
        code: String,
        description: String,
        input: String,
    },
    #[error("{code}: {description}")]
    InvalidInput {
        code: String,
        description: String,
        field: String,
    },
    /// Creation was blocked by existing customers that look the same.
    #[error("{code}: {description}")]
    DuplicateFound {
        code: String,
        description: String,
        matches: Vec<DuplicateMatch>,
    },
    #[error("{code}: {description}")]
    InvalidState { code: String, description: String },
    /// The customer has an owner: someone else claimed it first.
    #[error("{code}: {description}")]
    AlreadyOwned {
        code: String,
        description: String,
        customer_id: String,
        owner_id: String,
    },
    /// The claimer has used up the claims of the local day `date` (`YYYY-MM-DD`).
    #[error("{code}: {description}")]
    DailyLimitReached {
        code: String,
        description: String,
        user_id: String,
        limit: u64,
        date: String,
    },
    /// Claiming would exceed the strictest ownership cap matching the claimer (`cap`: `rep`,
    /// `team` or `everyone`), which allows `limit` and counts `owned`.
    #[error("{code}: {description}")]
    OwnershipCapReached {
        code: String,
        description: String,
        user_id: String,
        cap: String,
        limit: u64,
        owned: u64,
    },
    /// The owner already has `limit` customers locked.
    #[error("{code}: {description}")]
    LockLimitReached {
        code: String,
        description: String,
        user_id: String,
        limit: u64,
    },
    /// The previous owner may not re-claim the customer before `until`.
    #[error("{code}: {description}")]
    CoolDown {
        code: String,
        description: String,
        customer_id: String,
        user_id: String,
        until: SystemTime,
    },
    /// The customer entered its pool recently and cannot be claimed before `until`.
    #[error("{code}: {description}")]
    WaitingPeriod {
        code: String,
        description: String,
        customer_id: String,
        until: SystemTime,
    },
    /// Allocation found no rep for the lead; the whole batch was refused.
    #[error("{code}: {description}")]
    NoEligibleRep {
        code: String,
        description: String,
        lead_id: String,
        reason: String,
    },
    /// The pipeline does not allow the move, or the actor may not reopen.
    #[error("{code}: {description}")]
    TransitionNotAllowed {
        code: String,
        description: String,
        opportunity_id: String,
        from_stage: String,
        to_stage: String,
        reason: String,
    },
    /// The stage's guard fields the opportunity leaves empty.
    #[error("{code}: {description}")]
    RequiredFieldsMissing {
        code: String,
        description: String,
        opportunity_id: String,
        stage: String,
        fields: Vec<String>,
    },
    #[error("{code}: {description}")]
    Storage { code: String, description: String },
}

impl From<Core> for CrmError {
    fn from(e: Core) -> Self {
        let (code, description) = (e.code().to_string(), e.to_string());
        match e {
            Core::NotFound { kind, id } => CrmError::NotFound {
                code,
                description,
                kind: kind.into(),
                id,
            },
            Core::AlreadyExists { kind, id } => CrmError::AlreadyExists {
                code,
                description,
                kind: kind.into(),
                id,
            },
            Core::VersionConflict {
                kind,
                id,
                expected,
                actual,
            } => CrmError::VersionConflict {
                code,
                description,
                kind: kind.into(),
                id,
                expected,
                actual,
            },
            Core::OutOfScope { actor, kind, id } => CrmError::OutOfScope {
                code,
                description,
                actor,
                kind: kind.into(),
                id,
            },
            Core::PermissionDenied { actor, action } => CrmError::PermissionDenied {
                code,
                description,
                actor,
                action,
            },
            Core::InactiveUser { id } => CrmError::InactiveUser {
                code,
                description,
                user_id: id,
            },
            Core::InvalidPhone { input, .. } => CrmError::InvalidPhone {
                code,
                description,
                input,
            },
            Core::InvalidEmail { input } => CrmError::InvalidEmail {
                code,
                description,
                input,
            },
            Core::InvalidInput { field, .. } => CrmError::InvalidInput {
                code,
                description,
                field,
            },
            Core::DuplicateFound { matches } => CrmError::DuplicateFound {
                code,
                description,
                matches: matches.into_iter().map(DuplicateMatch::from).collect(),
            },
            Core::InvalidState { .. } => CrmError::InvalidState { code, description },
            Core::AlreadyOwned {
                customer_id,
                owner_id,
            } => CrmError::AlreadyOwned {
                code,
                description,
                customer_id,
                owner_id,
            },
            Core::DailyLimitReached {
                user_id,
                limit,
                date,
            } => CrmError::DailyLimitReached {
                code,
                description,
                user_id,
                limit,
                date: date.to_string(),
            },
            Core::OwnershipCapReached {
                user_id,
                cap,
                limit,
                owned,
            } => CrmError::OwnershipCapReached {
                code,
                description,
                user_id,
                cap,
                limit,
                owned,
            },
            Core::LockLimitReached { user_id, limit } => CrmError::LockLimitReached {
                code,
                description,
                user_id,
                limit,
            },
            Core::CoolDown {
                customer_id,
                user_id,
                until,
            } => CrmError::CoolDown {
                code,
                description,
                customer_id,
                user_id,
                until: until.into(),
            },
            Core::WaitingPeriod { customer_id, until } => CrmError::WaitingPeriod {
                code,
                description,
                customer_id,
                until: until.into(),
            },
            Core::NoEligibleRep { lead_id, reason } => CrmError::NoEligibleRep {
                code,
                description,
                lead_id,
                reason,
            },
            Core::TransitionNotAllowed {
                opportunity_id,
                from,
                to,
                reason,
            } => CrmError::TransitionNotAllowed {
                code,
                description,
                opportunity_id,
                from_stage: from,
                to_stage: to,
                reason,
            },
            Core::RequiredFieldsMissing {
                opportunity_id,
                stage,
                fields,
            } => CrmError::RequiredFieldsMissing {
                code,
                description,
                opportunity_id,
                stage,
                fields,
            },
            Core::Storage { .. } => CrmError::Storage { code, description },
        }
    }
}

impl CrmError {
    /// The stable code (`VERSION_CONFLICT`, ...), the same on every surface.
    pub fn code(&self) -> &str {
        match self {
            CrmError::NotFound { code, .. }
            | CrmError::AlreadyExists { code, .. }
            | CrmError::VersionConflict { code, .. }
            | CrmError::OutOfScope { code, .. }
            | CrmError::PermissionDenied { code, .. }
            | CrmError::InactiveUser { code, .. }
            | CrmError::InvalidPhone { code, .. }
            | CrmError::InvalidEmail { code, .. }
            | CrmError::InvalidInput { code, .. }
            | CrmError::DuplicateFound { code, .. }
            | CrmError::InvalidState { code, .. }
            | CrmError::AlreadyOwned { code, .. }
            | CrmError::DailyLimitReached { code, .. }
            | CrmError::OwnershipCapReached { code, .. }
            | CrmError::LockLimitReached { code, .. }
            | CrmError::CoolDown { code, .. }
            | CrmError::WaitingPeriod { code, .. }
            | CrmError::NoEligibleRep { code, .. }
            | CrmError::TransitionNotAllowed { code, .. }
            | CrmError::RequiredFieldsMissing { code, .. }
            | CrmError::Storage { code, .. } => code,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{DateTime, NaiveDate, Utc};
    use crm_core::EntityKind as CoreKind;

    fn instant(text: &str) -> DateTime<Utc> {
        text.parse().unwrap()
    }

    fn mapped(e: Core) -> (String, CrmError) {
        let code = e.code().to_string();
        let mapped = CrmError::from(e);
        assert_eq!(mapped.code(), code, "the code survives the mapping");
        (code, mapped)
    }

    #[test]
    fn display_strings_carry_the_code_and_the_core_message() {
        let cases = [
            (
                Core::NotFound {
                    kind: CoreKind::Customer,
                    id: "c-9".into(),
                },
                "NOT_FOUND: customer c-9 not found",
            ),
            (
                Core::AlreadyExists {
                    kind: CoreKind::Team,
                    id: "t-1".into(),
                },
                "ALREADY_EXISTS: team t-1 already exists",
            ),
            (
                Core::VersionConflict {
                    kind: CoreKind::Customer,
                    id: "c-1".into(),
                    expected: 1,
                    actual: 2,
                },
                "VERSION_CONFLICT: customer c-1 was changed by someone else: expected version 1, found 2",
            ),
            (
                Core::OutOfScope {
                    actor: "u-3".into(),
                    kind: CoreKind::Customer,
                    id: "c-1".into(),
                },
                "OUT_OF_SCOPE: user u-3 may not access customer c-1: outside their data scope",
            ),
            (
                Core::PermissionDenied {
                    actor: "u-2".into(),
                    action: "create teams".into(),
                },
                "PERMISSION_DENIED: user u-2 may not create teams",
            ),
            (
                Core::InactiveUser { id: "u-4".into() },
                "INACTIVE_USER: user u-4 is inactive",
            ),
            (
                Core::InvalidPhone {
                    input: "12".into(),
                    reason: "too short".into(),
                },
                "INVALID_PHONE: invalid phone number \"12\": too short",
            ),
            (
                Core::InvalidEmail {
                    input: "nope".into(),
                },
                "INVALID_EMAIL: invalid email address \"nope\"",
            ),
            (
                Core::InvalidInput {
                    field: "name".into(),
                    reason: "must not be empty".into(),
                },
                "INVALID_INPUT: invalid name: must not be empty",
            ),
            (
                Core::DuplicateFound { matches: vec![] },
                "DUPLICATE_FOUND: 0 possible duplicate(s) found; creation is blocked",
            ),
            (
                Core::InvalidState {
                    reason: "already bootstrapped".into(),
                },
                "INVALID_STATE: invalid state: already bootstrapped",
            ),
            (
                Core::AlreadyOwned {
                    customer_id: "c-1".into(),
                    owner_id: "u-2".into(),
                },
                "ALREADY_OWNED: customer c-1 is already owned by u-2",
            ),
            (
                Core::DailyLimitReached {
                    user_id: "u-2".into(),
                    limit: 2,
                    date: NaiveDate::from_ymd_opt(2026, 3, 3).unwrap(),
                },
                "DAILY_LIMIT_REACHED: user u-2 has reached the daily claim limit of 2 for 2026-03-03",
            ),
            (
                Core::OwnershipCapReached {
                    user_id: "u-2".into(),
                    cap: "everyone".into(),
                    limit: 3,
                    owned: 3,
                },
                "OWNERSHIP_CAP_REACHED: user u-2 would exceed the everyone cap of 3 owned customers (owns 3)",
            ),
            (
                Core::LockLimitReached {
                    user_id: "u-2".into(),
                    limit: 1,
                },
                "LOCK_LIMIT_REACHED: user u-2 may lock at most 1 customers",
            ),
            (
                Core::CoolDown {
                    customer_id: "c-3".into(),
                    user_id: "u-2".into(),
                    until: instant("2026-03-11T02:00:00Z"),
                },
                "COOL_DOWN: user u-2 may not re-claim customer c-3 before 2026-03-11 02:00:00 UTC (cool-down)",
            ),
            (
                Core::WaitingPeriod {
                    customer_id: "c-1".into(),
                    until: instant("2026-03-03T01:00:00Z"),
                },
                "WAITING_PERIOD: customer c-1 entered its pool recently and cannot be claimed before 2026-03-03 01:00:00 UTC",
            ),
            (
                Core::NoEligibleRep {
                    lead_id: "l-1".into(),
                    reason: "no rep to choose from".into(),
                },
                "NO_ELIGIBLE_REP: lead l-1: no eligible rep (no rep to choose from)",
            ),
            (
                Core::storage("disk full"),
                "STORAGE: storage failure: disk full",
            ),
        ];
        for (core, display) in cases {
            let core_message = core.to_string();
            let (code, e) = mapped(core);
            assert_eq!(e.to_string(), display);
            assert_eq!(e.to_string(), format!("{code}: {core_message}"));
        }
    }

    #[test]
    fn variants_keep_the_facts_callers_branch_on() {
        let (_, e) = mapped(Core::VersionConflict {
            kind: CoreKind::Settings,
            id: "settings".into(),
            expected: 3,
            actual: 4,
        });
        assert_eq!(
            e,
            CrmError::VersionConflict {
                code: "VERSION_CONFLICT".into(),
                description:
                    "settings settings was changed by someone else: expected version 3, found 4"
                        .into(),
                kind: EntityKind::Settings,
                id: "settings".into(),
                expected: 3,
                actual: 4,
            }
        );
        let (_, e) = mapped(Core::OutOfScope {
            actor: "u-3".into(),
            kind: CoreKind::FollowUp,
            id: "f-1".into(),
        });
        assert!(matches!(
            e,
            CrmError::OutOfScope { ref actor, kind: EntityKind::FollowUp, ref id, .. }
                if actor == "u-3" && id == "f-1"
        ));
        let (_, e) = mapped(Core::InactiveUser { id: "u-4".into() });
        assert!(matches!(e, CrmError::InactiveUser { ref user_id, .. } if user_id == "u-4"));
        let (_, e) = mapped(Core::NotFound {
            kind: CoreKind::Allocator,
            id: "al-9".into(),
        });
        assert!(matches!(
            e,
            CrmError::NotFound {
                kind: EntityKind::Allocator,
                ..
            }
        ));
        let (_, e) = mapped(Core::AlreadyOwned {
            customer_id: "c-1".into(),
            owner_id: "u-2".into(),
        });
        assert!(matches!(
            e,
            CrmError::AlreadyOwned { ref customer_id, ref owner_id, .. }
                if customer_id == "c-1" && owner_id == "u-2"
        ));
        let (_, e) = mapped(Core::DailyLimitReached {
            user_id: "u-2".into(),
            limit: 2,
            date: NaiveDate::from_ymd_opt(2026, 3, 3).unwrap(),
        });
        assert!(matches!(
            e,
            CrmError::DailyLimitReached { ref user_id, limit: 2, ref date, .. }
                if user_id == "u-2" && date == "2026-03-03"
        ));
        let (_, e) = mapped(Core::OwnershipCapReached {
            user_id: "u-3".into(),
            cap: "rep".into(),
            limit: 2,
            owned: 2,
        });
        assert!(matches!(
            e,
            CrmError::OwnershipCapReached { ref cap, limit: 2, owned: 2, .. } if cap == "rep"
        ));
        let until = instant("2026-03-11T02:00:00.5Z");
        let (_, e) = mapped(Core::CoolDown {
            customer_id: "c-3".into(),
            user_id: "u-2".into(),
            until,
        });
        assert!(matches!(
            e,
            CrmError::CoolDown { until: t, ref user_id, .. }
                if t == SystemTime::from(until) && user_id == "u-2"
        ));
        let (_, e) = mapped(Core::WaitingPeriod {
            customer_id: "c-1".into(),
            until,
        });
        assert!(
            matches!(e, CrmError::WaitingPeriod { until: t, .. } if t == SystemTime::from(until))
        );
        let (_, e) = mapped(Core::LockLimitReached {
            user_id: "u-2".into(),
            limit: 1,
        });
        assert!(matches!(e, CrmError::LockLimitReached { limit: 1, .. }));
        let (_, e) = mapped(Core::NoEligibleRep {
            lead_id: "l-1".into(),
            reason: "every candidate is inactive".into(),
        });
        assert!(matches!(
            e,
            CrmError::NoEligibleRep { ref lead_id, ref reason, .. }
                if lead_id == "l-1" && reason == "every candidate is inactive"
        ));
        let (_, e) = mapped(Core::InvalidInput {
            field: "at".into(),
            reason: "a follow-up cannot lie in the future".into(),
        });
        assert!(matches!(e, CrmError::InvalidInput { ref field, .. } if field == "at"));
    }

    #[test]
    fn blocked_duplicates_keep_every_match() {
        let m = crm_core::DuplicateMatch {
            customer_id: "c-1".into(),
            customer_name: "Acme".into(),
            matched_on: crm_core::MatchField::Phone,
            matched_value: "13800138000".into(),
            similarity: 1.0,
            owner_id: Some("u-2".into()),
            pool_id: None,
            locked: false,
            deal_status: crm_core::DealStatus::Won,
        };
        let (_, e) = mapped(Core::DuplicateFound {
            matches: vec![m.clone(), m],
        });
        let CrmError::DuplicateFound {
            matches,
            description,
            ..
        } = e
        else {
            panic!("not a DuplicateFound: {e:?}");
        };
        assert_eq!(
            description,
            "2 possible duplicate(s) found; creation is blocked"
        );
        assert_eq!(matches.len(), 2);
        assert_eq!(matches[0].owner_id.as_deref(), Some("u-2"));
        assert_eq!(matches[0].matched_on, crate::records::MatchField::Phone);
        assert_eq!(matches[0].deal_status, crate::records::DealStatus::Won);
    }
}
