#!/usr/bin/env python3
"""Text side by side in one run (issue 21): the word-language classifier of
dataset("wordlang") (single words of eight languages from Debian's wordlists), a
character-level transformer in Tessera and in PyTorch CPU, with the same data, the same
initial weights, the same batches and the same number of steps; a scikit-learn character
n-gram (1 to 4) TF-IDF plus logistic regression baseline on the same split; and an LSTM
layer's training throughput in both.

Same data: Tessera loads the data set (its seeded split), fits its character tokenizer on
the training words and writes the split and the vocabulary; PyTorch reads them and encodes
each word with that vocabulary. Same weights: Tessera saves its model's initial weights
(safetensors) and PyTorch loads them by name (Tessera's layers carry PyTorch's parameter
names). Same batches: both train on the rows in the split's (shuffled) order, batch after
batch, without reshuffling (shuffle: false), with dropout 0 so that nothing random is left.
The model: Embedding(64, 64, padding 0) + learned positions, a character-trigram convolution
(Conv1D(64, kernel 3, padding 1, GELU): attention alone learned n-grams slowly, and the
n-gram baseline was out of reach without it), two pre-norm transformer blocks (4 heads, GELU
feed-forward 256), masked mean over positions, Dense(8); 10 epochs of Adam(2e-3) decayed to 0 by
a cosine over the steps, batch 64, cross-entropy. Each side's default threads.

Then the character-level language model of the fortunes (dataset("fortunes")): a small causal
transformer, trained the same way on both sides (windows of 64 characters, same initial weights,
batches in order), reporting held-out bits per character (the issue's bar: within 2% of
PyTorch's) and windows per second.

Usage: .venv/bin/python bench/text.py --tessera .build/release/tessera [--epochs 10] [--lm-epochs 2]
"""
from __future__ import annotations

import argparse
import csv
import json
import os
import statistics
import tempfile
import time

from machine import describe
from tessera_script import run_tessera

LENGTH, WIDTH, VOCAB, CLASSES, BATCH = 24, 64, 64, 8, 64
# Training settings of the classifier, from the command line (see main).
SETTINGS = {"lr": 2e-3, "dropout": 0.0, "cosine": True, "marks": False}


def transformer() -> str:
    d = SETTINGS["dropout"]
    return (f"Sequential([Embedding({VOCAB}, {WIDTH}, padding: 0), PositionalEncoding(learned: true), "
            f"Conv1D({WIDTH}, kernel: 3, padding: 1, activation: .gelu), "
            f"TransformerEncoderBlock(heads: 4, dropout: {d}), TransformerEncoderBlock(heads: 4, dropout: {d}), "
            f"GlobalAveragePooling1D(), Dense({CLASSES})], seed: 1)")
LSTM = f"Sequential([Embedding({VOCAB}, {WIDTH}, padding: 0), LSTM(128), Dense({CLASSES})], seed: 1)"
# The fortunes language model: characters, windows of CONTEXT, two causal blocks.
CONTEXT, LM_VOCAB = 64, 100
LANGUAGE_MODEL = (f"Sequential([Embedding({LM_VOCAB}, {WIDTH}), PositionalEncoding(learned: true), "
                  f"TransformerEncoderBlock(heads: 4, dropout: 0, causal: true), TransformerEncoderBlock(heads: 4, dropout: 0, causal: true), "
                  f"Dense({LM_VOCAB})], seed: 1)")


