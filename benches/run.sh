#!/usr/bin/env bash
# Runs the pppp benchmarks (criterion, release mode) and prints a short summary.
#
#   benches/run.sh                     # everything (a few minutes on 2 cores)
#   benches/run.sh --quick             # criterion's quick mode
#   benches/run.sh packet/             # only benchmarks whose name matches a filter
#   benches/run.sh --quick receive_path/loopback
#
# Arguments go to criterion (after `--`). The full log is kept in target/bench-run.log;
# criterion's HTML-free reports and baselines are in target/criterion/.
set -euo pipefail
cd "$(dirname "$0")/.."

log=target/bench-run.log
mkdir -p target
cargo bench -p pppp -- "$@" 2>&1 | tee "$log"

echo
echo "== summary (median time per iteration, median throughput) =="
awk '
  # A name on its own line, or a name followed by "time:" on the same line.
  /^[^ \t]/ && !/^(Benchmarking|Testing|Success|summary:|Found|Running|Compiling|Finished|Gnuplot|warning|error|WARNING)/ {
    name = $1
  }
  /time:/ {
    t = $0; sub(/.*time: *\[/, "", t); split(t, a, " ")
    if (a[3] !~ /%/) time = a[3] " " a[4]
  }
  /thrpt:/ {
    t = $0; sub(/.*thrpt: *\[/, "", t); split(t, a, " ")
    if (name != "" && a[3] !~ /%/) printf "%-62s %12s  %s\n", name, time, a[3] " " a[4]
    name = ""
  }
' "$log"
echo
echo "== derived rates (from the controller counters) =="
grep '^summary:' "$log" | sed 's/^summary: //' || echo "(no receive_path benchmark ran)"
