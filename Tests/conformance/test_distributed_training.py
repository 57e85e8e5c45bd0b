"""Data-parallel training as HPC users launch it: `mpirun -np N tessera run train.tsr` on
this machine (Open MPI from Debian, ranks sharing its cores), and one job over TCP between
two network namespaces ("hosts" on a bridge, a hostfile, Open MPI's TCP transport; a
stand-in for ssh starts Open MPI's daemon in each namespace).

What must hold: N ranks with a global batch B train the MLP and the CNN of bench/train.py
to one process's loss curves (relative 1e-5 over 3 epochs) and weights (read back with
Python's safetensors); rank 0 alone prints; an error on rank 1 ends the job with its
message; an interrupt stops every rank at the same step with the model intact."""
import atexit
import json
import os
import shutil
import signal
import subprocess
import tempfile
import time

import numpy as np
import pytest
from safetensors.numpy import load_file

HERE = os.path.dirname(os.path.abspath(__file__))
MPIRUN = ["mpirun", "--oversubscribe"]
OMPI_TMP = tempfile.mkdtemp(prefix="tessera-ompi-")
atexit.register(shutil.rmtree, OMPI_TMP, ignore_errors=True)
# As root (CI), Open MPI asks for both; the rest keeps its warnings about this sandbox quiet.
ENV = {**os.environ, "OMPI_ALLOW_RUN_AS_ROOT": "1", "OMPI_ALLOW_RUN_AS_ROOT_CONFIRM": "1",
       "OMPI_MCA_btl_vader_single_copy_mechanism": "none", "OMPI_MCA_orte_base_help_aggregate": "0",
       # Session files of this run's jobs apart from any other's (an aborted job leaves its tree behind).
       "OMPI_MCA_orte_tmpdir_base": OMPI_TMP,
       # No topology in shared memory: a daemon maps it into the "biggest" hole of its address
       # space, which now and then is next to its stack, and segfaults in hwloc (Open MPI 4.1).
       "OMPI_MCA_rtc_hwloc_vmhole": "none"}


def binary() -> str:
    return json.load(open(os.path.join(os.environ["TESSERA_KERNELSPEC"], "kernel.json")))["argv"][0]


MODELS = {
    # bench/train.py's models, optimizers and batches, on smaller random data.
    "mlp": ("Sequential([Dense(256, activation: .relu), Dense(128, activation: .relu), Dense(10)], seed: 1)",
            "Adam(lr: 0.001)", 128, 640, [784]),
    "cnn": ("Sequential([Conv2D(16, kernel: 3, padding: 1, activation: .relu), MaxPool2D(2), "
            "Conv2D(32, kernel: 3, padding: 1, activation: .relu), MaxPool2D(2), Flatten(), Dense(10)], seed: 1)",
            "SGD(lr: 0.01, momentum: 0.9)", 64, 192, [1, 28, 28]),
}


def training_script(tmp_path, name, tag):
    model, optimizer, batch, rows, shape = MODELS[name]
    script = tmp_path / f"{name}-{tag}.tsr"
    script.write_text(f"""
let x = randn({[rows] + shape}, seed: 1)
let y = tensor((rand([{rows}], seed: 2) * 10).values.map {{ v in Double(Int(v)) }})
let vx = randn({[67] + shape}, seed: 3)
let vy = tensor((rand([67], seed: 4) * 10).values.map {{ v in Double(Int(v)) }})
let opt = {optimizer}
let model = {model}
for e in 1...3 {{
    let h = model.fit(x, y, epochs: 1, batchSize: {batch}, optimizer: opt, validation: (vx, vy), seed: e)
    print("epoch", e, h.last["loss"], h.last["val_loss"], h.last["val_accuracy"])
}}
// Rank 0 alone writes the model; every rank says what its weights predict, to stderr.
model.save("{tmp_path}/{name}-{tag}.safetensors")
warn("digest", distributed()["rank"], model.predict(vx).sum(), (model.predict(vx) * model.predict(vx)).sum())
""")
    return script


def mpirun(args, timeout=300):
    return subprocess.run(MPIRUN + args, capture_output=True, text=True, timeout=timeout, env=ENV)


def curves(out):
    return [[float(v) for v in line.split()[2:]] for line in out.splitlines() if line.startswith("epoch ")]


def weights(path):
    return load_file(str(path))


