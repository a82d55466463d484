//! `cargo run -p crm-codegen` writes every generated file; `-- --check` only lists stale ones.

fn main() {
    if std::env::args().any(|a| a == "--check") {
        let stale = crm_codegen::stale();
        if stale.is_empty() {
            println!("every generated file is current");
            return;
        }
        eprintln!(
            "stale (run `cargo run -p crm-codegen`): {}",
            stale.join(", ")
        );
        std::process::exit(1);
    }
    for (path, text) in crm_codegen::outputs() {
        let full = crm_codegen::root().join(&path);
        if std::fs::read_to_string(&full).ok().as_deref() == Some(text.as_str()) {
            continue;
        }
        if let Some(dir) = full.parent() {
            std::fs::create_dir_all(dir).expect("create the directory");
        }
        std::fs::write(&full, text).expect("write the generated file");
        println!("wrote {path}");
    }
}
