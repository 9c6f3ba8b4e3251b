"""Tiny experiment functions for tests/test_runner.py: module-level, so a worker process can import them."""

import os
import time
from dataclasses import dataclass


@dataclass(frozen=True)
class Work:
    seconds: float = 0.0
    tag: int = 0

    def validate(self):
        return self


@dataclass(frozen=True)
class Report:
    fraction: float
    message: str


def where_and_when(config: Work, progress=None) -> dict:
    """Sleeps `seconds` in steps, reporting progress; returns which process ran it, and when."""
    started = time.time()
    steps = 5
    for index in range(steps):
        time.sleep(config.seconds / steps)
        if progress is not None:
            progress(Report((index + 1) / steps, f"step {index + 1}"))
    return {"pid": os.getpid(), "tag": config.tag, "started": started, "finished": time.time()}


def fails(config: Work, progress=None):
    raise ValueError(f"no good: {config.tag}")


def crashes(config: Work, progress=None):
    os._exit(3)  # the process dies without a word, as when the kernel kills it for memory
