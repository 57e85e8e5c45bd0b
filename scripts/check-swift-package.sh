#!/usr/bin/env bash
# The domain modules from Swift alone (issue 17): Examples/TrainWithTesseraNN, copied into a
# temporary folder outside the repository, depends on this checkout by path, is built there
# and trains a network with TesseraNN. Fails when the package cannot be used as a
# dependency (SwiftPM refuses unsafeFlags in one) or the network does not learn.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cp -r "$repo/Examples/TrainWithTesseraNN" "$work/"
cd "$work/TrainWithTesseraNN"
export TESSERA_PATH="$repo"
swift build -q
out="$(swift run -q TrainWithTesseraNN)"
echo "$out"
accuracy="$(echo "$out" | awk '/^accuracy/ {print $2}')"
python3 -c "import sys; a = float('$accuracy'); sys.exit(0 if a >= 0.95 else 'the network reached only %.3f on the half-moons' % a)"
echo "check-swift-package: a package outside the repository trained a network with TesseraNN alone"
