"""Overfitting and underfitting: capacity against the amount and noisiness of the data.

Two views of the same idea (:mod:`.capacity`): a polynomial of degree d
fitted to a few noisy samples of a smooth curve, and an MLP of chosen width
and depth learning a noisy 2-D two-class set from few points. Too little
capacity misses the pattern (underfitting); too much follows the noise
(overfitting), which shows as a validation error that rises while the
training error keeps falling. Sweeps (:mod:`.sweeps`) train many models at
once, in one compiled loop (:mod:`.parallel`), to draw the U-shaped
validation curve.

The page's experiments, one per tab: :func:`run_both` (capacity),
:func:`run_sweep` (sweeps) and :func:`compare_early_stopping` (:mod:`.stopping`).
"""

from __future__ import annotations

from dlcore.experiments.overfitting.capacity import (
    CLASSIFIER_DATASETS,
    GRID_RESOLUTION,
    MAX_DEGREE,
    NOISES,
    UNITS,
    ClassifierConfig,
    ClassifierResult,
    Config,
    PolynomialConfig,
    PolynomialResult,
    Result,
    chebyshev_features,
    classifier_split,
    fit_classifier,
    fit_polynomial,
    kept_epochs,
    regression_points,
    run_both,
    true_function,
)
from dlcore.experiments.overfitting.parallel import ParallelStep, branch_metric, branch_table, final_values, parallel_targets
from dlcore.experiments.overfitting.stopping import StoppingResult, compare_early_stopping, largest_deviation
from dlcore.experiments.overfitting.sweeps import SWEEP_KINDS, SweepConfig, SweepResult, build_parallel_polynomials, run_sweep, sweep_errors

PAGE = "pages/overfitting.py"

__all__ = [
    "CLASSIFIER_DATASETS", "GRID_RESOLUTION", "MAX_DEGREE", "NOISES", "PAGE", "PRESETS", "SWEEP_KINDS", "UNITS",
    "ClassifierConfig", "ClassifierResult", "Config", "ParallelStep", "PolynomialConfig", "PolynomialResult", "Result", "StoppingResult", "SweepConfig", "SweepResult",
    "branch_metric", "branch_table", "build_parallel_polynomials", "capacity_sweep_default", "chebyshev_features", "classifier_split", "compare_early_stopping", "final_values", "first_figure", "fit_classifier",
    "fit_polynomial", "kept_epochs", "largest_deviation", "parallel_targets", "regression_points", "run_both", "run_sweep", "sweep_errors", "true_function",
]  # fmt: skip


def first_figure(config: Config = Config()) -> PolynomialResult:
    """The page's first figure is the polynomial fit: one polynomial trained with the page's defaults."""
    return fit_polynomial(config.polynomial())


def capacity_sweep_default() -> SweepResult:
    """The page's default capacity sweep: ten polynomial degrees trained in one go."""
    return run_sweep(SweepConfig())


# Each preset also resets the data and the training length, so that its lesson does not depend on what was set before.
_DATA = dict(num_points=20, noise=0.25, dataset="circles", epochs=200)
PRESETS = {
    "Underfit: degree 1, 0 hidden layers": dict(degree=1, num_hidden_layers=0, units=8, early_stopping=False, **_DATA),
    "Good fit: degree 5, 1×16": dict(degree=5, num_hidden_layers=1, units=16, early_stopping=False, **_DATA),
    "Overfit: degree 15, 3×128": dict(degree=15, num_hidden_layers=3, units=128, early_stopping=False, **_DATA),
    "Overfit + early stopping": dict(degree=15, num_hidden_layers=3, units=128, early_stopping=True, patience=20, **_DATA),
}
"""What each preset promises (tests/test_lessons_overfitting.py checks it for seeds 0-4): the first three are diagnosed
as their names say for both models; with early stopping the network becomes a good fit while the degree-15 polynomial
is not rescued (its validation error never comes near the noise floor), which the page states from the run."""
