#!/usr/bin/env bash
# The PostgreSQL suites: conformance, tenancy, stress and the killed client, on a throwaway cluster
# (scripts/with-postgres.sh installs PostgreSQL if missing, starts it, and stops it on exit), then
# crm-server over HTTP on PostgreSQL (scenarios, tenancy), then the CLI demo on PostgreSQL.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
cargo build --locked -p crm-cli --quiet
bash scripts/with-postgres.sh bash -c '
  set -euo pipefail
  cargo test --locked -p crm-postgres -- --include-ignored --nocapture --test-threads 4
  cargo test --locked -p crm-server -- --include-ignored
  target/debug/crm demo --db "$CRM_PG_URL" --org demo --reset | tail -n 5
'
