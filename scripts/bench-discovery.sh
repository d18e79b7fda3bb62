#!/usr/bin/env bash
# Discovery benchmark: start 30 redis-server nodes on loopback (1 master, 20 direct replicas,
# 9 chained under the first 9 replicas), then time `rkv topology --output json` from the master
# against a sequential loop of `redis-cli -p P INFO replication` over the same 30 nodes.
#
# Usage: scripts/bench-discovery.sh [RUNS]      (default 20 runs of each)
# Env:   RKV=path/to/rkv (default target/release/rkv, else target/debug/rkv)
#        BASE_PORT=first port to try (default 27000); ports in use are skipped.
# Needs: redis-server, redis-cli, jq. Every server is stopped on exit.
set -euo pipefail
cd "$(dirname "$0")/.."

RUNS=${1:-20}
RKV=${RKV:-}
if [ -z "$RKV" ]; then
  if [ -x target/release/rkv ]; then RKV=target/release/rkv; else RKV=target/debug/rkv; fi
fi
[ -x "$RKV" ] || { echo "build rkv first (cargo build)" >&2; exit 2; }
BASE_PORT=${BASE_PORT:-27000}
NODES=30

WORK=$(mktemp -d)
PIDS=()
cleanup() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

PORTS=()
p=$BASE_PORT
while [ ${#PORTS[@]} -lt $NODES ]; do
  if port_free "$p"; then PORTS+=("$p"); fi
  p=$((p + 1))
  [ $p -lt $((BASE_PORT + 2000)) ] || { echo "no free ports" >&2; exit 1; }
done

start() { # start PORT [replicaof-port]
  local port=$1 dir="$WORK/$1"
  mkdir -p "$dir"
  local extra=()
  [ $# -gt 1 ] && extra=(--replicaof "127.0.0.1 $2")
  redis-server --port "$port" --bind 127.0.0.1 --save '' --appendonly no --dir "$dir" \
    --logfile "$dir/redis.log" --repl-diskless-sync-delay 0 "${extra[@]}" &
  PIDS+=($!)
}

MASTER=${PORTS[0]}
start "$MASTER"
for i in $(seq 1 20); do start "${PORTS[$i]}" "$MASTER"; done
for i in $(seq 21 29); do start "${PORTS[$i]}" "${PORTS[$((i - 20))]}"; done

# Wait (at most 60 s) until every replica's link is up.
deadline=$((SECONDS + 60))
for i in $(seq 1 29); do
  until redis-cli -p "${PORTS[$i]}" INFO replication 2>/dev/null | grep -q 'master_link_status:up'; do
    [ $SECONDS -lt $deadline ] || { echo "replica ${PORTS[$i]} never linked" >&2; exit 1; }
    sleep 0.1
  done
done

found=$("$RKV" topology --output json "127.0.0.1:$MASTER" | jq '.nodes | length')
problems=$("$RKV" topology --output json "127.0.0.1:$MASTER" | jq '.problems | length')
echo "rkv found $found nodes, $problems problems (binary: $RKV)"
[ "$found" -eq $NODES ] || { echo "expected $NODES nodes" >&2; exit 1; }

now_ms() { date +%s%N | awk '{ printf "%.3f", $1 / 1000000 }'; }

measure() { # measure NAME COMMAND... ; prints min/median/mean in ms over RUNS
  local name=$1; shift
  local times=()
  for _ in $(seq 1 "$RUNS"); do
    local t0 t1
    t0=$(now_ms)
    "$@" >/dev/null
    t1=$(now_ms)
    times+=("$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }')")
  done
  printf '%s\n' "${times[@]}" | sort -n | awk -v name="$name" -v runs="$RUNS" '
    { v[NR] = $1; s += $1 }
    END { printf "%-34s runs=%d  min=%.1f ms  median=%.1f ms  mean=%.1f ms\n",
          name, runs, v[1], v[int((NR + 1) / 2)], s / NR }'
}

seq_info() { for port in "${PORTS[@]}"; do redis-cli -p "$port" INFO replication; done; }

measure "rkv topology --output json" "$RKV" topology --output json "127.0.0.1:$MASTER"
measure "sequential redis-cli INFO x$NODES" seq_info
