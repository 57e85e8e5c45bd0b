"""The CUDA backend end to end on a machine without a GPU: the real binary, the real
NVRTC (from the venv, compiling the kernels for sm_90), and CPU stand-ins for libcuda and
libcublas (Tests/cuda-emulator) that run the backend's own kernel source compiled by g++.
This checks everything but the GPU itself: argument packing, launch geometry, grid-stride
loops, block reductions, the memory pool, host copies and the cuBLAS operand mapping.
bench/gpu-check.sh runs the same check on a real GPU.
"""
import json
import os
import subprocess
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
EMULATOR = os.path.join(HERE, "..", "cuda-emulator")


def binary() -> str:
    return json.load(open(os.path.join(os.environ["TESSERA_KERNELSPEC"], "kernel.json")))["argv"][0]


def nvrtc_dir() -> str:
    import nvidia.cuda_nvrtc as m
    return os.path.join(list(m.__path__)[0], "lib")


def build_emulator(folder: str, source: str) -> None:
    kernels = os.path.join(folder, "kernels.cu")
    with open(kernels, "w") as f:
        f.write(source)
    # The sonames make a later dlopen("libcuda.so.1") (NVRTC makes one) find this copy, not load a second.
    subprocess.run(["g++", "-std=c++20", "-O2", "-pthread", "-shared", "-fPIC", "-Wl,-soname,libcuda.so.1", f'-DKERNELS="{kernels}"',
                    os.path.join(EMULATOR, "libcuda_emulator.cpp"), "-o", os.path.join(folder, "libcuda.so.1")], check=True)
    subprocess.run(["g++", "-O2", "-shared", "-fPIC", "-Wl,-soname,libcublas.so.13", os.path.join(EMULATOR, "libcublas_emulator.cpp"),
                    "-o", os.path.join(folder, "libcublas.so.13")], check=True)


def kernel_source() -> str:
    return subprocess.run([binary(), "backend-check", "--cuda-source"], capture_output=True, text=True, check=True).stdout


def emulated_env(folder: str) -> dict:
    env = dict(os.environ)
    env["TESSERA_CUDA_LIBRARY_PATH"] = f"{folder}:{nvrtc_dir()}"
    env["XDG_CACHE_HOME"] = os.path.join(folder, "cache")
    return env


@pytest.fixture(scope="module")
def emulator(tmp_path_factory) -> str:
    folder = str(tmp_path_factory.mktemp("cuda-emulator"))
    build_emulator(folder, kernel_source())
    return folder


def test_every_op_agrees_with_the_reference_through_the_cuda_path(emulator):
    out = subprocess.run([binary(), "backend-check", "--backend", "cuda"], capture_output=True, text=True,
                         env=emulated_env(emulator), timeout=600)
    print(out.stdout, out.stderr)
    assert out.returncode == 0, out.stdout + out.stderr
    lines = out.stdout.splitlines()
    assert "Tessera CUDA emulator (CPU) (sm_90); kernels compiled by NVRTC" in lines[0]
    sections = [l for l in lines if l.startswith("cuda ")]
    names = [l.split(":")[0].split()[1] for l in sections]
    assert names == ["matmul", "binary", "unary", "reduce", "softmax", "argmax", "image", "errors", "chains"], names
    assert all(": ok," in l for l in sections), sections


def test_a_wrong_kernel_is_caught(tmp_path):
    # The same check against kernels with one deliberate slip: subtraction instead of addition.
    source = kernel_source()
    slip = "case B_ADD: return x + y;"
    assert slip in source
    build_emulator(str(tmp_path), source.replace(slip, "case B_ADD: return x - y;"))
    out = subprocess.run([binary(), "backend-check", "--backend", "cuda"], capture_output=True, text=True,
                         env=emulated_env(str(tmp_path)), timeout=600)
    assert out.returncode == 1, out.stdout
    failed = [l for l in out.stdout.splitlines() if "FAILED" in l]
    assert any(l.startswith("cuda binary") for l in failed), out.stdout
    assert "add " in out.stdout


def test_a_session_on_the_cuda_backend(emulator):
    script = "\n".join([
        'print(backend("cuda"))',
        "let a = tensor([[1, 2], [3, 4]])",
        "let b = (a @ a + 1).softmax(axis: -1)",
        "print(b)",
        "print((a > 2).sum(), a.mean(), (a * a).sum(axis: 0).values)",
        "print(devices())",
        'print(backend("openblas"))',
        "print(b * 2)",  # a device tensor read by the CPU backend
    ])
    out = subprocess.run([binary()], input=script, capture_output=True, text=True, env=emulated_env(emulator), timeout=120)
    assert out.returncode == 0, out.stdout + out.stderr
    text = out.stdout
    assert text.startswith('cuda\nTensor(shape: [2, 2], float32, cuda:0)'), text
    assert "2.0 2.5 [10.0, 20.0]" in text
    assert "Tessera CUDA emulator (CPU)" in text and "cuda (current)" in text
    assert "openblas\nTensor(shape: [2, 2], float32)\n" in text


