#!/usr/bin/env python3
"""ROC-AUC and a threshold sweep on 10^7 scores: Tessera against scikit-learn, side by
side in one run. Both read the same generated labels and scores (a CSV read once by each
side, not timed); the time is the metric call alone, measured inside each process, median
of --repeats, interleaved. The sweep is the F1 at every threshold and its best: in
scikit-learn, precision_recall_curve then the F1 per threshold and its argmax.

Usage: .venv/bin/python bench/metrics.py --tessera .build/release/tessera
"""
from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile

import numpy as np
import pandas as pd

from machine import describe

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(HERE, "..", ".build", "bench-data")

PYTHON = """
import sys, time, numpy as np, pandas as pd
from sklearn.metrics import roc_auc_score, precision_recall_curve
d = pd.read_csv(sys.argv[1])
y, s = d["y"].to_numpy(), d["s"].to_numpy()
t0 = time.perf_counter(); auc = roc_auc_score(y, s); t1 = time.perf_counter()
p, r, th = precision_recall_curve(y, s)
f1 = np.where(p + r > 0, 2 * p * r / np.maximum(p + r, 1e-300), 0.0)
best = int(np.argmax(f1[:-1])); t2 = time.perf_counter()
print(auc, f1[best], th[best]); print(t1 - t0, t2 - t1)
"""

TESSERA = """
let d = readCSV("{path}")
let y = d["y"]
let s = d["s"]
let t0 = clock()
let auc = rocAUC(y, s)
let t1 = clock()
let sweep = thresholdSweep(y, s, "f1")
let t2 = clock()
print(auc, sweep.best.value, sweep.best.threshold)
print(t1 - t0, t2 - t1)
"""


def run(cmd: list[str]) -> tuple[list[str], float, float]:
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout.strip().splitlines()
    a, b = out[-1].split()
    return out[-2].split(), float(a), float(b)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--tessera", default=".build/release/tessera")
    ap.add_argument("--rows", type=int, default=10_000_000)
    ap.add_argument("--repeats", type=int, default=3)
    a = ap.parse_args()
    os.makedirs(DATA, exist_ok=True)
    path = os.path.join(DATA, f"scores-{a.rows}.csv")
    if not os.path.exists(path):
        rng = np.random.default_rng(3)
        y = (rng.random(a.rows) < 0.1).astype(np.int8)
        s = np.round(np.clip(0.3 * y + rng.random(a.rows) * 0.7, 0, 1), 6)
        pd.DataFrame({"y": y, "s": s}).to_csv(path + ".tmp", index=False)
        os.replace(path + ".tmp", path)
    with tempfile.NamedTemporaryFile("w", suffix=".tsr", delete=False) as f:
        f.write(TESSERA.replace("{path}", path))
    with tempfile.NamedTemporaryFile("w", suffix=".py", delete=False) as g:
        g.write(PYTHON)
    try:
        t_auc, t_sweep, p_auc, p_sweep = [], [], [], []
        for _ in range(a.repeats):
            ours, x, y2 = run([a.tessera, "run", f.name]); t_auc.append(x); t_sweep.append(y2)
            theirs, x, y2 = run([sys.executable, g.name, path]); p_auc.append(x); p_sweep.append(y2)
        assert abs(float(ours[0]) - float(theirs[0])) < 1e-9, (ours, theirs)
        assert abs(float(ours[1]) - float(theirs[1])) < 1e-9, (ours, theirs)
    finally:
        os.unlink(f.name)
        os.unlink(g.name)
    import sklearn
    print(describe(), f"; scikit-learn {sklearn.__version__}")
    print(f"{a.rows:,} scores, median of {a.repeats} (seconds; ratio = scikit-learn / Tessera, above 1: Tessera faster)")
    for label, t, p in (("rocAUC", t_auc, p_auc), ("threshold sweep (F1, best)", t_sweep, p_sweep)):
        tm, pm = statistics.median(t), statistics.median(p)
        print(f"  {label:<28} scikit-learn {pm:7.3f}   tessera {tm:7.3f}   ratio {pm / tm:5.2f}")
    print(f"  same results: AUC {ours[0]}, best F1 {ours[1]} at threshold {ours[2]} (scikit-learn: {theirs[1]} at {theirs[2]})")


if __name__ == "__main__":
    main()
