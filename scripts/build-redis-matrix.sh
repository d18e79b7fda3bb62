#!/usr/bin/env bash
# Build the Redis/Valkey version matrix the matrix_* tests run against, into
# $RKV_REDIS_MATRIX (default: ~/.cache/rkv/redis-matrix), laid out like ../shared/redis-matrix:
# <name>/redis-server, <name>/redis-cli (valkey: valkey-server, valkey-cli), <name>/COPYING.
# Source tarballs are taken from $RKV_REDIS_MATRIX_SRC, else ../shared/redis-matrix/src beside
# the repository, else $RKV_REDIS_MATRIX/src; nothing is downloaded. A version already built
# is kept. Any failure stops the script with a message naming what is missing.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
out="${RKV_REDIS_MATRIX:-$HOME/.cache/rkv/redis-matrix}"
versions=(redis-2.8.24 redis-3.2.13 redis-4.0.14 redis-5.0.14 redis-6.0.20 redis-6.2.16
  redis-7.2.6 valkey-8.0.1)

src="${RKV_REDIS_MATRIX_SRC:-}"
if [ -z "$src" ]; then
  for d in "$repo/../shared/redis-matrix/src" "$out/src"; do
    if [ -d "$d" ]; then src="$d"; break; fi
  done
fi
missing=()
for v in "${versions[@]}"; do
  [ -n "$src" ] && [ -f "$src/$v.tar.gz" ] || missing+=("$v.tar.gz")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "build-redis-matrix: missing source tarballs: ${missing[*]}" >&2
  echo "  put the release tarballs (e.g. https://download.redis.io/releases/redis-2.8.24.tar.gz," >&2
  echo "  https://github.com/valkey-io/valkey/archive/refs/tags/8.0.1.tar.gz saved as valkey-8.0.1.tar.gz)" >&2
  echo "  in \$RKV_REDIS_MATRIX_SRC, $repo/../shared/redis-matrix/src or $out/src" >&2
  exit 1
fi
for tool in make cc tar strip; do
  command -v "$tool" >/dev/null || { echo "build-redis-matrix: needs $tool (apt-get install build-essential)" >&2; exit 1; }
done

mkdir -p "$out"
jobs="$(nproc 2>/dev/null || echo 2)"
for v in "${versions[@]}"; do
  case "$v" in valkey-*) server=valkey-server cli=valkey-cli ;; *) server=redis-server cli=redis-cli ;; esac
  if [ -x "$out/$v/$server" ] && [ -x "$out/$v/$cli" ]; then
    continue
  fi
  echo "build-redis-matrix: building $v" >&2
  work="$(mktemp -d)"
  tar -xzf "$src/$v.tar.gz" -C "$work"
  top="$(find "$work" -mindepth 1 -maxdepth 1 -type d | head -n1)"
  # The same command as ../shared/redis-matrix/README.md: libc malloc, no patch.
  make -C "$top" MALLOC=libc -j"$jobs" >"$work/build.log" 2>&1 || {
    echo "build-redis-matrix: make failed for $v; last lines of the log:" >&2
    tail -n 30 "$work/build.log" >&2
    exit 1
  }
  mkdir -p "$out/$v"
  cp "$top/src/$server" "$top/src/$cli" "$out/$v/"
  strip "$out/$v/$server" "$out/$v/$cli"
  cp "$top/COPYING" "$out/$v/" 2>/dev/null || cp "$top/LICENSE"* "$out/$v/" 2>/dev/null || true
  rm -rf "$work"
done
echo "$out"