def test_training_on_the_cuda_path_matches_openblas(emulator):
    # The same seeded MLP and CNN trained on both backends: on cuda the weights, moments and
    # activations live in (emulated) device memory and every step runs the kernels.
    script = "\n".join([
        "let x = randn([48, 1, 6, 6], seed: 1)",
        "let y = tensor((rand([48], seed: 2) * 3).values.map { v in Double(Int(v)) })",
        "for name in [\"openblas\", \"cuda\"] {",
        "    backend(name)",
        "    let mlp = Sequential([Flatten(), Dense(16, activation: .relu), Dense(3)], seed: 1)",
        "    let a = mlp.fit(x, y, epochs: 2, batchSize: 16, optimizer: Adam(lr: 0.01), shuffle: false)",
        "    let cnn = Sequential([Conv2D(4, kernel: 3, padding: 1, activation: .relu), MaxPool2D(2), BatchNorm(), Flatten(), Dense(3)], seed: 2)",
        "    let b = cnn.fit(x, y, epochs: 2, batchSize: 16, optimizer: SGD(lr: 0.05, momentum: 0.9), shuffle: false)",
        "    print(name, a.last[\"loss\"], b.last[\"loss\"], cnn.predict(x).sum())",
        "}",
    ])
    out = subprocess.run([binary()], input=script, capture_output=True, text=True, env=emulated_env(emulator), timeout=300)
    assert out.returncode == 0, out.stdout + out.stderr
    rows = {l.split()[0]: [float(v) for v in l.split()[1:]] for l in out.stdout.splitlines() if l.split() and l.split()[0] in ("openblas", "cuda")}
    assert set(rows) == {"openblas", "cuda"}, out.stdout
    for ours, theirs in zip(rows["cuda"], rows["openblas"]):
        assert abs(ours - theirs) <= 1e-3 * max(1.0, abs(theirs)), rows


def test_sequence_models_on_the_cuda_path_match_openblas(emulator):
    # Padded ids through Embedding(padding: 0), a character convolution, a transformer block, a bidirectional LSTM, a GRU
    # and a causal language model: device tensors meet the fused host steps (attention
    # weights, layer norm, recurrent walks) and the backend's own kernels.
    script = "\n".join([
        "var ids = []",
        "for i in 0..<32 { ids = ids + (0..<8).map { j in j < 3 + i % 5 ? 1 + (i * 7 + j * 3) % 11 : 0 } }",
        "let x = tensor(ids).reshape([32, 8])",
        "let y = tensor((0..<32).map { i in i % 3 })",
        "let next = tensor((0..<32).flatMap { i in (0..<8).map { j in (i + j) % 12 } }).reshape([32, 8])",
        "for name in [\"openblas\", \"cuda\"] {",
        "    backend(name)",
        "    let t = Sequential([Embedding(12, 8, padding: 0), PositionalEncoding(), Conv1D(8, kernel: 3, padding: 1, activation: .gelu), TransformerEncoderBlock(heads: 2, dropout: 0), GlobalAveragePooling1D(), Dense(3)], seed: 1)",
        "    let a = t.fit(x, y, epochs: 2, batchSize: 8, shuffle: false)",
        "    let r = Sequential([Embedding(12, 8, padding: 0), LSTM(6, returnSequences: true, bidirectional: true), GRU(5), Dense(3)], seed: 2)",
        "    let b = r.fit(x, y, epochs: 2, batchSize: 8, shuffle: false)",
        "    let lm = Sequential([Embedding(12, 8), TransformerEncoderBlock(heads: 2, dropout: 0, causal: true), Dense(12)], seed: 3)",
        "    let c = lm.fit(x, next, epochs: 2, batchSize: 8, loss: .crossEntropy, shuffle: false)",
        "    print(name, a.last[\"loss\"], b.last[\"loss\"], c.last[\"loss\"], t.predict(x).sum(), r.predict(x).max())",
        "}",
    ])
    out = subprocess.run([binary()], input=script, capture_output=True, text=True, env=emulated_env(emulator), timeout=300)
    assert out.returncode == 0, out.stdout + out.stderr
    rows = {l.split()[0]: [float(v) for v in l.split()[1:]] for l in out.stdout.splitlines() if l.split() and l.split()[0] in ("openblas", "cuda")}
    assert set(rows) == {"openblas", "cuda"}, out.stdout
    for ours, theirs in zip(rows["cuda"], rows["openblas"]):
        assert abs(ours - theirs) <= 1e-3 * max(1.0, abs(theirs)), rows


def test_without_a_driver_the_error_says_why(tmp_path):
    env = dict(os.environ)
    env["TESSERA_CUDA_LIBRARY_PATH"] = str(tmp_path)
    out = subprocess.run([binary()], input='backend("cuda")\n', capture_output=True, text=True, env=env, timeout=60)
    if os.path.exists("/dev/nvidia0"):
        # A machine with a GPU and its driver: the backend comes up instead.
        assert out.returncode == 0, out.stdout + out.stderr
        return
    assert out.returncode == 1
    assert 'backend "cuda" is not available: no NVIDIA driver on this machine' in out.stdout + out.stderr
