"""Backpropagation by hand on a network small enough to read, with every number checked.

The network: two inputs x₁, x₂, two or three sigmoid hidden units h_j, one
sigmoid output ŷ and the squared-error loss L = ½(ŷ − t)² for a target t.
The forward pass computes each node from the nodes before it. The backward
pass walks the other way: at each node the gradient that arrived from the loss
is multiplied by the node's own local derivative (the chain rule), and the
gradient of a weight is the gradient at the node it feeds times the value
flowing along its edge.

Every gradient of the step-through is then checked against ``tf.GradientTape``
on the same network built in Keras (float64) and against central finite
differences, and one gradient-descent update is applied with Keras' SGD.

A second experiment (:class:`GradientCheckConfig`) checks a bigger MLP layer
by layer: the engine's compiled update, ``tf.GradientTape`` and finite
differences on a sample of weights, each timed.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, fields

import numpy as np
import pandas as pd
import scipy.special

from dlcore import data, engine
from dlcore.choices import ACTIVATIONS, INITIALIZER_LABELS, make_optimizer
from dlcore.device import tf
from dlcore.limits import require
from dlcore.models import MLPSpec, build_mlp

PAGE = "pages/backpropagation.py"
HIDDEN_UNIT_CHOICES = (2, 3)
WEIGHT_LIMIT = 10.0  # every weight and bias lies in [-10, 10]
INPUT_LIMIT = 5.0  # inputs lie in [-5, 5]
FINITE_DIFFERENCE_STEPS = tuple(float(f"1e-{k}") for k in range(13))  # h = 1, 0.1, ..., 1e-12
RELATIVE_ERROR_FLOOR = 1e-8  # relative error = |a - b| / max(|a|, |b|, floor): two zeros agree
WEIGHT_COLUMNS = ("from x₁", "from x₂", "bias", "to output")  # one table row per hidden unit


def hidden_parameter_names(unit: int) -> tuple[str, str, str, str]:
    """Field names of hidden unit `unit` (1-based), in WEIGHT_COLUMNS order."""
    return (f"w1{unit}", f"w2{unit}", f"b{unit}", f"v{unit}")


@dataclass(frozen=True)
class Config:
    x1: float = 1.0
    x2: float = 0.5
    target: float = 0.9
    hidden_units: int = 2
    # w_ij: from input i to hidden unit j; b_j: bias of hidden unit j; v_j: from hidden unit j to the output; c: output bias
    w11: float = 0.5
    w21: float = -0.4
    b1: float = 0.1
    v1: float = 0.7
    w12: float = -0.3
    w22: float = 0.8
    b2: float = 0.2
    v2: float = -0.5
    w13: float = 0.2
    w23: float = -0.6
    b3: float = -0.1
    v3: float = 0.3
    c: float = 0.1
    learning_rate: float = 0.5
    finite_difference_step: float = 1e-5

    @property
    def parameter_names(self) -> tuple[str, ...]:
        names = [name for unit in range(1, self.hidden_units + 1) for name in hidden_parameter_names(unit)]
        return tuple(names) + ("c",)

    @property
    def parameters(self) -> dict[str, float]:
        return {name: float(getattr(self, name)) for name in self.parameter_names}

    def validate(self) -> Config:
        numbers = {f.name: getattr(self, f.name) for f in fields(self)}
        bad = [name for name, value in numbers.items() if not isinstance(value, (int, float)) or not math.isfinite(value)]
        if bad:
            raise ValueError(f"{', '.join(bad)} must be finite numbers")
        if self.hidden_units not in HIDDEN_UNIT_CHOICES:
            raise ValueError(f"hidden_units must be one of {HIDDEN_UNIT_CHOICES}")
        checks = [
            (abs(self.x1) <= INPUT_LIMIT and abs(self.x2) <= INPUT_LIMIT, f"inputs must lie in [-{INPUT_LIMIT:g}, {INPUT_LIMIT:g}]"),
            (0.0 <= self.target <= 1.0, "the target must lie in [0, 1] (the output is a sigmoid)"),
            (0 < self.learning_rate <= 10, "learning_rate must be in (0, 10]"),
            (1e-12 <= self.finite_difference_step <= 1, "finite_difference_step must be in [1e-12, 1]"),
        ]
        out_of_range = [name for name in self.parameter_names if abs(getattr(self, name)) > WEIGHT_LIMIT]
        checks.append((not out_of_range, f"weights must lie in [-{WEIGHT_LIMIT:g}, {WEIGHT_LIMIT:g}]; out of range: {', '.join(out_of_range)}"))
        require(checks)
        return self


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


# ---- the step-through, as plain data ----


@dataclass(frozen=True)
class Equation:
    role: str  # "given", "value", "local derivative", "chain rule" or "gradient"
    symbol: str  # LaTeX of the quantity, e.g. \frac{\partial L}{\partial z_o}
    formula: str  # LaTeX in symbols ("" when the quantity is given)
    substituted: str  # the formula with the numbers put in ("" when given)
    value: float
    quantity: str  # key of the quantity: "h1", "dL/dz1", "dL/dw21", ...

    @property
    def latex(self) -> str:
        """One line: symbol = formula = numbers = value."""
        parts = [self.symbol] + [part for part in (self.formula, self.substituted) if part] + [latex_number(self.value)]
        return " = ".join(parts)

    @property
    def latex_lines(self) -> str:
        """The same on two aligned lines (symbols, then numbers), for a narrow column."""
        if not self.formula:
            return self.latex
        numbers = " = ".join([part for part in (self.substituted,) if part] + [latex_number(self.value)])
        return rf"\begin{{aligned}} {self.symbol} &= {self.formula} \\ &= {numbers} \end{{aligned}}"


@dataclass(frozen=True)
class Step:
    phase: str  # "forward" or "backward"
    title: str
    explanation: str
    nodes: tuple[str, ...]  # highlighted nodes: "x1", "x2", "h1".., "out", "loss"
    edges: tuple[tuple[str, str], ...]  # highlighted edges (source, target)
    equations: tuple[Equation, ...]


def latex_number(value: float) -> str:
    """Four significant digits; powers of ten written the LaTeX way."""
    if value == 0:
        return "0"
    text = f"{value:.4g}"
    if "e" in text:
        mantissa, exponent = text.split("e")
        return rf"{mantissa} \times 10^{{{int(exponent)}}}"
    return text


def _factor(value: float) -> str:
    """A number as one factor of a product: negatives and powers of ten in brackets."""
    text = latex_number(value)
    return f"({text})" if value < 0 or "times" in text else text


def _partial(of: str, by: str) -> str:
    return rf"\frac{{\partial {of}}}{{\partial {by}}}"


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


def _forward_steps(config: Config, v: dict[str, float]) -> list[Step]:
    p, H = config.parameters, config.hidden_units
    steps = [
        Step(
            "forward",
            "Forward 1: the inputs",
            "The inputs and the target are given; nothing is computed yet.",
            ("x1", "x2"),
            (),
            (
                Equation("given", "x_1", "", "", config.x1, "x1"),
                Equation("given", "x_2", "", "", config.x2, "x2"),
                Equation("given", "t", "", "", config.target, "target"),
            ),
        )
    ]
    for j in range(1, H + 1):
        w1, w2, b = p[f"w1{j}"], p[f"w2{j}"], p[f"b{j}"]
        steps.append(
            Step(
                "forward",
                f"Forward {len(steps) + 1}: hidden unit h{j}",
                f"Hidden unit h{j} adds up its weighted inputs and its bias (z{j}), then squashes the sum with the sigmoid.",
                (f"h{j}",),
                (("x1", f"h{j}"), ("x2", f"h{j}")),
                (
                    Equation("value", f"z_{j}", rf"w_{{1{j}}} x_1 + w_{{2{j}}} x_2 + b_{j}", rf"{_factor(w1)} \cdot {_factor(config.x1)} + {_factor(w2)} \cdot {_factor(config.x2)} + {_factor(b)}", v[f"z{j}"], f"z{j}"),
                    Equation("value", f"h_{j}", rf"\sigma(z_{j}) = \frac{{1}}{{1 + e^{{-z_{j}}}}}", rf"\frac{{1}}{{1 + e^{{-{_factor(v[f'z{j}'])}}}}}", v[f"h{j}"], f"h{j}"),
                ),
            )
        )
    sum_symbols = " + ".join(f"v_{j} h_{j}" for j in range(1, H + 1)) + " + c"
    sum_numbers = " + ".join(rf"{_factor(p[f'v{j}'])} \cdot {_factor(v[f'h{j}'])}" for j in range(1, H + 1)) + f" + {_factor(p['c'])}"
    steps.append(
        Step(
            "forward",
            f"Forward {len(steps) + 1}: the output",
            "The output unit does the same with the hidden values: a weighted sum plus its bias, then the sigmoid.",
            ("out",),
            tuple((f"h{j}", "out") for j in range(1, H + 1)),
            (
                Equation("value", "z_o", sum_symbols, sum_numbers, v["z_out"], "z_out"),
                Equation("value", r"\hat{y}", r"\sigma(z_o)", rf"\frac{{1}}{{1 + e^{{-{_factor(v['z_out'])}}}}}", v["y_hat"], "y_hat"),
            ),
        )
    )
    steps.append(
        Step(
            "forward",
            f"Forward {len(steps) + 1}: the loss",
            "The loss measures how far the output is from the target.",
            ("loss",),
            (("out", "loss"),),
            (Equation("value", "L", r"\tfrac{1}{2}(\hat{y} - t)^2", rf"\tfrac{{1}}{{2}}({_factor(v['y_hat'])} - {_factor(config.target)})^2", v["loss"], "loss"),),
        )
    )
    return steps


def _backward_steps(config: Config, v: dict[str, float]) -> tuple[list[Step], dict[str, float]]:
    """The backward pass node by node; returns the steps and every gradient by quantity key."""
    H, g = config.hidden_units, {}
    g["dL/dy_hat"] = v["y_hat"] - config.target
    steps = [
        Step(
            "backward",
            "Backward 1: the loss",
            "The backward pass starts at the loss: how much does L change when the output changes?",
            ("loss",),
            (("out", "loss"),),
            (Equation("local derivative", _partial("L", r"\hat{y}"), r"\hat{y} - t", rf"{_factor(v['y_hat'])} - {_factor(config.target)}", g["dL/dy_hat"], "dL/dy_hat"),),
        )
    ]
    slope_out = v["y_hat"] * (1 - v["y_hat"])
    dl_dy, dy_dz = _partial("L", r"\hat{y}"), _partial(r"\hat{y}", "z_o")
    g["dL/dz_out"] = g["dL/dy_hat"] * slope_out
    equations = [
        Equation("local derivative", _partial(r"\hat{y}", "z_o"), r"\sigma'(z_o) = \hat{y}\,(1 - \hat{y})", rf"{_factor(v['y_hat'])} \cdot (1 - {_factor(v['y_hat'])})", slope_out, "dy_hat/dz_out"),
        Equation("chain rule", _partial("L", "z_o"), rf"{dl_dy} \cdot {dy_dz}", rf"{_factor(g['dL/dy_hat'])} \cdot {_factor(slope_out)}", g["dL/dz_out"], "dL/dz_out"),
    ]
    for j in range(1, H + 1):
        g[f"dL/dv{j}"] = g["dL/dz_out"] * v[f"h{j}"]
        equations.append(Equation("gradient", _partial("L", f"v_{j}"), rf"{_partial('L', 'z_o')} \cdot h_{j}", rf"{_factor(g['dL/dz_out'])} \cdot {_factor(v[f'h{j}'])}", g[f"dL/dv{j}"], f"dL/dv{j}"))
    g["dL/dc"] = g["dL/dz_out"]
    equations.append(Equation("gradient", _partial("L", "c"), rf"{_partial('L', 'z_o')} \cdot 1", rf"{_factor(g['dL/dz_out'])} \cdot 1", g["dL/dc"], "dL/dc"))
    steps.append(
        Step(
            "backward",
            "Backward 2: the output unit",
            "Multiply the incoming gradient by the sigmoid's slope at the output; each weight into the output gets that times the value on its edge.",
            ("out",),
            tuple((f"h{j}", "out") for j in range(1, H + 1)),
            tuple(equations),
        )
    )
    for j in range(1, H + 1):
        steps.append(_hidden_backward_step(config, v, g, j, len(steps) + 1))
    return steps, g


def _hidden_backward_step(config: Config, v: dict[str, float], g: dict[str, float], j: int, number: int) -> Step:
    p = config.parameters
    g[f"dL/dh{j}"] = g["dL/dz_out"] * p[f"v{j}"]
    slope = v[f"h{j}"] * (1 - v[f"h{j}"])
    g[f"dL/dz{j}"] = g[f"dL/dh{j}"] * slope
    g[f"dL/dw1{j}"] = g[f"dL/dz{j}"] * config.x1
    g[f"dL/dw2{j}"] = g[f"dL/dz{j}"] * config.x2
    g[f"dL/db{j}"] = g[f"dL/dz{j}"]
    dz = _partial("L", f"z_{j}")
    equations = (
        Equation("local derivative", _partial("z_o", f"h_{j}"), f"v_{j}", "", p[f"v{j}"], f"dz_out/dh{j}"),
        Equation("chain rule", _partial("L", f"h_{j}"), rf"{_partial('L', 'z_o')} \cdot v_{j}", rf"{_factor(g['dL/dz_out'])} \cdot {_factor(p[f'v{j}'])}", g[f"dL/dh{j}"], f"dL/dh{j}"),
        Equation("local derivative", _partial(f"h_{j}", f"z_{j}"), rf"h_{j}\,(1 - h_{j})", rf"{_factor(v[f'h{j}'])} \cdot (1 - {_factor(v[f'h{j}'])})", slope, f"dh{j}/dz{j}"),
        Equation("chain rule", dz, rf"{_partial('L', f'h_{j}')} \cdot {_partial(f'h_{j}', f'z_{j}')}", rf"{_factor(g[f'dL/dh{j}'])} \cdot {_factor(slope)}", g[f"dL/dz{j}"], f"dL/dz{j}"),
        Equation("gradient", _partial("L", f"w_{{1{j}}}"), rf"{dz} \cdot x_1", rf"{_factor(g[f'dL/dz{j}'])} \cdot {_factor(config.x1)}", g[f"dL/dw1{j}"], f"dL/dw1{j}"),
        Equation("gradient", _partial("L", f"w_{{2{j}}}"), rf"{dz} \cdot x_2", rf"{_factor(g[f'dL/dz{j}'])} \cdot {_factor(config.x2)}", g[f"dL/dw2{j}"], f"dL/dw2{j}"),
        Equation("gradient", _partial("L", f"b_{j}"), rf"{dz} \cdot 1", rf"{_factor(g[f'dL/dz{j}'])} \cdot 1", g[f"dL/db{j}"], f"dL/db{j}"),
    )
    return Step(
        "backward",
        f"Backward {number}: hidden unit h{j}",
        f"The gradient reaches h{j} along its weight v{j}; multiply by the sigmoid's slope at h{j}, then hand it to the two weights and the bias that feed h{j}.",
        (f"h{j}",),
        (("x1", f"h{j}"), ("x2", f"h{j}"), (f"h{j}", "out")),
        equations,
    )


# ---- the machine's check ----


def relative_error(a, b):
    """|a - b| / max(|a|, |b|, 1e-8), elementwise."""
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    return np.abs(a - b) / np.maximum(np.maximum(np.abs(a), np.abs(b)), RELATIVE_ERROR_FLOOR)


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


def _variable_slots(config: Config) -> dict[str, tuple[int, tuple[int, ...]]]:
    """parameter name -> (index into model.trainable_variables, position inside that variable)."""
    slots = {}
    for j in range(1, config.hidden_units + 1):
        slots[f"w1{j}"], slots[f"w2{j}"], slots[f"b{j}"] = (0, (0, j - 1)), (0, (1, j - 1)), (1, (j - 1,))
        slots[f"v{j}"] = (2, (j - 1, 0))
    slots["c"] = (3, (0,))
    return slots


def _keras_loss(model, inputs, target):
    return 0.5 * tf.square(model(inputs, training=False)[0, 0] - target)


def _tape_gradients(model, inputs, target):
    with tf.GradientTape() as tape:
        loss = _keras_loss(model, inputs, target)
    return loss, tape.gradient(loss, model.trainable_variables)


def _finite_differences(model, inputs, target, slots, step: float) -> dict[str, float]:
    """Central differences (L(θ + h) - L(θ - h)) / 2h, one parameter at a time, on the Keras model."""
    estimates = {}
    for name, (index, position) in slots.items():
        variable = model.trainable_variables[index]
        original = variable.numpy()
        losses = []
        for sign in (1.0, -1.0):
            moved = original.copy()
            moved[position] += sign * step
            variable.assign(moved)
            losses.append(float(_keras_loss(model, inputs, target)))
        variable.assign(original)
        estimates[name] = (losses[0] - losses[1]) / (2 * step)
    return estimates


def finite_difference_sweep(config: Config, exact: dict[str, float], steps=FINITE_DIFFERENCE_STEPS) -> pd.DataFrame:
    """Largest relative error of central differences (float64, by hand) against the exact gradients, for each step h."""
    rows = []
    for h in steps:
        errors = []
        for name in config.parameter_names:
            up, down = dict(config.parameters), dict(config.parameters)
            up[name] += h
            down[name] -= h
            estimate = (forward_values(config, up)["loss"] - forward_values(config, down)["loss"]) / (2 * h)
            errors.append(float(relative_error(estimate, exact[name])))
        rows.append(dict(step=float(h), max_relative_error=max(errors), median_relative_error=float(np.median(errors))))
    return pd.DataFrame(rows)


@dataclass(frozen=True)
class Result:
    config: Config
    steps: tuple[Step, ...]
    values: dict  # every node value and every gradient of the step-through, by quantity key
    gradients: pd.DataFrame  # parameter, by_hand, gradient_tape, finite_difference, and relative errors
    update: pd.DataFrame  # parameter, before, gradient, change, after_keras_sgd, after_by_hand
    loss_before: float
    loss_after: float
    output_before: float
    output_after: float
    sweep: pd.DataFrame  # finite-difference step h -> relative error

    @property
    def num_steps(self) -> int:
        return len(self.steps)

    def known_at(self, step_index: int) -> dict[str, float]:
        """Every quantity computed in steps 0..step_index (0-based)."""
        known = {}
        for step in self.steps[: step_index + 1]:
            known.update({equation.quantity: equation.value for equation in step.equations})
        return known


def run(config, progress=None):
    """The step-through for a Config; the layer-by-layer check for a GradientCheckConfig."""
    if isinstance(config, GradientCheckConfig):
        return check_bigger_network(config, progress)
    config.validate()
    values = forward_values(config)
    backward, gradients = _backward_steps(config, values)
    steps = tuple(_forward_steps(config, values) + backward)
    by_hand = {name: gradients[f"dL/d{name}"] for name in config.parameter_names}

    model = keras_network(config)
    inputs = tf.constant([[config.x1, config.x2]], dtype=tf.float64)
    target = tf.constant(config.target, dtype=tf.float64)
    slots = _variable_slots(config)
    loss, tape_gradients = _tape_gradients(model, inputs, target)
    tape = {name: float(tape_gradients[index].numpy()[position]) for name, (index, position) in slots.items()}
    finite = _finite_differences(model, inputs, target, slots, config.finite_difference_step)
    table = pd.DataFrame(
        dict(
            parameter=list(config.parameter_names),
            by_hand=[by_hand[n] for n in config.parameter_names],
            gradient_tape=[tape[n] for n in config.parameter_names],
            finite_difference=[finite[n] for n in config.parameter_names],
        )
    )
    table["relative_error_tape"] = relative_error(table["gradient_tape"], table["by_hand"])
    table["relative_error_finite_difference"] = relative_error(table["finite_difference"], table["by_hand"])

    update, loss_after, output_after = _one_update(config, model, tape_gradients, slots, by_hand, inputs, target)
    return Result(
        config=config,
        steps=steps,
        values={**values, **gradients},
        gradients=table,
        update=update,
        loss_before=float(loss),
        loss_after=loss_after,
        output_before=values["y_hat"],
        output_after=output_after,
        sweep=finite_difference_sweep(config, by_hand),
    )


def _one_update(config, model, tape_gradients, slots, by_hand, inputs, target):
    """One plain gradient-descent step with Keras' SGD, next to the same step by hand: θ ← θ − η·∂L/∂θ."""
    import keras

    before = {name: getattr(config, name) for name in config.parameter_names}
    optimizer = keras.optimizers.SGD(learning_rate=config.learning_rate)
    optimizer.apply_gradients(zip(tape_gradients, model.trainable_variables))
    after = {name: float(model.trainable_variables[index].numpy()[position]) for name, (index, position) in slots.items()}
    names = list(config.parameter_names)
    table = pd.DataFrame(
        dict(
            parameter=names,
            before=[before[n] for n in names],
            gradient=[by_hand[n] for n in names],
            change=[-config.learning_rate * by_hand[n] for n in names],
            after_by_hand=[before[n] - config.learning_rate * by_hand[n] for n in names],
            after_keras_sgd=[after[n] for n in names],
        )
    )
    loss_after = float(_keras_loss(model, inputs, target))
    return table, loss_after, float(model(inputs, training=False)[0, 0])


