#!/usr/bin/env bash
# The GPU check of issue 7, for a CUDA machine that may have no Swift toolchain: it runs
# a build made beforehand on a Swift machine by scripts/gpu-build.sh (a release binary
# with the Swift runtime linked in and its other shared libraries in gpu-build/lib).
#
#   1. devices(): what the binary finds on this machine;
#   2. tessera backend-check: every op of every backend present (cuda included) against
#      the reference, the same cases as the unit tests;
#   3. bench/gpu.py: the cuda backend beside PyTorch on this GPU.
#
# CUDA's libraries are found where PyTorch's wheels put them (site-packages/nvidia/*/lib)
# or in /usr/local/cuda; TESSERA_CUDA_LIBRARY_PATH, if set, comes first.
# Usage, in the repository root: bench/gpu-check.sh [path/to/tessera]
set -uo pipefail
cd "$(dirname "$0")/.."
if [ $# -gt 0 ]; then
    BIN="$1"
else
    [ -f gpu-build/tessera-gpu.tar.xz ] || { echo "gpu-check: no gpu-build/tessera-gpu.tar.xz; make it on a Swift machine with scripts/gpu-build.sh"; exit 2; }
    tar -C /tmp -xJf gpu-build/tessera-gpu.tar.xz
    BIN=/tmp/tessera-gpu/tessera
fi
[ -x "$BIN" ] || { echo "gpu-check: $BIN is not an executable"; exit 2; }
export LD_LIBRARY_PATH="$(cd "$(dirname "$BIN")" && pwd)/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
wheels="$(python3 - <<'PY' 2>/dev/null
import glob, os, site
bases = site.getsitepackages() + [site.getusersitepackages()]
print(":".join(sorted({d for b in bases for d in glob.glob(os.path.join(b, "nvidia", "*", "lib")) + glob.glob(os.path.join(b, "nvidia", "cu*", "lib"))})))
PY
)"
export TESSERA_CUDA_LIBRARY_PATH="$(echo "${TESSERA_CUDA_LIBRARY_PATH:-}:${wheels}:/usr/local/cuda/lib64" | tr -s ':' | sed 's/^://; s/:$//')"
# The libraries' own dependencies (libcublasLt, NVRTC's builtins) are found the same way.
export LD_LIBRARY_PATH="$LD_LIBRARY_PATH:$TESSERA_CUDA_LIBRARY_PATH"
status=0
echo "== machine"
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader 2>&1 || true
nproc
echo "== devices()"
echo 'print(devices())' | "$BIN" || status=1
echo "== backend-check"
"$BIN" backend-check || status=1
echo "== bench/gpu.py"
python3 bench/gpu.py --tessera "$BIN" || status=1
echo "== gpu-check: $([ $status -eq 0 ] && echo passed || echo FAILED)"
exit $status
