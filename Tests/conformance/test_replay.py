"""`tessera run NOTEBOOK.ipynb`, `tessera convert`: headless replay as nbclient and
papermill do it. Every output notebook is checked with nbformat's validator."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import time

import nbclient
import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TOUR = os.path.join(ROOT, "notebooks", "tour.ipynb")


def binary() -> str:
    return json.load(open(os.path.join(os.environ["TESSERA_KERNELSPEC"], "kernel.json")))["argv"][0]


def tessera(*args: str, timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run([binary(), *args], capture_output=True, text=True, timeout=timeout)


def notebook(tmp_path, *cells, name="nb.ipynb", kernel=True) -> str:
    nb = new_notebook(cells=list(cells))
    if kernel:
        nb.metadata.kernelspec = {"name": "tessera", "display_name": "Tessera", "language": "tessera"}
    path = str(tmp_path / name)
    nbformat.write(nb, path)
    return path


def read_valid(path: str):
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    return nb


def coalesced(outputs):
    """Consecutive stream outputs of one name joined into one, as a front end shows them.

    How a cell's printing is cut into stream messages depends on when the kernel's 50 ms
    flush timer fired (a cell that prints across a flush sends two), not on what it printed.
    """
    joined = []
    for o in outputs:
        if o.output_type == "stream" and joined and joined[-1].output_type == "stream" and joined[-1].name == o.name:
            joined[-1] = nbformat.from_dict({**joined[-1], "text": joined[-1].text + o.text})
        else:
            joined.append(o)
    return joined


def code(source: str, *tags: str):
    cell = new_code_cell(source)
    if tags:
        cell.metadata["tags"] = list(tags)
    return cell


def test_tour_replays_like_nbclient(tmp_path):
    out = str(tmp_path / "tour.out.ipynb")
    run = tessera("run", TOUR, "-o", out)
    assert run.returncode == 0, run.stderr
    ours = read_valid(out)
    assert ours.nbformat == 4 and ours.nbformat_minor >= 5
    assert ours.metadata.kernelspec.name == "tessera" and ours.metadata.language_info.name == "tessera"
    theirs = nbformat.read(TOUR, as_version=4)
    nbclient.NotebookClient(theirs, timeout=600, kernel_name="tessera").execute()
    codes = [(a, b) for a, b in zip(ours.cells, theirs.cells) if a.cell_type == "code"]
    assert [a.execution_count for a, _ in codes] == list(range(1, len(codes) + 1))
    for a, b in codes:
        outs_a, outs_b = coalesced(a.outputs), coalesced(b.outputs)
        assert [o.output_type for o in outs_a] == [o.output_type for o in outs_b], a.source[:40]
        for oa, ob in zip(outs_a, outs_b):
            if oa.output_type == "stream":
                assert oa.name == ob.name
                if "time:" not in oa.text:
                    assert oa.text == ob.text
            if oa.output_type in ("execute_result", "display_data"):
                assert set(oa.data) == set(ob.data)
                if "%vars" not in a.source and "%time" not in a.source:
                    assert oa.data == ob.data
            if oa.output_type == "error":
                assert (oa.ename, oa.evalue) == (ob.ename, ob.evalue)
        assert set(a.metadata.execution) == {"iopub.status.busy", "iopub.execute_input", "shell.execute_reply", "iopub.status.idle"}
    # Progress to stderr, outputs to stdout.
    assert "cell 1 of" in run.stderr and "elapsed" in run.stderr
    assert "training for 6 epochs" in run.stdout
    # The input is untouched.
    assert nbformat.read(TOUR, as_version=4).cells[1].get("outputs") == []


def test_a_failing_middle_cell_exits_1_and_keeps_what_ran(tmp_path):
    path = notebook(tmp_path, code("let a = 1\na"), code("let b = a + nope"), code("let c = 3\nc"))
    out = str(tmp_path / "out.ipynb")
    run = tessera("run", path, "-o", out)
    assert run.returncode == 1
    assert "cell 2 of 3" in run.stderr and "NameError" in run.stderr
    nb = read_valid(out)
    assert nb.cells[0].execution_count == 1 and nb.cells[0].outputs[0].data["text/plain"] == "1"
    assert nb.cells[1].outputs[0].output_type == "error" and nb.cells[1].outputs[0].ename == "NameError"
    assert nb.cells[2].execution_count is None and nb.cells[2].outputs == []
    # With --allow-errors every cell runs and the run counts as done.
    run = tessera("run", path, "-o", out, "--allow-errors")
    assert run.returncode == 0, run.stderr
    nb = read_valid(out)
    assert nb.cells[2].outputs[0].data["text/plain"] == "3"


def test_tags_skip_execution_and_raises_exception(tmp_path):
    skipped = code("print(\"never\")", "skip-execution")
    skipped.outputs = [nbformat.v4.new_output("stream", name="stdout", text="kept from before\n")]
    path = notebook(tmp_path, code("1 / 0 + nope", "raises-exception"), skipped, code("40 + 2"))
    out = str(tmp_path / "out.ipynb")
    run = tessera("run", path, "-o", out)
    assert run.returncode == 0, run.stderr
    nb = read_valid(out)
    assert nb.cells[0].outputs[0].output_type == "error"
    assert nb.cells[1].outputs[0].text == "kept from before\n" and nb.cells[1].execution_count is None
    assert nb.cells[2].outputs[0].data["text/plain"] == "42"


def test_parameters_are_injected_as_papermill_does(tmp_path):
    params = code("var lr = 0.001\nlet epochs = 1\nlet name = \"base\"", "parameters")
    path = notebook(tmp_path, new_markdown_cell("# Study"), params, code("lr += 0.0\n\"\\(name): \\(lr) x \\(epochs)\""))
    out = str(tmp_path / "out.ipynb")
    run = tessera("run", path, "-o", out, "-p", "lr", "0.5", "-p", "epochs", "3", "-p", "name", "fraud", "-p", "shift", "-2")
    assert run.returncode == 0, run.stderr
    nb = read_valid(out)
    injected = nb.cells[2]
    assert injected.metadata.tags == ["injected-parameters"]
    assert injected.source == ('// Parameters\nvar lr = 0.5\nlet epochs = 3\nlet name = "fraud"\nlet shift = -2\n')
    assert nb.cells[3].outputs[0].data["text/plain"] == '"fraud: 0.5 x 3"'
    # Running the output again replaces the injected cell rather than adding a second one.
    again = str(tmp_path / "again.ipynb")
    assert tessera("run", out, "-o", again, "-p", "epochs", "4").returncode == 0
    nb2 = read_valid(again)
    assert [c.metadata.get("tags") for c in nb2.cells].count(["injected-parameters"]) == 1
    assert nb2.cells[3].outputs[0].data["text/plain"] == '"base: 0.001 x 4"', "only the new parameters apply"
    # Without a parameters cell the injected cell goes first.
    plain = notebook(tmp_path, code("lr * 2"), name="plain.ipynb")
    assert tessera("run", plain, "-o", out, "-p", "lr", "2").returncode == 0
    nb3 = read_valid(out)
    assert nb3.cells[0].metadata.tags == ["injected-parameters"] and nb3.cells[1].outputs[0].data["text/plain"] == "4"


def test_injected_cell_layout_matches_papermill(tmp_path):
    """papermill --prepare-only injects into a Python copy of the same notebook; the
    injected cell's position, type and tags must be the same as Tessera's."""
    cells = [new_markdown_cell("# Study"), code("lr = 0.001", "parameters"), code("lr * 2"), code("lr * 3")]
    py = new_notebook(cells=[c.copy() for c in cells])
    py.metadata.kernelspec = {"name": "python3", "display_name": "Python 3", "language": "python"}
    py_path = str(tmp_path / "py.ipynb")
    nbformat.write(py, py_path)
    pm_out = str(tmp_path / "pm.ipynb")
    subprocess.run(["papermill", py_path, pm_out, "-p", "lr", "0.5", "--prepare-only", "-k", "python3"],
                   check=True, capture_output=True, timeout=120,
                   env=dict(os.environ, PATH=os.path.dirname(os.sys.executable) + ":" + os.environ["PATH"]))
    theirs = nbformat.read(pm_out, as_version=4)
    ts_cells = [new_markdown_cell("# Study"), code("var lr = 0.001", "parameters"), code("lr * 2"), code("lr * 3")]
    ts_path = notebook(tmp_path, *ts_cells, name="ts.ipynb")
    ours_path = str(tmp_path / "ours.ipynb")
    assert tessera("run", ts_path, "-o", ours_path, "-p", "lr", "0.5").returncode == 0
    ours = read_valid(ours_path)
    layout = lambda nb: [(c.cell_type, c.metadata.get("tags", [])) for c in nb.cells]
    assert layout(ours) == layout(theirs)


def test_bad_notebooks_exit_2_and_leave_the_input_untouched(tmp_path):
    cases = {
        "broken.ipynb": ("{not json", "not valid JSON"),
        "v3.ipynb": (json.dumps({"nbformat": 3, "nbformat_minor": 0, "worksheets": [], "metadata": {}}), "nbformat 3"),
        "python.ipynb": (json.dumps({"nbformat": 4, "nbformat_minor": 5, "cells": [],
                                     "metadata": {"kernelspec": {"name": "python3", "language": "python", "display_name": "P"}}}),
                         "is a python notebook"),
        "bash.ipynb": (json.dumps({"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [
            {"cell_type": "code", "source": "1 + 1", "metadata": {}, "outputs": [], "execution_count": None},
            {"cell_type": "code", "source": "%%bash\nls", "metadata": {}, "outputs": [], "execution_count": None}]}),
                       "cell 2 is in bash"),
        "malformed.ipynb": (json.dumps({"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [
            {"cell_type": "code", "metadata": {}, "outputs": []}]}), "cell 1 is malformed"),
    }
    for name, (text, message) in cases.items():
        path = tmp_path / name
        path.write_text(text)
        before = path.read_bytes()
        out = tmp_path / ("out-" + name)
        run = tessera("run", str(path), "-o", str(out))
        assert run.returncode == 2, (name, run.stderr)
        assert message in run.stderr and name in run.stderr, (name, run.stderr)
        assert path.read_bytes() == before and not out.exists()


def test_timeout_interrupts_the_cell_and_allow_errors_goes_on(tmp_path):
    path = notebook(tmp_path, code("let kept = 5"), code("while true {}"), code("kept + 1"))
    out = str(tmp_path / "out.ipynb")
    run = tessera("run", path, "-o", out, "--timeout", "1")
    assert run.returncode == 1
    nb = read_valid(out)
    texts = [o.get("text", "") for o in nb.cells[1].outputs]
    assert nb.cells[1].outputs[0].ename == "Interrupted" and any("--timeout" in t for t in texts)
    assert nb.cells[2].outputs == []
    run = tessera("run", path, "-o", out, "--timeout", "1", "--allow-errors")
    assert run.returncode == 0
    assert read_valid(out).cells[2].outputs[0].data["text/plain"] == "6"


def test_timeout_ends_a_cell_that_prints_in_a_loop(tmp_path):
    """Output arriving all the time must not keep the timeout from firing."""
    path = notebook(tmp_path, code("let kept = 5"), code("var i = 0\nwhile true { print(i)\ni += 1 }"), code("kept + 1"))
    out = str(tmp_path / "out.ipynb")
    start = time.monotonic()
    run = tessera("run", path, "-o", out, "--timeout", "1", "--quiet", timeout=60)
    assert time.monotonic() - start < 15
    assert run.returncode == 1, run.stderr
    nb = read_valid(out)
    outputs = nb.cells[1].outputs
    assert outputs[0].output_type == "stream" and outputs[0].text.startswith("0\n1\n")
    assert any(o.output_type == "error" and o.ename == "Interrupted" for o in outputs)
    assert any("--timeout" in o.get("text", "") for o in outputs)
    assert nb.cells[2].outputs == []


@pytest.mark.parametrize("sig,status", [(signal.SIGTERM, 143), (signal.SIGINT, 130)])
def test_a_signal_writes_the_notebook_with_what_ran(tmp_path, sig, status):
    path = notebook(tmp_path, code('print("first")'), code("var n = 0\nwhile true { n += 1 }"), code("1"))
    out = tmp_path / "out.ipynb"
    proc = subprocess.Popen([binary(), "run", path, "-o", str(out), "--allow-errors"], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 30
    while "In [2]" not in (proc.stdout.readline() or "") and time.monotonic() < deadline:
        pass
    time.sleep(0.3)
    proc.send_signal(sig)
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == status, err
    assert ("SIGTERM" if sig == signal.SIGTERM else "SIGINT") in err
    nb = read_valid(str(out))
    assert nb.cells[0].outputs[0].text == "first\n"
    assert nb.cells[1].outputs[0].ename == "Interrupted"
    assert nb.cells[2].outputs == [], "the run ends there, even with --allow-errors"
    assert sorted(os.listdir(tmp_path)) == ["nb.ipynb", "out.ipynb"], "no temporary files"


def test_killed_writes_leave_no_temporary_files(tmp_path):
    """kill -9 while a large checkpoint and a notebook are being written, again and again:
    the folder holds complete files or none, never a temporary one."""
    script = tmp_path / "save.tsr"
    script.write_text('let m = Sequential([Dense(4000)], seed: 1)\n'
                      'm.fit(randn([8, 3000]), tensor([0, 1, 2, 3, 0, 1, 2, 3]), epochs: 1)\n'
                      'while true { m.save("model.safetensors") }\n')
    for attempt in range(6):
        proc = subprocess.Popen([binary(), "run", str(script)], cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.monotonic() + 60
        while not (tmp_path / "model.safetensors").exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(0.05 + 0.07 * attempt)
        proc.kill()
        proc.wait()
        assert sorted(os.listdir(tmp_path)) == ["model.safetensors", "save.tsr"], os.listdir(tmp_path)
    from safetensors.numpy import load_file
    assert load_file(str(tmp_path / "model.safetensors"))["0.weight"].shape == (4000, 3000)


def test_inplace_default_output_and_a_closed_stdout(tmp_path):
    path = notebook(tmp_path, code("print(\"hi\")\n1 + 1"))
    assert tessera("run", path).returncode == 0
    default = str(tmp_path / "nb.executed.ipynb")
    assert read_valid(default).cells[0].outputs[1].data["text/plain"] == "2"
    assert tessera("run", path, "--inplace", "--quiet").returncode == 0
    assert read_valid(path).cells[0].execution_count == 1
    # `| head` closes stdout early: the run still writes its notebook.
    out = str(tmp_path / "piped.ipynb")
    subprocess.run(f'"{binary()}" run "{TOUR}" -o "{out}" | head -c 10 > /dev/null', shell=True, timeout=300)
    assert len(read_valid(out).cells) == len(nbformat.read(TOUR, as_version=4).cells)


def test_display_updates_across_cells_and_clear_output(tmp_path):
    path = notebook(tmp_path,
                    code('display(html("<b>0</b>"), id: "bar")'),
                    code('display(html("<b>9</b>"), id: "bar", update: true)\nprint("updated")'),
                    code('print("gone")\nclear(wait: true)\nprint("stays")'))
    out = str(tmp_path / "out.ipynb")
    assert tessera("run", path, "-o", out).returncode == 0
    nb = read_valid(out)
    assert nb.cells[0].outputs[0].data["text/html"] == "<b>9</b>"
    assert [o.output_type for o in nb.cells[1].outputs] == ["stream"]
    assert [o.text for o in nb.cells[2].outputs] == ["stays\n"]


def test_convert_to_script_and_html(tmp_path):
    script = str(tmp_path / "tour.tsr")
    run = tessera("convert", TOUR, "--to", "tsr", "-o", script)
    assert run.returncode == 0, run.stderr
    text = open(script).read()
    assert "// # A tour of Tessera in Jupyter" in text and "func lineChart" in text
    assert "// %vars" in text
    executed = str(tmp_path / "tour.out.ipynb")
    assert tessera("run", TOUR, "-o", executed, "--quiet").returncode == 0
    page = str(tmp_path / "tour.html")
    assert tessera("convert", executed, "--to", "html", "-o", page).returncode == 0
    html = open(page).read()
    assert html.startswith("<!DOCTYPE html>") and "<title>A tour of Tessera in Jupyter</title>" in html
    assert "<svg" in html and "<polyline" in html, "charts inline as SVG"
    assert "<table" in html and "IndexError" in html
    assert "&lt;progress" not in html.split("<main>")[1].split("In [")[0]
    bad = tmp_path / "bad.ipynb"
    bad.write_text("[]")
    run = tessera("convert", str(bad), "--to", "html")
    assert run.returncode == 2 and "bad.ipynb" in run.stderr


def test_paths_that_are_not_notebooks_say_what_they_are(tmp_path):
    fifo = tmp_path / "pipe.ipynb"
    os.mkfifo(fifo)
    loop = tmp_path / "loop.ipynb"
    os.symlink(loop, loop)
    for path, words in [(fifo, "a FIFO (named pipe), not a regular file"), (loop, "a loop of symbolic links"),
                        (tmp_path, "a folder"), (tmp_path / "missing.ipynb", "no such file")]:
        run = tessera("run", str(path), timeout=30)
        assert run.returncode == 2 and words in run.stderr, (path, run.stderr)
    script = tmp_path / "loop.tsr"
    os.symlink(script, script)
    run = tessera("run", str(script), timeout=30)
    assert run.returncode == 2 and "a loop of symbolic links" in run.stderr, run.stderr


def test_help_prints_in_scripts_and_piped_input(tmp_path):
    script = tmp_path / "help.tsr"
    script.write_text("%help zeros\n")
    run = tessera("run", str(script))
    assert run.returncode == 0 and "zeros(_ shape: Array) -> Tensor" in run.stdout, run.stdout + run.stderr
    piped = subprocess.run([binary()], input="dataset?\n", capture_output=True, text=True, timeout=60)
    assert piped.returncode == 0 and "dataset(_ name" in piped.stdout, piped.stdout + piped.stderr
