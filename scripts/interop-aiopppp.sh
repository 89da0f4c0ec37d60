#!/usr/bin/env bash
# Interop test: the third-party Python client aiopppp==0.2.3 (PyPI) logs into `pppp camera`
# on a loopback address and receives frames. aiopppp always searches UDP port 32108, so the
# fake camera binds <random 127.x.y.z>:32108 to stay out of the way of anything else.
set -euo pipefail
cd "$(dirname "$0")/.."
PPPP=${PPPP_BIN:-target/debug/pppp}
VENV=${INTEROP_VENV:-target/venv-interop}
[ -x "$PPPP" ] || cargo build -q -p pppp-cli
if [ ! -x "$VENV/bin/python" ]; then
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install -q --disable-pip-version-check aiopppp==0.2.3
fi
HOST="127.$((RANDOM % 200 + 20)).$((RANDOM % 250 + 1)).$((RANDOM % 250 + 2))"
LOG=$(mktemp)
"$PPPP" camera --bind "$HOST" --psk camera --width 320 --height 240 --fps 15 --duration 60 >"$LOG" 2>&1 &
CAM=$!
trap 'kill $CAM 2>/dev/null || true; rm -f "$LOG"' EXIT
for _ in $(seq 50); do grep -q listening "$LOG" && break; sleep 0.1; done
grep -q listening "$LOG" || { cat "$LOG"; echo "fake camera did not start"; exit 1; }
echo "interop: aiopppp 0.2.3 -> pppp camera at $HOST:32108"
timeout 90 "$VENV/bin/python" tests/interop/aiopppp_client.py "$HOST" 20
