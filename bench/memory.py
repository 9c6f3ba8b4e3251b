"""rerun_rss_growth_mb: resident memory growth over 50 AppTest reruns of the vanishing page.

Settings alternate (depth and activation) and the seed changes every rerun,
so every rerun really builds and trains a new model (no cache hits).
"""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

APP = str(Path(__file__).resolve().parent.parent / "app.py")


def _rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def measure(reruns: int = 50, warmup: int = 5) -> dict:
    import streamlit.logger

    streamlit.logger.set_log_level("error")  # AppTest runs in bare mode, which warns on every rerun
    app = AppTest.from_file(APP, default_timeout=300)
    app.switch_page("pages/vanishing.py")
    app.run()
    baseline = None
    for index in range(reruns):
        app.session_state["vanishing.seed"] = index + 1
        app.session_state["vanishing.num_hidden_layers"] = 6 if index % 2 else 10
        app.session_state["vanishing.activation"] = "relu" if index % 2 else "sigmoid"
        app.session_state["vanishing.epochs"] = 5
        app.run()
        if app.exception:
            raise RuntimeError(app.exception[0].value)
        if index + 1 == warmup:
            baseline = _rss_mb()
    final = _rss_mb()
    return {"rss_after_warmup_mb": round(baseline, 1), "rss_after_reruns_mb": round(final, 1), "reruns": reruns, "rerun_rss_growth_mb": round(final - baseline, 1), "target_mb": 100}
