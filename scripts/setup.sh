#!/usr/bin/env bash
# Installs what Tessera needs on a fresh Debian machine with Swift: the system libraries
# of DESIGN.md and the Python test venv. Safe to run again: it only adds what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
# iproute2: the multi-host tests put workers in network namespaces (ip netns); openmpi: data-parallel
# training; the wordlists and fortunes: the text data sets (dataset("wordlang"), dataset("fortunes")).
wordlists="wamerican wngerman wfrench wspanish witalian wdutch wportuguese wswedish fortunes"
for pkg in libopenblas-dev libzmq3-dev libreadline-dev zlib1g-dev libsqlite3-dev libpq-dev postgresql-15 iproute2 libopenmpi-dev openmpi-bin $wordlists pkg-config g++; do
    dpkg -s "$pkg" >/dev/null 2>&1 || need+=("$pkg")
done
if [ ${#need[@]} -gt 0 ]; then
    echo "setup: installing ${need[*]}"
    sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${need[@]}" >/dev/null
fi

command -v swift >/dev/null || { echo "setup: Swift 6 is required (https://swift.org/install)"; exit 1; }

# The Jupyter conformance tests run in a venv (scripts/conformance.sh makes it).
if ! python3 -c "import venv, ensurepip" >/dev/null 2>&1; then
    echo "setup: installing python3-venv"
    sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq python3 python3-venv >/dev/null
fi

# Data sets (DESIGN.md): Fashion-MNIST from Debian's dataset-fashion-mnist (installed), and
# scikit-learn's small CSVs unpacked from Debian's python3-sklearn package without installing it.
if ! dpkg -s dataset-fashion-mnist >/dev/null 2>&1; then
    echo "setup: installing dataset-fashion-mnist"
    sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq dataset-fashion-mnist >/dev/null
fi
SKLEARN_DATA="${TESSERA_DATA_DIR:-$HOME/.cache/tessera/datasets}/sklearn"
if [ ! -f "$SKLEARN_DATA/iris.csv" ]; then
    echo "setup: unpacking scikit-learn's data sets into $SKLEARN_DATA"
    work="$(mktemp -d)"
    (cd "$work" && apt-get download python3-sklearn >/dev/null 2>&1 || { sudo="" ; [ "$(id -u)" -eq 0 ] || sudo="sudo"; $sudo apt-get update -qq && apt-get download python3-sklearn >/dev/null; })
    dpkg-deb -x "$work"/python3-sklearn_*.deb "$work/x"
    mkdir -p "$SKLEARN_DATA"
    cp "$work"/x/usr/lib/python3/dist-packages/sklearn/datasets/data/{iris.csv,wine_data.csv,breast_cancer.csv,digits.csv.gz} "$SKLEARN_DATA/"
    rm -rf "$work"
fi
