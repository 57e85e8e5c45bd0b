"""nbclient runs every notebook in notebooks/ against the Tessera kernel-spec, as
JupyterLab's "Run All" or a CI job would; the executed notebooks validate with nbformat."""
from __future__ import annotations

import glob
import os
import re

import nbclient
import nbformat
import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
# Executed copies that `make run` leaves beside the notebooks are outputs, not examples.
NOTEBOOKS = sorted(p for p in glob.glob(os.path.join(ROOT, "notebooks", "*.ipynb")) if not p.endswith(".executed.ipynb"))


def test_there_are_notebooks():
    assert NOTEBOOKS, "notebooks/ holds the examples that this suite runs"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[os.path.basename(p) for p in NOTEBOOKS])
def test_markdown_dollars_are_not_read_as_latex(path):
    """JupyterLab typesets text between two `$` as a formula: "$5 review ... $10" would
    lose its dollars. `\\$5` does not help there (Markdown turns it into `$5` before
    MathJax looks); `\\\\$5` does: Markdown leaves `\\$5`, which MathJax shows as `$5`
    (checked in JupyterLab 4.6 by `make check-browser`)."""
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            bare = re.findall(r"(?<!\\\\)\$\d", cell.source)
            assert not bare, f"{os.path.basename(path)}: unescaped dollar amounts {bare} in {cell.source[:80]!r}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[os.path.basename(p) for p in NOTEBOOKS])
def test_notebook_runs_and_validates(path, tmp_path):
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    assert nb.metadata.kernelspec.name == "tessera"
    # Cells tagged raises-exception may fail; any other error fails the run.
    nbclient.NotebookClient(nb, timeout=600, kernel_name="tessera").execute()
    out = tmp_path / os.path.basename(path)
    nbformat.write(nb, str(out))
    nbformat.validate(nbformat.read(str(out), as_version=4))
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        tagged = "raises-exception" in cell.metadata.get("tags", [])
        errors = [o for o in cell.outputs if o.output_type == "error"]
        assert bool(errors) == tagged, f"cell {cell.source[:60]!r}: errors {errors}"
        for o in cell.outputs:
            if o.output_type in ("execute_result", "display_data"):
                assert "text/plain" in o.data, "every rich output has a plain-text fallback"


def test_tour_progress_collapses_to_one_display_and_chart_is_svg():
    path = os.path.join(ROOT, "notebooks", "tour.ipynb")
    nb = nbformat.read(path, as_version=4)
    nbclient.NotebookClient(nb, timeout=600, kernel_name="tessera").execute()
    progress = next(c for c in nb.cells if 'id: "progress"' in c.source)
    displays = [o for o in progress.outputs if o.output_type == "display_data"]
    assert len(displays) == 1, "update_display_data replaces the display in place"
    assert 'value="40"' in displays[0].data["text/html"]
    chart = next(c for c in nb.cells if c.source.startswith("func lineChart"))
    svg = chart.outputs[0].data["image/svg+xml"]
    assert svg.startswith("<svg") and "<polyline" in svg
    error = next(c for c in nb.cells if "raises-exception" in c.metadata.get("tags", []))
    assert error.outputs[0].ename == "IndexError"
    assert "(cell 6, line 2, column 7)" in error.outputs[0].evalue
