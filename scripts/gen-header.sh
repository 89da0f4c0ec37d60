#!/usr/bin/env bash
# Generates include/pppp.h from ffi/src with the pinned cbindgen.
#   scripts/gen-header.sh            write include/pppp.h
#   scripts/gen-header.sh --verify   fail if include/pppp.h differs from what would be generated
# Install the pinned version with: cargo install cbindgen --version "$CBINDGEN_VERSION" --locked
set -euo pipefail
cd "$(dirname "$0")/.."
CBINDGEN_VERSION=0.29.0
verify=0
case "${1:-}" in
    --verify) verify=1 ;;
    "") ;;
    *) echo "usage: $0 [--verify]" >&2; exit 2 ;;
esac
if ! command -v cbindgen >/dev/null; then
    echo "cbindgen not found: cargo install cbindgen --version $CBINDGEN_VERSION --locked" >&2
    exit 1
fi
have=$(cbindgen --version | awk '{print $2}')
if [ "$have" != "$CBINDGEN_VERSION" ]; then
    echo "cbindgen $have found, $CBINDGEN_VERSION required (the header must not depend on the" >&2
    echo "installed version): cargo install cbindgen --version $CBINDGEN_VERSION --locked --force" >&2
    exit 1
fi
out=$(mktemp)
trap 'rm -f "$out"' EXIT
(cd ffi && cbindgen --quiet --config cbindgen.toml --crate pppp-ffi --output "$out" .)
if [ "$verify" = 1 ]; then
    if ! diff -u include/pppp.h "$out"; then
        echo "include/pppp.h is out of date: run scripts/gen-header.sh and commit the result" >&2
        exit 1
    fi
    echo "include/pppp.h is up to date"
else
    cp "$out" include/pppp.h
    echo "wrote include/pppp.h"
fi
