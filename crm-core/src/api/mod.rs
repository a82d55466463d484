//! The operation table: every service call and batch rule by name, with named arguments and a
//! result in the records' serde form. Each operation is declared once, with the Rust types of its
//! arguments and result, by `operations!`; that one declaration dispatches JSON calls (JS, Python,
//! the scenario runner) and, behind the `schema` feature, describes the operation for the code
//! generator that writes every other surface's types and methods.
//!
//! Conventions every operation follows, so no surface needs a table of exceptions:
//! - the acting user comes first (not an argument here: `call` takes it apart);
//! - then the id of the record acted on, then `expected_version` where the call edits a record
//!   the caller read (required: optimistic concurrency is not optional), then the rest;
//! - an input record that looks like a patch (`*Patch`) is a patch: fields left out stay;
//! - durations name their unit (`minutes`, `days`, `hours`); SLA durations are minutes.

#[cfg(any(feature = "camel-case-json", test))]
mod camel;
#[cfg(feature = "client")]
pub mod client;
mod org;
pub mod pure;
mod words;

use crate::error::{CrmError, Result};
use crate::service::Crm;
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::Value;

/// A typed result, written out as JSON text. Text is the one form every surface reads, so each
/// result type compiles one serialiser (a `Value` form too would double the WASM module). With
/// the `camel-case-json` feature (the WASM build) record fields are spelt in camelCase.
pub trait Reply {
    fn to_json(&self) -> Result<String>;
}

impl<T: Serialize> Reply for T {
    fn to_json(&self) -> Result<String> {
        json_text(self)
    }
}

fn json_text<T: Serialize + ?Sized>(value: &T) -> Result<String> {
    #[cfg(feature = "camel-case-json")]
    let text = camel::to_json(value);
    #[cfg(not(feature = "camel-case-json"))]
    let text = serde_json::to_string(value);
    text.map_err(CrmError::storage)
}

/// What an operation answers: its typed result, not yet serialised.
pub type Answer = Result<Box<dyn Reply>>;

/// Named arguments, parsed once from JSON text; each argument is then read from its value (the
/// value deserialiser is the smallest per type, which matters in WASM).
pub struct Args {
    /// Always an object.
    value: Value,
}

impl Args {
    /// Named arguments already parsed.
    pub(crate) fn from_map(map: serde_json::Map<String, Value>) -> Self {
        Args {
            value: Value::Object(map),
        }
    }

    /// `text` is a JSON object of named arguments (empty or `null`: none).
    pub fn parse(text: &str) -> Result<Self> {
        let text = if text.trim().is_empty() { "null" } else { text };
        match serde_json::from_str(text) {
            Ok(value @ Value::Object(_)) => Ok(Args { value }),
            Ok(Value::Null) => Ok(Args {
                value: Value::Object(Default::default()),
            }),
            Ok(_) => Err(CrmError::invalid(
                "args",
                "must be an object of named arguments",
            )),
            // Two different ids must never read as one: text that is not valid Unicode is refused.
            Err(e)
                if ["surrogate", "hex escape"]
                    .iter()
                    .any(|w| e.to_string().contains(w)) =>
            {
                Err(CrmError::invalid(
                    "args",
                    "holds text with a lone surrogate, which is not valid Unicode",
                ))
            }
            Err(_) => Err(CrmError::invalid(
                "args",
                "must be an object of named arguments in JSON",
            )),
        }
    }
}

