//! SQLite's result codes as the core's stable error codes, so a caller can tell a busy database
//! (retry), a full disk and a read-only file apart without reading message text.

use crm_core::CrmError;
use rusqlite::ffi::ErrorCode;
use std::time::Duration;

/// The error of a failed SQLite call. `StorageBusy` carries no timeout here (a `Tx` does not know
/// it); the store fills it in with [`with_timeout`] before the error leaves it.
pub(crate) fn from_sqlite(e: rusqlite::Error) -> CrmError {
    match e.sqlite_error_code() {
        Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked) => {
            CrmError::StorageBusy { timeout_ms: 0 }
        }
        Some(ErrorCode::DiskFull) => CrmError::StorageFull {
            reason: e.to_string(),
        },
        Some(ErrorCode::ReadOnly) => CrmError::ReadOnly {
            reason: e.to_string(),
        },
        _ => CrmError::storage(e),
    }
}

/// Sets the busy timeout the store waited for on a `StorageBusy` error; other errors pass.
pub(crate) fn with_timeout(e: CrmError, timeout: Duration) -> CrmError {
    match e {
        CrmError::StorageBusy { .. } => busy(timeout),
        other => other,
    }
}

pub(crate) fn busy(timeout: Duration) -> CrmError {
    CrmError::StorageBusy {
        timeout_ms: timeout.as_millis().min(u64::MAX as u128) as u64,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rusqlite::ffi;

    fn failure(code: i32) -> rusqlite::Error {
        rusqlite::Error::SqliteFailure(ffi::Error::new(code), None)
    }

    #[test]
    fn each_kind_of_failure_has_its_own_code() {
        let code = |c| from_sqlite(failure(c)).code();
        assert_eq!(code(ffi::SQLITE_BUSY), "STORAGE_BUSY");
        assert_eq!(code(ffi::SQLITE_BUSY_SNAPSHOT), "STORAGE_BUSY");
        assert_eq!(code(ffi::SQLITE_LOCKED), "STORAGE_BUSY");
        assert_eq!(code(ffi::SQLITE_FULL), "STORAGE_FULL");
        assert_eq!(code(ffi::SQLITE_READONLY), "READ_ONLY");
        assert_eq!(code(ffi::SQLITE_READONLY_DIRECTORY), "READ_ONLY");
        assert_eq!(code(ffi::SQLITE_CANTOPEN), "STORAGE");
        assert_eq!(code(ffi::SQLITE_CORRUPT), "STORAGE");
        assert_eq!(
            with_timeout(
                from_sqlite(failure(ffi::SQLITE_BUSY)),
                Duration::from_millis(750)
            ),
            CrmError::StorageBusy { timeout_ms: 750 }
        );
    }
}
