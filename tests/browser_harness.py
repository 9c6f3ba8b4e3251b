"""A real `streamlit run` server on a free loopback port and headless Debian Chromium (Playwright)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "tests" / "artifacts"
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run",
                  # several sessions at once: a page in the background keeps rendering (no timer throttling, no backgrounding)
                  "--disable-background-timer-throttling", "--disable-renderer-backgrounding", "--disable-backgrounding-occluded-windows"]


# Small settings per page, for tests that need a page to draw but not to teach (the lessons are tested in dlcore; long
# trainings belong in bench). Each architecture page's own browser file opens every tab with these.
RNN_TAB_LINKS = {
    2: "lag.lag=8&lag.epochs=2&lag.sequences=100&lag.units=8",
    3: "inside.source=zen&inside.updates=20&inside.units=16&inside.sequence_length=32",
    4: "writer.source=zen&writer.updates=20&writer.units=16&writer.sequence_length=32",
}
SMALL_LINKS = {
    "cnn": "train.epochs=2&train.train_size=300&draw.epochs=6&lenet.epochs=1&lenet.train_size=300&receptive.num_images=4",
    "resnet": (
        "shallow_blocks=1&deep_blocks=3&epochs=3&width=8"
        "&gradients.blocks=3&gradients.epochs=2&gradients.width=8"
        "&unit.epochs=2&unit.width=4"
        "&lesion.blocks=3&lesion.epochs=3&lesion.width=8"
        "&landscape.blocks=2&landscape.epochs=2&landscape.width=8&landscape.resolution=7"
    ),
    "rnn": "&".join(RNN_TAB_LINKS.values()),
    "vae": "epochs=3",
    "gan": "steps=250&snapshot_every=25&dcgan.epochs=1&cgan.epochs=1",  # allowed values only: a link is snapped to them
}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def streamlit_server(timeout: float = 90.0, **environment: str):
    """Yield the base URL of a fresh server running app.py (with `environment` added to its variables); stop it afterwards."""
    port = free_port()
    command = [sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port), "--server.address", "127.0.0.1", "--server.headless", "true", "--browser.gatherUsageStats", "false"]
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3", DLTEACH_HOSTED="0", **environment)
    log = open(ARTIFACTS.parent / "artifacts" / f"server-{port}.log", "w") if ARTIFACTS.exists() else subprocess.DEVNULL
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                with urllib.request.urlopen(f"{base}/_stcore/health", timeout=2) as response:
                    if response.read().strip() == b"ok":
                        break
            except OSError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("streamlit server did not start")
            time.sleep(0.3)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()


@contextmanager
def chromium(idle_priority: bool = False):
    """Headless Debian Chromium. `idle_priority` runs it (and every process it starts) under the SCHED_IDLE policy, so it
    only gets CPU time nothing else wants: in bench, the browsers stand in for the students' own computers, and their
    rendering should not compete with the server for this machine's two cores. (Chromium resets nice values itself.)"""
    import tempfile

    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as folder, sync_playwright() as playwright:
        executable = CHROMIUM
        if idle_priority:
            executable = os.path.join(folder, "chromium")
            with open(executable, "w") as wrapper:
                wrapper.write(f'#!/bin/sh\nexec chrt --idle 0 "{CHROMIUM}" "$@"\n')
            os.chmod(executable, 0o755)
        browser = playwright.chromium.launch(executable_path=executable, headless=True, args=CHROMIUM_FLAGS)
        try:
            yield browser
        finally:
            browser.close()


def wait_until_idle(page, min_charts: int, timeout_ms: float = 240_000) -> None:
    """Wait for `min_charts` Plotly charts and for Streamlit to stop running the script."""
    if min_charts:
        page.wait_for_function(f"document.querySelectorAll('.js-plotly-plot').length >= {min_charts}", timeout=timeout_ms)
    deadline = time.monotonic() + timeout_ms / 1000
    quiet_since = None
    while time.monotonic() < deadline:
        running = page.locator('[data-testid="stStatusWidget"]').count() > 0 or page.locator('[data-testid="stProgress"]').count() > 0
        if running:
            quiet_since = None
        elif quiet_since is None:
            quiet_since = time.monotonic()
        elif time.monotonic() - quiet_since > 1.5:
            return
        time.sleep(0.25)
    raise TimeoutError("the page kept running")


def full_screenshot(page, path) -> None:
    """Streamlit scrolls inside its main container, so grow the viewport to the content first."""
    height = page.evaluate("Math.max(...[...document.querySelectorAll('[data-testid=\"stMain\"], [data-testid=\"stAppViewContainer\"]')].map(e => e.scrollHeight), 900)")
    width = page.viewport_size["width"]
    page.set_viewport_size({"width": width, "height": min(int(height) + 40, 12000)})
    page.wait_for_timeout(800)
    page.screenshot(path=str(path), full_page=True)
    page.set_viewport_size({"width": width, "height": 900})


def error_boxes(page) -> list[str]:
    boxes = page.locator('[data-testid="stException"], [data-testid="stAlertContentError"]')
    return [boxes.nth(i).inner_text() for i in range(boxes.count())]


LEGEND_CHECK = """
[...document.querySelectorAll('.js-plotly-plot')].flatMap(chart => {
  const box = chart.getBoundingClientRect();
  const layout = chart._fullLayout;
  if (!layout || !layout.showlegend || box.width === 0 || box.height === 0) return [];  // no legend, or a hidden tab
  const name = ((layout.title && layout.title.text) || 'untitled chart').replace(/<[^>]+>/g, '');
  const legend = chart.querySelector('.legend');
  if (!legend) return [name + ': no legend drawn'];
  const l = legend.getBoundingClientRect();
  const problems = [];
  if (l.width < 5 || l.height < 5) problems.push(name + ': the legend is empty');
  if (l.top < box.top - 1 || l.bottom > box.bottom + 1 || l.left < box.left - 1 || l.right > box.right + 1) problems.push(name + ': the legend lies outside the chart');
  const heading = chart.querySelector('.gtitle');
  if (heading) {
    const h = heading.getBoundingClientRect();
    if (h.width > 0 && h.right > box.right + 1) problems.push(name + ': the title runs past the chart');
  }
  const axisTitle = chart.querySelector('.xtitle');
  if (axisTitle) {
    const t = axisTitle.getBoundingClientRect();
    if (t.height > 0 && l.top < t.bottom && l.bottom > t.top && l.left < t.right && l.right > t.left) problems.push(name + ': the legend covers the x-axis title');
  }
  return problems;
})
"""


def legend_problems(page) -> list[str]:
    """Visible charts whose legend is missing, empty, outside the chart or on top of the x-axis title, or whose title is cut off."""
    return page.evaluate(LEGEND_CHECK)
