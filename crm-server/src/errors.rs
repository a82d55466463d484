//! Errors as HTTP responses: a status for the kind of failure plus the same `{code, message,
//! details}` body every other surface gives. A record outside the caller's data scope answers
//! exactly like a record that does not exist (404 NOT_FOUND), so a token cannot even learn which
//! ids another rep's customers have. Storage failures are logged, never sent: their text may
//! quote SQL or a file path.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use crm_core::CrmError;
use serde_json::{json, Value};

/// An error on its way out of a handler.
#[derive(Debug)]
pub enum ApiError {
    /// A failure the core (or its stores) reported.
    Crm(CrmError),
    /// A failure of the HTTP layer itself: a body too large, a call that took too long, a server
    /// too busy, a path with no route.
    Http { code: &'static str, message: String },
}

impl From<CrmError> for ApiError {
    fn from(e: CrmError) -> Self {
        ApiError::Crm(e)
    }
}

impl ApiError {
    /// An error of the HTTP layer; its status is the code's (see [`status_for_code`]).
    pub fn http(code: &'static str, message: impl Into<String>) -> Self {
        ApiError::Http {
            code,
            message: message.into(),
        }
    }

    /// The stable code of this error, as the response body carries it.
    pub fn code(&self) -> &'static str {
        match self {
            ApiError::Crm(e) => public(e).code(),
            ApiError::Http { code, .. } => code,
        }
    }
}

/// The HTTP status of a core error.
pub fn status_of(e: &CrmError) -> StatusCode {
    status_for_code(e.code())
}

/// The HTTP status of every code, the core's and the server's own (the table is
/// `statuses.rs`, which the generated OpenAPI description is written from).
pub fn status_for_code(code: &str) -> StatusCode {
    StatusCode::from_u16(crate::statuses::status(code)).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
}

/// The error as a caller may see it: out of scope reads as not found, and a storage failure
/// loses its text (the server log keeps it).
fn public(e: &CrmError) -> CrmError {
    match e {
        CrmError::OutOfScope { kind, id, .. } => CrmError::NotFound {
            kind: *kind,
            id: id.clone(),
        },
        CrmError::Storage { .. } => CrmError::Storage {
            message: "the server could not complete the call; its log says why".into(),
        },
        CrmError::ReadOnly { .. } => CrmError::ReadOnly {
            reason: "the server's database cannot be written now".into(),
        },
        CrmError::StorageFull { .. } => CrmError::StorageFull {
            reason: "the server's database is full".into(),
        },
        other => other.clone(),
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, body) = match &self {
            ApiError::Crm(e) => {
                if matches!(
                    e,
                    CrmError::Storage { .. }
                        | CrmError::StorageFull { .. }
                        | CrmError::ReadOnly { .. }
                ) {
                    tracing::error!(code = e.code(), error = %e, "storage failure");
                }
                (status_of(e), crm_core::api::error_json(&public(e)))
            }
            ApiError::Http { code, message } => (
                status_for_code(code),
                json!({"code": code, "message": message, "details": Value::Object(Default::default())}),
            ),
        };
        let mut response = (status, axum::Json(body)).into_response();
        let headers = response.headers_mut();
        if self.code() == "BODY_TOO_LARGE" {
            // The rest of the body was never read: the connection cannot carry another request.
            headers.insert(header::CONNECTION, HeaderValue::from_static("close"));
        }
        match status {
            StatusCode::UNAUTHORIZED => {
                headers.insert(
                    header::WWW_AUTHENTICATE,
                    HeaderValue::from_static("Bearer realm=\"crm\""),
                );
            }
            StatusCode::SERVICE_UNAVAILABLE | StatusCode::TOO_MANY_REQUESTS
                if !matches!(self, ApiError::Crm(CrmError::DailyLimitReached { .. })) =>
            {
                headers.insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
            }
            _ => {}
        }
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crm_core::EntityKind;

    #[test]
    fn out_of_scope_reads_as_not_found_and_storage_text_stays_home() {
        let hidden = CrmError::OutOfScope {
            actor: "u-3".into(),
            kind: EntityKind::Customer,
            id: "c-9".into(),
        };
        assert_eq!(status_of(&hidden), StatusCode::NOT_FOUND);
        assert_eq!(
            public(&hidden),
            CrmError::NotFound {
                kind: EntityKind::Customer,
                id: "c-9".into()
            }
        );
        let leak = CrmError::storage("syntax error at or near \"SELECT\" in /var/lib/crm.db");
        let shown = crm_core::api::error_json(&public(&leak)).to_string();
        assert!(
            !shown.contains("SELECT") && !shown.contains("/var"),
            "{shown}"
        );
        assert_eq!(ApiError::Crm(leak).code(), "STORAGE");
    }

    #[test]
    fn the_openapi_status_table_is_this_one() {
        let spec: Value = serde_json::from_str(crate::OPENAPI).unwrap();
        let table = spec["info"]["description"].as_str().unwrap();
        let mut seen = 0;
        for row in table
            .lines()
            .filter(|l| l.starts_with("| ") && !l.starts_with("| status"))
        {
            let cells: Vec<&str> = row.trim_matches('|').split('|').map(str::trim).collect();
            let status: u16 = cells[0].parse().unwrap();
            for code in cells[1].split(", ") {
                let code = code.split_whitespace().next().unwrap();
                assert_eq!(status_for_code(code).as_u16(), status, "{code}");
                seen += 1;
            }
        }
        let codes = spec["components"]["schemas"]["Error"]["properties"]["code"]["enum"]
            .as_array()
            .unwrap()
            .len();
        assert_eq!(seen, codes, "every code has its row");
    }
}
