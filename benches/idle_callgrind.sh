#!/usr/bin/env bash
# Benchmark (not a test): what one keepalive of an idle session costs pppp's own code, counted
# by callgrind instead of timed. N idle sessions through C (pppp.h, benches/c_sessions.c)
# against the multi-camera emulator, the client run under valgrind's callgrind with a cache
# simulation whose last level is 2 MiB (a core's L2 here: a session touched once a second
# finds little of itself in it); instrumentation is switched on after the logins, for S
# seconds of keepalives only. Prints one JSON line: instructions, L1 and last-level misses
# per keepalive (a keepalive: one datagram handed to a session, its answer and the
# bookkeeping around them).
#
#   benches/idle_callgrind.sh [SESSIONS [SECONDS]]     (default 1000 sessions, 10 s)
#
# Why: on this 2-core VM the CPU share of 1000 idle sessions (under 1 % of a core, 70 % of it
# in the kernel) varies by ±15 % from run to run, more than a change to pppp's own code moves
# it. These counts are the same from run to run within a few percent, so they show such a
# change; the timed figure is still what benches/sessions.sh measures.
# Needs: a Rust toolchain, gcc, python3, valgrind (callgrind_control).
set -euo pipefail
cd "$(dirname "$0")/.."
sessions=${1:-1000}
seconds=${2:-10}
command -v callgrind_control >/dev/null || { echo "valgrind is needed (apt-get install valgrind)" >&2; exit 2; }

out=target/bench
mkdir -p "$out"
echo "building (release): pppp, libpppp" >&2
. benches/common.sh
build_c_client "$out"

targets="$out/targets-cg-$sessions.json"
profile="$out/idle-callgrind.out"
target/release/pppp camera --count "$sessions" --lan-port 0 --psk camera --fps 5 \
    --frame-size 10000 --width 160 --height 120 --duration 100000 >"$targets" 2>/dev/null &
cam=$!
client=""
cleanup() {
    [ -n "$client" ] && kill "$client" 2>/dev/null || true
    kill "$cam" 2>/dev/null || true
}
trap cleanup EXIT
for _ in $(seq 100); do [ "$(wc -l <"$targets")" -ge "$sessions" ] && break; sleep 0.1; done

rm -f "$profile"
# The client runs long enough for slow logins under valgrind, the warm-up and the window.
valgrind --tool=callgrind --cache-sim=yes --I1=32768,8,64 --D1=49152,12,64 \
    --LL=2097152,16,64 --instr-atstart=no --callgrind-out-file="$profile" \
    "$out/c_sessions" "$targets" $((seconds + 40)) --idle >"$out/idle-callgrind.json" \
    2>"$out/idle-callgrind.log" &
client=$!
# Logged in (the client prints nothing before the end): wait for its session threads to
# settle, i.e. for the warm-up that follows the logins.
sleep 30
callgrind_control -i on "$client" >/dev/null 2>&1
sleep "$seconds"
callgrind_control -d "$client" >/dev/null 2>&1
callgrind_control -i off "$client" >/dev/null 2>&1
kill "$client" 2>/dev/null || true
wait "$client" 2>/dev/null || true
client=""

python3 - "$profile"* "$sessions" "$seconds" <<'PY'
import json, re, sys
*files, sessions, seconds = sys.argv[1:]
# The dump holds the counts of the window; the file written at exit only what came after.
files = [f for f in files if re.search(r"\.\d+$", f)] or files
names, totals, calls = {}, None, 0
events = []
for f in files:
    cfn = None
    for line in open(f, errors="replace"):
        if line.startswith("events:"):
            events = line.split()[1:]
        elif line.startswith("summary:"):
            v = [int(x) for x in line.split()[1:]]
            totals = v if totals is None else [a + b for a, b in zip(totals, v)]
        elif line.startswith("cfn="):
            m = re.match(r"cfn=\((\d+)\)(?: (.*))?", line.strip())
            if m.group(2):
                names[m.group(1)] = m.group(2)
            cfn = names.get(m.group(1), "")
        elif line.startswith("fn="):
            m = re.match(r"fn=\((\d+)\)(?: (.*))?", line.strip())
            if m and m.group(2):
                names[m.group(1)] = m.group(2)
        elif line.startswith("calls=") and cfn is not None:
            if cfn.endswith("pppp::proto::conn::Conn::handle_datagram"):
                calls += int(line.split("=")[1].split()[0])
            cfn = None
if not totals or not calls:
    sys.exit("no keepalive was counted: did the sessions log in? see target/bench/idle-callgrind.log")
t = dict(zip(events, totals))
per = lambda *k: round(sum(t.get(e, 0) for e in k) / calls, 1)
print(json.dumps({
    "bench": "idle_callgrind", "sessions": int(sessions), "seconds": float(seconds),
    "keepalives": calls,
    "instructions_per_keepalive": per("Ir"),
    "l1_misses_per_keepalive": per("I1mr", "D1mr", "D1mw"),
    "ll_misses_per_keepalive": per("ILmr", "DLmr", "DLmw"),
}))
PY
