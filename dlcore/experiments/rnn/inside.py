"""Inside the LSTM: its gates and cell state over real text, and units that track something visible.

A one-layer character LSTM is trained on the chosen text. Keras does not hand
out an LSTM's gates, so they are recomputed in numpy from the layer's own
weights (:mod:`.cells`; the tests check the hidden and cell states against the
Keras layer). For any passage the page shows the forget, input and output
gates and the cell state, one row per unit, one column per character.

Which units mean something? On a held-out stretch of the text every unit's
cell state is correlated with simple, visible properties of the text read so
far: the position in the line, being inside brackets, inside double quotes,
the position in the current word. The best unit for each is reported next to
the best unit of the same network *before* training, so a correlation that
chance alone would give is not mistaken for a discovery.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from dlcore import texts
from dlcore.experiments.rnn.cells import LEARNING_RATES, CharWeights, known_prompt, run_layer
from dlcore.experiments.rnn.charmodel import char_data, train_char_model
from dlcore.experiments.rnn.writer import CHARACTER_LIMITS, text_problems
from dlcore.limits import Settings, choice, integer, number

PROBE_CHARACTERS = 4000  # held-out characters the units are correlated on
PASSAGE_CHARACTERS = 72  # the default passage shown as heatmaps
MAX_PASSAGE = 160  # a typed passage is cut to this many characters
FEATURES = {
    "line_position": "position in the line",
    "in_brackets": "inside ( ), [ ] or { }",
    "in_quotes": "inside double quotes",
    "word_position": "position in the word",
}
GATES = ("forget", "input", "output", "cell")


@dataclass(frozen=True)
class InsideConfig(Settings):
    source: str = choice("stdlib", texts.SOURCES)
    characters: int = integer(100_000, options=CHARACTER_LIMITS)
    units: int = integer(64, 8, 256, cap="width")
    sequence_length: int = integer(64, 8, 200)
    learning_rate: float = number(0.01, options=LEARNING_RATES)
    updates: int = integer(320, 20, 5000, step=20)
    seed: int = integer(0, 0, 10_000)


@dataclass(frozen=True)
class InsideRun(Settings):

    LINKABLE = False  # built by the page from a linkable config plus the student's data; never parsed from a link
    settings: InsideConfig
    text: texts.Text

    def cross_checks(self) -> list[str]:
        return [*self.settings.problems(), *text_problems(self.settings.source, self.text)]


@dataclass(frozen=True)
class UnitTrack:
    feature: str  # a key of FEATURES
    unit: int
    correlation: float  # Pearson r of the unit's cell state with the feature (trained network)
    untrained_correlation: float  # the best |r| of any unit of the untrained network, with its sign
    present: bool  # False when the probe text never shows the feature (no quotes, say)

    @property
    def gain(self) -> float:
        """How much better the trained network's best unit tracks the feature than chance (the untrained network's best)."""
        return abs(self.correlation) - abs(self.untrained_correlation)


@dataclass(frozen=True)
class InsideResult:
    config: InsideConfig
    text_label: str
    text_note: str | None
    weights: CharWeights
    passage: str  # the default passage (held-out text)
    probe: str  # the held-out text the tracks were measured on
    tracks: tuple[UnitTrack, ...]
    val_bits: float
    unigram_bits: float
    divergence: str | None
    seconds: float


@dataclass(frozen=True)
class GateTrace:
    passage: str  # what the LSTM read (unknown characters removed)
    skipped: tuple[str, ...]
    gates: dict  # name in GATES (+ "hidden") -> (characters, units)


def features(text: str) -> dict[str, np.ndarray]:
    """Each feature's value after reading each character of `text`."""
    values = {name: np.zeros(len(text), np.float32) for name in FEATURES}
    column = depth = word = 0
    quoted = False
    for index, character in enumerate(text):
        if character == "\n":
            column, quoted = 0, False
        else:
            column += 1
        if character in "([{":
            depth += 1
        elif character in ")]}":
            depth = max(0, depth - 1)
        if character in '"“”':
            quoted = not quoted if character == '"' else character == "“"
        word = word + 1 if character.isalpha() else 0
        values["line_position"][index] = column
        values["in_brackets"][index] = float(depth > 0)
        values["in_quotes"][index] = float(quoted)
        values["word_position"][index] = word
    return values


def cell_states(weights: CharWeights, text: str) -> np.ndarray:
    codes = np.array([weights.vocabulary.index(c) for c in text], np.int64)
    _, _, gates = run_layer(weights.layers[0], weights.embedding[codes])
    return gates["cell"]


