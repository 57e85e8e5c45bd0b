"""The ZeroMQ transport under bad input and faults: wrong signatures, truncated and
unknown messages, huge cells, vanishing clients, interrupts and shutdowns mid-cell.
The kernel answers what it should, drops what it must, never hangs, and keeps the
session (except on the shutdown it was asked for)."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import tempfile
import time
import uuid

import pytest
import zmq
from jupyter_client.session import Session

from kernel_session import KernelSession

LONG_LOOP = "var spins = 0\nwhile true { spins += 1 }"


@pytest.fixture
def ks():
    s = KernelSession()
    yield s
    s.close()


def raw_socket(ks: KernelSession, channel: str, kind=zmq.DEALER) -> zmq.Socket:
    info = ks.km.get_connection_info()
    sock = zmq.Context.instance().socket(kind)
    sock.linger = 0
    sock.connect(f"{info['transport']}://{info['ip']}:{info[channel + '_port']}")
    return sock


def session_with_key(key: bytes) -> Session:
    return Session(key=key, signature_scheme="hmac-sha256", username="test")


def test_wrong_signature_is_dropped_logged_and_never_executed(ks):
    sock = raw_socket(ks, "shell")
    forged = session_with_key(b"not-the-key")
    forged.send(sock, forged.msg("execute_request", {"code": "let hacked = 1", "silent": False}))
    assert sock.poll(1000) == 0, "a message with a wrong signature must get no reply"
    assert "HMAC signature" in ks.stderr()
    reply, outputs = ks.run("hacked")
    assert reply["content"]["status"] == "error"
    assert reply["content"]["ename"] == "NameError"


def test_truncated_and_garbage_multipart_are_dropped(ks):
    ks.result("let kept = 41")
    sock = raw_socket(ks, "shell")
    sock.send_multipart([b"<IDS|MSG>", b"sig", b"{}"])  # frames missing after the delimiter
    sock.send_multipart([b"no delimiter at all", b"{}"])
    good = session_with_key(ks.km.session.key)
    msg = good.msg("execute_request", {"code": "let broken = 1", "silent": False})
    frames = good.serialize(msg)
    frames[2] = b"{not json"  # the header frame corrupted, and signed as it is now
    frames[1] = good.sign(frames[2:6])
    sock.send_multipart(frames)
    assert sock.poll(1000) == 0
    log = ks.stderr()
    assert "truncated" in log and "no <IDS|MSG> delimiter" in log and "not a JSON object" in log
    assert ks.result("kept + 1") == "42"


def test_unknown_msg_type_gets_an_error_reply_on_shell_and_control(ks):
    for channel in (ks.kc.shell_channel, ks.kc.control_channel):
        msg = ks.kc.session.msg("frobnicate_request", {})
        channel.send(msg)
        reply = (ks.kc.get_shell_msg if channel is ks.kc.shell_channel else ks.kc.get_control_msg)(timeout=10)
        assert reply["msg_type"] == "frobnicate_reply"
        assert reply["content"]["status"] == "error"
        assert "unknown msg_type 'frobnicate_request'" in reply["content"]["evalue"]


def test_huge_message_runs_and_the_session_lives_on(ks):
    size = 20_000_000
    code = 'let huge = "' + "x" * size + '"\nhuge.count'
    assert ks.result(code, timeout=300) == str(size)
    assert ks.result("huge.count + 1") == str(size + 1)


def test_a_client_that_vanishes_mid_cell_does_not_hurt_the_session(ks):
    ks.result("let before = 5")
    # A second front end starts a long cell and disappears without waiting.
    from jupyter_client import BlockingKernelClient
    other = BlockingKernelClient(session=session_with_key(ks.km.session.key))  # its own identity
    other.load_connection_info(ks.km.get_connection_info())
    other.start_channels()
    # iopub_welcome says the subscription is live, so the cell's status cannot be missed.
    assert other.get_iopub_msg(timeout=10)["msg_type"] == "iopub_welcome"
    msg_id = other.execute("var total = 0\nfor i in 0..<200000 { total += i }\nlet after = before * 2")
    while True:  # gone once the kernel has taken the cell
        msg = other.get_iopub_msg(timeout=10)
        if msg["parent_header"].get("msg_id") == msg_id and msg["msg_type"] == "status":
            break
    other.stop_channels()
    # The first front end carries on: the vanished client's cell ran to the end.
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        reply, _ = ks.run("after")
        if reply["content"]["status"] == "ok":
            break
        time.sleep(0.2)
    assert ks.result("after") == "10"
    assert ks.result("total") == str(sum(range(200000)))


def test_sigint_interrupts_a_running_cell_and_keeps_state(ks):
    ks.result("let kept = 3")
    msg_id = ks.kc.execute(LONG_LOOP)
    time.sleep(0.5)
    ks.km.interrupt_kernel()  # interrupt_mode "signal": SIGINT to the kernel process
    reply = ks.shell_reply(msg_id, timeout=10)
    assert reply["content"]["status"] == "error"
    assert reply["content"]["ename"] == "Interrupted"
    assert ks.result("kept") == "3"
    assert int(ks.result("spins")) > 0, "what the cell bound before the interrupt stays bound"


def test_control_answers_while_a_cell_runs(ks):
    msg_id = ks.kc.execute(LONG_LOOP)
    time.sleep(0.3)
    start = time.monotonic()
    info = ks.kc.session.msg("kernel_info_request", {})
    ks.kc.control_channel.send(info)
    reply = ks.kc.get_control_msg(timeout=5)
    assert reply["msg_type"] == "kernel_info_reply"
    assert time.monotonic() - start < 1.0
    ks.kc.control_channel.send(ks.kc.session.msg("interrupt_request", {}))
    assert ks.kc.get_control_msg(timeout=5)["msg_type"] == "interrupt_reply"
    assert ks.shell_reply(msg_id, timeout=10)["content"]["ename"] == "Interrupted"


def test_shutdown_request_mid_cell_ends_the_process(ks):
    ks.kc.execute(LONG_LOOP)
    time.sleep(0.3)
    start = time.monotonic()
    ks.kc.shutdown()
    reply = ks.kc.get_control_msg(timeout=5)
    assert reply["msg_type"] == "shutdown_reply"
    assert reply["content"]["status"] == "ok"
    process = ks.km.provisioner.process
    process.wait(timeout=10)
    assert process.returncode == 0
    assert time.monotonic() - start < 6


def test_busy_idle_around_every_request(ks):
    for send in (lambda: ks.kc.complete("pri"), lambda: ks.kc.inspect("print"),
                 lambda: ks.kc.is_complete("1 +"), lambda: ks.kc.history(), lambda: ks.kc.comm_info()):
        msg_id = send()
        reply = ks.shell_reply(msg_id)
        states = [m["content"]["execution_state"] for m in ks.outputs(msg_id) if m["msg_type"] == "status"]
        assert states == ["busy", "idle"], (reply["msg_type"], states)
    msg_id = ks.kc.comm_info()
    assert ks.shell_reply(msg_id)["content"] == {"status": "ok", "comms": {}}


def test_input_request_with_and_without_stdin(ks):
    msg_id = ks.kc.execute('let name = input("Your name? ")\nname.count', allow_stdin=True)
    request = ks.kc.get_stdin_msg(timeout=10)
    assert request["msg_type"] == "input_request"
    assert request["content"]["prompt"] == "Your name? "
    assert request["parent_header"]["msg_id"] == msg_id
    ks.kc.input("Ada")
    assert ks.shell_reply(msg_id)["content"]["status"] == "ok"
    result = [m for m in ks.outputs(msg_id) if m["msg_type"] == "execute_result"]
    assert result[0]["content"]["data"]["text/plain"] == "3"
    reply, _ = ks.run('input("again? ")', allow_stdin=False)
    assert reply["content"]["ename"] == "IOError"
    assert "allow_stdin is false" in reply["content"]["evalue"]


def test_update_display_data_replaces_one_display_in_place(ks):
    code = (
        'display(html("<progress value=\\"0\\" max=\\"3\\"></progress>"), id: "training")\n'
        'for step in 1...3 { display(html("<progress value=\\"\\(step)\\" max=\\"3\\"></progress>"), id: "training", update: true) }'
    )
    reply, outputs = ks.run(code)
    assert reply["content"]["status"] == "ok"
    shown = [m for m in outputs if m["msg_type"] == "display_data"]
    updates = [m for m in outputs if m["msg_type"] == "update_display_data"]
    assert len(shown) == 1 and len(updates) == 3
    assert {m["content"]["transient"]["display_id"] for m in shown + updates} == {"training"}
    assert 'value="3"' in updates[-1]["content"]["data"]["text/html"]
    assert "text/plain" in updates[-1]["content"]["data"]


def test_execute_result_always_has_text_plain(ks):
    for code in ('html("<b>x</b>")', 'svg("<svg xmlns=\\"http://www.w3.org/2000/svg\\"/>")', 'markdown("# t")', "[1, 2]"):
        _, outputs = ks.run(code)
        data = [m for m in outputs if m["msg_type"] == "execute_result"][0]["content"]["data"]
        assert "text/plain" in data, code


def test_heartbeat_echoes(ks):
    sock = raw_socket(ks, "hb", zmq.REQ)
    sock.send(b"ping-42")
    assert sock.poll(2000) != 0
    assert sock.recv() == b"ping-42"


def test_port_zero_binds_and_writes_the_ports_back():
    """A connection file with port 0 lets the system choose, and the kernel writes the
    chosen ports back (as ipykernel does), so a client can connect."""
    binary = json.load(open(os.path.join(os.environ["TESSERA_KERNELSPEC"], "kernel.json")))["argv"][0]
    key = uuid.uuid4().hex
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "conn.json")
        conn = {"ip": "127.0.0.1", "transport": "tcp", "shell_port": 0, "iopub_port": 0, "stdin_port": 0,
                "control_port": 0, "hb_port": 0, "key": key, "signature_scheme": "hmac-sha256"}
        json.dump(conn, open(path, "w"))
        before = os.stat(path).st_mtime_ns
        proc = subprocess.Popen([binary, "jupyter", "--connection-file", path], stderr=subprocess.PIPE)
        try:
            deadline = time.monotonic() + 10
            while os.stat(path).st_mtime_ns == before and time.monotonic() < deadline:
                time.sleep(0.02)
            written = json.load(open(path))
            assert all(written[k] > 0 for k in ("shell_port", "iopub_port", "stdin_port", "control_port", "hb_port"))
            assert written["key"] == key
            from jupyter_client import BlockingKernelClient
            kc = BlockingKernelClient(connection_file=path)
            kc.load_connection_file()
            kc.start_channels()
            kc.wait_for_ready(timeout=10)
            reply = kc.execute_interactive("2 + 3", timeout=10, output_hook=lambda m: None)
            assert reply["content"]["status"] == "ok"
            kc.shutdown()
            kc.stop_channels()
            assert proc.wait(timeout=10) == 0
        finally:
            if proc.poll() is None:
                proc.kill()


def test_a_bad_connection_file_is_a_clear_error():
    binary = json.load(open(os.path.join(os.environ["TESSERA_KERNELSPEC"], "kernel.json")))["argv"][0]
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "conn.json")
        open(path, "w").write('{"shell_port": "five"}')
        proc = subprocess.run([binary, "jupyter", "--connection-file", path], capture_output=True, text=True, timeout=10)
        assert proc.returncode == 2
        assert '"shell_port" must be a port number' in proc.stderr
        proc = subprocess.run([binary, "jupyter", "--connection-file", path + ".missing"], capture_output=True, text=True, timeout=10)
        assert proc.returncode == 2 and "cannot read the connection file" in proc.stderr


def test_user_expressions_are_evaluated_after_the_cell(ks):
    msg_id = ks.kc.execute("let base = 20", user_expressions={"double": "base * 2", "bad": "nope + 1"})
    reply = ks.shell_reply(msg_id)
    ks.outputs(msg_id)
    ue = reply["content"]["user_expressions"]
    assert ue["double"] == {"status": "ok", "data": {"text/plain": "40"}, "metadata": {}}
    assert ue["bad"]["status"] == "error" and ue["bad"]["ename"] == "NameError"


def test_restart_starts_a_fresh_session(ks):
    ks.result("let kept = 1")
    old_pid = ks.km.provisioner.process.pid
    ks.km.restart_kernel(now=False)
    ks.kc.wait_for_ready(timeout=30)
    ks.drain()
    assert ks.km.provisioner.process.pid != old_pid
    reply, _ = ks.run("kept")
    assert reply["content"]["ename"] == "NameError"
    assert ks.result("1 + 1") == "2"


def test_the_kernel_exits_when_the_process_that_started_it_dies(tmp_path):
    """jupyter_client sets JPY_PARENT_PID; a kernel orphaned by a killed server shuts down."""
    binary = json.load(open(os.path.join(os.environ["TESSERA_KERNELSPEC"], "kernel.json")))["argv"][0]
    conn = tmp_path / "conn.json"
    conn.write_text(json.dumps({"ip": "127.0.0.1", "transport": "tcp", "shell_port": 0, "iopub_port": 0,
                                "stdin_port": 0, "control_port": 0, "hb_port": 0, "key": "k"}))
    pidfile = tmp_path / "pid"
    # The parent shell starts the kernel with its own pid as JPY_PARENT_PID, then dies.
    subprocess.run(["bash", "-c", f'JPY_PARENT_PID=$$ "{binary}" jupyter --connection-file "{conn}" 2>/dev/null & '
                                  f'echo $! > "{pidfile}"; sleep 0.5'], check=True, timeout=10)
    pid = int(pidfile.read_text())
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return
        # A zombie reparented to this test's process is gone too.
        try:
            if os.waitpid(pid, os.WNOHANG)[0] == pid:
                return
        except ChildProcessError:
            pass
        time.sleep(0.1)
    os.kill(pid, signal.SIGKILL)
    raise AssertionError("the orphaned kernel was still running 10 s after its parent died")


def test_comms_and_non_requests_on_shell_are_ignored_and_logged(ks):
    ks.result("let kept = 8")
    ks.kc.shell_channel.send(ks.kc.session.msg("comm_open", {"comm_id": "c1", "target_name": "jupyter.widget", "data": {}}))
    ks.kc.shell_channel.send(ks.kc.session.msg("hello_there", {}))
    assert ks.result("kept * 2") == "16"
    log = ks.stderr()
    assert "ignored comm_open" in log and "'hello_there' is not a request" in log
