"""Early stopping as a cure: the same polynomial trained with it and without it.

With early stopping the engine watches the validation error and stops once
it has not improved for ``patience`` epochs, then restores the weights of the
best epoch. The run without it shows what the extra epochs would have done.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from dlcore import engine
from dlcore.experiments.overfitting.capacity import PolynomialConfig, PolynomialResult, fit_polynomial


@dataclass(frozen=True)
class StoppingResult:
    config: PolynomialConfig
    stopped: PolynomialResult  # with the config's early stopping (when it is on)
    full: PolynomialResult  # the same polynomial trained for every epoch


def compare_early_stopping(config: PolynomialConfig, progress=None) -> StoppingResult:
    """Fit the config's polynomial with its early stopping, then again for all its epochs without (once, if stopping is off)."""
    config.validate()
    if not config.early_stopping:
        full = fit_polynomial(config, engine.sweep_progress(progress, 0, 1, "Without early stopping"))
        return StoppingResult(config, full, full)
    stopped = fit_polynomial(config, engine.sweep_progress(progress, 0, 2, "With early stopping"))
    full = fit_polynomial(dataclasses.replace(config, early_stopping=False), engine.sweep_progress(progress, 1, 2, "Without early stopping"))
    return StoppingResult(config, stopped, full)
