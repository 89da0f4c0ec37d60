#!/usr/bin/env bash
# Runs every check and test of the project: the README's test command.
# Needs: a Rust toolchain with rustfmt and clippy, python3 with venv (for the interop test).
set -euo pipefail
cd "$(dirname "$0")/.."
step() { printf '\n==> %s\n' "$*"; }

step "format"
cargo fmt --all -- --check
step "clippy"
cargo clippy --workspace --all-targets -- -D warnings
step "unit, simulation, loopback and CLI tests"
cargo test --workspace
step "interop: aiopppp 0.2.3 against pppp camera"
PPPP_BIN=target/debug/pppp scripts/interop-aiopppp.sh
printf '\nall checks passed\n'
