"""Part 3, filters on a real photo: a kernel (preset or edited) slid over a bundled photo, then ReLU, then pooling."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from dlcore import images
from dlcore.experiments.cnn.kernels import PRESETS, as_kernel, grey, kernel_problems, preset_kernel
from dlcore.limits import Settings, choice, integer

COLOUR_MODES = {"grey": "grey (one map)", "per_channel": "each colour channel (R, G, B maps)"}
POOLINGS = {"max": "max pooling", "average": "average pooling"}


@dataclass(frozen=True)
class FilterConfig(Settings):
    photo: str = choice("china", images.PHOTOS)
    preset: str = choice("sobel_x", PRESETS)
    kernel_size: int = integer(3, options=(3, 5))
    colour: str = choice("grey", COLOUR_MODES)
    stride: int = integer(1, 1, 4)
    padding: str = choice("same", ("valid", "same"))
    pooling: str = choice("max", POOLINGS)
    pool_size: int = integer(2, options=(2, 3, 4))


@dataclass(frozen=True)
class FilterRun:
    """The page's settings plus the kernel as edited (a kernel is a table, so it does not travel in links)."""

    settings: FilterConfig
    kernel: tuple[tuple[float, ...], ...]

    def problems(self) -> list[str]:
        return self.settings.problems() + kernel_problems(self.kernel)

    def validate(self):
        problems = self.problems()
        if problems:
            raise ValueError("; ".join(problems))
        return self


def default_run(settings: FilterConfig) -> FilterRun:
    return FilterRun(settings, as_kernel(preset_kernel(settings.preset, settings.kernel_size)))


@dataclass(frozen=True)
class FilterResult:
    run: FilterRun
    photo: np.ndarray  # (h, w, 3) or (h, w, 1) what was convolved, in [0, 1]
    feature_map: np.ndarray  # (h', w', 1 or 3) the raw sums (may be negative)
    rectified: np.ndarray  # after ReLU
    pooled: np.ndarray  # after pooling the rectified map
    positive_share: float  # share of the raw map above zero (what ReLU keeps)


def filter_photo(run: FilterRun, progress=None) -> FilterResult:
    """Convolve the photo (grey, or each colour channel with the same kernel) with tf.nn, then ReLU and pooling."""
    from dlcore.device import tf

    run.validate()
    config = run.settings
    photo = images.sample_photo(config.photo)
    if config.colour == "grey":
        photo = grey(photo)[..., None]
    kernel = np.asarray(run.kernel, np.float32)
    channels = photo.shape[-1]
    weights = tf.constant(np.repeat(kernel[:, :, None, None], channels, axis=2))
    raw = tf.nn.depthwise_conv2d(tf.constant(photo[None]), weights, strides=[1, config.stride, config.stride, 1], padding=config.padding.upper())
    rectified = tf.nn.relu(raw)
    pool = tf.nn.max_pool2d if config.pooling == "max" else tf.nn.avg_pool2d
    pooled = pool(rectified, config.pool_size, config.pool_size, "VALID")
    raw = raw.numpy()[0]
    return FilterResult(run, np.asarray(photo), raw, rectified.numpy()[0], pooled.numpy()[0], float(np.mean(raw > 0)))


