#!/bin/bash
# Alternates two ./mtcp jars on `bench frontend` (default case unless BENCH_ARGS), ROUNDS pairs.
#   abab.sh OUTDIR ROUNDS before.jar after.jar
set -euo pipefail
OUT=$1; ROUNDS=$2; A=$3; B=$4
JAVA=${JAVA:-/usr/lib/jvm/temurin-25-jdk-amd64/bin/java}
mkdir -p "$OUT"
for r in $(seq 1 "$ROUNDS"); do
  for jar in "$A" "$B"; do
    name=$(basename "$jar" .jar)
    "$JAVA" -jar "$jar" bench frontend ${BENCH_ARGS:---duration 8s --runs 2} --out "$OUT/$name-$r" > "$OUT/$name-$r.txt" 2>&1
    echo "== $name round $r"; grep -E "bench frontend: run" "$OUT/$name-$r.txt" | sed 's/.*run \([0-9]\/[0-9]\) \([a-z]*\): \([0-9]*\) transactions\/s.*jvm_cpu_us \([0-9.]*\), xacts \([0-9.]*\).*/\1 \2 \3 tx\/s jvm_cpu_us=\4 xacts=\5/'
  done
done
