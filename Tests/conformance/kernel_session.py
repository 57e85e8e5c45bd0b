"""Starting a Tessera kernel through jupyter_client and reading its replies, for the tests
that go beyond jupyter_kernel_test's samples."""
from __future__ import annotations

import os
import tempfile
import time
from queue import Empty

from jupyter_client.manager import KernelManager

TIMEOUT = 30


class KernelSession:
    """A kernel started as a Jupyter front end starts it (the installed kernel-spec),
    with its stderr kept in a file so a test can read what it logged."""

    def __init__(self, kernel_name: str = "tessera"):
        self.stderr_path = tempfile.mktemp(prefix="tessera-stderr-", suffix=".log")
        self._stderr = open(self.stderr_path, "w")
        self.km = KernelManager(kernel_name=kernel_name)
        self.km.start_kernel(stderr=self._stderr)
        self.kc = self.km.client()
        self.kc.start_channels()
        self.kc.wait_for_ready(timeout=TIMEOUT)
        self.drain()

    def close(self) -> None:
        try:
            self.kc.stop_channels()
            if self.km.is_alive():
                self.km.shutdown_kernel(now=True)
        finally:
            self._stderr.close()
            os.unlink(self.stderr_path)

    def stderr(self) -> str:
        self._stderr.flush()
        with open(self.stderr_path) as f:
            return f.read()

    def drain(self) -> None:
        for channel in (self.kc.shell_channel, self.kc.iopub_channel, self.kc.stdin_channel):
            while True:
                try:
                    channel.get_msg(timeout=0.05)
                except Empty:
                    break

    def outputs(self, msg_id: str, timeout: float = TIMEOUT) -> list[dict]:
        """The iopub messages of one request, up to and including its `status: idle`."""
        got = []
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                msg = self.kc.iopub_channel.get_msg(timeout=max(0.01, deadline - time.monotonic()))
            except Empty:
                break
            if msg["parent_header"].get("msg_id") != msg_id:
                continue
            got.append(msg)
            if msg["msg_type"] == "status" and msg["content"]["execution_state"] == "idle":
                return got
        raise TimeoutError(f"no idle status for {msg_id} within {timeout}s; got {[m['msg_type'] for m in got]}")

    def shell_reply(self, msg_id: str, timeout: float = TIMEOUT) -> dict:
        deadline = time.monotonic() + timeout
        while True:
            msg = self.kc.get_shell_msg(timeout=max(0.01, deadline - time.monotonic()))
            if msg["parent_header"].get("msg_id") == msg_id:
                return msg

    def run(self, code: str, timeout: float = TIMEOUT, **kw) -> tuple[dict, list[dict]]:
        """Executes a cell; returns its execute_reply and its iopub messages."""
        msg_id = self.kc.execute(code, **kw)
        reply = self.shell_reply(msg_id, timeout)
        return reply, self.outputs(msg_id, timeout)

    def result(self, code: str, timeout: float = TIMEOUT) -> str | None:
        """The text/plain of a cell's execute_result (None when it has none)."""
        reply, outputs = self.run(code, timeout)
        for m in outputs:
            if m["msg_type"] == "execute_result":
                return m["content"]["data"]["text/plain"]
        if reply["content"]["status"] != "ok":
            raise AssertionError(f"cell failed: {reply['content']}")
        return None