def tessera_lm(binary: str, folder: str, epochs: int) -> dict:
    code = f"""let (fortunes, heldOut) = dataset("fortunes", seed: 1)
fortunes.writeCSV("{folder}/fortunes.csv")
heldOut.writeCSV("{folder}/held.csv")
let chars = Tokenizer(.characters, maxTokens: {LM_VOCAB}).fit(fortunes["text"])
print("vocabulary", chars.vocabulary)
let (x, y) = chars.windows(fortunes["text"], length: {CONTEXT})
let (xt, yt) = chars.windows(heldOut["text"], length: {CONTEXT})
print("windows", x.shape[0], xt.shape[0])
let lm = {LANGUAGE_MODEL}
let built = lm.predict(xt[0..<1])
lm.save("{folder}/lm.safetensors")
let t0 = clock()
let h = lm.fit(x, y, epochs: {epochs}, batchSize: {BATCH}, loss: .crossEntropy, shuffle: false)
print("speed", {epochs} * x.shape[0] / (clock() - t0))
print("bits", lm.evaluate(xt, yt)["loss"] / log(2))
"""
    out = {}
    for line in run_tessera(binary, code).splitlines():
        key, _, rest = line.partition(" ")
        if key == "vocabulary":
            out[key] = swift_strings(rest)
        elif key == "windows":
            out[key] = [int(v) for v in rest.split()]
        elif key in ("speed", "bits"):
            out[key] = float(rest)
    return out


def torch_lm(folder: str, vocabulary: list[str], epochs: int) -> dict:
    import math
    import torch
    import torch.nn as nn
    import torch.nn.functional as F
    from safetensors.torch import load_file
    ids = {t: i for i, t in enumerate(vocabulary)}

    def windows(path):
        with open(path, newline="") as f:
            texts = [r["text"] for r in csv.DictReader(f)]
        stream = [ids.get(ch, 1) for ch in "\n".join(texts)]
        count = (len(stream) - 1 - CONTEXT) // CONTEXT + 1
        t = torch.tensor(stream)
        starts = torch.arange(count)[:, None] * CONTEXT + torch.arange(CONTEXT)[None, :]
        return t[starts], t[starts + 1]
    x, y = windows(f"{folder}/fortunes.csv")
    xt, yt = windows(f"{folder}/held.csv")

    class LanguageModel(nn.Module):
        def __init__(self):
            super().__init__()
            self.emb = nn.Embedding(LM_VOCAB, WIDTH)
            self.pos = nn.Parameter(torch.zeros(CONTEXT, WIDTH))
            self.blocks = nn.ModuleList([nn.TransformerEncoderLayer(WIDTH, 4, 4 * WIDTH, dropout=0.0, batch_first=True, norm_first=True,
                                                                    activation=lambda v: F.gelu(v, approximate="tanh")) for _ in range(2)])
            self.out = nn.Linear(WIDTH, LM_VOCAB)
            self.register_buffer("causal", torch.triu(torch.ones(CONTEXT, CONTEXT, dtype=torch.bool), diagonal=1))

        def forward(self, tokens):
            h = self.emb(tokens) + self.pos
            for block in self.blocks:
                h = block(h, src_mask=self.causal, is_causal=True)
            return self.out(h)
    model = LanguageModel()
    weights = load_file(f"{folder}/lm.safetensors")
    named = {"0.weight": model.emb.weight, "1.weight": model.pos, "4.weight": model.out.weight, "4.bias": model.out.bias}
    for b, block in enumerate(model.blocks):
        named.update({f"{2 + b}.{k}": p for k, p in block.named_parameters()})
    with torch.no_grad():
        for k, p in named.items():
            p.copy_(weights[k])
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    t0 = time.perf_counter()
    for _ in range(epochs):
        model.train()
        for i in range(0, len(x), BATCH):
            opt.zero_grad()
            out = model(x[i:i + BATCH])
            F.cross_entropy(out.reshape(-1, LM_VOCAB), y[i:i + BATCH].reshape(-1)).backward()
            opt.step()
    speed = epochs * len(x) / (time.perf_counter() - t0)
    model.eval()
    with torch.no_grad():
        total = sum(float(F.cross_entropy(model(xt[i:i + 256]).reshape(-1, LM_VOCAB), yt[i:i + 256].reshape(-1), reduction="sum"))
                    for i in range(0, len(xt), 256))
    return {"speed": speed, "bits": total / yt.numel() / math.log(2), "windows": [len(x), len(xt)]}


