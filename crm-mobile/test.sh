#!/usr/bin/env bash
# Builds the native library, generates the Kotlin and Swift bindings with the pinned uniffi-bindgen
# (configured by crm-mobile/uniffi.toml), compiles the Kotlin tests together with the generated
# Kotlin in one kotlinc call and runs them on the JVM (JNA): the API test program, the check of
# every type of tests/records.json against the generated classes, then every parity scenario
# replayed through the Kotlin API. The Swift bindings (no Swift toolchain on Linux) are checked for
# completeness against the library's own uniffi metadata.
# Run from anywhere: `bash crm-mobile/test.sh`. Honours CARGO_TARGET_DIR and CRM_TOOLS.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
export PATH="$HOME/.cargo/bin:$PATH"
tools="${CRM_TOOLS:-$HOME/.cache/crm-tools}"
kotlin_home="$tools/kotlin/node_modules/kotlin-compiler"
jna=/usr/share/java/jna.jar
target="${CARGO_TARGET_DIR:-$root/target}"
lib_dir="$target/debug"
lib="$lib_dir/libcrm_mobile.so"
gen="$target/uniffi-mobile"
bindgen="$lib_dir/uniffi-bindgen"

for need in "$kotlin_home/bin/kotlinc" "$jna"; do
  [ -e "$need" ] || { echo "missing $need: run scripts/install-deps.sh" >&2; exit 1; }
done

echo "--- Rust unit tests (crm-mobile, and crm-core's uniffi converters)"
cargo test --quiet -p crm-mobile
cargo test --quiet -p crm-core --features uniffi --lib ffi::
cargo build --quiet -p crm-mobile --lib --bin uniffi-bindgen

rm -rf "$gen" && mkdir -p "$gen"
"$bindgen" generate --library "$lib" --config crm-mobile/uniffi.toml --language kotlin --language swift \
  --no-format --out-dir "$gen" >/dev/null

echo "--- Kotlin on the JVM"
lib_jars="$jna:$kotlin_home/lib/kotlin-stdlib.jar:$kotlin_home/lib/kotlin-reflect.jar"
"$kotlin_home/bin/kotlinc" -nowarn -cp "$lib_jars" -d "$gen/crm-kotlin-test.jar" \
  "$gen/dev/crm/core/crm_core.kt" "$gen/dev/crm/crm_mobile.kt" crm-mobile/tests/kotlin/*.kt
run() { java -Djna.library.path="$lib_dir" -cp "$gen/crm-kotlin-test.jar:$lib_jars" "$@"; }
run CrmTestKt
run crmtest.records.RecordFieldsKt tests/records.json crm-mobile/uniffi.toml
run crmtest.replay.ScenarioReplayKt tests/records.json tests/scenarios

echo "--- Swift (and Kotlin) bindings complete, exporting exactly the core's types"
"$bindgen" pipeline --library "$lib" python -p initial > "$gen/metadata.txt"
python3 crm-mobile/tests/check_bindings.py "$gen/metadata.txt" "$gen" crm-mobile/uniffi.toml tests/records.json
