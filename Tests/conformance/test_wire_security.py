"""Authentication on the ZeroMQ transport, as ipykernel does it: the connection file's key
must be a string, an empty key (signing off) works with a warning, a replayed signed
message is refused, a signed message whose JSON frames are not objects is dropped, and a
message over the size limit is dropped before it is parsed. Each dropped message is
logged and never executed, and the session goes on."""
from __future__ import annotations

import json
import os
import subprocess
import tempfile
import time
import uuid

import pytest
import zmq
from jupyter_client import BlockingKernelClient
from jupyter_client.session import Session

BINARY = None


def binary() -> str:
    return json.load(open(os.path.join(os.environ["TESSERA_KERNELSPEC"], "kernel.json")))["argv"][0]


class Kernel:
    """`tessera jupyter` started by hand with a connection file (port 0: it writes the
    ports back) and extra arguments; stderr kept for the log lines."""

    def __init__(self, key: str = "", extra: list[str] | None = None, key_json=None):
        self.dir = tempfile.TemporaryDirectory()
        self.path = os.path.join(self.dir.name, "conn.json")
        conn = {"ip": "127.0.0.1", "transport": "tcp", "shell_port": 0, "iopub_port": 0, "stdin_port": 0,
                "control_port": 0, "hb_port": 0, "signature_scheme": "hmac-sha256",
                "key": key if key_json is None else key_json}
        json.dump(conn, open(self.path, "w"))
        before = os.stat(self.path).st_mtime_ns
        self.stderr_path = os.path.join(self.dir.name, "stderr")
        self.proc = subprocess.Popen([binary(), "jupyter", "--connection-file", self.path] + (extra or []),
                                     stderr=open(self.stderr_path, "w"))
        deadline = time.monotonic() + 20
        while os.stat(self.path).st_mtime_ns == before and time.monotonic() < deadline:
            assert self.proc.poll() is None, self.stderr()
            time.sleep(0.02)
        self.info = json.load(open(self.path))
        self.kc = BlockingKernelClient(connection_file=self.path)
        self.kc.load_connection_file()
        self.kc.start_channels()
        self.kc.wait_for_ready(timeout=20)

    def stderr(self) -> str:
        return open(self.stderr_path).read()

    def raw(self, channel: str = "shell") -> zmq.Socket:
        sock = zmq.Context.instance().socket(zmq.DEALER)
        sock.linger = 0
        sock.connect(f"tcp://127.0.0.1:{self.info[channel + '_port']}")
        return sock

    def result(self, code: str) -> str | None:
        out = []
        reply = self.kc.execute_interactive(code, timeout=20, output_hook=out.append)
        assert reply["content"]["status"] == "ok", reply["content"]
        for m in out:
            if m["msg_type"] == "execute_result":
                return m["content"]["data"]["text/plain"]
        return None

    def wait_for_log(self, text: str, timeout: float = 10) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            log = self.stderr()
            if text in log:
                return log
            time.sleep(0.05)
        raise AssertionError(f"{text!r} not logged; stderr was:\n{self.stderr()}")

    def close(self):
        try:
            self.kc.shutdown()
            self.kc.stop_channels()
            self.proc.wait(timeout=10)
        finally:
            if self.proc.poll() is None:
                self.proc.kill()
            self.dir.cleanup()


@pytest.fixture
def kernel():
    k = Kernel(key=uuid.uuid4().hex)
    yield k
    k.close()


@pytest.mark.parametrize("bad", [123, None, ["k"], {"k": "v"}, True])
def test_a_key_that_is_not_a_string_is_an_error_at_start_up(bad):
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "conn.json")
        json.dump({"ip": "127.0.0.1", "shell_port": 0, "iopub_port": 0, "stdin_port": 0, "control_port": 0,
                   "hb_port": 0, "key": bad}, open(path, "w"))
        proc = subprocess.run([binary(), "jupyter", "--connection-file", path], capture_output=True, text=True, timeout=10)
        assert proc.returncode == 2
        assert '"key" must be a string' in proc.stderr, proc.stderr


def test_an_empty_key_turns_signing_off_with_a_warning():
    k = Kernel(key="")
    try:
        assert "message signing is off" in k.stderr()
        assert k.result("1 + 2") == "3"
        # Unsigned messages are not replays: the same bytes twice both run.
        sock = k.raw()
        session = Session(key=b"", username="test")
        msg = session.msg("execute_request", {"code": "var n = 0", "silent": False})
        session.send(sock, msg)
        assert sock.poll(10000)
        sock.recv_multipart()
    finally:
        k.close()


def test_a_replayed_signed_message_is_refused(kernel):
    kernel.result("var counter = 0")
    sock = kernel.raw()
    session = Session(key=kernel.info["key"].encode(), signature_scheme="hmac-sha256", username="test")
    frames = session.serialize(session.msg("execute_request", {"code": "counter += 1", "silent": False}))
    sock.send_multipart(frames)
    assert sock.poll(10000), "the first copy runs"
    sock.recv_multipart()
    sock.send_multipart(frames)  # captured off the wire and sent again
    assert sock.poll(1500) == 0, "the replay gets no reply"
    kernel.wait_for_log("replayed")
    assert kernel.result("counter") == "1"


@pytest.mark.parametrize("frame,body", [(3, b"[]"), (3, b'"parent"'), (4, b"null"), (4, b"[1, 2]"), (2, b"7")])
def test_a_signed_message_whose_json_frames_are_not_objects_is_dropped(kernel, frame, body):
    """frames: [<IDS|MSG>, signature, header, parent_header, metadata, content]"""
    kernel.result("var touched = 0")
    sock = kernel.raw()
    session = Session(key=kernel.info["key"].encode(), signature_scheme="hmac-sha256", username="test")
    frames = session.serialize(session.msg("execute_request", {"code": "touched = 1", "silent": False}))
    frames[frame] = body
    frames[1] = session.sign(frames[2:6])  # properly signed as it is now
    sock.send_multipart(frames)
    assert sock.poll(1500) == 0
    names = {2: "header", 3: "parent_header", 4: "metadata"}
    kernel.wait_for_log(f"its {names[frame]} frame is not a JSON object")
    assert kernel.result("touched") == "0", "never executed"


def test_a_message_over_the_size_limit_is_dropped_before_it_is_parsed():
    k = Kernel(key=uuid.uuid4().hex, extra=["--max-message-bytes", "1M"])
    try:
        k.result("var ran = 0")
        session = Session(key=k.info["key"].encode(), signature_scheme="hmac-sha256", username="test")
        # Frames that pass the limit only together: read to the end, logged, dropped.
        sock = k.raw()
        msg = session.msg("execute_request", {"code": "ran = 1", "silent": False})
        session.send(sock, msg, buffers=[b"x" * 400_000] * 3)
        assert sock.poll(1500) == 0
        k.wait_for_log("over the limit of 1048576")
        # One frame over the limit: libzmq refuses it before reading it.
        sock2 = k.raw()
        session.send(sock2, session.msg("execute_request", {"code": "ran = 2 // " + "y" * 2_000_000, "silent": False}))
        assert sock2.poll(1500) == 0
        # Under the limit, everything works, and nothing dropped ran.
        assert k.result("ran") == "0"
        assert k.result('"z" * 100000 == "z" * 100000') == "true"
    finally:
        k.close()


def test_a_bad_max_message_size_is_refused():
    proc = subprocess.run([binary(), "jupyter", "--connection-file", "x.json", "--max-message-bytes", "lots"],
                          capture_output=True, text=True, timeout=10)
    assert proc.returncode != 0
    assert "--max-message-bytes must be a positive size" in proc.stderr
