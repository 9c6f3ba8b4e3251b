"""Part 1, the conv2d formula: how big the output of a convolution is, and where its window lands.

Along one axis, an input of n pixels padded by p_before + p_after, a kernel of
k taps spread d pixels apart (dilation) and a stride s give
``out = floor((n + p_before + p_after - d(k - 1) - 1) / s) + 1`` positions.
"valid" pads nothing; "same" pads just enough for ``out = ceil(n / s)`` (the
extra pixel, when the total is odd, goes after, as TensorFlow does);
"explicit" pads p on both sides. A real Keras layer checks every number.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from dlcore.limits import Settings, choice, integer

PADDINGS = {"valid": "valid (no padding)", "same": "same (output = ⌈n / s⌉)", "explicit": "explicit p on each side"}


@dataclass(frozen=True)
class FormulaConfig(Settings):
    input_size: int = integer(7, 1, 32)
    kernel_size: int = integer(3, 1, 7)
    padding: str = choice("explicit", PADDINGS)
    explicit_padding: int = integer(1, 0, 3)
    stride: int = integer(2, 1, 4)
    dilation: int = integer(1, 1, 3)


@dataclass(frozen=True)
class Geometry:
    """One axis of a convolution (the other is the same: square inputs and kernels)."""

    input_size: int
    kernel_size: int
    stride: int
    dilation: int
    pad_before: int
    pad_after: int

    @property
    def span(self) -> int:
        """Pixels the dilated kernel covers: d(k - 1) + 1."""
        return self.dilation * (self.kernel_size - 1) + 1

    @property
    def padded_size(self) -> int:
        return self.input_size + self.pad_before + self.pad_after

    @property
    def output_size(self) -> int:
        """floor((n + p_before + p_after - d(k-1) - 1) / s) + 1; zero or less means no window fits."""
        return (self.padded_size - self.span) // self.stride + 1

    def window_starts(self) -> np.ndarray:
        """Where each output position's window starts, in padded-input pixels."""
        return np.arange(max(self.output_size, 0)) * self.stride

    def taps(self, position: int) -> np.ndarray:
        """The padded-input pixels the kernel reads for one output position (dilation spreads them)."""
        return position * self.stride + self.dilation * np.arange(self.kernel_size)


def padding_for(config: FormulaConfig) -> tuple[int, int]:
    """(before, after) padding of one axis, the way Keras and TensorFlow choose it for "same"."""
    if config.padding == "valid":
        return 0, 0
    if config.padding == "explicit":
        return config.explicit_padding, config.explicit_padding
    out = math.ceil(config.input_size / config.stride)
    span = config.dilation * (config.kernel_size - 1) + 1
    total = max((out - 1) * config.stride + span - config.input_size, 0)
    return total // 2, total - total // 2


def geometry(config: FormulaConfig) -> Geometry:
    before, after = padding_for(config)
    return Geometry(config.input_size, config.kernel_size, config.stride, config.dilation, before, after)


@dataclass(frozen=True)
class FormulaResult:
    config: FormulaConfig
    geometry: Geometry
    output_size: int
    latex: str  # the formula with this run's numbers substituted
    problem: str | None  # why no output exists, naming the settings
    keras_output_size: int | None  # what a real keras.layers.Conv2D returns (None when Keras refuses these settings)
    keras_note: str | None


def substituted(g: Geometry) -> str:
    padding = f"{g.pad_before} + {g.pad_after}" if g.pad_before != g.pad_after else f"2\\cdot{g.pad_before}"
    inside = f"{g.input_size} + {padding} - {g.dilation}\\,({g.kernel_size} - 1) - 1"
    value = g.padded_size - g.span
    return rf"\text{{out}} = \left\lfloor \frac{{{inside}}}{{{g.stride}}} \right\rfloor + 1 = \left\lfloor \frac{{{value}}}{{{g.stride}}} \right\rfloor + 1 = {g.output_size}"


def problem_of(config: FormulaConfig, g: Geometry) -> str | None:
    if g.output_size >= 1:
        return None
    return (
        f"No output: the kernel (size {config.kernel_size}, dilation {config.dilation}) spans d(k−1)+1 = {g.span} pixels, "
        f"more than the padded input's {g.padded_size} (input size {config.input_size} + padding {g.pad_before + g.pad_after}). "
        "Use a smaller kernel size or dilation, or more padding."
    )


def keras_output_size(config: FormulaConfig) -> int:
    """The output height of a real keras.layers.Conv2D (after ZeroPadding2D for explicit padding) run on zeros."""
    import keras

    from dlcore.device import tf  # noqa: F401  (TensorFlow's quiet set-up first)

    n, p = config.input_size, config.explicit_padding
    x = np.zeros((1, n, n, 1), np.float32)
    if config.padding == "explicit" and p:
        x = np.asarray(keras.layers.ZeroPadding2D(p)(x))
    layer = keras.layers.Conv2D(1, config.kernel_size, strides=config.stride, dilation_rate=config.dilation, padding="same" if config.padding == "same" else "valid")
    return int(layer(x).shape[1])


def conv_formula(config: FormulaConfig, progress=None) -> FormulaResult:
    """The output size by the formula, and by a real Keras Conv2D when Keras accepts the settings."""
    config.validate()
    g = geometry(config)
    problem = problem_of(config, g)
    keras_size, note = None, None
    if config.stride > 1 and config.dilation > 1:
        note = "Keras' Conv2D (like TensorFlow's conv2d) refuses a stride above 1 together with a dilation above 1; the formula still gives what such a layer computes (PyTorch allows it)."
    elif problem is None:
        keras_size = keras_output_size(config)
    return FormulaResult(config, g, g.output_size, substituted(g), problem, keras_size, note)
