"""Tuning across machines, as the field runs it: one study in a real PostgreSQL server (a
private one, started here), workers on three "hosts" (network namespaces of their own, with
veth pairs and addresses in a private range, each with its own host name) that reach the
server over TCP with `tessera worker --storage URL --study NAME`, and the session that
starts the study on the first machine. The study is read back here with psql.

What must hold: no two workers get the same trial number or point; a worker killed with
SIGKILL mid-trial has its trial failed by the heartbeat and run again, and no finished
trial is lost; a server restarted mid-study is reconnected to and the study completes; a
worker that brings other code is refused; an interrupt of the session stops the remote
workers."""
import json
import os
import signal
import subprocess
import time
import uuid

import pytest

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
SERVER = os.path.join(ROOT, "scripts", "postgres-server.sh")
HOSTS = 3


def binary() -> str:
    return json.load(open(os.path.join(os.environ["TESSERA_KERNELSPEC"], "kernel.json")))["argv"][0]


def sh(*args, check=True):
    return subprocess.run(list(args), capture_output=True, text=True, check=check)


class Network:
    """Three network namespaces, each joined to this one by a veth pair: host k is
    10.X.k.2 and reaches the server at 10.X.1.1 (an address of this namespace) through its
    default route."""

    def __init__(self):
        tag = os.getpid() % 10000
        self.octet = 200 + os.getpid() % 50
        self.names = [f"tessera-h{k}-{tag}" for k in range(1, HOSTS + 1)]
        self.links = [f"ts{tag}h{k}" for k in range(1, HOSTS + 1)]
        try:
            for k, (ns, link) in enumerate(zip(self.names, self.links), start=1):
                sh("ip", "netns", "add", ns)
                sh("ip", "link", "add", link, "type", "veth", "peer", "name", link + "p")
                sh("ip", "link", "set", link + "p", "netns", ns)
                sh("ip", "addr", "add", f"10.{self.octet}.{k}.1/24", "dev", link)
                sh("ip", "link", "set", link, "up")
                inside = ["ip", "netns", "exec", ns]
                sh(*inside, "ip", "link", "set", "lo", "up")
                sh(*inside, "ip", "addr", "add", f"10.{self.octet}.{k}.2/24", "dev", link + "p")
                sh(*inside, "ip", "link", "set", link + "p", "up")
                sh(*inside, "ip", "route", "add", "default", "via", f"10.{self.octet}.{k}.1")
        except (subprocess.CalledProcessError, FileNotFoundError) as e:
            self.close()
            pytest.fail(f"cannot make network namespaces (root and iproute2 are needed): {getattr(e, 'stderr', e)}")

    @property
    def server_address(self):
        return f"10.{self.octet}.1.1"

    def close(self):
        for link in self.links:
            sh("ip", "link", "del", link, check=False)
        for ns in self.names:
            sh("ip", "netns", "del", ns, check=False)


@pytest.fixture(scope="module")
def network():
    net = Network()
    yield net
    net.close()


@pytest.fixture(scope="module")
def server(network):
    folder = f"/tmp/tessera-pg-{uuid.uuid4().hex[:8]}"
    started = sh("bash", SERVER, "start", folder, network.server_address, check=False)
    if started.returncode != 0:
        pytest.fail(f"the PostgreSQL test server did not start: {started.stderr}")
    local = started.stdout.strip()
    port = local.rsplit(":", 1)[1].split("/")[0]
    yield {"folder": folder, "url": f"postgresql://postgres@{network.server_address}:{port}/postgres", "port": port}
    sh("bash", SERVER, "stop", folder, check=False)


def psql(server, sql):
    """Rows of a query, as lists of strings, read with the server's own client."""
    bin_dir = sorted(d for d in os.listdir("/usr/lib/postgresql"))[-1]
    out = sh(f"/usr/lib/postgresql/{bin_dir}/bin/psql", "-h", "127.0.0.1", "-p", server["port"], "-U", "postgres", "-d", "postgres",
             "-At", "-F", "\t", "-c", sql).stdout
    return [line.split("\t") for line in out.splitlines() if line]


