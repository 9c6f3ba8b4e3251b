"""Caps on what one user may ask for, set in one place.

Hosted mode (Streamlit Community Cloud, detected by its /mount/src checkout,
or forced with ``DLTEACH_HOSTED=1``) shares a small machine between many
users, so it trains smaller and fewer models at once. Widgets take their
bounds from here and experiments validate against the same numbers.
"""

from __future__ import annotations

import os
from dataclasses import dataclass


@dataclass(frozen=True)
class Limits:
    max_epochs: int
    max_hidden_layers: int
    max_units: int
    max_samples: int
    concurrent_trainings: int  # trainings running at once in one server process
    cached_results: int  # finished results kept for reuse (keyed by config)


LOCAL = Limits(max_epochs=300, max_hidden_layers=40, max_units=128, max_samples=3000, concurrent_trainings=2, cached_results=64)
HOSTED = Limits(max_epochs=100, max_hidden_layers=30, max_units=64, max_samples=1500, concurrent_trainings=1, cached_results=32)


def is_hosted() -> bool:
    flag = os.environ.get("DLTEACH_HOSTED")
    if flag is not None:
        return flag not in ("", "0", "false", "False")
    return os.path.isdir("/mount/src")


def current() -> Limits:
    return HOSTED if is_hosted() else LOCAL


def require(checks) -> None:
    """Raise ValueError with the message of the first (ok, message) pair that is not ok."""
    for ok, message in checks:
        if not ok:
            raise ValueError(message)
