"""The readline shell under a pseudo-terminal, driven as a person types: continuation
lines, tab completion, Ctrl-C during a cell and at the prompt, history across launches,
rich output for a terminal."""
from __future__ import annotations

import json
import os
import re

import pexpect
import pytest

PROMPT = r"In \[(\d+)\]: "


def binary() -> str:
    return json.load(open(os.path.join(os.environ["TESSERA_KERNELSPEC"], "kernel.json")))["argv"][0]


@pytest.fixture
def home(tmp_path):
    return str(tmp_path)


def launch(home: str, *args: str) -> pexpect.spawn:
    env = dict(os.environ, HOME=home, TERM="xterm", TMPDIR=home)
    shell = pexpect.spawn(binary(), list(args), env=env, encoding="utf-8", timeout=20, dimensions=(50, 160))
    shell.expect(r"In \[1\]: ")
    return shell


def quit_shell(shell: pexpect.spawn) -> int:
    """Ctrl-D at a prompt (the caller has seen it)."""
    shell.sendeof()
    shell.expect(pexpect.EOF)
    shell.close()
    return shell.exitstatus


def test_a_multi_line_function_continues_then_runs(home):
    shell = launch(home)
    shell.sendline("func area(_ w, _ h) {")
    shell.expect(r"\.\.\.: ")
    shell.sendline("return w * h")
    shell.expect(r"\.\.\.: ")
    shell.sendline("}")
    shell.expect(r"In \[2\]: ")
    shell.sendline("area(6, 7)")
    shell.expect(r"Out\[2\]: .*?42")
    shell.expect(r"In \[3\]: ")
    assert quit_shell(shell) == 0


def test_continuation_lines_start_at_the_suggested_indent(home):
    shell = launch(home)
    shell.sendline("if true {")
    shell.expect(r"\.\.\.: ")
    shell.expect(r" {4}")  # the indent the kernel's is_complete asked for, already typed
    shell.sendline('print("inside")')
    shell.sendline("}")
    shell.expect("inside")
    shell.expect(r"In \[2\]: ")
    quit_shell(shell)


def test_tab_completes_a_session_variable_and_a_member(home):
    shell = launch(home)
    shell.sendline("let trainingLoss = 0.25")
    shell.expect(r"In \[2\]: ")
    shell.send("trainingL\t")
    shell.expect("oss")  # completed in place
    shell.sendline(" * 4")
    shell.expect(r"Out\[2\]: .*?1\.0")
    shell.expect(r"In \[3\]: ")
    shell.sendline('let word = "abc"')
    shell.expect(r"In \[4\]: ")
    shell.send("word.upper\t")
    shell.expect("cased")
    shell.sendline("()")
    shell.expect(r'Out\[4\]: .*?"ABC"')
    shell.expect(PROMPT)  # Ctrl-D counts at a prompt
    quit_shell(shell)


def test_ctrl_c_interrupts_a_running_cell_and_keeps_the_session(home):
    shell = launch(home)
    shell.sendline("let kept = 41")
    shell.expect(r"In \[2\]: ")
    shell.sendline("var spins = 0")
    shell.expect(r"In \[3\]: ")
    shell.sendline("while true { spins += 1 }")
    shell.expect(r"while true")
    import time
    time.sleep(0.5)
    shell.sendintr()
    shell.expect("Interrupted")
    shell.expect(r"In \[4\]: ")
    shell.sendline("kept + 1")
    shell.expect(r"Out\[4\]: .*?42")
    shell.expect(r"In \[5\]: ")
    shell.sendline("spins > 0")
    shell.expect(r"Out\[5\]: .*?true")
    shell.expect(PROMPT)  # Ctrl-D counts at a prompt
    quit_shell(shell)


def test_ctrl_c_at_the_prompt_clears_the_line_and_an_unfinished_cell(home):
    shell = launch(home)
    shell.sendline("func unfinished() {")
    shell.expect(r"\.\.\.: ")
    shell.send("let half")
    shell.sendintr()
    shell.expect(r"\^C")
    shell.expect(r"In \[1\]: ")  # the unfinished cell is gone, the count unchanged
    shell.sendline("6 * 7")
    shell.expect(r"Out\[1\]: .*?42")
    shell.expect(r"In \[2\]: ")
    assert quit_shell(shell) == 0


def test_history_is_kept_across_launches(home):
    shell = launch(home)
    shell.sendline("let remembered = 17")
    shell.expect(r"In \[2\]: ")
    shell.sendline("func twice(_ x) {\nreturn x * 2\n}")
    shell.expect(r"In \[3\]: ")
    quit_shell(shell)
    history = open(os.path.join(home, ".tessera_history")).read()
    assert "let remembered = 17\n" in history
    # The second launch recalls earlier cells with the up arrow; a multi-line cell comes back whole.
    shell = launch(home)
    shell.send("\x1b[A\x1b[A")
    shell.expect("let remembered = 17")
    shell.sendline("")
    shell.expect(r"In \[2\]: ")
    shell.send("\x1b[A\x1b[A")
    shell.expect("twice")
    shell.sendline("")
    shell.expect(r"In \[3\]: ")
    shell.sendline("twice(remembered)")
    shell.expect(r"Out\[3\]: .*?34")
    shell.expect(PROMPT)  # Ctrl-D counts at a prompt
    quit_shell(shell)


