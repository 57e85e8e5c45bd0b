#!/usr/bin/env python3
"""readCSV against pandas.read_csv, side by side in one run, on generated files:
1M rows x 20 mixed columns (floats with missing values, ints, categories, booleans, ids,
dates) and 100k rows x 784 integer pixels (an image set as CSV). Each side reads in its
own process; the time is the read alone (measured inside the process, after start-up
and imports), the memory is the process's peak RSS (GNU time's %M). Medians of --repeats,
interleaved. The files are generated once into .build/bench-data (seeded; not committed).

Usage: .venv/bin/python bench/read_csv.py --tessera .build/release/tessera
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


def mixed(path: str, rows: int) -> None:
    rng = np.random.default_rng(1)
    cols = {}
    for k in range(6):
        v = rng.normal(100 * k, 10 + k, rows).round(4)
        v[rng.random(rows) < 0.01] = np.nan
        cols[f"f{k}"] = v
    for k in range(6):
        cols[f"i{k}"] = rng.integers(-1000 * (k + 1), 1000 * (k + 1), rows)
    for k, vocab in enumerate([5, 50, 200, 1000]):
        words = np.array([f"cat{k}_{w}" for w in range(vocab)])
        cols[f"c{k}"] = words[rng.integers(0, vocab, rows)]
    cols["b0"] = rng.random(rows) < 0.3
    cols["b1"] = rng.random(rows) < 0.7
    cols["id"] = np.char.add("TX-", np.arange(rows).astype(str))
    cols["date"] = (np.datetime64("2024-01-01") + rng.integers(0, 365, rows).astype("timedelta64[D]")).astype(str)
    pd.DataFrame(cols).to_csv(path, index=False)


def pixels(path: str, rows: int) -> None:
    rng = np.random.default_rng(2)
    images = rng.integers(0, 256, (rows, 784), dtype=np.int64)
    images[rng.random((rows, 784)) < 0.6] = 0
    df = pd.DataFrame(images, columns=[f"p{k}" for k in range(784)])
    df.insert(0, "label", rng.integers(0, 10, rows))
    df.to_csv(path, index=False)


def measure(cmd: list[str]) -> tuple[float, float]:
    """(seconds the child printed last, its peak RSS in MB). GNU time reports the peak:
    rusage from wait4 would count the forked copy of this (large) Python process."""
    with tempfile.NamedTemporaryFile("r", suffix=".rss") as rss:
        p = subprocess.run(["/usr/bin/time", "-f", "%M", "-o", rss.name, *cmd], capture_output=True, text=True)
        if p.returncode != 0:
            raise RuntimeError(f"{cmd[0]} failed: {p.stderr[-2000:]}")
        return float(p.stdout.split()[-1]), int(rss.read().split()[-1]) / 1024


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--tessera", default=".build/release/tessera")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--rows", type=int, default=1_000_000)
    a = ap.parse_args()
    if not os.path.exists("/usr/bin/time"):
        sys.exit("bench/read_csv.py measures peak memory with GNU time: apt-get install time")
    os.makedirs(DATA, exist_ok=True)
    files = {
        f"mixed {a.rows // 1000}k x 20": (os.path.join(DATA, f"mixed-{a.rows}.csv"), lambda p: mixed(p, a.rows)),
        "pixels 100k x 785": (os.path.join(DATA, "pixels-100000.csv"), lambda p: pixels(p, 100_000)),
    }
    for path, make in files.values():
        if not os.path.exists(path):
            print(f"generating {path} ...", file=sys.stderr)
            make(path + ".tmp")
            os.replace(path + ".tmp", path)
    print(describe(), f"; pandas {pd.__version__}")
    print(f"{'file':<20} {'MB':>6} {'pandas s':>9} {'tessera s':>10} {'speed':>6} {'pandas MB':>10} {'tessera MB':>11} {'memory':>7}")
    for label, (path, _) in files.items():
        script = tempfile.NamedTemporaryFile("w", suffix=".tsr", delete=False)
        script.write(f'let t0 = clock()\nlet f = readCSV("{path}")\nlet t = clock() - t0\nprint(f.rows, f.columns.count)\nprint(t)\n')
        script.close()
        py = f"import time, pandas as pd\nt0 = time.perf_counter()\ndf = pd.read_csv({path!r})\nprint(len(df), time.perf_counter() - t0)"
        ts, ps, tm, pm = [], [], [], []
        for _ in range(a.repeats):
            t, m = measure([a.tessera, "run", script.name]); ts.append(t); tm.append(m)
            t, m = measure([sys.executable, "-c", py]); ps.append(t); pm.append(m)
        os.unlink(script.name)
        size = os.path.getsize(path) / 1e6
        t, p = statistics.median(ts), statistics.median(ps)
        print(f"{label:<20} {size:>6.0f} {p:>9.2f} {t:>10.2f} {p / t:>5.2f}x {statistics.median(pm):>10.0f} {statistics.median(tm):>11.0f} {statistics.median(pm) / statistics.median(tm):>6.2f}x")
    print("speed = pandas time / tessera time; memory = pandas peak / tessera peak (both above 1: Tessera better)")


if __name__ == "__main__":
    main()
