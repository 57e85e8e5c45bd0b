"""Data-parallel training: Tessera under `mpirun -np N tessera run` against PyTorch's
DistributedDataParallel with the gloo backend, at 1, 2 and 4 ranks, in one run, on
bench/train.py's MLP (Adam, global batch 128) and CNN (SGD with momentum, global batch 64).

    .venv/bin/python bench/distributed_train.py --tessera .build/release/tessera [--ranks 1,2,4] [--steps 40] [--repeats 3]

Both sides use their default settings (threads per process included) and the same global
batch, each rank taking its share. Samples per second are timed on rank 0 over `--steps`
steps after a warm-up epoch; "of 1 rank" is the throughput at N ranks over the same side's
at 1 rank: on this 2-core machine every rank count shares the same cores, so it is the
per-core efficiency of splitting a step (1.0: the split costs nothing). With `--profile`,
Tessera's rank 0 is sampled with perf and the share of the step in MPI (libmpi, Open MPI's
components) is printed.
"""
import argparse
import os
import pathlib
import statistics
import subprocess
import sys
import tempfile

sys.path.insert(0, str(pathlib.Path(__file__).parent))
from machine import describe  # noqa: E402
from train import MODELS  # noqa: E402

ENV = {**os.environ, "OMPI_ALLOW_RUN_AS_ROOT": "1", "OMPI_ALLOW_RUN_AS_ROOT_CONFIRM": "1",
       "OMPI_MCA_btl_vader_single_copy_mechanism": "none"}

TORCH_WORKER = r"""
import os, sys, time, statistics
import torch, torch.nn as nn, torch.distributed as dist
name, steps, repeats, batch = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
dist.init_process_group("gloo")
rank, size = dist.get_rank(), dist.get_world_size()
torch.manual_seed(1)
if name == "mlp":
    model = nn.Sequential(nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 128), nn.ReLU(), nn.Linear(128, 10)); shape = [784]
    make_opt = lambda p: torch.optim.Adam(p, lr=1e-3)
else:
    model = nn.Sequential(nn.Conv2d(1, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(),
                          nn.MaxPool2d(2), nn.Flatten(), nn.Linear(1568, 10)); shape = [1, 28, 28]
    make_opt = lambda p: torch.optim.SGD(p, lr=0.01, momentum=0.9)
ddp = nn.parallel.DistributedDataParallel(model)
opt = make_opt(ddp.parameters())
n = steps * batch
x = torch.randn([n] + shape); y = torch.randint(0, 10, (n,))
share = batch // size
loss_fn = nn.CrossEntropyLoss()
def epoch():
    for i in range(0, n, batch):
        lo = i + rank * share
        opt.zero_grad()
        loss_fn(ddp(x[lo:lo + share]), y[lo:lo + share]).backward()
        opt.step()
epoch()
rates = []
for _ in range(repeats):
    dist.barrier(); t0 = time.perf_counter(); epoch(); dist.barrier()
    rates.append(n / (time.perf_counter() - t0))
if rank == 0:
    print("RATE", statistics.median(rates), flush=True)
dist.destroy_process_group()
"""


def tessera_script(name, steps, repeats):
    model, optimizer, batch, shape = MODELS[name]
    n = steps * batch
    return f"""let x = randn({[n] + shape}, seed: 1)
let y = tensor((rand([{n}], seed: 2) * 10).values.map {{ v in Double(Int(v)) }})
let model = {model}
let warm = model.fit(x, y, epochs: 1, batchSize: {batch}, optimizer: {optimizer}, shuffle: false)
var rates: [Double] = []
for r in 0..<{repeats} {{
    let t0 = clock()
    let h = model.fit(x, y, epochs: 1, batchSize: {batch}, shuffle: false)
    rates.append({n} / (clock() - t0))
}}
print("RATE", rates.sorted()[{repeats} / 2])
"""


def rate(output):
    lines = [l for l in output.splitlines() if l.startswith("RATE ")]
    if not lines:
        raise SystemExit(f"no rate in the output:\n{output[-3000:]}")
    return float(lines[-1].split()[1])


