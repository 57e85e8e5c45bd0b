#!/usr/bin/env python3
"""writeCSV against pandas.DataFrame.to_csv and polars' write_csv, side by side in one run,
on the mixed 1M rows x 20 columns file of bench/read_csv.py (floats with missing values,
ints, categories, booleans, ids, dates). Each side reads the file first (not timed), then
writes it; the time is the write alone, measured inside the process; the memory is the
process's peak RSS (GNU time's %M), which includes the frame in memory. Medians of
--repeats, interleaved, with the disk synced before each writer (writeCSV flushes its file
before renaming it into place; pandas and polars leave theirs to the kernel, and a writer
must not wait on the previous one's data); each side's output is checked to hold every row.

Usage: .venv/bin/python bench/write_csv.py --tessera .build/release/tessera
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile

from machine import describe
from read_csv import DATA, measure, mixed


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--tessera", default=".build/release/tessera")
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--rows", type=int, default=1_000_000)
    a = ap.parse_args()
    if not os.path.exists("/usr/bin/time"):
        sys.exit("bench/write_csv.py measures peak memory with GNU time: apt-get install time")
    os.makedirs(DATA, exist_ok=True)
    src = os.path.join(DATA, f"mixed-{a.rows}.csv")
    if not os.path.exists(src):
        print(f"generating {src} ...", file=sys.stderr)
        mixed(src + ".tmp", a.rows)
        os.replace(src + ".tmp", src)
    import pandas as pd
    import polars as pl
    print(describe(), f"; pandas {pd.__version__}, polars {pl.__version__}")
    out = tempfile.mkdtemp(prefix="tessera-write-")
    script = os.path.join(out, "write.tsr")
    with open(script, "w") as f:
        f.write(f'let f = readCSV("{src}")\nlet t0 = clock()\nf.writeCSV("{out}/tessera.csv")\nprint(f.rows, clock() - t0)\n')
    writers = {
        "tessera": [a.tessera, "run", script],
        "pandas": [sys.executable, "-c", f"import time, pandas as pd\ndf = pd.read_csv({src!r})\nt0 = time.perf_counter()\n"
                                         f"df.to_csv({out + '/pandas.csv'!r}, index=False)\nprint(len(df), time.perf_counter() - t0)"],
        "polars": [sys.executable, "-c", f"import time, polars as pl\ndf = pl.read_csv({src!r}, infer_schema_length=10000)\nt0 = time.perf_counter()\n"
                                         f"df.write_csv({out + '/polars.csv'!r})\nprint(len(df), time.perf_counter() - t0)"],
    }
    times: dict[str, list[float]] = {k: [] for k in writers}
    peaks: dict[str, list[float]] = {k: [] for k in writers}
    for r in range(a.repeats):
        order = list(writers) if r % 2 == 0 else list(writers)[::-1]
        for name in order:
            # The disk starts idle for each writer: none waits on another's data still being
            # written back (writeCSV flushes its file before the rename; pandas and polars do not).
            os.sync()
            t, m = measure(writers[name])
            times[name].append(t); peaks[name].append(m)
    for name in writers:
        with open(os.path.join(out, f"{name}.csv"), "rb") as f:
            lines = sum(1 for _ in f)
        assert lines == a.rows + 1, (name, lines)
    base_t, base_m = statistics.median(times["tessera"]), statistics.median(peaks["tessera"])
    print(f"{'writer':<10} {'seconds':>8} {'peak MB':>8} {'MB written':>11} {'time / tessera':>15} {'memory / tessera':>17}")
    for name in writers:
        t, m = statistics.median(times[name]), statistics.median(peaks[name])
        size = os.path.getsize(os.path.join(out, f"{name}.csv")) / 1e6
        print(f"{name:<10} {t:>8.2f} {m:>8.0f} {size:>11.0f} {t / base_t:>14.2f}x {m / base_m:>16.2f}x")
    print("time / tessera and memory / tessera above 1: Tessera is faster / uses less")
    for name in writers:
        os.unlink(os.path.join(out, f"{name}.csv"))


if __name__ == "__main__":
    main()
