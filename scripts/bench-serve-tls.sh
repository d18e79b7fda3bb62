#!/usr/bin/env bash
# Throughput of `rkv serve` against Debian's redis-server, both TLS only (`--port 0 --tls-port`,
# client certificates required), same run, interleaved; certificates made with the openssl CLI.
# Usage: scripts/bench-serve-tls.sh [REQUESTS] [ROUNDS]
# Prints one row per (test, pipeline): median requests/s for each server and the ratio rkv/redis.
# This is a benchmark, not a test: run it by hand, copy its output into BENCHMARKS.md.
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-100000}
ROUNDS=${2:-3}
CLIENTS=50
TESTS=set,get

cargo build --release -q
work=$(mktemp -d)
trap 'kill $rkv_pid $redis_pid 2>/dev/null || true; wait 2>/dev/null; rm -rf "$work"' EXIT
(
  cd "$work"
  openssl req -x509 -newkey rsa:2048 -nodes -sha256 -days 2 -subj "/CN=bench ca" \
    -keyout ca.key -out ca.crt 2>/dev/null
  openssl req -newkey rsa:2048 -nodes -sha256 -subj "/CN=localhost" \
    -keyout server.key -out server.csr 2>/dev/null
  printf 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth,clientAuth\n' >ext
  openssl x509 -req -sha256 -days 2 -in server.csr -CA ca.crt -CAkey ca.key -CAcreateserial \
    -extfile ext -out server.crt 2>/dev/null
)
tls=(--tls-cert-file "$work/server.crt" --tls-key-file "$work/server.key"
  --tls-ca-cert-file "$work/ca.crt" --tls-auth-clients yes)
client=(--tls --cacert "$work/ca.crt" --cert "$work/server.crt" --key "$work/server.key")
port_rkv=$((20000 + RANDOM % 10000))
port_redis=$((port_rkv + 1))
mkdir "$work/rkv" "$work/redis"
./target/release/rkv serve --port 0 --tls-port "$port_rkv" "${tls[@]}" --dir "$work/rkv" -q \
  2>"$work/rkv.log" &
rkv_pid=$!
redis-server --port 0 --tls-port "$port_redis" "${tls[@]}" --bind 127.0.0.1 --save "" \
  --appendonly no --dir "$work/redis" --logfile "$work/redis.log" &
redis_pid=$!
for p in "$port_rkv" "$port_redis"; do
  for _ in $(seq 100); do redis-cli -p "$p" "${client[@]}" ping >/dev/null 2>&1 && break; sleep 0.1; done
done

results="$work/results.csv"
for round in $(seq "$ROUNDS"); do
  for pipe in 1 16; do
    for target in rkv redis; do
      port=$port_rkv; [ "$target" = redis ] && port=$port_redis
      redis-cli -p "$port" "${client[@]}" flushall >/dev/null
      redis-benchmark -p "$port" "${client[@]}" -c "$CLIENTS" -n "$N" -P "$pipe" -t "$TESTS" -q --csv \
        | tail -n +2 | tr -d '"' | awk -F, -v t="$target" -v p="$pipe" -v r="$round" \
          '{print t","p","$1","$2}' >>"$results"
    done
  done
done

echo "redis-benchmark --tls -c $CLIENTS -n $N -t $TESTS, $ROUNDS interleaved rounds, median rps"
echo "$(nproc) cores; $(redis-server --version | cut -d' ' -f1-3)"
printf '%-8s %4s %14s %14s %7s\n' test P rkv redis ratio
for pipe in 1 16; do
  for t in SET GET; do
    med() { grep "^$1,$pipe,$t," "$results" | cut -d, -f4 | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
    a=$(med rkv); b=$(med redis)
    printf '%-8s %4s %14s %14s %7.2f\n' "$t" "$pipe" "$a" "$b" "$(awk -v a="$a" -v b="$b" 'BEGIN{print a/b}')"
  done
done
