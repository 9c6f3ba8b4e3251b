"""Part 4, shared weights and subsampling.

- Parameters: a convolution reuses one small kernel at every position, so its
  count does not depend on the image size; a dense layer between the same
  input and output needs a weight for every input-output pair.
- Translation equivariance: shift the input and the feature map shifts with it.
- Subsampling: max pooling, average pooling and a strided convolution shrink a
  feature map; how much does a small shift of the input change the result?
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from dlcore import images
from dlcore.experiments.cnn.kernels import grey, preset_kernel
from dlcore.limits import Settings, choice, integer

KERAS_DENSE_LIMIT = 20_000_000  # larger dense layers are counted by the formula only (the weights would take too much memory)
SUBSAMPLINGS = {"none": "no subsampling", "max": "max pooling 2×2", "average": "average pooling 2×2", "strided": "stride-2 convolution"}
BANK = ("sobel_x", "sobel_y", "laplacian", "sharpen")  # the feature maps that are shifted and pooled


@dataclass(frozen=True)
class SharingConfig(Settings):
    input_size: int = integer(28, 4, 64)
    channels: int = integer(1, options=(1, 3))
    filters: int = integer(8, 1, 64)
    kernel_size: int = integer(3, 1, 7)
    photo: str = choice("china", images.PHOTOS)
    shift: int = integer(3, 1, 8)
    crop_size: int = integer(64, 32, 96)


@dataclass(frozen=True)
class ParameterCount:
    conv_formula: int
    dense_formula: int
    conv_keras: int
    dense_keras: int | None  # None when the dense layer is too big to build here
    conv_formula_text: str
    dense_formula_text: str


@dataclass(frozen=True)
class SharingResult:
    config: SharingConfig
    parameters: ParameterCount
    crop: np.ndarray  # (s, s) grey crop
    shifted_crop: np.ndarray
    feature_map: np.ndarray  # (s, s) Sobel-x map of the crop (same padding)
    map_of_shifted: np.ndarray  # map of the shifted crop
    equivariance_error: float  # max |map(shift(x)) - shift(map(x))| away from the borders
    map_scale: float  # max |map| (for a relative reading of the error)
    pooled: dict  # subsampling name -> (s/2, s/2) map of the unshifted crop
    shift_table: pd.DataFrame  # shift, subsampling, relative_change


def parameter_count(config: SharingConfig) -> ParameterCount:
    """Conv2D(filters, k, same) vs a Dense layer mapping the same n×n×C input to the same n×n×F output."""
    import keras

    from dlcore.device import tf  # noqa: F401

    n, c, f, k = config.input_size, config.channels, config.filters, config.kernel_size
    conv = k * k * c * f + f
    dense = (n * n * c) * (n * n * f) + n * n * f
    conv_layer = keras.layers.Conv2D(f, k, padding="same")
    conv_layer.build((None, n, n, c))
    dense_keras = None
    if dense <= KERAS_DENSE_LIMIT:
        dense_layer = keras.layers.Dense(n * n * f, dtype="float16")  # half-size weights: only the count is wanted
        dense_layer.build((None, n * n * c))
        dense_keras = int(dense_layer.count_params())
    conv_text = rf"k^2 C F + F = {k}^2\cdot{c}\cdot{f} + {f} = {conv:,}"
    dense_text = rf"(n^2 C)(n^2 F) + n^2 F \\ &= ({n}^2\cdot{c})({n}^2\cdot{f}) + {n}^2\cdot{f} = {dense:,}"
    return ParameterCount(conv, dense, int(conv_layer.count_params()), dense_keras, conv_text.replace(",", "{,}"), dense_text.replace(",", "{,}"))


def _crop(config: SharingConfig) -> np.ndarray:
    photo = grey(images.sample_photo(config.photo))
    size = min(config.crop_size, *photo.shape)
    top, left = (photo.shape[0] - size) // 2, (photo.shape[1] - size) // 2
    return photo[top : top + size, left : left + size].astype(np.float32)


def shifted(image: np.ndarray, pixels: int) -> np.ndarray:
    """The image moved `pixels` right and down; the uncovered strip is filled by repeating the edge."""
    if pixels == 0:
        return image
    padded = np.pad(image, ((pixels, 0), (pixels, 0)), mode="edge")
    return padded[: image.shape[0], : image.shape[1]]


def feature_maps(batch: np.ndarray, kernels: np.ndarray, stride: int = 1):
    """(n, h, w) grey images through kernels (k, k, filters): ReLU(conv), as a tensor of the input's size.

    The border is padded by repeating the edge pixels rather than with zeros, so a photo's frame does not light up as an edge.
    """
    from dlcore.device import tf

    half = len(kernels) // 2
    padded = np.pad(batch, ((0, 0), (half, half), (half, half)), mode="edge")
    x = tf.constant(padded[..., None], tf.float32)
    return tf.nn.relu(tf.nn.conv2d(x, tf.constant(kernels[:, :, None, :], tf.float32), strides=stride, padding="VALID"))


def subsampled(batch: np.ndarray, kernels: np.ndarray, how: str) -> np.ndarray:
    from dlcore.device import tf

    if how == "strided":
        return feature_maps(batch, kernels, stride=2).numpy()
    maps = feature_maps(batch, kernels)
    if how == "none":
        return maps.numpy()
    pool = tf.nn.max_pool2d if how == "max" else tf.nn.avg_pool2d
    return pool(maps, 2, 2, "VALID").numpy()


def shift_sensitivity(crop: np.ndarray, kernels: np.ndarray, max_shift: int) -> pd.DataFrame:
    """Relative change ‖y(shift x) − y(x)‖ / ‖y(x)‖ of each subsampled output, compared position by position."""
    batch = np.stack([shifted(crop, s) for s in range(max_shift + 1)])
    rows = []
    for how in SUBSAMPLINGS:
        outputs = subsampled(batch, kernels, how)
        base = outputs[0]
        for s in range(1, max_shift + 1):
            rows.append(dict(shift=s, subsampling=how, relative_change=float(np.linalg.norm(outputs[s] - base) / max(np.linalg.norm(base), 1e-12))))
    return pd.DataFrame(rows)


def shared_weights(config: SharingConfig, progress=None) -> SharingResult:
    config.validate()
    crop = _crop(config)
    sobel = preset_kernel("sobel_x")[:, :, None]
    moved = shifted(crop, config.shift)
    maps = feature_maps(np.stack([crop, moved]), sobel).numpy()[..., 0]
    s, border = config.shift, config.shift + 2
    expected = maps[0][: len(crop) - s, : len(crop) - s]
    error = float(np.max(np.abs(maps[1][s:, s:] - expected)[border:-border, border:-border])) if len(crop) > 2 * border + s else 0.0
    bank = np.stack([preset_kernel(name) for name in BANK], axis=-1)
    pooled = {how: subsampled(crop[None], sobel, how)[0, ..., 0] for how in SUBSAMPLINGS if how != "none"}
    return SharingResult(
        config, parameter_count(config), crop, moved, maps[0], maps[1], error, float(np.max(np.abs(maps[0]))), pooled, shift_sensitivity(crop, bank, config.shift)
    )
