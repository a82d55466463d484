#!/usr/bin/env bash
# Runs a command against a throwaway PostgreSQL cluster: installs PostgreSQL from Debian if missing,
# initialises a cluster in a temporary directory as the unprivileged `postgres` user (or as the
# current user when not root), listens on 127.0.0.1 only, creates the ordinary role and database
# `crm` (no superuser, no BYPASSRLS, so row-level security binds it), exports
#   CRM_PG_URL        postgres://crm@127.0.0.1:PORT/crm   (what the tests and the CLI use)
#   CRM_PG_ADMIN_URL  the superuser's URL, for tests that must look past row-level security
# runs the command, and stops and deletes the cluster on exit, whatever happens. The role's lock
# timeout turns a test that would wait forever on a lock into a failure.
# Usage: bash scripts/with-postgres.sh COMMAND [ARGS...]   (CRM_PG_PORT overrides the port 55432)
set -euo pipefail

bindir() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1; }
if [ -z "$(bindir)" ] || [ ! -x "$(bindir)/initdb" ]; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq && apt-get install -y -qq postgresql >/dev/null
fi
BIN=$(bindir)
PORT=${CRM_PG_PORT:-55432}
DATA=$(mktemp -d /tmp/crm-pg.XXXXXX)
if [ "$(id -u)" = 0 ]; then
  chown postgres: "$DATA"
  as_pg() { runuser -u postgres -- "$@"; }
  SUPER=postgres
else
  as_pg() { "$@"; }
  SUPER=$(id -un)
fi
chmod 700 "$DATA"

stop() {
  as_pg "$BIN/pg_ctl" -D "$DATA" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$DATA"
}
trap stop EXIT

as_pg "$BIN/initdb" -D "$DATA" -U "$SUPER" --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
# Tests trade durability for speed (a crashed test cluster is thrown away anyway); benchmarks set
# CRM_PG_DURABLE=1 to measure with the server's defaults.
OPTIONS="-c listen_addresses=127.0.0.1 -c port=$PORT -c unix_socket_directories=$DATA -c max_connections=200"
if [ -z "${CRM_PG_DURABLE:-}" ]; then
  OPTIONS="$OPTIONS -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
fi
as_pg "$BIN/pg_ctl" -D "$DATA" -l "$DATA/server.log" -w -t 60 -o "$OPTIONS" start >/dev/null
as_pg "$BIN/psql" -q -h 127.0.0.1 -p "$PORT" -U "$SUPER" -d postgres -v ON_ERROR_STOP=1 \
  -c "CREATE ROLE crm LOGIN NOSUPERUSER NOBYPASSRLS" -c "CREATE DATABASE crm OWNER crm" \
  -c "ALTER ROLE crm SET lock_timeout = '120s'" >/dev/null

export CRM_PG_URL="postgres://crm@127.0.0.1:$PORT/crm"
export CRM_PG_ADMIN_URL="postgres://$SUPER@127.0.0.1:$PORT/crm"
echo "PostgreSQL $("$BIN/postgres" --version | awk '{print $3}') on 127.0.0.1:$PORT (data in $DATA)"
"$@"
