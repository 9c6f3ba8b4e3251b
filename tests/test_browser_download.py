"""A download that hangs must not hold the server: a real server whose network accepts and never answers.

The server's proxy points at a local socket that accepts every connection and
never sends a byte, so Keras' downloader waits forever. The augmentation page
asked for MNIST must give up within the timeout it states, fall back to the
bundled digits with one line saying so, and train; another session's training
started while the download hangs must finish without waiting for it.
"""

import re
import socket
import threading
import time

import pytest

from tests.browser_harness import ARTIFACTS, chromium, error_boxes, streamlit_server, wait_until_idle

pytestmark = pytest.mark.browser
TIMEOUT_S = 40  # room for the other training to finish first on a busy machine


class SilentServer:
    """Accepts TCP connections on a loopback port and never answers (a network that hangs)."""

    def __init__(self):
        self.socket = socket.create_server(("127.0.0.1", 0))
        self.port = self.socket.getsockname()[1]
        self.connections = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                connection, _ = self.socket.accept()
            except OSError:
                return
            self.connections.append(connection)  # held open, never read, never answered

    def close(self):
        self.socket.close()
        for connection in self.connections:
            connection.close()


def test_a_hanging_download_times_out_with_a_message_and_never_delays_another_training(tmp_path):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    silent = SilentServer()
    proxy = f"http://127.0.0.1:{silent.port}"
    environment = dict(HTTPS_PROXY=proxy, HTTP_PROXY=proxy, https_proxy=proxy, http_proxy=proxy, NO_PROXY="", no_proxy="",
                       KERAS_HOME=str(tmp_path / "keras"), DLTEACH_DOWNLOAD_TIMEOUT_S=str(TIMEOUT_S), DLTEACH_OFFLINE="0")
    try:
        with streamlit_server(**environment) as base, chromium() as browser:
            warm = browser.new_page()
            warm.goto(f"{base}/vanishing?seed=2&epochs=5", wait_until="domcontentloaded")
            wait_until_idle(warm, 5, timeout_ms=600_000)  # the training worker is running now, as on a server in use
            warm.close()

            downloader, trainer = browser.new_page(), browser.new_page()
            downloader.goto(f"{base}/augmentation?dataset=mnist&epochs=5", wait_until="domcontentloaded")
            downloader.wait_for_selector("text=/Downloading MNIST/", timeout=120_000)
            started = time.monotonic()
            assert downloader.get_by_text(f"waiting at most {TIMEOUT_S} s", exact=False).count() >= 1

            trainer.goto(f"{base}/vanishing?seed=3&epochs=5", wait_until="domcontentloaded")
            trainer.wait_for_function("document.querySelectorAll('[data-testid=\"stMetric\"]').length >= 4", timeout=120_000)
            trained_after = time.monotonic() - started
            still_downloading = downloader.get_by_text("did not finish downloading", exact=False).count() == 0
            assert still_downloading and trained_after < TIMEOUT_S, f"the other training finished {trained_after:.0f} s after the download began"

            downloader.wait_for_selector(f"text=/did not finish downloading within {TIMEOUT_S} s/", timeout=(TIMEOUT_S + 60) * 1000)
            gave_up_after = time.monotonic() - started
            assert gave_up_after < TIMEOUT_S + 15, f"the page gave up after {gave_up_after:.0f} s, not within the stated {TIMEOUT_S} s"
            wait_until_idle(downloader, 1)
            assert error_boxes(downloader) == [] and error_boxes(trainer) == []
            page_text = downloader.locator('[data-testid="stMain"]').inner_text()
            assert re.search(r"bundled 8×8 digits", page_text) and "digits" in page_text
    finally:
        silent.close()
