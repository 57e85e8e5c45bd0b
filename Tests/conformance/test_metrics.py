"""Every metric against scikit-learn on the same inputs, random and edge cases, with and
without sample weights. The expected values come from scikit-learn, here, at test time."""
from __future__ import annotations

import json
import math
import os
import subprocess
import tempfile

import numpy as np
import pytest
from sklearn import metrics as skm
from sklearn.calibration import calibration_curve


def binary() -> str:
    return json.load(open(os.path.join(os.environ["TESSERA_KERNELSPEC"], "kernel.json")))["argv"][0]


def literal(xs) -> str:
    if isinstance(xs, np.ndarray):
        xs = xs.tolist()
    return json.dumps(xs)


def run(lines: list[str]) -> dict[str, float]:
    """Runs a Tessera script whose lines print `name value`; returns the values."""
    with tempfile.NamedTemporaryFile("w", suffix=".tsr", delete=False) as f:
        f.write("\n".join(lines) + "\n")
    try:
        p = subprocess.run([binary(), "run", f.name], capture_output=True, text=True, timeout=120)
    finally:
        os.unlink(f.name)
    assert p.returncode == 0, p.stderr
    out = {}
    for line in p.stdout.splitlines():
        name, value = line.split(" ", 1)
        out[name] = float(value)
    return out


def close(a: float, b: float, rel: float = 1e-9) -> bool:
    return math.isclose(a, b, rel_tol=rel, abs_tol=1e-12)


def assert_matches(lines: list[str], expected: dict[str, float]) -> None:
    """Runs the script and checks every printed value against scikit-learn's."""
    got = run(lines)
    for name, value in expected.items():
        assert close(got[name], value), (name, got[name], value)


def binary_case(seed: int, n: int = 400, ties: bool = False):
    rng = np.random.default_rng(seed)
    y = (rng.random(n) < 0.3).astype(int)
    s = np.clip(0.35 * y + rng.random(n) * 0.65, 0, 1)
    if ties:
        s = np.round(s, 1)
    p = (s >= 0.5).astype(int)
    w = rng.random(n) * 3
    return y, s, p, w


@pytest.mark.parametrize("seed,ties,weighted", [(1, False, False), (2, False, True), (3, True, False), (4, True, True)])
def test_binary_metrics_match_sklearn(seed, ties, weighted):
    y, s, p, w = binary_case(seed, ties=ties)
    sw = w if weighted else None
    ws = f", weights: w" if weighted else ""
    lines = [f"let y = {literal(y)}", f"let s = {literal(s)}", f"let p = {literal(p)}", f"let w = {literal(w)}"]
    expected = {
        "accuracy": skm.accuracy_score(y, p, sample_weight=sw),
        "balancedAccuracy": skm.balanced_accuracy_score(y, p, sample_weight=sw),
        "precision": skm.precision_score(y, p, sample_weight=sw),
        "recall": skm.recall_score(y, p, sample_weight=sw),
        "f1": skm.f1_score(y, p, sample_weight=sw),
        "mcc": skm.matthews_corrcoef(y, p, sample_weight=sw),
        "rocAUC": skm.roc_auc_score(y, s, sample_weight=sw),
        "prAUC": skm.average_precision_score(y, s, sample_weight=sw),
        "logLoss": skm.log_loss(y, s, sample_weight=sw),
        "brier": skm.brier_score_loss(y, s, sample_weight=sw),
    }
    for name in expected:
        args = "s" if name in ("rocAUC", "prAUC", "logLoss", "brier") else "p"
        lines.append(f'print("{name}", {name}(y, {args}{ws}))')
    lines.append(f'print("fbeta", fbeta(y, p, beta: 2{ws}))')
    expected["fbeta"] = skm.fbeta_score(y, p, beta=2, sample_weight=sw)
    assert_matches(lines, expected)


