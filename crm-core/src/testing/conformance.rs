//! The store conformance suite: every backend must pass these, run through `store_conformance!`.
