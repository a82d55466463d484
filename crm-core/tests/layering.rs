//! The layers of ARCHITECTURE.md, kept by a test: rule modules are pure functions of their inputs,
//! so they never reach up into the service layer, the store, the operation table or the test
//! kit, and no two rule modules need each other.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// Modules above the rules: only they may read the store or run the service (`sync` runs the
/// service on a replica).
const UPPER: &[&str] = &["service", "store", "api", "testing", "schema", "sync"];
/// The shared vocabulary every layer may name (an error may carry a duplicate match).
const SHARED: &[&str] = &["error"];

fn sources(dir: &Path, out: &mut Vec<(String, String)>, root: &Path) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            sources(&path, out, root);
        } else if path.extension().is_some_and(|e| e == "rs") {
            let rel = path
                .strip_prefix(root)
                .unwrap()
                .to_string_lossy()
                .to_string();
            out.push((rel, std::fs::read_to_string(&path).unwrap()));
        }
    }
}

fn top_module(rel: &str) -> String {
    rel.split('/')
        .next()
        .unwrap()
        .trim_end_matches(".rs")
        .to_string()
}

/// Which top-level modules each top-level module names through `crate::`.
fn dependencies() -> BTreeMap<String, BTreeSet<String>> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    sources(&root, &mut files, &root);
    let mut deps: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (rel, text) in files {
        let from = top_module(&rel);
        let entry = deps.entry(from.clone()).or_default();
        for (i, _) in text.match_indices("crate::") {
            let rest = &text[i + "crate::".len()..];
            let name: String = rest
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            if !name.is_empty() && name != from {
                entry.insert(name);
            }
        }
    }
    deps
}

fn is_rule(module: &str) -> bool {
    !UPPER.contains(&module) && module != "lib"
}

#[test]
fn rule_modules_never_import_the_service_layer_or_the_store() {
    let deps = dependencies();
    let mut offences = Vec::new();
    for (module, used) in &deps {
        if !is_rule(module) {
            continue;
        }
        for upper in used.iter().filter(|u| UPPER.contains(&u.as_str())) {
            offences.push(format!("{module} uses crate::{upper}"));
        }
    }
    assert!(offences.is_empty(), "{offences:#?}");
}

#[test]
fn rule_modules_form_no_cycle() {
    let deps = dependencies();
    let rules: Vec<&String> = deps
        .keys()
        .filter(|m| is_rule(m) && !SHARED.contains(&m.as_str()))
        .collect();
    for start in rules {
        let mut seen = BTreeSet::new();
        let mut stack = vec![start.clone()];
        while let Some(m) = stack.pop() {
            for next in deps.get(&m).into_iter().flatten() {
                if SHARED.contains(&next.as_str()) || !is_rule(next) {
                    continue;
                }
                assert!(next != start, "{start} reaches itself through {m}");
                if seen.insert(next.clone()) {
                    stack.push(next.clone());
                }
            }
        }
    }
}
