#!/usr/bin/env bash
# `make check-browser`: every notebook in notebooks/ opened in a real JupyterLab, in
# headless Chromium driven by Selenium, run, saved and checked (scripts/jupyterlab_check.py);
# screenshots of each go to .check-browser/. Sets up what it needs as a new user would:
# Chromium and chromedriver from apt, JupyterLab and Selenium in the venv, a fresh HOME
# with the kernel-spec installed by `tessera install-kernel --user`.
# Usage: scripts/check-browser.sh TESSERA_BINARY
set -euo pipefail
cd "$(dirname "$0")/.."
BIN="$(realpath "${1:-.build/debug/tessera}")"
SHOTS="$(pwd)/.check-browser"

if ! command -v chromium >/dev/null || ! command -v chromedriver >/dev/null; then
    echo "check-browser: installing chromium and chromium-driver"
    SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
    export DEBIAN_FRONTEND=noninteractive
    $SUDO apt-get install -y -q chromium chromium-driver >/dev/null \
        || { $SUDO apt-get update -q >/dev/null && $SUDO apt-get install -y -q chromium chromium-driver >/dev/null; }
fi
./scripts/venv.sh scripts/check-browser-requirements.txt
PY="${TESSERA_VENV:-.venv}/bin/python"
JUPYTER="${TESSERA_VENV:-.venv}/bin/jupyter"

work="$(mktemp -d)"
lab_pid=""
cleanup() { [ -n "$lab_pid" ] && kill "$lab_pid" 2>/dev/null; wait 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
mkdir -p "$work/home" "$work/notebooks" "$work/settings/@jupyterlab/notebook-extension" "$work/settings/@jupyterlab/apputils-extension"
for nb in notebooks/*.ipynb; do
    case "$nb" in *.executed.ipynb) continue ;; esac
    cp "$nb" "$work/notebooks/"
done
cp -r notebooks/data "$work/notebooks/" 2>/dev/null || true
# Every cell in the page (no windowing), so each one is checked and in the screenshots;
# no news prompt over the notebook.
echo '{"windowingMode": "none"}' > "$work/settings/@jupyterlab/notebook-extension/tracker.jupyterlab-settings"
echo '{"fetchNews": "false", "checkForUpdates": false}' > "$work/settings/@jupyterlab/apputils-extension/notification.jupyterlab-settings"
HOME="$work/home" "$BIN" install-kernel --user >/dev/null

port="$("$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
token="$("$PY" -c 'import secrets; print(secrets.token_hex(16))')"
root_flag=""; [ "$(id -u)" = 0 ] && root_flag="--allow-root"
# The data sets `make setup` unpacked for this user (the fresh HOME has none).
export TESSERA_DATA_DIR="${TESSERA_DATA_DIR:-$HOME/.cache/tessera/datasets}"
HOME="$work/home" JUPYTERLAB_SETTINGS_DIR="$work/settings" JUPYTERLAB_WORKSPACES_DIR="$work/workspaces" \
    "$JUPYTER" lab --no-browser --ip 127.0.0.1 --port "$port" --ServerApp.token="$token" \
    --ServerApp.root_dir="$work/notebooks" $root_flag >"$work/lab.log" 2>&1 &
lab_pid=$!
for _ in $(seq 120); do
    curl -sf "http://127.0.0.1:$port/api/status?token=$token" >/dev/null && break
    sleep 0.5
done
curl -sf "http://127.0.0.1:$port/api/status?token=$token" >/dev/null || { cat "$work/lab.log"; echo "check-browser: JupyterLab did not start"; exit 1; }

rm -rf "$SHOTS"
failed=0
for nb in "$work"/notebooks/*.ipynb; do
    "$PY" scripts/jupyterlab_check.py "$(basename "$nb")" --root "$work/notebooks" --url "http://127.0.0.1:$port" \
        --token "$token" --screenshots "$SHOTS" || failed=$((failed + 1))
done
echo "check-browser: $failed notebook(s) failed; screenshots in $SHOTS"
[ "$failed" = 0 ]
