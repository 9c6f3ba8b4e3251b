"""The three recurrent cells in numpy, from a trained Keras layer's own weights.

Keras' LSTM layer hands out only its hidden states, never its gates, so the
page recomputes every gate and the cell state here from the layer's kernel,
recurrent kernel and bias (the tests check the result against the Keras layer).
Results keep these plain arrays, never a model: a page generates text or
inspects gates with numpy alone, long after the Keras session is gone.

Keras 3 weight layouts (``x`` the input, ``h`` the previous hidden state):

- SimpleRNN: ``h = tanh(x·W + h·U + b)``;
- GRU (``reset_after=True``): W, U split into [update z, reset r, candidate], bias rows for x and h;
- LSTM: W, U, b split into [input i, forget f, candidate g, output o];
  ``c = f·c + i·tanh(g)``, ``h = o·tanh(c)``, sigmoid gates.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

CELLS = {"simple_rnn": "SimpleRNN", "gru": "GRU", "lstm": "LSTM"}
LEARNING_RATES = (0.0003, 0.001, 0.002, 0.003, 0.005, 0.01, 0.02, 0.03, 0.05, 0.1)  # Adam step sizes offered for recurrent models


@dataclass(frozen=True)
class LayerWeights:
    cell: str  # a key of CELLS
    kernel: np.ndarray  # (inputs, gates * units)
    recurrent: np.ndarray  # (units, gates * units)
    bias: np.ndarray  # (gates * units,), or (2, 3 * units) for a GRU

    @property
    def units(self) -> int:
        return self.recurrent.shape[0]


@dataclass(frozen=True)
class CharWeights:
    """A trained character model as plain arrays: embedding, recurrent layers, output layer."""

    vocabulary: str  # character i is class i
    embedding: np.ndarray  # (vocabulary, embedding size)
    layers: tuple[LayerWeights, ...]
    output_kernel: np.ndarray  # (units, vocabulary)
    output_bias: np.ndarray  # (vocabulary,)

    @property
    def parameters(self) -> int:
        arrays = [self.embedding, self.output_kernel, self.output_bias] + [a for layer in self.layers for a in (layer.kernel, layer.recurrent, layer.bias)]
        return int(sum(a.size for a in arrays))


def sigmoid(values: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + np.tanh(0.5 * values))  # the same function, without overflow for large |x|


def zero_state(layer: LayerWeights, batch: tuple = ()) -> tuple:
    zeros = np.zeros((*batch, layer.units), np.float32)
    return (zeros, zeros.copy()) if layer.cell == "lstm" else (zeros,)


def cell_step(layer: LayerWeights, x: np.ndarray, state: tuple) -> tuple[np.ndarray, tuple, dict]:
    """One time step: (new hidden state, new state tuple, the gates of this step by name)."""
    h = state[0]
    if layer.cell == "simple_rnn":
        new_h = np.tanh(x @ layer.kernel + h @ layer.recurrent + layer.bias)
        return new_h, (new_h,), {}
    if layer.cell == "gru":
        x_z, x_r, x_g = np.split(x @ layer.kernel + layer.bias[0], 3, axis=-1)
        h_z, h_r, h_g = np.split(h @ layer.recurrent + layer.bias[1], 3, axis=-1)
        update, reset = sigmoid(x_z + h_z), sigmoid(x_r + h_r)
        candidate = np.tanh(x_g + reset * h_g)
        new_h = update * h + (1.0 - update) * candidate
        return new_h, (new_h,), {"update": update, "reset": reset, "candidate": candidate}
    if layer.cell == "lstm":
        c = state[1]
        i, f, g, o = np.split(x @ layer.kernel + h @ layer.recurrent + layer.bias, 4, axis=-1)
        gates = {"input": sigmoid(i), "forget": sigmoid(f), "candidate": np.tanh(g), "output": sigmoid(o)}
        new_c = gates["forget"] * c + gates["input"] * gates["candidate"]
        new_h = gates["output"] * np.tanh(new_c)
        gates["cell"] = new_c
        return new_h, (new_h, new_c), gates
    raise ValueError(f"unknown cell {layer.cell!r}; choose from {tuple(CELLS)}")


def run_layer(layer: LayerWeights, inputs: np.ndarray, state: tuple | None = None) -> tuple[np.ndarray, tuple, dict]:
    """A layer over a sequence (time first: (steps, ...features)): hidden states (steps, ..., units), final state, gates stacked over time."""
    state = state if state is not None else zero_state(layer, inputs.shape[1:-1])
    hidden, traces = [], {}
    for x in inputs:
        h, state, gates = cell_step(layer, x, state)
        hidden.append(h)
        for name, value in gates.items():
            traces.setdefault(name, []).append(value)
    stacked = np.stack(hidden) if hidden else np.zeros((0, *inputs.shape[1:-1], layer.units), np.float32)
    return stacked, state, {name: np.stack(values) for name, values in traces.items()}


# ---------------------------------------------------------------- a character model in numpy


def logits_of(weights: CharWeights, codes: np.ndarray) -> np.ndarray:
    """Next-character logits (steps, vocabulary) after each character of `codes`, from the zero state."""
    values = weights.embedding[codes]
    for layer in weights.layers:
        values, _, _ = run_layer(layer, values)
    return values @ weights.output_kernel + weights.output_bias


def softmax(logits: np.ndarray) -> np.ndarray:
    shifted = logits - logits.max(axis=-1, keepdims=True)
    exp = np.exp(shifted)
    return exp / exp.sum(axis=-1, keepdims=True)


MIN_TEMPERATURE = 1e-3  # below this, sampling is the argmax (the limit of the softmax as T -> 0)


def sample_index(logits: np.ndarray, temperature: float, rng: np.random.Generator) -> int:
    """One class drawn from softmax(logits / temperature); the most likely class as the temperature goes to 0."""
    if temperature < MIN_TEMPERATURE:
        return int(np.argmax(logits))
    probabilities = softmax(np.asarray(logits, np.float64) / temperature)
    return int(min(np.searchsorted(np.cumsum(probabilities), rng.random() * probabilities.sum(), side="right"), len(probabilities) - 1))


@dataclass(frozen=True)
class Generated:
    prompt: str  # the prompt as the model read it (unknown characters removed)
    text: str  # what the model wrote after the prompt
    skipped: tuple[str, ...]  # characters of the prompt the model never saw, in order of appearance
    temperature: float


def known_prompt(prompt: str, vocabulary: str) -> tuple[str, tuple[str, ...]]:
    known = set(vocabulary)
    skipped = tuple(dict.fromkeys(character for character in prompt if character not in known))
    return "".join(character for character in prompt if character in known), skipped


def generate(weights: CharWeights, prompt: str, length: int, temperature: float, seed: int) -> Generated:
    """Read the prompt, then write `length` characters one at a time, each fed back as the next input."""
    used, skipped = known_prompt(prompt, weights.vocabulary)
    rng = np.random.default_rng(seed)
    index = {character: i for i, character in enumerate(weights.vocabulary)}
    states = [zero_state(layer) for layer in weights.layers]

    def advance(code: int) -> np.ndarray:
        values = weights.embedding[code]
        for position, layer in enumerate(weights.layers):
            values, states[position], _ = cell_step(layer, values, states[position])
        return values @ weights.output_kernel + weights.output_bias

    logits = weights.output_bias.copy()  # an empty prompt: start from the output layer's bias (the unigram guess)
    for character in used:
        logits = advance(index[character])
    written = []
    for _ in range(length):
        code = sample_index(logits, temperature, rng)
        written.append(weights.vocabulary[code])
        logits = advance(code)
    return Generated(used, "".join(written), skipped, temperature)


# ---------------------------------------------------------------- from a Keras model


def layer_weights(layer, cell: str) -> LayerWeights:
    """The numpy weights of a Keras SimpleRNN, GRU or LSTM layer (Keras 3 names its cell's weights)."""
    by_name = {variable.path.rsplit("/", 1)[-1]: np.asarray(variable.numpy(), np.float32) for variable in layer.weights}
    return LayerWeights(cell, by_name["kernel"], by_name["recurrent_kernel"], by_name["bias"])


def char_weights(model, cell: str, vocabulary: str) -> CharWeights:
    """A Keras character model built by :func:`dlcore.experiments.rnn.charmodel.build_char_model` as plain arrays."""
    recurrent = [layer for layer in model.layers if layer.name.startswith("recurrent_")]
    output = model.get_layer("next_character")
    kernel, bias = (np.asarray(w, np.float32) for w in output.get_weights())
    return CharWeights(
        vocabulary,
        np.asarray(model.get_layer("embedding").get_weights()[0], np.float32),
        tuple(layer_weights(layer, cell) for layer in recurrent),
        kernel,
        bias,
    )
