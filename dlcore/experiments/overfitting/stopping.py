"""Early stopping as a cure: the same polynomial trained with it and without it.

With early stopping the engine watches the validation error and stops once
it has not improved for ``patience`` epochs, then restores the weights of the
best epoch. The run without it shows what the extra epochs would have done.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np

from dlcore import engine
from dlcore.experiments.overfitting.capacity import PolynomialConfig, PolynomialResult, fit_polynomial


@dataclass(frozen=True)
class StoppingResult:
    config: PolynomialConfig
    stopped: PolynomialResult  # with the config's early stopping (when it is on)
    full: PolynomialResult  # the same polynomial trained for every epoch

    @property
    def kept_val_error(self) -> float:
        """Validation MSE of the weights the early-stopped run ends with (its best epoch's)."""
        return self.stopped.diagnosis.final_val_error

    @property
    def full_val_error(self) -> float:
        return self.full.diagnosis.final_val_error

    @property
    def kept_deviation(self) -> tuple[float, float]:
        """(largest distance from the true function, the x where it is) of the curve early stopping kept."""
        return largest_deviation(self.stopped)

    @property
    def full_deviation(self) -> tuple[float, float]:
        return largest_deviation(self.full)

    @property
    def kept_is_closer(self) -> bool:
        """Does the kept curve stay closer to the true function everywhere than the fully trained one does?"""
        return self.kept_deviation[0] < self.full_deviation[0]


def largest_deviation(fit: PolynomialResult) -> tuple[float, float]:
    """The largest |model's curve - true function| over [-1, 1], and where it happens."""
    distance = np.abs(np.asarray(fit.curve_fit, dtype=float) - np.asarray(fit.curve_true, dtype=float))
    index = int(np.argmax(distance))
    return float(distance[index]), float(fit.curve_x[index])


def compare_early_stopping(config: PolynomialConfig, progress=None) -> StoppingResult:
    """Fit the config's polynomial with its early stopping, then again for all its epochs without (once, if stopping is off)."""
    config.validate()
    if not config.early_stopping:
        full = fit_polynomial(config, engine.sweep_progress(progress, 0, 1, "Without early stopping"))
        return StoppingResult(config, full, full)
    stopped = fit_polynomial(config, engine.sweep_progress(progress, 0, 2, "With early stopping"))
    full = fit_polynomial(dataclasses.replace(config, early_stopping=False), engine.sweep_progress(progress, 1, 2, "Without early stopping"))
    return StoppingResult(config, stopped, full)