def first_figure(config: Config = Config()):
    """The page's first figure (the network at step 1) needs the whole step-through and its checks."""
    return run(config)


PRESETS = {
    "Defaults": {},
    "Saturated hidden units (large weights)": dict(w11=6.0, w21=5.0, b1=2.0, w12=-6.0, w22=-5.0, b2=-2.0, w13=7.0, w23=4.0, b3=1.0),
    "Output already on target": dict(target=round(forward_values(Config())["y_hat"], 4)),
    "Input x₂ = 0: its weights get no gradient": dict(x2=0.0),
}


# ---- bigger networks: a per-layer gradient check ----

ENGINE_READOUT_LEARNING_RATE = 1000.0  # big enough that the weight change, η·g, stands far above float32 rounding
CHECK_FINITE_DIFFERENCE_STEP = 1e-6  # central differences in float64


@dataclass(frozen=True)
class GradientCheckConfig:
    num_hidden_layers: int = 4
    units: int = 16
    activation: str = "tanh"
    initializer: str = "glorot"
    num_samples: int = 200
    weights_per_layer: int = 5
    seed: int = 0

    def validate(self) -> GradientCheckConfig:
        checks = [
            (1 <= self.num_hidden_layers <= 10, "num_hidden_layers must be 1..10"),
            (2 <= self.units <= 64, "units must be 2..64"),
            (self.activation in ACTIVATIONS, f"activation must be one of {tuple(ACTIVATIONS)}"),
            (self.initializer in INITIALIZER_LABELS, f"initializer must be one of {tuple(INITIALIZER_LABELS)}"),
            (20 <= self.num_samples <= 2000, "num_samples must be 20..2000"),
            (1 <= self.weights_per_layer <= 50, "weights_per_layer must be 1..50"),
        ]
        require(checks)
        return self


