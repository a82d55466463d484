//! `crm-server/openapi.json`: the HTTP API of crm-server as OpenAPI 3.1. Every operation of the
//! core's table is `POST /v1/ops/{name}`; its body and answer are the very schemas the other
//! surfaces are generated from (OpenAPI 3.1 is JSON Schema 2020-12, so they pass through as they
//! are, only their references moved to `#/components/schemas`). The routes of the server's own
//! (tokens, whoami, health) and its error statuses are described here, as crm-server answers them.

use crate::model::{Model, Operation, TypeDef};
use serde_json::{json, Map, Value};
use std::collections::BTreeSet;

const PATH: &str = "crm-server/openapi.json";
const ERROR_TYPE: &str = "CrmError";
const SCHEMAS: &str = "#/components/schemas/";

/// crm-server's table of statuses, included as source: the server cannot be a dependency of the
/// generator (it serves what this writes), and one file keeps the two from drifting.
#[path = "../../crm-server/src/statuses.rs"]
mod statuses;

pub use statuses::SERVER_CODES;

/// The error statuses every authenticated route may answer: name of the shared response, status,
/// what it means.
const ERROR_RESPONSES: &[(&str, u16, &str)] = &[
    (
        "Unauthenticated",
        401,
        "No valid bearer credential (UNAUTHENTICATED).",
    ),
    ("Forbidden", 403, "The caller may not do this."),
    (
        "NotFound",
        404,
        "No such record, or one outside the caller's data scope.",
    ),
    ("Conflict", 409, "A rule refused the call."),
    (
        "BodyTooLarge",
        413,
        "The request body is larger than the server accepts.",
    ),
    ("Invalid", 422, "An argument is invalid."),
    (
        "TooManyRequests",
        429,
        "A limit was reached (OVERLOADED: retry after Retry-After).",
    ),
    ("Internal", 500, "The server failed; its log says why."),
    (
        "Unavailable",
        503,
        "The database is busy or read-only; retry after Retry-After.",
    ),
    (
        "Timeout",
        504,
        "The call took too long to answer; it may still complete.",
    ),
    ("InsufficientStorage", 507, "The database is full."),
];

/// The core's error codes, in its order.
pub fn core_codes(model: &Model) -> Vec<String> {
    match model.types.get(ERROR_TYPE) {
        Some(TypeDef::Union { variants, .. }) => variants.iter().map(|v| v.tag.clone()).collect(),
        _ => panic!("the model has no {ERROR_TYPE} union"),
    }
}

/// Every status with the codes that answer with it (the core's, then the server's own), in
/// status order.
pub fn status_table(model: &Model) -> Vec<(u16, Vec<String>)> {
    let mut rows: Vec<(u16, Vec<String>)> = Vec::new();
    let codes = core_codes(model)
        .into_iter()
        .chain(SERVER_CODES.iter().map(|c| c.to_string()));
    for code in codes {
        let status = statuses::status(&code);
        match rows.iter_mut().find(|(s, _)| *s == status) {
            Some((_, codes)) => codes.push(code),
            None => rows.push((status, vec![code])),
        }
    }
    rows.sort_by_key(|(s, _)| *s);
    rows
}

/// Moves schemars' `#/$defs/Name` references to `#/components/schemas/<spelled(Name)>`.
fn rewrite(v: &Value, spelled: &dyn Fn(&str) -> String) -> Value {
    match v {
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, x)| {
                    let x = match (k.as_str(), x.as_str()) {
                        ("$ref", Some(r)) => match r.strip_prefix("#/$defs/") {
                            Some(name) => Value::from(format!("{SCHEMAS}{}", spelled(name))),
                            None => x.clone(),
                        },
                        _ => rewrite(x, spelled),
                    };
                    (k.clone(), x)
                })
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.iter().map(|x| rewrite(x, spelled)).collect()),
        other => other.clone(),
    }
}

