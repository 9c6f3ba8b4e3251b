"""Part 2: gradients through depth, plain against residual, layer by layer.

The engine records at every update the norm of each weight matrix's
gradient and, through ``SupervisedStep(output_layers=...)``, the norm of
∂L/∂a at the stem's and at every block's output. Through a residual block
``a_out = a_in + F(a_in)`` the backward pass multiplies by ``I + ∂F/∂a_in``:
the identity term carries the gradient back unchanged whatever the branch
does, where a plain block multiplies by ``∂F/∂a_in`` alone.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from dlcore import engine
from dlcore.experiments.resnet.blocks import block_names, build_network
from dlcore.experiments.resnet.common import (
    BATCH_SIZES,
    EVALUATION_BATCH,
    NETWORK_KINDS,
    OPTIMIZERS,
    RESNET_LEARNING_RATES,
    TOY_SETS,
    load_task,
    make_decaying_optimizer,
    memory_problem,
    network_label,
    spec_for,
    total_steps,
)
from dlcore.limits import Settings, choice, flag, integer, number
from dlcore.steps import SupervisedStep


@dataclass(frozen=True)
class Config(Settings):
    network: str = choice("mlp", NETWORK_KINDS)
    dataset: str = choice("spiral", TOY_SETS)
    blocks: int = integer(16, 1, 40, cap="depth")
    width: int = integer(16, 4, cap="width")
    batch_norm: bool = flag(False)
    optimizer: str = choice("adam", OPTIMIZERS)
    learning_rate: float = number(0.01, options=RESNET_LEARNING_RATES)
    epochs: int = integer(10, 1, 100, cap="epochs")
    batch_size: int = integer(64, options=BATCH_SIZES)
    seed: int = integer(0, 0, 10_000)

    def cross_checks(self) -> list[str]:
        memory = memory_problem(self.network, 2 * self.blocks, self.width, self.batch_size, self.batch_norm)
        return [memory] if memory else []


@dataclass(frozen=True)
class GradientRun:
    label: str
    residual: bool
    weight_positions: tuple[str, ...]  # "stem", "block_1", ..., "output"
    weight_gradient_norms: np.ndarray  # (updates, weight positions): a block's two (or three) weight matrices together
    positions: tuple[str, ...]  # "stem", "block_1", ..., the outputs whose ∂L/∂a is recorded
    output_gradient_norms: np.ndarray  # (updates, positions)
    epochs: pd.DataFrame
    steps_per_epoch: int
    divergence: str | None

    def _log_mean(self, values: np.ndarray, epoch: str) -> np.ndarray:
        rows = values[: self.steps_per_epoch] if epoch == "first" else values[-self.steps_per_epoch :]
        return 10.0 ** np.mean(np.log10(np.maximum(rows, 1e-30)), axis=0)

    @property
    def activation_gradient_at_start(self) -> np.ndarray:
        """‖∂L/∂a‖ per position at the very first update (the initial weights)."""
        return self.output_gradient_norms[0]

    @property
    def activation_gradient_at_end(self) -> np.ndarray:
        """Geometric mean over the last epoch's updates."""
        return self._log_mean(self.output_gradient_norms, "last")

    @property
    def weight_gradient_first_epoch(self) -> np.ndarray:
        return self._log_mean(self.weight_gradient_norms, "first")

    @property
    def weight_gradient_last_epoch(self) -> np.ndarray:
        return self._log_mean(self.weight_gradient_norms, "last")

    @property
    def final_train_loss(self) -> float:
        return float(self.epochs["train_loss"].iloc[-1])


@dataclass(frozen=True)
class Result:
    config: Config
    plain: GradientRun
    residual: GradientRun

    @property
    def runs(self) -> tuple[GradientRun, GradientRun]:
        return (self.plain, self.residual)


def ratio_first_to_last(norms: np.ndarray) -> float:
    """‖∂L/∂a‖ at the first block's output divided by that at the last block's output (1 = no loss on the way back)."""
    first, last = float(norms[1]) if len(norms) > 2 else float(norms[0]), float(norms[-1])
    return first / last if last > 0 else float("inf")


def by_position(group_names: tuple[str, ...], norms: np.ndarray, positions: tuple[str, ...]) -> np.ndarray:
    """(updates, positions): the norm of all the weight matrices of each position together (stem, each block, output)."""
    columns = []
    for position in positions:
        members = [index for index, name in enumerate(group_names) if name == position or name.startswith(f"{position}/")]
        columns.append(np.sqrt(np.sum(norms[:, members] ** 2, axis=1)))
    return np.stack(columns, axis=1)


def train_one(config: Config, task, residual: bool, progress=None) -> GradientRun:
    spec = spec_for(task, config.network, config.blocks, config.width, residual, config.batch_norm, config.seed)
    model = build_network(spec)
    positions = ("stem_activation" if spec.order == "post" else "stem", *block_names(config.blocks))
    split = task.split
    steps = total_steps(len(split.x_train), config.batch_size, config.epochs)
    step = SupervisedStep(model, make_decaying_optimizer(config.optimizer, config.learning_rate, steps), task.task, kinds=("kernel",), output_layers=positions)
    train_spec = engine.TrainSpec(epochs=config.epochs, batch_size=config.batch_size, seed=config.seed, evaluation_batch_size=EVALUATION_BATCH)
    history = engine.fit(step, (split.x_train, split.y_train), (split.x_val, split.y_val), train_spec, progress)
    weight_positions = ("stem", *block_names(config.blocks), "output")
    return GradientRun(
        label=network_label(residual, config.blocks),
        residual=residual,
        weight_positions=weight_positions,
        weight_gradient_norms=by_position(history.group_names, history.gradient_norms, weight_positions),
        positions=("stem", *block_names(config.blocks)),
        output_gradient_norms=history.output_gradient_norms,
        epochs=history.epochs,
        steps_per_epoch=history.steps_per_epoch,
        divergence=history.divergence.message() if history.divergence else None,
    )


def run(config: Config, progress=None) -> Result:
    config.validate()
    task = load_task(config.network, config.dataset, 1000, 0.2, config.seed)
    runs = [train_one(config, task, residual, engine.sweep_progress(progress, index, 2, f"Training {network_label(residual, config.blocks)}"))
            for index, residual in enumerate((False, True))]  # fmt: skip
    return Result(config, runs[0], runs[1])


def describe(result: Result) -> str:
    """What the ∂L/∂a curves of this run show, in numbers."""
    parts = []
    for run in result.runs:
        start, end = ratio_first_to_last(run.activation_gradient_at_start), ratio_first_to_last(run.activation_gradient_at_end)
        parts.append(f"{run.label}: first block ÷ last block **{start:.2g}** at the start, **{end:.2g}** over the last epoch")
    return "; ".join(parts) + "."