def run_tessera(binary, name, ranks, steps, repeats, folder, profile=False):
    script = pathlib.Path(folder) / f"{name}.tsr"
    script.write_text(tessera_script(name, steps, repeats))
    target = [binary, "run", str(script)]
    if profile:
        # Rank 0 under perf, the other ranks as they are (an MPMD launch).
        data = pathlib.Path(folder) / f"perf-{name}-{ranks}.data"
        command = (["mpirun", "--oversubscribe", "--bind-to", "none", "-np", "1", "perf", "record", "-F", "2000", "-o", str(data), "--"] + target
                   + [":", "-np", str(ranks - 1)] + target)
    else:
        command = ["mpirun", "--oversubscribe", "--bind-to", "none", "-np", str(ranks)] + target
    out = subprocess.run(command, capture_output=True, text=True, env=ENV)
    if out.returncode != 0:
        raise SystemExit(f"tessera under mpirun failed:\n{out.stderr[-3000:]}")
    return rate(out.stdout)


def run_torch(name, ranks, steps, repeats, folder):
    _, _, batch, _ = MODELS[name]
    worker = pathlib.Path(folder) / "ddp_worker.py"
    worker.write_text(TORCH_WORKER)
    out = subprocess.run([sys.executable, "-m", "torch.distributed.run", "--standalone", f"--nproc_per_node={ranks}",
                          str(worker), name, str(steps), str(repeats), str(batch)], capture_output=True, text=True)
    if out.returncode != 0:
        raise SystemExit(f"PyTorch DDP failed:\n{out.stderr[-3000:]}")
    return rate(out.stdout)


def mpi_share(folder, name, ranks):
    """The share of rank 0's samples in MPI (libmpi and Open MPI's libraries), from perf."""
    data = pathlib.Path(folder) / f"perf-{name}-{ranks}.data"
    report = subprocess.run(["perf", "report", "-i", str(data), "--no-children", "--sort", "dso", "--stdio"],
                            capture_output=True, text=True).stdout
    share = 0.0
    for line in report.splitlines():
        parts = line.split()
        if len(parts) >= 2 and parts[0].endswith("%") and any(k in parts[1] for k in ("libmpi", "libopen-pal", "libopen-rte", "mca_")):
            share += float(parts[0].rstrip("%"))
    return share


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--tessera", default=".build/release/tessera")
    ap.add_argument("--ranks", default="1,2,4")
    ap.add_argument("--steps", type=int, default=40)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--models", nargs="+", default=["mlp", "cnn"])
    ap.add_argument("--profile", action="store_true")
    a = ap.parse_args()
    import torch
    ranks = [int(r) for r in a.ranks.split(",")]
    print(describe(), f"; torch {torch.__version__}; Open MPI {subprocess.run(['mpirun', '--version'], capture_output=True, text=True).stdout.split()[3]}")
    print(f"samples/s on rank 0, median of {a.repeats} epochs of {a.steps} global steps; default settings each; ranks share the 2 cores")
    print()
    print("| model | ranks | PyTorch DDP (gloo) | of 1 rank | Tessera (MPI) | of 1 rank | Tessera ÷ PyTorch |" + (" MPI share of rank 0 |" if a.profile else ""))
    print("|---|---:|---:|---:|---:|---:|---:|" + ("---:|" if a.profile else ""))
    with tempfile.TemporaryDirectory() as folder:
        for name in a.models:
            base = {}
            for n in ranks:
                t = run_tessera(a.tessera, name, n, a.steps, a.repeats, folder)
                p = run_torch(name, n, a.steps, a.repeats, folder)
                base.setdefault("t", t); base.setdefault("p", p)
                extra = ""
                if a.profile and n > 1:
                    run_tessera(a.tessera, name, n, a.steps, a.repeats, folder, profile=True)
                    extra = f" {mpi_share(folder, name, n):.1f}% |"
                elif a.profile:
                    extra = " - |"
                print(f"| {name} | {n} | {p:,.0f} | {p / base['p']:.2f} | {t:,.0f} | {t / base['t']:.2f} | {t / p:.2f} |{extra}", flush=True)


if __name__ == "__main__":
    main()
