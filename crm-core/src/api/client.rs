//! What the generated [`Operations`](super::Operations) trait needs: its arguments written and its
//! results read in the core's serde form, and the in-process transport.

use crate::error::{CrmError, Result};
use crate::service::Crm;
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::{Map, Value};

#[cfg(feature = "camel-case-json")]
compile_error!("the client speaks the core's snake_case form: build it without camel-case-json");

pub(crate) fn to_value<T: Serialize>(value: &T) -> Result<Value> {
    serde_json::to_value(value).map_err(|e| CrmError::invalid("args", e.to_string()))
}

/// Named arguments.
pub(crate) fn named(args: Vec<(&str, Value)>) -> Map<String, Value> {
    args.into_iter().map(|(k, v)| (k.to_string(), v)).collect()
}

/// An input record's fields as named arguments.
pub(crate) fn fields<T: Serialize>(record: &T) -> Result<Map<String, Value>> {
    match to_value(record)? {
        Value::Object(map) => Ok(map),
        _ => Err(CrmError::invalid("args", "an input record is an object")),
    }
}

/// A result (or a server's answer), read strictly: a field this build does not know is a storage-level surprise.
pub fn from_value<T: DeserializeOwned>(value: Value) -> Result<T> {
    serde_json::from_value(value).map_err(|e| CrmError::storage(format!("unreadable result: {e}")))
}

/// The service itself, through the same JSON form a server speaks.
impl super::Operations for Crm {
    fn call_value(&self, op: &str, actor: &str, args: Value) -> Result<Value> {
        super::call(self, op, actor, &args)
    }
}

/// A server's answer read: a 200's JSON value, or the refusal typed. The core's codes come back
/// as themselves; a server's own (`OVERLOADED`, `TIMEOUT`, ...) and an answer that is not a
/// server's (a proxy's error page) as a storage failure naming what came, since no core
/// variant means them. `server` names the server in that message.
pub fn read_answer(server: &str, status: u16, body: &str) -> Result<Value> {
    let value: Value = serde_json::from_str(body).map_err(|_| {
        CrmError::storage(format!(
            "the server at {server} answered {status} with no JSON"
        ))
    })?;
    if status == 200 {
        return Ok(value);
    }
    Err(error_from_json(&value).unwrap_or_else(|| {
        CrmError::storage(format!(
            "the server at {server} refused the call ({status} {}): {}",
            value["code"].as_str().unwrap_or("?"),
            value["message"].as_str().unwrap_or("")
        ))
    }))
}

/// A refusal as every surface writes it (`{code, message, details}`), read back into the typed
/// error; `None` for a code the core does not have (a server's own, such as `OVERLOADED`).
pub fn error_from_json(body: &Value) -> Option<CrmError> {
    let shape = serde_json::json!({"code": body.get("code")?, "details": body.get("details")?});
    serde_json::from_value(shape).ok()
}

/// How a client reaches a crm server: one request to `path` (GET without a body, POST with
/// one) and its answer read (see [`read_answer`]). The I/O is the implementer's: a Rust HTTP
/// client, or the host of a binding.
pub trait Transport {
    fn exchange(&self, path: &str, body: Option<&Value>) -> Result<Value>;
}

/// A crm server's operations as its credential's user calls them, over any transport: the
/// typed [`Operations`](super::Operations) of every remote client.
pub struct Remote<T> {
    transport: T,
    /// The credential's user, asked once.
    me: std::sync::OnceLock<String>,
}

impl<T: Transport> Remote<T> {
    pub fn new(transport: T) -> Self {
        Remote {
            transport,
            me: std::sync::OnceLock::new(),
        }
    }

    pub fn transport(&self) -> &T {
        &self.transport
    }

    /// The credential's user.
    pub fn whoami(&self) -> Result<crate::User> {
        from_value(self.transport.exchange("/v1/whoami", None)?)
    }

    fn my_id(&self) -> Result<&str> {
        if let Some(id) = self.me.get() {
            return Ok(id);
        }
        let id = self.whoami()?.id;
        Ok(self.me.get_or_init(|| id))
    }
}

impl<T: Transport> super::Operations for Remote<T> {
    /// `actor` must be empty or the credential's user: a server acts as the token's user only,
    /// so another is refused before anything is sent.
    fn call_value(&self, op: &str, actor: &str, args: Value) -> Result<Value> {
        if !actor.is_empty() && actor != self.my_id()? {
            return Err(CrmError::invalid(
                "actor",
                format!("this client acts as its token's user, not {actor}"),
            ));
        }
        self.transport
            .exchange(&format!("/v1/ops/{op}"), Some(&args))
    }
}
