"""Part 1: degradation (He et al. 2016, their Figure 1), shown and cured.

Four networks train side by side on the same batches: plain and residual,
each at a shallow and a deep depth. Adding layers to a plain network should
never hurt its *training* loss (the extra layers could learn the identity),
yet the deeper plain network ends higher; the residual one, whose blocks
start from the identity, does not. The sentence that says so is computed
from the run, and says something else when a run shows something else.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np
import pandas as pd

from dlcore import engine
from dlcore.experiments.resnet.blocks import build_network
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
    network_name,
    spec_for,
    total_steps,
    weight_layers,
)
from dlcore.experiments.resnet.side_by_side import SideBySideStep, network_table
from dlcore.limits import Settings, choice, flag, integer, number

CHANCE_MARGIN = 0.98  # a final loss above 98% of the chance loss means the network learned (almost) nothing


@dataclass(frozen=True)
class Config(Settings):
    network: str = choice("mlp", NETWORK_KINDS)
    dataset: str = choice("spiral", TOY_SETS)
    num_samples: int = integer(1000, 200, cap="samples")
    noise: float = number(0.2, 0.0, 1.0, step=0.05)
    shallow_blocks: int = integer(4, 1, 20)
    deep_blocks: int = integer(16, 2, 40, cap="depth")
    width: int = integer(16, 4, cap="width")
    batch_norm: bool = flag(False)
    optimizer: str = choice("adam", OPTIMIZERS)
    learning_rate: float = number(0.01, options=RESNET_LEARNING_RATES)
    epochs: int = integer(20, 1, 200, cap="epochs")
    batch_size: int = integer(64, options=BATCH_SIZES)
    seed: int = integer(0, 0, 10_000)

    def cross_checks(self) -> list[str]:
        problems = []
        if self.shallow_blocks >= self.deep_blocks:
            problems.append(f"the deep networks need more blocks than the shallow ones (got {self.shallow_blocks} and {self.deep_blocks})")
        memory = memory_problem(self.network, 2 * (self.shallow_blocks + self.deep_blocks), self.width, self.batch_size, self.batch_norm)
        return problems + ([memory] if memory else [])


@dataclass(frozen=True)
class NetworkRun:
    label: str  # "plain-34"
    residual: bool
    blocks: int
    layers: int
    epochs: pd.DataFrame  # epoch, train_loss, val_loss, train_accuracy, val_accuracy, weight_norm

    @property
    def final_train_loss(self) -> float:
        return float(self.epochs["train_loss"].iloc[-1])

    @property
    def final_train_accuracy(self) -> float:
        return float(self.epochs["train_accuracy"].iloc[-1])

    @property
    def final_val_accuracy(self) -> float:
        return float(self.epochs["val_accuracy"].iloc[-1])


@dataclass(frozen=True)
class Finding:
    plain_degrades: bool  # the deep plain network ends at a higher training loss than the shallow one
    residual_degrades: bool  # the deep residual network ends higher than the shallow one
    sentence: str  # markdown, with the run's numbers


@dataclass(frozen=True)
class Result:
    config: Config
    runs: tuple[NetworkRun, ...]  # plain shallow, plain deep, residual shallow, residual deep
    chance_loss: float
    divergence: str | None
    seconds: float

    def run(self, residual: bool, deep: bool) -> NetworkRun:
        return self.runs[2 * int(residual) + int(deep)]

    @property
    def finding(self) -> Finding:
        return describe(self)


def _loss(run: NetworkRun, chance: float) -> str:
    text = f"**{run.final_train_loss:.3g}**"
    return text + f" (no better than guessing: chance is {chance:.3g})" if run.final_train_loss > CHANCE_MARGIN * chance else text


def describe(result: Result) -> Finding:
    """The degradation finding of this run, in numbers, worded for what the run shows."""
    chance = result.chance_loss
    plain_shallow, plain_deep = result.run(False, False), result.run(False, True)
    res_shallow, res_deep = result.run(True, False), result.run(True, True)
    plain_degrades = plain_deep.final_train_loss > plain_shallow.final_train_loss
    residual_degrades = res_deep.final_train_loss > res_shallow.final_train_loss
    plain = (f"{plain_deep.label} ends at training loss {_loss(plain_deep, chance)}, "
             f"{'above' if plain_degrades else 'below'} {plain_shallow.label}'s {_loss(plain_shallow, chance)}")  # fmt: skip
    residual = (f"{res_deep.label} ends at {_loss(res_deep, chance)}, "
                f"{'above' if residual_degrades else 'below'} {res_shallow.label}'s {_loss(res_shallow, chance)}")  # fmt: skip
    if plain_degrades and not residual_degrades:
        verdict = "Degradation, and its cure: the deeper plain network fits its own training data worse, the deeper residual one better."
    elif plain_degrades:
        verdict = "The deeper plain network degrades, but in this run the deeper residual network ends higher too."
    elif not residual_degrades:
        verdict = "No degradation in this run: both deeper networks fit their training data at least as well as the shallower ones."
    else:
        verdict = "In this run only the residual networks lose by going deeper."
    return Finding(plain_degrades, residual_degrades, f"{verdict} {plain}; {residual}.")


def build_networks(config: Config, task, depths: tuple[int, ...] | None = None):
    """The plain and residual network at each depth (default: both depths), in the order of Result.runs."""
    depths = depths or (config.shallow_blocks, config.deep_blocks)
    return [build_network(spec_for(task, config.network, blocks, config.width, residual, config.batch_norm, config.seed)) for residual in (False, True) for blocks in depths]


def _train_pair(config: Config, task, blocks: int, progress=None):
    """The plain and the residual network of one depth, side by side on the same batches; their engine History."""
    split = task.split
    step = SideBySideStep(build_networks(config, task, (blocks,)), make_decaying_optimizer(config.optimizer, config.learning_rate, total_steps(len(split.x_train), config.batch_size, config.epochs)), task.task, kinds=())
    spec = engine.TrainSpec(epochs=config.epochs, batch_size=config.batch_size, seed=config.seed, evaluation_batch_size=EVALUATION_BATCH)
    return engine.fit(step, (split.x_train, split.y_train), (split.x_val, split.y_val), spec, progress)


def _merged(first: pd.DataFrame | None, second: pd.DataFrame | None) -> pd.DataFrame | None:
    """The shallow pair's epochs table beside the deep pair's (which may still be short), joined on the epoch."""
    if first is None or second is None:
        return first if second is None else second
    # outer: if one pair stopped early (a divergence), the other pair's later epochs are kept
    return first.merge(second.drop(columns=["seconds"], errors="ignore"), on="epoch", how="outer", suffixes=("", "_deep")).sort_values("epoch", ignore_index=True)


def train_shallow_pair(config: Config, progress=None):
    """The shallow pair alone (plain and ResNet at the shallow depth): what the page's chart shows first."""
    task = load_task(config.network, config.dataset, config.num_samples, config.noise, config.seed)
    return _train_pair(config, task, config.shallow_blocks, progress)


