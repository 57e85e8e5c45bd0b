"""The frame essentials against pandas on the same data, with missing values: writeCSV
(read back by Tessera and by pandas), sort, valueCounts, groupBy(...).aggregate, concat,
join, unique, apply, clip and log1p. Tessera writes each result with writeCSV; pandas
reads it and compares it with its own result on the same input."""
import json
import math
import os
import subprocess

import numpy as np
import pandas as pd


def binary() -> str:
    return json.load(open(os.path.join(os.environ["TESSERA_KERNELSPEC"], "kernel.json")))["argv"][0]


def generated(path: str) -> pd.DataFrame:
    rng = np.random.default_rng(7)
    n = 500
    df = pd.DataFrame({
        "key": rng.integers(0, 12, n),
        "city": rng.choice(["Köln", "Paris", "New York, NY", 'say "hi"', "Zürich"], n),
        "x": rng.normal(5, 3, n).round(3),
        "y": rng.integers(-50, 50, n).astype(float),
        "flag": rng.random(n) < 0.4,
    })
    df.loc[rng.random(n) < 0.1, "x"] = np.nan
    df.loc[rng.random(n) < 0.05, "city"] = None
    df.loc[rng.random(n) < 0.08, "y"] = np.nan
    df.to_csv(path, index=False)
    return pd.read_csv(path)


def run_tessera(script: str) -> str:
    out = subprocess.run([binary()], input=script, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stdout + out.stderr
    return out.stdout


def cells(df: pd.DataFrame) -> list:
    """Rows as lists, NaN and None as None, numbers as floats, for comparison."""
    def cell(v):
        if v is None or (isinstance(v, float) and math.isnan(v)):
            return None
        if isinstance(v, (bool, np.bool_)):
            return bool(v)
        if isinstance(v, (int, float, np.integer, np.floating)):
            return float(v)
        return v
    return [[cell(v) for v in row] for row in df.astype(object).itertuples(index=False)]


def same(a: pd.DataFrame, b: pd.DataFrame, rel: float = 1e-9) -> None:
    assert list(a.columns) == list(b.columns), (list(a.columns), list(b.columns))
    ra, rb = cells(a), cells(b)
    assert len(ra) == len(rb), (len(ra), len(rb))
    for i, (x, y) in enumerate(zip(ra, rb)):
        for j, (p, q) in enumerate(zip(x, y)):
            if isinstance(p, float) and isinstance(q, float):
                assert math.isclose(p, q, rel_tol=rel, abs_tol=1e-12), (i, a.columns[j], p, q)
            else:
                assert p == q, (i, a.columns[j], p, q)


def test_frame_essentials_agree_with_pandas(tmp_path):
    src = str(tmp_path / "data.csv")
    df = generated(src)
    other = pd.DataFrame({"key": list(range(0, 16, 2)) + [4], "label": [f"k{k}" for k in range(0, 16, 2)] + ["k4again"]})
    other_path = str(tmp_path / "other.csv")
    other.to_csv(other_path, index=False)
    out = lambda name: str(tmp_path / f"{name}.csv")  # noqa: E731
    script = f'''
let f = readCSV("{src}")
let o = readCSV("{other_path}")
print(readCSV(f.writeCSV("{out('roundtrip')}")) == f)
f.sort(by: ["city", "x"], ascending: [true, false]).writeCSV("{out('sort')}")
f.valueCounts("city").writeCSV("{out('counts')}")
f.groupBy("key").aggregate(["x": ["count", "sum", "mean", "min", "max", "std"], "y": ["sum", "max"]]).writeCSV("{out('group')}")
f.groupBy(["city", "flag"]).aggregate(["y": "mean"]).writeCSV("{out('group2')}")
f.groupBy("key").mean().writeCSV("{out('groupmean')}")
f.groupBy("city").max().writeCSV("{out('groupmax')}")
concat([f.head(20).drop(["y"]), f.tail(30)]).writeCSV("{out('concat')}")
f.join(o, on: "key").writeCSV("{out('inner')}")
f.join(o, on: "key", how: .left).writeCSV("{out('left')}")
print(f.unique("city"))
f.apply("x", {{ v in v * 2 + 1 }}, as: "x2").writeCSV("{out('apply')}")
f.clip(["x", "y"], lower: 0, upper: 8).writeCSV("{out('clip')}")
f.clip(["y"], lower: -10.5).writeCSV("{out('clip2')}")
f.apply("y", {{ v in abs(v) }}).log1p(["y"]).writeCSV("{out('log1p')}")
let s = f.sample(n: 50, seed: 3)
print(s.rows, s == f.sample(n: 50, seed: 3), s == f.sample(n: 50, seed: 4))
'''
    lines = run_tessera(script).strip().splitlines()
    assert lines[0] == "true", lines
    read = lambda name: pd.read_csv(out(name))  # noqa: E731

    # The written file reads back in pandas as the original does.
    same(read("roundtrip"), df)
    same(read("sort"), df.sort_values(["city", "x"], ascending=[True, False], kind="stable", na_position="last").reset_index(drop=True))
    counts = read("counts")
    expected = df["city"].value_counts()
    assert list(counts["count"]) == sorted(counts["count"], reverse=True)
    assert dict(zip(counts["city"], counts["count"])) == expected.to_dict()

    g = df.groupby("key").agg(x_count=("x", "count"), x_sum=("x", "sum"), x_mean=("x", "mean"), x_min=("x", "min"),
                              x_max=("x", "max"), x_std=("x", "std"), y_sum=("y", "sum"), y_max=("y", "max")).reset_index()
    same(read("group"), g)
    g2 = df.groupby(["city", "flag"]).agg(y_mean=("y", "mean")).reset_index()
    same(read("group2"), g2)
    same(read("groupmean"), df.groupby("key").mean(numeric_only=True).reset_index())
    same(read("groupmax"), df.groupby("city").max().reset_index())
    same(read("concat"), pd.concat([df.head(20).drop(columns=["y"]), df.tail(30)], ignore_index=True))
    same(read("inner"), pd.merge(df, other, on="key", how="inner"))
    same(read("left"), pd.merge(df, other, on="key", how="left"))
    uniques = json.loads(lines[1].replace("nil", "null"))
    assert uniques == [None if (isinstance(v, float) and math.isnan(v)) else v for v in df["city"].unique()]
    applied = df.copy()
    applied["x2"] = df["x"].apply(lambda v: v * 2 + 1)
    same(read("apply"), applied)
    clipped = df.copy()
    clipped[["x", "y"]] = df[["x", "y"]].clip(0, 8)
    same(read("clip"), clipped)
    clipped2 = df.copy()
    clipped2["y"] = df["y"].clip(lower=-10.5)
    same(read("clip2"), clipped2)
    logged = df.copy()
    logged["y"] = np.log1p(df["y"].abs())
    same(read("log1p"), logged, rel=1e-12)
    assert lines[2] == "50 true false", lines[2]
