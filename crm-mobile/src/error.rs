//! The error every method throws: one variant per core error, each with the stable `code` and a
//! readable `description` (Kotlin: `CrmException.VersionConflict`, Swift: `CrmError.VersionConflict`).

use crm_core::CrmError as Core;

#[derive(Debug, Clone, PartialEq, thiserror::Error, uniffi::Error)]
pub enum CrmError {
    #[error("{code}: {description}")]
    NotFound { code: String, description: String },
    #[error("{code}: {description}")]
    AlreadyExists { code: String, description: String },
    #[error("{code}: {description}")]
    VersionConflict {
        code: String,
        description: String,
        expected: u64,
        actual: u64,
    },
    #[error("{code}: {description}")]
    OutOfScope { code: String, description: String },
    #[error("{code}: {description}")]
    PermissionDenied { code: String, description: String },
    #[error("{code}: {description}")]
    InactiveUser { code: String, description: String },
    #[error("{code}: {description}")]
    InvalidPhone { code: String, description: String },
    #[error("{code}: {description}")]
    InvalidEmail { code: String, description: String },
    #[error("{code}: {description}")]
    InvalidInput { code: String, description: String },
    /// Creation was blocked by existing customers that look the same.
    #[error("{code}: {description}")]
    DuplicateFound {
        code: String,
        description: String,
        matches: Vec<crate::records::DuplicateMatch>,
    },
    #[error("{code}: {description}")]
    InvalidState { code: String, description: String },
    #[error("{code}: {description}")]
    Storage { code: String, description: String },
}

impl From<Core> for CrmError {
    fn from(e: Core) -> Self {
        let (code, description) = (e.code().to_string(), e.to_string());
        match e {
            Core::NotFound { .. } => CrmError::NotFound { code, description },
            Core::AlreadyExists { .. } => CrmError::AlreadyExists { code, description },
            Core::VersionConflict {
                expected, actual, ..
            } => CrmError::VersionConflict {
                code,
                description,
                expected,
                actual,
            },
            Core::OutOfScope { .. } => CrmError::OutOfScope { code, description },
            Core::PermissionDenied { .. } => CrmError::PermissionDenied { code, description },
            Core::InactiveUser { .. } => CrmError::InactiveUser { code, description },
            Core::InvalidPhone { .. } => CrmError::InvalidPhone { code, description },
            Core::InvalidEmail { .. } => CrmError::InvalidEmail { code, description },
            Core::InvalidInput { .. } => CrmError::InvalidInput { code, description },
            Core::DuplicateFound { matches } => {
                let matches = serde_json::to_value(matches)
                    .and_then(serde_json::from_value)
                    .unwrap_or_default();
                CrmError::DuplicateFound {
                    code,
                    description,
                    matches,
                }
            }
            Core::InvalidState { .. } => CrmError::InvalidState { code, description },
            Core::Storage { .. } => CrmError::Storage { code, description },
        }
    }
}

impl CrmError {
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
            | CrmError::Storage { code, .. } => code,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_strings_carry_the_code_and_the_core_message() {
        let e: CrmError = Core::VersionConflict {
            kind: crm_core::EntityKind::Customer,
            id: "c-1".into(),
            expected: 1,
            actual: 2,
        }
        .into();
        assert_eq!(e.to_string(), "VERSION_CONFLICT: customer c-1 was changed by someone else: expected version 1, found 2");
        assert!(matches!(
            e,
            CrmError::VersionConflict {
                expected: 1,
                actual: 2,
                ..
            }
        ));
        let e: CrmError = Core::InvalidPhone {
            input: "12".into(),
            reason: "too short".into(),
        }
        .into();
        assert_eq!(
            e.to_string(),
            "INVALID_PHONE: invalid phone number \"12\": too short"
        );
        assert_eq!(e.code(), "INVALID_PHONE");
    }
}