@pytest.mark.parametrize("weighted", [False, True])
def test_multiclass_metrics_match_sklearn(weighted):
    rng = np.random.default_rng(7)
    n, k = 300, 3
    y = rng.integers(0, k, n)
    logits = rng.normal(size=(n, k)) + np.eye(k)[y] * 1.2
    proba = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    p = proba.argmax(axis=1)
    w = rng.random(n) * 2
    sw = w if weighted else None
    ws = ", weights: w" if weighted else ""
    lines = [f"let y = {literal(y)}", f"let p = {literal(p)}", f"let proba = {literal(proba)}", f"let w = {literal(w)}"]
    expected = {
        "accuracy": skm.accuracy_score(y, p, sample_weight=sw),
        "balancedAccuracy": skm.balanced_accuracy_score(y, p, sample_weight=sw),
        "mcc": skm.matthews_corrcoef(y, p, sample_weight=sw),
        "rocAUC_macro": skm.roc_auc_score(y, proba, multi_class="ovr", average="macro", sample_weight=sw),
        "rocAUC_weighted": skm.roc_auc_score(y, proba, multi_class="ovr", average="weighted", sample_weight=sw),
        "logLoss": skm.log_loss(y, proba, sample_weight=sw),
    }
    lines += [f'print("accuracy", accuracy(y, p{ws}))', f'print("balancedAccuracy", balancedAccuracy(y, p{ws}))',
              f'print("mcc", mcc(y, p{ws}))', f'print("rocAUC_macro", rocAUC(y, proba, average: .macro{ws}))',
              f'print("rocAUC_weighted", rocAUC(y, proba, average: .weighted{ws}))', f'print("logLoss", logLoss(y, proba{ws}))']
    for average in ("macro", "micro", "weighted"):
        for name, fn in (("precision", skm.precision_score), ("recall", skm.recall_score), ("f1", skm.f1_score)):
            expected[f"{name}_{average}"] = fn(y, p, average=average, sample_weight=sw)
            lines.append(f'print("{name}_{average}", {name}(y, p, average: .{average}{ws}))')
    assert_matches(lines, expected)


@pytest.mark.parametrize("weighted", [False, True])
def test_regression_metrics_match_sklearn(weighted):
    rng = np.random.default_rng(11)
    y = rng.normal(10, 3, 200)
    p = y + rng.normal(0, 1, 200)
    w = rng.random(200)
    sw = w if weighted else None
    ws = ", weights: w" if weighted else ""
    expected = {
        "mse": skm.mean_squared_error(y, p, sample_weight=sw),
        "rmse": math.sqrt(skm.mean_squared_error(y, p, sample_weight=sw)),
        "mae": skm.mean_absolute_error(y, p, sample_weight=sw),
        "r2": skm.r2_score(y, p, sample_weight=sw),
    }
    lines = [f"let y = {literal(y)}", f"let p = {literal(p)}", f"let w = {literal(w)}"]
    lines += [f'print("{n}", {n}(y, p{ws}))' for n in expected]
    assert_matches(lines, expected)


def test_edge_cases_match_sklearn():
    y = [0, 0, 1, 1, 1]
    all_negative = [0, 0, 0, 0, 0]
    perfect = [0.1, 0.2, 0.8, 0.9, 0.7]
    got = run([f"let y = {y}", f"let z = {all_negative}", f"let s = {perfect}",
               'print("precision_zero", precision(y, z))', 'print("f1_zero", f1(y, z))', 'print("mcc_zero", mcc(y, z))',
               'print("auc_perfect", rocAUC(y, s))', 'print("ap_perfect", prAUC(y, s))',
               'print("r2_constant", r2([2.0, 2.0, 2.0], [2.0, 2.0, 2.0]))', 'print("r2_constant_off", r2([2.0, 2.0], [1.0, 3.0]))'])
    assert got["precision_zero"] == skm.precision_score(y, all_negative, zero_division=0)
    assert got["f1_zero"] == skm.f1_score(y, all_negative, zero_division=0)
    assert got["mcc_zero"] == skm.matthews_corrcoef(y, all_negative)
    assert got["auc_perfect"] == skm.roc_auc_score(y, perfect) == 1.0
    assert close(got["ap_perfect"], skm.average_precision_score(y, perfect))
    assert got["r2_constant"] == skm.r2_score([2.0, 2.0, 2.0], [2.0, 2.0, 2.0])
    assert got["r2_constant_off"] == skm.r2_score([2.0, 2.0], [1.0, 3.0])


