#!/usr/bin/env bash
# The PostgreSQL benchmarks (claims with 1/4/16 connections, the sweep of 1,000,000 customers in
# 100 organisations) on a throwaway cluster with the server's default durability settings.
# Pass criterion arguments through, e.g. `bash crm-postgres/bench.sh claims`.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
CRM_PG_DURABLE=1 bash scripts/with-postgres.sh cargo bench --locked -p crm-postgres --bench postgres -- "$@"