def test_errors_show_with_their_caret_and_the_session_goes_on(home):
    shell = launch(home)
    shell.sendline("let rate = 1")
    shell.expect(r"In \[2\]: ")
    shell.sendline("rte + 1")
    shell.expect(r"NameError: 'rte' is not defined")
    shell.expect(r"did you mean 'rate'\?")
    shell.expect(r"In \[3\]: ")
    quit_shell(shell)


def test_rich_output_for_a_terminal(home):
    shell = launch(home)
    # A chart: a sparkline of its line and the SVG file it was written to.
    shell.sendline('svg("<svg xmlns=\\"http://www.w3.org/2000/svg\\"><polyline points=\\"0,10 1,5 2,0\\"/></svg>")')
    shell.expect(r"Out\[1\]: (?:\x1b\[0m)?▁▅█  chart: (\S+\.svg)")
    path = shell.match.group(1)
    assert open(path).read().startswith("<svg")
    # A table: aligned columns.
    shell.sendline('html("<table><tr><th>name</th><th>n</th></tr><tr><td>a</td><td>10</td></tr></table>")')
    shell.expect(r"name  n\s+a     10")
    # A display updated in place: one live line rewritten with \r, not one line per update.
    shell.sendline('display(html("step 1 of 3"), id: "p")\nfor i in 2...3 { display(html("step \\(i) of 3"), id: "p", update: true) }')
    shell.expect(r"\r\x1b\[2Kstep 3 of 3")
    shell.expect(r"In \[5\]: ")  # the two lines were two cells
    quit_shell(shell)


def test_input_reads_from_the_terminal(home):
    shell = launch(home)
    shell.sendline('let name = input("Your name? ")')
    shell.expect("Your name\\? ")
    shell.sendline("Ada")
    shell.expect(r"In \[2\]: ")
    shell.sendline("name.count")
    shell.expect(r"Out\[2\]: .*?3")
    shell.expect(PROMPT)  # Ctrl-D counts at a prompt
    quit_shell(shell)


def test_help_pages_print_as_text(home):
    shell = launch(home)
    shell.sendline("%help print")
    shell.expect("print\\(")
    shell.expect(r"In \[\d\]: ")
    quit_shell(shell)


def write_large_csv(home: str, name: str, blocks: int = 24) -> str:
    """About 3 MB per block: long enough to read that progress shows (after half a second)."""
    path = os.path.join(home, name)
    block = "".join(f"{i},{i * 0.25},item{i % 97}\n" for i in range(100_000))
    with open(path, "w") as f:
        f.write("id,value,name\n")
        for _ in range(blocks):
            f.write(block)
    return path


def test_long_work_shows_one_live_progress_line_with_rate_and_eta(home):
    path = write_large_csv(home, "big.csv")
    shell = launch(home)
    shell.sendline(f'let big = readCSV("{path}")')
    # The progress display: rewritten in place (\r + clear line), with its rate and time left.
    shell.expect(r"\r\x1b\[2Kreading big\.csv ▕[█░]+▏ \d+% [\d.,]+/[\d.,]+ MB · [\d.,]+ MB/s · ETA ", timeout=60)
    shell.expect(r"done in", timeout=60)
    shell.expect(r"In \[2\]: ", timeout=60)
    shell.sendline("big.rows")
    shell.expect(r"Out\[2\]: .*?2400000")
    shell.expect(PROMPT)  # Ctrl-D counts at a prompt
    quit_shell(shell)


def test_ctrl_c_while_reading_a_large_csv_interrupts_between_chunks(home):
    path = write_large_csv(home, "large.csv", blocks=48)
    shell = launch(home)
    shell.sendline("let kept = 1")
    shell.expect(r"In \[2\]: ")
    shell.sendline(f'let large = readCSV("{path}")')
    # Interrupt while well under way (before 70%), so the read cannot finish first.
    shell.expect(r"reading large\.csv ▕[█░]+▏ [0-6]?\d% .* ETA", timeout=60)
    shell.sendintr()
    shell.expect(r"Interrupted: interrupted while reading", timeout=30)
    shell.expect(r"In \[3\]: ")
    shell.sendline("kept + 1")
    shell.expect(r"Out\[3\]: .*?2")
    # Ctrl-D only counts at a prompt: typed while a cell still runs, the terminal (not yet
    # in readline's mode) swallows it, as in any readline program.
    shell.expect(r"In \[4\]: ")
    quit_shell(shell)
