#!/usr/bin/env bash
# Run units of Redis 7.0.15's own test suite (external-server mode, as Redis's CI does) against
# `rkv serve` or Debian's redis-server, a fresh server per unit, and print per unit how many
# tests passed and failed and whether the unit ran to its end, then a total line.
#
#   scripts/redis-suite.sh [--server rkv|redis] [--rkv PATH] [--timeout SECS] [unit ...]
#
# Units default to the 24 that ../shared/redis-suite/README.md counts for redis-server.
# The tarball is looked up in $RKV_REDIS_SUITE, then ../shared/redis-suite/ beside the repo.
# Needs tclsh (Debian package `tcl`).
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
server=rkv
rkv="$here/target/debug/rkv"
unit_timeout=600
while [ $# -gt 0 ]; do
  case "$1" in
    --server) server="$2"; shift 2 ;;
    --rkv) rkv="$2"; shift 2 ;;
    --timeout) unit_timeout="$2"; shift 2 ;;
    -h|--help) sed -n 2,10p "$0"; exit 0 ;;
    --) shift; break ;;
    -*) echo "redis-suite.sh: unknown option $1" >&2; exit 2 ;;
    *) break ;;
  esac
done
units=("$@")
if [ ${#units[@]} -eq 0 ]; then
  units=(type/string type/incr type/list type/hash type/set type/zset expire keyspace multi
    pubsub info-command protocol scan type/stream bitops introspection sort bitfield
    hyperloglog geo dump scripting functions other)
fi
tarball="${RKV_REDIS_SUITE:-}"
if [ -z "$tarball" ]; then
  for c in "$here/../shared/redis-suite" "$here/../../shared/redis-suite" /work/shared/redis-suite; do
    if [ -f "$c/redis-7.0.15-tests.tar.gz" ]; then tarball="$c/redis-7.0.15-tests.tar.gz"; break; fi
  done
fi
[ -n "$tarball" ] && [ -f "$tarball" ] || { echo "redis-suite.sh: redis-7.0.15-tests.tar.gz not found (set RKV_REDIS_SUITE)" >&2; exit 2; }
command -v tclsh >/dev/null || { echo "redis-suite.sh: tclsh is missing (apt-get install tcl)" >&2; exit 2; }
case "$server" in
  rkv) [ -x "$rkv" ] || { echo "redis-suite.sh: $rkv is not built (cargo build)" >&2; exit 2; } ;;
  redis) command -v redis-server >/dev/null || { echo "redis-suite.sh: redis-server is missing" >&2; exit 2; } ;;
  *) echo "redis-suite.sh: --server is rkv or redis" >&2; exit 2 ;;
esac

work="$(mktemp -d)"
pid=""
cleanup() {
  if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT
tar -xzf "$tarball" -C "$work"
suite="$(dirname "$(find "$work" -maxdepth 2 -name runtest | head -n1)")"

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

total_ok=0; total_err=0; total_units=0; total_complete=0
printf '%-18s %6s %6s  %s\n' unit passed failed ran-to-end
for unit in "${units[@]}"; do
  port="$(free_port)"
  sdir="$work/server-${unit//\//_}"
  mkdir -p "$sdir"
  if [ "$server" = rkv ]; then
    "$rkv" serve --port "$port" --dir "$sdir" </dev/null >"$sdir/log" 2>&1 &
  else
    redis-server --port "$port" --bind 127.0.0.1 --dir "$sdir" --save '' --appendonly no \
      --daemonize no </dev/null >"$sdir/log" 2>&1 &
  fi
  pid=$!
  for _ in $(seq 100); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then break; fi
    sleep 0.1
  done
  out="$work/out-${unit//\//_}"
  # The test runner listens on ports from --baseport-32; a random base keeps concurrent runs
  # (several units, several checkouts) from racing for the same one.
  base=$((22000 + (RANDOM % 250) * 64))
  (cd "$suite" && timeout -k 5 "$unit_timeout" ./runtest --host 127.0.0.1 --port "$port" \
    --baseport "$base" --singledb --tags "-slow -needs:debug" --timeout 60 --single "unit/$unit") \
    </dev/null >"$out" 2>&1 || true
  kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; pid=""
  clean="$(sed 's/\x1b\[[0-9;]*m//g' "$out")"
  ok=$(grep -c '^\[ok\]:' <<<"$clean" || true)
  bad=$(grep -cE '^\[(err|exception)\]:' <<<"$clean" || true)
  if grep -q 'The End' <<<"$clean"; then complete=yes; total_complete=$((total_complete + 1)); else complete=no; fi
  printf '%-18s %6d %6d  %s\n' "$unit" "$ok" "$bad" "$complete"
  if [ -n "${RKV_SUITE_LOGS:-}" ]; then mkdir -p "$RKV_SUITE_LOGS"; cp "$out" "$RKV_SUITE_LOGS/${unit//\//_}.log"; fi
  total_ok=$((total_ok + ok)); total_err=$((total_err + bad)); total_units=$((total_units + 1))
done
printf 'total: %d passed, %d failed, %d of %d units ran to the end (%s)\n' \
  "$total_ok" "$total_err" "$total_complete" "$total_units" "$server"