@dataclass(frozen=True)
class CheckProgress:
    fraction: float
    message: str


@dataclass(frozen=True)
class GradientCheckResult:
    config: GradientCheckConfig
    layers: pd.DataFrame  # one row per layer: weights, sampled, gradient norm, worst relative errors
    samples: pd.DataFrame  # one row per sampled weight: layer, row, column, tape, engine, finite difference, errors
    timings: pd.DataFrame  # method, computes, forward_passes, seconds
    num_parameters: int
    loss: float


_NUMPY_ACTIVATIONS = {
    "sigmoid": lambda z: 1.0 / (1.0 + np.exp(-z)),
    "tanh": np.tanh,
    "relu": lambda z: np.maximum(z, 0.0),
    "leaky_relu": lambda z: np.where(z > 0, z, 0.2 * z),  # Keras' default negative slope
    "elu": lambda z: np.where(z > 0, z, np.expm1(np.minimum(z, 0.0))),
    "gelu": lambda z: 0.5 * z * (1.0 + scipy.special.erf(z / np.sqrt(2.0))),  # Keras' exact (erf) form
    "selu": lambda z: 1.0507009873554805 * np.where(z > 0, z, 1.6732632423543772 * np.expm1(np.minimum(z, 0.0))),
    "silu": lambda z: z / (1.0 + np.exp(-z)),
    "softplus": lambda z: np.logaddexp(0.0, z),
    "linear": lambda z: z,
}


