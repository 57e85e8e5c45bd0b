#!/usr/bin/env bash
# Builds, on a machine with Swift, what bench/gpu-check.sh runs on a CUDA machine that may
# have none: gpu-build/tessera, a release binary with the Swift runtime and Foundation
# linked in, and gpu-build/lib, the other shared libraries it needs (OpenBLAS, libzmq,
# readline, ...) copied from this machine. glibc, libstdc++ and libgcc stay out: every
# Linux has them, and the target's are the same or newer. CUDA's libraries are not
# linked at all: the binary opens them at run time (CUDALibraries.swift).
# It is packed as gpu-build/tessera-gpu.tar.xz (about 23 MB; unpacked it is over 100 MB,
# more than a device run may carry). Carry gpu-build/ and run bench/gpu-check.sh there.
set -euo pipefail
cd "$(dirname "$0")/.."
swift build -c release --static-swift-stdlib --product tessera --scratch-path .build-static
stage="$(mktemp -d)"
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage/tessera-gpu/lib"
cp .build-static/release/tessera "$stage/tessera-gpu/tessera"
strip "$stage/tessera-gpu/tessera"
ldd "$stage/tessera-gpu/tessera" | awk '/=> \// { print $3 }' | while read -r lib; do
    case "$(basename "$lib")" in
        libc.so*|libm.so*|libdl.so*|libpthread.so*|librt.so*|libresolv.so*|ld-linux*|libstdc++*|libgcc_s*) ;;
        *) cp -L "$lib" "$stage/tessera-gpu/lib/" ;;
    esac
done
rm -rf gpu-build
mkdir -p gpu-build
tar -C "$stage" -cJf gpu-build/tessera-gpu.tar.xz tessera-gpu
ls -la gpu-build