/// The names a schema refers to.
fn refs(v: &Value, out: &mut BTreeSet<String>) {
    match v {
        Value::Object(map) => {
            for (k, x) in map {
                match (k.as_str(), x.as_str()) {
                    ("$ref", Some(r)) => {
                        out.insert(r.rsplit('/').next().unwrap_or(r).to_string());
                    }
                    _ => refs(x, out),
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|x| refs(x, out)),
        _ => {}
    }
}

/// The schemas as components: every output type under its name, every input type too, under
/// `NameInput` when its input form differs from its output form (a default makes a field
/// optional, a decimal goes in as a number too), itself or through a type it refers to.
struct Components {
    schemas: Map<String, Value>,
    /// Input types spelled otherwise than their name.
    renamed: BTreeSet<String>,
}

impl Components {
    fn new(inputs: &Map<String, Value>, outputs: &Map<String, Value>) -> Self {
        let both: Vec<&String> = inputs.keys().filter(|n| outputs.contains_key(*n)).collect();
        let mut renamed: BTreeSet<String> = both
            .iter()
            .filter(|n| inputs[n.as_str()] != outputs[n.as_str()])
            .map(|n| n.to_string())
            .collect();
        loop {
            let more: Vec<String> = both
                .iter()
                .filter(|n| !renamed.contains(n.as_str()))
                .filter(|n| {
                    let mut r = BTreeSet::new();
                    refs(&inputs[n.as_str()], &mut r);
                    r.iter().any(|x| renamed.contains(x))
                })
                .map(|n| n.to_string())
                .collect();
            if more.is_empty() {
                break;
            }
            renamed.extend(more);
        }
        let mut all = Components {
            schemas: Map::new(),
            renamed,
        };
        let mut entries: Vec<(String, Value)> = outputs
            .iter()
            .map(|(n, s)| (n.clone(), rewrite(s, &|x| x.to_string())))
            .collect();
        for (n, s) in inputs {
            if !outputs.contains_key(n) || all.renamed.contains(n) {
                entries.push((all.input(n), rewrite(s, &|x| all.input(x))));
            }
        }
        entries.sort_by(|a, b| a.0.cmp(&b.0));
        for (name, schema) in entries {
            if all.schemas.insert(name.clone(), schema).is_some() {
                panic!("two schemas would both be components/schemas/{name}");
            }
        }
        all
    }

    /// The component name of a type as it goes in.
    fn input(&self, name: &str) -> String {
        if self.renamed.contains(name) {
            format!("{name}Input")
        } else {
            name.to_string()
        }
    }

    fn input_schema(&self, schema: &Value) -> Value {
        rewrite(schema, &|x| self.input(x))
    }
}

fn output_schema(schema: &Value) -> Value {
    rewrite(schema, &|x| x.to_string())
}

fn schema_ref(name: &str) -> Value {
    json!({ "$ref": format!("{SCHEMAS}{name}") })
}

fn json_content(schema: Value) -> Value {
    json!({ "application/json": { "schema": schema } })
}

/// The answers of an authenticated route: 200 with `ok`, and every error status.
fn responses(ok: Value, what: &str) -> Value {
    let mut r = Map::new();
    r.insert(
        "200".into(),
        json!({ "description": what, "content": json_content(ok) }),
    );
    for (name, status, _) in ERROR_RESPONSES {
        r.insert(
            status.to_string(),
            json!({ "$ref": format!("#/components/responses/{name}") }),
        );
    }
    Value::Object(r)
}

/// The first sentence of a doc, on one line.
fn summary(doc: &str) -> String {
    let line = doc.split_whitespace().collect::<Vec<_>>().join(" ");
    match line.find(". ") {
        Some(i) => line[..=i].to_string(),
        None => line,
    }
}

fn operation(op: &Operation, raw: &Value, c: &Components, pure: bool) -> Value {
    assert_eq!(raw["name"], op.name, "operations in the model's order");
    let (body, required) = match &op.record {
        Some(record) => {
            let needs = c
                .schemas
                .get(&c.input(record))
                .and_then(|s| s.get("required"))
                .and_then(Value::as_array)
                .is_some_and(|r| !r.is_empty());
            (schema_ref(&c.input(record)), needs)
        }
        None => {
            let mut props = Map::new();
            for (arg, raw_arg) in op
                .args
                .iter()
                .zip(raw["args"].as_array().into_iter().flatten())
            {
                assert_eq!(raw_arg["name"], arg.name, "arguments in the core's order");
                props.insert(arg.name.clone(), c.input_schema(&raw_arg["schema"]));
            }
            let required: Vec<&str> = op
                .args
                .iter()
                .filter(|a| a.required)
                .map(|a| a.name.as_str())
                .collect();
            let mut schema = json!({ "type": "object" });
            if !props.is_empty() {
                schema["properties"] = Value::Object(props);
            }
            if !required.is_empty() {
                schema["required"] = json!(required);
            }
            schema["additionalProperties"] = Value::Bool(false);
            (schema, !required.is_empty())
        }
    };
    let mut out = json!({
        "operationId": op.name,
        "tags": [if pure { "pure operations" } else { "operations" }],
    });
    // Some operations have no doc in the core; an empty summary would only be noise.
    if !op.doc.trim().is_empty() {
        out["summary"] = Value::from(summary(&op.doc));
        out["description"] = Value::from(op.doc.as_str());
    }
    out["requestBody"] = json!({
            "required": required,
            "description": "The named arguments (an empty body reads as `{}`).",
            "content": json_content(body),
    });
    out["responses"] = responses(output_schema(&raw["result"]), "The operation's result.");
    out
}

fn info(model: &Model) -> Value {
    let mut text = String::from(
        "Every operation of crm-core's operation table is `POST /v1/ops/{name}`: the body is \
         its named arguments as one JSON object, the answer its result, both in the records' \
         serde form. Every route but `/v1/health` and `/v1/openapi.json` takes \
         `Authorization: Bearer <credential>` (a token an administrator issued); the token's \
         user is the actor of every call, and their data scope decides what they see.\n\n\
         Errors are `{code, message, details}` (`Error`); the status follows the code:\n\n\
         | status | codes |\n|---|---|\n",
    );
    for (status, codes) in status_table(model) {
        // The server answers OUT_OF_SCOPE as NOT_FOUND, so a token learns nothing of ids it may
        // not see.
        let codes = codes.join(", ").replace(
            "OUT_OF_SCOPE",
            "OUT_OF_SCOPE (sent as NOT_FOUND: a record outside the caller's data scope reads as absent)",
        );
        text.push_str(&format!("| {status} | {codes} |\n"));
    }
    json!({
        "title": "crm-server",
        "version": env!("CARGO_PKG_VERSION"),
        "description": text,
    })
}

fn error_schema(model: &Model) -> Value {
    let mut codes = core_codes(model);
    codes.extend(SERVER_CODES.iter().map(|c| c.to_string()));
    json!({
        "type": "object",
        "description": "Every refusal: a stable code shared by all surfaces, a message for people, \
                        and the error's own fields (for the core's codes, the `details` of that \
                        code in `CrmError`; empty for the server's own).",
        "properties": {
            "code": { "type": "string", "enum": codes },
            "message": { "type": "string" },
            "details": { "type": "object" },
        },
        "required": ["code", "message", "details"],
    })
}

fn error_responses() -> Value {
    let mut r = Map::new();
    for (name, status, what) in ERROR_RESPONSES {
        let mut response = json!({
            "description": what,
            "content": json_content(schema_ref("Error")),
        });
        let header = match status {
            401 => Some(("WWW-Authenticate", "`Bearer realm=\"crm\"`.")),
            429 | 503 => Some((
                "Retry-After",
                "Seconds to wait before trying again (not for DAILY_LIMIT_REACHED).",
            )),
            _ => None,
        };
        if let Some((h, d)) = header {
            response["headers"] =
                json!({ h: { "description": d, "schema": { "type": "string" } } });
        }
        r.insert(name.to_string(), response);
    }
    Value::Object(r)
}

/// The routes crm-server has besides the operations.
fn server_paths(paths: &mut Map<String, Value>) {
    let open = json!([]);
    paths.insert(
        "/v1/health".into(),
        json!({ "get": {
            "operationId": "health",
            "tags": ["server"],
            "summary": "Whether the server is up (no credential needed).",
            "security": open,
            "responses": { "200": { "description": "Up.", "content": json_content(json!({
                "type": "object",
                "properties": { "status": { "type": "string", "const": "ok" } },
                "required": ["status"],
            })) } },
        } }),
    );
    paths.insert(
        "/v1/openapi.json".into(),
        json!({ "get": {
            "operationId": "openapi",
            "tags": ["server"],
            "summary": "This document (no credential needed).",
            "security": open,
            "responses": { "200": { "description": "This OpenAPI description.",
                "content": json_content(json!({ "type": "object" })) } },
        } }),
    );
    paths.insert(
        "/v1/whoami".into(),
        json!({ "get": {
            "operationId": "whoami",
            "tags": ["tokens"],
            "summary": "The user the credential acts as.",
            "responses": responses(schema_ref("User"), "The caller's user."),
        } }),
    );
    paths.insert(
        "/v1/tokens".into(),
        json!({
            "get": {
                "operationId": "list_tokens",
                "tags": ["tokens"],
                "summary": "Every token (administrators) or the caller's own, in order of issue.",
                "responses": responses(
                    json!({ "type": "array", "items": schema_ref("ApiToken") }),
                    "The tokens, never their secrets.",
                ),
            },
            "post": {
                "operationId": "issue_token",
                "tags": ["tokens"],
                "summary": "Issues a token acting as an active user (administrators only).",
                "description": "The answer holds the credential: the only time its secret is seen.",
                "requestBody": { "required": true, "content": json_content(json!({
                    "type": "object",
                    "properties": {
                        "user_id": { "type": "string", "description": "The user the token acts as." },
                        "label": { "type": "string", "description": "What the token is for.", "default": "" },
                    },
                    "required": ["user_id"],
                    "additionalProperties": false,
                })) },
                "responses": responses(schema_ref("IssuedToken"), "The token and its credential."),
            },
        }),
    );
    paths.insert(
        "/v1/tokens/{id}/revoke".into(),
        json!({ "post": {
            "operationId": "revoke_token",
            "tags": ["tokens"],
            "summary": "Revokes a token at once (administrators, or the token's own user).",
            "parameters": [{ "name": "id", "in": "path", "required": true, "schema": { "type": "string" } }],
            "requestBody": { "required": true, "content": json_content(json!({
                "type": "object",
                "properties": {
                    "expected_version": { "type": "integer", "format": "uint64", "minimum": 0 },
                },
                "required": ["expected_version"],
                "additionalProperties": false,
            })) },
            "responses": responses(schema_ref("ApiToken"), "The revoked token."),
        } }),
    );
}

/// The document.
pub fn document(model: &Model) -> Value {
    // The server's own records come from a generator like the model's: same settings, so the
    // types they share come out the same (checked below).
    let (_, mut extra) = crate::model::generators();
    extra.subschema_for::<crm_core::auth::IssuedToken>();
    extra.subschema_for::<crm_core::User>();
    let mut outputs = model.schemas.outputs.clone();
    for (name, schema) in extra.definitions() {
        match outputs.get(name) {
            Some(s) if s != schema => panic!("two different schemas named {name}"),
            _ => {
                outputs.insert(name.clone(), schema.clone());
            }
        }
    }
    let c = Components::new(&model.schemas.inputs, &outputs);
    let mut schemas = c.schemas.clone();
    if schemas
        .insert("Error".into(), error_schema(model))
        .is_some()
    {
        panic!("crm-core has a type named Error, which the server's error schema would hide");
    }
    let mut paths = Map::new();
    server_paths(&mut paths);
    for (op, raw) in model.operations.iter().zip(&model.schemas.operations) {
        let pure = crm_core::api::PURE_OPERATIONS.contains(&op.name.as_str());
        paths.insert(
            format!("/v1/ops/{}", op.name),
            json!({ "post": operation(op, raw, &c, pure) }),
        );
    }
    let mut sorted = Map::new();
    let mut names: Vec<&String> = schemas.keys().collect();
    names.sort();
    for n in names {
        sorted.insert(n.clone(), schemas[n].clone());
    }
    json!({
        "openapi": "3.1.0",
        "info": info(model),
        "tags": [
            { "name": "operations", "description": "The operations of an organisation (crm-core's `Crm`)." },
            { "name": "pure operations", "description": "Functions of their arguments alone (SLA, RFM, performance, commission)." },
            { "name": "tokens", "description": "API tokens and the caller's own user." },
            { "name": "server", "description": "The server itself." },
        ],
        "security": [{ "bearer": [] }],
        "paths": paths,
        "components": {
            "securitySchemes": { "bearer": {
                "type": "http",
                "scheme": "bearer",
                "description": "A credential `crm1.<org>.<token id>.<secret>`, as issued by `POST /v1/tokens` or `crm token issue`.",
            } },
            "responses": error_responses(),
            "schemas": sorted,
        },
    })
}

pub fn generate(model: &Model) -> Vec<(String, String)> {
    let mut text = String::new();
    write(&document(model), 0, 0, &mut text);
    text.push('\n');
    vec![(PATH.into(), text)]
}

/// Lines are at most this wide where a value fits on one.
const WIDTH: usize = 100;

/// Pretty JSON with every object or array that fits on its line kept on it (a `$ref`, an enum,
/// a small schema): a third of the size of one value per line, and as easy to read and diff.
/// `lead` is how much of the line the key already took.
fn write(v: &Value, depth: usize, lead: usize, out: &mut String) {
    let one_line = inline(v);
    let pad = |d: usize| "  ".repeat(d);
    let (open, close, items): (char, char, Vec<(Option<&String>, &Value)>) = match v {
        Value::Object(map) if !map.is_empty() => {
            ('{', '}', map.iter().map(|(k, x)| (Some(k), x)).collect())
        }
        Value::Array(xs) if !xs.is_empty() => ('[', ']', xs.iter().map(|x| (None, x)).collect()),
        _ => return out.push_str(&one_line),
    };
    if depth * 2 + lead + one_line.len() <= WIDTH {
        return out.push_str(&one_line);
    }
    out.push(open);
    out.push('\n');
    for (i, (k, x)) in items.iter().enumerate() {
        out.push_str(&pad(depth + 1));
        let key = k
            .map(|k| format!("{}: ", Value::from(k.as_str())))
            .unwrap_or_default();
        out.push_str(&key);
        write(x, depth + 1, key.len(), out);
        out.push_str(if i + 1 < items.len() { ",\n" } else { "\n" });
    }
    out.push_str(&pad(depth));
    out.push(close);
}

/// A value on one line, `{"a": 1, "b": [2, 3]}`.
fn inline(v: &Value) -> String {
    match v {
        Value::Object(map) => {
            let parts: Vec<String> = map
                .iter()
                .map(|(k, x)| format!("{}: {}", Value::from(k.as_str()), inline(x)))
                .collect();
            format!("{{{}}}", parts.join(", "))
        }
        Value::Array(xs) => {
            let parts: Vec<String> = xs.iter().map(inline).collect();
            format!("[{}]", parts.join(", "))
        }
        other => other.to_string(),
    }
}
