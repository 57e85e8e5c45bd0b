"""Cells that ask for the impossible, through `tessera kernel --stdio` as a user's program
would send them: sizes that overflow or exceed memory, numbers out of range, runaway
loops. Each one is a clear error of the right kind, the process lives, and every variable
the session held before is still there."""
from __future__ import annotations

import json
import subprocess
import time

import pytest

from stdio_kernel import StdioKernel, binary

# (cell, error kind, words the error must contain)
CASES = [
    # Sizes that wrap a 64-bit count, or that memory cannot hold.
    ("zeros([4611686018427387904])", "MemoryError", "more bytes than a 64-bit size can count"),
    ("zeros([100000, 100000])", "MemoryError", "of memory is available"),
    ("ones([4294967296, 4294967296])", "MemoryError", "more than a 64-bit size can count"),
    ("randn([1000000, 1]) + randn([1, 1000000])", "MemoryError", "combining shapes [1000000, 1] and [1, 1000000]"),
    ("randn([200000, 1]) @ randn([1, 200000])", "MemoryError", "the product [200000, 1] @ [1, 200000]"),
    ("oneHot(tensor([1]).int(), classes: 9223372036854775807)", "MemoryError", "oneHot of 1 labels"),
    ("zeros([4611686018427387904, 4, 0]).sum(axis: 2)", "MemoryError", "more than a 64-bit size can count"),
    ("arange(0, 1e300, 1e-300)", "MemoryError", "more than a 64-bit size can count"),
    ("stack(Array(repeating: zeros([1000, 1000]), count: 100000))", "MemoryError", "of memory is available"),
    ("Array(repeating: 0, count: 4611686018427387904)", "MemoryError", "more bytes than a 64-bit size can count"),
    ('"ab" * 4611686018427387904', "MemoryError", "a string repeated"),
    ("(0..<4611686018427387904).map { $0 }", "MemoryError", "map over 4611686018427387904 elements"),
    ("(0..<4611686018427387904).sorted()", "MemoryError", "elements of 0..<4611686018427387904"),
    ('dataset("fraud", rows: 9223372036854775807)', "MemoryError", 'dataset("fraud"'),
    ("Sequential([Dense(2000000000)], seed: 1).fit(randn([4, 2000000000 / 1000000]), tensor([0, 1, 0, 1]), epochs: 1)",
     "MemoryError", "weights of shape"),
    # Shapes and ranges that cannot be.
    ("zeros([3]).reshape([4294967296, 4294967296])", "ShapeError", "more values than a 64-bit size can count"),
    ("0...9223372036854775807", "ValueError", "cannot end at Int.max"),
    ("(-9223372036854775807)..<9223372036854775807", "ValueError", "more values than an Int can count"),
    ("Conv2D(2, kernel: 1000000000)", "ValueError", "from 1 to 1048576"),
    ('tune(["x": uniform(0, 1)], objective: "loss", budget: 3, method: .grid, gridPoints: 9223372036854775807) { p, t in p.x }',
     "TuneError", "more than 1000000 points"),
    # Numbers out of range are errors, never traps.
    ("threads(1e300)", "ValueError", "1e+300 is out of range"),
    ("randn([2], seed: 1e300)", "ValueError", "1e+300 is out of range"),
    ("randn([2], seed: nan)", "ValueError", "needs an Int, got nan"),
    ("zeros([2.5])", "TypeError", "needs an Int, got Double"),
    ("9223372036854775807 + 1", "ValueError", "integer overflow"),
    ("arange(-1e300)", None, None),
    ('Sequential([Dense(3)], seed: 1).fit(randn([8, 4]), tensor([0, 1, 2, 0, 1, 2, 0, 1]), epochs: 1, batchSize: 9223372036854775807)', None, None),
    # Element-wise arithmetic belongs to tensors (LANGUAGE.md: Arrays concatenate under +).
    ("[1, 2] * 2", "TypeError", "tensor(xs) * 2"),
]


@pytest.fixture(scope="module")
def kernel():
    k = StdioKernel()
    k.result('let kept = 41\nvar notes = ["before"]')
    yield k
    k.close()


@pytest.mark.parametrize("code,kind,words", CASES, ids=[c[0][:60] for c in CASES])
def test_a_hostile_cell_is_a_clear_error_and_the_session_lives(kernel, code, kind, words):
    reply, messages = kernel.execute(code, timeout=120)
    if kind is None:
        assert reply["status"] in ("ok", "error"), reply
    else:
        assert reply["status"] == "error", reply
        assert reply["ename"] == kind, reply
        assert words in reply["evalue"], reply["evalue"]
        shown = [m for m in messages if m["msg_type"] == "error"]
        assert shown and shown[0]["content"]["traceback"][0].startswith(kind)
    assert kernel.result("kept + 1") == "42"
    assert kernel.result("notes") == '["before"]'


