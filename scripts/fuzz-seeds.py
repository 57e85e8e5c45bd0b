#!/usr/bin/env python3
"""Writes the seed corpora of the fuzz harnesses (Fuzz/corpus/<harness>/): small, valid
and nearly valid inputs of each format, so libFuzzer starts from the shapes the decoders
know. Run again after changing a format; the files are committed."""
import hashlib
import hmac
import json
import os
import struct

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "Fuzz", "corpus")


def write(harness: str, name: str, data: bytes) -> None:
    folder = os.path.join(OUT, harness)
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, name), "wb") as f:
        f.write(data)


def notebook_cells():
    for name in sorted(os.listdir(os.path.join(ROOT, "notebooks"))):
        if name.endswith(".ipynb") and ".executed." not in name:
            nb = json.load(open(os.path.join(ROOT, "notebooks", name)))
            for i, cell in enumerate(nb["cells"]):
                if cell["cell_type"] == "code":
                    yield f"{name[:-6]}-{i}", "".join(cell["source"])


# The language: every code cell of the notebooks, and constructs the lexer finds hard.
for name, source in notebook_cells():
    write("lexer", name + ".tsr", source.encode())
for i, text in enumerate([
    'let s = """\n    a \\(x + 1)\n    """\n',
    '/* a /* nested */ comment */ let x = 0x1F + 1_000 + 1e-3',
    'func f(_ x, by k = 2.0) { return x * k }\nf(3, by: 4)',
    '[1, 2].map { $0 * 2 }.filter({ $0 > 2 }).reduce(0) { $0 + $1 }',
    'let (a, b) = (1, "é\\u{1F600}")\nguard a > 0 else { throw error("no") }',
    'var d = ["a": 1]\nd["b"] = 2\nfor (k, v) in d { print("\\(k)=\\(v)") }',
    'let cafe\u0301 = 1\n%time cafe\u0301 ?? nil',
    'x?.y ?? z ? 1 : 2 ... 3 ..< 4 ** 5 @ 6',
]):
    write("lexer", f"syntax-{i}.tsr", text.encode())

# CSV: quoting, line endings, encodings, ragged rows.
csvs = {
    "quoted.csv": b'name,note,n\n"Smith, J","line one\nline two",1\n"say ""hi""",plain,2\n',
    "crlf.csv": b"a,b\r\n1,x\r\n\r\n2,y\r\n",
    "cr.csv": b"a,b,label\r1,2,x\r3,4,y\r",
    "latin1.csv": "city,n\nKöln,1\nMálaga,2\n".encode("latin-1"),
    "mixed.csv": "city,n\ncafé,1\n".encode() + b"K\xf6ln,2\n",
    "utf16.csv": "a,b\n1,é\n".encode("utf-16"),
    "bom.csv": b"\xef\xbb\xbfx;y\n1;2\n",
    "ragged.csv": b"a,b,c\n1,2,3\n4,5\n6,7,8,9\n",
    "na.csv": b"a,b\n1,NA\n2,\nnull,n/a\n",
    "tabs.tsv": b"a\tb\n1\t2.5\n3\t-4e2\n",
    "dups.csv": b"x,x,,x\n1,2,3,4\n",
    "unterminated.csv": b'a,b\n1,"open\n2,3\n',
}
for name, data in csvs.items():
    write("csv", name, data)


# Safetensors: a real little file, and headers at the edges.
def safetensors(header: dict, payload: bytes) -> bytes:
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    return struct.pack("<Q", len(text)) + text + payload


arch = json.dumps({"layers": [{"kind": "Dense", "units": 2, "activation": 0, "bias": 1}], "seed": 1, "input_shape": [3]})
weights = struct.pack("<6f", *[0.1 * i for i in range(6)]) + struct.pack("<2f", 0, 0)
write("safetensors", "model.safetensors", safetensors({
    "__metadata__": {"format": "tessera", "architecture": arch},
    "0.bias": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]},
    "0.weight": {"dtype": "F32", "shape": [2, 3], "data_offsets": [8, 32]}}, weights))
write("safetensors", "empty.safetensors", safetensors({}, b""))
write("safetensors", "zero-dim.safetensors", safetensors({"a": {"dtype": "F32", "shape": [0, 4], "data_offsets": [0, 0]}}, b""))
write("safetensors", "f64.safetensors", safetensors({"a": {"dtype": "F64", "shape": [1], "data_offsets": [0, 8]}}, b"\0" * 8))

# The stdio protocol's lines.
for i, line in enumerate([
    {"msg_id": "a1", "msg_type": "execute_request", "content": {"code": "let x = 1 + 1\nx", "silent": False}},
    {"msg_id": "a2", "msg_type": "complete_request", "content": {"code": "pri", "cursor_pos": 3}},
    {"msg_type": "interrupt_request"},
    {"header": {"msg_id": "h", "msg_type": "kernel_info_request"}, "content": {}},
    {"msg_id": "a3", "msg_type": "input_reply", "content": {"value": "é\u0000"}},
]):
    write("jsonlines", f"line-{i}.json", json.dumps(line).encode())
write("jsonlines", "numbers.json", b'{"msg_id":"n","msg_type":"x","content":{"a":[1e308,-0.0,1E-400,123456789012345678901]}}')
write("jsonlines", "escapes.json", b'{"msg_id":"\\ud83d\\ude00","msg_type":"\\u0000","content":{}}')

# The Jupyter wire: mode byte (even: the harness signs), then frames joined by |||.
def frames(header, parent, metadata, content, *buffers):
    return b"|||".join(json.dumps(x).encode() if not isinstance(x, bytes) else x
                       for x in (header, parent, metadata, content, *buffers))


execute = {"msg_id": "m1", "msg_type": "execute_request", "session": "s", "username": "u", "version": "5.3", "date": ""}
write("wire", "execute-signed", b"\0" + frames(execute, {}, {}, {"code": "1 + 1", "silent": False}))
write("wire", "buffers-signed", b"\0" + frames(execute, {}, {}, {"code": "1"}, b"\x00\x01", b""))
write("wire", "parent-array", b"\0" + frames(execute, [], {}, {"code": "1"}))
parts = [json.dumps(x).encode() for x in (execute, {}, {}, {"code": "2"})]
signature = hmac.new(b"fuzz-key", b"".join(parts), hashlib.sha256).hexdigest().encode()
write("wire", "raw-signed", b"\1" + b"|||".join([b"id", b"<IDS|MSG>", signature] + parts))
write("wire", "raw-truncated", b"\1" + b"|||".join([b"<IDS|MSG>", b"sig", b"{}"]))

# Notebooks: the repository's, and small ones at the edges.
for name in ["tour.ipynb", "03-networks.ipynb"]:
    write("notebook", name, open(os.path.join(ROOT, "notebooks", name), "rb").read())
minimal = {"cells": [{"cell_type": "code", "execution_count": None, "id": "a", "metadata": {"tags": ["parameters"]},
                      "outputs": [], "source": ["let lr = 0.1\n"]}],
           "metadata": {"kernelspec": {"name": "tessera", "display_name": "Tessera", "language": "tessera"}},
           "nbformat": 4, "nbformat_minor": 5}
write("notebook", "minimal.ipynb", json.dumps(minimal).encode())
write("notebook", "nbformat3.ipynb", json.dumps({"worksheets": [], "metadata": {}, "nbformat": 3, "nbformat_minor": 0}).encode())
