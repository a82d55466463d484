//! `tests/records.json`: every record's field set (names, types, optionality) and every
//! operation's signature, in one file each surface's tests compare their own types with.

use crate::model::{Field, Model, Ty, TypeDef};
use serde_json::{json, Map, Value};

/// A type as one short string: `string`, `decimal`, `instant`, `date`, `int`, `float`, `bool`,
/// `list<T>`, `set<T>`, `map<T>` (data keys), `map[a|b]<T>` (enum keys), `T?`, or a type name.
pub fn render(ty: &Ty) -> String {
    match ty {
        Ty::String => "string".into(),
        Ty::Bool => "bool".into(),
        Ty::Int { .. } => "int".into(),
        Ty::Float => "float".into(),
        Ty::Decimal => "decimal".into(),
        Ty::Instant => "instant".into(),
        Ty::Date => "date".into(),
        Ty::List { item, unique } => {
            format!("{}<{}>", if *unique { "set" } else { "list" }, render(item))
        }
        Ty::Map { value } => format!("map<{}>", render(value)),
        Ty::KeyedMap { keys, value } => format!("map[{}]<{}>", keys.join("|"), render(value)),
        Ty::Optional { inner } => format!("{}?", render(inner)),
        Ty::Ref { name } => name.clone(),
        Ty::Unit => "unit".into(),
        Ty::Json => "json".into(),
    }
}

fn field_list(fields: &[Field]) -> Value {
    Value::Array(
        fields
            .iter()
            .map(|f| {
                json!([
                    f.name,
                    render(&f.ty),
                    if f.required { "required" } else { "optional" }
                ])
            })
            .collect(),
    )
}

pub fn generate(model: &Model) -> Vec<(String, String)> {
    let mut types = Map::new();
    for (name, def) in &model.types {
        let v = match def {
            TypeDef::Record { fields, .. } => json!({"record": field_list(fields)}),
            TypeDef::Enum { values, .. } => json!({"enum": values}),
            TypeDef::Union {
                tag,
                content,
                content_is_record,
                variants,
                ..
            } => {
                let mut vs = Map::new();
                for v in variants {
                    vs.insert(v.tag.clone(), field_list(&v.fields));
                }
                json!({"union": {"tag": tag, "content": content, "content_is_record": content_is_record, "variants": vs}})
            }
        };
        types.insert(name.clone(), v);
    }
    let ops: Vec<Value> = model
        .operations
        .iter()
        .map(|op| {
            json!({
                "op": op.name,
                "actor": op.actor,
                "args": match &op.record {
                    Some(r) => json!(format!("..{r}")),
                    None => field_list(&op.args),
                },
                "result": render(&op.result),
            })
        })
        .collect();
    let doc = json!({
        "generated": "by crm-codegen from crm-core's types; do not edit (cargo run -p crm-codegen)",
        "types": types,
        "operations": ops,
    });
    let mut text = String::new();
    write(&doc, 0, &mut text);
    text.push('\n');
    vec![("tests/records.json".into(), text)]
}

/// Pretty JSON with arrays of plain values on one line (a field per line), so a diff of this
/// file reads as a list of changed fields.
fn write(v: &Value, depth: usize, out: &mut String) {
    let pad = |d: usize| "  ".repeat(d);
    match v {
        Value::Object(map) if !map.is_empty() => {
            out.push_str("{\n");
            for (i, (k, x)) in map.iter().enumerate() {
                out.push_str(&pad(depth + 1));
                out.push_str(&Value::from(k.as_str()).to_string());
                out.push_str(": ");
                write(x, depth + 1, out);
                out.push_str(if i + 1 < map.len() { ",\n" } else { "\n" });
            }
            out.push_str(&pad(depth));
            out.push('}');
        }
        Value::Array(items) if items.iter().any(|x| x.is_object() || x.is_array()) => {
            out.push_str("[\n");
            for (i, x) in items.iter().enumerate() {
                out.push_str(&pad(depth + 1));
                write(x, depth + 1, out);
                out.push_str(if i + 1 < items.len() { ",\n" } else { "\n" });
            }
            out.push_str(&pad(depth));
            out.push(']');
        }
        other => out.push_str(&other.to_string()),
    }
}
