#!/usr/bin/env bash
# The database modules' tests against Debian's PostgreSQL 15, a second major version next to the
# embedded PostgreSQL 17 the default build uses. Only when PostgreSQL 15 is installed (else: skipped).
#
#   1. PGXS: installs the extension the way a DBA does (make -C pg-backend-ext install), after
#      installing postgresql-server-dev-15 if it is missing (root only);
#   2. starts a throwaway cluster in a temp dir on a free port (as user postgres when run as root:
#      initdb refuses root), trust authentication on 127.0.0.1 only;
#   3. runs pg-testkit, pg-backend-ext, sql and jdbc-migratory against it (MTCP_TEST_PG_URL);
#   4. stops and deletes the cluster, whatever happened (trap).
#
# Usage: .ci/pg15.sh [extra Maven arguments]     (PG15_BIN overrides /usr/lib/postgresql/15/bin)
set -euo pipefail
cd "$(dirname "$0")/.."

PGBIN=${PG15_BIN:-/usr/lib/postgresql/15/bin}
if [ ! -x "$PGBIN/postgres" ]; then
  echo "pg15: no PostgreSQL 15 server at $PGBIN: skipped"
  exit 0
fi

# shellcheck source=.ci/lib.sh
source .ci/lib.sh
mtcp_select_jdk

as_root=false
[ "$(id -u)" = 0 ] && as_root=true

# --- 1. PGXS install ---------------------------------------------------------------------------
PG_CONFIG="$PGBIN/pg_config"
pgxs=$("$PG_CONFIG" --pgxs 2>/dev/null || true)
if [ -z "$pgxs" ] || [ ! -f "$pgxs" ]; then
  if $as_root && command -v apt-get >/dev/null 2>&1; then
    echo "pg15: installing postgresql-server-dev-15 (PGXS)"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >/dev/null || true
    apt-get install -y -qq postgresql-server-dev-15 >/dev/null
    pgxs=$("$PG_CONFIG" --pgxs)
  else
    echo "pg15: PGXS is missing (postgresql-server-dev-15) and cannot be installed here (not root): skipped"
    exit 0
  fi
fi
extdir="$("$PG_CONFIG" --sharedir)/extension"
if ! $as_root && [ ! -w "$extdir" ]; then
  echo "pg15: cannot write $extdir (not root): skipped"
  exit 0
fi
make -s -C pg-backend-ext install PG_CONFIG="$PG_CONFIG"
echo "pg15: extension mtcp installed into $extdir"

# --- 2. a throwaway cluster -------------------------------------------------------------------
tmp=$(mktemp -d /tmp/mtcp-pg15.XXXXXX)
run_pg() {
  if $as_root; then runuser -u postgres -- "$@"; else "$@"; fi
}
cleanup() {
  run_pg "$PGBIN/pg_ctl" -D "$tmp/data" -m immediate -w stop >/dev/null 2>&1 || true
  rm -rf "$tmp"
}
trap cleanup EXIT
$as_root && chown postgres "$tmp"

port=""
for candidate in $(seq $((55432 + RANDOM % 500)) 56431); do
  if ! (exec 3<>"/dev/tcp/127.0.0.1/$candidate") 2>/dev/null; then
    port=$candidate
    break
  fi
done
[ -n "$port" ] || { echo "pg15: no free port" >&2; exit 1; }

run_pg "$PGBIN/initdb" -D "$tmp/data" -U postgres -A trust -E UTF8 --no-sync >/dev/null
run_pg "$PGBIN/pg_ctl" -D "$tmp/data" -l "$tmp/server.log" -w -t 60 start -o \
  "-p $port -k $tmp -c listen_addresses=127.0.0.1 -c max_connections=300 -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
  >/dev/null || { cat "$tmp/server.log" >&2; exit 1; }
echo "pg15: $("$PGBIN/postgres" --version) on 127.0.0.1:$port"

# --- 3. the tests -----------------------------------------------------------------------------
export MTCP_TEST_PG_URL="jdbc:postgresql://127.0.0.1:$port/postgres?user=postgres"
./mvnw -B verify -pl pg-testkit,pg-backend-ext,sql,jdbc-migratory -am "$@"
