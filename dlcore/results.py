"""A process-wide store of finished experiment results, keyed by (experiment, config).

Results are pure functions of their config, so every user may share them.
The store also bounds how many trainings run at once.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from contextlib import contextmanager


class ResultStore:
    def __init__(self, max_items: int, concurrent_trainings: int):
        self._items: OrderedDict = OrderedDict()
        self._lock = threading.Lock()
        self._max_items = max_items
        self._slots = threading.BoundedSemaphore(concurrent_trainings)

    def get(self, key):
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                return self._items[key]
        return None

    def put(self, key, value) -> None:
        with self._lock:
            self._items[key] = value
            self._items.move_to_end(key)
            while len(self._items) > self._max_items:
                self._items.popitem(last=False)

    def __len__(self) -> int:
        return len(self._items)

    @contextmanager
    def training_slot(self, timeout: float = 600.0):
        """Wait (up to `timeout` s) for a free training slot; raises TimeoutError if none frees up."""
        if not self._slots.acquire(timeout=timeout):
            raise TimeoutError("the server is busy training other models; try again in a moment")
        try:
            yield
        finally:
            self._slots.release()
