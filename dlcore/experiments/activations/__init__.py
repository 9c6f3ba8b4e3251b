"""Activation functions: what they look like, why a network needs one, and why ReLU won.

One module per part of the page, each a frozen Config and one function
``experiment(config, progress=None) -> Result`` that the page runs through
its result store:

- :mod:`.function_gallery`: :func:`gallery`, the functions and their slopes (numpy only; the page's first figure)
- :mod:`.nonlinearity`: :func:`why_nonlinear`, the same MLP with and without an activation, and the linear collapse
- :mod:`.cost`, :mod:`.gradient_flow`, :mod:`.sparsity`: :func:`relu_cost`, :func:`relu_gradients`,
  :func:`relu_sparsity`, three measured reasons for ReLU
- :mod:`.maxout_network`: :func:`maxout`, a network of Keras Maxout layers and one unit's pieces
- :mod:`.live_training`: :func:`live_boundary`, decision-boundary snapshots taken by the training step's snapshot hook
"""

from dlcore.experiments.activations.boundaries import BOUNDARY_DATASETS, GRID_RESOLUTION, TRAINABLE_ACTIVATIONS, TRAINING_LEARNING_RATES, Boundary
from dlcore.experiments.activations.cost import COST_WIDTHS, CostConfig, CostResult, relu_cost
from dlcore.experiments.activations.function_gallery import GalleryConfig, GalleryResult, gallery
from dlcore.experiments.activations.gradient_flow import GradientConfig, GradientResult, relu_gradients
from dlcore.experiments.activations.live_training import MAX_LIVE_FRAMES, BoundaryFrame, LiveConfig, LiveResult, live_boundary, snapshot_epochs
from dlcore.experiments.activations.maxout_network import MaxoutConfig, MaxoutResult, build_maxout_network, maxout, maxout_unit_pieces, maxout_unit_views
from dlcore.experiments.activations.nonlinearity import LinearCollapse, NonLinearityConfig, NonLinearityResult, collapse_linear_network, why_nonlinear
from dlcore.experiments.activations.sparsity import (
    SWEEP_LEARNING_RATES,
    SparsityConfig,
    SparsityResult,
    dead_fraction,
    dead_units,
    hidden_activations,
    relu_sparsity,
    zero_fraction,
)

PAGE = "pages/activations.py"
Config = GalleryConfig  # the config of the page's first figure (the benchmark times it)


def first_figure(config: GalleryConfig = Config()):
    """The page's first figure: the gallery of the default functions with their slopes."""
    from dlcore.plots import activations as plots

    return plots.gallery_figure(gallery(config))


__all__ = [
    "BOUNDARY_DATASETS",
    "COST_WIDTHS",
    "GRID_RESOLUTION",
    "MAX_LIVE_FRAMES",
    "PAGE",
    "SWEEP_LEARNING_RATES",
    "TRAINABLE_ACTIVATIONS",
    "TRAINING_LEARNING_RATES",
    "Boundary",
    "BoundaryFrame",
    "Config",
    "CostConfig",
    "CostResult",
    "GalleryConfig",
    "GalleryResult",
    "GradientConfig",
    "GradientResult",
    "LinearCollapse",
    "LiveConfig",
    "LiveResult",
    "MaxoutConfig",
    "MaxoutResult",
    "NonLinearityConfig",
    "NonLinearityResult",
    "SparsityConfig",
    "SparsityResult",
    "build_maxout_network",
    "collapse_linear_network",
    "dead_fraction",
    "dead_units",
    "first_figure",
    "gallery",
    "hidden_activations",
    "live_boundary",
    "maxout",
    "maxout_unit_pieces",
    "maxout_unit_views",
    "relu_cost",
    "relu_gradients",
    "relu_sparsity",
    "snapshot_epochs",
    "why_nonlinear",
    "zero_fraction",
]
