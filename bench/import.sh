#!/usr/bin/env bash
# The import benchmark, end to end: ROWS customer rows (default 1,000,000; bench/import_rows.py,
# 5% of them repeating an earlier customer's phone in another spelling) imported by the release
# `crm import` into a fresh SQLite file with normalisation (E.164 phones, emails, Chinese dates,
# decimals, GB/T 2260 divisions) and duplicate checks, then `crm quality` over the result. Each
# step is its own process, timed with its peak memory (GNU time when installed, else wall time
# only), so the figures are the tool's own. The aims: the import under 30 s, the report under 2 s,
# memory bounded (the file is streamed, not loaded).
#
# Usage: bash bench/import.sh [ROWS] [BATCH]   (BATCH: rows per committed batch, default the
# tool's own, 5000; a bulk load that no other writer waits on can take 50000)
set -euo pipefail
rows="${1:-1000000}"
root="$(cd "$(dirname "$0")/.." && pwd)"
work="${CARGO_TARGET_DIR:-$root/target}/bench-import"
mkdir -p "$work"
csv="$work/customers-$rows.csv"
db="$work/import-$rows.db"
(cd "$root" && cargo build --release --locked -p crm-cli --quiet)
crm="${CARGO_TARGET_DIR:-$root/target}/release/crm"
[ -s "$csv" ] || python3 "$root/bench/import_rows.py" "$rows" "$csv"
echo "file: $csv ($(du -h "$csv" | cut -f1), $rows rows)"
rm -f "$db" "$db-wal" "$db-shm"
"$crm" token bootstrap --db "$db" --admin-name "Bench Admin" >/dev/null

timed() {
  local label="$1"
  shift
  if [ -x /usr/bin/time ]; then
    /usr/bin/time -f "$label: %e s wall, %M KB peak RSS" "$@"
  else
    local t0
    t0=$(date +%s.%N)
    "$@"
    echo "$label: $(echo "$(date +%s.%N) - $t0" | bc) s wall"
  fi
}

set +e
echo "batch size: ${2:-default}"
timed "crm import" "$crm" import --db "$db" --map "$root/bench/import.map.toml" ${2:+--batch-size "$2"} "$csv" >"$work/import.out"
status=$?
set -e
cat "$work/import.out"
[ "$status" -le 2 ] || exit "$status"
timed "crm quality" "$crm" quality --db "$db" >"$work/quality.out"
head -12 "$work/quality.out"
echo "database: $(du -h "$db" | cut -f1)"
