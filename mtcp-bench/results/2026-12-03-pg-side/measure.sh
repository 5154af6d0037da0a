#!/bin/bash
# PostgreSQL's own CPU per transfer, in the statement shapes of plain JDBC and of the front-end,
# and with one piece of the front-end's transaction left out at a time (docs/benchmarks.md,
# "Where the database's time goes"). Debian's PostgreSQL 15 (a throwaway cluster, fsync and
# synchronous_commit off as in the embedded one), pgbench with 4 clients, simple protocol
# (compound statements are one round trip, as the front-end sends them).
#   sudo bash measure.sh [ROUNDS] [SECONDS]      (as root: the cluster runs as user postgres)
# Prints one line per variant and round: transactions and PostgreSQL CPU us per transaction
# (the postmaster's children, live and reaped), and writes pg-side.csv.
set -euo pipefail
ROUNDS=${1:-3}; SECONDS_PER=${2:-5}
B=/usr/lib/postgresql/15/bin
HERE=$(cd "$(dirname "$0")" && pwd); ROOT=$(cd "$HERE/../../.." && pwd)
W=$(mktemp -d /tmp/pgside.XXXX); chown postgres "$W"
make -s -C "$ROOT/pg-backend-ext" install PG_CONFIG=$B/pg_config >/dev/null
runuser -u postgres -- $B/initdb -D "$W/data" -A trust -U postgres >/dev/null
cat >> "$W/data/postgresql.conf" <<CONF
port = 5498
fsync = off
synchronous_commit = off
full_page_writes = off
shared_buffers = 64MB
unix_socket_directories = '$W'
CONF
runuser -u postgres -- $B/pg_ctl -D "$W/data" -l "$W/log" -w start >/dev/null
trap 'runuser -u postgres -- $B/pg_ctl -D "$W/data" -m immediate stop >/dev/null; rm -rf "$W"' EXIT
P="$B/psql -h $W -p 5498 -U postgres -q -v ON_ERROR_STOP=1"
$P -c "CREATE DATABASE b" >/dev/null
$P -d b -c "CREATE EXTENSION mtcp" -c "CREATE SCHEMA frontend" \
   -f "$ROOT/pg-frontend/src/main/resources/db/frontend/V1__frontend.sql" \
   -c "CREATE TABLE frontend.outcome_nofk (LIKE frontend.outcome INCLUDING ALL)" \
   -c "CREATE SCHEMA bank" -c "CREATE TABLE bank.accounts (id bigint PRIMARY KEY, balance bigint NOT NULL)" \
   -c "CREATE TABLE bank.transfers (id bigserial PRIMARY KEY, src bigint, dst bigint, amount bigint, at timestamptz DEFAULT now())" \
   -c "INSERT INTO bank.accounts SELECT g, 1000000 FROM generate_series(1, 10000) g" \
   -c "SELECT mtcp.open_session() FROM generate_series(1, 8)" \
   -c "INSERT INTO frontend.batch (id, session, request, request_hash, transactions, created_by, owner_cid, owner_epoch)
       SELECT 'b' || g, g, '{}', 'h', 1000000, 'x', 'c', 0 FROM generate_series(1, 8) g" >/dev/null
