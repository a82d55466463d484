#!/usr/bin/env bash
# Runs every test of every crate and binding. Installs what it needs first (apt packages, maturin,
# wasm-bindgen-cli, Chromium, Kotlin), so it works on a fresh Debian machine with Rust.
set -uo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
export CARGO_TERM_COLOR=never
# Clean builds gain nothing from incremental compilation, which would take gigabytes of disk.
export CARGO_INCREMENTAL=0

bash scripts/install-deps.sh || { echo "dependency installation failed"; exit 1; }

passed=0
failed=0
failures=()
suite() {
  local name=$1; shift
  echo
  echo "=== $name: $* ==="
  local t0=$SECONDS
  if "$@"; then
    passed=$((passed + 1)); echo "=== $name: ok ($((SECONDS - t0)) s) ==="
  else
    failed=$((failed + 1)); failures+=("$name"); echo "=== $name: FAILED ($((SECONDS - t0)) s) ==="
  fi
}

suite "rustfmt" bash -c "cargo fmt --all -- --check && cargo fmt --manifest-path crm-wasm/Cargo.toml -- --check && cargo fmt --manifest-path fuzz/Cargo.toml -- --check"
suite "clippy" cargo clippy --workspace --all-targets --locked -- -D warnings
suite "clippy (crm-wasm, host build)" cargo clippy --manifest-path crm-wasm/Cargo.toml --all-targets --locked --target-dir target/wasm-host -- -D warnings
suite "cargo deny: licenses, bans, sources (workspace and crm-wasm)" bash -c "cargo deny --locked --all-features check bans licenses sources && cargo deny --locked --manifest-path crm-wasm/Cargo.toml check bans licenses sources"
suite "rust tests (core, sqlite, cli, bindings' Rust side)" cargo test --workspace --locked
suite "fuzz targets: stored inputs replayed" cargo test --quiet --locked --manifest-path fuzz/Cargo.toml --target-dir target/fuzz-replay
suite "demo on SQLite" cargo run --quiet --locked -p crm-cli -- demo --db target/ci-demo.db --reset
suite "rust example" cargo run --quiet --locked -p crm-examples --example quickstart
suite "postgres: throwaway cluster, conformance, tenancy, stress, killed clients, demo" bash crm-postgres/test.sh
suite "wasm: Node and headless Chromium" bash crm-wasm/test.sh
suite "python" bash crm-py/test.sh
suite "mobile: Kotlin on the JVM, Swift bindings" bash crm-mobile/test.sh
suite "sync story: Kotlin x2, Node, Python, the web app in Chromium, on PostgreSQL" bash tests/e2e/run.sh

echo
# CI machines have limited disk (one run failed for it): say what the builds took.
echo "build output: $(du -sh target 2>/dev/null | cut -f1) in target/; free: $(df -h --output=avail . | tail -1 | tr -d ' ')"
[ ${#failures[@]} -eq 0 ] || echo "failed suites: ${failures[*]}"
echo "suites: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
