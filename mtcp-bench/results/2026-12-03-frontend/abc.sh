#!/bin/bash
# alternating comparison: abc.sh OUTDIR ROUNDS jar... ; extra bench args in BENCH_ARGS
out=$1; rounds=$2; shift 2
J=/usr/lib/jvm/temurin-25-jdk-amd64/bin/java
mkdir -p $out
for r in $(seq 1 $rounds); do
  for jar in "$@"; do
    name=$(basename $jar .jar)
    $J -jar $jar bench frontend $BENCH_ARGS --out $out/$name-$r > $out/$name-$r.log 2>&1
    echo "== $name round $r: $(grep -E '^frontend|^jdbc' $out/$name-$r.log | tr -s ' ' | tr '\n' ' ')"
    grep -E "bench frontend: run.*frontend" $out/$name-$r.log | sed -E 's/.*run (.)\/.* frontend: ([0-9]+) transactions.*jvm_cpu_us ([0-9.]+), xacts ([0-9.]+).*/  phase \1: \2 tps, \3 us cpu, \4 xacts/'
  done
done
