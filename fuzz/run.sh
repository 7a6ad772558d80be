#!/bin/sh
# Fuzzes each target in turn for SECONDS (default 360) on one core, then merges what it found
# into the minimised corpus that `cargo test` replays (tests/fuzz_corpus.rs).
# Usage: fuzz/run.sh [SECONDS] [TARGET...]; needs `cargo install cargo-fuzz`. The stable
# toolchain runs it with RUSTC_BOOTSTRAP=1 (cargo-fuzz passes nightly-only flags).
# The binaries are run directly: `cargo fuzz run` would rebuild in another mode to print a
# crash, which takes minutes here.
set -u
cd "$(dirname "$0")"
secs=${1:-360}
[ $# -gt 0 ] && shift
targets=${*:-sse ws_frame decode html layout sanitize picture}
export RUSTC_BOOTSTRAP=1
cargo fuzz build -s none >build.log 2>&1 || { echo "build failed: fuzz/build.log"; exit 1; }
bin=target/x86_64-unknown-linux-gnu/release
for t in $targets; do
    mkdir -p work/$t artifacts/$t corpus/$t
    start=$(date +%s)
    $bin/$t work/$t corpus/$t seeds/$t -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 \
        -max_len=4096 -artifact_prefix=artifacts/$t/ -print_final_stats=1 >work/$t.log 2>&1
    rc=$?
    end=$(date +%s)
    runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' work/$t.log | grep -o '[0-9]*$')
    echo "$t: exit $rc, ${runs:-?} executions in $((end - start)) s"
    # Keep the committed corpus small: only inputs that add coverage to the seeds'...
    rm -rf work/min-$t && mkdir -p work/min-$t
    $bin/$t -merge=1 work/min-$t corpus/$t work/$t >work/$t.merge.log 2>&1 &&
        rm -rf corpus/$t && mv work/min-$t corpus/$t
    # ...and at most 250 of them (named by hash: which go is arbitrary), then at most 48 KiB,
    # the largest going first.
    ls corpus/$t | sort | tail -n +251 | while read -r f; do rm "corpus/$t/$f"; done
    total=$(find corpus/$t -type f -printf '%s\n' | awk '{s+=$1} END {print s+0}')
    for f in $(ls -S corpus/$t); do
        [ "$total" -le 49152 ] && break
        total=$((total - $(stat -c %s "corpus/$t/$f")))
        rm "corpus/$t/$f"
    done
done
