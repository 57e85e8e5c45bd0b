"""Tuning as users drive it: a live progress display per trial, an interrupt that keeps
the study, and studies in SQLite that survive kill -9 (of a worker, and of everything)
without losing a finished trial, read here with Python's own sqlite3."""
import json
import os
import signal
import sqlite3
import subprocess
import time
from xml.etree import ElementTree

import pytest

from kernel_session import KernelSession


def binary() -> str:
    return json.load(open(os.path.join(os.environ["TESSERA_KERNELSPEC"], "kernel.json")))["argv"][0]


@pytest.fixture
def ks():
    s = KernelSession()
    yield s
    s.close()


def test_progress_is_one_display_updated_per_trial(ks):
    code = ('let s = tune(["x": uniform(0, 1)], objective: "loss", budget: 12, method: .random) { p, t in\n'
            '    let start = clock()\n    while clock() - start < 0.1 { }\n    return p.x\n}')
    reply, outputs = ks.run(code)
    assert reply["content"]["status"] == "ok", reply["content"]
    shown = [m for m in outputs if m["msg_type"] == "display_data"]
    updates = [m for m in outputs if m["msg_type"] == "update_display_data"]
    assert len(shown) == 1 and len(updates) >= 2, [m["msg_type"] for m in outputs]
    last = updates[-1]["content"]["data"]["text/plain"]
    assert "12/12 trials" in last and "best loss" in last, last
    assert ks.result("s.count") == "12"
    # The charts are well-formed SVG, with a text fallback.
    for code in ("s.plot()", "s.importance()"):
        reply, outputs = ks.run(code)
        data = next(m for m in outputs if m["msg_type"] == "execute_result")["content"]["data"]
        root = ElementTree.fromstring(data["image/svg+xml"])
        assert root.tag.endswith("svg") and data["text/plain"], code


def test_an_interrupt_keeps_the_study_in_its_file(ks, tmp_path):
    path = str(tmp_path / "study.sqlite")
    code = (f'let s = tune(["x": uniform(0, 1)], objective: "loss", budget: 1000, storage: "{path}", name: "long") {{ p, t in\n'
            '    let start = clock()\n    while clock() - start < 0.05 { }\n    return p.x\n}')
    msg_id = ks.kc.execute(code)
    time.sleep(2.5)
    ks.km.interrupt_kernel()
    reply = ks.shell_reply(msg_id, timeout=30)
    assert reply["content"]["status"] == "error" and reply["content"]["ename"] == "Interrupted", reply["content"]
    assert "run the cell again" in reply["content"]["evalue"], reply["content"]["evalue"]
    # As a front end does, the next cell goes after this one's idle: one sent before it
    # counts as queued behind the error and is aborted (stop_on_error), as in ipykernel.
    ks.outputs(msg_id)
    with sqlite3.connect(path) as db:
        states = dict(db.execute("select state, count(*) from trials group by state").fetchall())
    assert states.get("complete", 0) >= 5, states
    assert states.get("running", 0) == 0, "the interrupted trial is recorded, not left running"
    # The same cell with a smaller budget continues the stored study (and stops at once).
    reply, _ = ks.run(code.replace("budget: 1000", "budget: 3").replace("let s =", "let again ="))
    assert reply["content"]["status"] == "ok"
    assert int(ks.result("again.count")) == sum(states.values())


SCRIPT = """
let s = tune(["x": uniform(-2, 2), "y": uniform(-2, 2)], objective: "loss", budget: BUDGET, parallel: 2,
             storage: "PATH", name: "kill") { p, t in
    let start = clock()
    while clock() - start < 0.4 { }
    return (p.x - 0.5) ** 2 + (p.y + 0.3) ** 2
}
print("trials \\(s.count)")
"""


def trials(path):
    with sqlite3.connect(path) as db:
        return db.execute("select number, state, worker, error from trials order by number").fetchall()


def wait_for(predicate, timeout=60):
    end = time.time() + timeout
    while time.time() < end:
        value = predicate()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError("timed out")


