#!/usr/bin/env bash
# Builds the npm package and runs every WebAssembly test: the binding's Rust unit tests (host), the
# wasm-bindgen tests in Node and in headless Chromium, the Node test suite against the package, and a
# strict TypeScript check.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/.." && pwd)"
bash "$here/build.sh"
export PATH="/usr/bin:$HOME/.cargo/bin:$PATH" RUSTC_BOOTSTRAP=1
export CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner
export WASM_BINDGEN_TEST_TIMEOUT=120
cd "$here"
wasm_test() {
  /usr/bin/cargo test --target wasm32-unknown-unknown -Zbuild-std=std,panic_abort \
    --target-dir "$root/target/wasm" "$@"
}
echo "--- Rust unit tests of the binding (host)"
/usr/bin/cargo test --quiet --lib --locked --target-dir "$root/target/wasm-host"
echo "--- wasm-bindgen tests in Node"
wasm_test
echo "--- wasm-bindgen tests in headless Chromium"
CHROMEDRIVER=/usr/bin/chromedriver wasm_test --features browser
echo "--- Node test suite against the package"
node --test tests/node/
echo "--- TypeScript: strict type check of the usage example"
if [ ! -x node_modules/.bin/tsc ]; then
  npm install --silent --no-audit --no-fund --no-save typescript@5 >/dev/null
fi
node_modules/.bin/tsc --strict --noEmit --module nodenext --moduleResolution nodenext --target esnext --lib esnext tests/ts/usage.ts
echo "typescript check: 1 passed, 0 failed"
