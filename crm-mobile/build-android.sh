#!/usr/bin/env bash
# Builds crm-mobile for Android into the Gradle module crm-mobile/android: the native library for
# the three ABIs apps ship (arm64-v8a, armeabi-v7a, x86_64), size-tuned (profile `mobile`), as
# src/main/jniLibs/<abi>/libcrm_mobile.so, and the Kotlin bindings generated for Android
# (uniffi's `android = true`: the cleaner falls back from API 34's SystemCleaner to JNA's) as
# src/main/kotlin. Then `gradle -p crm-mobile/android assembleRelease` makes the AAR.
#
# NOT RUN on the CI machine (it has no Android NDK); written for a machine with:
#   - Android NDK r27c (27.2.12479018) or newer, ANDROID_NDK_HOME pointing at it
#   - rustup Rust >= 1.85 with the targets
#       rustup target add aarch64-linux-android armv7-linux-androideabi x86_64-linux-android
#   - cargo-ndk 3.5 or newer: cargo install cargo-ndk --locked --version '^3.5'
# arm64 itself is checked on CI by crm-mobile/build-aarch64.sh (aarch64 Linux, same instruction set).
#
# Usage: bash crm-mobile/build-android.sh   (CRM_ANDROID_API: the NDK platform level, default 26)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
module="$root/crm-mobile/android"
api="${CRM_ANDROID_API:-26}" # java.time (the bindings' Instant, LocalDate) needs API 26 without desugaring
target="${CARGO_TARGET_DIR:-$root/target}"

if [ -z "${ANDROID_NDK_HOME:-}" ] || [ ! -d "$ANDROID_NDK_HOME" ]; then
  echo "set ANDROID_NDK_HOME to an NDK (r27c or newer)" >&2; exit 1
fi
cargo ndk --version >/dev/null 2>&1 || { echo "missing cargo-ndk: cargo install cargo-ndk --locked" >&2; exit 1; }

rm -rf "$module/src/main/jniLibs" "$module/src/main/kotlin"
for pair in arm64-v8a:aarch64-linux-android armeabi-v7a:armv7-linux-androideabi x86_64:x86_64-linux-android; do
  abi="${pair%%:*}" triple="${pair#*:}"
  cargo ndk --target "$abi" --platform "$api" build --locked -p crm-mobile --lib --profile mobile
  mkdir -p "$module/src/main/jniLibs/$abi"
  cp "$target/$triple/mobile/libcrm_mobile.so" "$module/src/main/jniLibs/$abi/"
  echo "$abi: $(wc -c < "$module/src/main/jniLibs/$abi/libcrm_mobile.so") bytes"
done

# Bindings from the host's unstripped dev build (uniffi-bindgen reads the symbol table; the
# generated code is the same for every target), with android = true added to both crates' Kotlin.
cargo build --locked -p crm-mobile --lib --bin uniffi-bindgen
case "$(uname -s)" in Darwin) host_lib="$target/debug/libcrm_mobile.dylib" ;; *) host_lib="$target/debug/libcrm_mobile.so" ;; esac
config="$(mktemp)"
trap 'rm -f "$config"' EXIT
awk '{ print } /^\[crates\.[a-z_]+\.bindings\.kotlin\]$/ { print "android = true" }' crm-mobile/uniffi.toml > "$config"
grep -c '^android = true$' "$config" | grep -qx 2 || { echo "could not set android = true in $config" >&2; exit 1; }
"$target/debug/uniffi-bindgen" generate --library "$host_lib" --config "$config" --language kotlin \
  --no-format --out-dir "$module/src/main/kotlin"
# The hand-written Kotlin beside the generated (idioms uniffi does not generate).
cp -R crm-mobile/kotlin/. "$module/src/main/kotlin/"
echo "ready: gradle -p crm-mobile/android assembleRelease (AAR in crm-mobile/android/build/outputs/aar)"
