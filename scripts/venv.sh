#!/usr/bin/env bash
# Makes (once) the Python venv that tests and benchmarks use, and installs the given
# requirements files into it, again only when one of them changed.
# Usage: scripts/venv.sh REQUIREMENTS... ; the venv is $TESSERA_VENV or .venv.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV="${TESSERA_VENV:-.venv}"
if [ ! -x "$VENV/bin/python" ]; then
    echo "venv: making $VENV"
    python3 -m venv "$VENV"
    "$VENV/bin/python" -m pip install -q --upgrade pip
fi
for req in "$@"; do
    stamp="$VENV/.$(echo "$req" | tr '/' '_').sha256"
    want="$(sha256sum "$req" | cut -d' ' -f1)"
    if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
        echo "venv: installing $req"
        "$VENV/bin/python" -m pip install -q -r "$req"
        echo "$want" > "$stamp"
    fi
done
