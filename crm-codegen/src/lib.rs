//! crm-codegen: writes what every surface needs to know of crm-core's records and operations,
//! from the core's own types (via the JSON Schemas schemars derives from them, serde attributes
//! included). Nothing here lists a record or a field: add one to the core, run
//! `cargo run -p crm-codegen`, and every surface's generated file follows; the stale test fails
//! until it is run.

pub mod docs;
pub mod model;
pub mod openapi;
pub mod python;
pub mod records;
pub mod typescript;

/// Every generated file: its path from the repository root and its text.
pub fn outputs() -> Vec<(String, String)> {
    let model = model::build();
    let mut out = records::generate(&model);
    out.extend(docs::generate(&model));
    out.extend(typescript::generate(&model));
    out.extend(python::generate(&model));
    out.extend(openapi::generate(&model));
    out.sort();
    out
}

/// The repository root.
pub fn root() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// The generated files whose checked-in text differs from what the core's types give now.
pub fn stale() -> Vec<String> {
    outputs()
        .into_iter()
        .filter(|(path, text)| {
            std::fs::read_to_string(root().join(path)).ok().as_ref() != Some(text)
        })
        .map(|(path, _)| path)
        .collect()
}
