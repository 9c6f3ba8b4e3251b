"""cold_start_s: from launching `streamlit run` to the first Plotly chart in headless Chromium."""

from __future__ import annotations

import time

from tests.browser_harness import chromium, streamlit_server


def measure() -> dict:
    with chromium() as browser:
        page = browser.new_page()
        start = time.perf_counter()
        with streamlit_server() as base:
            server_ready = time.perf_counter() - start
            page.goto(f"{base}/vanishing", wait_until="domcontentloaded")
            page.wait_for_selector(".js-plotly-plot", timeout=180_000)
            first_chart = time.perf_counter() - start
    return {"server_ready_s": round(server_ready, 2), "cold_start_s": round(first_chart, 2), "target_s": 20}
