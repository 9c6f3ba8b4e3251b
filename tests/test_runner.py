"""Trainings in worker processes: shared when identical, queued in order, cached, isolated from crashes."""

import os
import threading
import time

import pytest

from dlcore.runner import Runner, function_path
from tests import runner_fixtures as fixtures


@pytest.fixture(scope="module")
def runner():
    instance = Runner(workers=1, cached_results=3, jobs_per_worker=4)
    yield instance
    instance.close()


def _wait(job, timeout=120):
    deadline = time.monotonic() + timeout
    version = -1
    while not job.finished and time.monotonic() < deadline:
        version = job.wait_for_change(version, 1.0)
    assert job.finished, f"job still {job.state}"
    return job


def test_a_training_runs_in_another_process_and_its_result_is_cached(runner):
    job = _wait(runner.submit(fixtures.where_and_when, fixtures.Work(0.0, tag=1)))
    assert job.state == "done" and job.result["tag"] == 1 and job.result["pid"] != os.getpid()
    assert job.result["pid"] in runner.worker_pids
    again = runner.submit(fixtures.where_and_when, fixtures.Work(0.0, tag=1))
    assert again.finished and again.result == job.result  # from the cache: not run twice


def test_identical_requests_share_one_run_and_others_queue_in_order(runner):
    first = runner.submit(fixtures.where_and_when, fixtures.Work(1.0, tag=2))
    twin = runner.submit(fixtures.where_and_when, fixtures.Work(1.0, tag=2))
    second = runner.submit(fixtures.where_and_when, fixtures.Work(0.2, tag=3))
    third = runner.submit(fixtures.where_and_when, fixtures.Work(0.2, tag=4))
    assert twin is first
    assert runner.position(third) == runner.position(second) + 1 >= 1
    progress = []
    watcher = threading.Thread(target=lambda: progress.extend(_progress_of(first)))
    watcher.start()
    for job in (first, second, third):
        _wait(job)
    watcher.join()
    assert first.result["finished"] <= second.result["started"] <= third.result["started"]  # one worker: one after another
    assert progress and progress[-1] <= 1.0


def _progress_of(job):
    seen, version = [], -1
    while not job.finished:
        version = job.wait_for_change(version, 1.0)
        if job.progress is not None:
            seen.append(job.progress.fraction)
    return seen


def test_errors_and_crashes_become_messages_and_the_next_job_still_runs(runner):
    failed = _wait(runner.submit(fixtures.fails, fixtures.Work(tag=5)))
    assert failed.state == "failed" and "no good: 5" in failed.error
    crashed = _wait(runner.submit(fixtures.crashes, fixtures.Work(tag=6)))
    assert crashed.state == "failed" and "stopped unexpectedly" in crashed.error
    after = _wait(runner.submit(fixtures.where_and_when, fixtures.Work(0.0, tag=7)))
    assert after.state == "done"


def test_workers_are_recycled_and_the_cache_is_bounded(runner):
    pids = {_wait(runner.submit(fixtures.where_and_when, fixtures.Work(0.0, tag=10 + index))).result["pid"] for index in range(6)}
    assert len(pids) >= 2  # a worker is replaced after 4 jobs: its memory goes back to the system
    assert len(runner) == 3


def test_only_module_level_functions_can_be_sent_to_a_worker():
    assert function_path(fixtures.fails) == "tests.runner_fixtures:fails"
    with pytest.raises(ValueError):
        function_path(lambda config, progress: None)
