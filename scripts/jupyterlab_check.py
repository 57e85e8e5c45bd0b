#!/usr/bin/env python3
"""Opens a notebook in a real JupyterLab with headless Chromium, runs all its cells
through the Tessera kernel-spec, and reports what JupyterLab rendered: the check a new
user makes by hand. Not part of `make test` (it needs JupyterLab, Chromium and a few
minutes of installs); run it after changing the kernel's protocol or rich output.

Setup, as a new user would (here with a throwaway HOME):
    python3 -m venv /tmp/lab && /tmp/lab/bin/pip install jupyterlab selenium
    apt-get install chromium chromium-driver
    HOME=/tmp/newuser .build/release/tessera install-kernel --user
    cd notebooks && HOME=/tmp/newuser /tmp/lab/bin/jupyter lab --no-browser --port 8899 \\
        --ServerApp.token=abc --allow-root &
    /tmp/lab/bin/python scripts/jupyterlab_check.py tour.ipynb --screenshot /tmp/tour.png
Exit status 0 when every cell ran, the kernel ended idle, and the notebook's progress
display and SVG charts were rendered.
"""
import argparse
import sys
import time

from selenium import webdriver
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("notebook", help="path of the notebook relative to the server's root")
    ap.add_argument("--url", default="http://127.0.0.1:8899")
    ap.add_argument("--token", default="abc")
    ap.add_argument("--screenshot", default="/tmp/jupyterlab-check.png")
    ap.add_argument("--wait", type=float, default=60, help="seconds to wait for all cells")
    a = ap.parse_args()

    options = Options()
    for arg in ["--headless=new", "--no-sandbox", "--disable-gpu", "--window-size=1400,2400"]:
        options.add_argument(arg)
    options.binary_location = "/usr/bin/chromium"
    driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
    try:
        driver.get(f"{a.url}/lab/tree/{a.notebook}?token={a.token}")
        deadline = time.time() + 60
        while not driver.find_elements(By.CSS_SELECTOR, ".jp-Notebook .jp-Cell") and time.time() < deadline:
            time.sleep(0.5)
        while "Idle" not in status(driver) and time.time() < deadline:
            time.sleep(0.5)
        print("kernel:", status(driver))
        click(driver, ".lm-MenuBar-itemLabel", "Run")
        click(driver, ".lm-Menu-itemLabel", "Run All Cells")
        deadline = time.time() + a.wait
        samples = []
        while time.time() < deadline:
            time.sleep(0.25)
            samples += [p.get_attribute("value") for p in driver.find_elements(By.CSS_SELECTOR, "progress")]
            prompts = [p.text for p in driver.find_elements(By.CSS_SELECTOR, ".jp-InputArea-prompt")]
            if prompts and all(p.strip() not in ("[*]:", "[ ]:", "") for p in prompts) and "Idle" in status(driver):
                break
        driver.save_screenshot(a.screenshot)
        outputs = driver.find_elements(By.CSS_SELECTOR, ".jp-OutputArea-output")
        for el in outputs:
            print(f"  {el.get_attribute('data-mime-type') or '?':<36} {el.text[:80]!r}")
        progress = driver.find_elements(By.CSS_SELECTOR, "progress")
        svgs = driver.find_elements(By.CSS_SELECTOR, ".jp-RenderedSVG, .jp-RenderedImage")
        print(f"outputs {len(outputs)}; progress displays {len(progress)} (values seen while running: "
              f"{sorted(set(samples), key=lambda v: int(v or 0))[:3]}...); SVG outputs {len(svgs)}; screenshot {a.screenshot}")
        ok = outputs and progress and svgs and "Idle" in status(driver)
        return 0 if ok else 1
    finally:
        driver.quit()


def status(driver) -> str:
    return " ".join(e.text for e in driver.find_elements(By.CSS_SELECTOR, ".jp-StatusBar-Widget") if " | " in e.text)


def click(driver, selector: str, text: str) -> None:
    for element in driver.find_elements(By.CSS_SELECTOR, selector):
        if element.text == text:
            element.click()
            time.sleep(0.5)
            return
    raise SystemExit(f"JupyterLab shows no '{text}' ({selector})")


if __name__ == "__main__":
    sys.exit(main())
