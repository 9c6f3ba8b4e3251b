"""Part 3: the residual unit itself: shortcut, order, batch norm, shapes, parameters, and what the skip carries.

A small residual CNN with the student's unit trains on the 8x8 digits; its
middle block (optionally) halves the image and doubles the channels, which
is where identity and projection shortcuts differ. From the trained network
the page reads each block's tensor shapes and parameter counts (checked
against the hand formula), and evaluates it again with shortcuts switched
off, to show what they were carrying.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from dlcore import engine
from dlcore.device import tf
from dlcore.experiments.resnet.blocks import ORDERS, SHORTCUTS, NetworkSpec, ResidualBlock, build_network, forward
from dlcore.experiments.resnet.common import EVALUATION_BATCH, RESNET_LEARNING_RATES, load_task, make_decaying_optimizer, total_steps
from dlcore.limits import Settings, choice, flag, integer, number
from dlcore.steps import SupervisedStep, loss_and_accuracy

DOWNSAMPLING_BLOCK = 2


@dataclass(frozen=True)
class Config(Settings):
    order: str = choice("post", ORDERS)
    shortcut: str = choice("identity", SHORTCUTS)
    batch_norm: bool = flag(True)
    width: int = integer(8, 2, 64)
    blocks: int = integer(3, 2, 8)
    downsample: bool = flag(True)
    epochs: int = integer(8, 1, 100, cap="epochs")
    learning_rate: float = number(0.01, options=RESNET_LEARNING_RATES)
    seed: int = integer(0, 0, 10_000)


@dataclass(frozen=True)
class Stage:
    """One step of a block's computation, as the diagram draws it."""

    name: str  # "first", "norm_1", "relu", "add", "shortcut", ...
    text: str  # what it does: "3×3 conv, stride 2, 16 filters"
    shape: tuple[int, ...]  # output shape of one example
    parameters: int  # Keras' count for this layer (0 for an operation without weights)
    formula: str  # the hand computation of that count


@dataclass(frozen=True)
class BlockView:
    number: int
    input_shape: tuple[int, ...]
    main: tuple[Stage, ...]  # the branch and what follows the addition, in order
    shortcut: Stage
    parameters: int  # the whole block, counted by Keras
    skip_norm: float  # mean ‖shortcut(x)‖ per validation example, in the trained network
    branch_norm: float  # mean ‖F(x)‖ per validation example


@dataclass(frozen=True)
class Result:
    config: Config
    blocks: tuple[BlockView, ...]
    total_parameters: int
    epochs: pd.DataFrame
    intact_accuracy: float
    skip_off_accuracy: np.ndarray  # (blocks,): validation accuracy with block k+1's shortcut off
    all_off_accuracy: float
    intact_loss: float
    skip_off_loss: np.ndarray
    all_off_loss: float
    divergence: str | None


def shape_text(shape) -> str:
    return " × ".join(str(int(d)) for d in shape)


def _conv_stage(layer, in_channels: int, stride: int, output) -> Stage:
    out, bias, size = layer.filters, layer.use_bias, layer.kernel_size[0]
    text = f"{size}×{size} conv, {out} filters" + (f", stride {stride}" if stride > 1 else "")
    count = size * size * in_channels * out + (out if bias else 0)
    formula = f"{size}·{size}·{in_channels}·{out}" + (f" + {out} biases" if bias else "") + f" = {count:,}"
    return Stage(layer.name, text, tuple(output.shape[1:]), layer.count_params(), formula)


def _norm_stage(norm, channels: int, output) -> Stage:
    return Stage(norm.name, "batch norm", tuple(output.shape[1:]), norm.count_params(), f"4·{channels} = {4 * channels}")


def _relu_stage(output) -> Stage:
    return Stage("relu", "ReLU", tuple(output.shape[1:]), 0, "no weights")


def _mean_norm(tensor) -> float:
    """The mean over examples of each example's L2 norm."""
    return float(tf.reduce_mean(tf.norm(tf.reshape(tensor, [tf.shape(tensor)[0], -1]), axis=1)))