def test_ece_matches_calibration_curve():
    rng = np.random.default_rng(5)
    p = rng.random(1000)
    y = (rng.random(1000) < p ** 1.3).astype(int)
    prob_true, prob_pred = calibration_curve(y, p, n_bins=10, strategy="uniform")
    bins = np.searchsorted(np.linspace(0, 1, 11)[1:-1], p)
    counts = np.bincount(bins, minlength=10)
    counts = counts[counts > 0]
    expected = float(np.sum(counts / len(p) * np.abs(prob_true - prob_pred)))
    got = run([f"let y = {literal(y)}", f"let p = {literal(p)}", 'print("ece", ece(y, p))'])
    assert close(got["ece"], expected), (got["ece"], expected)


def test_business_value_and_threshold_sweep():
    y, s, p, _ = binary_case(9)
    amount = np.round(np.random.default_rng(9).lognormal(3, 1.2, len(y)), 2)
    caught = float(amount[(y == 1) & (p == 1)].sum())
    expected_recall = caught / float(amount[y == 1].sum())
    expected_precision = caught / float(amount[p == 1].sum())
    value = np.where(y == 1, np.where(p == 1, 50 + amount, -amount), np.where(p == 1, -10, 0)).sum()
    # The best threshold by brute force over every distinct score.
    best_value, best_threshold = -math.inf, None
    for t in sorted(set(s.tolist())):
        q = (s >= t).astype(int)
        v = np.where(y == 1, np.where(q == 1, 50 + amount, -amount), np.where(q == 1, -10, 0)).sum()
        if v > best_value:
            best_value, best_threshold = v, t
    got = run([f"let y = {literal(y)}", f"let s = {literal(s)}", f"let p = {literal(p)}", f"let a = {literal(amount)}",
               'print("amountRecall", amountRecall(y, p, amount: a))', 'print("amountPrecision", amountPrecision(y, p, amount: a))',
               "let value = costMatrix(tp: { row in 50 + row.amount }, fp: -10, fn: { row in -row.amount }, tn: 0)",
               'print("value", value(y, p, amount: a))', 'print("profit", profit(y, p, gain: value, amount: a))',
               "let sweep = thresholdSweep(y, s, value, amount: a)",
               'print("best_value", sweep.best.value)', 'print("best_threshold", sweep.best.threshold)',
               'let f1sweep = thresholdSweep(y, s, "f1")', 'print("f1_at_best", f1sweep.best.value)'])
    assert close(got["amountRecall"], expected_recall)
    assert close(got["amountPrecision"], expected_precision)
    assert close(got["value"], float(value)) and close(got["profit"], float(value))
    assert close(got["best_value"], float(best_value))
    assert got["best_threshold"] == best_threshold
    best_f1 = max(skm.f1_score(y, (s >= t).astype(int)) for t in set(s.tolist()))
    assert close(got["f1_at_best"], best_f1)


def test_bad_input_is_a_value_error_that_names_the_argument():
    cases = {
        "accuracy([0, 1], [0])": "yPred has 1",
        "rocAUC([1, 1, 1], [0.2, 0.5, 0.9])": "only one class is present",
        "logLoss([0, 1], [0.5, 1.5])": "must be probabilities in [0, 1]",
        "mse([1.0, nan], [1.0, 2.0])": "yTrue has a non-finite value",
        "accuracy([], [])": "yTrue is empty",
        "precision([0, 1, 2], [0, 1, 2])": "average: .binary needs two classes",
        "f1([0, 1], [1, 0], average: .sideways)": "f1(average:) is one of .binary",
        "Constraint(\"precision\")": "give atLeast: or atMost:",
    }
    for code, message in cases.items():
        with tempfile.NamedTemporaryFile("w", suffix=".tsr", delete=False) as f:
            f.write(code + "\n")
        p = subprocess.run([binary(), "run", f.name], capture_output=True, text=True, timeout=60)
        os.unlink(f.name)
        assert p.returncode == 1, code
        assert "ValueError" in p.stderr and message in p.stderr, (code, p.stderr)


