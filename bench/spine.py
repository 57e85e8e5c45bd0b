#!/usr/bin/env python3
"""Spine benchmarks, side by side in one run (standard library only).

1. The stdio round-trip of a trivial cell (`1+1`, execute_request sent to status idle
   received) through `tessera kernel --stdio`: median and p99 over 1000 cells.
2. The interpreter against `python3` on the same programs (bench/scripts/*.tsr|.py):
   a 10^6-iteration arithmetic loop at top level and inside a function, fib(25), and
   3 x 10^5 appends to Arrays held in a variable, a Dict and a nested Array.
   Each program times itself (clock() / perf_counter()), excluding start-up; medians of
   --repeats runs, interleaved so load hits both sides alike.

Usage: python3 bench/spine.py --tessera .build/release/tessera
"""
import argparse, json, os, statistics, subprocess, sys, time

from machine import describe

HERE = os.path.dirname(os.path.abspath(__file__))


def roundtrip(binary, cells):
    p = subprocess.Popen([binary, "kernel", "--stdio"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, bufsize=0)
    times = []

    def until_idle(msg_id):
        while True:
            line = p.stdout.readline()
            if not line:
                raise RuntimeError("kernel closed its output")
            m = json.loads(line)
            if m.get("parent_id") == msg_id and m["msg_type"] == "status" and m["content"]["execution_state"] == "idle":
                return

    for i in range(cells + 20):
        msg_id = f"r{i}"
        line = json.dumps({"msg_id": msg_id, "msg_type": "execute_request", "content": {"code": "1+1"}}) + "\n"
        t0 = time.perf_counter()
        p.stdin.write(line.encode())
        until_idle(msg_id)
        if i >= 20:  # the first cells warm up
            times.append(time.perf_counter() - t0)
    p.stdin.close()
    p.wait()
    times.sort()
    return statistics.median(times), times[int(len(times) * 0.99) - 1]


def timed(cmd):
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout.split()
    return float(out[-1])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--tessera", default=".build/release/tessera")
    ap.add_argument("--python", default=sys.executable)
    ap.add_argument("--cells", type=int, default=1000)
    ap.add_argument("--repeats", type=int, default=7)
    a = ap.parse_args()

    print(describe())
    med, p99 = roundtrip(a.tessera, a.cells)
    print(f"\nstdio round-trip, trivial cell 1+1, {a.cells} cells")
    print(f"  tessera kernel --stdio   median {med * 1e3:.3f} ms   p99 {p99 * 1e3:.3f} ms")
    print("  (anchor, not in this run: ipykernel 7.4 over ZeroMQ, median 17 ms, p99 32 ms: shared/bench/README.md)")

    print(f"\ninterpreter vs python3, median of {a.repeats} runs (seconds; ratio = python / tessera, >1 means Tessera is faster)")
    print(f"  {'program':<12} {'tessera':>10} {'python3':>10} {'ratio':>7}")
    for name in ["loop", "loop_func", "fib", "append"]:
        ts, ps = [], []
        for _ in range(a.repeats):
            ts.append(timed([a.tessera, "run", os.path.join(HERE, "scripts", name + ".tsr")]))
            ps.append(timed([a.python, os.path.join(HERE, "scripts", name + ".py")]))
        t, p = statistics.median(ts), statistics.median(ps)
        print(f"  {name:<12} {t:>10.4f} {p:>10.4f} {p / t:>7.2f}")


if __name__ == "__main__":
    main()
