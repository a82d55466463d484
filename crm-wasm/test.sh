#!/usr/bin/env bash
# Builds the npm package and tests it: the binding's Rust unit tests (host); in Node, the API, the
# analytics, pools, pipelines, the type facts against tests/records.json and the WebAssembly build,
# and every parity scenario with every result checked against the type facts; the same replay in
# headless Chromium; the packed tarball (one .wasm, size, import and require by name); and a
# strict TypeScript check of tests/ts/usage.ts against the installed package, with
# `moduleResolution` bundler and nodenext (and of tests/ts/fetch.ts, with DOM typings). The Node
# suites include RemoteCrm against `crm serve`: the CLI is built first, with the host toolchain
# (before the wasm toolchain's PATH), and named by CRM_BIN.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/.." && pwd)"
echo "--- crm-cli (host toolchain), for RemoteCrm against crm serve"
(cd "$root" && cargo build --locked -p crm-cli --quiet)
export CRM_BIN="$root/target/debug/crm"
bash "$here/build.sh"
export PATH="/usr/bin:$HOME/.cargo/bin:$PATH"
cd "$here"
echo "--- Rust unit tests of the binding (host)"
/usr/bin/cargo test --quiet --lib --locked --target-dir "$root/target/wasm-host"
echo "--- Node: API, analytics, pools, pipelines, type facts, every scenario"
node --test tests/node/
echo "--- Node: fuzz harness, CI budget (CRM_FUZZ_CALLS=100000 by hand)" && CRM_FUZZ_CALLS="${CRM_FUZZ_CALLS:-3000}" node --test tests/fuzz/
echo "--- headless Chromium: every scenario"
node tests/browser/run.mjs
echo "--- the npm package, installed from its tarball"
consumer="$root/target/wasm-consumer"
rm -rf "$consumer" && mkdir -p "$consumer/node_modules/crm-wasm"
(cd pkg && npm pack --silent --pack-destination "$consumer" >/dev/null)
tar -xzf "$consumer"/crm-wasm-*.tgz -C "$consumer/node_modules/crm-wasm" --strip-components=1
echo '{ "type": "module", "private": true }' > "$consumer/package.json"
CRM_WASM_CONSUMER="$consumer" node --test tests/package/
echo "--- TypeScript: strict check of the usage example against the installed package"
if [ ! -x node_modules/.bin/tsc ]; then
  npm install --silent --no-audit --no-fund --no-save typescript@5 >/dev/null
fi
cp tests/ts/usage.ts tests/ts/fetch.ts "$consumer/"
for resolution in bundler nodenext; do
  module=$([ "$resolution" = bundler ] && echo esnext || echo nodenext)
  # Each file on its own: fetch.ts brings in DOM typings, which usage.ts must do without.
  for file in usage.ts fetch.ts; do
    node_modules/.bin/tsc --noEmit --strict --target es2022 --lib es2022 \
      --module "$module" --moduleResolution "$resolution" "$consumer/$file"
  done
  echo "typescript ($resolution): ok"
done
