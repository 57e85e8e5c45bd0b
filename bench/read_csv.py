#!/usr/bin/env python3
"""readCSV against the readers users pick in 2026, side by side in one run, on generated
files: 1M rows x 20 mixed columns (floats with missing values, ints, categories, booleans,
ids, dates) and 100k rows x 784 integer pixels (an image set as CSV). The readers: pandas'
read_csv as installed (pandas 3 with pyarrow: pyarrow-backed text columns), pandas with
engine="pyarrow", pyarrow.csv.read_csv, and polars.read_csv. Each reads in its own process;
the time is the read alone (measured inside the process, after start-up and imports), the
memory is the process's peak RSS (GNU time's %M). Medians of --repeats, interleaved. The
files are generated once into .build/bench-data (seeded; not committed).

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
    import polars as pl
    import pyarrow as pa
    print(describe(), f"; pandas {pd.__version__}, pyarrow {pa.__version__}, polars {pl.__version__}")
    readers = {
        "pandas": "import pandas as pd\ndef read(p): return pd.read_csv(p)",
        "pandas[pyarrow]": "import pandas as pd\ndef read(p): return pd.read_csv(p, engine='pyarrow')",
        "pyarrow.csv": "import pyarrow.csv as pc\ndef read(p): return pc.read_csv(p)",
        "polars": "import polars as pl\ndef read(p): return pl.read_csv(p, infer_schema_length=10000)",
    }
    print(f"{'file':<20} {'reader':<16} {'seconds':>8} {'peak MB':>8} {'time / tessera':>15} {'memory / tessera':>17}")
    for label, (path, _) in files.items():
        script = tempfile.NamedTemporaryFile("w", suffix=".tsr", delete=False)
        script.write(f'let t0 = clock()\nlet f = readCSV("{path}")\nlet t = clock() - t0\nprint(f.rows, f.columns.count)\nprint(t)\n')
        script.close()
        times: dict[str, list[float]] = {k: [] for k in ["tessera", *readers]}
        peaks: dict[str, list[float]] = {k: [] for k in times}
        for _ in range(a.repeats):
            t, m = measure([a.tessera, "run", script.name])
            times["tessera"].append(t); peaks["tessera"].append(m)
            for name, code in readers.items():
                py = f"{code}\nimport time\nt0 = time.perf_counter()\ndf = read({path!r})\nprint(len(df), time.perf_counter() - t0)"
                t, m = measure([sys.executable, "-c", py])
                times[name].append(t); peaks[name].append(m)
        os.unlink(script.name)
        base_t, base_m = statistics.median(times["tessera"]), statistics.median(peaks["tessera"])
        for name in times:
            t, m = statistics.median(times[name]), statistics.median(peaks[name])
            print(f"{label if name == 'tessera' else '':<20} {name:<16} {t:>8.2f} {m:>8.0f} {t / base_t:>14.2f}x {m / base_m:>16.2f}x")
    print("time / tessera and memory / tessera above 1: Tessera is faster / uses less")


if __name__ == "__main__":
    main()
