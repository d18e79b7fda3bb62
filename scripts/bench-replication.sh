#!/usr/bin/env bash
# Replication cost of `rkv serve` against Debian's redis-server on this machine.
# Usage: scripts/bench-replication.sh [KEYS] [ROUNDS]
#  1. Full sync: a master holding KEYS string keys (default 1,000,000), an empty replica told
#     REPLICAOF; time until the replica reports master_link_status:up with every key loaded.
#     rkv→rkv against redis→redis (diskless sync with no delay: Redis's default sync, minus its
#     5 s wait for more replicas).
#  2. SET throughput (redis-benchmark -t set -c 50 -n 200000, pipeline 1 and 16) of a master
#     with 2 replicas (of the same kind) as a fraction of the same master with none.
# Each round starts fresh servers; medians over ROUNDS (default 3). Release build.
# This is a benchmark, not a test: run it by hand, copy its output into BENCHMARKS.md.
set -euo pipefail
cd "$(dirname "$0")/.."
KEYS=${1:-1000000}
ROUNDS=${2:-3}
N=200000
CLIENTS=50

cargo build --release -q
work=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
base=$((20000 + RANDOM % 20000))

# start KIND PORT [extra args…]: a server with no persistence in its own directory.
start() {
  local kind=$1 port=$2
  shift 2
  local dir="$work/$kind-$port"
  mkdir -p "$dir"
  if [ "$kind" = rkv ]; then
    ./target/release/rkv serve --port "$port" --dir "$dir" -q "$@" 2>"$dir/log" &
  else
    redis-server --port "$port" --bind 127.0.0.1 --save "" --appendonly no --dir "$dir" \
      --logfile "$dir/log" --repl-diskless-sync-delay 0 "$@" &
  fi
  pids+=($!)
  for _ in $(seq 200); do redis-cli -p "$port" ping >/dev/null 2>&1 && return; sleep 0.05; done
  echo "server $kind on $port did not start" >&2
  exit 1
}
stop_all() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  pids=()
}
field() { redis-cli -p "$1" info "$2" | tr -d '\r' | awk -F: -v k="$3" '$1==k {print $2}'; }
now_ms() { date +%s%3N; }

# The load: KEYS SETs in RESP, written once, sent with redis-cli --pipe.
proto="$work/load.resp"
awk -v n="$KEYS" 'BEGIN {
  for (i = 0; i < n; i++) {
    k = "key:" i; v = "value:" i
    printf "*3\r\n$3\r\nSET\r\n$%d\r\n%s\r\n$%d\r\n%s\r\n", length(k), k, length(v), v
  }
}' >"$proto"

results="$work/results.csv"
for round in $(seq "$ROUNDS"); do
  for kind in rkv redis; do
    # 1. Full sync time.
    base=$((base + 2)); m=$((base - 1)); r=$base
    start "$kind" "$m"
    redis-cli -p "$m" --pipe <"$proto" >/dev/null
    [ "$(redis-cli -p "$m" dbsize)" = "$KEYS" ] || { echo "$kind master has $(redis-cli -p "$m" dbsize) keys" >&2; exit 1; }
    start "$kind" "$r"
    t0=$(now_ms)
    redis-cli -p "$r" replicaof 127.0.0.1 "$m" >/dev/null
    deadline=$(( $(now_ms) + 600000 ))
    while :; do
      [ "$(now_ms)" -lt "$deadline" ] || { echo "$kind replica did not sync in 10 minutes" >&2; exit 1; }
      if [ "$(field "$r" replication master_link_status)" = up ] \
        && [ "$(redis-cli -p "$r" dbsize)" = "$KEYS" ]; then
        break
      fi
      sleep 0.01
    done
    echo "$kind,sync,$round,$(( $(now_ms) - t0 ))" >>"$results"
    stop_all

    # 2. SET throughput with no replica, then with two.
    base=$((base + 1)); m=$base
    start "$kind" "$m"
    for reps in 0 2; do
      if [ "$reps" = 2 ]; then
        for _ in 1 2; do
          base=$((base + 1)); r=$base
          start "$kind" "$r"
          redis-cli -p "$r" replicaof 127.0.0.1 "$m" >/dev/null
          for _ in $(seq 600); do
            [ "$(field "$r" replication master_link_status)" = up ] && break
            sleep 0.05
          done
        done
      fi
      for pipe in 1 16; do
        redis-cli -p "$m" flushall >/dev/null
        rps=$(redis-benchmark -p "$m" -c "$CLIENTS" -n "$N" -P "$pipe" -t set -q --csv \
          | tail -n +2 | tr -d '"' | cut -d, -f2)
        echo "$kind,set-p$pipe-r$reps,$round,$rps" >>"$results"
      done
    done
    stop_all
  done
done

med() { grep "^$1,$2," "$results" | cut -d, -f4 | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
echo "$(nproc) cores; $(redis-server --version | cut -d' ' -f1-3); $KEYS keys; $ROUNDS rounds, medians"
a=$(med rkv sync); b=$(med redis sync)
printf 'full sync of %s keys: rkv→rkv %s ms, redis→redis %s ms, ratio rkv/redis %.2f\n' \
  "$KEYS" "$a" "$b" "$(awk -v a="$a" -v b="$b" 'BEGIN{print a/b}')"
printf '%-10s %4s %14s %14s %9s\n' server P "0 replicas" "2 replicas" fraction
for kind in rkv redis; do
  for pipe in 1 16; do
    a=$(med "$kind" "set-p$pipe-r0"); b=$(med "$kind" "set-p$pipe-r2")
    printf '%-10s %4s %14s %14s %9.2f\n' "$kind" "$pipe" "$a" "$b" "$(awk -v a="$a" -v b="$b" 'BEGIN{print b/a}')"
  done
done
echo "raw rows (server,measure,round,value):"
cat "$results"
