"""The step-through and the machine's check of every number in it.

Every gradient worked out by hand (:mod:`.by_hand`) is checked against
``tf.GradientTape`` on the same network built in Keras (float64) and against
central finite differences, and one gradient-descent update is applied with
Keras' SGD next to the same update by hand.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from dlcore.device import tf
from dlcore.experiments.backpropagation.by_hand import Step, walkthrough
from dlcore.experiments.backpropagation.small_network import FINITE_DIFFERENCE_STEPS, Config, forward_values, keras_network

RELATIVE_ERROR_FLOOR = 1e-8  # relative error = |a - b| / max(|a|, |b|, floor): two zeros agree


def relative_error(a, b):
    """|a - b| / max(|a|, |b|, 1e-8), elementwise."""
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    return np.abs(a - b) / np.maximum(np.maximum(np.abs(a), np.abs(b)), RELATIVE_ERROR_FLOOR)


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

    def agreement_caption(self) -> str:
        """How closely the tape and finite differences matched the hand computation in this run, in words chosen from its numbers."""
        tape = float(self.gradients["relative_error_tape"].max())
        finite = float(self.gradients["relative_error_finite_difference"].max())
        h = self.config.finite_difference_step
        if tape <= FLOAT64_AGREEMENT:
            first = f"the tape agrees with the hand computation to the last digits float64 can hold ({tape:.0e} at worst)"
        else:
            first = (
                f"the tape agrees with the hand computation to {tape:.0e} at worst: both are right, but where a result is the difference of two "
                "almost equal numbers (ŷ − t next to the target, 1 − h for a saturated unit) float64 keeps fewer correct digits, and the two round differently"
            )
        return f"{first}; finite differences with h = {h:.0e} are only approximately right ({finite:.0e} at worst)."


FLOAT64_AGREEMENT = 1e-14  # a few float64 roundings: "to the last digits"


def _gradient_table(config: Config, by_hand: dict, tape: dict, finite: dict) -> pd.DataFrame:
    names = list(config.parameter_names)
    table = pd.DataFrame(
        dict(
            parameter=names,
            by_hand=[by_hand[n] for n in names],
            gradient_tape=[tape[n] for n in names],
            finite_difference=[finite[n] for n in names],
        )
    )
    table["relative_error_tape"] = relative_error(table["gradient_tape"], table["by_hand"])
    table["relative_error_finite_difference"] = relative_error(table["finite_difference"], table["by_hand"])
    return table


def run(config: Config = Config(), progress=None) -> Result:
    """The step-through for one network, every gradient checked two independent ways, and one update."""
    config.validate()
    values = forward_values(config)
    steps, gradients = walkthrough(config, values)
    by_hand = {name: gradients[f"dL/d{name}"] for name in config.parameter_names}

    model = keras_network(config)
    inputs = tf.constant([[config.x1, config.x2]], dtype=tf.float64)
    target = tf.constant(config.target, dtype=tf.float64)
    slots = _variable_slots(config)
    loss, tape_gradients = _tape_gradients(model, inputs, target)
    tape = {name: float(tape_gradients[index].numpy()[position]) for name, (index, position) in slots.items()}
    finite = _finite_differences(model, inputs, target, slots, config.finite_difference_step)

    update, loss_after, output_after = _one_update(config, model, tape_gradients, slots, by_hand, inputs, target)
    return Result(
        config=config,
        steps=steps,
        values={**values, **gradients},
        gradients=_gradient_table(config, by_hand, tape, finite),
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