# mtcp.begin with one piece left out at a time (same body otherwise)
DEF=$($P -d b -At -c "SELECT pg_get_functiondef('mtcp.begin(bigint,bigint)'::regprocedure)")
python3 - "$W/variants.sql" <<PY "$DEF"
import re, sys
s = sys.argv[2]
def v(name, src): return src.replace('FUNCTION mtcp.begin(', 'FUNCTION mtcp.' + name + '(') + ';\n'
out = v('b_no_search_path', s.replace(" SET search_path TO 'pg_catalog', 'pg_temp'\n", "\n"))
out += v('b_no_exists_probe', re.sub(r"  IF EXISTS \(SELECT FROM mtcp.txn_log.*?END IF;\n", "", s, flags=re.S))
out += v('b_no_takeover_gate', s.replace("  PERFORM pg_advisory_lock_shared(1297367889, pg_backend_pid());\n  PERFORM pg_advisory_unlock_shared(1297367889, pg_backend_pid());\n", ""))
out += v('b_no_txn_log', s.replace("  INSERT INTO mtcp.txn_log (xid, session, epoch, status) VALUES (v_tid, v_session, v_epoch, 'committed');\n", ""))
open(sys.argv[1], 'w').write(out)
PY
$P -d b -f "$W/variants.sql" >/dev/null
HEAD='\set a random(1, 10000)
\set b random(1, 10000)
\set s :client_id + 1
\set q random(1, 2000000000)'
OP='SELECT id, balance FROM bank.accounts WHERE id IN (:a, :b) ORDER BY id FOR UPDATE;
UPDATE bank.accounts SET balance = balance + CASE WHEN id = :a THEN -1 ELSE 1 END WHERE id IN (:a, :b);
INSERT INTO bank.transfers (src, dst, amount) VALUES (:a, :b, 1);'
LINE='{"seq":1,"tid":"12345","outcome":"committed","result":{"from":{"id":1,"balance":999},"to":{"id":2,"balance":1001}},"frontend":"s1"}'
out_insert() { echo "INSERT INTO $1 (batch, seq, tid, outcome, frontend, line) VALUES ('b' || :s, :q, pg_current_xact_id(), 'committed', 's1', '$LINE')"; }
script() {   # name, begin statement ('' = none), savepoint (yes/no), outcome table ('' = none)
  local f="$W/$1.sql" first="BEGIN"
  [ -n "$2" ] && first="$first \\; $2"
  [ "$3" = yes ] && first="$first \\; SAVEPOINT mtcp_op"
  { echo "$HEAD"; echo "$first;"; echo "$OP"
    if [ -n "$4" ]; then echo "$(out_insert "$4") \\; COMMIT;"; else echo "COMMIT;"; fi; } > "$f"
}
# jdbc: pgjdbc sends BEGIN with the first statement; the three statements; COMMIT (4 round trips)
{ echo "$HEAD"; printf 'BEGIN \\; %s\n' "$(echo "$OP" | head -1)"; echo "$OP" | tail -n +2; echo "COMMIT;"; } > "$W/jdbc.sql"
script frontend            "SELECT mtcp.begin(:s, 0)"             yes frontend.outcome
script no_mtcp_begin       "SELECT pg_current_xact_id()"          yes frontend.outcome
script no_savepoint        "SELECT mtcp.begin(:s, 0)"             no  frontend.outcome
script no_outcome_fk       "SELECT mtcp.begin(:s, 0)"             yes frontend.outcome_nofk
script no_outcome_record   "SELECT mtcp.begin(:s, 0)"             yes ""
for v in b_no_search_path b_no_exists_probe b_no_takeover_gate b_no_txn_log; do
  script "begin_$v" "SELECT mtcp.$v(:s, 0)" yes frontend.outcome
done
PM=$(head -1 "$W/data/postmaster.pid")
ticks() { local s=($(cat /proc/$PM/stat)); local t=$(( ${s[13]} + ${s[14]} + ${s[15]} + ${s[16]} )); local p c
  for p in $(pgrep -P "$PM"); do c=($(cat /proc/$p/stat 2>/dev/null || echo 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0)); t=$(( t + ${c[13]:-0} + ${c[14]:-0} )); done; echo $t; }
HZ=$(getconf CLK_TCK)
echo "round,variant,transactions,pg_cpu_us_per_tx" > "$HERE/pg-side.csv"
for r in $(seq 1 "$ROUNDS"); do
  for v in jdbc frontend no_mtcp_begin no_savepoint no_outcome_fk no_outcome_record \
           begin_b_no_search_path begin_b_no_exists_probe begin_b_no_takeover_gate begin_b_no_txn_log; do
    $P -d b -c "TRUNCATE frontend.outcome, frontend.outcome_nofk, mtcp.txn_log, bank.transfers" >/dev/null
    a=$(ticks)
    n=$($B/pgbench -h "$W" -p 5498 -U postgres -n -M simple -c 4 -T "$SECONDS_PER" -f "$W/$v.sql" b 2>&1 \
        | awk -F'[:/]' '/number of transactions actually processed/ {gsub(/ /, "", $2); print $2}')
    sleep 0.3; b=$(ticks)
    us=$(( (b - a) * 1000000 / HZ / n ))
    printf '%d %-28s %8d tx  %4d us PostgreSQL CPU per transaction\n' "$r" "$v" "$n" "$us"
    echo "$r,$v,$n,$us" >> "$HERE/pg-side.csv"
  done
done
