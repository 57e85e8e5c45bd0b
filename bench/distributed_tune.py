"""A study shared by many workers through PostgreSQL: Tessera's `tessera worker` processes
against Optuna's RDBStorage on the same private server, with 1, 2, 4, 8 and 16 workers,
in one run.

    .venv/bin/python bench/distributed_tune.py --tessera .build/release/tessera \
        [--workers 1,2,4,8,16] [--trials-per-worker 25] [--seconds 0.1] [--repeats 3] [--sampler random]

The objective is synthetic: it sleeps `--seconds` (100 ms) and returns a quadratic, so what
is measured is the coordination alone. Both sides use their default settings and the same
sampler kind (`--sampler random`: Tessera's .random and Optuna's RandomSampler, so the
sampler's own cost is nil on both sides; `--sampler default`: Tessera's .bayes and Optuna's
TPE). Each worker records, inside the objective, when it starts and ends and the gap since
its previous objective ended: the gap is the coordination overhead per trial (the tell of
one trial and the claim of the next: storage round trips, locks, the suggestion).

Throughput is measured in the steady state: from the moment every worker has started its
first trial to the moment the first worker runs out of trials, finished trials per second;
efficiency is that throughput over the linear ideal (workers / seconds per trial).
"""
import argparse
import json
import os
import pathlib
import statistics
import subprocess
import sys
import tempfile
import time
import uuid

sys.path.insert(0, str(pathlib.Path(__file__).parent))
import machine  # noqa: E402

ROOT = pathlib.Path(__file__).resolve().parent.parent
SERVER = ROOT / "scripts" / "postgres-server.sh"

OPTUNA_WORKER = r"""
import json, os, sys, time
import optuna
optuna.logging.set_verbosity(optuna.logging.WARNING)
url, name, per_worker, seconds, sampler, out = sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4]), sys.argv[5], sys.argv[6]
sampler = optuna.samplers.RandomSampler() if sampler == "random" else None
study = optuna.load_study(study_name=name, storage=url, sampler=sampler)
records, last = [], None
def objective(trial):
    global last
    x = trial.suggest_float("x", -2, 2)
    y = trial.suggest_float("y", -2, 2)
    start = time.monotonic()
    gap = start - last if last is not None else -1.0
    time.sleep(seconds)
    last = time.monotonic()
    records.append([start, last, gap])
    return (x - 0.5) ** 2 + (y + 0.3) ** 2
study.optimize(objective, n_trials=per_worker)
json.dump({"worker": os.getpid(), "trials": records}, open(out, "w"))
"""

TESSERA_SCRIPT = """
var last = -1.0
let s = tune(["x": uniform(-2, 2), "y": uniform(-2, 2)], objective: "loss", budget: BUDGET, method: .METHOD, parallel: 0,
             storage: "URL", name: "NAME", pruner: nil) { p, t in
    let start = clock()
    let gap = last < 0 ? -1.0 : start - last
    sleep(SECONDS)
    last = clock()
    return ["loss": (p.x - 0.5) ** 2 + (p.y + 0.3) ** 2, "gap": gap, "t_start": start, "t_end": last]
}
"""


def psql(port, sql, database="tessera"):
    bin_dir = sorted(os.listdir("/usr/lib/postgresql"))[-1]
    out = subprocess.run([f"/usr/lib/postgresql/{bin_dir}/bin/psql", "-h", "127.0.0.1", "-p", port, "-U", "postgres",
                          "-d", database, "-At", "-F", "\t", "-c", sql], capture_output=True, text=True, check=True).stdout
    return [line.split("\t") for line in out.splitlines() if line]


