//! Shared test machinery for backends and bindings: the store conformance suite and the parity
//! scenario runner. Compiled only with the `testing` feature.

pub mod conformance;
pub mod population;
pub mod scenario;
