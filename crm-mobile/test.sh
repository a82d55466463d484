#!/usr/bin/env bash
# Builds the native library, generates the Kotlin, Swift and Python bindings with the pinned
# uniffi-bindgen, runs the Kotlin test program on the JVM, replays every parity scenario through the
# generated bindings, and checks the Swift bindings for completeness (no Swift toolchain on Linux).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
export PATH="$HOME/.cargo/bin:$PATH"
tools="${CRM_TOOLS:-$HOME/.cache/crm-tools}"
kotlin_home="$tools/kotlin/node_modules/kotlin-compiler"
jna=/usr/share/java/jna.jar
lib_dir="$root/target/debug"
gen="$root/target/uniffi"

cargo build --quiet -p crm-mobile --lib --bin uniffi-bindgen
rm -rf "$gen" && mkdir -p "$gen"
"$lib_dir/uniffi-bindgen" generate --library "$lib_dir/libcrm_mobile.so" \
  --language kotlin --language swift --language python --no-format --out-dir "$gen" >/dev/null
cp "$lib_dir/libcrm_mobile.so" "$gen/"

echo "--- Kotlin on the JVM"
"$kotlin_home/bin/kotlinc" -nowarn -cp "$jna" -d "$gen/crm-kotlin-test.jar" \
  "$gen/dev/crm/crm_mobile.kt" crm-mobile/tests/kotlin/CrmTest.kt
java -Djna.library.path="$lib_dir" -cp "$gen/crm-kotlin-test.jar:$jna:$kotlin_home/lib/kotlin-stdlib.jar" CrmTestKt

echo "--- every scenario through the generated bindings"
python3 crm-mobile/tests/python/replay_scenarios.py "$gen"

echo "--- Swift bindings complete"
python3 crm-mobile/tests/check_swift.py "$gen/dev/crm/crm_mobile.kt" "$gen/CrmMobile.swift"
