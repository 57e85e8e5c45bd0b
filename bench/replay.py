#!/usr/bin/env python3
"""Headless replay of a 20-cell notebook, side by side in one run:
`tessera run NB.ipynb -o OUT` against `jupyter nbconvert --to notebook --execute` on the
Tessera kernel-spec (nbconvert drives the kernel over ZeroMQ through nbclient). Both
are whole commands, start-up included, timed from outside; medians of --repeats,
interleaved. Ratio = nbconvert / tessera run (above 1: tessera run is faster).

Usage: .venv/bin/python bench/replay.py --tessera .build/release/tessera
"""
from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

import nbformat
from machine import describe
from nbformat.v4 import new_code_cell, new_notebook


def timed(cmd: list[str], env: dict) -> float:
    t0 = time.perf_counter()
    subprocess.run(cmd, check=True, capture_output=True, env=env)
    return time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--tessera", default=".build/release/tessera")
    ap.add_argument("--repeats", type=int, default=5)
    a = ap.parse_args()
    tessera = os.path.abspath(a.tessera)
    tmp = tempfile.mkdtemp(prefix="tessera-replay-")
    try:
        subprocess.run([tessera, "install-kernel", "--prefix", tmp], check=True, capture_output=True)
        env = dict(os.environ, JUPYTER_PATH=os.path.join(tmp, "share", "jupyter"))
        cells = [new_code_cell(f"let x{i} = {i} * 2\nprint(\"cell {i}\")\nx{i} + 1") for i in range(20)]
        nb = new_notebook(cells=cells)
        nb.metadata.kernelspec = {"name": "tessera", "display_name": "Tessera", "language": "tessera"}
        path = os.path.join(tmp, "twenty.ipynb")
        nbformat.write(nb, path)
        jupyter = os.path.join(os.path.dirname(sys.executable), "jupyter")
        ours, theirs = [], []
        for _ in range(a.repeats):
            ours.append(timed([tessera, "run", path, "-o", os.path.join(tmp, "a.ipynb"), "--quiet"], env))
            theirs.append(timed([jupyter, "nbconvert", "--to", "notebook", "--execute", path,
                                 "--output", os.path.join(tmp, "b.ipynb"), "--ExecutePreprocessor.kernel_name=tessera"], env))
        for out in ("a.ipynb", "b.ipynb"):  # both wrote a valid executed notebook
            done = nbformat.read(os.path.join(tmp, out), as_version=4)
            nbformat.validate(done)
            assert done.cells[19].outputs[-1]["data"]["text/plain"] == "39"
        t, n = statistics.median(ours), statistics.median(theirs)
        print(describe())
        print(f"20-cell notebook, whole command, median of {a.repeats}")
        print(f"  tessera run NB.ipynb -o OUT                          {t * 1e3:8.1f} ms")
        print(f"  jupyter nbconvert --execute (Tessera kernel)         {n * 1e3:8.1f} ms")
        print(f"  ratio nbconvert / tessera run                        {n / t:8.1f}")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
