"""Gradient descent: batch vs stochastic vs mini-batch, the learning rate, and the optimizers.

One module per part of the page:

- :mod:`.batching`: parts 1 and 2. A Keras model with exactly two parameters
  descends its loss surface by batch, mini-batch and stochastic gradient
  descent (:func:`run`), then at one learning rate of your choice
  (:func:`run_learning_rate`).
- :mod:`.optimizer_race`: part 3. The real Keras optimizers race on test landscapes as
  one step of the engine's compiled loop (:func:`run_optimizers`).
- :mod:`.network`: part 4. The same optimizers train the same real MLP
  (:func:`run_network`).
"""

from dlcore.experiments.gradient_descent.batching import (
    DESCENT_LEARNING_RATES,
    MODES,
    PROBLEM_SETTINGS,
    PROBLEMS,
    TASKS,
    Config,
    LearningRateConfig,
    LearningRateResult,
    ModeRun,
    Result,
    build_two_parameter_model,
    exact_minimum,
    examples_per_update,
    make_data,
    run,
    run_learning_rate,
    train_mode,
)
from dlcore.experiments.gradient_descent.network import CLIPPING, NetworkConfig, NetworkResult, network_notes, run_network
from dlcore.experiments.gradient_descent.optimizer_race import (
    ADAPTIVE_OPTIMIZERS,
    LANDSCAPE_NAMES,
    MAX_RACE_STEPS,
    OPTIMIZERS,
    OptimizersConfig,
    OptimizersResult,
    Race,
    RaceStep,
    landscape_for,
    model_landscape,
    race,
    run_optimizers,
    suggested_settings,
)
from dlcore.experiments.gradient_descent.race_notes import adam_first_steps, gap_text, loss_gaps, precision_floor, race_notes
from dlcore.experiments.gradient_descent.shapes import CurveShape, PathCrossings, curve_shape, mode_notes, path_crossings

PAGE = "pages/gradient_descent.py"


def first_figure(config: Config = Config()):
    """The page's first figure (three paths on the loss surface) needs the whole default run."""
    return run(config)


__all__ = [
    "ADAPTIVE_OPTIMIZERS",
    "CLIPPING",
    "CurveShape",
    "PathCrossings",
    "adam_first_steps",
    "curve_shape",
    "exact_minimum",
    "gap_text",
    "precision_floor",
    "loss_gaps",
    "mode_notes",
    "network_notes",
    "path_crossings",
    "race_notes",
    "DESCENT_LEARNING_RATES",
    "LANDSCAPE_NAMES",
    "MAX_RACE_STEPS",
    "MODES",
    "OPTIMIZERS",
    "PAGE",
    "PROBLEMS",
    "PROBLEM_SETTINGS",
    "TASKS",
    "Config",
    "LearningRateConfig",
    "LearningRateResult",
    "ModeRun",
    "NetworkConfig",
    "NetworkResult",
    "OptimizersConfig",
    "OptimizersResult",
    "Race",
    "RaceStep",
    "Result",
    "build_two_parameter_model",
    "examples_per_update",
    "first_figure",
    "landscape_for",
    "make_data",
    "model_landscape",
    "race",
    "run",
    "run_learning_rate",
    "run_network",
    "run_optimizers",
    "suggested_settings",
    "train_mode",
]
