#!/usr/bin/env bash
# Runs every check and test of the project: the README's test command.
# Needs: a Rust toolchain with rustfmt and clippy, python3 >= 3.9 with venv and pip (for the
# Python package and the interop test),
# cbindgen 0.29.0, gcc, g++, make, pkg-config and valgrind (for the C API; .ci/run installs them).
set -euo pipefail
cd "$(dirname "$0")/.."
step() { printf '\n==> %s\n' "$*"; }

step "format"
cargo fmt --all -- --check
step "clippy"
cargo clippy --workspace --all-targets -- -D warnings
step "unit, simulation, loopback and CLI tests"
cargo test --workspace --exclude pppp-ffi
step "C API: header drift, C examples and C API tests (ASAN/UBSan, valgrind), C++ header check"
scripts/gen-header.sh --verify
cargo test -p pppp-ffi
c_tmp=$(mktemp -d)
scripts/install-c.sh --no-build --profile dev --prefix "$c_tmp/prefix"
PKG_CONFIG_PATH="$c_tmp/prefix/lib/pkgconfig" make -s -f examples/Makefile OUT="$c_tmp" \
    CFLAGS="-O1 -g -Werror"
rm -rf "$c_tmp"
step "fuzz targets: stable smoke test (seeded inputs and the vectors through every decoder)"
cargo test --manifest-path fuzz/Cargo.toml
step "Python package: pip install ./python, pytest, stubtest, mypy, examples"
scripts/test-python.sh
step "interop: aiopppp 0.2.3 against pppp camera"
PPPP_BIN=target/debug/pppp scripts/interop-aiopppp.sh
printf '\nall checks passed\n'
