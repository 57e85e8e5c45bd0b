#!/usr/bin/env python3
"""Opens one notebook in a real JupyterLab with headless Chromium, runs all its cells
through the Tessera kernel-spec, saves it, and checks what JupyterLab received and drew:
the check a new user makes by eye, made exact. `make check-browser` runs it on every
notebook with a fresh JupyterLab (scripts/check-browser.sh); to run it by hand, start
JupyterLab as that script does and give its URL, token and root.

Checks, each against the notebook JupyterLab saved after the run:
 - every code cell ran (an execution count, no cell left running) and the kernel ended idle;
 - errors appear exactly in the cells tagged raises-exception;
 - each cell shows as many outputs as were saved, each rich output in a rich type (the one
   JupyterLab picks), an image drawn with a size, HTML rendered and not typeset as a formula;
 - every progress display ended at its final state ("done in ..." or "... after ..."),
   and each shows one bar;
 - no Markdown cell was typeset as a formula (dollar amounts stay text).
Screenshots of the whole notebook, page by page, go to --screenshots.
"""
from __future__ import annotations

import argparse
import os
import sys
import time

import nbformat
from selenium import webdriver
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.common.action_chains import ActionChains


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("notebook", help="path of the notebook relative to the server's root")
    ap.add_argument("--root", required=True, help="the server's root folder on this machine (to read the saved notebook)")
    ap.add_argument("--url", default="http://127.0.0.1:8899")
    ap.add_argument("--token", default="abc")
    ap.add_argument("--screenshots", default="/tmp/jupyterlab-check")
    ap.add_argument("--wait", type=float, default=900, help="seconds to wait for all cells")
    ap.add_argument("--chromium", default="/usr/bin/chromium")
    ap.add_argument("--chromedriver", default="/usr/bin/chromedriver")
    a = ap.parse_args()

    path = os.path.join(a.root, a.notebook)
    stem = os.path.splitext(os.path.basename(a.notebook))[0]
    before = nbformat.read(path, as_version=4)
    options = Options()
    for arg in ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1280,1000",
                "--hide-scrollbars"]:
        options.add_argument(arg)
    options.binary_location = a.chromium
    driver = webdriver.Chrome(service=Service(a.chromedriver), options=options)
    problems: list[str] = []
    try:
        # A workspace of its own, reset: no panels or state left from an earlier run.
        workspace = f"check-{stem}-{os.getpid()}"
        driver.get(f"{a.url}/lab/workspaces/{workspace}/tree/{a.notebook}?reset&token={a.token}")
        wait_for(lambda: len(cells(driver)) == len(before.cells), 120, f"the notebook's {len(before.cells)} cells to show")
        wait_for(lambda: kernel_idle(driver), 120, "the kernel to start and be idle")
        mtime = os.path.getmtime(path)

        def prompts() -> list[str]:
            return [p.text.strip() for p in driver.find_elements(By.CSS_SELECTOR, ".jp-CodeCell .jp-InputArea-prompt")]
        initial = prompts()
        menu(driver, "Run", "Run All Cells")
        samples: list[float] = []
        state = {"started": False, "quiet_since": None}

        # Done when the run has begun (a prompt changed), no cell is running or queued, and
        # the kernel has stayed idle a moment: JupyterLab stops a run at a cell's error, so
        # cells after it keep their empty prompt.
        def finished() -> bool:
            for p in driver.find_elements(By.CSS_SELECTOR, ".jp-OutputArea progress"):
                samples.extend(fraction(p.get_attribute("value")))
            now = prompts()
            state["started"] = state["started"] or now != initial
            if not state["started"] or "[*]:" in now or not kernel_idle(driver):
                state["quiet_since"] = None
                return False
            state["quiet_since"] = state["quiet_since"] or time.time()
            return time.time() - state["quiet_since"] > 1.5
        if not wait_for(finished, a.wait, "every cell to run", poll=0.25, fail=False):
            running = [i + 1 for i, el in enumerate(cells(driver))
                       if el.find_elements(By.CSS_SELECTOR, ".jp-InputArea-prompt") and "[*]" in el.find_element(By.CSS_SELECTOR, ".jp-InputArea-prompt").text]
            problems.append(f"not every cell ran within {a.wait:.0f} s (still running or queued: cells {running}; kernel idle: {kernel_idle(driver)})")
        time.sleep(1)  # the last update_display_data and SVG images settle
        ActionChains(driver).key_down(Keys.CONTROL).send_keys("s").key_up(Keys.CONTROL).perform()
        wait_for(lambda: os.path.getmtime(path) > mtime, 30, "JupyterLab to save the notebook")
        time.sleep(0.5)
        saved = nbformat.read(path, as_version=4)
        nbformat.validate(saved)
        problems += check(driver, saved)
        shots = screenshots(driver, a.screenshots, stem)
        progress_values = sorted(set(round(v, 2) for v in samples))
        print(f"{a.notebook}: {len(saved.cells)} cells, {sum(len(c.get('outputs', [])) for c in saved.cells)} outputs; "
              f"progress values seen while running: {progress_values[:4]}{' ...' if len(progress_values) > 4 else ''}; "
              f"{len(shots)} screenshots in {a.screenshots}")
    finally:
        driver.quit()
    for p in problems:
        print(f"  FAIL {p}")
    print(f"{a.notebook}: {'ok' if not problems else f'{len(problems)} problems'}")
    return 1 if problems else 0


