#!/usr/bin/env bash
# Runs one coverage-guided fuzz target (libFuzzer, from the libfuzzer-sys crate) for a while:
#   bash fuzz/run.sh TARGET [SECONDS] [extra libFuzzer flags]
# Targets: calendar commission_plan rfm_config rfm_csv sla_csv commission_csv import_csv (fuzz/src/lib.rs).
# Works on the stable toolchain: the coverage instrumentation is stable codegen flags (the same
# cargo fuzz passes, less the sanitizer, which needs nightly: `cargo fuzz run TARGET` adds
# AddressSanitizer where a nightly toolchain or RUSTC_BOOTSTRAP=1 is at hand). New coverage goes
# to fuzz/corpus/TARGET (kept in git when it is small and useful); a crash is written to
# fuzz/artifacts/TARGET/ (move it to fuzz/regressions/TARGET/ so tests/corpus.rs replays it).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
target=${1:?target: calendar, commission_plan, rfm_config, rfm_csv, sla_csv, commission_csv or import_csv}
seconds=${2:-60}
shift $(( $# < 2 ? $# : 2 ))
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$here/../target/fuzz}"
export RUSTFLAGS="-Cpasses=sancov-module -Cllvm-args=-sanitizer-coverage-level=4 \
-Cllvm-args=-sanitizer-coverage-inline-8bit-counters -Cllvm-args=-sanitizer-coverage-pc-table \
-Cllvm-args=-sanitizer-coverage-trace-compares --cfg fuzzing -Cdebug-assertions -Coverflow-checks"
# An explicit --target keeps RUSTFLAGS off build scripts and proc macros, as cargo fuzz does.
triple=$(rustc -vV | sed -n 's/^host: //p')
cargo build --quiet --release --target "$triple" --manifest-path "$here/Cargo.toml" --bin "$target"
mkdir -p "$here/corpus/$target" "$here/artifacts/$target"
exec "$CARGO_TARGET_DIR/$triple/release/$target" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=4096 \
  -artifact_prefix="$here/artifacts/$target/" "$@" "$here/corpus/$target"