def trials(server, study):
    return psql(server, f"SELECT t.number, t.state, t.raw, t.worker, COALESCE(t.error, ''), COALESCE(t.retry_of::text, '') "
                        f"FROM trials t JOIN studies s ON s.id = t.study WHERE s.name = '{study}' ORDER BY t.number")


def worker(network, server, study, host, extra=()):
    """`tessera worker` on host `host` (1-based): its own network namespace and host name."""
    ns = network.names[host - 1]
    command = ["ip", "netns", "exec", ns, "unshare", "--uts", "sh", "-c",
               f'hostname host{host} && exec "$0" "$@"', binary(), "worker", "--storage", server["url"], "--study", study, *extra]
    return subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def session(tmp_path, server, study, budget, seconds, parallel=0, extra=""):
    """The first machine: `tessera run` of a script whose tune call starts the study (with
    `parallel: 0`, it runs no trial itself and shows those of the other hosts)."""
    script = tmp_path / f"{study}.tsr"
    script.write_text(f"""
let s = tune(["x": uniform(-2, 2), "y": uniform(-2, 2)], objective: "loss", budget: {budget}, parallel: {parallel},
             storage: "{server['url']}", name: "{study}", pruner: nil{extra}) {{ p, t in
    let start = clock()
    for step in 1...4 {{
        while clock() - start < {seconds} * Double(step) / 4 {{ }}
        t.report(step, (p.x - 0.5) ** 2)
    }}
    return (p.x - 0.5) ** 2 + (p.y + 0.3) ** 2
}}
print("trials \\(s.count)")
print(s.trials["host"].unique)
""")
    return subprocess.Popen([binary(), "run", str(script)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def wait_for(predicate, timeout=90):
    end = time.time() + timeout
    while time.time() < end:
        value = predicate()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError("timed out")


def finish(procs, timeout=180):
    try:
        return [p.communicate(timeout=timeout) + (p.returncode,) for p in procs]
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()


def finish_session(first, workers, timeout=180):
    """The session's output, then the workers' (all killed if the session failed)."""
    out, err, rc = finish([first], timeout)[0]
    if rc != 0:
        for w in workers:
            w.kill()
        raise AssertionError(f"the session failed ({rc}): {err}")
    return out, err, finish(workers, timeout)


def test_six_workers_on_three_hosts_finish_a_study(tmp_path, network, server):
    # Workers start before the study exists: they wait for it.
    workers = [worker(network, server, "six", host) for host in range(1, HOSTS + 1) for _ in range(2)]
    time.sleep(1.5)
    first = session(tmp_path, server, "six", budget=60, seconds=0.05)
    out, err, results = finish_session(first, workers)
    for w_out, w_err, w_rc in results:
        assert w_rc == 0, w_err
        assert "waiting for the study 'six'" in w_err, w_err
    rows = trials(server, "six")
    assert [int(r[0]) for r in rows] == list(range(60)), "60 trials, numbered once each"
    assert all(r[1] == "complete" for r in rows), [r for r in rows if r[1] != "complete"]
    assert len({r[2] for r in rows}) == 60, "no point suggested twice"
    assert len({r[3] for r in rows}) == 6, "six workers ran the trials"
    assert {r[3].rsplit(":", 1)[0] for r in rows} == {"host1", "host2", "host3"}
    # The first machine showed the trials of every host, by host name.
    assert "trials 60" in out and all(f"host{k}" in out for k in (1, 2, 3)), out
    assert "60/60 trials" in err or "60/60 trials" in out, (out, err)
    # A worker that finds the budget spent has nothing to do.
    late = worker(network, server, "six", 2)
    late_out, late_err, late_rc = finish([late])[0]
    assert late_rc == 0 and "has finished its 60 trials" in late_err, late_err


def test_a_worker_killed_mid_trial_is_failed_by_its_heartbeat_and_run_again(tmp_path, network, server):
    first = session(tmp_path, server, "kill", budget=24, seconds=0.4, extra=", heartbeat: 0.5, retries: 1")
    workers = [worker(network, server, "kill", host) for host in range(1, HOSTS + 1)]

    def running_after_completes():
        # A victim that started moments ago (its age by the server's clock, in the same query):
        # one near the end of its 0.4 s could finish between the query and the kill, and then
        # nothing was lost to fail.
        try:
            rows = psql(server, "SELECT t.number, t.state, t.raw, t.worker, EXTRACT(EPOCH FROM clock_timestamp())::float8 - t.started "
                                "FROM trials t JOIN studies s ON s.id = t.study WHERE s.name = 'kill' ORDER BY t.number")
        except subprocess.CalledProcessError:
            return None  # the study's tables are made as the first machine opens it
        complete = [r for r in rows if r[1] == "complete"]
        running = [r for r in rows if r[1] == "running" and r[3].startswith("host2:") and float(r[4]) < 0.15]
        return (running[0], {r[0] for r in complete}) if len(complete) >= 4 and running else None

    victim, finished_before = wait_for(running_after_completes)
    os.kill(int(victim[3].rsplit(":", 1)[1]), signal.SIGKILL)
    out, err, results = finish_session(first, workers)
    rows = {r[0]: r for r in trials(server, "kill")}
    lost = rows[victim[0]]
    assert lost[1] == "failed" and "sent no heartbeat" in lost[4] and "run again" in lost[4], lost
    retry = [r for r in rows.values() if r[5] == victim[0]]
    assert len(retry) == 1 and retry[0][1] == "complete" and retry[0][2] == victim[2], (retry, victim)
    assert finished_before <= {n for n, r in rows.items() if r[1] == "complete"}, "no finished trial lost"
    # The retry takes the lost trial's place in the budget: 24 results.
    assert len(rows) == 25 and sum(r[1] == "complete" for r in rows.values()) == 24
    assert [w[2] for w in results] == [0, -signal.SIGKILL, 0] or sorted(w[2] for w in results) == [-signal.SIGKILL, 0, 0]


def test_the_server_restarted_mid_study_is_reconnected_to(tmp_path, network, server):
    first = session(tmp_path, server, "restart", budget=30, seconds=0.2, extra=", heartbeat: 1")
    workers = [worker(network, server, "restart", host) for host in range(1, HOSTS + 1)]
    wait_for(lambda: len([r for r in trials(server, "restart") if r[1] == "complete"]) >= 6)
    sh("bash", SERVER, "restart", server["folder"])
    out, err, results = finish_session(first, workers)
    for w_out, w_err, w_rc in results:
        assert w_rc == 0, w_err
    rows = trials(server, "restart")
    assert [int(r[0]) for r in rows] == list(range(30))
    assert all(r[1] == "complete" for r in rows), [r for r in rows if r[1] != "complete"]


def test_a_worker_with_other_code_is_refused(tmp_path, network, server):
    first = session(tmp_path, server, "code", budget=6, seconds=0.05, parallel=1)
    assert finish([first])[0][2] == 0
    # The study's budget is spent; a new budget lets workers in, with the study's own code only.
    other = tmp_path / "other.json"
    script = (tmp_path / "code.tsr").read_text()
    other.write_text(json.dumps({"cells": [{"name": "c1", "text": script.replace("budget: 6", "budget: 9").replace("0.5) ** 2 +", "0.4) ** 2 +")}]}))
    refused = worker(network, server, "code", 1, extra=("--session", str(other)))
    out, err, rc = finish([refused])[0]
    assert rc == 3 and "refused: the study 'code' runs other code than this worker's session" in err, err
    assert len(trials(server, "code")) == 6, "the refused worker ran nothing"


def test_an_interrupt_of_the_session_stops_the_remote_workers(tmp_path, network, server):
    first = session(tmp_path, server, "stop", budget=200, seconds=0.4)
    workers = [worker(network, server, "stop", host) for host in range(1, HOSTS + 1)]
    wait_for(lambda: len([r for r in trials(server, "stop") if r[1] == "complete"]) >= 3)
    first.send_signal(signal.SIGINT)
    out, err, rc = finish([first])[0]
    assert "interrupted" in err + out, (out, err)
    results = finish(workers, timeout=30)
    for w_out, w_err, w_rc in results:
        assert w_rc == 0 and "stopped from its session" in w_err, w_err
    rows = trials(server, "stop")
    assert not [r for r in rows if r[1] == "running"], "every trial ended"
    assert len(rows) < 60, "the workers stopped well before the budget"
    stopped = [r for r in rows if "stopped from its session" in r[4]]
    assert stopped, "the running trials end at their next report"
