//! Adding a field to a core record without regenerating fails here, before any surface drifts.

#[test]
fn every_generated_file_matches_the_core_types() {
    let stale = crm_codegen::stale();
    assert!(
        stale.is_empty(),
        "generated files out of date with crm-core's types (run `cargo run -p crm-codegen`): {stale:?}"
    );
}
