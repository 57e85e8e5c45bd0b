"""The tuner against the best open tuners: Tessera's .bayes on the six test functions of
../shared/bench/hpo_anchors.py (same functions, bounds, budgets, seeds 0-14), its median
final regret beside each anchor's (measured here, ../shared/bench/anchors/hpo-results.json),
and its process CPU time per suggestion beside theirs.

    .venv/bin/python bench/hpo.py --tessera .build/release/tessera [--seeds 0-14] [--workers 2]

Regret does not depend on the machine; CPU time does (the anchors ran on a machine like this
one). Tessera runs with its default settings: no thread setting, so OpenBLAS uses one
thread for the Gaussian process's small factorisations, as it would in a notebook."""
import argparse
import json
import pathlib
import statistics
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor

sys.path.insert(0, str(pathlib.Path(__file__).parent))
import machine  # noqa: E402

ROOT = pathlib.Path(__file__).resolve().parent.parent
ANCHORS = ROOT.parent / "shared" / "bench" / "anchors" / "hpo-results.json"
FUNCTIONS = ["branin", "hartmann3", "hartmann6", "rosenbrock4", "ackley5", "styblinski4"]
NAMES = {"random": "random", "optuna_tpe_default": "Optuna TPE", "optuna_tpe_independent": "Optuna TPE (indep.)",
         "optuna_gp": "Optuna GP", "skopt_gp_minimize": "skopt GP", "hyperopt_tpe": "Hyperopt TPE"}


def run(tessera, functions, seeds):
    out = subprocess.run([tessera, "tune-bench", "--functions", ",".join(functions), "--seeds", seeds],
                         capture_output=True, text=True, check=True)
    return [json.loads(line) for line in out.stdout.splitlines() if line.strip()]


def quartiles(values):
    q = statistics.quantiles(values, n=4) if len(values) > 1 else values * 3
    return q[0], statistics.median(values), q[2]


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--tessera", required=True)
    p.add_argument("--seeds", default="0-14")
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--json", help="also write the runs (JSON Lines) here")
    args = p.parse_args()
    print(machine.describe())
    if not ANCHORS.exists():
        sys.exit(f"bench/hpo.py compares with the anchors' figures in {ANCHORS}, measured outside this repository; "
                 "that folder is not here, so there is nothing to compare with (tessera tune-bench runs Tessera's side alone)")
    anchors = json.loads(ANCHORS.read_text())
    regret = anchors["summary"]["regret"]
    start = time.perf_counter()
    groups = [FUNCTIONS[i::args.workers] for i in range(args.workers)]
    with ThreadPoolExecutor(args.workers) as pool:
        runs = [r for part in pool.map(lambda g: run(args.tessera, g, args.seeds), groups) for r in part]
    wall = time.perf_counter() - start
    if args.json:
        pathlib.Path(args.json).write_text("".join(json.dumps(r) + "\n" for r in runs))

    print(f"\nFinal regret after the budget (median [q1-q3] over {len({r['seed'] for r in runs})} seeds); best anchor = lowest anchor median")
    print(f"{'function':12s} {'budget':>6s} {'Tessera .bayes':>28s} {'best anchor':>26s} {'ratio':>7s}  rank")
    wins = 0
    for f in FUNCTIONS:
        mine = [r["regret"] for r in runs if r["func"] == f]
        if not mine:
            continue
        q1, med, q3 = quartiles(mine)
        others = {m: regret[m][f]["median"] for m in regret if f in regret[m]}
        best_name = min(others, key=others.get)
        rank = 1 + sum(1 for v in others.values() if v < med)
        wins += rank == 1
        budget = anchors["functions"][f]["budget"]
        print(f"{f:12s} {budget:6d} {med:10.3g} [{q1:.2g}-{q3:.2g}]".ljust(50) +
              f"{NAMES[best_name] + ' ' + format(others[best_name], '.3g'):>26s} {med / others[best_name]:7.2g}  {rank} of {len(others) + 1}")
    print(f"best of all methods on {wins} of {len(FUNCTIONS)} functions")

    print("\nCPU ms per suggestion with n observations told (mean; 4-6-D functions for n = 20/50/80, 2-3-D for n = 20/40)")
    over = anchors["summary"]["overhead"]
    high = [r for r in runs if r["func"] in ("hartmann6", "rosenbrock4", "ackley5", "styblinski4")]
    low = [r for r in runs if r["func"] in ("branin", "hartmann3")]

    def mean(rows, key):
        values = [r[key] for r in rows if r.get(key) is not None]
        return statistics.mean(values) if values else float("nan")
    cols = [("n20_d4-6", high, "cpu_ms_20"), ("n50_d4-6", high, "cpu_ms_50"), ("n80_d4-6", high, "cpu_ms_80"),
            ("n20_d2-3", low, "cpu_ms_20"), ("n40_d2-3", low, "cpu_ms_40")]
    print(f"{'method':22s}" + "".join(f"{c[0]:>11s}" for c in cols))
    print(f"{'Tessera .bayes':22s}" + "".join(f"{mean(rows, key):11.1f}" for _, rows, key in cols))
    for m in ["optuna_gp", "skopt_gp_minimize", "optuna_tpe_default", "hyperopt_tpe"]:
        print(f"{NAMES[m]:22s}" + "".join(f"{over[m][c]['mean_cpu_s'] * 1000:11.1f}" for c, _, _ in cols))
    six = [r["cpu_ms_80"] for r in runs if r["func"] == "hartmann6" and r.get("cpu_ms_80") is not None]
    if six:
        print(f"\nHartmann-6 at 80 observations: median {statistics.median(six):.1f} ms CPU per suggestion "
              f"(Optuna GP {over['optuna_gp']['n80_d4-6']['mean_cpu_s'] * 1000:.0f} ms, skopt {over['skopt_gp_minimize']['n80_d4-6']['mean_cpu_s'] * 1000:.0f} ms)")
    print(f"wall {wall:.0f} s for {len(runs)} runs")


if __name__ == "__main__":
    main()
