"""What a user meets in the first minutes of a Jupyter session (issue 16), through
jupyter_client: Tab and Shift+Tab on calls, large values shown truncated, and progress
bars that are one bar each and end at their final state."""
import re

import pytest

from kernel_session import KernelSession


@pytest.fixture(scope="module")
def ks():
    s = KernelSession()
    yield s
    s.close()


def complete(ks, code, cursor=None):
    msg_id = ks.kc.complete(code, len(code) if cursor is None else cursor)
    return ks.shell_reply(msg_id)["content"]


def inspect(ks, code, cursor=None):
    msg_id = ks.kc.inspect(code, len(code) if cursor is None else cursor)
    content = ks.shell_reply(msg_id)["content"]
    return content["data"].get("text/plain") if content["found"] else None


def test_tab_after_a_call_offers_the_members_of_its_result(ks):
    reply = complete(ks, 'dataset("iris").des')
    assert reply["matches"] == ["describe"] and reply["cursor_start"] == len('dataset("iris").')
    assert "fit" in complete(ks, "Sequential([Dense(4), Dense(1)]).")["matches"]
    assert "mean" in complete(ks, 'dataset("fraud")["amount"].')["matches"]


def test_keyword_arguments_complete(ks):
    reply = complete(ks, "Dense(10, act")
    assert reply["matches"][0] == "activation:", reply["matches"]
    assert reply["cursor_start"] == len("Dense(10, ")
    assert "rows:" in complete(ks, 'dataset("fraud", ')["matches"]


def test_shift_tab_inside_a_call_shows_the_callee(ks):
    for code, head in [("print(", "print(_ items: Any..."), ('dataset(', "dataset(_ name"), ("Sequential(", "Sequential(_ layers"),
                       ("Dense(10, ", "Dense(_ units: Int, activation:")]:
        doc = inspect(ks, code)
        assert doc is not None and doc.startswith(head), (code, doc)


def test_large_values_are_truncated(ks):
    shown = ks.result("Array(0..<100000)")
    assert len(shown) < 200 and "99,990 more elements" in shown, shown
    ks.result('let fashion = dataset("fashion_mnist").0')
    reply, outputs = ks.run("fashion")
    data = next(m for m in outputs if m["msg_type"] == "execute_result")["content"]["data"]
    assert data["text/html"].count("<th>") == 1 + 20 + 1, "index, 10 + 10 columns and the ellipsis"
    assert data["text/html"].count("<tr>") == 1 + 2 + 11, "header, dtype and missing rows, 5 + … + 5 rows"
    assert "Frame: 60,000 rows × 785 columns" in data["text/plain"]
    assert "5.84333" in ks.result('dataset("iris").describe()')
    ks.result("displayOptions(maxRows: 20, maxColumns: 4, precision: 3)")
    data = next(m for m in ks.run("fashion")[1] if m["msg_type"] == "execute_result")["content"]["data"]
    assert data["text/html"].count("<th>") == 1 + 4 + 1 and data["text/html"].count("<tr>") == 1 + 2 + 21
    ks.result("displayOptions(maxColumns: 20)")
    assert "5.84 " in ks.result('dataset("iris").describe()')
    ks.run("%reset")


def progress(outputs):
    """The progress displays of a cell: display id → its messages' data, in order."""
    bars = {}
    for m in outputs:
        if m["msg_type"] in ("display_data", "update_display_data") and "tessera-progress" in m["content"]["data"].get("text/html", ""):
            bars.setdefault(m["content"]["transient"]["display_id"], []).append(m["content"]["data"])
    return bars


def test_one_bar_per_display_and_a_short_fit_leaves_its_final_line(ks):
    ks.result('let (train, test) = dataset("iris").split(0.8, stratify: "label", seed: 1)')
    reply, outputs = ks.run('let h = Sequential([Dense(8, activation: .relu), Dense(3)], seed: 1).fit(train, target: "label", epochs: 2)')
    assert reply["content"]["status"] == "ok"
    bars = progress(outputs)
    assert len(bars) == 1, bars
    final = list(bars.values())[0][-1]
    assert "done in" in final["text/plain"] and "100%" in final["text/plain"], final
    html = final["text/html"]
    assert html.count("<progress") == 1 and "█" not in html and "░" not in html, html


def test_a_fit_that_stops_early_ends_its_bar_there(ks):
    code = ('let early = Sequential([Dense(32, activation: .relu), Dense(3)], seed: 1)\n'
            '    .fit(train, target: "label", epochs: 3000, batchSize: 8, validation: test, earlyStopping: 2)')
    reply, outputs = ks.run(code, timeout=120)
    assert reply["content"]["status"] == "ok"
    assert ks.result("early.stopped") == '"early stopping"'
    epochs = int(ks.result("early.epochs"))
    bars = progress(outputs)
    assert len(bars) == 1, bars
    for shown in bars.values():
        final = shown[-1]["text/plain"]
        assert f"stopped early at epoch {epochs}" in final, final
        assert re.search(r'value="0\.\d+"', shown[-1]["text/html"]), "the bar stays where training stopped"


def test_a_study_leaves_one_final_line_and_its_short_fits_none(ks):
    code = ('let s = tune(["width": intRange(4, 16)], objective: Objective("accuracy", .maximize), budget: 4, method: .random) { p, t in\n'
            '    let h = Sequential([Dense(p.width, activation: .relu), Dense(3)], seed: 1).fit(train, target: "label", epochs: 1, validation: test)\n'
            '    return ["accuracy": h.last["val_accuracy"]]\n}')
    reply, outputs = ks.run(code, timeout=120)
    assert reply["content"]["status"] == "ok", reply["content"]
    bars = progress(outputs)
    finals = [shown[-1]["text/plain"] for shown in bars.values()]
    study = [f for f in finals if f.startswith("tune ")]
    assert len(study) == 1 and "4/4 trials" in study[0] and "done in" in study[0], finals
    assert all("done in" in f or " after " in f for f in finals), "every bar ends at its final state"


def test_a_study_stopped_by_an_error_ends_its_bar(ks):
    code = ('let broken = tune(["x": uniform(0, 1)], objective: "loss", budget: 5, method: .random) { p, t in\n'
            '    if t.number == 2 { return undefinedName }\n    return p.x\n}')
    reply, outputs = ks.run(code)
    assert reply["content"]["status"] == "error" and reply["content"]["ename"] == "NameError"
    finals = [shown[-1]["text/plain"] for shown in progress(outputs).values()]
    assert len(finals) == 1 and "stopped at an error in trial 2" in finals[0], finals
