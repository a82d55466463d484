#!/usr/bin/env bash
# Cross-builds crm-mobile for aarch64 Linux (arm64: the instruction set of Android's arm64-v8a and
# of arm servers) with Debian's packages alone, then runs the crate's Rust unit tests under
# qemu-user, so arm64 is known to build and to work without an arm machine or the Android NDK:
#   rustc-web, cargo-web, rust-web-src  Debian's Rust (1.96), which ships no aarch64 std: it is
#                                       built from source (-Zbuild-std, RUSTC_BOOTSTRAP=1)
#   gcc-aarch64-linux-gnu, libc6-dev-arm64-cross   linker, and C compiler of the bundled SQLite
#   qemu-user                           runs the aarch64 test binary (qemu-aarch64 -L sysroot)
# scripts/install-deps.sh installs them. Output: $CARGO_TARGET_DIR (default target/)
# /aarch64-unknown-linux-gnu/mobile/libcrm_mobile.so, stripped, size-tuned (profile `mobile`).
# The bindings are the host's (uniffi-bindgen output does not depend on the target); pass the
# library to crm-mobile/package-jar.sh as CRM_MOBILE_JAR_LIBS="linux-aarch64=FILE" for a JAR
# that also runs on arm64 JVMs.
#
# Usage: bash crm-mobile/build-aarch64.sh [--no-test]
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
triple=aarch64-unknown-linux-gnu
sysroot=/usr/aarch64-linux-gnu
run_tests=1
[ "${1:-}" = "--no-test" ] && run_tests=0

for need in /usr/bin/cargo /usr/bin/rustc aarch64-linux-gnu-gcc qemu-aarch64 "$sysroot/lib/ld-linux-aarch64.so.1"; do
  command -v "$need" >/dev/null 2>&1 || [ -e "$need" ] || { echo "missing $need: run scripts/install-deps.sh" >&2; exit 1; }
done

# Debian's toolchain, not rustup's: rustup has no aarch64 std installed here, Debian's has its source.
export PATH="/usr/bin:$PATH" RUSTC=/usr/bin/rustc RUSTC_BOOTSTRAP=1
export CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_LINKER=aarch64-linux-gnu-gcc
export CC_aarch64_unknown_linux_gnu=aarch64-linux-gnu-gcc AR_aarch64_unknown_linux_gnu=aarch64-linux-gnu-ar
export CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_RUNNER="qemu-aarch64 -L $sysroot"
target="${CARGO_TARGET_DIR:-$root/target}"
cross=(--locked --target "$triple" "-Zbuild-std=std,panic_abort")

started=$SECONDS
/usr/bin/cargo build --quiet "${cross[@]}" -p crm-mobile --lib --profile mobile
lib="$target/$triple/mobile/libcrm_mobile.so"
machine=$(aarch64-linux-gnu-readelf -h "$lib" | sed -n 's/^ *Machine: *//p')
exported=$(aarch64-linux-gnu-readelf --dyn-syms -W "$lib" | grep -c ' uniffi_crm_mobile_fn_' || true)
if [ "$machine" != AArch64 ] || [ "$exported" -lt 100 ]; then
  echo "$lib: machine '$machine', $exported uniffi functions exported" >&2; exit 1
fi
echo "built $lib: $machine, $(stat -c %s "$lib") bytes, $exported uniffi functions, $((SECONDS - started)) s"

if [ "$run_tests" = 1 ]; then
  started=$SECONDS
  /usr/bin/cargo test --quiet "${cross[@]}" -p crm-mobile --lib
  echo "crm-mobile's unit tests passed under qemu-aarch64 ($((SECONDS - started)) s with their build)"
fi
