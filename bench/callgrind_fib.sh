#!/bin/bash
# Callgrind profile of fib(22): machine instructions per call of fib, and the functions they
# are spent in, for each tessera binary given. Only the cell's run is counted (start-up and
# loading are not).
#
# Usage: bench/callgrind_fib.sh [tessera binary ...]   (default: .build/release/tessera;
#        needs valgrind and objcopy)
# The closure tree that the register machine replaced is the "before" of bench/RESULTS.md:
#   git worktree add /tmp/before 228befb && (cd /tmp/before && swift build -c release)
#   TESSERA_BYTECODE=0 bench/callgrind_fib.sh /tmp/before/.build/release/tessera
set -euo pipefail
[ $# -eq 0 ] && set -- .build/release/tessera
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
printf 'func fib(_ n) { return n < 2 ? n : fib(n - 1) + fib(n - 2) }\nfib(22)\n' > "$tmp/fib.tsr"
calls=57313  # calls of fib for fib(22)
for bin in "$@"; do
    # valgrind 3.19 reads this build's symbols but not its DWARF 5 debug info ("possibly
    # corrupted debuginfo"): profile a copy without it (function names stay).
    objcopy --strip-debug "$bin" "$tmp/tessera"
    # OPENBLAS_THREAD_TIMEOUT set: tessera does not start itself again to set it (valgrind
    # cannot follow that exec of /proc/self/exe).
    OPENBLAS_THREAD_TIMEOUT=20 valgrind --tool=callgrind --collect-atstart=no \
        '--toggle-collect=*InterpreterC7runCell*' --callgrind-out-file="$tmp/out" \
        "$tmp/tessera" run "$tmp/fib.tsr" > /dev/null 2>&1
    total=$(callgrind_annotate "$tmp/out" | awk '/PROGRAM TOTALS/ { gsub(",", "", $1); print $1 }')
    echo "== $bin: $total instructions, $((total / calls)) per call of fib"
    callgrind_annotate "$tmp/out" | sed -n '/file:function/,$p' | sed -n '3,10p' \
        | sed -E 's/\?\?\?://; s/ \[[^]]*\]$//' | cut -c1-110
done
