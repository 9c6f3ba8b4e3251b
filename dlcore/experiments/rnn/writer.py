"""Write like…: a character-level model trained live on a chosen text, sampled while it learns.

The model reads the text one character at a time and learns to predict the
next one. While it trains, the engine's snapshot hook takes the current
weights (as numpy arrays) and writes a short sample at the chosen temperature,
so the page can show gibberish turning into words. The result keeps the final
weights as plain arrays: the page writes more text, from any prompt and at
any temperature, with numpy alone (:func:`write`).

How good is it? Validation bits per character (bpc) against the unigram
baseline: the entropy of the text's own character frequencies, which is what
a model that knows only how often each character occurs would achieve.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from dlcore import texts
from dlcore.experiments.rnn.cells import CELLS, LEARNING_RATES, CharWeights, Generated, generate
from dlcore.experiments.rnn.charmodel import char_data, train_char_model
from dlcore.limits import Settings, choice, integer, number

CHARACTER_LIMITS = (10_000, 30_000, 100_000, 300_000, 1_000_000)  # how much of a long text a model learns from (its beginning)
TEMPERATURES = (0.1, 0.2, 0.3, 0.5, 0.7, 0.8, 1.0, 1.2, 1.5, 2.0)
SAMPLE_LENGTH = 240  # characters written for each sample during training
LIVE_SAMPLES = 12  # samples spread over a run (plus one before training)


@dataclass(frozen=True)
class WriterConfig(Settings):
    source: str = choice("pydoc", texts.SOURCES)
    characters: int = integer(100_000, options=CHARACTER_LIMITS)
    cell: str = choice("lstm", CELLS)
    num_layers: int = integer(1, 1, 3, cap="depth")
    units: int = integer(128, 8, 512, cap="width")
    sequence_length: int = integer(64, 8, 200)
    learning_rate: float = number(0.01, options=LEARNING_RATES)
    updates: int = integer(320, 20, 5000, step=20)
    temperature: float = number(0.7, options=TEMPERATURES)
    seed: int = integer(0, 0, 10_000)


@dataclass(frozen=True)
class WriterRun(Settings):
    """What the experiment trains: the settings and the text itself (uploads travel inside; results are keyed by the text's digest)."""

    LINKABLE = False  # built by the page from a linkable config plus the student's data; never parsed from a link

    settings: WriterConfig
    text: texts.Text

    def cross_checks(self) -> list[str]:
        return [*self.settings.problems(), *text_problems(self.settings.source, self.text)]


def text_problems(source: str, text: texts.Text) -> list[str]:
    if not isinstance(text, texts.Text):
        return ["no text to train on"]
    if text.source not in texts.SOURCES:
        return [f"unknown text source {text.source!r}"]
    if text.source != source and text.note is None:
        return [f"the text is {text.source!r} but the settings ask for {source!r}"]
    if text.characters < texts.MIN_UPLOAD_CHARACTERS:
        return [f"the text has {text.characters} characters; at least {texts.MIN_UPLOAD_CHARACTERS} are needed"]
    return []


@dataclass(frozen=True)
class Sample:
    epoch: int  # 0 = before training
    updates: int
    val_bits: float  # validation bits per character at that moment (NaN before training)
    text: str


@dataclass(frozen=True)
class WriterResult:
    config: WriterConfig
    text_label: str
    text_note: str | None
    characters: int  # length of the text trained on (its first `config.characters`)
    weights: CharWeights
    epochs: pd.DataFrame  # epoch, updates, train_bits, val_bits
    samples: tuple[Sample, ...]
    prompt: str  # where every sample starts: the beginning of the validation text
    unigram_bits: float
    divergence: str | None
    seconds: float

    @property
    def final_bits(self) -> float:
        return float(self.epochs["val_bits"].iloc[-1]) if len(self.epochs) else float("nan")

    @property
    def ratio_to_unigram(self) -> float:
        return self.final_bits / self.unigram_bits


def sample_prompt(validation_text: str) -> str:
    """The first words of a line of the validation text: the fixed start of every sample."""
    start = validation_text.find("\n", 0, 400) + 1
    while start < len(validation_text) and validation_text[start] in " \n":
        start += 1
    head = validation_text[start : start + 24]
    cut = head.rfind(" ")
    return head[: cut + 1] if cut > 4 else head[:12]


def write_like(run: WriterRun, progress=None) -> WriterResult:
    """Train the character model on the text, sampling as it goes."""
    run.validate()
    config = run.settings
    data = char_data(run.text.content[: config.characters], config.sequence_length)
    prompt = sample_prompt(data.val_text)
    samples: dict = {}

    def take_sample(weights: CharWeights):
        return generate(weights, prompt, SAMPLE_LENGTH, config.temperature, config.seed).text

    training = train_char_model(
        data, config.cell, config.num_layers, config.units, config.learning_rate, config.updates, config.seed,
        snapshot=take_sample, snapshots=LIVE_SAMPLES, progress=progress,
    )  # fmt: skip
    history = training.history
    per_epoch = history.steps_per_epoch
    epochs = pd.DataFrame(
        {
            "epoch": history.epochs["epoch"],
            "updates": history.epochs["epoch"] * per_epoch,
            "train_bits": history.epochs["train_loss"] / math.log(2),
            "val_bits": history.epochs["val_loss"] / math.log(2),
        }
    )
    val_by_epoch = dict(zip(epochs["epoch"], epochs["val_bits"]))
    samples = [Sample(0, 0, float("nan"), take_sample(training.initial_weights))]
    samples += [Sample(int(epoch), int(epoch) * per_epoch, float(val_by_epoch.get(epoch, np.nan)), text) for epoch, text in sorted(history.snapshots.items())]
    return WriterResult(
        config=config,
        text_label=run.text.label,
        text_note=run.text.note,
        characters=min(run.text.characters, config.characters),
        weights=training.weights,
        epochs=epochs,
        samples=tuple(samples),
        prompt=prompt,
        unigram_bits=data.unigram_bits,
        divergence=history.divergence.message() if history.divergence else None,
        seconds=history.seconds,
    )


def write(result: WriterResult, prompt: str, length: int, temperature: float, seed: int) -> Generated:
    """More text from the trained model (numpy only: instant, no training slot needed)."""
    return generate(result.weights, prompt, int(length), float(temperature), int(seed))


def live_sample(info) -> str | None:
    """The latest sample a running training sent with its progress."""
    return info.snapshot[1] if info.snapshot is not None else None


def verdict(result: WriterResult) -> str:
    """The "what to notice" line under the bits-per-character curve, from the run's own numbers."""
    gap = float(result.epochs["val_bits"].iloc[-1] - result.epochs["train_bits"].iloc[-1])
    if gap > 0.3:
        remark = "a gap this large means the model memorises this text rather than learning its patterns."
    else:
        remark = "no sign of memorising yet (try the Zen of Python: 19 lines are learned by heart)."
    return (
        f"after {int(result.epochs['updates'].iloc[-1]):,} updates the model needs {result.final_bits:.2f} bits per held-out character, "
        f"{result.ratio_to_unigram:.0%} of the {result.unigram_bits:.2f} bits of the unigram baseline. Validation is "
        f"{abs(gap):.2f} bits {'above' if gap > 0 else 'below'} training: {remark}"
    )
