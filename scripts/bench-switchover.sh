#!/usr/bin/env bash
# Longest gap between two acknowledged writes, and acknowledged writes lost, during a planned
# switchover of 1 master + 2 replicas (Debian redis-server) on loopback: `rkv failover --to R2`
# against Redis's own `FAILOVER TO R2`, measured by the same client (examples/switchover_gap.rs),
# in one run, ROUNDS rounds each (fresh nodes every round).
# Usage: scripts/bench-switchover.sh [ROUNDS] [SERVER_DIR]
# SERVER_DIR: a build of the version matrix (../shared/redis-matrix/redis-5.0.14, …) to run
# instead of Debian's redis-server; before 6.2 there is no FAILOVER command, so only rkv runs
# (its plan then demotes the old master before the promotion instead of pausing writes).
# SENTINEL FAILOVER is measured in the Sentinel issue. This is a benchmark, not a test.
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${1:-1}
SERVER=redis-server
if [ -n "${2:-}" ]; then
  SERVER="$(cd "$2" && pwd)/redis-server"
  [ -x "$SERVER" ] || SERVER="$(cd "$2" && pwd)/valkey-server"  # Valkey's name for it
fi
[ -x "$(command -v "$SERVER")" ] || { echo "no redis-server at $SERVER" >&2; exit 1; }
cargo build --release -q --bin rkv --example switchover_gap
RKV=./target/release/rkv
GAP=./target/release/examples/switchover_gap
work=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT

start_group() { # sets M R1 R2
  local base=$((20000 + RANDOM % 20000))
  M=$base; R1=$((base + 1)); R2=$((base + 2))
  for p in $M $R1 $R2; do
    mkdir -p "$work/$p"
    local extra=()
    # --slaveof: the name every version knows (--replicaof came in 5.0).
    [ "$p" != "$M" ] && extra=(--slaveof 127.0.0.1 "$M")
    "$SERVER" --port "$p" --bind 127.0.0.1 --save "" --appendonly no --dir "$work/$p" \
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
}

stop_group() { for p in $M $R1 $R2; do redis-cli -p "$p" shutdown nosave >/dev/null 2>&1 || true; done; }

version=$("$SERVER" --version | sed 's/.*v=\([^ ]*\).*/\1/')
echo "rkv $(git rev-parse --short HEAD), redis-server $version, $(nproc) cores, load $(cut -d' ' -f1 /proc/loadavg)"
has_failover=yes
case "$version" in 2.*|3.*|4.*|5.*|6.0.*|6.1.*) has_failover=no ;; esac
for round in $(seq "$ROUNDS"); do
  start_group
  printf 'rkv failover      : '
  "$GAP" "$M,$R1,$R2" -- "$RKV" failover "127.0.0.1:$M" --to "127.0.0.1:$R2" --yes -q \
    --ignore-sentinel --journal "$work/journal-$round.jsonl"
  stop_group
  [ "$has_failover" = yes ] || continue
  start_group
  printf 'redis FAILOVER TO : '
  "$GAP" "$M,$R1,$R2" -- redis-cli -p "$M" FAILOVER TO 127.0.0.1 "$R2"
  stop_group
done
