#!/usr/bin/env python3
"""Spine benchmarks, side by side in one run (standard library only).

1. The stdio round-trip of a trivial cell (`1+1`, execute_request sent to status idle
   received) through `tessera kernel --stdio`, read by a client one byte per read(2)
   (the figure's historical form) and by a buffered one: median and p99 over 3 x 1000 cells,
   alternated with a floor: a process that replays the kernel's recorded reply, the same
   bytes, computing nothing, timed by the same client. The difference of the medians is
   the kernel's own share; the floor is the pipe's, the scheduler's and the client's.
2. The interpreter against `python3` on the same programs (bench/scripts/*.tsr|.py), a
   small suite in the spirit of pyperformance, each the same algorithm on both sides:
   a 10^6-iteration arithmetic loop at top level and inside a function, fib(25), appends
   to Arrays held in a variable, a Dict and a nested Array, nbody, spectral norm,
   fannkuch(8), a dict-heavy word count, string building, a per-row closure over 10^6
   rows (a cost matrix's), and Richards-style dispatch through Dicts of closures.
   Each program times itself (clock() / perf_counter()), excluding start-up, and prints
   its result first: the two sides' results must agree. Medians of --repeats runs,
   interleaved so load hits both sides alike; the geometric mean of the ratios last.

Usage: python3 bench/spine.py --tessera .build/release/tessera
"""
import argparse, json, os, statistics, subprocess, sys, time

from machine import describe

HERE = os.path.dirname(os.path.abspath(__file__))


def roundtrip(cmd, cells, env=None, buffered=False):
    """Sorted seconds from sending a trivial cell to reading its idle status, per cell.

    Unbuffered, the client reads the kernel's stdout one byte per read(2), as `readline`
    does on a raw pipe: the figure's historical form, and a naive client's cost (most of
    the figure: see REPLAY). Buffered, it reads as jupyter_client or any line reader does."""
    p = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, bufsize=-1 if buffered else 0, env=env)
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
        p.stdin.flush()
        until_idle(msg_id)
        if i >= 20:  # the first cells warm up
            times.append(time.perf_counter() - t0)
    p.stdin.close()
    p.wait()
    return sorted(times)


# A stand-in kernel that computes nothing: it answers each line with the kernel's own
# recorded reply to `1+1`, the same bytes, one write(2) a message as the kernel writes
# them. Timed by the same client, it is the floor under the kernel's figure: the pipe,
# the scheduler and the client's own reading, which no kernel can go below.
REPLAY = r"""
import json, os, sys
recorded = [l.encode() + b"\n" for l in os.environ["TESSERA_REPLAY"].split("\n")]
for line in sys.stdin.buffer:
    parent = json.dumps(json.loads(line)["msg_id"]).encode()
    for l in recorded:
        os.write(1, l.replace(b'"parent_id":"rec"', b'"parent_id":' + parent))
"""


def recorded_reply(binary):
    """The kernel's messages for one `1+1` cell, as it writes them."""
    request = json.dumps({"msg_id": "rec", "msg_type": "execute_request", "content": {"code": "1+1"}}) + "\n"
    p = subprocess.Popen([binary, "kernel", "--stdio"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    p.stdin.write(request)
    p.stdin.flush()
    lines = []
    while True:
        line = p.stdout.readline().rstrip("\n")
        lines.append(line)
        m = json.loads(line)
        if m["msg_type"] == "status" and m["content"]["execution_state"] == "idle":
            break
    p.stdin.close()
    p.wait()
    return "\n".join(lines)


def median_p99(times):
    return statistics.median(times), times[int(len(times) * 0.99) - 1]


def roundtrip_against_floor(binary, cells, buffered, reply, rounds=3):
    """The kernel and its floor (replaying `reply`) alternated `rounds` times, `cells` cells each."""
    env = dict(os.environ, TESSERA_REPLAY=reply)
    ours, floor = [], []
    for _ in range(rounds):
        ours += roundtrip([binary, "kernel", "--stdio"], cells, buffered=buffered)
        floor += roundtrip([sys.executable, "-c", REPLAY], cells, env, buffered=buffered)
    return sorted(ours), sorted(floor)


PROGRAMS = ["loop", "loop_func", "fib", "append", "nbody", "spectral_norm", "fannkuch", "word_count",
            "string_build", "row_closure", "dispatch"]


def timed(cmd):
    """(the program's result, its seconds): the last field of its output is the time."""
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout.split()
    return " ".join(out[:-1]), float(out[-1])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--tessera", default=".build/release/tessera")
    ap.add_argument("--python", default=sys.executable)
    ap.add_argument("--cells", type=int, default=1000)
    ap.add_argument("--repeats", type=int, default=7)
    ap.add_argument("--skip-roundtrip", action="store_true", help="only the interpreter suite")
    ap.add_argument("programs", nargs="*", help=f"some of {', '.join(PROGRAMS)} (all when none)")
    a = ap.parse_args()

    print(describe())
    if not a.skip_roundtrip:
        print(f"\nstdio round-trip, trivial cell 1+1, {a.cells} cells x 3, alternated with the floor")
        reply = recorded_reply(a.tessera)
        for buffered, client in [(False, "a client reading one byte per read(2)"), (True, "a buffered client")]:
            ours, floor = roundtrip_against_floor(a.tessera, a.cells, buffered, reply)
            (med, p99), (fmed, fp99) = median_p99(ours), median_p99(floor)
            print(f"  {client}:")
            print(f"    tessera kernel --stdio   median {med * 1e3:.3f} ms   p99 {p99 * 1e3:.3f} ms")
            print(f"    floor (replayed reply)   median {fmed * 1e3:.3f} ms   p99 {fp99 * 1e3:.3f} ms")
            print(f"    the kernel's own share   median {(med - fmed) * 1e3:.3f} ms")
        print("  (anchor, not in this run: ipykernel 7.4 over ZeroMQ, median 17 ms, p99 32 ms)")

    print(f"\ninterpreter vs python3, median of {a.repeats} runs (seconds; ratio = python / tessera, >1 means Tessera is faster)")
    print(f"  {'program':<14} {'tessera':>10} {'python3':>10} {'ratio':>7}")
    ratios = []
    for name in a.programs or PROGRAMS:
        ts, ps = [], []
        for _ in range(a.repeats):
            ours, t = timed([a.tessera, "run", os.path.join(HERE, "scripts", name + ".tsr")])
            theirs, p = timed([a.python, os.path.join(HERE, "scripts", name + ".py")])
            if ours != theirs:
                raise SystemExit(f"{name}: the results differ: tessera {ours!r}, python {theirs!r}")
            ts.append(t)
            ps.append(p)
        t, p = statistics.median(ts), statistics.median(ps)
        ratios.append(p / t)
        print(f"  {name:<14} {t:>10.4f} {p:>10.4f} {p / t:>7.2f}", flush=True)
    print(f"  {'geometric mean':<36} {statistics.geometric_mean(ratios):>7.2f}")


if __name__ == "__main__":
    main()