def correlations(states: np.ndarray, feature: np.ndarray) -> np.ndarray:
    """Pearson r of every unit's series with the feature (0 for a constant unit)."""
    centred = states - states.mean(axis=0)
    target = feature - feature.mean()
    scale = np.sqrt((centred**2).sum(axis=0) * (target**2).sum())
    return np.divide(centred.T @ target, scale, out=np.zeros(states.shape[1]), where=scale > 0)


def track_units(trained: CharWeights, untrained: CharWeights, probe: str) -> tuple[UnitTrack, ...]:
    trained_states, untrained_states = cell_states(trained, probe), cell_states(untrained, probe)
    tracks = []
    for name, feature in features(probe).items():
        present = float(feature.std()) > 0
        r = correlations(trained_states, feature) if present else np.zeros(trained_states.shape[1])
        r0 = correlations(untrained_states, feature) if present else np.zeros(untrained_states.shape[1])
        best, best0 = int(np.argmax(np.abs(r))), int(np.argmax(np.abs(r0)))
        tracks.append(UnitTrack(name, best, float(r[best]), float(r0[best0]), present))
    return tuple(sorted(tracks, key=lambda t: (not t.present, -t.gain)))  # the clearest finding first


def default_passage(validation_text: str) -> str:
    """A held-out passage, starting at a line where possible and preferring one with brackets or quotes."""
    lines = validation_text[: PROBE_CHARACTERS * 2].split("\n")
    position = 0
    for line in lines:
        if len(line) > 30 and any(c in line for c in '("['):
            return validation_text[position : position + PASSAGE_CHARACTERS]
        position += len(line) + 1
    return validation_text[:PASSAGE_CHARACTERS]


def inside_lstm(run: InsideRun, progress=None) -> InsideResult:
    """Train the one-layer LSTM, then find the units that track visible properties of held-out text."""
    run.validate()
    config = run.settings
    data = char_data(run.text.content[: config.characters], config.sequence_length)
    training = train_char_model(data, "lstm", 1, config.units, config.learning_rate, config.updates, config.seed, progress=progress)
    probe = data.val_text[:PROBE_CHARACTERS]
    history = training.history
    return InsideResult(
        config=config,
        text_label=run.text.label,
        text_note=run.text.note,
        weights=training.weights,
        passage=default_passage(data.val_text),
        probe=probe,
        tracks=track_units(training.weights, training.initial_weights, probe),
        val_bits=float(training.bits_per_character[-1]) if len(history.epochs) else float("nan"),
        unigram_bits=data.unigram_bits,
        divergence=history.divergence.message() if history.divergence else None,
        seconds=history.seconds,
    )


def gate_trace(weights: CharWeights, passage: str) -> GateTrace:
    """Gates, cell and hidden state of the first LSTM layer over a passage (numpy; characters it never saw are skipped)."""
    used, skipped = known_prompt(passage[:MAX_PASSAGE], weights.vocabulary)
    if not used:
        return GateTrace("", skipped, {name: np.zeros((0, weights.layers[0].units), np.float32) for name in (*GATES, "hidden")})
    codes = np.array([weights.vocabulary.index(c) for c in used], np.int64)
    hidden, _, gates = run_layer(weights.layers[0], weights.embedding[codes])
    return GateTrace(used, skipped, {**{name: gates[name] for name in GATES}, "hidden": hidden})


def unit_series(result: InsideResult, track: UnitTrack, characters: int = 400) -> tuple[str, np.ndarray, np.ndarray]:
    """(text, the unit's cell state, the feature) over the start of the probe text, for a line chart."""
    text = result.probe[:characters]
    states = cell_states(result.weights, text)[:, track.unit]
    return text, states, features(text)[track.feature]


def tracking_verdict(result: InsideResult) -> str:
    """The "what to notice" line of the unit search, each finding judged against the untrained network's best."""
    lines = []
    for track in (t for t in result.tracks if t.present):
        judged = "well above" if track.gain > 0.2 else ("above" if track.gain > 0.05 else "no better than")
        lines.append(f"{FEATURES[track.feature]}: unit {track.unit + 1}, r = {track.correlation:+.2f}, {judged} the untrained network's best ({abs(track.untrained_correlation):.2f})")
    return (
        "the search runs over every unit on held-out text; the grey bars are what the same search finds in the untrained network, "
        "i.e. by chance. " + "; ".join(lines) + "."
    )


def units_to_show(result: InsideResult, most: int = 32) -> list[int]:
    """The units the heatmaps show: those the search found first, then the others in order, at most `most`."""
    found = [t.unit for t in result.tracks if t.present]
    return list(dict.fromkeys(found + list(range(result.weights.layers[0].units))))[:most]
