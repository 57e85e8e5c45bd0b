#!/usr/bin/env python3
"""Tensor backends side by side in one run: sgemm GFLOP/s for square matrices 256 to
2048 (Tessera's OpenBLAS backend against numpy float32, and the reference backend for
scale at the small sizes), and element-wise `a*b+c` and a row softmax over 10^7 floats
(Tessera against numpy; PyTorch CPU when it is installed in the venv). Times are
measured inside each process around the operation alone; best of --repeats per size
(the usual convention for GEMM peak), medians for the element-wise ops.

Usage: .venv/bin/python bench/tensor.py --tessera .build/release/tessera
"""
from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time

import numpy as np

from machine import describe
from tessera_script import run_tessera


def tessera(binary: str, code: str) -> list[float]:
    return [float(x) for x in run_tessera(binary, code).split()]


NUMPY_GEMM = """
import sys, time, numpy as np
n, repeats = int(sys.argv[1]), int(sys.argv[2])
rng = np.random.default_rng(1)
a = rng.standard_normal((n, n), dtype=np.float32)
b = rng.standard_normal((n, n), dtype=np.float32)
best = float("inf")
for _ in range(repeats):
    t0 = time.perf_counter(); a @ b; best = min(best, time.perf_counter() - t0)
print(2 * n ** 3 / best / 1e9)
"""


def numpy_gemm(n: int, repeats: int) -> float:
    """In its own process: OpenBLAS's threads spin after a product, and in this process
    they would take cores from the next Tessera run."""
    out = subprocess.run([sys.executable, "-c", NUMPY_GEMM, str(n), str(repeats)], capture_output=True, text=True, check=True)
    return float(out.stdout)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--tessera", default=".build/release/tessera")
    ap.add_argument("--repeats", type=int, default=5)
    a = ap.parse_args()
    print(describe(), f"; numpy {np.__version__}")
    try:
        import torch
    except ImportError:
        torch = None
    print("sgemm GFLOP/s (best of %d)" % a.repeats)
    print(f"  {'n':>5} {'numpy':>8} {'openblas':>9} {'ratio':>6} {'reference':>10}")
    for n in (256, 512, 1024, 2048):
        ref = ""
        if n <= 256:
            t = tessera(a.tessera, f'backend("reference")\nlet a = randn([{n}, {n}], seed: 1)\nlet t0 = clock()\nlet c = a @ a\nprint(clock() - t0)\n')
            ref = f"{2 * n ** 3 / t[0] / 1e9:10.2f}"
        times = tessera(a.tessera, f'let a = randn([{n}, {n}], seed: 1)\nlet b = randn([{n}, {n}], seed: 2)\n'
                        f'for i in 0..<{a.repeats} {{\n    let t0 = clock()\n    let c = a @ b\n    print(clock() - t0)\n}}\n')
        ours = 2 * n ** 3 / min(times) / 1e9
        theirs = numpy_gemm(n, a.repeats)
        print(f"  {n:>5} {theirs:8.1f} {ours:9.1f} {ours / theirs:6.2f} {ref}")

    n = 10_000_000
    code = (f'let a = randn([{n}], seed: 1)\nlet b = randn([{n}], seed: 2)\nlet c = randn([{n}], seed: 3)\n'
            f'let x = randn([{n // 1000}, 1000], seed: 4)\n'
            f'for i in 0..<{a.repeats} {{\n    let t0 = clock()\n    let y = a * b + c\n    let t1 = clock()\n    let s = x.softmax(axis: -1)\n'
            f'    print(t1 - t0, clock() - t1)\n}}\n')
    t = tessera(a.tessera, code)
    ours_fma, ours_soft = statistics.median(t[0::2]), statistics.median(t[1::2])
    rng = np.random.default_rng(1)
    x, y, z = (rng.standard_normal(n, dtype=np.float32) for _ in range(3))
    m = rng.standard_normal((n // 1000, 1000), dtype=np.float32)
    fma, soft = [], []
    for _ in range(a.repeats):
        t0 = time.perf_counter(); x * y + z; t1 = time.perf_counter()
        e = np.exp(m - m.max(axis=1, keepdims=True)); e / e.sum(axis=1, keepdims=True); t2 = time.perf_counter()
        fma.append(t1 - t0); soft.append(t2 - t1)
    print(f"element-wise over {n:,} floats, median of {a.repeats} (ms; ratio = other / Tessera, above 1: Tessera faster)")
    print(f"  {'op':<22} {'numpy':>8} {'torch':>8} {'tessera':>8} {'vs numpy':>9} {'vs torch':>9}")
    rows = [("a*b+c", statistics.median(fma), ours_fma), ("softmax (rows of 1000)", statistics.median(soft), ours_soft)]
    torch_times = {}
    if torch is not None:
        tx, ty, tz, tm = (torch.from_numpy(v) for v in (x, y, z, m))
        tf, ts = [], []
        for _ in range(a.repeats):
            t0 = time.perf_counter(); tx * ty + tz; t1 = time.perf_counter(); torch.softmax(tm, dim=1); t2 = time.perf_counter()
            tf.append(t1 - t0); ts.append(t2 - t1)
        torch_times = {"a*b+c": statistics.median(tf), "softmax (rows of 1000)": statistics.median(ts)}
    for label, npt, ours in rows:
        tt = torch_times.get(label)
        print(f"  {label:<22} {npt * 1e3:8.1f} {tt * 1e3 if tt else float('nan'):8.1f} {ours * 1e3:8.1f} {npt / ours:9.2f} "
              f"{(tt / ours) if tt else float('nan'):9.2f}")
    if torch is None:
        print("  (PyTorch is not installed in this venv: its column is empty)")


if __name__ == "__main__":
    main()
