#!/bin/bash
# Callgrind profile of fib(22) on the closure tree (TESSERA_BYTECODE=0) and on the register
# machine: machine instructions per call of fib, and the functions they are spent in. Only the
# cell's run is counted (start-up and loading are not).
#
# Usage: bench/callgrind_fib.sh [path to a release tessera]   (needs valgrind and objcopy)
set -euo pipefail
bin=${1:-.build/release/tessera}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# valgrind 3.19 reads this build's symbols but not its DWARF 5 debug info ("possibly corrupted
# debuginfo"): profile a copy without it (function names stay).
objcopy --strip-debug "$bin" "$tmp/tessera"
printf 'func fib(_ n) { return n < 2 ? n : fib(n - 1) + fib(n - 2) }\nfib(22)\n' > "$tmp/fib.tsr"
calls=57313  # calls of fib for fib(22)
for mode in tree machine; do
    flag=1
    [ "$mode" = tree ] && flag=0
    # OPENBLAS_THREAD_TIMEOUT set: tessera does not start itself again to set it (valgrind
    # cannot follow that exec of /proc/self/exe).
    TESSERA_BYTECODE=$flag OPENBLAS_THREAD_TIMEOUT=20 valgrind --tool=callgrind --collect-atstart=no \
        '--toggle-collect=*InterpreterC7runCell*' --callgrind-out-file="$tmp/$mode.out" \
        "$tmp/tessera" run "$tmp/fib.tsr" > /dev/null 2>&1
    total=$(callgrind_annotate "$tmp/$mode.out" | awk '/PROGRAM TOTALS/ { gsub(",", "", $1); print $1 }')
    echo "== $mode: $total instructions, $((total / calls)) per call of fib"
    callgrind_annotate "$tmp/$mode.out" | sed -n '/file:function/,$p' | sed -n '3,10p' \
        | sed -E 's/\?\?\?://; s/ \[[^]]*\]$//' | cut -c1-110
done
