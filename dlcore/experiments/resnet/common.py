"""What every part of the residual-networks page shares: data, the settings' bounds, the optimizer, memory checks.

Two settings: multilayer perceptrons on a 2-D toy set (fast), or small CNNs
on the bundled 8x8 digits. A network is named after its weight layers, as
in the papers: ``plain-34`` has a stem, 16 blocks of two layers and an
output layer.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from dlcore import data, limits
from dlcore.choices import LEARNING_RATES, OPTIMIZER_LABELS
from dlcore.experiments.resnet.blocks import NetworkSpec

NETWORK_KINDS = {"mlp": "MLPs on a 2-D toy set", "cnn": "small CNNs on the 8×8 digits"}
TOY_SETS = ("spiral", "moons", "circles", "xor")
BATCH_SIZES = (16, 32, 64, 128, 256)
RESNET_LEARNING_RATES = tuple(rate for rate in LEARNING_RATES if rate <= 0.3)
EVALUATION_BATCH = 512
MEMORY_BUDGET_BYTES = {False: 2.0e9, True: 0.8e9}  # local, hosted: what one training may hold for backpropagation


def weight_layers(blocks: int) -> int:
    """Stem + two layers per block + output layer."""
    return 2 * blocks + 2


def network_label(residual: bool, blocks: int) -> str:
    return f"{'ResNet' if residual else 'plain'}-{weight_layers(blocks)}"


def network_name(residual: bool, blocks: int) -> str:
    """A Keras-safe name: plain_34, resnet_10."""
    return f"{'resnet' if residual else 'plain'}_{weight_layers(blocks)}"


@dataclass(frozen=True)
class Task:
    split: data.Split
    task: str  # "binary" or "multiclass"
    input_shape: tuple
    num_outputs: int

    @property
    def chance_loss(self) -> float:
        """The loss of a network that ignores its input and predicts the class frequencies."""
        counts = np.bincount(self.split.y_train, minlength=self.split.num_classes).astype(float)
        shares = counts[counts > 0] / counts.sum()
        return float(-(shares * np.log(shares)).sum())


def load_task(kind: str, dataset: str, num_samples: int, noise: float, seed: int) -> Task:
    if kind == "cnn":
        split = data.digits_dataset(seed=seed, flat=False)
        return Task(split, "multiclass", (8, 8, 1), 10)
    split = data.toy_dataset(dataset, num_samples=num_samples, noise=noise, seed=seed)
    return Task(split, "binary", (2,), 1)


def spec_for(task: Task, kind: str, blocks: int, width: int, residual: bool, batch_norm: bool, seed: int, **options) -> NetworkSpec:
    """A network of the page: without batch norm a residual branch starts at zero (each block starts as the identity)."""
    options.setdefault("zero_init_last", residual and not batch_norm)
    return NetworkSpec(kind, task.input_shape, task.num_outputs, blocks, width, residual, batch_norm=batch_norm, seed=seed,
                       name=network_name(residual, blocks), **options)  # fmt: skip


def make_decaying_optimizer(name: str, learning_rate: float, total_steps: int):
    """A Keras optimizer whose learning rate falls from `learning_rate` to 0 along a half cosine over the run.

    With the step size shrinking to zero, the final training loss is the
    value a network settled at, not a snapshot of its last noisy step.
    """
    import keras

    from dlcore.optimizers import make_optimizer

    optimizer = make_optimizer(name, learning_rate)
    optimizer.learning_rate = keras.optimizers.schedules.CosineDecay(float(learning_rate), decay_steps=max(1, int(total_steps)))
    return optimizer


def total_steps(num_examples: int, batch_size: int, epochs: int) -> int:
    return math.ceil(num_examples / min(batch_size, num_examples)) * epochs


def training_memory_bytes(kind: str, blocks: int, width: int, batch_size: int, batch_norm: bool) -> float:
    """A rough upper estimate of what backpropagation keeps through `blocks` blocks (all networks together), in bytes."""
    positions = 64 if kind == "cnn" else 1  # an 8x8 feature map, or one vector
    kept_per_layer = 6 if batch_norm else 4  # tensors saved per weight layer (input, pre-activation, activation, ...)
    return float(2 * blocks * batch_size * positions * width * 4 * kept_per_layer)


def memory_problem(kind: str, blocks: int, width: int, batch_size: int, batch_norm: bool) -> str | None:
    """A message when training these blocks would need more memory than this deployment allows, else None."""
    needed = training_memory_bytes(kind, blocks, width, batch_size, batch_norm)
    budget = MEMORY_BUDGET_BYTES[limits.is_hosted()]
    if needed <= budget:
        return None
    return (f"these networks would need about {needed / 1e9:.1f} GB of memory to train, more than the {budget / 1e9:.1f} GB "
            "allowed here: lower the depth, the width or the batch size")  # fmt: skip


OPTIMIZERS = tuple(OPTIMIZER_LABELS)
