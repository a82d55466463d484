//! Replays every parity scenario on the in-memory store.

#[test]
fn every_scenario_passes_on_the_memory_store() {
    crm_core::testing::scenario::run_all(&|| Box::new(crm_core::MemoryStore::new()));
}
