//! Replays every stored input (the seed corpus and the regressions, fuzz/corpus/<target>/ and
//! fuzz/regressions/<target>/) through its target without libFuzzer, so a fixed crash stays
//! fixed: `cargo test --manifest-path fuzz/Cargo.toml`.

use std::path::Path;

#[test]
fn every_stored_input_runs_without_a_panic() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut ran = 0;
    for (name, target) in crm_fuzz::TARGETS {
        for dir in ["corpus", "regressions"] {
            let Ok(entries) = std::fs::read_dir(root.join(dir).join(name)) else {
                continue;
            };
            for entry in entries {
                let path = entry.unwrap().path();
                let data = std::fs::read(&path).unwrap();
                eprintln!("{name}: {}", path.display());
                target(&data);
                ran += 1;
            }
        }
    }
    assert!(ran >= crm_fuzz::TARGETS.len(), "only {ran} stored inputs");
}
