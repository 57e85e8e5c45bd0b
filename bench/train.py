#!/usr/bin/env python3
"""Training side by side in one run, each with its default settings (issue 8; issue 16: no
thread setting on either side, Tessera then uses every core and PyTorch one thread per
physical core): samples per second for
 - MLP 784-256-128-10, ReLU, Adam, batch 128;
 - CNN conv3x3(1→16)+ReLU+maxpool2, conv3x3(16→32)+ReLU+maxpool2, dense(1568→10),
   SGD momentum 0.9, batch 64, on 28x28 inputs (padding 1, so 28→14→7);
training steps and batch-1024 inference, Tessera's OpenBLAS backend against PyTorch CPU.
Inputs are random (speed does not depend on the values); each side times its own loop
after a warm-up, median of --repeats timed runs. Ratio = Tessera / PyTorch samples per
second: above 1, Tessera is faster. Target: at least 1.0 on both models.

Usage: .venv/bin/python bench/train.py --tessera .build/release/tessera
"""
from __future__ import annotations

import argparse
import statistics
import time

from machine import describe
from tessera_script import run_tessera

MODELS = {
    "mlp": ("Sequential([Dense(256, activation: .relu), Dense(128, activation: .relu), Dense(10)], seed: 1)",
            "Adam(lr: 0.001)", 128, [784]),
    "cnn": ("Sequential([Conv2D(16, kernel: 3, padding: 1, activation: .relu), MaxPool2D(2), "
            "Conv2D(32, kernel: 3, padding: 1, activation: .relu), MaxPool2D(2), Flatten(), Dense(10)], seed: 1)",
            "SGD(lr: 0.01, momentum: 0.9)", 64, [1, 28, 28]),
}


def tessera(binary: str, name: str, steps: int, repeats: int) -> tuple[list[float], list[float]]:
    model, optimizer, batch, shape = MODELS[name]
    n = steps * batch
    code = f"""let x = randn({[n] + shape}, seed: 1)
let y = (rand([{n}], seed: 2) * 10).values.map {{ v in Double(Int(v)) }}
let model = {model}
let warm = model.fit(x, tensor(y), epochs: 1, batchSize: {batch}, optimizer: {optimizer}, shuffle: false)
let big = randn({[1024] + shape}, seed: 3)
let p0 = model.predict(big)
for r in 0..<{repeats} {{
    let t0 = clock()
    let h = model.fit(x, tensor(y), epochs: 1, batchSize: {batch}, shuffle: false)
    let t1 = clock()
    for i in 0..<5 {{ let p = model.predict(big) }}
    let t2 = clock()
    print({n} / (t1 - t0), 5 * 1024 / (t2 - t1))
}}
"""
    rows = [list(map(float, l.split())) for l in run_tessera(binary, code).splitlines() if l and l[0].isdigit()]
    return [r[0] for r in rows], [r[1] for r in rows]


def torch_figures(name: str, steps: int, repeats: int) -> tuple[list[float], list[float]]:
    import torch
    import torch.nn as nn
    torch.manual_seed(1)
    _, _, batch, shape = MODELS[name]
    if name == "mlp":
        model = nn.Sequential(nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 128), nn.ReLU(), nn.Linear(128, 10))
        opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    else:
        model = nn.Sequential(nn.Conv2d(1, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(),
                              nn.MaxPool2d(2), nn.Flatten(), nn.Linear(1568, 10))
        opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    n = steps * batch
    x = torch.randn([n] + shape)
    y = torch.randint(0, 10, (n,))
    big = torch.randn([1024] + shape)
    loss_fn = nn.CrossEntropyLoss()

    def epoch():
        model.train()
        for i in range(0, n, batch):
            opt.zero_grad()
            loss = loss_fn(model(x[i:i + batch]), y[i:i + batch])
            loss.backward()
            opt.step()

    epoch()
    train, infer = [], []
    for _ in range(repeats):
        t0 = time.perf_counter(); epoch(); t1 = time.perf_counter()
        model.eval()
        with torch.no_grad():
            for _ in range(5):
                model(big)
        t2 = time.perf_counter()
        train.append(n / (t1 - t0)); infer.append(5 * 1024 / (t2 - t1))
    return train, infer


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--tessera", default=".build/release/tessera")
    ap.add_argument("--steps", type=int, default=40)
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--models", nargs="+", default=["mlp", "cnn"])
    a = ap.parse_args()
    import torch
    print(describe(), f"; torch {torch.__version__} ({torch.get_num_threads()} threads); default settings each")
    print(f"samples/s, median of {a.repeats} runs of {a.steps} steps (ratio = Tessera / PyTorch; target >= 1.0)")
    print(f"  {'model':<5} {'phase':<10} {'pytorch':>9} {'tessera':>9} {'ratio':>6}")
    for name in a.models:
        tt, ti = tessera(a.tessera, name, a.steps, a.repeats)
        pt, pi = torch_figures(name, a.steps, a.repeats)
        for phase, ours, theirs in (("training", tt, pt), ("inference", ti, pi)):
            o, t = statistics.median(ours), statistics.median(theirs)
            print(f"  {name:<5} {phase:<10} {t:9.0f} {o:9.0f} {o / t:6.2f}")


if __name__ == "__main__":
    main()
