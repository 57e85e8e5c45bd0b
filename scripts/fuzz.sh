#!/usr/bin/env bash
# Builds the libFuzzer harnesses of Fuzz/ with AddressSanitizer and runs each for SECONDS
# on its seed corpus (Fuzz/corpus/<name>, committed) plus what earlier runs found
# (.fuzz/<name>, not committed). A crash, a sanitizer report, a leak or an input that
# runs past 10 s stops that harness, leaves the input as .fuzz/<Harness>-crash-..., and
# makes the script exit non-zero after the others have run.
#
# Usage: scripts/fuzz.sh [SECONDS] [Harness...]   (default: 600 s each, every harness)
#   make fuzz          ten minutes each
#   make test          a few seconds each (FUZZ_SECONDS), as a smoke pass
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-600}"
shift || true
harnesses=("$@")
[ ${#harnesses[@]} -gt 0 ] || harnesses=(FuzzLexer FuzzCSV FuzzSafetensors FuzzJSONLines FuzzWire FuzzNotebook FuzzPipeline)

corpus() {
    case "$1" in
        FuzzLexer) echo lexer ;; FuzzCSV) echo csv ;; FuzzSafetensors) echo safetensors ;;
        FuzzJSONLines) echo jsonlines ;; FuzzWire) echo wire ;; FuzzNotebook) echo notebook ;;
        FuzzPipeline) echo pipeline ;;
        *) echo "fuzz: unknown harness $1" >&2; exit 2 ;;
    esac
}

# A build of its own (.build-fuzz): every module instrumented for coverage and ASan.
for h in "${harnesses[@]}"; do
    TESSERA_FUZZ=1 swift build --scratch-path .build-fuzz -Xswiftc -sanitize=fuzzer,address -Xswiftc -use-ld=lld \
        --product "$h" 2>&1 | grep -E "error|warning: .*unreachable" || true
    [ -x ".build-fuzz/debug/$h" ] || { echo "fuzz: $h did not build" >&2; exit 2; }
done

failed=()
for h in "${harnesses[@]}"; do
    name="$(corpus "$h")"
    mkdir -p ".fuzz/$name"
    echo "fuzz: $h for ${seconds} s on Fuzz/corpus/$name"
    if ASAN_OPTIONS="detect_leaks=0:allocator_may_return_null=1" ".build-fuzz/debug/$h" ".fuzz/$name" "Fuzz/corpus/$name" \
        -max_total_time="$seconds" -timeout=10 -rss_limit_mb=4096 -print_final_stats=1 \
        -artifact_prefix=".fuzz/$h-" > ".fuzz/$h.log" 2>&1; then
        grep -E "^stat::number_of_executed_units|^#[0-9]+.*DONE" ".fuzz/$h.log" | tail -2 | sed "s/^/  /"
    else
        echo "fuzz: $h FAILED; the input is in .fuzz/$h-*, the report in .fuzz/$h.log" >&2
        grep -E "ERROR|SUMMARY|Fatal error|crash-|timeout-" ".fuzz/$h.log" | head -10 >&2
        failed+=("$h")
    fi
done
if [ ${#failed[@]} -gt 0 ]; then
    echo "fuzz: findings in ${failed[*]}" >&2
    exit 1
fi
