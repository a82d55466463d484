#!/usr/bin/env bash
# Builds crm-mobile for Apple platforms into crm-mobile/apple, the Swift package of Package.swift:
# static libraries for iOS devices (arm64), the iOS simulator (arm64 + x86_64) and macOS
# (arm64 + x86_64), size-tuned (profile `mobile`), merged per platform with lipo and wrapped with
# the two C modules' headers (CrmCoreFFI, CrmMobileFFI) into CrmMobileFFI.xcframework; and the
# generated Swift (CrmCore.swift, CrmMobile.swift: one Swift module) in Sources/CrmMobile.
# Then `swift build` in crm-mobile/apple, or add the folder to Xcode as a local package.
#
# NOT RUN on the CI machine (it has no Apple toolchain); written for a Mac with:
#   - Xcode 15 or newer (xcodebuild, lipo; Swift 5.9 for Package.swift's tools version)
#   - rustup Rust >= 1.85 with the targets
#       rustup target add aarch64-apple-ios aarch64-apple-ios-sim x86_64-apple-ios \
#                         aarch64-apple-darwin x86_64-apple-darwin
#
# Usage: bash crm-mobile/build-apple.sh
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
package="$root/crm-mobile/apple"
target="${CARGO_TARGET_DIR:-$root/target}"
work="$target/crm-mobile-apple"
export IPHONEOS_DEPLOYMENT_TARGET=13.0 MACOSX_DEPLOYMENT_TARGET=10.15 # as Package.swift's platforms

for tool in xcodebuild lipo cargo; do
  command -v "$tool" >/dev/null || { echo "missing $tool: this script needs a Mac with Xcode" >&2; exit 1; }
done

for triple in aarch64-apple-ios aarch64-apple-ios-sim x86_64-apple-ios aarch64-apple-darwin x86_64-apple-darwin; do
  cargo build --locked -p crm-mobile --lib --profile mobile --target "$triple"
done
a() { echo "$target/$1/mobile/libcrm_mobile.a"; }

# Bindings from the host's dev build (uniffi-bindgen reads the symbol table; the generated code is
# the same for every target).
cargo build --locked -p crm-mobile --lib --bin uniffi-bindgen
rm -rf "$work" && mkdir -p "$work/gen" "$work/headers" "$work/ios" "$work/ios-simulator" "$work/macos"
"$target/debug/uniffi-bindgen" generate --library "$target/debug/libcrm_mobile.dylib" \
  --config crm-mobile/uniffi.toml --language swift --no-format --out-dir "$work/gen"
cp "$work/gen/CrmCoreFFI.h" "$work/gen/CrmMobileFFI.h" "$work/headers/"
cat "$work/gen/CrmCoreFFI.modulemap" "$work/gen/CrmMobileFFI.modulemap" > "$work/headers/module.modulemap"

cp "$(a aarch64-apple-ios)" "$work/ios/libcrm_mobile.a"
lipo -create "$(a aarch64-apple-ios-sim)" "$(a x86_64-apple-ios)" -output "$work/ios-simulator/libcrm_mobile.a"
lipo -create "$(a aarch64-apple-darwin)" "$(a x86_64-apple-darwin)" -output "$work/macos/libcrm_mobile.a"

rm -rf "$package/CrmMobileFFI.xcframework" "$package/Sources/CrmMobile"
xcodebuild -create-xcframework \
  -library "$work/ios/libcrm_mobile.a" -headers "$work/headers" \
  -library "$work/ios-simulator/libcrm_mobile.a" -headers "$work/headers" \
  -library "$work/macos/libcrm_mobile.a" -headers "$work/headers" \
  -output "$package/CrmMobileFFI.xcframework"
mkdir -p "$package/Sources/CrmMobile"
cp "$work/gen/CrmCore.swift" "$work/gen/CrmMobile.swift" "$package/Sources/CrmMobile/"
echo "ready: crm-mobile/apple (Package.swift, CrmMobileFFI.xcframework, Sources/CrmMobile)"
