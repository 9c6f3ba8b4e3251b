"""Part 5, receptive fields: the theoretical one from the layer arithmetic, the effective one from gradients.

Theoretical: a unit after layer l sees r_l input pixels across, where
``r_l = r_{l-1} + d_l (k_l - 1) j_{l-1}`` and the jump (input pixels between
neighbouring units) is ``j_l = j_{l-1} s_l`` (r_0 = j_0 = 1).

Effective (Luo et al., 2016): how much each input pixel actually moves the
centre output, |∂y_centre / ∂x|, averaged over images. In a network of random
ReLU convolutions it is bell-shaped and much of the theoretical square gets
almost nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from dlcore import images
from dlcore.device import seeds_for
from dlcore.experiments.cnn.kernels import grey
from dlcore.limits import Settings, choice, integer

LAYER_KINDS = {"conv": "convolution", "max_pool": "max pooling", "avg_pool": "average pooling"}
MAX_LAYERS = 12
MAX_INPUT = 160  # the effective field is measured on crops at most this big
INITS = 6  # random initialisations the gradient is averaged over
MASS = 0.95  # the effective field is the centred square holding this share of the gradient


@dataclass(frozen=True)
class LayerSpec:
    kind: str  # a key of LAYER_KINDS
    kernel: int
    stride: int = 1
    dilation: int = 1


STACKS = {  # name -> (label, layers)
    "vgg": ("Six 3×3 convolutions", tuple(LayerSpec("conv", 3) for _ in range(6))),
    "pooled": ("3×3 convs with 2×2 max pooling", (LayerSpec("conv", 3), LayerSpec("conv", 3), LayerSpec("max_pool", 2, 2), LayerSpec("conv", 3), LayerSpec("conv", 3), LayerSpec("max_pool", 2, 2), LayerSpec("conv", 3))),
    "dilated": ("Dilated 3×3 (1, 2, 4, 8)", tuple(LayerSpec("conv", 3, 1, d) for d in (1, 2, 4, 8))),
    "strided": ("Strided 3×3 convolutions", (LayerSpec("conv", 3, 2), LayerSpec("conv", 3, 2), LayerSpec("conv", 3, 2), LayerSpec("conv", 3))),
    "lenet": ("LeNet-5 front (5×5 conv, 2×2 pool, twice)", (LayerSpec("conv", 5), LayerSpec("avg_pool", 2, 2), LayerSpec("conv", 5), LayerSpec("avg_pool", 2, 2))),
}


@dataclass(frozen=True)
class ReceptiveConfig(Settings):
    preset: str = choice("vgg", STACKS)
    num_images: int = integer(32, 1, 64)
    filters: int = integer(16, 1, 32)
    photo: str = choice("china", images.PHOTOS)
    seed: int = integer(0, 0, 10_000)


def layer_problems(layers) -> list[str]:
    """What is wrong with an edited stack, naming the row and the setting."""
    problems = []
    if not layers:
        return ["the stack is empty: add at least one layer"]
    if len(layers) > MAX_LAYERS:
        problems.append(f"the stack has {len(layers)} layers; at most {MAX_LAYERS}")
    for index, layer in enumerate(layers, start=1):
        if layer.kind not in LAYER_KINDS:
            problems.append(f"layer {index}: kind must be one of {', '.join(LAYER_KINDS)}")
        for name, low, high in (("kernel", 1, 11), ("stride", 1, 4), ("dilation", 1, 8)):
            value = getattr(layer, name)
            if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
                problems.append(f"layer {index}: {name} must be a whole number from {low} to {high}")
    return problems


@dataclass(frozen=True)
class ReceptiveRun:
    settings: ReceptiveConfig
    layers: tuple[LayerSpec, ...]

    def problems(self) -> list[str]:
        found = self.settings.problems() + layer_problems(self.layers)
        if not found:
            table = theoretical(self.layers)
            if table["receptive_field"].iloc[-1] > MAX_INPUT:
                found.append(f"the receptive field grows to {table['receptive_field'].iloc[-1]} pixels; this tab measures at most {MAX_INPUT}: use fewer or smaller layers")
        return found

    def validate(self):
        problems = self.problems()
        if problems:
            raise ValueError("; ".join(problems))
        return self


def preset_run(settings: ReceptiveConfig) -> ReceptiveRun:
    return ReceptiveRun(settings, STACKS[settings.preset][1])


def theoretical(layers) -> pd.DataFrame:
    """Per layer: the receptive field r, the jump j and the effective kernel span d(k−1)+1."""
    rows, field, jump = [], 1, 1
    for index, layer in enumerate(layers, start=1):
        span = layer.dilation * (layer.kernel - 1) + 1
        field += (span - 1) * jump
        jump *= layer.stride
        rows.append(dict(layer=index, kind=LAYER_KINDS.get(layer.kind, layer.kind), kernel=layer.kernel, stride=layer.stride, dilation=layer.dilation, span=span, jump=jump, receptive_field=field))
    return pd.DataFrame(rows)


def output_size(layers, input_size: int) -> int:
    """The output side of the stack on an input_size-pixel square (valid padding everywhere); < 1 means impossible."""
    size = input_size
    for layer in layers:
        size = (size - (layer.dilation * (layer.kernel - 1) + 1)) // layer.stride + 1
        if size < 1:
            return size
    return size


def build_stack(layers, input_size: int, filters: int, seed: int, activation: str | None = "relu", channels: int = 1):
    """A Keras model of the stack (valid padding, He-initialised, no biases); `activation=None` gives a linear stack."""
    import keras

    seeds = seeds_for(seed, len(layers))
    inputs = keras.Input((input_size, input_size, channels), name="image")
    x = inputs
    for index, (layer, layer_seed) in enumerate(zip(layers, seeds), start=1):
        if layer.kind == "conv":
            initializer = keras.initializers.HeNormal(seed=layer_seed)
            x = keras.layers.Conv2D(filters, layer.kernel, strides=layer.stride, dilation_rate=layer.dilation, activation=activation, use_bias=False, kernel_initializer=initializer, name=f"conv_{index}")(x)
        else:
            pool = keras.layers.MaxPooling2D if layer.kind == "max_pool" else keras.layers.AveragePooling2D
            x = pool(layer.kernel, strides=layer.stride, name=f"pool_{index}")(x)
    return keras.Model(inputs, x, name="stack")


def centre_gradient(model, batch: np.ndarray) -> np.ndarray:
    """Mean over the batch of |∂(sum over channels of the centre output) / ∂input|, shape (h, w)."""
    from dlcore.device import tf

    x = tf.constant(batch[..., None], tf.float32)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = model(x, training=False)
        centre = y[:, y.shape[1] // 2, y.shape[2] // 2, :]
        total = tf.reduce_sum(centre)
    return np.abs(tape.gradient(total, x).numpy()[..., 0]).mean(axis=0)


def mass_square(gradient: np.ndarray, share: float = MASS) -> int:
    """Side of the smallest square around the map's centre that holds `share` of the gradient's total."""
    total = gradient.sum()
    if total <= 0:
        return 0
    row, column = (gradient.shape[0] - 1) // 2, (gradient.shape[1] - 1) // 2
    for half in range(max(gradient.shape)):
        window = gradient[max(0, row - half) : row + half + 1, max(0, column - half) : column + half + 1]
        if window.sum() >= share * total:
            return 2 * half + 1
    return max(gradient.shape)


@dataclass(frozen=True)
class ReceptiveResult:
    run: ReceptiveRun
    table: pd.DataFrame  # theoretical, per layer
    input_size: int
    example: np.ndarray  # (n, n) the first crop
    gradient: np.ndarray  # (n, n) mean |∂ centre / ∂ input|
    support: tuple[int, int, int, int]  # (top, left, bottom, right) of the pixels with any gradient at all
    theoretical_size: int
    effective_size: int  # side of the centred square holding MASS of the gradient

    @property
    def effective_share(self) -> float:
        """Area of the effective square over the theoretical one."""
        return (self.effective_size / max(self.theoretical_size, 1)) ** 2


def crops(photo: str, count: int, size: int, seed: int) -> np.ndarray:
    """`count` seeded random grey crops of a bundled photo."""
    picture = grey(images.sample_photo(photo, 2))  # 213×320 pixels: room for the biggest crops
    rng = np.random.default_rng(seed)
    tops = rng.integers(0, picture.shape[0] - size + 1, count)
    lefts = rng.integers(0, picture.shape[1] - size + 1, count)
    return np.stack([picture[t : t + size, left : left + size] for t, left in zip(tops, lefts)]).astype(np.float32)


def receptive_field(run: ReceptiveRun, progress=None) -> ReceptiveResult:
    run.validate()
    table = theoretical(run.layers)
    field, jump = int(table["receptive_field"].iloc[-1]), int(table["jump"].iloc[-1])
    size = field + 2 * jump  # a 3x3 output: the centre unit's field sits in the middle
    size = min(MAX_INPUT, size + (size % 2 == 0))
    batch = crops(run.settings.photo, run.settings.num_images, size, run.settings.seed)
    gradient = np.zeros((size, size))
    for seed in seeds_for(run.settings.seed, INITS):  # several random initialisations, as in Luo et al.
        gradient += centre_gradient(build_stack(run.layers, size, run.settings.filters, seed), batch) / INITS
    rows, columns = np.nonzero(gradient > 0)
    support = (int(rows.min()), int(columns.min()), int(rows.max()), int(columns.max())) if len(rows) else (0, 0, 0, 0)
    return ReceptiveResult(run, table, size, batch[0], gradient, support, field, mass_square(gradient))
