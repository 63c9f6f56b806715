#!/usr/bin/env bash
# Coverage-guided fuzzing of the parsers in crates/fuzz-targets with AFL++ through
# cargo-afl, on the stable toolchain. Runs each target for SECONDS (default 600), one
# after another, and prints per target: executions, executions a second, inputs in the
# queue (paths found), edges covered (AFL's bitmap), crashes and hangs. Exits 1 when any
# target crashed, naming the saved inputs: add each one, once fixed, to
# crates/fuzz-targets/corpus/<target>/ so `cargo test` replays it for ever.
#
#   scripts/fuzz.sh [SECONDS]              every target
#   FUZZ_TARGETS="id_number" scripts/fuzz.sh 60
#
# Installs cargo-afl (crates.io) and builds its AFL++ on first use. Instrumented builds
# go to $CARGO_TARGET_DIR/afl (or target/afl): the ordinary builds never see AFL's flags.
set -euo pipefail
seconds=${1:-600}
root=$(cd "$(dirname "$0")/.." && pwd)
targets=${FUZZ_TARGETS:-"id_number application_record slip_payload bundle_answer scan_document platform_request office_server_request"}
target_dir=${CARGO_TARGET_DIR:-$root/target}/afl
runs=$target_dir/runs
export PATH="$HOME/.cargo/bin:$PATH"

if ! cargo afl --version >/dev/null 2>&1; then
    cargo install --locked cargo-afl --version 0.18.2
fi
# Builds AFL++ (afl-fuzz and its runtime) once (cargo install usually has); a second
# build is refused with "already built", which is the answer wanted.
if ! built=$(cargo afl config --build 2>&1) && ! grep -q "already built" <<<"$built"; then
    echo "$built" >&2
    exit 2
fi

# The same dependency versions as the workspace: start from its lock file.
cp "$root/Cargo.lock" "$root/fuzz/Cargo.lock"
cargo afl build --release --manifest-path "$root/fuzz/Cargo.toml" --target-dir "$target_dir"
binary=$target_dir/release/fuzz-target

rm -rf "$runs/seeds"
"$target_dir/release/fuzz-seeds" "$runs/seeds"

# This machine is a VM without a CPU frequency governor, and its core_pattern may pipe
# to a crash reporter: AFL++ would stop to ask for both.
export AFL_SKIP_CPUFREQ=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 AFL_NO_UI=1
export AFL_NO_AFFINITY=1

failed=0
printf '%-20s %12s %10s %8s %14s %10s %8s %6s\n' target executions "execs/s" queue edges stability crashes hangs
for target in $targets; do
    out=$runs/$target
    rm -rf "$out"
    # -c - : no CMPLOG (it needs AFL++'s LLVM plugins built against rustc's LLVM).
    FUZZ_TARGET=$target cargo afl fuzz -c - -V "$seconds" -i "$runs/seeds/$target" -o "$out" "$binary" \
        > "$out.log" 2>&1 || { echo "afl-fuzz failed on $target: see $out.log"; tail -20 "$out.log"; exit 2; }
    stats=$out/default/fuzzer_stats
    field() { sed -n "s/^$1 *: *//p" "$stats"; }
    printf '%-20s %12s %10s %8s %14s %10s %8s %6s\n' "$target" "$(field execs_done)" "$(field execs_per_sec)" \
        "$(field corpus_count)" "$(field edges_found)/$(field total_edges)" "$(field stability)" \
        "$(field saved_crashes)" "$(field saved_hangs)"
    if [ "$(field saved_crashes)" != "0" ]; then
        failed=1
        ls "$out"/default/crashes/id:* 2>/dev/null | sed 's/^/    crash: /'
    fi
done
exit $failed
