"""page_first_figure_s: seconds for each page's default experiment to produce its first figure.

Every module in dlcore.experiments that names its PAGE and defines
first_figure() is timed: one warm-up call (TensorFlow imported, kernels
loaded), then the median of three calls. Each call builds and trains
fresh models, as a new config on the page would.
"""

from __future__ import annotations

import importlib
import pkgutil
import statistics
import time

import dlcore.experiments

TARGETS_S = {"pages/augmentation.py": 8.0, "pages/vae.py": 8.0}  # everything else: 3 s
EXTRA = {"capacity_sweep_s": ("dlcore.experiments.overfitting", "capacity_sweep_default", 15.0)}


def _time(function, repeats: int) -> float:
    function()
    samples = []
    for _ in range(repeats):
        start = time.perf_counter()
        function()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def experiment_modules():
    for info in pkgutil.iter_modules(dlcore.experiments.__path__):
        module = importlib.import_module(f"dlcore.experiments.{info.name}")
        if hasattr(module, "PAGE") and hasattr(module, "first_figure"):
            yield module


def measure(repeats: int = 3) -> dict:
    figures = {}
    for module in experiment_modules():
        seconds = _time(module.first_figure, repeats)
        target = TARGETS_S.get(module.PAGE, 3.0)
        name = module.__name__.rsplit(".", 1)[1]
        figures[name] = {"page": module.PAGE, "seconds": round(seconds, 3), "target_s": target, "ratio_to_target": round(seconds / target, 2)}
    extras = {}
    for key, (module_name, function_name, target) in EXTRA.items():
        try:
            function = getattr(importlib.import_module(module_name), function_name)
        except (ImportError, AttributeError):
            continue
        start = time.perf_counter()
        function()
        seconds = time.perf_counter() - start
        extras[key] = {"seconds": round(seconds, 3), "target_s": target, "ratio_to_target": round(seconds / target, 2)}
    return {"page_first_figure_s": figures, **extras}
