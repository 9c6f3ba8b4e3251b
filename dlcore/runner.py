"""Trainings run in worker processes: queued in order, shared when identical, cached when done.

Why processes: Streamlit calls ``keras.backend.clear_session()`` and a full
garbage collection after every script run of every session. Both reach every
thread of the server process, and a training running there slows down 10-30x
while another user moves a slider. A worker process is out of their reach,
frees its memory when it is recycled, and its TensorFlow state is its own.

The server side (:class:`Runner`) keeps, under one lock:

- the finished results (an LRU of plain data, keyed by function and config);
- the jobs in flight, so that two sessions asking for the same config share one
  training and both watch its progress;
- a first-come queue, so that a waiting user can be told their place in it.

A worker process runs one experiment function at a time, sends its progress
(at most a few times a second) and then its result, all plain picklable data.
After each job it clears its own Keras session (nothing else runs there) and
after ``jobs_per_worker`` jobs it is replaced by a fresh process.
"""

from __future__ import annotations

import gc
import importlib
import itertools
import logging
import multiprocessing
import os
import threading
import time
from collections import OrderedDict
from pathlib import Path
from typing import Any

LOG = logging.getLogger(__name__)
PROGRESS_INTERVAL_S = 0.3  # a worker sends progress at most this often
WORKER_START_TIMEOUT_S = 180.0
CRASH_MESSAGE = "The training process stopped unexpectedly (it may have run out of memory). Try smaller settings."
STATES = ("queued", "starting", "running", "done", "failed")


def function_path(function) -> str:
    """'module:qualname' of a module-level function; ValueError for anything a worker could not import."""
    path = f"{function.__module__}:{function.__qualname__}"
    if "<" in function.__qualname__ or resolve(path) is not function:
        raise ValueError(f"{path} is not a module-level function, so a worker process cannot run it")
    return path


def resolve(path: str):
    module_name, _, name = path.partition(":")
    target = importlib.import_module(module_name)
    for part in name.split("."):
        target = getattr(target, part)
    return target


def experiment_key(function, config) -> tuple:
    """What a result is stored under: the function's qualified name and the (hashable, frozen) config."""
    return (f"{function.__module__}.{function.__qualname__}", config)


# ---------------------------------------------------------------- the worker process


def _worker_main(connection, environment: dict) -> None:
    os.environ.update(environment)
    import dlcore.device  # noqa: F401, I001  (first: TensorFlow's quiet, single-inter-op-thread set-up)
    import keras

    connection.send(("ready", None, os.getpid()))
    while True:
        try:
            message = connection.recv()
        except (EOFError, OSError):
            return
        if message is None:
            return
        job_id, path, config = message
        last_sent = [0.0]

        def progress(info, job_id=job_id, last_sent=last_sent):
            now = time.monotonic()
            if now - last_sent[0] >= PROGRESS_INTERVAL_S:
                last_sent[0] = now
                connection.send(("progress", job_id, info))

        try:
            result = resolve(path)(config, progress)
            connection.send(("done", job_id, result))
        except Exception as error:  # the experiment's own error becomes the job's message
            LOG.exception("experiment %s failed", path)
            connection.send(("failed", job_id, f"{type(error).__name__}: {error}"))
        finally:
            keras.backend.clear_session()  # safe here: nothing else runs in this process
            gc.collect()


def _resident_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


