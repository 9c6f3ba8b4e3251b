"""Residual networks: degradation shown and cured, gradients through depth, the residual unit, lesions, loss landscapes.

One module per tab of the page, each a frozen Config and one function
``run(config, progress=None) -> Result`` of plain data:

- :mod:`.blocks`: :class:`ResidualBlock` (a Keras layer: two weight layers, batch norm, ReLU, with or
  without a shortcut; post- or pre-activation; identity or projection shortcut) and the networks built from it
- :mod:`.side_by_side`: several networks trained on the same batches in one compiled loop
- :mod:`.degradation`: plain and residual networks at two depths (He et al. 2016, Figure 1)
- :mod:`.gradients`: weight-gradient and ∂L/∂a norms layer by layer, plain against residual
- :mod:`.unit`: one unit's shapes and parameters, and its shortcuts switched off after training
- :mod:`.lesion`: one block deleted at test time, at every position (Veit et al. 2016)
- :mod:`.landscape`: the training loss along filter-normalised random directions (Li et al. 2018)
"""

from __future__ import annotations

from dlcore.experiments.resnet import degradation, gradients, landscape, lesion, unit
from dlcore.experiments.resnet.blocks import NetworkSpec, ResidualBlock, build_network, forward
from dlcore.experiments.resnet.common import NETWORK_KINDS, TOY_SETS, network_label, weight_layers

PAGE = "pages/resnet.py"
Config = degradation.Config  # the config of the page's first figure


def first_figure(config: Config = Config()):
    """The page's first figure is the live training-loss chart: it shows the shallow pair's whole run (trained before the deep pair)."""
    return degradation.train_shallow_pair(config)


def degradation_default() -> degradation.Result:
    """The page's default four-network comparison, trained to the end."""
    return degradation.run(degradation.Config())


__all__ = [
    "NETWORK_KINDS", "PAGE", "TOY_SETS", "Config", "NetworkSpec", "ResidualBlock",
    "build_network", "degradation", "degradation_default", "first_figure", "forward", "gradients", "landscape", "lesion",
    "network_label", "unit", "weight_layers",
]  # fmt: skip
