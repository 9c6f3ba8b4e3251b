"""Part 1, the gallery: each activation function and its slope, drawn with numpy alone."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from dlcore import activation_functions
from dlcore.limits import Settings, integer, number, subset


def _parameter(function_name: str):
    """A bounded field for a gallery function's parameter, with the range the function itself declares."""
    parameter = activation_functions.GALLERY[function_name].parameter
    if isinstance(parameter.default, int):
        return integer(parameter.default, parameter.low, parameter.high, step=parameter.step)
    return number(parameter.default, parameter.low, parameter.high, step=parameter.step)


@dataclass(frozen=True)
class GalleryConfig(Settings):
    names: tuple[str, ...] = subset(activation_functions.DEFAULT_SELECTION, activation_functions.GALLERY)
    leaky_slope: float = _parameter("leaky_relu")
    elu_alpha: float = _parameter("elu")
    maxout_pieces: int = _parameter("maxout")
    x_limit: float = number(5.0, 2.0, 10.0, step=1.0)
    num_points: int = integer(1001, 11, 20_001)

    def parameters(self) -> dict[str, float]:
        return {"leaky_relu": self.leaky_slope, "elu": self.elu_alpha, "maxout": self.maxout_pieces}


@dataclass(frozen=True)
class GalleryResult:
    config: GalleryConfig
    x: np.ndarray
    curves: tuple[activation_functions.Curve, ...]


def gallery(config: GalleryConfig, progress=None) -> GalleryResult:
    """Values, slopes and saturated stretches of the chosen functions (instant: nothing trains, `progress` is never called)."""
    config.validate()
    x = np.linspace(-config.x_limit, config.x_limit, config.num_points)
    parameters = config.parameters()
    curves = tuple(activation_functions.curve(name, x, parameters.get(name)) for name in config.names)
    return GalleryResult(config, x, curves)
