#!/usr/bin/env bash
# Packages crm-mobile for the JVM (desktop and server Kotlin, and this crate's tests): one JAR with
# the generated Kotlin (packages dev.crm and dev.crm.core) compiled, and the host's native library
# as a JNA resource (linux-x86-64/libcrm_mobile.so), which JNA extracts and loads by itself:
#   java -cp crm-mobile.jar:jna.jar:kotlin-stdlib.jar:kotlinx-coroutines-core.jar ...
# with no -Djna.library.path. (Android takes the AAR of crm-mobile/android instead.)
#
# Usage: bash crm-mobile/package-jar.sh [OUT_JAR]   (default: $CARGO_TARGET_DIR/crm-mobile-jvm/crm-mobile.jar)
# Environment:
#   CRM_MOBILE_PROFILE  cargo profile of the packaged library: mobile (default, size-tuned) or dev.
#   CRM_MOBILE_JAR_LIBS more libraries as JNA resources, "PREFIX=FILE ...", e.g.
#                       "linux-aarch64=target/aarch64-unknown-linux-gnu/mobile/libcrm_mobile.so"
#                       (from crm-mobile/build-aarch64.sh).
#   CARGO_TARGET_DIR, CRM_TOOLS (where scripts/install-deps.sh put kotlinc).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
export PATH="$HOME/.cargo/bin:$PATH"
tools="${CRM_TOOLS:-$HOME/.cache/crm-tools}"
kotlinc="$tools/kotlin/node_modules/kotlin-compiler/bin/kotlinc"
jna=/usr/share/java/jna.jar
# kotlinx-coroutines for AsyncCrm's suspend functions: the compiler's own copy (1.8), since the
# generated code needs 1.5+ (Debian's libkotlinx-coroutines-java is 1.0.1).
coroutines="$tools/kotlin/node_modules/kotlin-compiler/lib/kotlinx-coroutines-core-jvm.jar"
profile="${CRM_MOBILE_PROFILE:-mobile}"
target="${CARGO_TARGET_DIR:-$root/target}"
work="$target/crm-mobile-jvm"
out="${1:-$work/crm-mobile.jar}"
case "$profile" in dev) profile_dir=debug ;; release) profile_dir=release ;; *) profile_dir="$profile" ;; esac
case "$(uname -m)" in
  x86_64) host_prefix=linux-x86-64 ;;
  aarch64) host_prefix=linux-aarch64 ;;
  *) echo "no JNA resource prefix known for $(uname -m)" >&2; exit 1 ;;
esac

for need in "$kotlinc" "$jna" "$coroutines"; do
  [ -e "$need" ] || { echo "missing $need: run scripts/install-deps.sh" >&2; exit 1; }
done

# The bindings come from the dev build: uniffi-bindgen reads the library's metadata from its symbol
# table, which the mobile profile strips. The metadata (and the checksums the generated Kotlin
# checks at load time) are the same in every profile.
cargo build --quiet -p crm-mobile --lib --bin uniffi-bindgen
cargo build --quiet -p crm-mobile --lib --profile "$profile"
lib="$target/$profile_dir/libcrm_mobile.so"

rm -rf "$work/src" "$work/classes" && mkdir -p "$work/src" "$work/classes/$host_prefix"
"$target/debug/uniffi-bindgen" generate --library "$target/debug/libcrm_mobile.so" \
  --config crm-mobile/uniffi.toml --language kotlin --no-format --out-dir "$work/src" >/dev/null

started=$(date +%s%N)
# With the hand-written Kotlin of crm-mobile/kotlin/ (idioms uniffi does not generate).
"$kotlinc" -nowarn -cp "$jna:$coroutines" -d "$work/classes" \
  "$work/src/dev/crm/core/crm_core.kt" "$work/src/dev/crm/crm_mobile.kt" \
  crm-mobile/kotlin/dev/crm/core/*.kt
echo "kotlinc of the generated Kotlin ($(cat "$work/src/dev/crm/core/crm_core.kt" \
  "$work/src/dev/crm/crm_mobile.kt" | wc -l) lines): $((($(date +%s%N) - started) / 1000000)) ms"

cp "$lib" "$work/classes/$host_prefix/libcrm_mobile.so"
for extra in ${CRM_MOBILE_JAR_LIBS:-}; do
  mkdir -p "$work/classes/${extra%%=*}"
  cp "${extra#*=}" "$work/classes/${extra%%=*}/libcrm_mobile.so"
done
mkdir -p "$(dirname "$out")"
rm -f "$out"
jar --create --file "$out" -C "$work/classes" .
echo "packaged $out ($(du -k "$out" | cut -f1) KiB; $host_prefix/libcrm_mobile.so $(stat -c %s "$lib") bytes, profile $profile)"
