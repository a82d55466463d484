#!/usr/bin/env bash
# The sync story (sync_story.mjs) on a throwaway PostgreSQL cluster: crm serve, two Kotlin phones,
# a Node laptop, a Python device and the web example in headless Chromium. It uses what the other
# suites built: the CLI, the npm package (crm-wasm/test.sh), the Python wheel in the tools venv
# (crm-py/test.sh) and the Kotlin test JAR (crm-mobile/test.sh); scripts/test-all.sh runs it after
# them. Screenshots go to target/e2e/ (or CRM_E2E_ARTIFACTS).
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"
export PATH="$HOME/.cargo/bin:$PATH"
tools="${CRM_TOOLS:-$HOME/.cache/crm-tools}"
target="${CARGO_TARGET_DIR:-$root/target}"
kotlin_lib="$tools/kotlin/node_modules/kotlin-compiler/lib"
gen="$target/uniffi-mobile"

cargo build --locked -p crm-cli --quiet
export CRM_BIN="$target/debug/crm"
export CRM_WASM_PKG="$root/crm-wasm/pkg"
export CRM_E2E_PYTHON="$tools/venv/bin/python"
export CRM_E2E_PLAYWRIGHT="$tools/playwright/node_modules"
export CRM_E2E_KOTLIN_CP="$gen/crm-kotlin-test.jar:$gen/crm-mobile.jar:/usr/share/java/jna.jar:$kotlin_lib/kotlinx-coroutines-core-jvm.jar:$kotlin_lib/kotlin-stdlib.jar"
export CRM_E2E_ARTIFACTS="${CRM_E2E_ARTIFACTS:-$target/e2e}"
for need in "$CRM_WASM_PKG/crm_wasm_bg.wasm" "$gen/crm-kotlin-test.jar" "$CRM_E2E_PLAYWRIGHT/playwright-core"; do
  [ -e "$need" ] || { echo "missing $need: run crm-wasm/test.sh, crm-mobile/test.sh and scripts/install-deps.sh first" >&2; exit 1; }
done
"$CRM_E2E_PYTHON" -c "import crm" || { echo "the crm wheel is not in $tools/venv: run crm-py/test.sh first" >&2; exit 1; }
CRM_PG_PORT="${CRM_PG_PORT:-55433}" timeout 600 bash scripts/with-postgres.sh node tests/e2e/sync_story.mjs