def numpy_binary_loss(weights: list[np.ndarray], x: np.ndarray, y: np.ndarray, activation: str) -> float:
    """Mean binary cross-entropy of the MLP in float64 numpy, independent of TensorFlow."""
    act = _NUMPY_ACTIVATIONS[activation]
    h = x.astype(np.float64)
    for index in range(0, len(weights) - 2, 2):
        h = act(h @ weights[index] + weights[index + 1])
    logits = (h @ weights[-2] + weights[-1])[:, 0]
    return float(np.mean(np.maximum(logits, 0) - logits * y + np.log1p(np.exp(-np.abs(logits)))))


def _sampled_positions(shape, count: int, rng) -> list[tuple[int, int]]:
    flat = rng.choice(int(np.prod(shape)), size=min(count, int(np.prod(shape))), replace=False)
    return [tuple(int(i) for i in np.unravel_index(f, shape)) for f in sorted(flat)]


def check_bigger_network(config: GradientCheckConfig, progress=None) -> GradientCheckResult:
    config.validate()
    split = data.toy_dataset("moons", num_samples=config.num_samples, noise=0.2, validation_fraction=0.3, seed=config.seed)
    x, y = split.x_train, split.y_train
    spec = MLPSpec(num_hidden_layers=config.num_hidden_layers, units=config.units, activation=config.activation, initializer=config.initializer, seed=config.seed)
    report = progress or (lambda info: None)

    report(CheckProgress(0.05, "Backpropagation with tf.GradientTape"))
    model = build_mlp(spec)
    kernels = [layer.kernel for layer in model.layers if getattr(layer, "kernel", None) is not None]
    names = [layer.name for layer in model.layers if getattr(layer, "kernel", None) is not None]
    _tape_kernel_gradients(model, kernels, x, y)  # the first call also builds Keras' eager functions: time the second
    started = time.perf_counter()
    loss, tape_gradients = _tape_kernel_gradients(model, kernels, x, y)
    tape_seconds = time.perf_counter() - started
    weights64 = [w.astype(np.float64) for w in model.get_weights()]

    report(CheckProgress(0.2, "One compiled update with the engine's SupervisedStep"))
    engine_gradients, engine_seconds = _engine_kernel_gradients(spec, x, y, split)

    rng = np.random.default_rng(config.seed)
    kernel_slots = [index for index, w in enumerate(weights64) if w.ndim == 2]
    rows, layer_rows, finite_seconds = [], [], 0.0
    for number, (name, slot) in enumerate(zip(names, kernel_slots)):
        report(CheckProgress(0.4 + 0.6 * number / len(names), f"Finite differences in layer {name}"))
        started = time.perf_counter()
        for position in _sampled_positions(weights64[slot].shape, config.weights_per_layer, rng):
            estimate = _central_difference(weights64, slot, position, x, y, config.activation)
            rows.append(dict(layer=name, row=position[0], column=position[1], gradient_tape=float(tape_gradients[number][position]), engine=float(engine_gradients[number][position]), finite_difference=estimate))
        finite_seconds += time.perf_counter() - started
    samples = pd.DataFrame(rows)
    samples["relative_error_engine"] = relative_error(samples["engine"], samples["gradient_tape"])
    samples["relative_error_finite_difference"] = relative_error(samples["finite_difference"], samples["gradient_tape"])
    for number, name in enumerate(names):
        of_layer = samples[samples["layer"] == name]
        layer_rows.append(
            dict(
                layer=name,
                weights=int(tape_gradients[number].size),
                sampled=len(of_layer),
                gradient_norm=float(np.linalg.norm(tape_gradients[number])),
                max_relative_error_engine=float(of_layer["relative_error_engine"].max()),
                max_relative_error_finite_difference=float(of_layer["relative_error_finite_difference"].max()),
            )
        )
    num_parameters = int(sum(w.size for w in weights64))
    timings = _timings(tape_seconds, engine_seconds, finite_seconds, len(samples), num_parameters)
    return GradientCheckResult(config, pd.DataFrame(layer_rows), samples, timings, num_parameters, float(loss))


