"""The network of the step-through: two inputs, two or three sigmoid hidden units, one sigmoid output.

The inputs x₁, x₂ feed hidden units h_j; the hidden units feed one sigmoid
output ŷ; the loss is the squared error L = ½(ŷ − t)² for a target t. Every
number is a setting: the inputs, the target and every weight and bias. Here
are those settings with their bounds, the forward pass in float64 by hand,
the same network in Keras, and the weights table the page edits.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from dlcore.limits import Settings, integer, number

HIDDEN_UNIT_CHOICES = (2, 3)
WEIGHT_LIMIT = 10.0  # every weight and bias lies in [-10, 10]
INPUT_LIMIT = 5.0  # inputs lie in [-5, 5]
LEARNING_RATES = (0.01, 0.1, 0.5, 1.0, 2.0, 5.0, 10.0)  # of the one gradient-descent update
FINITE_DIFFERENCE_STEPS = tuple(float(f"1e-{k}") for k in range(13))  # h = 1, 0.1, ..., 1e-12
WEIGHT_COLUMNS = ("from x₁", "from x₂", "bias", "to output")  # one table row per hidden unit


def hidden_parameter_names(unit: int) -> tuple[str, str, str, str]:
    """Field names of hidden unit `unit` (1-based), in WEIGHT_COLUMNS order."""
    return (f"w1{unit}", f"w2{unit}", f"b{unit}", f"v{unit}")


def weight(default: float):
    """A weight or bias: a number in [-WEIGHT_LIMIT, WEIGHT_LIMIT]."""
    return number(default, -WEIGHT_LIMIT, WEIGHT_LIMIT, step=0.1)


def entry(default: float):
    """An input: a number in [-INPUT_LIMIT, INPUT_LIMIT]."""
    return number(default, -INPUT_LIMIT, INPUT_LIMIT, step=0.1)


@dataclass(frozen=True)
class Config(Settings):
    x1: float = entry(1.0)
    x2: float = entry(0.5)
    target: float = number(0.9, 0.0, 1.0, step=0.05)  # the output is a sigmoid: a target outside [0, 1] is out of reach
    hidden_units: int = integer(2, options=HIDDEN_UNIT_CHOICES)
    # w_ij: from input i to hidden unit j; b_j: bias of hidden unit j; v_j: from hidden unit j to the output; c: output bias
    w11: float = weight(0.5)
    w21: float = weight(-0.4)
    b1: float = weight(0.1)
    v1: float = weight(0.7)
    w12: float = weight(-0.3)
    w22: float = weight(0.8)
    b2: float = weight(0.2)
    v2: float = weight(-0.5)
    w13: float = weight(0.2)
    w23: float = weight(-0.6)
    b3: float = weight(-0.1)
    v3: float = weight(0.3)
    c: float = weight(0.1)
    learning_rate: float = number(0.5, options=LEARNING_RATES)
    finite_difference_step: float = number(1e-5, options=FINITE_DIFFERENCE_STEPS)

    @property
    def parameter_names(self) -> tuple[str, ...]:
        names = [name for unit in range(1, self.hidden_units + 1) for name in hidden_parameter_names(unit)]
        return tuple(names) + ("c",)

    @property
    def parameters(self) -> dict[str, float]:
        return {name: float(getattr(self, name)) for name in self.parameter_names}


# ---- the weights table the page edits ----


def weights_table(config: Config) -> pd.DataFrame:
    """One row per hidden unit: its two incoming weights, its bias, its weight to the output."""
    rows = [[getattr(config, name) for name in hidden_parameter_names(unit)] for unit in range(1, config.hidden_units + 1)]
    return pd.DataFrame(rows, columns=list(WEIGHT_COLUMNS), index=[f"h{unit}" for unit in range(1, config.hidden_units + 1)], dtype=float)


def parameters_from_table(table: pd.DataFrame) -> dict[str, float]:
    """Read an edited weights table back into config fields; ValueError says exactly what is wrong."""
    missing = [column for column in WEIGHT_COLUMNS if column not in table.columns]
    if missing or len(table) not in HIDDEN_UNIT_CHOICES:
        raise ValueError(f"the table needs the columns {', '.join(WEIGHT_COLUMNS)} and {' or '.join(map(str, HIDDEN_UNIT_CHOICES))} rows")
    values, problems = {}, []
    for unit, (_, row) in enumerate(table.iterrows(), start=1):
        for column, name in zip(WEIGHT_COLUMNS, hidden_parameter_names(unit)):
            value = pd.to_numeric(pd.Series([row[column]]), errors="coerce").iloc[0]
            if pd.isna(value) or not math.isfinite(float(value)):
                problems.append(f"h{unit} '{column}' is {row[column]!r}, not a number")
            elif abs(float(value)) > WEIGHT_LIMIT:
                problems.append(f"h{unit} '{column}' = {float(value):g} is outside [-{WEIGHT_LIMIT:g}, {WEIGHT_LIMIT:g}]")
            else:
                values[name] = float(value)
    if problems:
        raise ValueError("; ".join(problems))
    return values



def sigmoid(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-z)) if z >= 0 else math.exp(z) / (1.0 + math.exp(z))


def forward_values(config: Config, parameters: dict[str, float] | None = None) -> dict[str, float]:
    """Every node value of the forward pass in float64 (the hand computation)."""
    p = config.parameters if parameters is None else parameters
    values = {"x1": config.x1, "x2": config.x2}
    z_out = p["c"]
    for j in range(1, config.hidden_units + 1):
        values[f"z{j}"] = p[f"w1{j}"] * config.x1 + p[f"w2{j}"] * config.x2 + p[f"b{j}"]
        values[f"h{j}"] = sigmoid(values[f"z{j}"])
        z_out += p[f"v{j}"] * values[f"h{j}"]
    values["z_out"] = z_out
    values["y_hat"] = sigmoid(z_out)
    values["loss"] = 0.5 * (values["y_hat"] - config.target) ** 2
    return values


def keras_network(config: Config):
    """The same network in Keras, float64, with the config's weights."""
    import keras
    from keras import layers

    H = config.hidden_units
    inputs = keras.Input(shape=(2,), dtype="float64", name="inputs")
    hidden = layers.Dense(H, activation="sigmoid", dtype="float64", kernel_initializer="zeros", name="hidden")(inputs)
    output = layers.Dense(1, activation="sigmoid", dtype="float64", kernel_initializer="zeros", name="output")(hidden)
    model = keras.Model(inputs, output, name="backprop_network")
    p = config.parameters
    kernel = np.array([[p[f"w{i}{j}"] for j in range(1, H + 1)] for i in (1, 2)])
    model.get_layer("hidden").set_weights([kernel, np.array([p[f"b{j}"] for j in range(1, H + 1)])])
    model.get_layer("output").set_weights([np.array([[p[f"v{j}"]] for j in range(1, H + 1)]), np.array([p["c"]])])
    return model


PRESETS = {
    "Defaults": {},
    "Saturated units": dict(w11=6.0, w21=5.0, b1=2.0, w12=-6.0, w22=-5.0, b2=-2.0, w13=7.0, w23=4.0, b3=1.0),
    "Output on target": dict(target=round(forward_values(Config())["y_hat"], 4)),
    "Input x₂ = 0": dict(x2=0.0),
}
# What each preset shows (the button's tooltip); tests/test_lessons_backpropagation.py checks each against its run.
PRESET_LESSONS = {
    "Defaults": "The starting network: every setting back to its default, hidden units and learning rate included.",
    "Saturated units": "Large weights push every hidden unit onto a flat end of its sigmoid: the weights into them get almost no gradient.",
    "Output on target": "The target equals the output: the loss and every gradient are almost zero, so one update changes almost nothing.",
    "Input x₂ = 0": "A weight's gradient is the gradient at the node it feeds times the value on its edge: the weights from x₂ = 0 get exactly zero.",
}


def preset_values(name: str) -> dict:
    """Every field of the preset `name`: the defaults (hidden units, learning rate and h included), then the preset's changes."""
    defaults = {field.name: getattr(Config(), field.name) for field in dataclasses.fields(Config)}
    return {**defaults, **PRESETS[name]}