def digests(err):
    """Each rank's digest of its weights (what they predict), by rank."""
    found = {}
    for line in err.splitlines():
        if line.startswith("digest "):
            _, rank, a, b = line.split()
            found[int(rank)] = (a, b)
    return found


def assert_same_training(tmp_path, name, tag, ranks, job):
    """Rank 0's weights are one process's; every rank holds the same weights; rank 0 alone wrote them."""
    saved = weights(tmp_path / f"{name}-{tag}.safetensors")
    for key, value in weights(tmp_path / f"{name}-one.safetensors").items():
        # Adam divides by the root of the gradients' second moment, so the order of float sums
        # in a near-zero gradient can move a weight by a few 1e-6 over the 15 steps.
        np.testing.assert_allclose(saved[key], value, rtol=1e-4, atol=1e-5, err_msg=f"{name}, {tag}: {key}")
    found = digests(job.stderr)
    assert sorted(found) == list(range(ranks)), job.stderr
    assert len(set(found.values())) == 1, f"every rank holds the same weights: {found}"


@pytest.mark.parametrize("name", ["mlp", "cnn"])
def test_two_and_four_ranks_train_as_one_process(tmp_path, name):
    one = mpirun(["-np", "1", binary(), "run", str(training_script(tmp_path, name, "one"))])
    assert one.returncode == 0, one.stderr
    reference = curves(one.stdout)
    assert len(reference) == 3
    for ranks in (2, 4):
        job = mpirun(["-np", str(ranks), binary(), "run", str(training_script(tmp_path, name, f"np{ranks}"))])
        assert job.returncode == 0, job.stderr
        got = curves(job.stdout)
        assert len(got) == 3, f"rank 0 alone prints: {job.stdout}"
        np.testing.assert_allclose(np.array(got), np.array(reference), rtol=1e-5, err_msg=f"{ranks} ranks against one process")
        assert_same_training(tmp_path, name, f"np{ranks}", ranks, job)


NETNS_RSH = """#!/bin/bash
# A stand-in for ssh: runs the command in the network namespace of the "host" (its address).
while [ $# -gt 0 ] && [ "${1#-}" != "$1" ]; do shift; done
host="$1"; shift
ns="$(awk -v h="$host" '$1 == h { print $2 }' "$TESSERA_NETNS_HOSTS")"
[ -n "$ns" ] || { echo "netns-rsh: no namespace for $host" >&2; exit 255; }
# Each "host" keeps Open MPI's session files in its own folder, as separate machines do: on
# one /tmp the daemon's and mpirun's session trees can collide ("File exists" at orte_init).
# mpirun passes its own folder on the daemon's command line (`-mca orte_tmpdir_base PATH`),
# which outranks the environment, so the path is replaced there too.
mkdir -p "$TESSERA_NETNS_TMP/$ns"
cmd="$*"
if [ -n "$OMPI_MCA_orte_tmpdir_base" ]; then cmd="${cmd//$OMPI_MCA_orte_tmpdir_base/$TESSERA_NETNS_TMP/$ns}"; fi
exec ip netns exec "$ns" env OMPI_MCA_orte_tmpdir_base="$TESSERA_NETNS_TMP/$ns" /bin/sh -c "$cmd"
"""


class Bridge:
    """Two network namespaces on a bridge of this namespace: hosts 10.X.0.2 and 10.X.0.3."""

    def __init__(self):
        tag = os.getpid() % 10000
        self.net = f"10.{150 + os.getpid() % 50}.0"
        self.bridge = f"tsb{tag}"
        self.names = [f"tessera-mpi{k}-{tag}" for k in (2, 3)]
        self.links = [f"tm{tag}h{k}" for k in (2, 3)]
        try:
            self.sh("ip", "link", "add", self.bridge, "type", "bridge")
            self.sh("ip", "addr", "add", f"{self.net}.1/24", "dev", self.bridge)
            self.sh("ip", "link", "set", self.bridge, "up")
            for k, ns, link in zip((2, 3), self.names, self.links):
                self.sh("ip", "netns", "add", ns)
                self.sh("ip", "link", "add", link, "type", "veth", "peer", "name", link + "p")
                self.sh("ip", "link", "set", link + "p", "netns", ns)
                self.sh("ip", "link", "set", link, "master", self.bridge)
                self.sh("ip", "link", "set", link, "up")
                inside = ["ip", "netns", "exec", ns]
                self.sh(*inside, "ip", "link", "set", "lo", "up")
                self.sh(*inside, "ip", "addr", "add", f"{self.net}.{k}/24", "dev", link + "p")
                self.sh(*inside, "ip", "link", "set", link + "p", "up")
        except (subprocess.CalledProcessError, FileNotFoundError) as e:
            self.close()
            pytest.fail(f"cannot make network namespaces (root and iproute2 are needed): {getattr(e, 'stderr', e)}")

    @staticmethod
    def sh(*args):
        subprocess.run(list(args), capture_output=True, text=True, check=True)

    def close(self):
        for link in self.links:
            subprocess.run(["ip", "link", "del", link], capture_output=True)
        subprocess.run(["ip", "link", "del", self.bridge], capture_output=True)
        for ns in self.names:
            subprocess.run(["ip", "netns", "del", ns], capture_output=True)


