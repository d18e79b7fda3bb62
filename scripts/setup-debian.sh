#!/usr/bin/env bash
# Install what building and trying rkv needs on a fresh Debian machine: a C toolchain and the
# OpenSSL headers (for the ssh2 crate), and Redis's tools (redis-cli to poke at the lab;
# redis-server and friends for the test suite). Rust itself comes from rustup.
set -euo pipefail
SUDO=""
[ "$(id -u)" = 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq build-essential pkg-config libssl-dev curl ca-certificates \
  redis-server redis-tools redis-sentinel openssh-server tmux >/dev/null
# A fresh Debian has no Redis running for us to trip over, but the package may start one.
($SUDO systemctl stop redis-server redis-sentinel 2>/dev/null) || true
if ! command -v cargo >/dev/null 2>&1; then
  curl -sSf https://sh.rustup.rs | sh -s -- -y --profile minimal
  # shellcheck disable=SC1091
  . "$HOME/.cargo/env"
fi
