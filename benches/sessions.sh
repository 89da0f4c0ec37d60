#!/usr/bin/env bash
# Benchmark (not a test): many sessions in one client process, through Rust (`pppp bench`),
# C (pppp.h, benches/c_sessions.c) and Python (pppp.aio, benches/aio_sessions.py), against
# the multi-camera emulator `pppp camera --count N` in another process (5 fps of ~10 kB MJPEG
# frames per camera, PSK camera). Prints one JSON line per run and a markdown table.
#
#   benches/sessions.sh [--seconds S] [--clients "rust c python"] [N ...]
#
# Default: N = 1 100 1000 streaming, then 1000 idle sessions (keepalives only), 60 s each.
# Needs: a Rust toolchain, gcc, python3 (it builds what it runs: release binaries, libpppp,
# the Python package in target/bench-venv).
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=60
clients="rust c python"
sizes=()
while [ $# -gt 0 ]; do
    case $1 in
        --seconds) seconds=$2; shift 2 ;;
        --clients) clients=$2; shift 2 ;;
        *) sizes+=("$1"); shift ;;
    esac
done
[ ${#sizes[@]} -gt 0 ] || sizes=(1 100 1000 idle1000)

out=target/bench
mkdir -p "$out"
echo "building (release): pppp, libpppp, the Python package" >&2
. benches/common.sh
build_c_client "$out"
venv=target/bench-venv
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
"$venv/bin/pip" install -q --disable-pip-version-check "maturin>=1.9.4,<2"
"$venv/bin/pip" install -q --disable-pip-version-check --force-reinstall --no-deps ./python

results="$out/sessions.jsonl"
: >"$results"
for size in "${sizes[@]}"; do
    idle=""
    n=$size
    if [[ $size == idle* ]]; then idle="--idle"; n=${size#idle}; fi
    targets="$out/targets-$n.json"
    target/release/pppp camera --count "$n" --lan-port 0 --psk camera --fps 5 \
        --frame-size 10000 --width 160 --height 120 --duration 100000 >"$targets" 2>/dev/null &
    cam=$!
    for _ in $(seq 100); do [ "$(wc -l <"$targets")" -ge "$n" ] && break; sleep 0.1; done
    for client in $clients; do
        case $client in
            rust) target/release/pppp bench --targets "$targets" --sessions "$n" \
                      --seconds "$seconds" $idle --json ;;
            c) "$out/c_sessions" "$targets" "$seconds" $idle ;;
            python) "$venv/bin/python" benches/aio_sessions.py "$targets" "$seconds" $idle ;;
        esac | tail -n1 | tee -a "$results"
    done
    kill "$cam"; wait "$cam" 2>/dev/null || true
done

python3 - "$results" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
print()
print("| client | sessions | connect | CPU (% of a core) | µs / packet | frames lost | latency p50 / p99 | RSS | threads |")
print("|---|---|---|---|---|---|---|---|---|")
for r in rows:
    client = r.get("client", "Rust pppp bench")
    n = f"{r['sessions']}{' idle' if r['idle'] else ''}"
    lat = "—" if r["idle"] else f"{r['latency_p50_ms']:.2f} / {r['latency_p99_ms']:.2f} ms"
    upp = "—" if r["idle"] else f"{r['us_per_packet']:.2f}"
    print(f"| {client} | {n} | {r['connect_s']:.2f} s | {100 * r['cpu_share_of_core']:.2f} % "
          f"| {upp} | {r['frames_lost']} | {lat} | {r['peak_rss_mib']:.0f} MiB | {r['threads']} |")
PY
