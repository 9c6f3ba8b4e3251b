"""Part 8, classic architectures: LeNet-5, AlexNet and GoogLeNet built as real Keras models at their published sizes.

For each: a layer table (output shape, parameters, receptive field,
multiply-adds), the Inception module with and without its 1×1 reductions,
a table of published facts, and LeNet-5 trained live on the digits at 32×32.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from dlcore import engine
from dlcore.experiments.cnn.networks import INCEPTION_MODULES, MODULE_INPUTS, NetworkSpec, build_alexnet, build_googlenet, build_inception_module, build_lenet5
from dlcore.experiments.cnn.training import TrainedNetwork, load_split, train_network
from dlcore.limits import Settings, choice, integer, number

ARCHITECTURES = {"lenet5": "LeNet-5 (1998)", "alexnet": "AlexNet (2012)", "googlenet": "GoogLeNet / Inception v1 (2014)"}

# Published figures: year, weight layers, parameters, ILSVRC top-5 error (test set, the paper's best entry)
HISTORY = pd.DataFrame(
    [
        ("LeNet-5", 1998, 7, "60 thousand", None, "handwritten digits (MNIST: 0.95 % test error); before ImageNet"),
        ("AlexNet", 2012, 8, "60 million", 15.3, "ReLU, dropout, two GPUs; won ILSVRC 2012"),
        ("ZFNet", 2013, 8, "≈ 60 million", 14.8, "AlexNet re-tuned by looking at its feature maps"),
        ("VGG-16", 2014, 16, "138 million", 7.3, "only 3×3 convolutions, stacked deep"),
        ("GoogLeNet", 2014, 22, "≈ 7 million", 6.67, "Inception modules with 1×1 reductions; won ILSVRC 2014"),
        ("ResNet-152", 2015, 152, "60 million", 3.57, "skip connections; won ILSVRC 2015"),
    ],
    columns=["network", "year", "depth (weight layers)", "parameters", "top-5 error %", "what was new"],
)


@dataclass(frozen=True)
class ArchitectureConfig(Settings):
    architecture: str = choice("lenet5", ARCHITECTURES)
    module: str = choice("3a", INCEPTION_MODULES)


@dataclass(frozen=True)
class LayerGeometry:
    kernel: int
    stride: int
    dilation: int = 1


def _geometry(layer, module_span: dict) -> LayerGeometry | None:
    """How a layer moves the receptive field along the main path (None: it does not)."""
    config = layer.get_config()
    if "kernel_size" in config:
        return LayerGeometry(config["kernel_size"][0], config["strides"][0], config.get("dilation_rate", (1,))[0])
    if "pool_size" in config:
        return LayerGeometry(config["pool_size"][0], config["strides"][0])
    return module_span.get(layer.name)


def multiply_adds(layer) -> int:
    """Multiply-adds of one forward pass for one image: every output value of a conv or dense layer is a dot product."""
    config = layer.get_config()
    if "kernel_size" in config:
        kernel = layer.kernel.shape
        return int(np.prod(layer.output.shape[1:]) * kernel[0] * kernel[1] * kernel[2])
    if "units" in config:
        return int(layer.kernel.shape[0] * layer.kernel.shape[1])
    return 0


def layer_rows(model) -> pd.DataFrame:
    """One row per layer (an Inception module is one row: its branches summed), with the receptive field along the main path."""
    rows, groups = [], {}
    for layer in model.layers[1:]:
        group = layer.name.split(".")[0]
        groups.setdefault(group, []).append(layer)
    field, jump = 1, 1
    for group, members in groups.items():
        last = members[-1]
        if len(members) > 1:  # an Inception module: its widest branch (a 5×5 after a 1×1) sets the field
            geometry = LayerGeometry(5, 1)
            kind = "Inception module"
        else:
            geometry = _geometry(last, {})
            kind = type(last).__name__
        if geometry is not None:
            field += (geometry.dilation * (geometry.kernel - 1)) * jump
            jump *= geometry.stride
        shape = tuple(last.output.shape[1:])
        rows.append(
            dict(
                layer=group,
                kind=kind,
                output_shape=" × ".join(map(str, shape)),
                parameters=sum(int(m.count_params()) for m in members),
                receptive_field=field if len(shape) == 3 else None,
                multiply_adds=sum(multiply_adds(m) for m in members),
            )
        )
    return pd.DataFrame(rows)


@dataclass(frozen=True)
class ArchitectureResult:
    config: ArchitectureConfig
    name: str
    input_shape: tuple[int, ...]
    table: pd.DataFrame
    total_parameters: int
    total_multiply_adds: int
    module_table: pd.DataFrame  # the chosen Inception module with and without 1×1 reductions


BUILDERS = {"lenet5": lambda: build_lenet5(NetworkSpec("lenet5", (32, 32, 1), pooling="average", activation="tanh")), "alexnet": build_alexnet, "googlenet": build_googlenet}


def module_comparison(module: str) -> pd.DataFrame:
    rows = []
    for reductions in (False, True):
        model = build_inception_module(module, reductions)
        table = layer_rows(model)
        rows.append(
            dict(
                module=f"{module} {'with 1×1 reductions' if reductions else 'naive (no reductions)'}",
                input=f"{MODULE_INPUTS[module][0]} × {MODULE_INPUTS[module][0]} × {MODULE_INPUTS[module][1]}",
                output_channels=int(model.output.shape[-1]),
                parameters=int(model.count_params()),
                multiply_adds=int(table["multiply_adds"].sum()),
            )
        )
    return pd.DataFrame(rows)


def architecture(config: ArchitectureConfig, progress=None) -> ArchitectureResult:
    """Build the chosen network (untrained) and describe it layer by layer; compare one Inception module both ways."""
    from dlcore.device import tf  # noqa: F401

    config.validate()
    model = BUILDERS[config.architecture]()
    table = layer_rows(model)
    result = ArchitectureResult(config, ARCHITECTURES[config.architecture], tuple(model.input.shape[1:]), table, int(model.count_params()), int(table["multiply_adds"].sum()), module_comparison(config.module))
    del model
    return result


# ---------------------------------------------------------------- LeNet-5 trained live on the digits at 32×32


@dataclass(frozen=True)
class LeNetConfig(Settings):
    activation: str = choice("tanh", ("tanh", "relu"))
    pooling: str = choice("average", ("average", "max"))
    epochs: int = integer(15, 1, 60, cap="epochs")
    learning_rate: float = number(0.003, options=(0.0003, 0.001, 0.003, 0.01))
    batch_size: int = integer(32, options=(16, 32, 64, 128))
    train_size: int = integer(1400, 100, cap="samples")
    seed: int = integer(0, 0, 10_000)


@dataclass(frozen=True)
class LeNetResult:
    config: LeNetConfig
    network: TrainedNetwork
    seconds_per_epoch: float
    train_size: int
    val_size: int


def train_lenet(config: LeNetConfig, progress=None) -> LeNetResult:
    """LeNet-5 on the bundled digits enlarged to 32×32 (its published input size)."""
    config.validate()
    image_set, x_train, y_train, x_val, y_val = load_split("digits32", config.train_size, config.seed)
    spec = NetworkSpec("lenet5", image_set.image_shape, activation=config.activation, pooling=config.pooling, seed=config.seed)
    network, _ = train_network(spec, "LeNet-5", (x_train, y_train, x_val, y_val), config, engine.sweep_progress(progress, 0, 1, "LeNet-5"))
    epochs = network.history.epochs
    steady = epochs["seconds"].iloc[1:] if len(epochs) > 1 else epochs["seconds"]  # the first epoch also compiles
    return LeNetResult(config, network, float(steady.mean()), len(x_train), len(x_val))