def check(driver, nb) -> list[str]:
    problems = []
    dom = cells(driver)
    if len(dom) != len(nb.cells):
        return [f"JupyterLab shows {len(dom)} cells, the notebook has {len(nb.cells)}"]
    for i, (cell, el) in enumerate(zip(nb.cells, dom)):
        where = f"cell {i + 1} ({cell.source.strip().splitlines()[0][:50] if cell.source.strip() else 'empty'!r})"
        if cell.cell_type == "markdown":
            if el.find_elements(By.CSS_SELECTOR, "mjx-container, .MathJax, .MathJax_Display") and "$$" not in cell.source:
                problems.append(f"{where}: Markdown typeset as a formula (a bare $ amount?)")
            continue
        if cell.cell_type != "code":
            continue
        if cell.execution_count is None:
            problems.append(f"{where}: did not run")
        tagged = "raises-exception" in cell.metadata.get("tags", [])
        errors = [o for o in cell.outputs if o.output_type == "error"]
        if bool(errors) != tagged:
            problems.append(f"{where}: {'an error' if errors else 'no error'} where the tags say {'one' if tagged else 'none'}: "
                            f"{[e.ename + ': ' + e.evalue for e in errors]}")
        shown = el.find_elements(By.CSS_SELECTOR, ".jp-OutputArea-child")
        if len(shown) != len(cell.outputs):
            problems.append(f"{where}: {len(shown)} outputs shown, {len(cell.outputs)} saved")
            continue
        for o, out in zip(cell.outputs, shown):
            data = o.get("data", {})
            html = data.get("text/html", "")
            # JupyterLab picks the richest type it renders and marks the output with it.
            chosen = [e.get_attribute("data-mime-type") for e in out.find_elements(By.CSS_SELECTOR, ".jp-OutputArea-output")]
            mime = chosen[0] if chosen else None
            if any(m != "text/plain" for m in data) and mime == "text/plain":
                problems.append(f"{where}: a rich output ({', '.join(data)}) was shown as plain text")
            if mime and mime.startswith("image/"):
                images = out.find_elements(By.CSS_SELECTOR, "img, svg")
                drawn = [im for im in images if driver.execute_script(
                    "const r = arguments[0].getBoundingClientRect(); return r.width > 10 && r.height > 10", im)]
                if not drawn:
                    problems.append(f"{where}: an {mime} output was not drawn as an image")
            elif mime == "text/html" and not out.find_elements(By.CSS_SELECTOR, ".jp-RenderedHTMLCommon"):
                problems.append(f"{where}: an HTML output was not rendered as HTML")
            if mime == "text/html" and out.find_elements(By.CSS_SELECTOR, "mjx-container, .MathJax"):
                problems.append(f"{where}: an HTML output was typeset as a formula (dollar amounts?)")
            if "tessera-progress" in html:
                text = data.get("text/plain", "")
                if "done in" not in text and " after " not in text:
                    problems.append(f"{where}: a progress display was left mid-way: {text!r}")
                bars = out.find_elements(By.CSS_SELECTOR, "progress")
                if len(bars) != 1 or any(c in out.text for c in "█░▕▏"):
                    problems.append(f"{where}: a progress display shows {len(bars)} <progress> bars and text {out.text[:60]!r}")
    return problems


def screenshots(driver, folder: str, stem: str) -> list[str]:
    """The notebook page by page, scrolling its panel (the page itself does not scroll)."""
    os.makedirs(folder, exist_ok=True)
    scroller = "document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-WindowedPanel-outer') " \
               "|| document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook')"
    height = driver.execute_script(f"const s = {scroller}; return [s.scrollHeight, s.clientHeight]")
    total, page = height
    paths = []
    for k in range(min(60, max(1, -(-total // max(1, page - 80))))):
        driver.execute_script(f"({scroller}).scrollTop = arguments[0]", k * (page - 80))
        time.sleep(0.3)
        p = os.path.join(folder, f"{stem}-{k + 1:02d}.png")
        driver.save_screenshot(p)
        paths.append(p)
    return paths


def cells(driver):
    return driver.find_elements(By.CSS_SELECTOR, ".jp-NotebookPanel:not(.lm-mod-hidden) .jp-WindowedPanel-viewport > .jp-Cell")


def kernel_idle(driver) -> bool:
    """The notebook toolbar's kernel status circle, or the status bar's "Idle"."""
    status = driver.find_elements(By.CSS_SELECTOR, ".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook-ExecutionIndicator")
    if status:
        return status[0].get_attribute("data-status") == "idle"
    return any("Idle" in e.text for e in driver.find_elements(By.CSS_SELECTOR, ".jp-StatusBar-Widget"))


def fraction(value: str | None) -> list[float]:
    try:
        return [float(value)] if value not in (None, "") else []
    except ValueError:
        return []


def menu(driver, top: str, item: str) -> None:
    for element in driver.find_elements(By.CSS_SELECTOR, ".lm-MenuBar-itemLabel"):
        if element.text == top:
            element.click()
            time.sleep(0.5)
            for entry in driver.find_elements(By.CSS_SELECTOR, ".lm-Menu-itemLabel"):
                if entry.text == item:
                    entry.click()
                    time.sleep(0.5)
                    return
    raise SystemExit(f"JupyterLab shows no menu item {top} > {item}")


def wait_for(condition, seconds: float, what: str, poll: float = 0.5, fail: bool = True) -> bool:
    """Whether `condition` held within `seconds`; when it did not, stops the check (or with
    fail=False, says so)."""
    deadline = time.time() + seconds
    while time.time() < deadline:
        try:
            if condition():
                return True
        except Exception:  # an element replaced while reading it: try again
            pass
        time.sleep(poll)
    if fail:
        raise SystemExit(f"timed out after {seconds:.0f} s waiting for {what}")
    return False


if __name__ == "__main__":
    sys.exit(main())
