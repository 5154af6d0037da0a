#!/usr/bin/env bash
# Final quiet-machine measurements for issue 12: before (24decc2) and after (main) jars, alternating.
set -u
J=/usr/lib/jvm/temurin-25-jdk-amd64/bin/java
B=/tmp/mtcp-before.jar
A=/work/main/mtcp-dist/target/mtcp.jar
O=${1:-/work/main/mtcp-bench/results/2026-12-03-final}
mkdir -p "$O"
log="$O/runs.log"
run() { # name jar args...
  local name=$1 jar=$2; shift 2
  echo "=== $name $(date -u +%T) load $(cut -d' ' -f1 /proc/loadavg): $*" | tee -a "$log"
  "$J" ${JOPTS:-} -jar "$jar" "$@" --out "$O/$name" > "$O/$name.txt" 2> "$O/$name.err"
  tail -n 8 "$O/$name.txt" | tee -a "$log"
}
for i in 1 2 3; do
  run throughput-before-$i "$B" bench throughput --size 1g --runs 5
  run throughput-after-$i "$A" bench throughput --size 1g --runs 5
done
for i in 1 2; do
  JOPTS=-Dmtcp.linkThreads=platform run throughput-after-platform-$i "$A" bench throughput --size 1g --runs 5
done
run throughput-after-16k "$A" bench throughput --size 1g --runs 5 --buffer 16k
run throughput-after-1m "$A" bench throughput --size 1g --runs 5 --buffer 1m
run throughput-after-snap64k "$A" bench throughput --size 1g --runs 5 --snapshot-every 64k
run throughput-before-snap64k "$B" bench throughput --size 1g --runs 5 --snapshot-every 64k
for i in 1 2; do
  run migration-before-$i "$B" bench migration --sizes 0 --warmup 1000
  run migration-after-$i "$A" bench migration --sizes 0 --warmup 1000
done
run stream-after-cold "$A" bench stream --runs 1
run stream-after-standby "$A" bench stream --runs 1 --standby
echo "=== done $(date -u +%T)" | tee -a "$log"
