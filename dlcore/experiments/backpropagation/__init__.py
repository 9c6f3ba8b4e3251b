"""Backpropagation by hand on a network small enough to read, with every number checked.

One module per part of the page:

- :mod:`.small_network`: the network of the step-through (two inputs, two or
  three sigmoid hidden units, one sigmoid output, squared error), its
  settings, its forward pass in float64 and the same network in Keras;
- :mod:`.by_hand`: the forward and backward pass as equations, step by step;
- :mod:`.step_through`: :func:`run` walks through it and checks every gradient
  against ``tf.GradientTape`` and finite differences, then applies one update;
- :mod:`.bigger_network`: :func:`check_bigger_network` checks a bigger MLP
  layer by layer: the engine's gradients, the tape (float32 and float64) and
  finite differences;
- :mod:`.cost`: :func:`cost_scaling` times a forward pass and backprop on
  networks of growing width (tracing excluded).
"""

from dlcore.experiments.backpropagation.bigger_network import (
    CHECK_FINITE_DIFFERENCE_STEP,
    ERROR_COLUMNS,
    CheckProgress,
    GradientCheckConfig,
    GradientCheckResult,
    check_bigger_network,
    finite_difference_noise,
    float64_kernel_gradients,
    norm_relative_error,
    numpy_binary_loss,
)
from dlcore.experiments.backpropagation.by_hand import Equation, Step, latex_number, walkthrough
from dlcore.experiments.backpropagation.cost import COST_BATCH, COST_WIDTHS, CostConfig, CostResult, cost_scaling
from dlcore.experiments.backpropagation.small_network import (
    FINITE_DIFFERENCE_STEPS,
    HIDDEN_UNIT_CHOICES,
    INPUT_LIMIT,
    LEARNING_RATES,
    PRESET_LESSONS,
    PRESETS,
    WEIGHT_COLUMNS,
    WEIGHT_LIMIT,
    Config,
    forward_values,
    hidden_parameter_names,
    keras_network,
    parameters_from_table,
    preset_values,
    sigmoid,
    weights_table,
)
from dlcore.experiments.backpropagation.step_through import RELATIVE_ERROR_FLOOR, Result, finite_difference_sweep, relative_error, run

PAGE = "pages/backpropagation.py"


def first_figure(config: Config = Config()):
    """The page's first figure (the network at step 1) needs the whole step-through and its checks."""
    return run(config)


__all__ = [
    "CHECK_FINITE_DIFFERENCE_STEP",
    "COST_BATCH",
    "COST_WIDTHS",
    "ERROR_COLUMNS",
    "CostConfig",
    "CostResult",
    "cost_scaling",
    "finite_difference_noise",
    "float64_kernel_gradients",
    "norm_relative_error",
    "preset_values",
    "FINITE_DIFFERENCE_STEPS",
    "HIDDEN_UNIT_CHOICES",
    "INPUT_LIMIT",
    "LEARNING_RATES",
    "PAGE",
    "PRESETS",
    "PRESET_LESSONS",
    "RELATIVE_ERROR_FLOOR",
    "WEIGHT_COLUMNS",
    "WEIGHT_LIMIT",
    "CheckProgress",
    "Config",
    "Equation",
    "GradientCheckConfig",
    "GradientCheckResult",
    "Result",
    "Step",
    "check_bigger_network",
    "finite_difference_sweep",
    "first_figure",
    "forward_values",
    "hidden_parameter_names",
    "keras_network",
    "latex_number",
    "numpy_binary_loss",
    "parameters_from_table",
    "relative_error",
    "run",
    "sigmoid",
    "walkthrough",
    "weights_table",
]
