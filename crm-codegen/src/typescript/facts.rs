//! The runtime side of the JS surface: `facts.js`, the compact table of every type and operation
//! the JS glue (`crm-wasm/js/convert.js`) converts arguments and results with, and `api.js`, one
//! module function per pure operation.
//!
//! A kind is `"string"`, `"bool"`, `"int"`, `"float"`, `"decimal"`, `"instant"`, `"date"`,
//! `"unit"`, `"json"` (any JSON, as it is), a type's name, or `["list", kind]`, `["set", kind]`, `["opt", kind]`, `["map",
//! kind]` (keys are data), `["keyed", [keys], kind]` (keys are enum values).

use super::{camel, on_crm, HEADER};
use crate::model::{Field, Model, Ty, TypeDef};
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::fmt::Write;

fn kind(ty: &Ty) -> Value {
    match ty {
        Ty::String => "string".into(),
        Ty::Bool => "bool".into(),
        Ty::Int { .. } => "int".into(),
        Ty::Float => "float".into(),
        Ty::Decimal => "decimal".into(),
        Ty::Instant => "instant".into(),
        Ty::Date => "date".into(),
        Ty::Unit => "unit".into(),
        Ty::Json => "json".into(),
        Ty::List { item, unique } => json!([if *unique { "set" } else { "list" }, kind(item)]),
        Ty::Map { value } => json!(["map", kind(value)]),
        Ty::KeyedMap { keys, value } => json!(["keyed", keys, kind(value)]),
        Ty::Optional { inner } => json!(["opt", kind(inner)]),
        Ty::Ref { name } => name.as_str().into(),
    }
}

/// `[camelName, snake_name, kind, required]` per field.
fn fields(fields: &[Field]) -> Value {
    fields
        .iter()
        .map(|f| json!([camel(&f.name), f.name, kind(&f.ty), u8::from(f.required)]))
        .collect()
}

pub(super) fn facts(model: &Model) -> String {
    let mut out = String::from(HEADER);
    out.push_str(
        "// Type facts of crm-core's records and operations, read by ../convert.js (see the\n\
         // generator, crm-codegen/src/typescript/facts.rs, for the spelling of kinds).\n\n\
         /** name -> [\"record\", fields] | [\"enum\", values] | [\"union\", tag, detailsKey, variants];\n \
         * a field is [camelName, snake_name, kind, required]. */\nexport const TYPES = {\n",
    );
    for (name, def) in &model.types {
        let fact = match def {
            TypeDef::Record { fields: f, .. } => json!(["record", fields(f)]),
            TypeDef::Enum { values, .. } => json!(["enum", values]),
            TypeDef::Union {
                tag,
                content,
                content_is_record,
                variants,
                ..
            } => {
                let vs: serde_json::Map<String, Value> = variants
                    .iter()
                    .map(|v| (v.tag.clone(), fields(&v.fields)))
                    .collect();
                let details = content.as_ref().filter(|_| *content_is_record);
                json!(["union", tag, details, vs])
            }
        };
        let _ = writeln!(out, "  {}: {fact},", Value::from(name.as_str()));
    }
    out.push_str(
        "};\n\n/** snake_name -> [methodName, takesActor, onCrm, inputRecord, args, result]. */\n\
         export const OPS = {\n",
    );
    for op in &model.operations {
        let fact = json!([
            camel(&op.name),
            u8::from(op.actor),
            u8::from(on_crm(op)),
            op.record,
            fields(&op.args),
            kind(&op.result)
        ]);
        let _ = writeln!(out, "  {}: {fact},", Value::from(op.name.as_str()));
    }
    out.push_str("};\n");
    out
}

/// `SERVER_TYPES`: the facts of crm-server's own records (its token routes), apart from the
/// core's `TYPES` so that those stay exactly the core's.
pub(super) fn server_facts(types: &BTreeMap<String, TypeDef>) -> String {
    let mut out = String::from(
        "\n/** crm-server's own records (its token routes), in the form of `TYPES`; read by ../remote.js. */\n\
         export const SERVER_TYPES = {\n",
    );
    for (name, def) in types {
        let TypeDef::Record { fields: f, .. } = def else {
            panic!("the server's {name} is not a record");
        };
        let _ = writeln!(
            out,
            "  {}: {},",
            Value::from(name.as_str()),
            json!(["record", fields(f)])
        );
    }
    out.push_str("};\n");
    out
}

pub(super) fn functions(model: &Model) -> String {
    let mut out = String::from(HEADER);
    out.push_str(
        "// The pure operations (no organisation needed) as module functions; see api.d.ts.\n\n\
         import { pure } from \"../calls.js\";\n\n",
    );
    for op in model.operations.iter().filter(|op| !on_crm(op)) {
        let _ = writeln!(
            out,
            "export const {} = pure({:?});",
            camel(&op.name),
            op.name
        );
    }
    out
}
