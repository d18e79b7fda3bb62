#!/usr/bin/env bash
# Flakiness measurement: run each integration test file N times in a row with retries off (the
# `ci` profile, built with --features failpoints as .ci/run builds) and print how many of the
# runs failed. Files that start Sentinel, sshd or a failover are run HEAVY_N times (default 10),
# the rest LIGHT_N times (default 3), as issue 18 asks.
#
#   scripts/flaky.sh                  # every file in tests/*.rs
#   scripts/flaky.sh sentinel_rkv     # only the named files (no .rs)
#   HEAVY_N=3 LIGHT_N=1 scripts/flaky.sh
#
# Output: one line per file, `FILE runs=N failed=K`, then `flaky: N passed, K failed` counting
# runs. Exit 1 when any run failed. The logs of failing runs are kept in $OUT (printed).
set -uo pipefail
cd "$(dirname "$0")/.."

HEAVY_N=${HEAVY_N:-10}
LIGHT_N=${LIGHT_N:-3}
OUT=${OUT:-$(mktemp -d /tmp/rkv-flaky.XXXXXX)}

if [ $# -gt 0 ]; then
  files=("$@")
else
  files=()
  for f in tests/*.rs; do files+=("$(basename "$f" .rs)"); done
fi

# Build every test binary once, so the runs below measure the tests, not the compiler.
cargo nextest run --workspace --all-targets --no-run --locked --features failpoints >/dev/null || exit 2

heavy() {
  # A file is heavy when it starts Sentinel, sshd or drives a failover/switchover.
  grep -qE 'sentinel\(|sentinel_down_after|SshServer|sshd|"failover"|failover_|switchover' "tests/$1.rs"
}

total_pass=0
total_fail=0
for f in "${files[@]}"; do
  [ -f "tests/$f.rs" ] || { echo "no such test file: tests/$f.rs" >&2; exit 2; }
  n=$LIGHT_N
  heavy "$f" && n=$HEAVY_N
  failed=0
  for i in $(seq "$n"); do
    log="$OUT/$f.$i.log"
    if cargo nextest run --locked --features failpoints --profile ci --test "$f" --no-fail-fast >"$log" 2>&1; then
      rm -f "$log"
      total_pass=$((total_pass + 1))
    else
      failed=$((failed + 1))
      total_fail=$((total_fail + 1))
    fi
  done
  echo "$f runs=$n failed=$failed"
done
echo "logs of failed runs: $OUT"
echo "flaky: $total_pass passed, $total_fail failed"
[ "$total_fail" = 0 ]
