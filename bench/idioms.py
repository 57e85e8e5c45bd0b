#!/usr/bin/env python3
"""Everyday idioms against CPython, side by side in one run (standard library only).

The suite of spine.py is whole programs; this is the one-liners that data munging is made
of, each written as a Swift user and a Python user would write it: sorting (plain, by a
Dict's values, by two keys, Tuples), loops over enumerated(), zip() and a Dict's pairs,
zip(...).map, parsing Ints, splitting and joining a CSV line, a `while i < xs.count` loop,
Array equality, Sets, contains, reduce(0, +), min(by:), building and counting into Dicts,
and a filter over Strings. Both programs build the same data (10^6 scattered Ints, their Strings, a Dict
of 300,000 entries), time each idiom with clock() / perf_counter(), and print its result,
which must agree. Medians of --repeats runs, the two sides interleaved; the ratio is
CPython's time over Tessera's (above 1: Tessera is faster).

Usage: python3 bench/idioms.py --tessera .build/release/tessera [--repeats 5]
"""
import argparse, os, statistics, subprocess, sys, tempfile

from machine import describe
from tessera_script import run_tessera

SETUP_TSR = """
let n = 1_000_000
let xs = (0..<n).map { ($0 * 7919) % 1_000_003 }
let ys = xs.map { $0 * 2 }
let copy = xs.map { $0 }
let strs = xs.map { String($0) }
let line = strs.joined(separator: ",")
let pairs = xs.prefix(300_000).map { ($0 % 100, $0) }
var d = [String: Int]()
for i in 0..<300_000 { d["k\\(i)"] = (i * 7919) % 300_007 }
func t(_ name, _ f) {
    let t0 = clock()
    let r = f()
    print(name, clock() - t0, r)
}
"""

SETUP_PY = """
import time
n = 1_000_000
xs = [(i * 7919) % 1_000_003 for i in range(n)]
ys = [x * 2 for x in xs]
copy = [x for x in xs]
strs = [str(x) for x in xs]
line = ",".join(strs)
pairs = [(x % 100, x) for x in xs[:300_000]]
d = {}
for i in range(300_000): d[f"k{i}"] = (i * 7919) % 300_007
def t(name, f):
    t0 = time.perf_counter()
    r = f()
    print(name, time.perf_counter() - t0, r)
"""

# (name, Tessera body, Python body): each body computes an Int.
IDIOMS = [
    ("sorted", "xs.sorted()[n / 2]", "sorted(xs)[n // 2]"),
    ("sorted_by_value", "d.sorted { $0.value > $1.value }[0].value",
     "sorted(d.items(), key=lambda kv: kv[1], reverse=True)[0][1]"),
    ("for_enumerated", "var s = 0\nfor (i, x) in xs.enumerated() { s += i + x }\nreturn s",
     "s = 0\nfor i, x in enumerate(xs): s += i + x\nreturn s"),
    ("for_zip", "var s = 0\nfor (a, b) in zip(xs, ys) { s += a * b }\nreturn s",
     "s = 0\nfor a, b in zip(xs, ys): s += a * b\nreturn s"),
    ("for_dict_pairs", "var s = 0\nfor (k, v) in d { s += v }\nreturn s",
     "s = 0\nfor k, v in d.items(): s += v\nreturn s"),
    ("zip_map", "zip(xs, ys).map { $0 * $1 }.last!", "[a * b for a, b in zip(xs, ys)][-1]"),
    ("parse_ints", "strs.map { Int($0)! }.last!", "[int(s) for s in strs][-1]"),
    ("split", "line.split(separator: \",\").count", "len(line.split(\",\"))"),
    ("join", "strs.joined(separator: \",\").count", "len(\",\".join(strs))"),
    ("while_count", "var i = 0\nvar s = 0\nwhile i < xs.count { s += xs[i]; i += 1 }\nreturn s",
     "i = 0\ns = 0\nwhile i < len(xs):\n    s += xs[i]\n    i += 1\nreturn s"),
    ("equal", "xs == copy ? 1 : 0", "1 if xs == copy else 0"),
    ("set", "Set(xs).count", "len(set(xs))"),
    ("contains", "xs.contains(-1) ? 1 : 0", "1 if -1 in xs else 0"),
    ("reduce_sum", "xs.reduce(0, +)", "sum(xs)"),
    ("min_by_count", "strs.min { $0.count < $1.count }!.count", "len(min(strs, key=len))"),
    ("sort_two_keys", "pairs.sorted { $0.0 < $1.0 || ($0.0 == $1.0 && $0.1 > $1.1) }[0].1",
     "sorted(pairs, key=lambda p: (p[0], -p[1]))[0][1]"),
    ("sorted_tuples", "pairs.sorted()[1].1", "sorted(pairs)[1][1]"),
    ("dict_build", "var c = [Int: Int]()\nfor x in xs { c[x] = x }\nreturn c.count",
     "c = {}\nfor x in xs: c[x] = x\nreturn len(c)"),
    ("filter_prefix", "strs.filter { $0.hasPrefix(\"12\") }.count", "len([s for s in strs if s.startswith(\"12\")])"),
    ("count_by_prefix", "var c = [String: Int]()\nfor s in strs { c[String(s.prefix(2)), default: 0] += 1 }\nreturn c.count",
     "c = {}\nfor s in strs:\n    k = s[:2]\n    c[k] = c.get(k, 0) + 1\nreturn len(c)"),
]


