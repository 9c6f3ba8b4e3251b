"""Convolutional networks: the conv2d formula, one convolution step by step, filters on photos, shared
weights and subsampling, receptive fields, a CNN trained live (and read a drawing), classic architectures.

One module per tab of the page, each a frozen Config and one top-level
function ``function(config, progress=None) -> Result`` of plain data:

- :mod:`.formula`: :func:`conv_formula` (the page's first figure)
- :mod:`.step_through`: :func:`step_through`
- :mod:`.filters`: :func:`filter_photo` (on a :class:`FilterRun`: the settings plus the edited kernel)
- :mod:`.sharing`: :func:`shared_weights`
- :mod:`.receptive`: :func:`receptive_field` (on a :class:`ReceptiveRun`: the settings plus the edited stack)
- :mod:`.training`: :func:`train_cnn`; :mod:`.drawing`: :func:`read_drawing`
- :mod:`.architectures`: :func:`architecture`, :func:`train_lenet`
- :mod:`.networks`: the Keras builders (CNN, MLP, LeNet-5, AlexNet, GoogLeNet, Inception module)
"""

from dlcore.experiments.cnn.architectures import (
    ARCHITECTURES,
    HISTORY,
    ArchitectureConfig,
    ArchitectureResult,
    LeNetConfig,
    LeNetResult,
    architecture,
    train_lenet,
)
from dlcore.experiments.cnn.drawing import DRAWABLE_SETS, DrawConfig, Reading, has_drawing, read_drawing, reader_config
from dlcore.experiments.cnn.filters import COLOUR_MODES, FilterConfig, FilterResult, FilterRun, default_run, filter_photo
from dlcore.experiments.cnn.formula import PADDINGS, FormulaConfig, FormulaResult, conv_formula
from dlcore.experiments.cnn.kernels import PRESET_LABELS, SOURCES, as_kernel, kernel_problems, preset_kernel
from dlcore.experiments.cnn.receptive import (
    LAYER_KINDS,
    STACKS,
    LayerSpec,
    ReceptiveConfig,
    ReceptiveResult,
    ReceptiveRun,
    layer_problems,
    preset_run,
    receptive_field,
)
from dlcore.experiments.cnn.sharing import SUBSAMPLINGS, SharingConfig, SharingResult, shared_weights
from dlcore.experiments.cnn.step_through import STEP_ACTIVATIONS, StepConfig, StepResult, step_through
from dlcore.experiments.cnn.training import CNN_DATASETS, TrainConfig, TrainResult, train_cnn

PAGE = "pages/cnn.py"
Config = FormulaConfig  # the config of the page's first figure (the benchmark times it)


def first_figure(config: FormulaConfig = Config()):
    """The page's first figure: the conv2d formula's window drawing, checked against a Keras Conv2D."""
    from dlcore.plots import cnn as plots

    return plots.formula_figure(conv_formula(config))


__all__ = [
    "ARCHITECTURES",
    "CNN_DATASETS",
    "COLOUR_MODES",
    "DRAWABLE_SETS",
    "HISTORY",
    "LAYER_KINDS",
    "PADDINGS",
    "PAGE",
    "PRESET_LABELS",
    "SOURCES",
    "STACKS",
    "STEP_ACTIVATIONS",
    "SUBSAMPLINGS",
    "ArchitectureConfig",
    "ArchitectureResult",
    "Config",
    "FilterConfig",
    "FilterResult",
    "FilterRun",
    "FormulaConfig",
    "FormulaResult",
    "LayerSpec",
    "LeNetConfig",
    "LeNetResult",
    "DrawConfig",
    "Reading",
    "ReceptiveConfig",
    "ReceptiveResult",
    "ReceptiveRun",
    "SharingConfig",
    "SharingResult",
    "StepConfig",
    "StepResult",
    "TrainConfig",
    "TrainResult",
    "architecture",
    "as_kernel",
    "conv_formula",
    "default_run",
    "filter_photo",
    "first_figure",
    "has_drawing",
    "kernel_problems",
    "layer_problems",
    "preset_kernel",
    "preset_run",
    "read_drawing",
    "reader_config",
    "receptive_field",
    "shared_weights",
    "step_through",
    "train_cnn",
    "train_lenet",
]
