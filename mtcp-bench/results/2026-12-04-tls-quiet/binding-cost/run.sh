#!/usr/bin/env bash
# The binding's cost on plaintext loopback migrations (docs/benchmarks.md, "TLS (issue 16)", quiet
# re-run): the build before the binding (3aa6e07) and main with it (25cb0b9: ciphers reused, no JFR
# stream in plaintext bench runs), alternating, 1,500 migrations after 2,000 warm-up each, 5 rounds.
#   bash mtcp-bench/results/2026-12-04-tls-quiet/binding-cost/run.sh OUT
# About 8 minutes on 2 cores; run it on a quiet machine.
set -euo pipefail
out=${1:-/tmp/binding-cost}
mkdir -p "$out"
java=${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}/bin/java
for c in 3aa6e07 25cb0b9; do
  wt=$(mktemp -d)
  git worktree add -q "$wt" "$c"
  (cd "$wt" && ./mvnw -o -q -pl mtcp-bench -am package -DskipTests -DskipPg15)
  cp "$wt/mtcp-bench/target/benchmarks.jar" "$out/bench-$c.jar"
  git worktree remove --force "$wt"
done
for run in 1 2 3 4 5; do
  for c in 3aa6e07 25cb0b9; do
    "$java" -cp "$out/bench-$c.jar" org.mtcp.bench.cli.BenchMain migration --sizes 0 --runs 1500 --warmup 2000 \
      --rtt 0 --out "$out/$c-run$run" >/dev/null 2>&1
    echo "$c run $run: $(awk -F, 'NR>1{printf "%s median %s us  ", $1, $8}' "$out/$c-run$run/migration-summary.csv")"
  done
done
