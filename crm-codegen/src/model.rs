//! The records and operations of crm-core as one small model, read from the JSON Schemas that
//! schemars derives from the core's own types (serde renames, tags and defaults included). Every
//! generator works from this model, so they agree on what a field is.

use serde::Serialize;
use serde_json::{Map, Value};
use std::collections::BTreeMap;

/// A field's type as the surfaces need to know it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Ty {
    String,
    Bool,
    /// An integer; `format` is schemars' (`uint32`, `int64`, ...).
    Int {
        format: String,
    },
    Float,
    /// An exact decimal, carried as a string ("12.50").
    Decimal,
    /// An instant (RFC 3339 with offset).
    Instant,
    /// A calendar date ("YYYY-MM-DD").
    Date,
    List {
        item: Box<Ty>,
        /// A set: no item twice.
        unique: bool,
    },
    /// A map whose keys are the user's data (custom field names, rep ids, levels...).
    Map {
        value: Box<Ty>,
    },
    /// A map keyed by the values of an enum, any of them left out.
    KeyedMap {
        keys: Vec<String>,
        value: Box<Ty>,
    },
    Optional {
        inner: Box<Ty>,
    },
    /// A named record, enum or union of the model.
    Ref {
        name: String,
    },
    /// No value (an operation that answers nothing).
    Unit,
    /// Any JSON value, carried as it is (a synced operation's arguments and result).
    Json,
}

