"""What backpropagation costs as a network grows: a small multiple of one forward pass.

For MLPs of growing width (same depth and activation), this times one compiled
forward pass and one compiled forward + backward pass (all gradients) on the
same batch. Each function is called once first, so the time of tracing its
graph (paid once per network, then reused by every training step) is measured
apart and left out of the per-pass times. Every time is the fastest of a few
repeats, which is the least disturbed by other work on the machine.

Finite differences need two forward passes per weight, so their cost is
estimated as 2 x weights x one forward pass.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
import pandas as pd

from dlcore.choices import ACTIVATIONS, INITIALIZER_LABELS
from dlcore.device import tf
from dlcore.limits import Settings, choice, integer
from dlcore.models import MLPSpec, build_mlp
from dlcore.steps import loss_and_accuracy

COST_WIDTHS = (8, 32, 128, 512)  # units per hidden layer of the timed networks
COST_BATCH = 512  # examples per timed pass: big enough that arithmetic, not Python overhead, dominates at the larger widths


@dataclass(frozen=True)
class CostConfig(Settings):
    num_hidden_layers: int = integer(3, 1, 6)
    activation: str = choice("tanh", ACTIVATIONS)
    initializer: str = choice("glorot", INITIALIZER_LABELS)
    repeats: int = integer(5, 2, 20)
    seed: int = integer(0, 0, 10_000)


@dataclass(frozen=True)
class CostResult:
    config: CostConfig
    table: pd.DataFrame  # one row per width: units, weights, forward_seconds, backprop_seconds, ratio, finite_difference_seconds, tracing_seconds

    @property
    def ratio_range(self) -> tuple[float, float]:
        return float(self.table["ratio"].min()), float(self.table["ratio"].max())

    @property
    def growth(self) -> float:
        """How many times longer backprop took on the biggest network than on the smallest."""
        return float(self.table["backprop_seconds"].iloc[-1] / self.table["backprop_seconds"].iloc[0])


    def caption(self) -> str:
        """What this run's timings show, in sentences chosen and filled in from its numbers."""
        first, last = self.table.iloc[0], self.table.iloc[-1]
        sentences = [
            f"backprop (all {int(last['weights']):,} gradients) took {last['ratio']:.1f}× one forward pass on the largest network, "
            f"and its time grew {self.growth:.0f}× ({first['backprop_seconds'] * 1e3:.2g} ms → {last['backprop_seconds'] * 1e3:.3g} ms) as the weights grew "
            f"{last['weights'] / first['weights']:,.0f}×: its cost grows with the network, in step with a forward pass, a small multiple of it",
            f"finite differences would need about {last['finite_difference_seconds']:,.0f} s for the same gradients",
        ]
        second = self.table.iloc[1]
        if first["forward_seconds"] > 0.5 * second["forward_seconds"]:
            sentences.append(
                f"on the smallest networks both passes take about the same fixed time per call ({first['forward_seconds'] * 1e3:.2g} ms, running the graph, not arithmetic), so their ratio says little there"
            )
        return "; ".join(sentences) + f". Tracing each graph ({self.table['tracing_seconds'].min():.2g}–{self.table['tracing_seconds'].max():.2g} s, once per network) is left out of every time."


def _fastest(function, repeats: int, *arguments) -> float:
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        outputs = function(*arguments)
        tf.nest.map_structure(lambda t: t.numpy(), outputs)  # wait for the result
        times.append(time.perf_counter() - started)
    return min(times)


def time_one_network(units: int, config: CostConfig, x, y) -> dict:
    """Tracing, forward and forward + backward seconds of one MLP of `units` units per hidden layer."""
    spec = MLPSpec(num_hidden_layers=config.num_hidden_layers, units=units, activation=config.activation, initializer=config.initializer, seed=config.seed)
    model = build_mlp(spec)

    @tf.function(autograph=False)
    def forward(inputs):
        return loss_and_accuracy("binary", y, model(inputs, training=True))[0]

    @tf.function(autograph=False)
    def backprop(inputs):
        with tf.GradientTape() as tape:
            loss, _ = loss_and_accuracy("binary", y, model(inputs, training=True))
        return tape.gradient(loss, model.trainable_variables)

    started = time.perf_counter()
    forward(x)
    backprop(x)
    tracing = time.perf_counter() - started
    weights = int(sum(int(np.prod(v.shape)) for v in model.trainable_variables))
    forward_seconds = _fastest(forward, config.repeats, x)
    backprop_seconds = _fastest(backprop, config.repeats, x)
    return dict(
        units=units,
        weights=weights,
        forward_seconds=forward_seconds,
        backprop_seconds=backprop_seconds,
        ratio=backprop_seconds / forward_seconds,
        finite_difference_seconds=2 * weights * forward_seconds,
        tracing_seconds=tracing,
    )


def cost_scaling(config: CostConfig = CostConfig(), progress=None) -> CostResult:
    """Forward and backprop times of MLPs of growing width, tracing excluded."""
    config.validate()
    rng = np.random.default_rng(config.seed)
    x = tf.constant(rng.normal(size=(COST_BATCH, 2)), dtype=tf.float32)
    y = tf.constant((rng.random(COST_BATCH) < 0.5).astype(np.float32))
    rows = []
    for number, units in enumerate(COST_WIDTHS):
        if progress is not None:
            progress(_Progress(number / len(COST_WIDTHS), f"Timing a network of {units} units per layer"))
        rows.append(time_one_network(units, config, x, y))
    return CostResult(config, pd.DataFrame(rows))


@dataclass(frozen=True)
class _Progress:
    fraction: float
    message: str
