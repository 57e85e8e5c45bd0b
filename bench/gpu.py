#!/usr/bin/env python3
"""The CUDA backend beside PyTorch on the same GPU, in one run: sgemm GFLOP/s for square
matrices (Tessera's cuBLAS call against torch.matmul in float32, TF32 off in both), and
element-wise `a*b+c` and a row softmax over 10^7 floats. Operands are on the GPU before
timing and the device is synchronized around each timing on both sides; sgemm is the
best of --repeats, the element-wise ops their median.

Then the MLP of issue 8 (784-256-128-10, Adam, batch 128) trained on the GPU through
`tessera run`, against its speed on the 2-core development machine (--cpu-samples, from
bench/RESULTS.md) and against PyTorch on the same GPU.

Targets (issue 7): sgemm at least 0.8 of PyTorch's; element-wise and softmax at least
PyTorch's speed; the MLP at least 20x the 2-core CPU.

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


MLP = """backend("cuda")
let x = randn([{n}, 784], seed: 1)
let y = tensor((rand([{n}], seed: 2) * 10).values.map {{ v in Double(Int(v)) }})
let model = Sequential([Dense(256, activation: .relu), Dense(128, activation: .relu), Dense(10)], seed: 1)
let warm = model.fit(x, y, epochs: 1, batchSize: 128, optimizer: Adam(lr: 0.001), shuffle: false)
for r in 0..<{repeats} {{
    let t0 = clock()
    let h = model.fit(x, y, epochs: 1, batchSize: 128, shuffle: false)
    print({n} / (clock() - t0))
}}
"""


def tessera_mlp(binary: str, steps: int, repeats: int) -> float:
    import os
    import tempfile
    with tempfile.NamedTemporaryFile("w", suffix=".tsr", delete=False) as f:
        f.write(MLP.format(n=steps * 128, repeats=repeats))
    try:
        out = subprocess.run([binary, "run", f.name], capture_output=True, text=True)
    finally:
        os.unlink(f.name)
    if out.returncode != 0:
        raise SystemExit(f"tessera MLP on cuda failed:\n{out.stdout}\n{out.stderr}")
    return statistics.median(float(l) for l in out.stdout.split() if l[0].isdigit())


def torch_mlp(steps: int, repeats: int) -> float:
    import torch
    import torch.nn as nn
    dev = torch.device("cuda")
    torch.manual_seed(1)
    model = nn.Sequential(nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 128), nn.ReLU(), nn.Linear(128, 10)).to(dev)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    n = steps * 128
    x, y = torch.randn(n, 784, device=dev), torch.randint(0, 10, (n,), device=dev)
    loss_fn = nn.CrossEntropyLoss()

    def epoch():
        for i in range(0, n, 128):
            opt.zero_grad()
            loss_fn(model(x[i:i + 128]), y[i:i + 128]).backward()
            opt.step()
        torch.cuda.synchronize()

    epoch()
    rates = []
    for _ in range(repeats):
        t0 = time.perf_counter(); epoch(); rates.append(n / (time.perf_counter() - t0))
    return statistics.median(rates)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--tessera", default="/tmp/tessera-gpu/tessera")
    ap.add_argument("--repeats", type=int, default=20)
    ap.add_argument("--elements", type=int, default=10_000_000)
    ap.add_argument("--sizes", type=int, nargs="+", default=[256, 512, 1024, 2048, 4096, 8192])
    ap.add_argument("--cpu-samples", type=float, default=107557, help="the MLP's training samples/s on the 2-core CPU (bench/RESULTS.md)")
    ap.add_argument("--mlp-steps", type=int, default=200)
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
    ours_mlp, theirs_mlp = tessera_mlp(a.tessera, a.mlp_steps, 5), torch_mlp(a.mlp_steps, 5)
    print(f"MLP 784-256-128-10 training, Adam, batch 128, samples/s (median of 5 runs of {a.mlp_steps} steps)")
    print(f"  tessera cuda {ours_mlp:10.0f}   vs 2-core CPU {a.cpu_samples:8.0f}: {ours_mlp / a.cpu_samples:6.1f}x (target >= 20)")
    print(f"  pytorch cuda {theirs_mlp:10.0f}   tessera / pytorch: {ours_mlp / theirs_mlp:5.2f}")


if __name__ == "__main__":
    main()
