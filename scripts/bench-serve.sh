#!/usr/bin/env bash
# Throughput of `rkv serve` against Debian's redis-server on this machine, same run, interleaved.
# Usage: scripts/bench-serve.sh [REQUESTS] [ROUNDS]
# Prints one row per (test, pipeline): median requests/s for each server and the ratio rkv/redis.
# This is a benchmark, not a test: run it by hand, copy its output into BENCHMARKS.md.
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-200000}
ROUNDS=${2:-3}
CLIENTS=50
TESTS=set,get,incr,lpush

cargo build --release -q
work=$(mktemp -d)
trap 'kill $rkv_pid $redis_pid 2>/dev/null || true; wait 2>/dev/null; rm -rf "$work"' EXIT
port_rkv=$((20000 + RANDOM % 10000))
port_redis=$((port_rkv + 1))
./target/release/rkv serve --port "$port_rkv" --dir "$work" -q 2>"$work/rkv.log" &
rkv_pid=$!
redis-server --port "$port_redis" --bind 127.0.0.1 --save "" --appendonly no \
  --dir "$work" --logfile "$work/redis.log" &
redis_pid=$!
for p in "$port_rkv" "$port_redis"; do
  for _ in $(seq 100); do redis-cli -p "$p" ping >/dev/null 2>&1 && break; sleep 0.1; done
done

results="$work/results.csv"
for round in $(seq "$ROUNDS"); do
  for pipe in 1 16; do
    for target in rkv redis; do
      port=$port_rkv; [ "$target" = redis ] && port=$port_redis
      redis-cli -p "$port" flushall >/dev/null
      redis-benchmark -p "$port" -c "$CLIENTS" -n "$N" -P "$pipe" -t "$TESTS" -q --csv \
        | tail -n +2 | tr -d '"' | awk -F, -v t="$target" -v p="$pipe" -v r="$round" \
          '{print t","p","$1","$2}' >>"$results"
    done
  done
done

echo "redis-benchmark -c $CLIENTS -n $N -t $TESTS, $ROUNDS interleaved rounds, median rps"
echo "$(nproc) cores; $(redis-server --version | cut -d' ' -f1-3)"
printf '%-8s %4s %14s %14s %7s\n' test P rkv redis ratio
for pipe in 1 16; do
  for t in SET GET INCR LPUSH; do
    med() { grep "^$1,$pipe,$t," "$results" | cut -d, -f4 | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
    a=$(med rkv); b=$(med redis)
    printf '%-8s %4s %14s %14s %7.2f\n' "$t" "$pipe" "$a" "$b" "$(awk -v a="$a" -v b="$b" 'BEGIN{print a/b}')"
  done
done