def start(tmp_path, budget):
    path = str(tmp_path / "kill.sqlite")
    script = tmp_path / f"kill-{budget}.tsr"
    script.write_text(SCRIPT.replace("BUDGET", str(budget)).replace("PATH", path))
    # A temporary folder of its own, to see what the run leaves there.
    tmpdir = tmp_path / "tmpdir"
    tmpdir.mkdir(exist_ok=True)
    proc = subprocess.Popen([binary(), "run", str(script)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True, env={**os.environ, "TMPDIR": str(tmpdir)})
    return path, proc


def running_after_completes(path, n):
    if not os.path.exists(path):
        return None
    try:
        rows = trials(path)
    except sqlite3.OperationalError:
        return None
    complete = [r for r in rows if r[1] == "complete"]
    running = [r for r in rows if r[1] == "running"]
    return running[0] if len(complete) >= n and running else None


def test_a_worker_killed_mid_trial_loses_only_that_trial(tmp_path):
    path, proc = start(tmp_path, 10)
    victim = wait_for(lambda: running_after_completes(path, 3))
    finished_before = {r[0] for r in trials(path) if r[1] == "complete"}
    pid = int(victim[2].split(":")[1])
    os.kill(pid, signal.SIGKILL)
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err
    rows = trials(path)
    by_number = {r[0]: r for r in rows}
    assert by_number[victim[0]][1] == "failed" and "stopped before it finished" in by_number[victim[0]][3], by_number[victim[0]]
    assert finished_before <= {r[0] for r in rows if r[1] == "complete"}, "no finished trial lost"
    assert len(rows) == 10 and "trials 10" in out
    assert len({r[2] for r in rows}) == 2, "two worker processes ran the trials"
    with sqlite3.connect(path) as db:
        assert db.execute("pragma journal_mode").fetchone()[0] == "wal"


def test_everything_killed_then_resumed(tmp_path):
    path, proc = start(tmp_path, 12)
    wait_for(lambda: running_after_completes(path, 4))
    finished_before = {r[0] for r in trials(path) if r[1] == "complete"}
    # The session reaches the workers through a pipe: no session file exists, not even a private one.
    assert os.listdir(tmp_path / "tmpdir") == []
    os.killpg(proc.pid, signal.SIGKILL)  # the runner; its workers follow it within 0.2 s
    proc.wait(timeout=30)
    time.sleep(1)
    assert os.listdir(tmp_path / "tmpdir") == [], "nothing left behind by a kill -9"
    left_running = [r[0] for r in trials(path) if r[1] == "running"]
    assert left_running, "a trial was running when everything died"
    # Run the same script again: it resumes the study.
    path, proc = start(tmp_path, 12)
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err
    rows = {r[0]: r for r in trials(path)}
    assert finished_before <= {n for n, r in rows.items() if r[1] == "complete"}, "no finished trial lost"
    for n in left_running:
        assert rows[n][1] == "failed" and "stopped before it finished" in rows[n][3], rows[n]
    assert len(rows) == 12 and sorted(rows) == list(range(12))
    assert not [r for r in rows.values() if r[1] == "running"]


def test_worker_errors_are_clear(tmp_path):
    def worker(session_text):
        session = tmp_path / "session.json"
        session.write_text(session_text)
        return subprocess.run([binary(), "worker", "--session", str(session), "--storage", str(tmp_path / "s.sqlite"), "--study", "s"],
                              capture_output=True, text=True, timeout=60)
    never = worker(json.dumps({"cells": [{"name": "c1", "text": "let x = 1"}]}))
    assert never.returncode == 2 and 'never reached tune(name: "s"' in never.stderr, never.stderr
    broken = worker(json.dumps({"cells": [{"name": "c1", "text": "let x = nope"}]}))
    assert broken.returncode == 1 and "NameError: 'nope' is not defined (c1, line 1" in broken.stderr, broken.stderr
    garbage = worker("not json")
    assert garbage.returncode == 1 and "is not a session" in garbage.stderr, garbage.stderr
    missing = subprocess.run([binary(), "worker", "--session", str(tmp_path / "none.json"), "--storage", str(tmp_path / "s.sqlite"),
                              "--study", "s"], capture_output=True, text=True, timeout=60)
    assert missing.returncode == 1 and "cannot read" in missing.stderr and "no such file" in missing.stderr, missing.stderr
    other = worker(json.dumps({"x": 1}))
    assert other.returncode == 1 and "is not a session" in other.stderr, other.stderr


TAMPER_CELL = """tune(["lr": logUniform(0.001, 0.1), "act": choice(["relu", "gelu"])], objective: "loss", budget: 4,
     seed: 1, storage: "PATH", name: "t") { p, t in p.lr }"""


@pytest.mark.parametrize("sql,words", [
    ("UPDATE trials SET number = 1e300 WHERE number = 1", "trial numbers are whole numbers"),
    ("UPDATE trials SET number = 9223372036854775807 WHERE number = 1", "trial numbers are whole numbers"),
    ("UPDATE trials SET raw = '{\"a\": 1}' WHERE number = 0", "stored point is not a JSON array"),
    ("UPDATE trials SET raw = '[\"x\", 1]' WHERE number = 0", "not a number"),
    ("UPDATE trials SET raw = '[0.01]' WHERE number = 0", "1 values for 2 parameters"),
    ("UPDATE trials SET raw = '[0.01, 7]' WHERE number = 0", "not one of its 2 options"),
    ("UPDATE trials SET raw = '[1e300, 0]' WHERE number = 0", "outside"),
    ("UPDATE trials SET state = 'zombie' WHERE number = 2", "unknown state 'zombie'"),
    ("UPDATE trials SET started = 'soon' WHERE number = 2", "start or end time"),
    ("UPDATE studies SET seed = 1e300", "seed is 1e+300"),
    ("UPDATE studies SET space = '[1, 2]'", "stored with another space"),
    ("INSERT INTO reports VALUES (1, 1e300, 1, 0.5)", "a report in the study file"),
])
def test_a_tampered_study_file_is_a_tune_error_naming_the_row(tmp_path, sql, words):
    """A study file edited by hand or by another program: each damage is a TuneError that
    says where, and the session lives on."""
    from stdio_kernel import StdioKernel
    path = str(tmp_path / "t.sqlite")
    k = StdioKernel()
    try:
        assert k.result(TAMPER_CELL.replace("PATH", path) + ".count") == "4"
        with sqlite3.connect(path) as db:
            db.execute(sql)
        reply, _ = k.execute(TAMPER_CELL.replace("PATH", path) + ".count")
        assert reply["status"] == "error" and reply["ename"] == "TuneError", reply
        assert words in reply["evalue"], reply["evalue"]
        assert k.result("1 + 1") == "2"
    finally:
        k.close()


OLD_SCHEMA = """
CREATE TABLE studies(id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, space TEXT NOT NULL, spec TEXT NOT NULL,
    method TEXT NOT NULL, seed INTEGER NOT NULL, created REAL NOT NULL);
CREATE TABLE trials(id INTEGER PRIMARY KEY, study INTEGER NOT NULL REFERENCES studies(id), number INTEGER NOT NULL,
    state TEXT NOT NULL, raw TEXT NOT NULL, params TEXT NOT NULL, metrics TEXT NOT NULL, error TEXT,
    started REAL NOT NULL, finished REAL, worker TEXT, UNIQUE(study, number));
CREATE TABLE reports(study INTEGER NOT NULL, number INTEGER NOT NULL, step INTEGER NOT NULL, value REAL NOT NULL,
    PRIMARY KEY(study, number, step));
"""


def test_a_study_file_of_the_first_version_continues(tmp_path):
    """A study file written before heartbeats and stored sessions (wave 1) gains their
    columns and table when it is opened, and its study continues."""
    path = str(tmp_path / "old.sqlite")
    script = tmp_path / "old.tsr"
    cell = ('let s = tune(["x": uniform(0, 1)], objective: "loss", budget: BUDGET, storage: "PATH", name: "old") { p, t in p.x }\n'
            'print("trials \\(s.count)")\n')
    script.write_text(cell.replace("BUDGET", "3").replace("PATH", path))
    assert subprocess.run([binary(), "run", str(script)], capture_output=True, text=True, timeout=60).returncode == 0
    # Rewrite the file as the first version left it: its schema, its rows.
    with sqlite3.connect(path) as db:
        studies = db.execute("select id, name, space, spec, method, seed, created from studies").fetchall()
        rows = db.execute("select id, study, number, state, raw, params, metrics, error, started, finished, worker from trials").fetchall()
    for leftover in (path, path + "-wal", path + "-shm"):
        if os.path.exists(leftover):
            os.remove(leftover)
    with sqlite3.connect(path) as db:
        db.executescript(OLD_SCHEMA)
        db.executemany("insert into studies values (?, ?, ?, ?, ?, ?, ?)", studies)
        db.executemany("insert into trials values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
    script.write_text(cell.replace("BUDGET", "5").replace("PATH", path))
    run = subprocess.run([binary(), "run", str(script)], capture_output=True, text=True, timeout=60)
    assert run.returncode == 0 and "trials 5" in run.stdout, run.stderr
    with sqlite3.connect(path) as db:
        columns = {r[1] for r in db.execute("pragma table_info(trials)")}
        assert {"heartbeat", "retry_of"} <= columns
        assert db.execute("select count(*) from sessions").fetchone()[0] == 1
        assert [r[0] for r in db.execute("select state from trials order by number")] == ["complete"] * 5
