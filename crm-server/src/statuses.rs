//! The HTTP status of every error code, the core's and the server's own: the one table. It uses
//! no crate but std, so crm-codegen includes this very file (`#[path]`) to write the table into
//! the OpenAPI description; the generator cannot depend on the server it describes.

/// Codes only the HTTP layer gives (the server's routes), in the order they are documented.
pub const SERVER_CODES: &[&str] = &[
    "UNKNOWN_ROUTE",
    "METHOD_NOT_ALLOWED",
    "OVERLOADED",
    "BODY_TOO_LARGE",
    "TIMEOUT",
    "INTERNAL",
];

/// The status of `code`; every core code not named is a rule's refusal, 409 Conflict.
pub fn status(code: &str) -> u16 {
    match code {
        "NOT_FOUND" | "OUT_OF_SCOPE" | "UNKNOWN_ROUTE" => 404,
        "UNAUTHENTICATED" => 401,
        "PERMISSION_DENIED" | "INACTIVE_USER" => 403,
        "METHOD_NOT_ALLOWED" => 405,
        "BODY_TOO_LARGE" => 413,
        "INVALID_INPUT" | "INVALID_PHONE" | "INVALID_EMAIL" | "REQUIRED_FIELDS_MISSING" => 422,
        "DAILY_LIMIT_REACHED" | "LOCK_LIMIT_REACHED" | "OWNERSHIP_CAP_REACHED" | "OVERLOADED" => {
            429
        }
        "STORAGE_BUSY" | "READ_ONLY" => 503,
        "STORAGE_FULL" => 507,
        "TIMEOUT" => 504,
        "STORAGE" | "INTERNAL" => 500,
        // The rules' other refusals: the request met the data in a state that forbids it.
        _ => 409,
    }
}
