#!/bin/sh
# The fuzzing campaign of FUZZING.md: each target (default: all) for FUZZ_SECONDS (default
# 600) seconds with AddressSanitizer on nightly, one after another at the lowest priority, over
# its corpus in corpus/<target>/ (seed it first: see FUZZING.md). libFuzzer's log of each run
# goes to target/campaign/<target>.log; a crash stops that target (the input is saved under
# artifacts/<target>/) and the script goes on with the next one.
#
#   fuzz/campaign.sh                      # every target, 10 minutes each
#   FUZZ_SECONDS=60 fuzz/campaign.sh drw_sender capture_parse
set -u
cd "$(dirname "$0")" || exit 1
seconds=${FUZZ_SECONDS:-600}
targets=${*:-$(cargo +nightly fuzz list)}
mkdir -p target/campaign
for t in $targets; do
    case $t in
        # Structured inputs (records, chunks, capture files) want room.
        conn_datagram | drw_sender | block_decoder | frame_assembler | capture_parse) len=8192 ;;
        *) len=4096 ;;
    esac
    nice -n 19 cargo +nightly fuzz run "$t" -- \
        -max_total_time="$seconds" -max_len="$len" -timeout=10 -malloc_limit_mb=512 \
        -print_final_stats=1 >"target/campaign/$t.log" 2>&1
    echo "$t: exit $? ($(grep -E '^Done' "target/campaign/$t.log" || echo 'no Done line'))"
done