def test_threads_beyond_the_cores_are_capped_with_a_warning(kernel):
    reply, messages = kernel.execute("threads(100000)")
    assert reply["status"] == "ok"
    warned = "".join(m["content"]["text"] for m in messages if m["msg_type"] == "stream" and m["content"]["name"] == "stderr")
    assert "using" in warned and "core" in warned
    cores = int(kernel.result("threads()"))
    assert 1 <= cores <= 4096
    # A product is as quick as with the default setting (no oversubscribed threads spinning).
    start = time.monotonic()
    kernel.result("(randn([512, 512]) @ randn([512, 512])).shape")
    assert time.monotonic() - start < 30
    kernel.result("threads(0)")


@pytest.mark.parametrize("code", [
    "(0..<1000000000000).forEach { x in }",
    "(0..<1000000000000).contains(where: { $0 < 0 })",
    "(0..<1000000000000).filter { $0 < 0 }.count",
    "(0..<1000000000000).reduce(0) { $0 + $1 }",
    "var spins = 0\nwhile true { spins += 1 }",
    'tune(["x": uniform(0, 1)], objective: "loss", budget: 9223372036854775807) { p, t in p.x }',
    'dataset("fraud", rows: 20000000)',
])
def test_long_work_stops_at_an_interrupt(kernel, code):
    kernel.count += 1
    mid = f"long{kernel.count}"
    kernel.send({"msg_id": mid, "msg_type": "execute_request", "content": {"code": code}})
    kernel.messages(lambda m: m.get("parent_id") == mid and m["msg_type"] == "execute_input")
    time.sleep(1.0)
    start = time.monotonic()
    kernel.send({"msg_id": f"{mid}-stop", "msg_type": "interrupt_request", "content": {}})
    ms = kernel.messages(lambda m: m.get("parent_id") == mid and m["msg_type"] == "execute_reply", timeout=30)
    assert time.monotonic() - start < 5, "the interrupt lands within seconds"
    assert ms[-1]["content"]["ename"] == "Interrupted", ms[-1]["content"]
    kernel.messages(lambda m: m.get("parent_id") == mid and m["msg_type"] == "status" and m["content"]["execution_state"] == "idle")
    assert kernel.result("kept") == "41"


def test_end_of_input_interrupts_a_runaway_cell_and_exits_within_a_second():
    k = StdioKernel()
    k.send({"msg_id": "loop", "msg_type": "execute_request", "content": {"code": "var n = 0\nwhile true { n += 1 }"}})
    k.send({"msg_id": "after", "msg_type": "execute_request", "content": {"code": "1 + 1"}})
    k.messages(lambda m: m.get("parent_id") == "loop" and m["msg_type"] == "execute_input")
    start = time.monotonic()
    k.proc.stdin.close()
    status = k.proc.wait(timeout=10)
    elapsed = time.monotonic() - start
    assert elapsed < 1.5, f"exited {elapsed:.2f} s after EOF"
    assert status == 0
    rest = k.proc.stdout.read().decode()
    assert '"ename":"Interrupted"' in rest, rest[-500:]
    assert '"parent_id":"after"' in rest and '"status":"aborted"' in rest, "the queued cell is answered aborted, not run"


def test_end_of_input_lets_what_was_sent_finish():
    """A program that writes its requests and closes stdin, as subprocess.run(input=...) and a
    shell pipe do, gets the replies of its (quick) cells, and the kernel exits 0 at once."""
    cells = ["let x = 2", "x * 21", 'print("hi")']
    lines = "".join(json.dumps({"msg_id": f"c{i}", "msg_type": "execute_request", "content": {"code": c}}) + "\n"
                    for i, c in enumerate(cells))
    start = time.monotonic()
    done = subprocess.run([binary(), "kernel", "--stdio"], input=lines.encode(), capture_output=True, timeout=30)
    assert done.returncode == 0, done.stderr.decode()[-2000:]
    assert time.monotonic() - start < 5
    ms = [json.loads(l) for l in done.stdout.decode().splitlines()]
    replies = {m["parent_id"]: m["content"]["status"] for m in ms if m["msg_type"] == "execute_reply"}
    assert replies == {"c0": "ok", "c1": "ok", "c2": "ok"}, replies
    assert [m["content"]["data"]["text/plain"] for m in ms if m["msg_type"] == "execute_result"] == ["42"]
    assert [m["content"]["text"] for m in ms if m["msg_type"] == "stream"] == ["hi\n"]


