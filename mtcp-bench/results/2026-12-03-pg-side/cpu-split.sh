#!/bin/bash
# CPU of the JVM and of PostgreSQL during `bench frontend`, second by second, so that each phase's
# CPU per transaction can be split into the JVM's and the database's (docs/benchmarks.md,
# "Where a transfer's CPU goes"). Usage: cpu-split.sh MTCP_JAR [bench frontend options]
# Output: cpu-split.txt (time, postgres ticks, java ticks, cumulative; CLK_TCK per second) and
# bench.txt (the bench's lines, time-stamped). Run it on a quiet machine: every process counts.
set -euo pipefail
JAR=$1; shift
JAVA=${JAVA:-$(ls -d /usr/lib/jvm/*25*/bin/java /usr/lib/jvm/*21*/bin/java 2>/dev/null | head -1)}
sample() {
  while true; do
    local pg=0 jv=0 d c s
    for d in /proc/[0-9]*; do
      c=$(cat "$d/comm" 2>/dev/null) || continue
      case "$c" in
        postgres) s=($(cat "$d/stat" 2>/dev/null)) && pg=$((pg + ${s[13]} + ${s[14]} + ${s[15]} + ${s[16]})) ;;
        java) s=($(cat "$d/stat" 2>/dev/null)) && jv=$((jv + ${s[13]} + ${s[14]})) ;;
      esac
    done
    echo "$(date -u +%T.%N | cut -c1-12) $pg $jv"
    sleep 0.5
  done
}
sample > cpu-split.txt &
SAMPLER=$!
trap 'kill $SAMPLER 2>/dev/null' EXIT
"$JAVA" -jar "$JAR" bench frontend "$@" 2>&1 | while IFS= read -r l; do echo "$(date -u +%T.%N | cut -c1-12) $l"; done > bench.txt
grep "bench frontend: run" bench.txt
