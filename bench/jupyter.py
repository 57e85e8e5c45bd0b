#!/usr/bin/env python3
"""Tessera's Jupyter kernel against ipykernel, side by side in one run, both driven by
the same jupyter_client over ZeroMQ (the way JupyterLab and nbclient drive them).

1. Cold start: KernelManager.start_kernel() to the kernel_info_reply on shell (median of
   --starts), twice: with jupyter_client's defaults, where a client that connects before
   the kernel has bound its ports retries only every 100 ms (ZMQ_RECONNECT_IVL), so the
   figure is the kernel's start rounded up to the client's next retry; and with a client
   that retries every 2 ms, which measures the kernel's own start.
2. Round trip: execute_request `1+1` sent to its `status: idle` on iopub, median and p99
   over --cells cells (after 20 warm-up cells), the two kernels in interleaved blocks.
3. A 20-cell notebook through nbclient, kernel start and shutdown included (median of --notebooks).
4. Interrupt: SIGINT (interrupt_mode "signal", as JupyterLab's stop button) sent during a
   busy loop, to the execute_reply that reports it (median of --interrupts).

Ratios are ipykernel / Tessera: above 1 means Tessera is faster. Targets from issue 3:
cold start >= 5, round-trip median and p99 >= 4.

Usage: .venv/bin/python bench/jupyter.py --tessera .build/release/tessera
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

import nbclient
import nbformat
from machine import describe
import zmq
from jupyter_client.manager import KernelManager

KERNELS = {
    "tessera": {"loop": "var spins = 0\nwhile true { spins += 1 }",
                "cell": lambda i: f"let x{i} = {i} * 2\nx{i} + 1"},
    "python3": {"loop": "spins = 0\nwhile True:\n    spins += 1",
                "cell": lambda i: f"x{i} = {i} * 2\nx{i} + 1"},
}


def start(name: str, reconnect_ms: int | None = None):
    km = KernelManager(kernel_name=name)
    if reconnect_ms is not None:
        km.context.setsockopt(zmq.RECONNECT_IVL, reconnect_ms)  # default for the client's sockets
    km.start_kernel(stderr=subprocess.DEVNULL)
    kc = km.client()
    kc.start_channels()
    return km, kc


def cold_start(name: str, reconnect_ms: int | None) -> float:
    t0 = time.perf_counter()
    km, kc = start(name, reconnect_ms)
    msg_id = kc.kernel_info()
    while True:
        reply = kc.get_shell_msg(timeout=60)
        if reply["parent_header"].get("msg_id") == msg_id:
            break
    elapsed = time.perf_counter() - t0
    kc.stop_channels()
    km.shutdown_kernel(now=True)
    return elapsed


def until_idle(kc, msg_id: str) -> None:
    while True:
        msg = kc.get_iopub_msg(timeout=60)
        if (msg["parent_header"].get("msg_id") == msg_id and msg["msg_type"] == "status"
                and msg["content"]["execution_state"] == "idle"):
            return


def roundtrips(kc, n: int) -> list[float]:
    times = []
    for _ in range(n):
        t0 = time.perf_counter()
        msg_id = kc.execute("1+1")
        until_idle(kc, msg_id)
        times.append(time.perf_counter() - t0)
        kc.get_shell_msg(timeout=60)
    return times


def ready(kc) -> None:
    kc.wait_for_ready(timeout=60)
    while True:  # drop what start-up left on iopub
        try:
            kc.get_iopub_msg(timeout=0.2)
        except Exception:
            return


def notebook(name: str) -> float:
    lang = KERNELS[name]
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(lang["cell"](i)) for i in range(20)])
    t0 = time.perf_counter()
    nbclient.NotebookClient(nb, timeout=120, kernel_name=name).execute()
    return time.perf_counter() - t0


def interrupt(km, kc, name: str) -> float:
    msg_id = kc.execute(KERNELS[name]["loop"])
    time.sleep(0.3)
    t0 = time.perf_counter()
    km.interrupt_kernel()
    while True:
        reply = kc.get_shell_msg(timeout=60)
        if reply["parent_header"].get("msg_id") == msg_id:
            break
    elapsed = time.perf_counter() - t0
    until_idle(kc, msg_id)
    assert reply["content"]["status"] == "error", reply["content"]
    return elapsed


def p99(xs: list[float]) -> float:
    xs = sorted(xs)
    return xs[max(0, int(len(xs) * 0.99) - 1)]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--tessera", default=".build/release/tessera")
    ap.add_argument("--starts", type=int, default=10)
    ap.add_argument("--cells", type=int, default=300)
    ap.add_argument("--notebooks", type=int, default=5)
    ap.add_argument("--interrupts", type=int, default=5)
    a = ap.parse_args()

    tmp = tempfile.mkdtemp(prefix="tessera-bench-")
    try:
        subprocess.run([a.tessera, "install-kernel", "--prefix", tmp], check=True, capture_output=True)
        os.environ["JUPYTER_PATH"] = os.path.join(tmp, "share", "jupyter")
        import ipykernel
        print(f"{describe()}; ipykernel {ipykernel.__version__}")
        print(f"tessera: {a.tessera}\n")
        names = ["python3", "tessera"]
        rows = []

        for reconnect, label in ((None, "default client, 100 ms retry"), (2, "client retrying every 2 ms")):
            starts = {n: [] for n in names}
            for _ in range(a.starts):
                for n in names:
                    starts[n].append(cold_start(n, reconnect))
            rows.append((f"cold start to kernel_info_reply ({label}), median", {n: statistics.median(starts[n]) for n in names}, 5))

        clients = {n: start(n) for n in names}
        for n in names:
            ready(clients[n][1])
            roundtrips(clients[n][1], 20)
        rt = {n: [] for n in names}
        for _ in range(a.cells // 50):
            for n in names:
                rt[n] += roundtrips(clients[n][1], 50)
        rows.append((f"1+1 execute to idle, median of {len(rt['tessera'])}", {n: statistics.median(rt[n]) for n in names}, 4))
        rows.append((f"1+1 execute to idle, p99 of {len(rt['tessera'])}", {n: p99(rt[n]) for n in names}, 4))

        ints = {n: [] for n in names}
        for _ in range(a.interrupts):
            for n in names:
                ints[n].append(interrupt(*clients[n], n))
        rows.append(("SIGINT to interrupted execute_reply, median", {n: statistics.median(ints[n]) for n in names}, None))
        for km, kc in clients.values():
            kc.stop_channels()
            km.shutdown_kernel(now=True)

        nbs = {n: [] for n in names}
        for _ in range(a.notebooks):
            for n in names:
                nbs[n].append(notebook(n))
        rows.append(("20-cell notebook via nbclient (with start), median", {n: statistics.median(nbs[n]) for n in names}, None))

        print(f"{'measure':<72} {'ipykernel':>11} {'tessera':>11} {'ratio':>7}  target")
        for label, v, target in rows:
            ratio = v["python3"] / v["tessera"]
            verdict = f">= {target}: {'met' if ratio >= target else 'MISSED'}" if target else ""
            print(f"{label:<72} {v['python3'] * 1e3:>8.2f} ms {v['tessera'] * 1e3:>8.2f} ms {ratio:>7.1f}  {verdict}")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
