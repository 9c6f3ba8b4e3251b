"""Part 4: do the landscapes tell the truth? The same optimizers train the same real network.

Every optimizer trains a ReLU MLP built from the same seed (so from the same
initial weights) on the same data, with the same batches in the same order.

Gradient clipping by norm comes in Keras' two kinds: ``clipnorm`` rescales each
variable's gradient (one weight matrix, one bias vector) on its own, so the
layers' gradients can be shrunk by different factors and the overall direction
changes; ``global_clipnorm`` rescales all of them by one factor when their
joint norm is too large, so the direction is kept.
"""

from __future__ import annotations

from dataclasses import dataclass

from dlcore import data, engine
from dlcore.choices import CLIP_THRESHOLDS, OPTIMIZER_LABELS
from dlcore.experiments.gradient_descent.optimizer_race import ADAPTIVE_OPTIMIZERS, OPTIMIZERS, RACE_LEARNING_RATES
from dlcore.limits import Settings, choice, integer, number, subset
from dlcore.models import MLPSpec, build_mlp
from dlcore.optimizers import make_optimizer
from dlcore.steps import SupervisedStep

NETWORK_BATCH_SIZES = (8, 16, 32, 64, 128, 0)  # 0: the whole training set in one batch
NETWORK_UNITS = (4, 8, 16, 32, 64)
CLIPPING = {"off": "Off", "norm": "Per variable (clipnorm)", "global": "Whole gradient (global_clipnorm)"}
NUM_SAMPLES = 600
NOISE = 0.2


@dataclass(frozen=True)
class NetworkConfig(Settings):
    dataset: str = choice("moons", data.DATASETS)
    optimizers: tuple[str, ...] = subset(OPTIMIZERS, OPTIMIZERS)
    learning_rate: float = number(0.1, options=RACE_LEARNING_RATES)  # SGD, momentum, Nesterov
    adaptive_learning_rate: float = number(0.01, options=RACE_LEARNING_RATES)  # RMSProp, Adam, AdaGrad
    epochs: int = integer(30, 1, 100, cap="epochs")
    batch_size: int = integer(32, options=NETWORK_BATCH_SIZES)
    num_hidden_layers: int = integer(2, 1, 6, cap="depth")
    units: int = integer(16, options=NETWORK_UNITS, cap="width")
    clipping: str = choice("off", CLIPPING)
    clip_threshold: float = number(1.0, options=CLIP_THRESHOLDS)
    seed: int = integer(0, 0, 10_000)


@dataclass(frozen=True)
class NetworkResult:
    config: NetworkConfig
    epochs: dict  # optimizer name -> per-epoch DataFrame (train/val loss and accuracy, seconds)
    seconds: dict  # optimizer name -> wall time of its run
    divergence: dict  # optimizer name -> engine.Divergence or None


def clipped_optimizer(name: str, learning_rate: float, clipping: str, clip_threshold: float):
    """A Keras optimizer with no clipping, per-variable clipping (clipnorm) or whole-gradient clipping (global_clipnorm)."""
    if clipping == "global":
        return make_optimizer(name, learning_rate, global_clipnorm=float(clip_threshold))
    return make_optimizer(name, learning_rate, clipping=clipping, clip_threshold=clip_threshold)


def run_network(config: NetworkConfig = NetworkConfig(), progress=None) -> NetworkResult:
    """One training run per chosen optimizer, each from the same starting weights."""
    config.validate()
    split = data.load_dataset(config.dataset, NUM_SAMPLES, NOISE, config.seed)
    task = "binary" if split.num_classes == 2 else "multiclass"
    spec = MLPSpec(split.num_features, 1 if task == "binary" else split.num_classes, config.num_hidden_layers, config.units, "relu", "glorot", seed=config.seed)
    train_spec = engine.TrainSpec(epochs=config.epochs, batch_size=config.batch_size, seed=config.seed)
    epochs, seconds, divergence = {}, {}, {}
    for index, name in enumerate(config.optimizers):
        rate = config.adaptive_learning_rate if name in ADAPTIVE_OPTIMIZERS else config.learning_rate
        step = SupervisedStep(build_mlp(spec), clipped_optimizer(name, rate, config.clipping, config.clip_threshold), task)
        report = engine.sweep_progress(progress, index, len(config.optimizers), OPTIMIZER_LABELS[name])
        history = engine.fit(step, (split.x_train, split.y_train), (split.x_val, split.y_val), train_spec, report)
        epochs[name], seconds[name], divergence[name] = history.epochs, history.seconds, history.divergence
    return NetworkResult(config, epochs, seconds, divergence)


def network_notes(result: NetworkResult, labels: dict) -> tuple[str, str]:
    """The captions of part 4 (training loss, validation accuracy), computed from the runs."""
    tables = {name: table for name, table in result.epochs.items() if len(table) and result.divergence[name] is None}
    gone = [labels[name] for name in result.epochs if name not in tables]
    if not tables:
        return f"every optimizer diverged ({', '.join(gone)}): lower the learning rates.", ""
    early = min(5, min(len(t) for t in tables.values()))
    at_early = {name: float(t["train_loss"].iloc[early - 1]) for name, t in tables.items()}
    final_loss = {name: float(t["train_loss"].iloc[-1]) for name, t in tables.items()}
    final_accuracy = {name: float(t["val_accuracy"].iloc[-1]) for name, t in tables.items()}
    fastest, lowest = min(at_early, key=at_early.get), min(final_loss, key=final_loss.get)
    slowest = max(at_early, key=at_early.get)
    loss_note = (
        f"after {early} epoch{'s' if early > 1 else ''} **{labels[fastest]}** had the lowest training loss ({at_early[fastest]:.3g}) "
        f"and {labels[slowest]} the highest ({at_early[slowest]:.3g}); at the end **{labels[lowest]}** is lowest ({final_loss[lowest]:.3g})."
    )
    if gone:
        loss_note += f" Diverged: {', '.join(gone)}."
    best = max(final_accuracy, key=final_accuracy.get)
    tied = [labels[name] for name, value in final_accuracy.items() if value >= final_accuracy[best] - 1e-9]
    if lowest == best or labels[lowest] in tied:
        accuracy_note = f"the lowest training loss ({labels[lowest]}) also has the best final validation accuracy ({final_accuracy[best]:.3f}){' (tied with ' + ', '.join(t for t in tied if t != labels[lowest]) + ')' if len(tied) > 1 else ''}."
    else:
        accuracy_note = (
            f"the lowest training loss ({labels[lowest]}, validation accuracy {final_accuracy[lowest]:.3f}) does not give the best validation accuracy: "
            f"{', '.join(tied)} reach{'es' if len(tied) == 1 else ''} {final_accuracy[best]:.3f}. A faster-falling training loss is not a better model."
        )
    return loss_note, accuracy_note
