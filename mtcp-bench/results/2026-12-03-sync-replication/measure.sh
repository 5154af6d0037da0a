#!/usr/bin/env bash
# Issue 15: what a synchronous standby costs `./mtcp bench frontend` (docs/benchmarks.md,
# "Synchronous replication"). Debian's PostgreSQL 15 (apt-get install postgresql-15, with the mtcp
# extension installed by `make -C pg-backend-ext install PG_CONFIG=/usr/lib/postgresql/15/bin/pg_config`,
# which ./mvnw -B verify does); run as root from the repository's root:
#   bash mtcp-bench/results/2026-12-03-sync-replication/measure.sh [OUT] [ROUNDS]
# Starts two throwaway setups on loopback with the same settings (fsync on, synchronous_commit on):
#   alone   - one cluster;
#   sync    - a primary and a streaming standby listed in synchronous_standby_names (pg_basebackup -R),
# then runs `bench frontend` against each in turn, ROUNDS (2) times, alternating, and prints a summary.
# MTCP="java -jar /path/to/mtcp.jar" pins a built jar (default: ./mtcp).
set -euo pipefail
out=${1:-mtcp-bench/results/2026-12-03-sync-replication}
rounds=${2:-2}
bin=/usr/lib/postgresql/15/bin
mtcp=${MTCP:-./mtcp}
work=$(mktemp -d /tmp/mtcp-syncbench.XXXXXX)
chown postgres "$work"
as_pg() { runuser -u postgres -- "$@"; }
cleanup() {
  for d in alone primary standby; do
    [ -f "$work/$d/postmaster.pid" ] && as_pg "$bin/pg_ctl" -D "$work/$d" -m immediate -w stop >/dev/null 2>&1 || true
  done
  rm -rf "$work"
}
trap cleanup EXIT
opts="-c listen_addresses=127.0.0.1 -c max_connections=200 -c shared_buffers=128MB -k $work"
start() { # dir port extra
  as_pg "$bin/pg_ctl" -D "$work/$1" -l "$work/$1.log" -w -t 60 start -o "-p $2 $opts $3" >/dev/null
}
as_pg "$bin/initdb" -D "$work/alone" -U postgres -A trust -E UTF8 >/dev/null
as_pg "$bin/initdb" -D "$work/primary" -U postgres -A trust -E UTF8 >/dev/null
start alone 55431 ""
start primary 55432 "-c synchronous_standby_names=standby"
as_pg "$bin/pg_basebackup" -D "$work/standby" -X stream -R -d "host=127.0.0.1 port=55432 user=postgres application_name=standby"
start standby 55433 ""
for i in $(seq 1 100); do
  state=$(as_pg psql -h 127.0.0.1 -p 55432 -U postgres -Atc "SELECT sync_state FROM pg_stat_replication WHERE application_name='standby'" postgres || true)
  [ "$state" = sync ] && break
  sleep 0.1
done
[ "$state" = sync ] || { echo "the standby is not synchronous: '$state'" >&2; exit 1; }
for port in 55431 55432; do as_pg psql -h 127.0.0.1 -p $port -U postgres -qc "CREATE DATABASE bench" postgres; done
echo "alone: port 55431; sync: primary 55432, standby 55433 ($state)" >&2
for r in $(seq 1 "$rounds"); do
  for setup in alone sync; do
    port=$([ $setup = alone ] && echo 55431 || echo 55432)
    echo "== round $r: $setup" >&2
    $mtcp bench frontend --duration 8s --runs 2 --db "jdbc:postgresql://127.0.0.1:$port/bench?user=postgres" \
        --out "$out/$setup-$r" > "$out/$setup-$r.txt" 2> "$out/$setup-$r.log"
    sed "s/^/$setup round $r: /" "$out/$setup-$r.txt"
  done
done
