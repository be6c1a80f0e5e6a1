#!/usr/bin/env bash
# Make sure PostgreSQL answers on 127.0.0.1:5432 for the catalog's second test pass (`make test`).
# Idempotent: a server that already answers is left alone. Installs (Debian package `postgresql`, via
# scripts/setup.sh when run as root), creates a cluster if there is none, trusts the `postgres` user on
# loopback only, and starts it. If none can be started, it fails loudly: the PostgreSQL pass never skips.
set -euo pipefail
cd "$(dirname "$0")/.."

pg_up() { pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; }

ensure_postgres() {
  pg_up && return 0
  command -v pg_lsclusters >/dev/null 2>&1 || ./scripts/setup.sh
  if [ -z "$(pg_lsclusters -h 2>/dev/null)" ]; then
    pg_createcluster "$(ls /usr/lib/postgresql | sort -V | tail -n1)" main
  fi
  read -r ver cluster _ < <(pg_lsclusters -h | head -n1)
  hba=/etc/postgresql/$ver/$cluster/pg_hba.conf
  # the tests connect as `postgres` over loopback without a password: trust that, and only that (a CI machine)
  if ! grep -qE '^host\s+all\s+postgres\s+127\.0\.0\.1/32\s+trust' "$hba"; then
    sed -i '1i host all postgres 127.0.0.1/32 trust' "$hba"
  fi
  pg_ctlcluster "$ver" "$cluster" start 2>/dev/null || pg_ctlcluster "$ver" "$cluster" reload || service postgresql start
  for _ in $(seq 30); do pg_up && return 0; sleep 1; done
  echo "ERROR: PostgreSQL does not answer on 127.0.0.1:5432; the PostgreSQL test pass cannot run" >&2
  return 1
}

ensure_postgres