#[derive(Debug, Clone, Serialize)]
pub struct Field {
    pub name: String,
    pub doc: String,
    pub ty: Ty,
    /// Whether a caller must give it (an input without a default); outputs always carry it.
    pub required: bool,
    /// A secret (`x-secret` in its schema: a token's credential) that no surface prints.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub secret: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct Variant {
    /// The tag value (`"team"`).
    pub tag: String,
    pub doc: String,
    pub fields: Vec<Field>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum TypeDef {
    Record {
        doc: String,
        fields: Vec<Field>,
    },
    /// Plain string values.
    Enum {
        doc: String,
        values: Vec<String>,
        docs: Vec<String>,
    },
    /// Tagged variants: `{"type": "team", "team_id": ...}`. With `content`, the variant's value
    /// sits under that key: one field named like the key (`{"type": "number", "value": "1.5"}`),
    /// or, when `content_is_record`, the variant's fields (`{"code": ..., "details": {...}}`).
    Union {
        doc: String,
        tag: String,
        content: Option<String>,
        content_is_record: bool,
        variants: Vec<Variant>,
    },
}

#[derive(Debug, Clone, Serialize)]
pub struct Operation {
    pub name: String,
    pub doc: String,
    /// Whether the call names an acting user first.
    pub actor: bool,
    pub args: Vec<Field>,
    /// The input record whose fields are the named arguments, for `create_*`-like calls.
    pub record: Option<String>,
    pub result: Ty,
}

#[derive(Debug, Clone, Serialize)]
pub struct Model {
    pub types: BTreeMap<String, TypeDef>,
    /// Names of the types an operation can answer (outputs), the others only go in.
    pub outputs: Vec<String>,
    pub operations: Vec<Operation>,
    /// The JSON Schemas the model was read from, for the generators that pass schemas on
    /// (OpenAPI) rather than translate them.
    #[serde(skip)]
    pub schemas: Schemas,
}

/// The raw schemas behind a `Model`; references read `#/$defs/Name`.
#[derive(Debug, Clone, Default)]
pub struct Schemas {
    /// Each type as it goes in (fields with defaults optional).
    pub inputs: Map<String, Value>,
    /// Each type as it comes out (every field present).
    pub outputs: Map<String, Value>,
    /// Each operation as the core describes it (`name`, `args[].schema`, `record`, `result`),
    /// in the order of `Model::operations`.
    pub operations: Vec<Value>,
}

fn text(v: &Value, key: &str) -> String {
    v.get(key)
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string()
}

fn decimal_pattern(s: &Map<String, Value>) -> bool {
    s.get("pattern")
        .and_then(Value::as_str)
        .is_some_and(|p| p.starts_with(r"^-?\d+(\.\d+)?"))
}

/// The type a schema describes (a field's, an argument's or a result's).
pub fn ty(schema: &Value) -> Ty {
    let Some(s) = schema.as_object() else {
        // `true`: schemars' schema of a JSON value.
        return if schema == &Value::Bool(true) {
            Ty::Json
        } else {
            Ty::Unit
        };
    };
    if let Some(r) = s.get("$ref").and_then(Value::as_str) {
        return Ty::Ref {
            name: r.rsplit('/').next().unwrap_or(r).to_string(),
        };
    }
    if let Some(any) = s.get("anyOf").and_then(Value::as_array) {
        let (nulls, others): (Vec<&Value>, Vec<&Value>) = any
            .iter()
            .partition(|v| v.get("type") == Some(&Value::from("null")));
        if !nulls.is_empty() && others.len() == 1 {
            return Ty::Optional {
                inner: Box::new(ty(others[0])),
            };
        }
    }
    let types: Vec<&str> = match s.get("type") {
        Some(Value::String(t)) => vec![t.as_str()],
        Some(Value::Array(ts)) => ts.iter().filter_map(Value::as_str).collect(),
        _ => vec![],
    };
    if types.len() >= 2 && types.contains(&"null") {
        // `T | null`; an input decimal is `string | number | null` (schemars reads numbers too).
        let mut inner = s.clone();
        let rest: Vec<Value> = types
            .iter()
            .filter(|t| **t != "null")
            .map(|t| Value::from(*t))
            .collect();
        let t = if rest.len() == 1 {
            rest[0].clone()
        } else {
            Value::Array(rest)
        };
        inner.insert("type".into(), t);
        return Ty::Optional {
            inner: Box::new(ty(&Value::Object(inner))),
        };
    }
    match types.first().copied() {
        Some("string") if decimal_pattern(s) => Ty::Decimal,
        Some("string") => match s.get("format").and_then(Value::as_str) {
            Some("date-time") => Ty::Instant,
            Some("date") => Ty::Date,
            _ => Ty::String,
        },
        Some("boolean") => Ty::Bool,
        Some("integer") => Ty::Int {
            format: text(schema, "format"),
        },
        Some("number") => Ty::Float,
        Some("array") => Ty::List {
            item: Box::new(ty(s.get("items").unwrap_or(&Value::Null))),
            unique: s.get("uniqueItems") == Some(&Value::Bool(true)),
        },
        Some("object") => match (s.get("additionalProperties"), s.get("properties")) {
            (Some(Value::Object(_)), _) => Ty::Map {
                value: Box::new(ty(&s["additionalProperties"])),
            },
            // Values of any kind (a synced edit's base: field path -> JSON value).
            (Some(Value::Bool(true)), _) => Ty::Map {
                value: Box::new(Ty::Json),
            },
            (_, Some(Value::Object(props))) => {
                let first = props.values().next().cloned().unwrap_or(Value::Null);
                Ty::KeyedMap {
                    keys: props.keys().cloned().collect(),
                    value: Box::new(ty(&first)),
                }
            }
            _ => Ty::Map {
                value: Box::new(Ty::String),
            },
        },
        Some("null") => Ty::Unit,
        // No type and nothing else to say but a description: any JSON value.
        None if ["oneOf", "anyOf", "allOf", "enum", "const"]
            .iter()
            .all(|k| !s.contains_key(*k)) =>
        {
            Ty::Json
        }
        _ => Ty::Unit,
    }
}

fn fields(schema: &Value, skip: &[&str]) -> Vec<Field> {
    let required: Vec<&str> = schema
        .get("required")
        .and_then(Value::as_array)
        .map(|r| r.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let Some(props) = schema.get("properties").and_then(Value::as_object) else {
        return Vec::new();
    };
    props
        .iter()
        .filter(|(name, _)| !skip.contains(&name.as_str()))
        .map(|(name, p)| Field {
            name: name.clone(),
            doc: text(p, "description"),
            ty: ty(p),
            required: required.contains(&name.as_str()),
            secret: secret(p),
        })
        .collect()
}

/// The variant's tag: the one property every variant pins with `const`.
fn tag_of(variant: &Value) -> Option<(String, String)> {
    let props = variant.get("properties")?.as_object()?;
    props.iter().find_map(|(k, v)| {
        v.get("const")
            .and_then(Value::as_str)
            .map(|c| (k.clone(), c.to_string()))
    })
}

fn type_def(schema: &Value) -> TypeDef {
    let doc = text(schema, "description");
    if let Some(values) = schema.get("enum").and_then(Value::as_array) {
        let values: Vec<String> = values
            .iter()
            .filter_map(Value::as_str)
            .map(String::from)
            .collect();
        let docs = vec![String::new(); values.len()];
        return TypeDef::Enum { doc, values, docs };
    }
    if let Some(one_of) = schema.get("oneOf").and_then(Value::as_array) {
        // Unit variants: documented ones each as a `const`, the others together as an `enum`.
        if one_of
            .iter()
            .all(|v| v.get("const").is_some() || v.get("enum").is_some())
        {
            let (mut values, mut docs) = (Vec::new(), Vec::new());
            for v in one_of {
                match v.get("enum").and_then(Value::as_array) {
                    Some(all) => {
                        for x in all.iter().filter_map(Value::as_str) {
                            values.push(x.to_string());
                            docs.push(String::new());
                        }
                    }
                    None => {
                        values.push(text(v, "const"));
                        docs.push(text(v, "description"));
                    }
                }
            }
            return TypeDef::Enum { doc, values, docs };
        }
        let tag = one_of
            .first()
            .and_then(tag_of)
            .map(|t| t.0)
            .unwrap_or_default();
        // Adjacently tagged: every variant holds the tag and one same-named other property.
        let other = |v: &Value| -> Option<String> {
            let props = v.get("properties")?.as_object()?;
            let rest: Vec<&String> = props.keys().filter(|k| **k != tag).collect();
            (rest.len() == 1).then(|| rest[0].clone())
        };
        let first = one_of.first().and_then(other);
        let content = first.filter(|c| one_of.iter().all(|v| other(v).as_ref() == Some(c)));
        let content_is_record = content.as_ref().is_some_and(|c| {
            one_of
                .iter()
                .all(|v| v["properties"][c.as_str()].get("properties").is_some())
        });
        let variants = one_of
            .iter()
            .map(|v| Variant {
                tag: tag_of(v).map(|t| t.1).unwrap_or_default(),
                doc: text(v, "description"),
                fields: match &content {
                    Some(c) if content_is_record => fields(&v["properties"][c.as_str()], &[]),
                    _ => fields(v, &[tag.as_str()]),
                },
            })
            .collect();
        return TypeDef::Union {
            doc,
            tag,
            content,
            content_is_record,
            variants,
        };
    }
    TypeDef::Record {
        doc,
        fields: fields(schema, &[]),
    }
}

/// Merges a type's input and output descriptions: the fields as they come out, each required
/// on the way in when the input form requires it.
fn merge(input: Option<TypeDef>, output: Option<TypeDef>) -> TypeDef {
    match (input, output) {
        (Some(i), None) => i,
        (None, Some(o)) => o,
        (Some(i), Some(o)) => {
            let required_in = |fields: &[Field], name: &str| {
                fields
                    .iter()
                    .find(|f| f.name == name)
                    .is_none_or(|f| f.required)
            };
            match (i, o) {
                (TypeDef::Record { fields: fi, .. }, TypeDef::Record { doc, fields }) => {
                    TypeDef::Record {
                        doc,
                        fields: fields
                            .into_iter()
                            .map(|f| Field {
                                required: required_in(&fi, &f.name),
                                ..f
                            })
                            .collect(),
                    }
                }
                (
                    TypeDef::Union { variants: vi, .. },
                    TypeDef::Union {
                        doc,
                        tag,
                        content,
                        content_is_record,
                        variants,
                    },
                ) => TypeDef::Union {
                    doc,
                    tag,
                    content,
                    content_is_record,
                    variants: variants
                        .into_iter()
                        .map(|v| {
                            let input = vi.iter().find(|x| x.tag == v.tag);
                            Variant {
                                fields: v
                                    .fields
                                    .into_iter()
                                    .map(|f| Field {
                                        required: input
                                            .is_none_or(|x| required_in(&x.fields, &f.name)),
                                        ..f
                                    })
                                    .collect(),
                                ..v
                            }
                        })
                        .collect(),
                },
                (_, o) => o,
            }
        }
        (None, None) => TypeDef::Record {
            doc: String::new(),
            fields: Vec::new(),
        },
    }
}

/// The generators every schema of the model comes from: one for inputs, one for outputs.
pub fn generators() -> (schemars::SchemaGenerator, schemars::SchemaGenerator) {
    let settings = schemars::generate::SchemaSettings::draft2020_12();
    (
        settings.clone().for_deserialize().into_generator(),
        settings.for_serialize().into_generator(),
    )
}

/// The model of everything crm-core's operation table takes and answers, its error, and a
/// replica's sync summary.
pub fn build() -> Model {
    let (mut inputs, mut outputs) = generators();
    let ops = crm_core::api::describe(&mut inputs, &mut outputs);
    outputs.subschema_for::<crm_core::CrmError>();
    // What a replica's sync answers on every surface (its steps are not operations).
    outputs.subschema_for::<crm_core::sync::SyncSummary>();
    let input_defs = inputs.definitions().clone();
    let output_defs = outputs.definitions().clone();
    let mut names: Vec<&String> = input_defs.keys().chain(output_defs.keys()).collect();
    names.sort();
    names.dedup();
    let types = names
        .into_iter()
        .map(|n| {
            let def = merge(
                input_defs.get(n).map(type_def),
                output_defs.get(n).map(type_def),
            );
            (n.clone(), def)
        })
        .collect();
    let raw_ops: Vec<Value> = ops
        .into_iter()
        .map(|op| serde_json::to_value(op).expect("operations serialise"))
        .collect();
    let operations = raw_ops
        .iter()
        .map(|op| Operation {
            name: text(op, "name"),
            doc: text(op, "doc"),
            actor: op["actor"].as_bool().unwrap_or(true),
            args: op["args"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|a| {
                    let t = ty(&a["schema"]);
                    Field {
                        name: text(a, "name"),
                        doc: String::new(),
                        required: !matches!(t, Ty::Optional { .. }),
                        ty: t,
                        secret: false,
                    }
                })
                .collect(),
            record: match ty(&op["record"]) {
                Ty::Ref { name } => Some(name),
                _ => None,
            },
            result: ty(&op["result"]),
        })
        .collect();
    Model {
        types,
        outputs: output_defs.keys().cloned().collect(),
        operations,
        schemas: Schemas {
            inputs: input_defs,
            outputs: output_defs,
            operations: raw_ops,
        },
    }
}

/// The records crm-server's own routes answer that the core's operation table does not (its
/// token routes: `ApiToken`, `IssuedToken`), read from their schemas like the model's records.
pub fn server_types(model: &Model) -> BTreeMap<String, TypeDef> {
    let (_, mut generator) = generators();
    generator.subschema_for::<crm_core::auth::IssuedToken>();
    generator
        .definitions()
        .iter()
        .filter(|(name, _)| !model.types.contains_key(*name))
        .map(|(name, schema)| (name.clone(), server_record(name, schema)))
        .collect()
}

fn server_record(name: &str, schema: &Value) -> TypeDef {
    let text = |v: &Value, key: &str| {
        v.get(key)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string()
    };
    let required: Vec<&str> = schema
        .get("required")
        .and_then(Value::as_array)
        .map(|r| r.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let props = schema
        .get("properties")
        .and_then(Value::as_object)
        .unwrap_or_else(|| panic!("the server's {name} is not a record"));
    TypeDef::Record {
        doc: text(schema, "description"),
        fields: props
            .iter()
            .map(|(field, p)| Field {
                name: field.clone(),
                doc: text(p, "description"),
                ty: ty(p),
                required: required.contains(&field.as_str()),
                secret: secret(p),
            })
            .collect(),
    }
}

/// Whether a property's schema marks it secret (`#[schemars(extend("x-secret" = true))]`).
fn secret(p: &Value) -> bool {
    p.get("x-secret").and_then(Value::as_bool).unwrap_or(false)
}