def test_a_job_between_two_namespaces_over_tcp(tmp_path):
    one = mpirun(["-np", "1", binary(), "run", str(training_script(tmp_path, "mlp", "one"))])
    assert one.returncode == 0, one.stderr
    net = Bridge()
    try:
        agent = tmp_path / "netns-rsh"
        agent.write_text(NETNS_RSH)
        agent.chmod(0o755)
        hosts = tmp_path / "hosts.map"
        hosts.write_text(f"{net.net}.2 {net.names[0]}\n{net.net}.3 {net.names[1]}\n")
        hostfile = tmp_path / "hostfile"
        hostfile.write_text(f"{net.net}.2 slots=1\n{net.net}.3 slots=1\n")
        subnet = f"{net.net}.0/24"
        job = subprocess.run(["mpirun", "--hostfile", str(hostfile), "-np", "2", "--mca", "plm_rsh_agent", str(agent),
                              "--mca", "oob_tcp_if_include", subnet, "--mca", "btl", "self,tcp", "--mca", "btl_tcp_if_include", subnet,
                              binary(), "run", str(training_script(tmp_path, "mlp", "tcp"))],
                             capture_output=True, text=True, timeout=300,
                             env={**ENV, "TESSERA_NETNS_HOSTS": str(hosts), "TESSERA_NETNS_TMP": str(tmp_path / "hosts")})
    finally:
        net.close()
    assert job.returncode == 0, job.stderr
    np.testing.assert_allclose(np.array(curves(job.stdout)), np.array(curves(one.stdout)), rtol=1e-5)
    assert_same_training(tmp_path, "mlp", "tcp", 2, job)


def small_model(rows, features, width):
    """Cells that make random data of `rows` and a small classifier for it."""
    return (f"let x = randn([{rows}, {features}], seed: 1)\nlet y = tensor((0..<{rows}).map {{ $0 % 3 }})\n"
            f"let model = Sequential([Dense({width}, activation: .relu), Dense(3)], seed: 1)\n")


def test_an_error_on_rank_1_ends_the_job_with_its_message(tmp_path):
    script = tmp_path / "err.tsr"
    script.write_text(small_model(256, 20, 16) + """
model.fit(x, y, epochs: 1)
if distributed()["rank"] == 1 { throw error("rank one broke: its data file is missing") }
model.fit(x, y, epochs: 500)
print("never")
""")
    start = time.time()
    job = mpirun(["-np", "2", binary(), "run", str(script)], timeout=120)
    assert job.returncode != 0
    assert "rank one broke: its data file is missing" in job.stderr, job.stderr
    assert "rank 1 of 2 stopped the job" in job.stderr, job.stderr
    assert "never" not in job.stdout
    assert time.time() - start < 60, "no rank waits for the failed one"


def test_an_interrupt_stops_every_rank_at_the_same_step(tmp_path):
    script = tmp_path / "long.tsr"
    script.write_text(small_model(2048, 64, 256) + """
print("started")
model.fit(x, y, epochs: 1000)
""")
    job = subprocess.Popen(MPIRUN + ["-np", "2", binary(), "run", str(script)], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           text=True, env=ENV)
    time.sleep(4)
    job.send_signal(signal.SIGINT)
    out, err = job.communicate(timeout=30)
    assert "interrupted at epoch" in err or "interrupted at epoch" in out, (out, err)
    time.sleep(1)
    left = subprocess.run(["pgrep", "-f", f"tessera run {script}"], capture_output=True, text=True).stdout
    assert left == "", "every rank has ended"