class _Worker:
    """One worker process and the pipe to it."""

    def __init__(self, context, environment: dict):
        self.connection, child = context.Pipe()
        self.process = context.Process(target=_worker_main, args=(child, environment), daemon=True, name="dlcore-training-worker")
        self.process.start()
        child.close()
        self.ready, self.jobs_done = False, 0

    def wait_ready(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while not self.ready:
            if not self.process.is_alive() or time.monotonic() > deadline:
                raise EOFError("the worker did not start")
            if self.connection.poll(0.5):
                kind, _, _ = self.connection.recv()
                self.ready = kind == "ready"

    @property
    def resident_mb(self) -> float:
        return _resident_mb(self.process.pid) if self.process.pid else 0.0

    def stop(self) -> None:
        try:
            self.connection.send(None)
        except (OSError, BrokenPipeError):
            pass
        self.process.join(timeout=5)
        if self.process.is_alive():
            self.process.kill()
            self.process.join(timeout=5)
        self.connection.close()


# ---------------------------------------------------------------- jobs and the runner


class Job:
    """One training, watched by every session that asked for it."""

    _ids = itertools.count(1)

    def __init__(self, key: tuple, path: str, config):
        self.id, self.key, self.path, self.config = next(self._ids), key, path, config
        self.state, self.progress, self.result, self.error = "queued", None, None, None
        self.version, self.requests = 0, 1  # requests: how many sessions asked for exactly this training
        self._changed = threading.Condition()

    def update(self, **changes) -> None:
        with self._changed:
            for name, value in changes.items():
                setattr(self, name, value)
            self.version += 1
            self._changed.notify_all()

    def wait_for_change(self, seen_version: int, timeout: float) -> int:
        """Block until the job changes after `seen_version` (or `timeout` seconds pass); returns the new version."""
        with self._changed:
            self._changed.wait_for(lambda: self.version != seen_version or self.finished, timeout)
            return self.version

    @property
    def finished(self) -> bool:
        return self.state in ("done", "failed")


class Runner:
    """The server's side: a cache of results, the jobs in flight, a queue, and `workers` worker processes."""

    def __init__(self, workers: int, cached_results: int, jobs_per_worker: int = 40, max_worker_mb: float = 2500.0, environment: dict | None = None):
        if workers < 1:
            raise ValueError("at least one worker is needed")
        self._results: OrderedDict = OrderedDict()
        self._inflight: dict = {}
        self._queue: list[Job] = []
        self._lock = threading.Condition()
        self._max_results, self._jobs_per_worker, self._max_worker_mb = cached_results, jobs_per_worker, max_worker_mb
        self._context = multiprocessing.get_context("spawn")
        self._environment = {"TF_CPP_MIN_LOG_LEVEL": "3", "DLTEACH_WORKER": "1", **(environment or {})}
        self._workers: list[_Worker | None] = [self._start_worker() for _ in range(workers)]
        self._closing = False
        self.trainings_started = 0  # distinct trainings handed to a worker since start
        self._threads = [threading.Thread(target=self._serve, args=(slot,), daemon=True, name=f"dlcore-dispatch-{slot}") for slot in range(workers)]
        for thread in self._threads:
            thread.start()

    # -- results

    def cached(self, key):
        with self._lock:
            if key in self._results:
                self._results.move_to_end(key)
                return self._results[key]
        return None

    def store(self, key, result) -> None:
        with self._lock:
            self._remember(key, result)

    def _remember(self, key, result) -> None:
        """Keep a result, dropping the least recently used beyond the cap (call with the lock held)."""
        self._results[key] = result
        self._results.move_to_end(key)
        while len(self._results) > self._max_results:
            self._results.popitem(last=False)

    def __len__(self) -> int:
        return len(self._results)

    # -- jobs

    def submit(self, function, config) -> Job:
        """The job that trains `function(config)`: a finished one from the cache, the one already in flight, or a new one."""
        key, path = experiment_key(function, config), function_path(function)
        with self._lock:
            if key in self._results:
                job = Job(key, path, config)
                job.state, job.result = "done", self._results[key]
                return job
            if key in self._inflight:
                self._inflight[key].requests += 1
                return self._inflight[key]
            job = self._inflight[key] = Job(key, path, config)
            self._queue.append(job)
            self._lock.notify_all()
            return job

    def status(self, job: Job, shared: bool) -> tuple[float, str]:
        """(progress fraction, one line for the user) for a job a session is watching; `shared`: another session asked first."""
        if shared and job.progress is not None:
            return job.progress.fraction, f"Another session is training exactly these settings; sharing its run · {job.progress.message}"
        if shared:
            return 0.0, "Another session asked for exactly these settings first; waiting for that one run…"
        if job.state == "queued":
            ahead = self.position(job)
            return 0.0, f"Waiting for a free training slot: {ahead} training{'s' if ahead != 1 else ''} ahead of yours…" if ahead else "Your training is next…"
        if job.state == "starting":
            return 0.0, "Starting a training process (about ten seconds, the first time)…"
        if job.progress is None:
            return 0.0, "Building the model and compiling the training loop…"
        return job.progress.fraction, job.progress.message

    def position(self, job: Job) -> int:
        """How many queued jobs are ahead of this one (0 once it runs)."""
        with self._lock:
            return self._queue.index(job) if job in self._queue else 0

    @property
    def worker_pids(self) -> list[int]:
        return [worker.process.pid for worker in self._workers if worker is not None and worker.process.pid]

    def close(self) -> None:
        with self._lock:
            self._closing = True
            self._lock.notify_all()
        for worker in self._workers:
            if worker is not None:
                worker.stop()

    # -- the dispatch threads

    def _start_worker(self) -> _Worker:
        return _Worker(self._context, self._environment)

    def _next_job(self) -> Job | None:
        with self._lock:
            self._lock.wait_for(lambda: self._queue or self._closing)
            return None if self._closing else self._queue.pop(0)

    def _serve(self, slot: int) -> None:
        while True:
            job = self._next_job()
            if job is None:
                return
            worker = self._workers[slot]
            try:
                if worker is None or not worker.process.is_alive():
                    worker = self._workers[slot] = self._start_worker()
                if not worker.ready:
                    job.update(state="starting")
                    worker.wait_ready(WORKER_START_TIMEOUT_S)
                job.update(state="running")
                with self._lock:
                    self.trainings_started += 1
                self._run(worker, job)
            except (EOFError, OSError) as error:
                LOG.warning("training worker %s lost: %s", slot, error)
                self._finish(job, error=CRASH_MESSAGE)
                if worker is not None:
                    worker.stop()
                self._workers[slot] = None
                continue
            worker.jobs_done += 1
            if worker.jobs_done >= self._jobs_per_worker or worker.resident_mb > self._max_worker_mb:
                worker.stop()  # a fresh process gives all its memory back
                self._workers[slot] = self._start_worker()

    def _run(self, worker: _Worker, job: Job) -> None:
        worker.connection.send((job.id, job.path, job.config))
        while True:
            if not worker.connection.poll(1.0):
                if not worker.process.is_alive():
                    raise EOFError("the worker exited")
                continue
            kind, _, payload = worker.connection.recv()
            if kind == "progress":
                job.update(progress=payload)
            elif kind == "done":
                self._finish(job, result=payload)
                return
            elif kind == "failed":
                self._finish(job, error=payload)
                return

    def _finish(self, job: Job, result: Any = None, error: str | None = None) -> None:
        with self._lock:
            self._inflight.pop(job.key, None)
            if error is None:
                self._remember(job.key, result)
        job.update(state="failed" if error else "done", result=result, error=error)
