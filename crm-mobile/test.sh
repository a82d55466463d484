#!/usr/bin/env bash
# Builds the native library, generates the Kotlin, Swift and Python bindings with the pinned
# uniffi-bindgen, compiles the Kotlin tests together with the generated Kotlin in one kotlinc call
# and runs them on the JVM (JNA): the API test program, then every parity scenario replayed through
# the Kotlin API. The Python bindings replay the scenarios once more, and the Swift bindings (no Swift
# toolchain on Linux) are checked for completeness against the crate's own uniffi metadata.
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

echo "--- Rust unit tests"
cargo test --quiet -p crm-mobile
cargo build --quiet -p crm-mobile --lib --bin uniffi-bindgen

rm -rf "$gen" && mkdir -p "$gen"
"$bindgen" generate --library "$lib" --language kotlin --language swift --language python \
  --no-format --out-dir "$gen" >/dev/null
cp "$lib" "$gen/"

echo "--- Kotlin on the JVM"
"$kotlin_home/bin/kotlinc" -nowarn -cp "$jna" -d "$gen/crm-kotlin-test.jar" \
  "$gen/dev/crm/crm_mobile.kt" crm-mobile/tests/kotlin/CrmTest.kt crm-mobile/tests/kotlin/ScenarioReplay.kt
classpath="$gen/crm-kotlin-test.jar:$jna:$kotlin_home/lib/kotlin-stdlib.jar"
java -Djna.library.path="$lib_dir" -cp "$classpath" CrmTestKt
java -Djna.library.path="$lib_dir" -cp "$classpath" scenarios.ScenarioReplayKt tests/scenarios

echo "--- every scenario through the generated Python bindings"
python3 crm-mobile/tests/python/replay_scenarios.py "$gen"

echo "--- Swift (and Kotlin) bindings complete"
"$bindgen" pipeline --library "$lib" python -p initial > "$gen/metadata.txt"
python3 crm-mobile/tests/check_bindings.py "$gen/metadata.txt" "$gen/CrmMobile.swift" "$gen/dev/crm/crm_mobile.kt"
