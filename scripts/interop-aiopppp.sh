#!/usr/bin/env bash
# Interop test: the third-party Python client aiopppp==0.2.3 (PyPI) logs into `pppp camera`
# on a loopback address and receives frames. aiopppp always searches UDP port 32108, so the
# fake camera binds <random 127.x.y.z>:32108 to stay out of the way of anything else.
#
# The binary is (re)built every time (a no-op when it is up to date), so that the test never runs
# a stale one; PPPP_BIN names another binary to test instead, used as it is. The venv is reused
# only when it still works, and the pinned aiopppp is (re)installed into it and checked.
set -euo pipefail
cd "$(dirname "$0")/.."
AIOPPPP=aiopppp==0.2.3
VENV=${INTEROP_VENV:-target/venv-interop}
if [ -n "${PPPP_BIN:-}" ]; then
    PPPP=$PPPP_BIN
else
    cargo build -q -p pppp-cli
    PPPP=$(cargo metadata --format-version 1 --no-deps \
        | python3 -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])')/debug/pppp
fi
[ -x "$PPPP" ] || { echo "no pppp binary at $PPPP"; exit 1; }
if ! "$VENV/bin/python" -c 'import sys' 2>/dev/null; then
    python3 -m venv --clear "$VENV"
fi
"$VENV/bin/python" -m pip install -q --disable-pip-version-check "$AIOPPPP"
"$VENV/bin/python" -m pip check
"$VENV/bin/python" -m pip freeze | grep -qx "$AIOPPPP" \
    || { echo "the venv $VENV does not hold $AIOPPPP"; exit 1; }
HOST="127.$((RANDOM % 200 + 20)).$((RANDOM % 250 + 1)).$((RANDOM % 250 + 2))"
LOG=$(mktemp)
"$PPPP" camera --bind "$HOST" --psk camera --width 320 --height 240 --fps 15 --duration 60 >"$LOG" 2>&1 &
CAM=$!
trap 'kill $CAM 2>/dev/null || true; rm -f "$LOG"' EXIT
for _ in $(seq 50); do grep -q listening "$LOG" && break; sleep 0.1; done
grep -q listening "$LOG" || { cat "$LOG"; echo "fake camera did not start"; exit 1; }
echo "interop: aiopppp 0.2.3 -> pppp camera at $HOST:32108"
timeout 90 "$VENV/bin/python" tests/interop/aiopppp_client.py "$HOST" 20
