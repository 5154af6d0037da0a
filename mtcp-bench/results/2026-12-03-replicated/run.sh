#!/usr/bin/env bash
# Issue 14's measurements (docs/benchmarks.md, "Replicated transfer (issue 14)"): run from the
# repository's root as  bash mtcp-bench/results/2026-12-03-replicated/run.sh [OUT] [STEP...]
# (steps: failover failover-tuned throughput throughput-64k throughput-4k migration frontend;
# default all). Each step writes
# its CSVs under OUT/STEP, its table to OUT/STEP.txt and its progress to OUT/STEP.log.
# MTCP="java -jar /path/to/mtcp.jar" pins a built jar (./mtcp rebuilds when sources change).
set -euo pipefail
out=${1:-mtcp-bench/results/2026-12-03-replicated}
shift || true
steps=("$@")
[ ${#steps[@]} -eq 0 ] && steps=(failover failover-tuned throughput throughput-64k throughput-4k migration frontend)
run() {
  local step=$1; shift
  echo "== $step: ./mtcp bench $*" >&2
  ${MTCP:-./mtcp} bench "$@" --out "$out/$step" >"$out/$step.txt" 2>"$out/$step.log"
  cat "$out/$step.txt"
}
for step in "${steps[@]}"; do
  case $step in
    failover)      run failover failover --rounds 20 --stop-rounds 3 --lazy-rounds 2 --state-transfer replicated,lazy ;;
    failover-tuned) run failover-tuned failover --signal STOP,KILL --rounds 10 --stop-rounds 3 --state-transfer replicated \
                      --keepalive 250ms --missed-keepalives 2 --control-timeout 1s ;;
    throughput)    run throughput throughput --size 64m --runs 3 --state-transfer lazy,replicated ;;
    throughput-64k) run throughput-64k throughput --size 64m --runs 3 --snapshot-every 64k --state-transfer lazy,replicated ;;
    throughput-4k) run throughput-4k throughput --size 16m --runs 2 --snapshot-every 4k --state-transfer lazy,replicated ;;
    migration)     run migration migration --sizes 0,2k,16k --runs 200 --warmup 1000 --rtt 0,1ms --state-transfer lazy,replicated ;;
    frontend)      run frontend frontend --duration 8s --runs 4 --state-transfer lazy,replicated ;;
    *) echo "unknown step $step" >&2; exit 2 ;;
  esac
done
