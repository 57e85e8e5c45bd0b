#!/usr/bin/env python3
"""Is the default configuration the fast one? (issue 16) Each workload runs in a fresh
`tessera run` process with no settings at all, and again after each explicit thread
setting a user could make (`threads(n)` for n = 1, and every core count up to the
machine's), interleaved round by round (the order rotating each round) so that load on the shared
machine falls on every setting alike. Workloads are what users run by habit, with the defaults of `fit`
(batchSize 32), `predict` (batchSize 1024) and `tune` (.bayes, parallel: 1):
 - fit: an MLP on digits (64 inputs, 20 epochs), an MLP on 784 inputs (8,192 rows, 2 epochs) and a
   small CNN on 28x28 inputs (2,048 rows);
 - inference: predict on 20,000 rows of 784 inputs and on 4,096 28x28 images;
 - tuning: 12 trials of .bayes over an MLP's lr and width on digits (5 epochs each; the fits
   dominate), and 80 trials of .bayes on a 6-D analytic function (the Gaussian process dominates).
Each process times its workload 5 times after a warm-up and reports the median; the
table gives the median over rounds. Ratio = best explicit setting's time / the default's
time: at least 0.95 means the default is within 5% of the best.

Usage: .venv/bin/python bench/defaults.py --tessera .build/release/tessera [--rounds 7]
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys

from machine import describe
from tessera_script import run_tessera

DIGITS = """let d = dataset("digits")
let (train, test) = Standardize().fit(d).apply(d).split(0.8, stratify: "label", seed: 1)
"""

# name -> (kind, setup code, timed expression whose duration is measured)
WORKLOADS = {
    "fit mlp digits": ("fit", DIGITS, """Sequential([Dense(128, activation: .relu), Dense(64, activation: .relu), Dense(10)], seed: 1)
    .fit(train, target: "label", epochs: 20, seed: 1)"""),
    "fit mlp 784": ("fit", """let x = randn([8192, 784], seed: 1)
let y = tensor((0..<8192).map { $0 % 10 })
""", """Sequential([Dense(256, activation: .relu), Dense(128, activation: .relu), Dense(10)], seed: 1).fit(x, y, epochs: 2, seed: 1)"""),
    "fit cnn 28x28": ("fit", """let x = randn([2048, 1, 28, 28], seed: 1)
let y = tensor((0..<2048).map { $0 % 10 })
""", """Sequential([Conv2D(16, kernel: 3, padding: 1, activation: .relu), MaxPool2D(2), Conv2D(32, kernel: 3, padding: 1, activation: .relu),
    MaxPool2D(2), Flatten(), Dense(10)], seed: 1).fit(x, y, epochs: 1, seed: 1)"""),
    "predict mlp 784": ("inference", """let x = randn([20000, 784], seed: 1)
let model = Sequential([Dense(256, activation: .relu), Dense(128, activation: .relu), Dense(10)], seed: 1)
model.fit(x, tensor((0..<20000).map { $0 % 10 }), epochs: 1, batchSize: 1000, seed: 1)
""", "model.predict(x)"),
    "predict cnn 28x28": ("inference", """let x = randn([4096, 1, 28, 28], seed: 1)
let model = Sequential([Conv2D(16, kernel: 3, padding: 1, activation: .relu), MaxPool2D(2), Conv2D(32, kernel: 3, padding: 1, activation: .relu),
    MaxPool2D(2), Flatten(), Dense(10)], seed: 1)
model.fit(x, tensor((0..<4096).map { $0 % 10 }), epochs: 1, batchSize: 512, seed: 1)
""", "model.predict(x)"),
    "tune mlp digits": ("tuning", DIGITS + """let (fit, valid) = train.split(0.75, stratify: "label", seed: 2)
let space = ["lr": logUniform(1e-4, 1e-1), "width": intRange(16, 256, log: true)]
""", """tune(space, objective: Objective("accuracy", .maximize), budget: 12) { p, t in
    let h = Sequential([Dense(p.width, activation: .relu), Dense(10)], seed: 1)
        .fit(fit, target: "label", epochs: 5, optimizer: Adam(lr: p.lr), validation: valid, seed: 1)
    return ["accuracy": h.last["val_accuracy"]]
}"""),
    "tune gp 6-D": ("tuning", """let space = ["a": uniform(0, 1), "b": uniform(0, 1), "c": uniform(0, 1), "d": uniform(0, 1), "e": uniform(0, 1), "f": uniform(0, 1)]
func bowl(_ p) {
    let v = [p.a - 0.2, p.b - 0.4, p.c - 0.6, p.d - 0.8, p.e - 0.3, p.f - 0.7]
    return v.map { $0 * $0 }.sum() + 0.1 * sin(10 * p.a) * cos(10 * p.b)
}
""", """tune(space, objective: Objective("loss", .minimize), budget: 80) { p, t in ["loss": bowl(p)] }"""),
}


def program(setting: str, setup: str, timed: str, repeats: int) -> str:
    return f"""{setting}
{setup}
let warm = {timed}
for r in 0..<{repeats} {{
    let t0 = clock()
    let out = {timed}
    print("seconds", clock() - t0)
}}
"""


def run(binary: str, code: str) -> float:
    out = run_tessera(binary, code)
    times = [float(line.split()[1]) for line in out.splitlines() if line.startswith("seconds ")]
    if not times:
        raise SystemExit(f"tessera printed no times:\n{code}\n{out[-4000:]}")
    return statistics.median(times)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--tessera", default=".build/release/tessera")
    ap.add_argument("--rounds", type=int, default=7)
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--workloads", nargs="+", default=list(WORKLOADS))
    a = ap.parse_args()
    cores = os.cpu_count() or 1
    settings = {"default": ""} | {f"threads({n})": f"threads({n})" for n in sorted({1, *range(2, cores + 1)})}
    print(describe())
    print(f"seconds per workload, median over {a.rounds} rounds (each the median of {a.repeats} timed runs in a fresh process);")
    print("ratio = best explicit setting / default (>= 0.95: the default is within 5% of the best)")
    times: dict[str, dict[str, list[float]]] = {w: {s: [] for s in settings} for w in a.workloads}
    names = list(settings)
    for r in range(a.rounds):
        for w in a.workloads:
            _, setup, timed = WORKLOADS[w]
            # The order rotates each round: whichever setting ran first after another
            # workload was otherwise always the same one (the default), and paid for it.
            for s in names[r % len(names):] + names[:r % len(names)]:
                times[w][s].append(run(a.tessera, program(settings[s], setup, timed, a.repeats)))
    header = f"  {'workload':<18} {'kind':<9}" + "".join(f"{s:>11}" for s in settings) + f" {'best':>11} {'ratio':>6}"
    print(header)
    worst = float("inf")
    for w in a.workloads:
        med = {s: statistics.median(v) for s, v in times[w].items()}
        explicit = {s: v for s, v in med.items() if s != "default"}
        best = min(explicit, key=explicit.get)
        ratio = explicit[best] / med["default"]
        worst = min(worst, ratio)
        print(f"  {w:<18} {WORKLOADS[w][0]:<9}" + "".join(f"{med[s]:11.3f}" for s in settings) + f" {best:>11} {ratio:6.2f}")
    print(f"lowest ratio {worst:.2f} ({'met' if worst >= 0.95 else 'NOT met'}: target >= 0.95)")


if __name__ == "__main__":
    sys.exit(main())