/// Declares a table of operations. Each entry is
/// `fn name(arg: Type, ...) -> Result { body }`, or `fn name(; ..input: Record)` for an operation
/// whose named arguments are the fields of one input record; `[no_actor]` marks the ones that
/// run without an acting user. The table's context (`crm`, `actor`) is in scope in every body.
macro_rules! operations {
    (
        context($($cname:ident : $cty:ty),*);
        $(
            $(#[doc = $doc:literal])*
            $([$flag:ident])?
            fn $name:ident ( $($arg:ident : $ty:ty),* $(; ..$whole:ident : $wty:ty)? ) -> $out:ty $body:block
        )*
    ) => {
        /// Every operation of this table, by name.
        pub const NAMES: &[&str] = &[$(stringify!($name)),*];

        /// Runs `op` with named `args`; `None` when this table has no such operation.
        pub fn dispatch($($cname: $cty,)* op: &str, args: &$crate::api::Args) -> Option<$crate::api::Answer> {
            let answer = match op {
                $(
                    stringify!($name) => (|| -> $crate::api::Answer {
                        $crate::api::check_args(
                            op,
                            args,
                            &[$(stringify!($arg)),*],
                            !<[&str]>::is_empty(&[$(stringify!($wty))?]),
                        )?;
                        $( let $arg: $ty = $crate::api::arg(args, stringify!($arg))?; )*
                        $( let $whole: $wty = $crate::api::record(args)?; )?
                        let out: $crate::error::Result<$out> = $body;
                        Ok(Box::new(out?))
                    })(),
                )*
                _ => return None,
            };
            Some(answer)
        }

        /// Every operation of this table as a typed method over a transport of JSON values: how
        /// Rust code runs the same calls in-process (`Crm` implements it) or against a server
        /// (crm-server's client), written once for both.
        #[cfg(feature = "client")]
        pub trait Operations {
            /// Runs `op` as `actor` with named `args` in the core's serde form; the result in
            /// the same form.
            fn call_value(
                &self,
                op: &str,
                actor: &str,
                args: serde_json::Value,
            ) -> $crate::error::Result<serde_json::Value>;
            $(
                $(#[doc = $doc])*
                fn $name(
                    &self,
                    actor: &str,
                    $($arg: impl Into<$ty>,)*
                    $($whole: $wty)?
                ) -> $crate::error::Result<$out>
                where
                    Self: Sized,
                {
                    $( let $arg: $ty = $arg.into(); )*
                    #[allow(unused_variables)]
                    let args = $crate::api::client::named(vec![
                        $( (stringify!($arg), $crate::api::client::to_value(&$arg)?) ),*
                    ]);
                    $( let args = $crate::api::client::fields(&$whole)?; )?
                    let out = self.call_value(stringify!($name), actor, serde_json::Value::Object(args))?;
                    $crate::api::client::from_value(out)
                }
            )*
        }

        /// Describes every operation of this table for the code generator.
        #[cfg(feature = "schema")]
        pub fn describe(
            inputs: &mut schemars::SchemaGenerator,
            outputs: &mut schemars::SchemaGenerator,
        ) -> Vec<$crate::api::OperationInfo> {
            vec![$(
                $crate::api::OperationInfo {
                    name: stringify!($name),
                    doc: $crate::api::doc_text(&[$($doc),*]),
                    actor: <[&str]>::is_empty(&[$(stringify!($flag))?]) && NEEDS_ACTOR,
                    args: vec![$(
                        $crate::api::ArgInfo {
                            name: stringify!($arg),
                            schema: inputs.subschema_for::<$ty>(),
                        }
                    ),*],
                    record: None $( .or(Some(inputs.subschema_for::<$wty>())) )?,
                    result: outputs.subschema_for::<$out>(),
                }
            ),*]
        }
    };
}
pub(crate) use operations;

/// One operation as the code generator sees it.
#[cfg(feature = "schema")]
#[derive(Debug, Clone, Serialize)]
pub struct OperationInfo {
    pub name: &'static str,
    pub doc: String,
    /// Whether the call names an acting user (pure batch functions and `bootstrap` do not).
    pub actor: bool,
    /// Named arguments in declaration order.
    pub args: Vec<ArgInfo>,
    /// For operations whose arguments are the fields of one input record: that record.
    pub record: Option<schemars::Schema>,
    pub result: schemars::Schema,
}

#[cfg(feature = "schema")]
#[derive(Debug, Clone, Serialize)]
pub struct ArgInfo {
    pub name: &'static str,
    pub schema: schemars::Schema,
}

#[cfg(feature = "schema")]
pub(crate) fn doc_text(lines: &[&str]) -> String {
    lines
        .iter()
        .map(|l| l.strip_prefix(' ').unwrap_or(l))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Every operation of the table, described for the code generator: the organisation's operations
/// first, then the pure ones. Arguments are described as inputs (fields with defaults may be left
/// out), results as outputs (every field is present).
#[cfg(feature = "schema")]
pub fn describe(
    inputs: &mut schemars::SchemaGenerator,
    outputs: &mut schemars::SchemaGenerator,
) -> Vec<OperationInfo> {
    let mut all = org::describe(inputs, outputs);
    all.extend(pure::describe(inputs, outputs));
    all
}

#[cfg(feature = "client")]
pub use org::Operations;

/// Operations that need an organisation (a `Crm`), by name.
pub const ORG_OPERATIONS: &[&str] = org::NAMES;
/// Pure operations (SLA calendars and clocks, RFM, performance, commission statements): functions
/// of their arguments alone.
pub const PURE_OPERATIONS: &[&str] = pure::NAMES;

pub(crate) fn check_args(op: &str, args: &Args, names: &[&str], record: bool) -> Result<()> {
    if record {
        return Ok(());
    }
    let keys = args.value.as_object().into_iter().flat_map(|m| m.keys());
    match keys.into_iter().find(|k| !names.contains(&k.as_str())) {
        None => Ok(()),
        Some(key) => Err(CrmError::invalid(
            key.as_str(),
            format!(
                "{op} takes no argument {key:?} (it takes {})",
                if names.is_empty() {
                    "none".to_string()
                } else {
                    names.join(", ")
                }
            ),
        )),
    }
}

/// Argument `name`; a missing one is read as null, which suits optional arguments.
pub(crate) fn arg<T: DeserializeOwned>(args: &Args, name: &str) -> Result<T> {
    match args.value.get(name) {
        Some(value) => words::read(name, value),
        None => T::deserialize(&Value::Null).map_err(|_| CrmError::invalid(name, "is missing")),
    }
}

/// The arguments as one input record.
pub(crate) fn record<T: DeserializeOwned>(args: &Args) -> Result<T> {
    words::read("", &args.value)
}

/// Runs pure operation `op` (no organisation needed) on JSON text; `None` when `op` is not one.
pub fn call_pure(op: &str, args: &str) -> Option<Result<String>> {
    let args = match Args::parse(args) {
        Ok(args) => args,
        Err(e) => return pure::NAMES.contains(&op).then_some(Err(e.clipped())),
    };
    pure::dispatch(op, &args).map(|answer| answer?.to_json().map_err(CrmError::clipped))
}

/// Runs operation `op` as `actor` (ignored by the ones that need no actor) with named `args`.
pub fn answer(crm: &Crm, op: &str, actor: &str, args: &Args) -> Answer {
    org::dispatch(crm, actor, op, args)
        .or_else(|| pure::dispatch(op, args))
        .unwrap_or_else(|| Err(CrmError::invalid("op", format!("unknown operation {op:?}"))))
        .map_err(CrmError::clipped)
}

/// [`answer`] from and to JSON text: what every binding hands over.
pub fn call_json(crm: &Crm, op: &str, actor: &str, args: &str) -> Result<String> {
    let args = Args::parse(args).map_err(CrmError::clipped)?;
    answer(crm, op, actor, &args)?.to_json()
}

/// [`call_json`] on JSON values, for Rust callers such as the scenario runner.
pub fn call(crm: &Crm, op: &str, actor: &str, args: &Value) -> Result<Value> {
    let text = call_json(crm, op, actor, &args.to_string())?;
    serde_json::from_str(&text).map_err(CrmError::storage)
}

/// The error as JSON for bindings: `{code, message, details}` where details are the variant's fields.
pub fn error_json(error: &CrmError) -> Value {
    let mut json = json_text(error)
        .ok()
        .and_then(|text| serde_json::from_str(&text).ok())
        .unwrap_or_else(|| serde_json::json!({}));
    json["code"] = Value::from(error.code());
    json["message"] = Value::from(error.to_string());
    json
}