@pytest.mark.parametrize("line,words,echo", [
    ('{"msg_id":"s","msg_type":"execute_request","content":{"code":"1","silent":"yes"}}', "content.silent must be true or false", "s"),
    ('{"msg_id":"c","msg_type":"complete_request","content":{"code":"pri","cursor_pos":"3"}}', "content.cursor_pos must be a whole number", "c"),
    ('{"msg_id":"e","msg_type":"execute_request","content":{"code":5}}', "content.code must be a string", "e"),
    ('{"msg_id":"u","msg_type":"execute_request","content":{"code":"1","user_expressions":[]}}', "content.user_expressions must be a JSON object", "u"),
    ('{"msg_id":7,"msg_type":"execute_request","content":{"code":"1"}}', '"msg_id" must be a string, not 7', 7),
    ('{"msg_id":{"a":1},"msg_type":"kernel_info_request"}', '"msg_id" must be a string', {"a": 1}),
])
def test_a_wrong_typed_field_is_an_error_naming_it(kernel, line, words, echo):
    kernel.send(line)
    ms = kernel.messages(lambda m: m["msg_type"] == "error" and m.get("parent_id") == echo)
    assert words in ms[-1]["content"]["evalue"], ms[-1]
    assert kernel.result("kept") == "41"


@pytest.mark.parametrize("code,words", [
    ("var xs: [Int] = []\nwhile true { xs.append(1) }", "an Array grown past"),
    ("var grid = [[Int]()]\nwhile true { grid[0].append(1) }", "an Array grown past"),
    ("var d: [Int: Int] = [:]\nvar i = 0\nwhile true { d[i] = i; i += 1 }", "a Dict grown past"),
    ("var s = Set<Int>()\nvar i = 0\nwhile true { s.insert(i); i += 1 }", "a Set grown past"),
])
def test_a_collection_that_grows_forever_is_a_memory_error_not_an_abort(code, words):
    """Growth checks the memory the doubled storage needs before it asks for it: without the
    check, an append loop ended the process with Swift's 'failed to allocate' abort."""
    k = StdioKernel(env={"TESSERA_MEMORY_LIMIT": "256MB"})
    try:
        k.result("let kept = 41")
        reply, _ = k.execute(code, timeout=120)
        assert reply["status"] == "error", reply
        assert reply["ename"] == "MemoryError", reply
        assert words in reply["evalue"], reply["evalue"]
        assert k.result("kept + 1") == "42"
    finally:
        k.close()


