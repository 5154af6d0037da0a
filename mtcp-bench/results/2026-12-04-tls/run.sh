#!/usr/bin/env bash
# Issue 16's measurements (docs/benchmarks.md, "TLS (issue 16)"): M-TCP over TLS against plaintext
# and against plain TLS over TCP, in the same runs. From the repository's root:
#   bash mtcp-bench/results/2026-12-04-tls/run.sh [OUT] [STEP...]
# steps: throughput throughput-platform migration frontend (default: all, about 5 to 7 minutes).
# Each step writes its CSVs under OUT/STEP, its table to OUT/STEP.txt, its progress to OUT/STEP.log.
# How the bench runs: ./mtcp bench (builds the jar when sources changed), or
#   MTCP_BENCH_JAR=mtcp-bench/target/benchmarks.jar  (java -cp JAR org.mtcp.bench.cli.BenchMain;
#   build it with ./mvnw -q -pl mtcp-bench -am package -DskipTests -DskipPg15), or
#   MTCP="java -jar /path/to/mtcp.jar"  (a built mtcp jar).
set -euo pipefail
out=${1:-mtcp-bench/results/2026-12-04-tls}
shift || true
steps=("$@")
[ ${#steps[@]} -eq 0 ] && steps=(throughput throughput-platform migration frontend)
mkdir -p "$out"
java_bin() {
  if [ -n "${JAVA_HOME:-}" ]; then echo "$JAVA_HOME/bin/java"; else command -v java; fi
}
# run STEP JAVA_OPTS ARGS...: one bench command, its options after the JVM options given
run() {
  local step=$1 opts=$2; shift 2
  echo "== $step: ${opts:+[$opts] }bench $*" >&2
  if [ -n "${MTCP_BENCH_JAR:-}" ]; then
    # shellcheck disable=SC2086
    "$(java_bin)" $opts -cp "$MTCP_BENCH_JAR" org.mtcp.bench.cli.BenchMain "$@" --out "$out/$step" \
      >"$out/$step.txt" 2>"$out/$step.log"
  else
    MTCP_JAVA_OPTS="$opts" ${MTCP:-./mtcp} bench "$@" --out "$out/$step" >"$out/$step.txt" 2>"$out/$step.log"
  fi
  cat "$out/$step.txt"
}
{ date -u; uptime; } >"$out/conditions.txt"
for step in "${steps[@]}"; do
  case $step in
    # tcp, tls, m-tcp, m-tcp+tls alternating; 256 MB each, 7 runs
    throughput)          run throughput "" throughput --tls --size 256m --warmup 3 --runs 7 ;;
    # the same with platform link threads (the lever the profile points at)
    throughput-platform) run throughput-platform "-Dmtcp.linkThreads=platform" throughput --tls --size 256m --warmup 3 --runs 7 ;;
    # plain, tls (resuming), tls-full (sessions forgotten), cold and standby links, loopback and 1 ms RTT
    migration)           run migration "" migration --tls --sizes 0 --runs 200 --warmup 500 --rtt 0,1ms ;;
    # jdbc, frontend, frontend+tls alternating
    frontend)            run frontend "" frontend --tls --duration 8s --runs 3 ;;
    *) echo "unknown step $step" >&2; exit 2 ;;
  esac
done
{ date -u; uptime; } >>"$out/conditions.txt"