def tessera_side(binary: str, folder: str, epochs: int, lstm_rows: int, repeats: int) -> dict:
    marks = '.apply("word", { w in "^" + w + "$" })' if SETTINGS["marks"] else ""
    steps = epochs * ((32000 + BATCH - 1) // BATCH)
    schedule = f", schedule: cosine(steps: {steps})" if SETTINGS["cosine"] else ""
    code = f"""let (raw, rawTest) = dataset("wordlang", seed: 1)
let train = raw{marks}
let test = rawTest{marks}
train.writeCSV("{folder}/train.csv")
test.writeCSV("{folder}/test.csv")
let tok = Tokenizer(.characters, maxTokens: {VOCAB}).fit(train["word"])
print("vocabulary", tok.vocabulary)
let net = {transformer()}
let built = net.predict(tok.encode(["a"], length: {LENGTH}))
net.save("{folder}/initial.safetensors")
let model = Pipeline([TextVectorization("word", tokenizer: tok, length: {LENGTH}), net])
let optimizer = Adam(lr: {SETTINGS["lr"]})
for e in 0..<{epochs} {{
    let t0 = clock()
    let h = model.fit(train, target: "label", epochs: 1, batchSize: {BATCH}, optimizer: optimizer, seed: e, shuffle: false{schedule})
    print("epoch", train.rows / (clock() - t0))
}}
print("accuracy", model.evaluate(test, metrics: ["accuracy"])["accuracy"])
print("classes", model.classes)
let lstm = Pipeline([TextVectorization("word", tokenizer: tok, length: {LENGTH}), {LSTM}])
let part = train.head({lstm_rows})
let warm = lstm.fit(part.head({BATCH * 4}), target: "label", epochs: 1, batchSize: {BATCH}, shuffle: false)
for r in 0..<{repeats} {{
    let t0 = clock()
    let h = lstm.fit(part, target: "label", epochs: 1, batchSize: {BATCH}, shuffle: false)
    print("lstm", part.rows / (clock() - t0))
}}
"""
    out = {"epoch": [], "lstm": []}
    for line in run_tessera(binary, code).splitlines():
        key, _, rest = line.partition(" ")
        if key in ("epoch", "lstm"):
            out[key].append(float(rest))
        elif key in ("vocabulary", "classes"):
            out[key] = swift_strings(rest)
        elif key == "accuracy":
            out[key] = float(rest)
    return out


def swift_strings(text: str) -> list[str]:
    """An Array of Strings as Tessera prints it (Swift's escapes: \\n \\t \\r \\0 \\" \\\\ \\u{1B})."""
    out, i = [], text.index("[") + 1
    while True:
        start = text.find('"', i)
        if start < 0:
            return out
        chars, i = [], start + 1
        while text[i] != '"':
            if text[i] == "\\":
                nxt = text[i + 1]
                if nxt == "u":
                    end = text.index("}", i)
                    chars.append(chr(int(text[i + 3:end], 16)))
                    i = end + 1
                    continue
                chars.append({"n": "\n", "t": "\t", "r": "\r", "0": "\0"}.get(nxt, nxt))
                i += 2
            else:
                chars.append(text[i])
                i += 1
        out.append("".join(chars))
        i += 1


def read(path: str) -> tuple[list[str], list[str]]:
    with open(path, newline="") as f:
        rows = list(csv.DictReader(f))
    return [r["word"] for r in rows], [r["label"] for r in rows]


def torch_side(folder: str, vocabulary: list[str], classes: list[str], epochs: int, lstm_rows: int, repeats: int) -> dict:
    import torch
    import torch.nn as nn
    import torch.nn.functional as F
    from safetensors.torch import load_file
    ids = {t: i for i, t in enumerate(vocabulary)}

    def encode(words):
        out = torch.zeros(len(words), LENGTH, dtype=torch.long)
        for r, w in enumerate(words):
            for j, ch in enumerate(w[:LENGTH]):
                out[r, j] = ids.get(ch, 1)
        return out
    (train_words, train_labels), (test_words, test_labels) = read(f"{folder}/train.csv"), read(f"{folder}/test.csv")
    x, xt = encode(train_words), encode(test_words)
    index = {c: i for i, c in enumerate(classes)}
    y, yt = torch.tensor([index[c] for c in train_labels]), torch.tensor([index[c] for c in test_labels])

    class Transformer(nn.Module):
        def __init__(self):
            super().__init__()
            self.emb = nn.Embedding(VOCAB, WIDTH, padding_idx=0)
            self.pos = nn.Parameter(torch.zeros(LENGTH, WIDTH))
            self.conv = nn.Conv1d(WIDTH, WIDTH, 3, padding=1)
            self.blocks = nn.ModuleList([nn.TransformerEncoderLayer(WIDTH, 4, 4 * WIDTH, dropout=SETTINGS["dropout"], batch_first=True, norm_first=True,
                                                                    activation=lambda v: F.gelu(v, approximate="tanh")) for _ in range(2)])
            self.out = nn.Linear(WIDTH, CLASSES)

        def forward(self, tokens):
            mask = tokens != 0
            m = mask.float()[..., None]
            h = self.emb(tokens) + self.pos
            # Tessera's Conv1D zeroes padded positions going in (channels last there).
            h = F.gelu(self.conv((h * m).transpose(1, 2)), approximate="tanh").transpose(1, 2)
            for block in self.blocks:
                h = block(h, src_key_padding_mask=~mask)
            return self.out((h * m).sum(1) / m.sum(1).clamp(min=1))

        def load_tessera(self, weights):
            named = {"0.weight": self.emb.weight, "1.weight": self.pos, "2.weight": self.conv.weight, "2.bias": self.conv.bias,
                     "6.weight": self.out.weight, "6.bias": self.out.bias}
            for b, block in enumerate(self.blocks):
                named.update({f"{3 + b}.{k}": p for k, p in block.named_parameters()})
            with torch.no_grad():
                for k, p in named.items():
                    p.copy_(weights[k])
            assert set(named) == {k for k in weights if not k.startswith("optimizer.")}, sorted(weights)

    model = Transformer()
    model.load_tessera(load_file(f"{folder}/initial.safetensors"))
    opt = torch.optim.Adam(model.parameters(), lr=SETTINGS["lr"])
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=epochs * ((len(x) + BATCH - 1) // BATCH)) if SETTINGS["cosine"] else None
    speeds = []
    for _ in range(epochs):
        model.train()
        t0 = time.perf_counter()
        for i in range(0, len(x), BATCH):
            opt.zero_grad()
            F.cross_entropy(model(x[i:i + BATCH]), y[i:i + BATCH]).backward()
            opt.step()
            if sched:
                sched.step()
        speeds.append(len(x) / (time.perf_counter() - t0))
    model.eval()
    with torch.no_grad():
        accuracy = float((model(xt).argmax(1) == yt).float().mean())

    class Recurrent(nn.Module):
        def __init__(self):
            super().__init__()
            self.emb = nn.Embedding(VOCAB, WIDTH, padding_idx=0)
            self.lstm = nn.LSTM(WIDTH, 128, batch_first=True)
            self.out = nn.Linear(128, CLASSES)

        def forward(self, tokens):
            return self.out(self.lstm(self.emb(tokens))[1][0][0])
    lstm = Recurrent()
    opt = torch.optim.Adam(lstm.parameters(), lr=1e-3)
    xs, ys = x[:lstm_rows], y[:lstm_rows]

    def lstm_epoch(rows):
        for i in range(0, rows, BATCH):
            opt.zero_grad()
            F.cross_entropy(lstm(xs[i:i + BATCH]), ys[i:i + BATCH]).backward()
            opt.step()
    lstm_epoch(BATCH * 4)
    lstm_speeds = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        lstm_epoch(len(xs))
        lstm_speeds.append(len(xs) / (time.perf_counter() - t0))
    return {"epoch": speeds, "accuracy": accuracy, "lstm": lstm_speeds, "threads": torch.get_num_threads(), "version": torch.__version__}


def sklearn_side(folder: str) -> tuple[float, float]:
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    (xw, yw), (tw, ty) = read(f"{folder}/train.csv"), read(f"{folder}/test.csv")
    t0 = time.perf_counter()
    model = make_pipeline(TfidfVectorizer(analyzer="char", ngram_range=(1, 4)), LogisticRegression(max_iter=1000))
    model.fit(xw, yw)
    return float((model.predict(tw) == __import__("numpy").array(ty)).mean()), time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--tessera", default=".build/release/tessera")
    ap.add_argument("--epochs", type=int, default=10)
    ap.add_argument("--lstm-rows", type=int, default=4096)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--lm-epochs", type=int, default=2)
    ap.add_argument("--lr", type=float, default=2e-3, help="the classifier's Adam rate")
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--dropout", type=float, default=0.0, help="above 0, the two sides' dropout masks differ: their runs are then alike, not one")
    ap.add_argument("--cosine", action=argparse.BooleanOptionalAction, default=True, help="cosine decay of the rate to 0 over the classifier's steps")
    ap.add_argument("--marks", action="store_true", help='words as "^word$", so a position code can tell a start and an end')
    a = ap.parse_args()
    global BATCH, LENGTH
    BATCH = a.batch
    if a.marks:
        LENGTH += 2
    SETTINGS.update(lr=a.lr, dropout=a.dropout, cosine=a.cosine, marks=a.marks)
    import torch
    print(describe(), f"; torch {torch.__version__} ({torch.get_num_threads()} threads); default settings each", flush=True)
    with tempfile.TemporaryDirectory() as folder:
        ours = tessera_side(a.tessera, folder, a.epochs, a.lstm_rows, a.repeats)
        theirs = torch_side(folder, ours["vocabulary"], ours["classes"], a.epochs, a.lstm_rows, a.repeats)
        baseline, seconds = sklearn_side(folder)
        print(f"wordlang: {a.epochs} epochs of batch {BATCH}, Adam({a.lr}){' with cosine decay' if a.cosine else ''}, dropout {a.dropout}"
              f"{', words marked ^word$' if a.marks else ''}; same initial weights and batches")
        print(f"  {'':<34} {'pytorch':>9} {'tessera':>9} {'ratio':>6}")
        o, t = statistics.median(ours["epoch"]), statistics.median(theirs["epoch"])
        print(f"  {'transformer training, samples/s':<34} {t:9.0f} {o:9.0f} {o / t:6.2f}")
        print(f"  {'transformer test accuracy':<34} {theirs['accuracy']:9.4f} {ours['accuracy']:9.4f} {100 * (ours['accuracy'] - theirs['accuracy']):+5.2f} pp")
        o, t = statistics.median(ours["lstm"]), statistics.median(theirs["lstm"])
        print(f"  {'LSTM(128) training, samples/s':<34} {t:9.0f} {o:9.0f} {o / t:6.2f}")
        print(f"  scikit-learn char 1-4 gram TF-IDF + logistic regression: accuracy {baseline:.4f} ({seconds:.0f} s to fit)", flush=True)
        if a.lm_epochs > 0:
            lm_ours = tessera_lm(a.tessera, folder, a.lm_epochs)
            lm_theirs = torch_lm(folder, lm_ours["vocabulary"], a.lm_epochs)
            same = "same windows" if lm_ours["windows"] == lm_theirs["windows"] else f"WINDOWS DIFFER: {lm_ours['windows']} vs {lm_theirs['windows']}"
            print(f"fortunes language model: {a.lm_epochs} epochs of batch {BATCH}, windows of {CONTEXT} characters ({same}), same initial weights and batches")
            print(f"  {'training, windows/s':<34} {lm_theirs['speed']:9.0f} {lm_ours['speed']:9.0f} {lm_ours['speed'] / lm_theirs['speed']:6.2f}")
            print(f"  {'held-out bits per character':<34} {lm_theirs['bits']:9.4f} {lm_ours['bits']:9.4f} {100 * (lm_ours['bits'] / lm_theirs['bits'] - 1):+5.2f} %")


if __name__ == "__main__":
    main()
