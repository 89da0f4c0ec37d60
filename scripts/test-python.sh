#!/usr/bin/env bash
# The Python package: builds the abi3 wheel the way users install it (`pip install ./python`)
# into a venv under target/, then runs pytest (loopback fake-camera tests, Ctrl-C, leak check,
# examples/*.py smoke tests, the console script), mypy.stubtest on the native module's stubs,
# and mypy --strict on the package, its tests and the examples.
# Needs: python3 >= 3.9 with venv and pip, a Rust toolchain, PyPI for the pinned test tools.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
VENV=${PPPP_PY_VENV:-target/py-venv}

"$PY" -c 'import sys; sys.exit(sys.version_info < (3, 9))' \
    || { echo "Python >= 3.9 is needed, found $("$PY" --version)"; exit 1; }
if [ ! -x "$VENV/bin/python" ]; then
    echo "creating $VENV"
    "$PY" -m venv "$VENV"
fi
VPY="$VENV/bin/python"
# The test tools, pinned: a run does not change with a new release. pip installs the pins into
# a venv left by an earlier run too (replacing other versions found there), and checks them.
TOOLS=(maturin==1.16.0 pytest==9.2.0 pytest-timeout==2.4.0 mypy==2.4.1)
"$VPY" -m pip install -q --disable-pip-version-check "${TOOLS[@]}"
"$VPY" -m pip check

echo "building and installing the wheel: pip install ./python"
# --no-build-isolation: the wheel is built by the pinned maturin above (found on PATH), not by
# the newest release pip would fetch for the build.
PATH="$(cd "$VENV" && pwd)/bin:$PATH" "$VPY" -m pip install -q --disable-pip-version-check \
    --force-reinstall --no-deps --no-build-isolation ./python
# The console script must be there (pip install alone gives users the CLI).
"$VENV/bin/pppp" --version

# Run from the repository root so that the installed package (with its native module) is
# imported, not the sources in python/pppp.
echo "pytest"
"$VENV/bin/pytest" -q -p no:cacheprovider python/tests

echo "stubtest: python/pppp/_native.pyi against the built module"
"$VPY" -m mypy.stubtest pppp._native

echo "mypy --strict: package, tests, examples"
(cd python && "../$VPY" -m mypy --cache-dir ../target/mypy-cache)
