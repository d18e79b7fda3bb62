#!/usr/bin/env bash
# Lost acknowledged writes and longest write gap during a planned switchover of 1 master +
# 2 replicas (Debian redis-server) watched by three redis-sentinel processes on loopback:
# rkv's Sentinel-coordinated `rkv failover --to R2` against a plain `SENTINEL FAILOVER`, measured
# by the same client (examples/switchover_gap.rs), ROUNDS rounds each, fresh nodes and Sentinels
# every round. This is a benchmark, not a test.
# Usage: scripts/bench-sentinel-switchover.sh [ROUNDS] [debug|release]
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${1:-1}
PROFILE=${2:-debug}
if [ "$PROFILE" = release ]; then
  cargo build --release -q --bin rkv --example switchover_gap
else
  cargo build -q --bin rkv --example switchover_gap
fi
RKV=./target/$PROFILE/rkv
GAP=./target/$PROFILE/examples/switchover_gap
work=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

start_group() { # sets M R1 R2 S1 S2 S3 (ports the kernel says are free)
  M=$(free_port); R1=$(free_port); R2=$(free_port); S1=$(free_port); S2=$(free_port); S3=$(free_port)
  for p in $M $R1 $R2; do
    mkdir -p "$work/$p"
    local extra=()
    [ "$p" != "$M" ] && extra=(--replicaof "127.0.0.1 $M")
    redis-server --port "$p" --bind 127.0.0.1 --save "" --appendonly no --dir "$work/$p" \
      --logfile "$work/$p/log" "${extra[@]}" &
    pids+=($!)
  done
  for p in $M $R1 $R2; do
    for _ in $(seq 100); do redis-cli -p "$p" ping >/dev/null 2>&1 && break; sleep 0.05; done
  done
  for p in $R1 $R2; do
    for _ in $(seq 200); do
      redis-cli -p "$p" info replication | grep -q master_link_status:up && break; sleep 0.05
    done
  done
  for s in $S1 $S2 $S3; do
    mkdir -p "$work/$s"
    printf 'port %s\nbind 127.0.0.1\ndir %s\nlogfile %s/log\nsentinel monitor mymaster 127.0.0.1 %s 2\nsentinel down-after-milliseconds mymaster 5000\nsentinel failover-timeout mymaster 60000\n' \
      "$s" "$work/$s" "$work/$s" "$M" > "$work/$s/sentinel.conf"
    redis-sentinel "$work/$s/sentinel.conf" &
    pids+=($!)
  done
  # Settled: every Sentinel knows the two others and both replicas.
  for s in $S1 $S2 $S3; do
    for _ in $(seq 300); do
      out=$(redis-cli -p "$s" sentinel master mymaster 2>/dev/null | paste - - || true)
      echo "$out" | grep -qP '^num-slaves\t2$' && echo "$out" | grep -qP '^num-other-sentinels\t2$' && break
      sleep 0.1
    done
  done
}

stop_group() {
  for s in $S1 $S2 $S3; do redis-cli -p "$s" shutdown nosave >/dev/null 2>&1 || true; done
  for p in $M $R1 $R2; do redis-cli -p "$p" shutdown nosave >/dev/null 2>&1 || true; done
}

echo "rkv $(git rev-parse --short HEAD) ($PROFILE), redis-server $(redis-server --version | sed 's/.*v=\([^ ]*\).*/\1/'), $(nproc) cores, load $(cut -d' ' -f1 /proc/loadavg)"
for round in $(seq "$ROUNDS"); do
  start_group
  printf 'rkv failover (with Sentinel) : '
  "$GAP" "$M,$R1,$R2" -- "$RKV" failover "127.0.0.1:$M" --to "127.0.0.1:$R2" --yes -q \
    --journal "$work/journal-$round.jsonl"
  stop_group
  start_group
  printf 'SENTINEL FAILOVER            : '
  "$GAP" "$M,$R1,$R2" -- redis-cli -p "$S1" SENTINEL FAILOVER mymaster
  stop_group
done