def _tape_kernel_gradients(model, kernels, x, y):
    with tf.GradientTape() as tape:
        loss, _ = engine.loss_and_accuracy("binary", y, model(x, training=True))
    return loss, [g.numpy() for g in tape.gradient(loss, kernels)]


def _engine_kernel_gradients(spec: MLPSpec, x, y, split):
    """The engine applies gradients rather than returning them: one full-batch SGD update with a large η,
    read back as g = (θ_before − θ_after) / η."""
    model = build_mlp(spec)  # same spec and seed: the same starting weights as the tape's model
    step = engine.SupervisedStep(model, make_optimizer("sgd", ENGINE_READOUT_LEARNING_RATE), "binary")
    # two full-batch epochs of one update each: the first traces the compiled function, the second times a warm update
    history = engine.fit(step, x, y, split.x_val, split.y_val, engine.TrainSpec(epochs=2, batch_size=0, record_parameters=True))
    seconds = tuple(history.epochs["seconds"])
    change = (history.parameters[0].astype(np.float64) - history.parameters[1].astype(np.float64)) / ENGINE_READOUT_LEARNING_RATE
    gradients, offset = [], 0
    kernel_ids = {id(k) for k in step.kernels}
    for variable in step.variables:
        size = int(np.prod(variable.shape))
        if id(variable) in kernel_ids:
            gradients.append(change[offset : offset + size].reshape(tuple(variable.shape)))
        offset += size
    return gradients, seconds


