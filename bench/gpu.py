#!/usr/bin/env python3
"""The CUDA backend beside PyTorch on the same GPU, in one run: sgemm GFLOP/s for square
matrices (Tessera's cuBLAS call against torch.matmul in float32, TF32 off in both), and
element-wise `a*b+c` and a row softmax over 10^7 floats. Operands are on the GPU before
timing and the device is synchronized around each timing on both sides; sgemm is the
best of --repeats, the element-wise ops their median.

Targets (issue 7): sgemm at least 0.8 of PyTorch's; element-wise and softmax at least
PyTorch's speed.

Usage, on the GPU machine: python3 bench/gpu.py --tessera /tmp/tessera-gpu/tessera (bench/gpu-check.sh runs it)
"""
from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import time


def tessera(binary: str, sizes: list[int], repeats: int, elements: int) -> list[dict]:
    out = subprocess.run([binary, "backend-bench", "--backend", "cuda", "--sizes", *map(str, sizes),
                          "--repeats", str(repeats), "--elements", str(elements)],
                         capture_output=True, text=True)
    if out.returncode != 0:
        raise SystemExit(f"tessera backend-bench failed ({out.returncode}):\n{out.stdout}\n{out.stderr}")
    return [json.loads(line) for line in out.stdout.splitlines() if line.startswith("{")]


def torch_figures(sizes: list[int], repeats: int, elements: int) -> dict:
    import torch
    torch.backends.cuda.matmul.allow_tf32 = False
    dev = torch.device("cuda")
    g = torch.Generator(device=dev).manual_seed(1)

    def timed(fn) -> list[float]:
        fn(); torch.cuda.synchronize()
        ts = []
        for _ in range(repeats):
            t0 = time.perf_counter(); fn(); torch.cuda.synchronize(); ts.append(time.perf_counter() - t0)
        return ts

    figures = {"device": torch.cuda.get_device_name(0), "torch": torch.__version__, "sgemm": {}}
    for n in sizes:
        a = torch.randn(n, n, device=dev, generator=g)
        b = torch.randn(n, n, device=dev, generator=g)
        figures["sgemm"][n] = 2 * n ** 3 / min(timed(lambda: a @ b)) / 1e9
    x, y, z = (torch.randn(elements, device=dev, generator=g) for _ in range(3))
    figures["a*b+c"] = statistics.median(timed(lambda: x * y + z))
    m = torch.randn(elements // 1000, 1000, device=dev, generator=g)
    figures["softmax"] = statistics.median(timed(lambda: torch.softmax(m, dim=1)))
    return figures


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--tessera", default="/tmp/tessera-gpu/tessera")
    ap.add_argument("--repeats", type=int, default=20)
    ap.add_argument("--elements", type=int, default=10_000_000)
    ap.add_argument("--sizes", type=int, nargs="+", default=[256, 512, 1024, 2048, 4096, 8192])
    a = ap.parse_args()
    ours = tessera(a.tessera, a.sizes, a.repeats, a.elements)
    theirs = torch_figures(a.sizes, a.repeats, a.elements)
    info = ours[0]
    print(f"GPU: {theirs['device']}; PyTorch {theirs['torch']}; Tessera cuda backend: {info.get('device')}")
    print(f"sgemm GFLOP/s, float32, best of {a.repeats} (target: Tessera/PyTorch >= 0.8)")
    print(f"  {'n':>5} {'pytorch':>9} {'tessera':>9} {'ratio':>6}")
    for r in ours:
        if r.get("op") == "sgemm":
            t = theirs["sgemm"][r["n"]]
            print(f"  {r['n']:>5} {t:9.0f} {r['gflops']:9.0f} {r['gflops'] / t:6.2f}")
    print(f"over {a.elements:,} floats, median of {a.repeats} (ms; ratio = PyTorch / Tessera, target >= 1)")
    for r in ours:
        if r.get("op") in ("a*b+c", "softmax"):
            t = theirs[r["op"]]
            print(f"  {r['op']:<8} pytorch {t * 1e3:8.3f}  tessera {r['median_s'] * 1e3:8.3f}  ratio {t / r['median_s']:5.2f}")
        if r.get("op") == "memory":
            print(f"  device memory: {r['allocations']} cuMemAlloc calls, {r['pool_reuses']} requests served by the pool")


if __name__ == "__main__":
    main()
