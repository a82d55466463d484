//! How the bundled SQLite is compiled matters to how reads scale: see `.cargo/config.toml`.

/// With SQLITE_ENABLE_MEMORY_MANAGEMENT every connection's page cache sits in one group behind
/// one mutex, taken on each page read, so the reader pool's connections take turns. The
/// repository builds SQLite without it (`LIBSQLITE3_FLAGS` in `.cargo/config.toml`).
#[test]
fn page_caches_are_not_shared_between_connections() {
    let conn = rusqlite::Connection::open_in_memory().unwrap();
    let options: Vec<String> = conn
        .prepare("PRAGMA compile_options")
        .unwrap()
        .query_map([], |row| row.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    // The list is real (the bundled build always reports its thread safety).
    assert!(options.iter().any(|o| o == "THREADSAFE=1"), "{options:?}");
    assert!(
        !options.iter().any(|o| o == "ENABLE_MEMORY_MANAGEMENT"),
        "SQLite was built with ENABLE_MEMORY_MANAGEMENT: {options:?}"
    );
}
