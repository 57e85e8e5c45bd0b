#!/usr/bin/env python3
"""Two Tessera builds side by side in one run (issue 17: no slowdown from a redesign):
the interpreter programs of bench/scripts, 600,000 calls of native functions, 20,000 calls of a model's method, a fit, metrics over 2 x 10^6 scores, a data set
made and checked, and a study, each timing itself after its setup. The builds alternate
which runs first; medians of --rounds runs. Ratio = new / old seconds: below 1, the new
build is faster.

Usage: python3 bench/compare.py --old OLD_BINARY --new .build/release/tessera [--rounds 7]
(build the old one from an earlier commit: git worktree add /tmp/old COMMIT && swift build -c release there)
"""
import argparse
import os
import statistics

from tessera_script import run_tessera

HERE = os.path.dirname(os.path.abspath(__file__))

# name -> program; the last line it prints ends with the seconds it measured.
PROGRAMS = {name: open(os.path.join(HERE, "scripts", name + ".tsr")).read() for name in ["loop", "loop_func", "fib", "append"]}
PROGRAMS |= {
    "calls": """var s = 0.0
let t0 = clock()
for i in 0..<300000 { s += sqrt(Double(i)) + abs(-1.5) }
print(s, clock() - t0)
""",
    "member": """let m = Sequential([Dense(2)], inputShape: [3], seed: 1)
let x = randn([1, 3], seed: 1)
let t0 = clock()
for i in 0..<20000 { let y = m.predict(x) }
print("x", clock() - t0)
""",
    "fit": """let x = randn([8192, 784], seed: 1)
let y = tensor((0..<8192).map { $0 % 10 })
threads(2)
let t0 = clock()
Sequential([Dense(256, activation: .relu), Dense(128, activation: .relu), Dense(10)], seed: 1).fit(x, y, epochs: 1, seed: 1)
print("x", clock() - t0)
""",
    "metrics": """let y = (0..<2000000).map { $0 % 3 == 0 ? 1 : 0 }
let s = (0..<2000000).map { Double(($0 * 7919) % 1000003) / 1000003.0 }
let t0 = clock()
let a = rocAUC(y, s)
let p = prAUC(y, s)
print("x", clock() - t0)
""",
    "data": """let t0 = clock()
let d = dataset("fraud", rows: 100000, seed: 1)
let r = d.check(target: "label")
print("x", clock() - t0)
""",
    "tune": """let space = ["a": uniform(0, 1), "b": uniform(0, 1), "c": uniform(0, 1), "d": uniform(0, 1), "e": uniform(0, 1), "f": uniform(0, 1)]
let t0 = clock()
tune(space, objective: Objective("loss", .minimize), budget: 60) { p, t in ["loss": (p.a - 0.2) * (p.a - 0.2) + (p.b - 0.4) * (p.b - 0.4) + p.c * p.d + p.e - p.f] }
print("x", clock() - t0)
""",
}


def seconds(binary: str, program: str) -> float:
    out = run_tessera(binary, program)
    return float([line for line in out.splitlines() if line.strip()][-1].split()[-1])


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--old", required=True)
    ap.add_argument("--new", default=".build/release/tessera")
    ap.add_argument("--rounds", type=int, default=7)
    ap.add_argument("--programs", nargs="+", default=list(PROGRAMS))
    a = ap.parse_args()
    times = {p: {"old": [], "new": []} for p in a.programs}
    for r in range(a.rounds):
        for p in a.programs:
            order = [("old", a.old), ("new", a.new)]
            for side, binary in order if r % 2 == 0 else order[::-1]:
                times[p][side].append(seconds(binary, PROGRAMS[p]))
    print(f"median of {a.rounds} runs each, seconds; ratio = new / old (below 1: the new build is faster)")
    print(f"  {'program':<10} {'old':>8} {'new':>8} {'ratio':>6}")
    for p in a.programs:
        old, new = statistics.median(times[p]["old"]), statistics.median(times[p]["new"])
        print(f"  {p:<10} {old:8.4f} {new:8.4f} {new / old:6.2f}")


if __name__ == "__main__":
    main()
