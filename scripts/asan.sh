#!/usr/bin/env bash
# The unit tests once under AddressSanitizer, in a build of their own (.build-asan): an
# out-of-bounds read or write, a use after free or a double free in any module (or in the
# C libraries it hands buffers to) fails the run with ASan's report. The tests that spawn
# the tessera binary run the ASan build of it too.
#
# NVRTC (the CUDA compile tests) is left out: its library loads its own builtins in a way
# the ASan runtime's dlopen does not follow; those tests run in the normal pass.
set -euo pipefail
cd "$(dirname "$0")/.."
swift build --build-tests --scratch-path .build-asan --sanitize=address
# Leaks are not checked: the Swift runtime keeps metadata caches for the process's life.
ASAN_OPTIONS="detect_leaks=0:abort_on_error=1" TESSERA_ASAN=1 TESSERA_BIN="$PWD/.build-asan/debug/tessera" \
    TESSERA_LANGUAGE_TESTS="${TESSERA_LANGUAGE_TESTS:-}" \
    swift test --skip-build --scratch-path .build-asan --sanitize=address --disable-swift-testing
