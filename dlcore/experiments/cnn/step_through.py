"""Part 2, one convolution step by step: the window, the products, their sum, the bias and the activation.

What deep-learning libraries call convolution is cross-correlation: the kernel
slides over the input without being flipped. Every output value is
``activation(sum(window * kernel) + bias)``; the whole map is checked against
``tf.nn.conv2d``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from dlcore.experiments.cnn.kernels import PRESETS, SOURCES, preset_kernel, source_patch
from dlcore.limits import Settings, choice, integer, number

STEP_KERNELS = tuple(name for name, (_, kernel) in PRESETS.items() if len(kernel) == 3)
STEP_ACTIVATIONS = {"relu": "ReLU", "linear": "none (linear)", "tanh": "tanh"}


@dataclass(frozen=True)
class StepConfig(Settings):
    source: str = choice("digits", SOURCES)
    image_index: int = integer(0, 0, 99)
    patch_size: int = integer(7, 4, 12)
    kernel: str = choice("sobel_x", STEP_KERNELS)
    stride: int = integer(1, 1, 3)
    padding: str = choice("valid", ("valid", "same"))
    bias: float = number(0.0, -2.0, 2.0, step=0.1)
    activation: str = choice("relu", STEP_ACTIVATIONS)


@dataclass(frozen=True)
class StepResult:
    config: StepConfig
    caption: str
    patch: np.ndarray  # (n, n) input
    padded: np.ndarray  # (n + pad, n + pad): what the window slides over
    pad_before: int
    kernel: np.ndarray  # (3, 3)
    pre_activation: np.ndarray  # (out, out): sum of products + bias
    output: np.ndarray  # (out, out): after the activation
    tf_output: np.ndarray  # the same map from tf.nn.conv2d (+ bias, activation)

    @property
    def output_size(self) -> int:
        return len(self.output)

    @property
    def num_steps(self) -> int:
        return self.output.size

    def position(self, step: int) -> tuple[int, int]:
        """(row, column) of the output filled at step (0-based, row by row)."""
        return divmod(int(step) % self.num_steps, self.output_size)

    def window(self, step: int) -> np.ndarray:
        row, column = self.position(step)
        s, k = self.config.stride, len(self.kernel)
        return self.padded[row * s : row * s + k, column * s : column * s + k]

    def products(self, step: int) -> np.ndarray:
        return self.window(step) * self.kernel

    @property
    def max_difference_from_tensorflow(self) -> float:
        return float(np.max(np.abs(self.output - self.tf_output)))


def activate(name: str, values: np.ndarray) -> np.ndarray:
    if name == "relu":
        return np.maximum(values, 0.0)
    if name == "tanh":
        return np.tanh(values)
    return values


def same_padding(size: int, kernel: int, stride: int) -> tuple[int, int]:
    out = -(-size // stride)
    total = max((out - 1) * stride + kernel - size, 0)
    return total // 2, total - total // 2


def by_hand(padded: np.ndarray, kernel: np.ndarray, stride: int, bias: float) -> np.ndarray:
    """The sums of products at every window position, written as loops (the definition, nothing clever)."""
    k = len(kernel)
    out = (len(padded) - k) // stride + 1
    result = np.zeros((out, out))
    for row in range(out):
        for column in range(out):
            window = padded[row * stride : row * stride + k, column * stride : column * stride + k]
            result[row, column] = np.sum(window * kernel) + bias
    return result


def tensorflow_map(patch: np.ndarray, kernel: np.ndarray, config: StepConfig) -> np.ndarray:
    from dlcore.device import tf

    x = tf.constant(patch[None, :, :, None], tf.float32)
    w = tf.constant(kernel[:, :, None, None], tf.float32)
    y = tf.nn.conv2d(x, w, strides=config.stride, padding=config.padding.upper())[0, :, :, 0].numpy() + config.bias
    return activate(config.activation, y.astype(np.float64))


def step_through(config: StepConfig, progress=None) -> StepResult:
    """Every position's computation by hand, and the same map from TensorFlow."""
    config.validate()
    patch, caption = source_patch(config.source, config.image_index, config.patch_size)
    patch = np.round(patch.astype(np.float64), 2)  # two decimals: the numbers on screen are the numbers used
    kernel = preset_kernel(config.kernel)
    before, after = same_padding(len(patch), len(kernel), config.stride) if config.padding == "same" else (0, 0)
    padded = np.pad(patch, ((before, after), (before, after)))
    pre = by_hand(padded, kernel, config.stride, config.bias)
    return StepResult(config, caption, patch, padded, before, kernel, pre, activate(config.activation, pre), tensorflow_map(patch, kernel, config))
