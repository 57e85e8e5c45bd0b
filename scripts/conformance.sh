#!/usr/bin/env bash
# The Jupyter conformance run of `make test`: a venv with jupyter_client,
# jupyter_kernel_test, nbclient and nbformat (made once, refreshed when
# Tests/conformance/requirements.txt changes), the kernel-spec installed into a temporary
# JUPYTER_PATH pointing at the binary under test, then pytest over Tests/conformance.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN="${1:-.build/debug/tessera}"
VENV="${TESSERA_VENV:-.venv}"
./scripts/venv.sh Tests/conformance/requirements.txt

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
"$BIN" install-kernel --prefix "$tmp" >/dev/null
export JUPYTER_PATH="$tmp/share/jupyter"
export TESSERA_KERNELSPEC="$JUPYTER_PATH/kernels/tessera"
# Keep the user's own Jupyter config and runtime files out of the run.
export JUPYTER_CONFIG_DIR="$tmp/config" JUPYTER_RUNTIME_DIR="$tmp/runtime" JUPYTER_DATA_DIR="$tmp/data"
"$VENV/bin/python" -m pytest -q -p no:cacheprovider Tests/conformance
