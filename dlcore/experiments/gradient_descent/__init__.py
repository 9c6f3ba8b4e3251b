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
    examples_per_update,
    make_data,
    run,
    run_learning_rate,
    train_mode,
)
from dlcore.experiments.gradient_descent.network import NetworkConfig, NetworkResult, run_network
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

PAGE = "pages/gradient_descent.py"


def first_figure(config: Config = Config()):
    """The page's first figure (three paths on the loss surface) needs the whole default run."""
    return run(config)


__all__ = [
    "ADAPTIVE_OPTIMIZERS",
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
