#!/usr/bin/env bash
# Builds the native library, packages it for the JVM (crm-mobile/package-jar.sh: the generated
# Kotlin compiled, the library as a JNA resource; the dev build here, to keep CI short, and
# CRM_MOBILE_PROFILE=mobile packages the size-tuned one), compiles the Kotlin tests against
# that JAR and runs them from it (no -Djna.library.path: the library comes out of the JAR): the API
# test program (with AsyncCrm's suspend calls from coroutines), the check of every type of
# tests/records.json against the generated classes, then every parity scenario replayed through
# the Kotlin API, a Java program calling it (signed numbers: no mangled name), and RemoteCrm
# against a real `crm serve` (crm-cli's binary, CRM_BIN) with Kotlin's
# HttpClient as the transport. The Swift bindings (no Swift toolchain on Linux) are checked for completeness
# against the library's own uniffi metadata. The build scripts are checked with shellcheck, and
# crm-mobile/build-aarch64.sh cross-builds the library for arm64.
# Run from anywhere: `bash crm-mobile/test.sh`. Honours CARGO_TARGET_DIR and CRM_TOOLS;
# CRM_MOBILE_AARCH64=0 skips the cross build, CRM_MOBILE_AARCH64_TESTS=1 adds the unit tests under
# qemu-aarch64, CRM_MOBILE_BENCH=1 prints per-call costs from Kotlin.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
export PATH="$HOME/.cargo/bin:$PATH"
tools="${CRM_TOOLS:-$HOME/.cache/crm-tools}"
kotlin_home="$tools/kotlin/node_modules/kotlin-compiler"
jna=/usr/share/java/jna.jar
# kotlinx-coroutines for AsyncCrm's suspend functions: the compiler's own copy (1.8), since the
# generated code needs 1.5+ (Debian's libkotlinx-coroutines-java is 1.0.1).
coroutines="$tools/kotlin/node_modules/kotlin-compiler/lib/kotlinx-coroutines-core-jvm.jar"
target="${CARGO_TARGET_DIR:-$root/target}"
lib_dir="$target/debug"
lib="$lib_dir/libcrm_mobile.so"
gen="$target/uniffi-mobile"
bindgen="$lib_dir/uniffi-bindgen"
jar="$gen/crm-mobile.jar"

for need in "$kotlin_home/bin/kotlinc" "$jna" "$coroutines" "$(command -v shellcheck || echo shellcheck)" "$(command -v javac || echo javac)"; do
  [ -e "$need" ] || { echo "missing $need: run scripts/install-deps.sh" >&2; exit 1; }
done

echo "--- shellcheck of the build scripts"
shellcheck crm-mobile/*.sh

echo "--- Rust unit tests (crm-mobile, and crm-core's uniffi converters)"
cargo test --quiet -p crm-mobile
cargo test --quiet -p crm-core --features uniffi --lib ffi::
cargo build --quiet -p crm-mobile --lib --bin uniffi-bindgen
# The server RemoteCrm's Kotlin test talks to.
cargo build --locked -p crm-cli --quiet
export CRM_BIN="$target/debug/crm"

rm -rf "$gen" && mkdir -p "$gen"
"$bindgen" generate --library "$lib" --config crm-mobile/uniffi.toml --language kotlin --language swift \
  --no-format --out-dir "$gen" >/dev/null

echo "--- the JVM package"
CRM_MOBILE_PROFILE="${CRM_MOBILE_PROFILE:-dev}" bash crm-mobile/package-jar.sh "$jar"

echo "--- Kotlin on the JVM, from the packaged JAR"
lib_jars="$jna:$coroutines:$kotlin_home/lib/kotlin-stdlib.jar:$kotlin_home/lib/kotlin-reflect.jar"
"$kotlin_home/bin/kotlinc" -nowarn -cp "$jar:$lib_jars" -d "$gen/crm-kotlin-test.jar" crm-mobile/tests/kotlin/*.kt
run() { java -cp "$gen/crm-kotlin-test.jar:$jar:$lib_jars" "$@"; }
run CrmTestKt
run crmtest.records.RecordFieldsKt tests/records.json crm-mobile/uniffi.toml
run crmtest.replay.ScenarioReplayKt tests/records.json tests/scenarios
if [ "${CRM_MOBILE_BENCH:-0}" = 1 ]; then run crmtest.bench.BenchKt; fi

echo "--- Java on the JVM, from the packaged JAR: every method callable, every record constructible"
rm -rf "$gen/java" && mkdir -p "$gen/java"
javac -nowarn -d "$gen/java" -cp "$jar:$lib_jars" crm-mobile/tests/java/JavaCaller.java
java -cp "$gen/java:$jar:$lib_jars" JavaCaller "$jar"

echo "--- Swift (and Kotlin) bindings complete, exporting exactly the core's types"
"$bindgen" pipeline --library "$lib" python -p initial > "$gen/metadata.txt"
python3 crm-mobile/tests/check_bindings.py "$gen/metadata.txt" "$gen" crm-mobile/uniffi.toml tests/records.json

# The cross build takes about 6 minutes from scratch on two busy cores; the unit tests under qemu
# 4.5 more (their build; the run is 10 s), so they are opt-in.
if [ "${CRM_MOBILE_AARCH64:-1}" = 1 ]; then
  if [ "${CRM_MOBILE_AARCH64_TESTS:-0}" = 1 ]; then
    echo "--- aarch64 Linux: cross build, unit tests under qemu"
    bash crm-mobile/build-aarch64.sh
  else
    echo "--- aarch64 Linux: cross build (CRM_MOBILE_AARCH64_TESTS=1 also runs the unit tests under qemu)"
    bash crm-mobile/build-aarch64.sh --no-test
  fi
fi
