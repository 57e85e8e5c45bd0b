"""A `tessera kernel --stdio` process driven as any program drives it: JSON Lines in,
JSON Lines out, with a reader that notices when the process has died."""
from __future__ import annotations

import json
import os
import select
import subprocess
import time


def binary() -> str:
    spec = os.environ.get("TESSERA_KERNELSPEC")
    if spec:
        return json.load(open(os.path.join(spec, "kernel.json")))["argv"][0]
    return os.path.join(os.path.dirname(__file__), "..", "..", ".build", "debug", "tessera")


class Died(AssertionError):
    pass


class StdioKernel:
    def __init__(self, env: dict | None = None):
        self.proc = subprocess.Popen([binary(), "kernel", "--stdio"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, bufsize=0, env={**os.environ, **(env or {})})
        self.buffer = b""
        self.count = 0

    def send(self, message: dict | str) -> None:
        line = message if isinstance(message, str) else json.dumps(message)
        self.proc.stdin.write(line.encode() + b"\n")

    def messages(self, until, timeout: float = 60) -> list[dict]:
        """Messages up to and including the first for which `until` is true."""
        got = []
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            while b"\n" in self.buffer:
                line, self.buffer = self.buffer.split(b"\n", 1)
                m = json.loads(line)
                got.append(m)
                if until(m):
                    return got
            ready, _, _ = select.select([self.proc.stdout], [], [], 0.2)
            if ready:
                chunk = os.read(self.proc.stdout.fileno(), 1 << 20)
                if not chunk:
                    raise Died(f"the kernel ended (status {self.proc.wait()}): {self.proc.stderr.read().decode(errors='replace')[-2000:]}")
                self.buffer += chunk
        raise TimeoutError(f"no matching message within {timeout} s; got {[m.get('msg_type') for m in got]}")

    def request(self, msg_type: str, content: dict, timeout: float = 60) -> list[dict]:
        self.count += 1
        mid = f"r{self.count}"
        self.send({"msg_id": mid, "msg_type": msg_type, "content": content})
        ms = self.messages(lambda m: m.get("parent_id") == mid and m["msg_type"] == "status"
                           and m["content"]["execution_state"] == "idle", timeout)
        return [m for m in ms if m.get("parent_id") == mid]

    def execute(self, code: str, timeout: float = 60) -> tuple[dict, list[dict]]:
        """The execute_reply content and every message of the cell."""
        ms = self.request("execute_request", {"code": code}, timeout)
        reply = next(m["content"] for m in ms if m["msg_type"] == "execute_reply")
        return reply, ms

    def result(self, code: str, timeout: float = 60) -> str | None:
        reply, ms = self.execute(code, timeout)
        assert reply["status"] == "ok", reply
        for m in ms:
            if m["msg_type"] == "execute_result":
                return m["content"]["data"]["text/plain"]
        return None

    def close(self) -> int:
        try:
            self.proc.stdin.close()
        except BrokenPipeError:
            pass
        try:
            return self.proc.wait(timeout=10)
        finally:
            if self.proc.poll() is None:
                self.proc.kill()
