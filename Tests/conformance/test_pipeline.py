"""A model is its pipeline, as a Jupyter user meets it: fitted on raw rows in one kernel,
saved, and loaded in a second kernel (a fresh process) that predicts the same raw rows bit
for bit; the file is read by Python's safetensors, and its pipeline metadata is the JSON
docs/design.md documents."""
import json

import numpy as np
from safetensors.numpy import load_file

from kernel_session import KernelSession

FIT = (
    'let raw = dataset("fraud", rows: 4000, seed: 3, dirty: true).drop(["currency", "column16", "distance_km"]).filter { r in (r.label == 0 || r.label == 1) && (r.amount_ratio == nil || abs(r.amount_ratio) < inf) }\n'
    'let (train, test) = raw.split(0.8, stratify: "label", seed: 1)\n'
    'let model = Pipeline([Impute(.median), OneHot(["merchant_category"], unseen: .other), Standardize(), '
    'Sequential([Dense(16, activation: .relu), Dense(2)], seed: 1)])\n'
    'let h = model.fit(train, target: "label", epochs: 2)\n'
)
TEST = ('let test = dataset("fraud", rows: 4000, seed: 3, dirty: true).drop(["currency", "column16", "distance_km"])'
        '.filter { r in (r.label == 0 || r.label == 1) && (r.amount_ratio == nil || abs(r.amount_ratio) < inf) }.split(0.8, stratify: "label", seed: 1).1\n')


def bits(values: str) -> np.ndarray:
    return np.array(json.loads(values), dtype=np.float32).view(np.uint32)


def fit_and_save(path: str, *expressions: str) -> list:
    """Fits the pipeline in a kernel of its own, saves it, and returns the expressions' results."""
    ks = KernelSession()
    try:
        ks.result(FIT)
        ks.run(f'model.save("{path}")')
        return [ks.result(e) for e in expressions]
    finally:
        ks.close()


def test_a_saved_pipeline_predicts_raw_rows_bit_for_bit_in_a_second_kernel(tmp_path):
    path = str(tmp_path / "fraud.safetensors")
    before, proba = fit_and_save(path, "model.predict(test).values", "model.predictProba(test).values")
    second = KernelSession()
    try:
        second.result(TEST + f'let back = load("{path}")')
        assert np.array_equal(bits(second.result("back.predict(test).values")), bits(before))
        assert np.array_equal(bits(second.result("back.predictProba(test).values")), bits(proba))
        # The rows with their columns reversed: the same numbers.
        assert np.array_equal(bits(second.result("back.predict(test.select(test.columns.reversed())).values")), bits(before))
        # The dirty set's gaps are imputed as in the first kernel (the commonest category).
        assert second.result("test.column(\"merchant_category\").missing > 0") == "true"
    finally:
        second.close()


def test_the_file_is_safetensors_with_the_documented_pipeline_json(tmp_path):
    path = str(tmp_path / "fraud.safetensors")
    fit_and_save(path)
    tensors = load_file(path)
    assert {"0.weight", "0.bias", "1.weight", "1.bias"} <= set(tensors)
    with open(path, "rb") as f:
        n = int.from_bytes(f.read(8), "little")
        meta = json.loads(f.read(n))["__metadata__"]
    pipeline = json.loads(meta["pipeline"])
    assert pipeline["format"] == 1
    assert [s["kind"] for s in pipeline["steps"]] == ["Impute", "OneHot", "Standardize"]
    schema = pipeline["schema"]
    assert schema["target"] == "label"
    names = [f["name"] for f in schema["features"]]
    assert names[:3] == ["time", "hour", "amount"] and "label" not in names
    assert {f["name"]: f["dtype"] for f in schema["features"]}["merchant_category"] == "string"
    onehot = pipeline["steps"][1]["fitted"]["categories"][0]
    assert onehot["name"] == "merchant_category" and onehot["other"] is True and len(onehot["values"]) == 8
    scales = {p["name"]: (p["mean"], p["std"]) for p in pipeline["steps"][2]["fitted"]["parameters"]}
    assert scales["amount"][1] > 0
    fills = {f["name"]: f["value"] for f in pipeline["steps"][0]["fitted"]["fills"]}
    assert set(fills["amount"]) == {"double"}
    profile = {f["name"]: f for f in pipeline["profile"]["features"]}
    assert profile["amount"]["min"] <= profile["amount"]["mean"] <= profile["amount"]["max"]
    assert len(profile["amount"]["distribution"]["edges"]) == 9 and len(profile["amount"]["distribution"]["fractions"]) == 10
    # The network's first layer takes what the transforms make: 11 numeric and Bool
    # columns, and the 8 categories with (other).
    assert tensors["0.weight"].shape[1] == len(names) - 1 + 9