def run(config: Config, progress=None) -> Result:
    """Plain and residual networks at two depths, every network on the same batches in the same order.

    The shallow pair trains first, in its own small graph, so the live chart
    shows its whole run within seconds; the deep pair, whose graph takes
    longer to build, trains after it. Each network sees exactly the batches
    it would see side by side with all four (same seed, same order), and
    Adam updates each weight from its own gradient alone.
    """
    config.validate()
    task = load_task(config.network, config.dataset, config.num_samples, config.noise, config.seed)
    share = config.shallow_blocks / (config.shallow_blocks + config.deep_blocks)  # each pair's part of the work
    stages, histories = ((config.shallow_blocks, 0.0, share), (config.deep_blocks, share, 1.0 - share)), []
    for blocks, offset, part in stages:
        label = f"Training {network_label(False, blocks)} and {network_label(True, blocks)}"

        def report(info, offset=offset, part=part, label=label):
            table = _merged(histories[0].epochs, info.epochs_table) if histories else info.epochs_table
            return progress(dataclasses.replace(info, epochs_table=table, label=label, fraction_offset=offset, fraction_share=part))

        history = _train_pair(config, task, blocks, report if progress is not None else None)
        histories.append(history)
    epochs = _merged(histories[0].epochs, histories[1].epochs)
    runs = tuple(
        NetworkRun(network_label(residual, blocks), residual, blocks, weight_layers(blocks), _network_curves(epochs, network_name(residual, blocks)))
        for residual in (False, True)
        for blocks in (config.shallow_blocks, config.deep_blocks)
    )
    diverged = next((h for h in histories if h.divergence is not None), None)
    return Result(config, runs, task.chance_loss, diverged.divergence.message() if diverged else None, sum(h.seconds for h in histories))


def _network_curves(epochs: pd.DataFrame, name: str) -> pd.DataFrame:
    """One network's curves; epochs it never reached (its pair stopped early) are dropped."""
    table = network_table(epochs, name)
    return table.dropna(subset=["train_loss"]).reset_index(drop=True) if "train_loss" in table else table


def live_tables(config: Config, epochs_table: pd.DataFrame | None) -> list[tuple[str, bool, bool, pd.DataFrame]]:
    """(label, residual, deep, curves) of each network that has reached an epoch, from a progress report's table."""
    if epochs_table is None or not len(epochs_table):
        return []
    tables = []
    for residual in (False, True):
        for deep, blocks in ((False, config.shallow_blocks), (True, config.deep_blocks)):
            curves = _network_curves(epochs_table, network_name(residual, blocks))
            if "train_loss" in curves and len(curves):
                tables.append((network_label(residual, blocks), residual, deep, curves))
    return tables


def final_losses(result: Result) -> np.ndarray:
    return np.array([run.final_train_loss for run in result.runs])


# label -> the settings it applies; each promise is checked in tests/test_resnet_lessons.py
PRESETS = {
    "MLPs on the spiral (default)": dict(network="mlp", dataset="spiral", shallow_blocks=4, deep_blocks=16, width=16, batch_norm=False, optimizer="adam", learning_rate=0.01, epochs=20, batch_size=64),
    "Small CNNs on the digits": dict(network="cnn", shallow_blocks=2, deep_blocks=8, width=16, batch_norm=False, optimizer="adam", learning_rate=0.003, epochs=10, batch_size=64),
    "With batch norm (as in the paper)": dict(network="mlp", dataset="spiral", shallow_blocks=4, deep_blocks=16, width=16, batch_norm=True, optimizer="adam", learning_rate=0.01, epochs=20, batch_size=64),
}
PRESET_HELP = {
    "MLPs on the spiral (default)": "10 vs 34 layers on the two-arm spiral, no batch norm: the fast default.",
    "Small CNNs on the digits": "6 vs 18 layers of 3×3 convolutions on the bundled 8×8 digits, no batch norm (slower than the MLPs). "
    "The sentence above the charts says what this run found.",
    "With batch norm (as in the paper)": "The default networks, 10 vs 34 layers, with batch norm after every weight layer, as He et al. trained theirs "
    "(slower). Is batch norm alone enough to rescue the deep plain network? The sentence above the charts says.",
}
