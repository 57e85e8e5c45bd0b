"""Training as a Jupyter front end sees it: a live progress display updated in place, an
interrupt that stops between batches and keeps the model and its History, and
checkpoints that Python's safetensors reads back with the same tensors."""
import json
import os
import time

import numpy as np
import pytest
from safetensors.numpy import load_file

from kernel_session import KernelSession


@pytest.fixture
def ks():
    s = KernelSession()
    yield s
    s.close()


SETUP = (
    'let (train, test) = dataset("iris").split(0.8, stratify: "label", seed: 1)\n'
    'let model = Sequential([Dense(32, activation: .relu), Dense(3)], seed: 1)\n'
)


def test_progress_is_one_display_updated_in_place(ks):
    ks.result(SETUP)
    reply, outputs = ks.run('let h = model.fit(train, target: "label", epochs: 300, batchSize: 8, validation: test)')
    assert reply["content"]["status"] == "ok", reply["content"]
    shown = [m for m in outputs if m["msg_type"] == "display_data"]
    updates = [m for m in outputs if m["msg_type"] == "update_display_data"]
    assert len(shown) == 1 and len(updates) >= 2, [m["msg_type"] for m in outputs]
    ids = {m["content"]["transient"]["display_id"] for m in shown + updates}
    assert len(ids) == 1
    last = updates[-1]["content"]["data"]
    assert "4,500/4,500 batches" in last["text/plain"] and "val_accuracy" in last["text/plain"], last["text/plain"]
    assert "text/html" in last
    assert ks.result("h.epochs") == "300"


def test_an_interrupt_stops_after_the_batch_and_keeps_the_model(ks):
    ks.result(SETUP)
    msg_id = ks.kc.execute('let h = model.fit(train, target: "label", epochs: 100000, batchSize: 4)')
    time.sleep(1.5)
    ks.km.interrupt_kernel()
    reply = ks.shell_reply(msg_id, timeout=20)
    assert reply["content"]["status"] == "error" and reply["content"]["ename"] == "Interrupted"
    assert ks.result("model.history.stopped") == '"interrupted"'
    assert int(ks.result("model.history.epochs")) >= 1
    # The model is whole: it predicts, and training goes on from where it stopped.
    assert ks.result("model.predict(test, target: \"label\").shape") == "[30, 3]"
    reply, _ = ks.run('let again = model.fit(train, target: "label", epochs: 1)')
    assert reply["content"]["status"] == "ok"


def test_checkpoints_read_back_with_python_safetensors(ks, tmp_path):
    path = str(tmp_path / "iris.safetensors")
    ks.result(SETUP)
    ks.run(f'let h = model.fit(train, target: "label", epochs: 5, optimizer: Adam(lr: 0.01))\nmodel.save("{path}")')
    tensors = load_file(path)
    assert sorted(k for k in tensors if not k.startswith("optimizer.")) == ["0.bias", "0.weight", "1.bias", "1.weight"]
    assert tensors["0.weight"].shape == (32, 4) and tensors["0.weight"].dtype == np.float32
    assert {k for k in tensors if k.startswith("optimizer.")} == {f"optimizer.{p}.{s}" for p in ["0.bias", "0.weight", "1.bias", "1.weight"] for s in "mv"}
    with open(path, "rb") as f:
        n = int.from_bytes(f.read(8), "little")
        meta = json.loads(f.read(n))["__metadata__"]
    assert meta["format"] == "tessera"
    assert [l["kind"] for l in json.loads(meta["architecture"])["layers"]] == ["Dense", "Dense"]
    assert json.loads(meta["optimizer"])["kind"] == "Adam"
    assert meta["loss"] == "crossEntropy"
    # numpy's forward pass with the file's tensors, through the softmax of its loss, gives
    # the loaded model's prediction (probabilities, for a classifier).
    w = np.array(json.loads(ks.result('load("%s").predict(tensor([[5.1, 3.5, 1.4, 0.2]])).values' % path)), dtype=np.float32)
    x = np.array([[5.1, 3.5, 1.4, 0.2]], dtype=np.float32)
    h = np.maximum(x @ tensors["0.weight"].T + tensors["0.bias"], 0)
    logits = h @ tensors["1.weight"].T + tensors["1.bias"]
    softmax = np.exp(logits - logits.max(axis=1, keepdims=True))
    np.testing.assert_allclose(w, softmax / softmax.sum(axis=1, keepdims=True), rtol=1e-5, atol=1e-6)