def _central_difference(weights64, slot, position, x, y, activation) -> float:
    h = CHECK_FINITE_DIFFERENCE_STEP
    losses = []
    for sign in (1.0, -1.0):
        moved = [w.copy() if i == slot else w for i, w in enumerate(weights64)]
        moved[slot][position] += sign * h
        losses.append(numpy_binary_loss(moved, x, y, activation))
    return (losses[0] - losses[1]) / (2 * h)


def _timings(tape_seconds, engine_seconds, finite_seconds, sampled, num_parameters) -> pd.DataFrame:
    per_weight = finite_seconds / max(sampled, 1)
    return pd.DataFrame(
        [
            dict(method="Backprop: tf.GradientTape (eager)", label="tape", computes=f"all {num_parameters} gradients", forward_passes="1 forward + 1 backward", seconds=tape_seconds),
            dict(method="Backprop: engine's first update (includes tracing)", label="engine, 1st", computes=f"all {num_parameters} gradients", forward_passes="1 forward + 1 backward", seconds=engine_seconds[0]),
            dict(method="Backprop: engine's next update (compiled)", label="engine, next", computes=f"all {num_parameters} gradients", forward_passes="1 forward + 1 backward", seconds=engine_seconds[-1]),
            dict(method="Finite differences: the sampled weights", label="FD, sampled", computes=f"{sampled} gradients", forward_passes=f"{2 * sampled} forward", seconds=finite_seconds),
            dict(method="Finite differences: every weight (estimated)", label="FD, all (est.)", computes=f"all {num_parameters} gradients", forward_passes=f"{2 * num_parameters} forward", seconds=per_weight * num_parameters),
        ]
    )