def test_an_interrupted_fit_leaves_every_rank_with_the_same_weights(tmp_path):
    """A notebook cell past --timeout is interrupted on each rank by its own clock; the
    ranks agree on the step they stop at, so the next cell finds the same model on all."""
    import nbformat
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(small_model(2048, 64, 256)),
                nbformat.v4.new_code_cell("model.fit(x, y, epochs: 1000)"),
                nbformat.v4.new_code_cell(f'model.save("{tmp_path}/after.safetensors")\n'
                                          'warn("digest", distributed()["rank"], model.predict(x).sum(), (model.predict(x) * model.predict(x)).sum())\n'
                                          'model.history.stopped')]
    path = tmp_path / "interrupted.ipynb"
    nbformat.write(nb, str(path))
    job = mpirun(["-np", "2", binary(), "run", str(path), "--timeout", "3", "--allow-errors", "-o", str(tmp_path / "out.ipynb")], timeout=120)
    assert job.returncode == 0, job.stderr  # --allow-errors: the interrupted cell is an error the run goes past
    assert "interrupted" in job.stderr + job.stdout
    executed = nbformat.read(str(tmp_path / "out.ipynb"), as_version=4)
    nbformat.validate(executed)
    assert "interrupted" in json.dumps(executed.cells[2].outputs), executed.cells[2].outputs
    assert all(np.isfinite(v).all() for v in weights(tmp_path / "after.safetensors").values())
    found = digests(job.stderr)
    assert sorted(found) == [0, 1] and found[0] == found[1], f"both ranks stopped at the same step: {found}"


TUNE = """
let x = randn([256, 10], seed: 1)
let y = tensor((0..<256).map { $0 % 3 })
let study = tune(["lr": logUniform(0.001, 0.05), "width": intRange(8, 32)], objective: Objective("val_loss", .minimize), budget: 4,
                 method: .sobol, parallel: PARALLEL, STORAGE) { p, trial in
    let model = Sequential([Dense(p.width, activation: .relu), Dense(3)], seed: 1)
    var last = 0.0
    for epoch in 1...3 {
        let h = model.fit(x, y, epochs: 1, batchSize: 32, optimizer: Adam(lr: p.lr), validation: (x, y), seed: epoch)
        last = h.last["val_loss"]
        trial.report(epoch, last)
    }
    return ["val_loss": last, "ranks": Double(distributed()["size"])]
}
for t in 0..<study.count { print("trial", t, study.trials["val_loss"][t], study.trials["ranks"][t]) }
"""


def trial_lines(out):
    return [line.split()[1:] for line in out.splitlines() if line.startswith("trial ")]


def test_a_tuning_job_trains_each_trial_across_its_ranks(tmp_path):
    """Under mpirun, rank 0 runs the study and relays each trial to the other ranks: the
    objective's fit trains across all of them, and the trials are one process's."""
    script = tmp_path / "tune.tsr"
    script.write_text(TUNE.replace("PARALLEL", "1").replace(", STORAGE", ""))
    one = mpirun(["-np", "1", binary(), "run", str(script)])
    two = mpirun(["-np", "2", binary(), "run", str(script)])
    assert one.returncode == 0 and two.returncode == 0, one.stderr + two.stderr
    alone, together = trial_lines(one.stdout), trial_lines(two.stdout)
    assert len(alone) == 4 and len(together) == 4, two.stdout
    assert [t[2] for t in together] == ["2.0"] * 4, "each trial's fit ran on both ranks"
    np.testing.assert_allclose([float(t[1]) for t in together], [float(t[1]) for t in alone], rtol=1e-5)


def test_a_worker_launched_under_mpirun_trains_its_trials_across_its_ranks(tmp_path):
    storage = tmp_path / "study.sqlite"
    script = tmp_path / "session.tsr"
    script.write_text(TUNE.replace("PARALLEL", "0").replace("STORAGE", f'storage: "{storage}", name: "mpi"'))
    session = subprocess.Popen([binary(), "run", str(script)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=ENV)
    worker = mpirun(["-np", "2", binary(), "worker", "--storage", str(storage), "--study", "mpi"], timeout=300)
    out, err = session.communicate(timeout=120)
    assert worker.returncode == 0, worker.stderr
    assert session.returncode == 0, err
    rows = trial_lines(out)
    assert len(rows) == 4 and all(r[2] == "2.0" for r in rows), out
