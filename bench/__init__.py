"""Benchmarks: `python -m bench` (table) or `python -m bench --json`. Figures, never pass/fail."""