def run_tessera(tessera, url, port, workers, per_worker, seconds, method, folder):
    name = f"tessera-{workers}-{uuid.uuid4().hex[:6]}"
    script = pathlib.Path(folder) / f"{name}.tsr"
    script.write_text(TESSERA_SCRIPT.replace("BUDGET", str(workers * per_worker)).replace("METHOD", method)
                      .replace("URL", url).replace("NAME", name).replace("SECONDS", str(seconds)))
    session = subprocess.Popen([tessera, "run", str(script)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    procs = [subprocess.Popen([tessera, "worker", "--storage", url, "--study", name], stdout=subprocess.DEVNULL,
                              stderr=subprocess.PIPE, text=True) for _ in range(workers)]
    for p in procs + [session]:
        _, err = p.communicate(timeout=600)
        if p.returncode != 0:
            sys.exit(f"a Tessera process failed ({p.returncode}): {err}")
    rows = psql(port, f"SELECT t.worker, t.metrics FROM trials t JOIN studies s ON s.id = t.study WHERE s.name = '{name}' AND t.state = 'complete'")
    by_worker = {}
    for worker, metrics in rows:
        m = dict(json.loads(metrics))
        by_worker.setdefault(worker, []).append([m["t_start"], m["t_end"], m["gap"]])
    return list(by_worker.values())


def run_optuna(url, workers, per_worker, seconds, sampler, folder):
    import optuna
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    name = f"optuna-{workers}-{uuid.uuid4().hex[:6]}"
    sqlalchemy_url = url.replace("postgresql://", "postgresql+psycopg2://")
    optuna.create_study(study_name=name, storage=sqlalchemy_url, direction="minimize")
    outs = [pathlib.Path(folder) / f"{name}-{i}.json" for i in range(workers)]
    procs = [subprocess.Popen([sys.executable, "-c", OPTUNA_WORKER, sqlalchemy_url, name, str(per_worker), str(seconds), sampler, str(out)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True) for out in outs]
    for p in procs:
        _, err = p.communicate(timeout=600)
        if p.returncode != 0:
            sys.exit(f"an Optuna worker failed ({p.returncode}): {err}")
    return [json.loads(out.read_text())["trials"] for out in outs]


def summarize(per_worker_records, workers, seconds):
    """Steady-state throughput, its efficiency against linear, and the gaps' median and p99 (ms)."""
    t0 = max(min(r[0] for r in recs) for recs in per_worker_records)
    t1 = min(max(r[1] for r in recs) for recs in per_worker_records)
    finished = sum(1 for recs in per_worker_records for r in recs if t0 <= r[1] <= t1)
    throughput = finished / (t1 - t0) if t1 > t0 else float("nan")
    gaps = sorted(r[2] * 1000 for recs in per_worker_records for r in recs if r[2] >= 0)
    p99 = gaps[min(len(gaps) - 1, int(round(0.99 * (len(gaps) - 1))))] if gaps else float("nan")
    return {"throughput": throughput, "efficiency": throughput / (workers / seconds), "gap_median": statistics.median(gaps), "gap_p99": p99}


def median_of(runs, key):
    return statistics.median(r[key] for r in runs)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--tessera", required=True)
    p.add_argument("--workers", default="1,2,4,8,16")
    p.add_argument("--trials-per-worker", type=int, default=25)
    p.add_argument("--seconds", type=float, default=0.1)
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--sampler", choices=["random", "default"], default="random")
    args = p.parse_args()
    print(machine.describe())
    folder = f"/tmp/tessera-bench-pg-{uuid.uuid4().hex[:8]}"
    started = subprocess.run(["bash", str(SERVER), "start", folder], capture_output=True, text=True)
    if started.returncode != 0:
        sys.exit(f"the PostgreSQL server did not start: {started.stderr}")
    port = started.stdout.strip().rsplit(":", 1)[1].split("/")[0]
    # One server, a database each: both name a table `studies`.
    for db in ("tessera", "optuna"):
        psql(port, f"CREATE DATABASE {db}", database="postgres")
    url = f"postgresql://postgres@127.0.0.1:{port}/tessera"
    optuna_url = f"postgresql://postgres@127.0.0.1:{port}/optuna"
    method = "random" if args.sampler == "random" else "bayes"
    print(f"PostgreSQL 15, private server on 127.0.0.1:{port}; objective sleeps {args.seconds * 1000:.0f} ms; "
          f"{args.trials_per_worker} trials per worker; samplers: Tessera .{method}, Optuna {'RandomSampler' if args.sampler == 'random' else 'TPESampler'}; "
          f"median of {args.repeats} runs, interleaved")
    results = {}
    try:
        with tempfile.TemporaryDirectory() as tmp:
            for n in [int(w) for w in args.workers.split(",")]:
                runs = {"tessera": [], "optuna": []}
                for _ in range(args.repeats):
                    runs["tessera"].append(summarize(run_tessera(args.tessera, url, port, n, args.trials_per_worker, args.seconds, method, tmp), n, args.seconds))
                    runs["optuna"].append(summarize(run_optuna(optuna_url, n, args.trials_per_worker, args.seconds, args.sampler, tmp), n, args.seconds))
                results[n] = {side: {k: median_of(r, k) for k in r[0]} for side, r in runs.items()}
                t, o = results[n]["tessera"], results[n]["optuna"]
                print(f"  {n:2d} workers: Tessera {t['throughput']:6.1f} trials/s ({t['efficiency']:.0%} of linear), gap {t['gap_median']:.1f} ms (p99 {t['gap_p99']:.1f}); "
                      f"Optuna {o['throughput']:6.1f} trials/s ({o['efficiency']:.0%}), gap {o['gap_median']:.1f} ms (p99 {o['gap_p99']:.1f})", flush=True)
    finally:
        subprocess.run(["bash", str(SERVER), "stop", folder], capture_output=True)
    print()
    print("| workers | Tessera trials/s | of linear | Optuna trials/s | of linear | Tessera overhead/trial, median (p99) | Optuna overhead/trial, median (p99) | Optuna ÷ Tessera overhead |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|")
    for n, r in results.items():
        t, o = r["tessera"], r["optuna"]
        print(f"| {n} | {t['throughput']:.1f} | {t['efficiency']:.0%} | {o['throughput']:.1f} | {o['efficiency']:.0%} | "
              f"{t['gap_median']:.1f} ms ({t['gap_p99']:.1f}) | {o['gap_median']:.1f} ms ({o['gap_p99']:.1f}) | {o['gap_median'] / t['gap_median']:.1f}x |")


if __name__ == "__main__":
    main()
