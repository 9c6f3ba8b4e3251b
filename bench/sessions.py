"""Many users on one server: churn_slowdown, four_sessions and memory_plateau_mb.

- churn_slowdown: a real `streamlit run` server and headless Chromium. One
  session trains the vanishing page (300 epochs, batch 8) alone, then again
  (another seed, same cost) while a second session moves a slider on the
  activations page about three times a second; the ratio of the two training
  times the page reports (the worker's own clock). The browsers run under
  SCHED_IDLE, standing in for the students' own computers; the same
  figure with the browsers competing for the server's two cores is reported
  beside it (churn_browsers_on_server_cores).
- four_sessions: four trainings asked for at once (two of them identical)
  against the same four one after another, through the app's runner; whether
  the identical pair trained once and every result equals its solo run.
- memory_plateau_mb: resident memory of the server process plus its worker
  processes after 100 and after 200 distinct small trainings.
"""

from __future__ import annotations

import statistics
import threading
import time
from dataclasses import replace

import numpy as np

from dlcore import limits
from dlcore.experiments import vanishing
from dlcore.runner import Runner, _resident_mb

CHURN_CONFIG = dict(epochs=300, batch_size=8)


def _wait(job, timeout: float = 900.0):
    version, deadline = -1, time.monotonic() + timeout
    while not job.finished and time.monotonic() < deadline:
        version = job.wait_for_change(version, 1.0)
    if job.state != "done":
        raise RuntimeError(f"training {job.key[0]} ended {job.state}: {job.error}")
    return job.result


def _warm(runner: Runner, workers: int) -> None:
    """Start every worker and compile once, so no timing below includes a process start."""
    jobs = [runner.submit(vanishing.run, vanishing.Config(epochs=1, num_samples=100, seed=9000 + index)) for index in range(workers)]
    for job in jobs:
        _wait(job)


def _total_mb(runner: Runner) -> float:
    import os

    return _resident_mb(os.getpid()) + sum(_resident_mb(pid) for pid in runner.worker_pids)


def memory_plateau(trainings: int = 200, window: int = 10) -> dict:
    caps = limits.current()
    runner = Runner(caps.concurrent_trainings, caps.cached_results)
    try:
        totals = []
        for index in range(trainings):
            config = vanishing.Config(epochs=2, num_samples=200, num_hidden_layers=3, units=8, seed=index)
            _wait(runner.submit(vanishing.run, config))
            totals.append(_total_mb(runner))
        half = trainings // 2
        at_half, at_end = statistics.median(totals[half - window : half]), statistics.median(totals[-window:])
        return {
            "trainings": trainings,
            "rss_mb_at_half": round(at_half, 1),
            "rss_mb_at_end": round(at_end, 1),
            "memory_plateau_mb": round(at_end - at_half, 1),
            "note": "server + worker processes, median of the last 10 trainings of each half",
            "target_mb": 20,
        }
    finally:
        runner.close()


def four_sessions(epochs: int = 60) -> dict:
    base = vanishing.Config(epochs=epochs)
    requests = [replace(base, seed=41), replace(base, seed=41), replace(base, seed=42), replace(base, seed=43)]
    caps = limits.current()
    concurrent_runner = Runner(caps.concurrent_trainings, caps.cached_results)
    sequential_runner = Runner(caps.concurrent_trainings, caps.cached_results)
    try:
        _warm(concurrent_runner, caps.concurrent_trainings)
        _warm(sequential_runner, caps.concurrent_trainings)
        started_before = concurrent_runner.trainings_started
        results = [None] * len(requests)

        def session(index: int) -> None:
            results[index] = _wait(concurrent_runner.submit(vanishing.run, requests[index]))

        start = time.perf_counter()
        threads = [threading.Thread(target=session, args=(index,)) for index in range(len(requests))]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        concurrent_s = time.perf_counter() - start
        trained = concurrent_runner.trainings_started - started_before

        start = time.perf_counter()
        for config in requests:
            _wait(sequential_runner.submit(vanishing.run, config))
        sequential_s = time.perf_counter() - start

        solo = {config: vanishing.run(config) for config in set(requests)}
        identical = all(
            np.array_equal(result.history.steps["loss"].to_numpy(), solo[config].history.steps["loss"].to_numpy()) and result.final_val_accuracy == solo[config].final_val_accuracy
            for result, config in zip(results, requests)
        )
        return {
            "concurrent_s": round(concurrent_s, 2),
            "sequential_s": round(sequential_s, 2),
            "ratio": round(concurrent_s / sequential_s, 2),
            "trainings_for_four_requests": trained,
            "identical_pair_trained_once": trained == 3,
            "results_equal_solo_runs": bool(identical),
        }
    finally:
        concurrent_runner.close()
        sequential_runner.close()


def _training_seconds(page, base: str, seed: int, churn=None) -> float:
    """Open the vanishing page with the churn config and `seed`; return the training time it reports."""
    from tests.browser_harness import wait_until_idle

    query = "&".join(f"{key}={value}" for key, value in {**CHURN_CONFIG, "seed": seed}.items())
    page.goto(f"{base}/vanishing?{query}", wait_until="commit")
    deadline = time.monotonic() + 900
    metric = page.locator('[data-testid="stMetric"]').filter(has_text="Training time")
    while metric.count() == 0 and time.monotonic() < deadline:
        if churn is not None:
            churn()
        page.wait_for_timeout(300)
    wait_until_idle(page, 1)
    return float(metric.locator('[data-testid="stMetricValue"]').inner_text().split()[0])


def churn_slowdown(idle_browsers: bool = True) -> dict:
    """`idle_browsers`: the two browsers get only CPU time the server leaves idle (they stand in for the students' own
    computers, as on a real server); False: they compete with the server for this machine's two cores."""
    from tests.browser_harness import chromium, streamlit_server, wait_until_idle

    with streamlit_server() as base, chromium(idle_browsers) as browser:
        trainer, churner = browser.new_page(), browser.new_page()
        churner.goto(f"{base}/activations", wait_until="domcontentloaded")
        wait_until_idle(churner, 1)
        _training_seconds(trainer, base, seed=32)  # warm-up: worker started, kernels loaded
        alone = [_training_seconds(trainer, base, seed=33)]
        slider = churner.locator('[data-testid="stSlider"]').filter(has_text="x range").get_by_role("slider")
        presses = [0]

        def churn() -> None:
            slider.press("ArrowRight" if presses[0] % 2 == 0 else "ArrowLeft")
            presses[0] += 1

        started = time.perf_counter()
        churned = _training_seconds(trainer, base, seed=34, churn=churn)
        churn_rate = presses[0] / (time.perf_counter() - started)
        alone.append(_training_seconds(trainer, base, seed=35))
    alone_s = statistics.mean(alone)
    return {
        "alone_s": round(alone_s, 2),
        "under_churn_s": round(churned, 2),
        "churn_slowdown": round(churned / alone_s, 2),
        "reruns_per_s": round(churn_rate, 1),
        "idle_browsers": idle_browsers,
        "target": "<= 1.5",
    }


def measure() -> dict:
    return {"churn": churn_slowdown(), "churn_browsers_on_server_cores": churn_slowdown(False), "four_sessions": four_sessions(), "memory": memory_plateau()}
