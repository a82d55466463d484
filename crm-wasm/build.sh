#!/usr/bin/env bash
# Builds the npm package: pkg/node (CommonJS, for Node) and pkg/web (ES module, for browsers), with
# TypeScript types. Uses Debian's wasm toolchain (rustc-web) in its own target dir.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/.." && pwd)"
export PATH="/usr/bin:$HOME/.cargo/bin:$PATH" RUSTC_BOOTSTRAP=1
target_dir="$root/target/wasm"
cd "$here"
/usr/bin/cargo build --quiet --target wasm32-unknown-unknown -Zbuild-std=std,panic_abort --release --target-dir "$target_dir"
wasm="$target_dir/wasm32-unknown-unknown/release/crm_wasm.wasm"
rm -rf pkg && mkdir -p pkg
wasm-bindgen --target nodejs --out-dir pkg/node "$wasm"
wasm-bindgen --target web --out-dir pkg/web "$wasm"
# Export the CrmError class (defined in an inline snippet) from both entry points.
node "$here/scripts/export-error.mjs" pkg
cp package.json README.md pkg/ 2>/dev/null || cp package.json pkg/
echo "built $(du -h pkg/node/crm_wasm_bg.wasm | cut -f1) wasm into crm-wasm/pkg"