def test_value_report_puts_counts_beside_amounts():
    y = [1, 1, 1, 0, 0]
    p = [1, 0, 1, 1, 0]
    a = [100.0, 900.0, 50.0, 20.0, 5.0]
    with tempfile.NamedTemporaryFile("w", suffix=".tsr", delete=False) as f:
        f.write(f"valueReport({y}, {p}, amount: {a})\n")
    out = subprocess.run([binary(), "run", f.name], capture_output=True, text=True, timeout=60).stdout
    os.unlink(f.name)
    assert "caught 67% of positives (2 of 3) and 14% of their amount" in out, out
    assert "$900" in out  # the missed amount


@pytest.mark.parametrize("n", [5, 200, 1000, 4099])
def test_metrics_agree_with_scikit_learn_to_the_last_bit(n):
    """Not only within a tolerance: the same Double as scikit-learn, because a user who
    compares the two prints sees every digit. Means and areas are numpy's pairwise sums, F
    comes from the counts, and the ROC area is summed over the curve's corners only."""
    rng = np.random.default_rng(n)
    y = rng.integers(0, 2, n)
    s = np.round(rng.random(n), 3)
    pred = (s > 0.5).astype(int)
    w = np.round(rng.random(n) * 3, 2)
    r = rng.normal(size=n).round(3)
    rp = (r + rng.normal(size=n) * 0.5).round(3)
    y3, p3 = rng.integers(0, 3, n), rng.integers(0, 3, n)
    expected = {
        "accuracy": skm.accuracy_score(y, pred), "f1": skm.f1_score(y, pred), "fbeta": skm.fbeta_score(y, pred, beta=2),
        "f1macro": skm.f1_score(y3, p3, average="macro"), "mcc": skm.matthews_corrcoef(y, pred),
        "rocAUC": skm.roc_auc_score(y, s), "rocAUCw": skm.roc_auc_score(y, s, sample_weight=w),
        "prAUC": skm.average_precision_score(y, s), "prAUCw": skm.average_precision_score(y, s, sample_weight=w),
        "logLoss": skm.log_loss(y, s), "logLossw": skm.log_loss(y, s, sample_weight=w),
        "brier": skm.brier_score_loss(y, s), "mse": skm.mean_squared_error(r, rp), "msew": skm.mean_squared_error(r, rp, sample_weight=w),
        "mae": skm.mean_absolute_error(r, rp), "rmse": skm.root_mean_squared_error(r, rp), "r2": skm.r2_score(r, rp),
        "r2w": skm.r2_score(r, rp, sample_weight=w),
    }
    if len(set(y.tolist())) < 2:
        pytest.skip("one class only")
    got = run([f"let y = {literal(y)}", f"let s = {literal(s)}", f"let pred = {literal(pred)}", f"let w = {literal(w)}",
               f"let r = {literal(r)}", f"let rp = {literal(rp)}", f"let y3 = {literal(y3)}", f"let p3 = {literal(p3)}",
               'print("accuracy", accuracy(y, pred))', 'print("f1", f1(y, pred))', 'print("fbeta", fbeta(y, pred, beta: 2))',
               'print("f1macro", f1(y3, p3, average: .macro))', 'print("mcc", mcc(y, pred))',
               'print("rocAUC", rocAUC(y, s))', 'print("rocAUCw", rocAUC(y, s, weights: w))',
               'print("prAUC", prAUC(y, s))', 'print("prAUCw", prAUC(y, s, weights: w))',
               'print("logLoss", logLoss(y, s))', 'print("logLossw", logLoss(y, s, weights: w))',
               'print("brier", brier(y, s))', 'print("mse", mse(r, rp))', 'print("msew", mse(r, rp, weights: w))',
               'print("mae", mae(r, rp))', 'print("rmse", rmse(r, rp))', 'print("r2", r2(r, rp))', 'print("r2w", r2(r, rp, weights: w))'])
    differ = {k: (got[k], float(v)) for k, v in expected.items() if got[k] != float(v)}
    assert not differ, differ
