//! Shared test machinery for backends and bindings: the store conformance suite, the parity
//! scenario runner and the ownership replay of concurrency tests. Compiled only with the `testing`
//! feature.

pub mod audience;
pub mod conformance;
pub mod desk;
pub mod import;
pub mod names;
pub mod ownership;
pub mod population;
pub mod scenario;