def test_a_100_mb_cell_runs_under_a_4_gb_address_space_limit():
    """The lexer keeps one copy of the text (four bytes a byte) and reserves nothing in
    proportion to it: a cell that is one 100 MB string runs where an address-space limit
    of 4 GB would have made it abort."""
    import resource

    def limit():
        resource.setrlimit(resource.RLIMIT_AS, (4 << 30, 4 << 30))

    proc = subprocess.Popen([binary(), "kernel", "--stdio"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, preexec_fn=limit)
    size = 100_000_000
    code = 'let s = "' + "x" * size + '"\ns.count'
    proc.stdin.write((json.dumps({"msg_id": "big", "msg_type": "execute_request", "content": {"code": code}}) + "\n").encode())
    proc.stdin.flush()
    result = None
    for line in proc.stdout:
        m = json.loads(line)
        if m["msg_type"] == "execute_result":
            result = m["content"]["data"]["text/plain"]
        if m["msg_type"] == "status" and m["content"]["execution_state"] == "idle" and m["parent_id"] == "big":
            break
    proc.stdin.close()
    assert proc.wait(timeout=30) == 0, proc.stderr.read()[-2000:]
    assert result == str(size)


@pytest.mark.parametrize("tail,kind", [
    ("deep == deep", None),
    ("[deep, deep].sorted()", "ValueError"),
    ("tensor(deep)", "ShapeError"),
    ("sqrt(deep)", "ValueError"),
    ("deep", None),
])
def test_values_nested_a_million_levels_deep_do_not_exhaust_the_stack(kernel, tail, kind):
    kernel.result("var deep = [1.0]\nfor i in 0..<1000000 { deep = [deep] }")
    reply, _ = kernel.execute(tail)
    if kind:
        assert reply["status"] == "error" and reply["ename"] == kind, reply
    else:
        assert reply["status"] == "ok", reply
    assert kernel.result("kept") == "41"


def test_a_checkpoint_with_optimizer_state_of_the_wrong_shape_is_refused(kernel, tmp_path):
    """Saved by Tessera, rewritten by Python's safetensors with one Adam moment of the
    wrong shape: load() refuses it (before, training on it wrote past a heap buffer)."""
    import numpy as np
    from safetensors.numpy import load_file, save_file
    from safetensors import safe_open

    good = str(tmp_path / "good.safetensors")
    kernel.result(f'let m = Sequential([Dense(3)], seed: 1)\n'
                  f'm.fit(randn([8, 4]), tensor([0, 1, 2, 0, 1, 2, 0, 1]), epochs: 1, optimizer: Adam(lr: 0.01))\n'
                  f'm.save("{good}")')
    tensors = load_file(good)
    with safe_open(good, "np") as f:
        metadata = f.metadata()
    assert tensors["optimizer.0.weight.m"].shape == (3, 4)
    tensors["optimizer.0.weight.m"] = np.zeros((1,), dtype=np.float32)
    bad = str(tmp_path / "bad.safetensors")
    save_file(tensors, bad, metadata=metadata)
    reply, _ = kernel.execute(f'let restored = load("{bad}")')
    assert reply["status"] == "error", reply
    assert "optimizer state 0.weight.m has shape [1]; its parameter has [3, 4]" in reply["evalue"], reply["evalue"]
    # The untampered file loads and trains on.
    assert kernel.result(f'let ok = load("{good}")\nok.fit(randn([8, 4]), tensor([0, 1, 2, 0, 1, 2, 0, 1]), epochs: 1).epochs') == "1"
    assert kernel.result("kept") == "41"


def test_csv_files_that_were_read_silently_wrong(kernel, tmp_path):
    cr = tmp_path / "mac.csv"
    cr.write_bytes(b"a,b,label\r1,2,x\r3,4,y\r5,6,x\r")
    assert kernel.result(f'readCSV("{cr}").rows') == "3"
    mixed = tmp_path / "mixed.csv"
    mixed.write_bytes("name,city\nAnn,café\n".encode() + b"Bob,K\xf6ln\n")
    assert kernel.result(f'readCSV("{mixed}")["city"].values') == '["café", "Köln"]'
    wide = tmp_path / "wide.csv"
    wide.write_text(",".join(["x"] * 80000) + "\n" + ",".join(["1"] * 80000) + "\n")
    start = time.monotonic()
    assert kernel.result(f'readCSV("{wide}").columns.last') == '"x.79999"'
    assert time.monotonic() - start < 30
    utf16 = tmp_path / "excel.csv"
    utf16.write_bytes("a,b\n1,é\n".encode("utf-16"))
    assert kernel.result(f'readCSV("{utf16}")["b"].values') == '["é"]'
    reply, _ = kernel.execute(f'readCSV("{tmp_path}/a\\u{{0}}b.csv")')
    assert reply["ename"] == "IOError" and "NUL character" in reply["evalue"], reply


def _peak_resident_bytes(pid: int) -> int:
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    raise AssertionError("no VmHWM in /proc/pid/status")


def test_a_loop_over_a_long_frame_makes_one_row_at_a_time(tmp_path):
    """`for row in frame` and `for (i, row) in frame.enumerated()` walk a Frame's rows one at
    a time: over 3 million rows the kernel's peak memory grows by far less than the 3 million
    Row objects that were once made up front (about 300 MB); `frame.enumerated()` asked for
    as a value is built only after memory is checked, a MemoryError under a 128 MB limit."""
    n = 3_000_000
    path = tmp_path / "long.csv"
    with open(path, "w") as f:
        f.write("x\n")
        f.write("".join(f"{i % 1000}\n" for i in range(n)))
    k = StdioKernel(env={"TESSERA_MEMORY_LIMIT": "128MB"})
    try:
        k.result(f'let frame = readCSV("{path}")\nlet kept = 41', timeout=120)
        before = _peak_resident_bytes(k.proc.pid)
        assert k.result("var total = 0\nfor row in frame { total += row.x }\ntotal", timeout=300) == str(sum(i % 1000 for i in range(n)))
        assert k.result("var last = 0\nfor (i, row) in frame.enumerated() { last = i + row.x }\nlast", timeout=300) == str(n - 1 + (n - 1) % 1000)
        grown = _peak_resident_bytes(k.proc.pid) - before
        assert grown < 100 << 20, f"peak memory grew by {grown >> 20} MB over the loops"
        reply, _ = k.execute("let pairs = frame.enumerated()", timeout=120)
        assert reply["status"] == "error" and reply["ename"] == "MemoryError", reply
        assert "(position, row) pairs of a Frame" in reply["evalue"], reply["evalue"]
        assert k.result("kept + 1") == "42"
    finally:
        k.close()
