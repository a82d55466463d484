//! The store conformance suite on the in-memory store.

crm_core::store_conformance!(|| Box::new(crm_core::MemoryStore::new()));