def block_view(block: ResidualBlock, number: int, x) -> BlockView:
    """Shapes and parameter counts of one trained block on a batch `x` of its inputs, with the mean norms of its two paths."""
    in_channels, out_channels = int(x.shape[-1]), block.width
    stages, h = [], x
    if block.order == "pre":
        if block.norm_1 is not None:
            h = block.norm_1(h, training=False)
            stages.append(_norm_stage(block.norm_1, in_channels, h))
        h = tf.nn.relu(h)
        stages.append(_relu_stage(h))
    h = block.first(h)
    stages.append(_conv_stage(block.first, in_channels, block.stride, h))
    middle_norm = block.norm_1 if block.order == "post" else block.norm_2
    if middle_norm is not None:
        h = middle_norm(h, training=False)
        stages.append(_norm_stage(middle_norm, out_channels, h))
    h = tf.nn.relu(h)
    stages.append(_relu_stage(h))
    h = block.second(h)
    stages.append(_conv_stage(block.second, out_channels, 1, h))
    if block.order == "post" and block.norm_2 is not None:
        h = block.norm_2(h, training=False)
        stages.append(_norm_stage(block.norm_2, out_channels, h))
    skip = block.shortcut_of(x)
    stages.append(Stage("add", "add: shortcut + branch", tuple(h.shape[1:]), 0, "no weights"))
    if block.order == "post":
        stages.append(_relu_stage(h))
    return BlockView(number, tuple(x.shape[1:]), tuple(stages), _shortcut_stage(block, in_channels, skip), block.count_params(), _mean_norm(skip), _mean_norm(h))


def _shortcut_stage(block: ResidualBlock, in_channels: int, skip) -> Stage:
    shape = tuple(skip.shape[1:])
    if block.projection is not None:
        out = block.width
        text = "1×1 conv projection" + (f", stride {block.stride}" if block.stride > 1 else "")
        return Stage("projection", text, shape, block.projection.count_params(), f"1·1·{in_channels}·{out} = {in_channels * out:,}")
    if block.stride > 1 or block.width != in_channels:
        changes = []
        if block.stride > 1:
            changes.append("every 2nd pixel")
        if block.width > in_channels:
            changes.append(f"{block.width - in_channels} zero channels added")
        return Stage("identity", "identity: " + ", ".join(changes), shape, 0, "no weights")
    return Stage("identity", "identity", shape, 0, "no weights")


def network_spec(config: Config, task) -> NetworkSpec:
    return NetworkSpec("cnn", task.input_shape, task.num_outputs, config.blocks, config.width, True, config.order, config.batch_norm,
                       config.shortcut, zero_init_last=not config.batch_norm, downsample_at=(DOWNSAMPLING_BLOCK,) if config.downsample else (),
                       seed=config.seed, name="resnet")  # fmt: skip


def skip_scores(model, x, y, task: str, blocks: int) -> np.ndarray:
    """(blocks + 2, 2): (loss, accuracy) intact, with each block's shortcut off in turn, and with every shortcut off."""
    x_tensor, y_tensor = tf.constant(x), tf.constant(y)
    variants = [(), *((number,) for number in range(1, blocks + 1)), tuple(range(1, blocks + 1))]

    def evaluate():
        return tf.stack([tf.stack(loss_and_accuracy(task, y_tensor, forward(model, x_tensor, skips_off=off))) for off in variants])

    return tf.function(evaluate, autograph=False)().numpy().astype(np.float64)


def run(config: Config, progress=None) -> Result:
    config.validate()
    task = load_task("cnn", "digits", 0, 0.0, config.seed)
    split = task.split
    model = build_network(network_spec(config, task))
    steps = total_steps(len(split.x_train), 64, config.epochs)
    step = SupervisedStep(model, make_decaying_optimizer("adam", config.learning_rate, steps), task.task, kinds=())
    spec = engine.TrainSpec(epochs=config.epochs, batch_size=64, seed=config.seed, evaluation_batch_size=EVALUATION_BATCH)
    history = engine.fit(step, (split.x_train, split.y_train), (split.x_val, split.y_val), spec, progress)
    views, h = [], tf.constant(split.x_val)
    for layer in model.layers[1:]:
        if isinstance(layer, ResidualBlock):
            views.append(block_view(layer, len(views) + 1, h))
        h = layer(h, training=False)
    scores = skip_scores(model, split.x_val, split.y_val, task.task, config.blocks)
    return Result(
        config=config,
        blocks=tuple(views),
        total_parameters=int(model.count_params()),
        epochs=history.epochs,
        intact_loss=float(scores[0, 0]),
        intact_accuracy=float(scores[0, 1]),
        skip_off_loss=scores[1:-1, 0],
        skip_off_accuracy=scores[1:-1, 1],
        all_off_loss=float(scores[-1, 0]),
        all_off_accuracy=float(scores[-1, 1]),
        divergence=history.divergence.message() if history.divergence else None,
    )