def tessera_program():
    out = [SETUP_TSR]
    for name, body, _ in IDIOMS:
        out.append(f'func idiom_{name}() {{\n{body if "return" in body else "return " + body}\n}}\nt("{name}", idiom_{name})')
    return "\n".join(out) + "\n"


def python_program():
    out = [SETUP_PY]
    for name, _, body in IDIOMS:
        lines = body.split("\n") if "return" in body else [f"return {body}"]
        out.append(f"def idiom_{name}():\n" + "\n".join("    " + l for l in lines) + f"\nt({name!r}, idiom_{name})")
    return "\n".join(out) + "\n"


def parse(text):
    times, results = {}, {}
    for line in text.splitlines():
        name, seconds, result = line.split()
        times[name], results[name] = float(seconds), result
    return times, results


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--tessera", required=True)
    ap.add_argument("--repeats", type=int, default=5)
    args = ap.parse_args()
    print(describe())
    tsr, py = tessera_program(), python_program()
    with tempfile.NamedTemporaryFile("w", suffix=".py", delete=False) as f:
        f.write(py)
    ours, theirs = {n: [] for n, _, _ in IDIOMS}, {n: [] for n, _, _ in IDIOMS}
    try:
        for _ in range(args.repeats):
            t_times, t_results = parse(run_tessera(args.tessera, tsr))
            out = subprocess.run([sys.executable, f.name], capture_output=True, text=True, check=True).stdout
            p_times, p_results = parse(out)
            for name, _, _ in IDIOMS:
                if t_results[name] != p_results[name]:
                    raise SystemExit(f"{name}: Tessera gave {t_results[name]}, Python {p_results[name]}")
                ours[name].append(t_times[name])
                theirs[name].append(p_times[name])
    finally:
        os.unlink(f.name)
    print(f"{'idiom':18} {'tessera ms':>11} {'python3 ms':>11} {'ratio':>7}")
    ratios = []
    for name, _, _ in IDIOMS:
        a, b = statistics.median(ours[name]), statistics.median(theirs[name])
        ratios.append(b / a)
        print(f"{name:18} {a * 1000:11.1f} {b * 1000:11.1f} {b / a:7.2f}")
    print(f"geometric mean of the ratios: {statistics.geometric_mean(ratios):.2f}")


if __name__ == "__main__":
    main()
