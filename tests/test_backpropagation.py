"""The backpropagation step-through against independent computations (tf.GradientTape, finite differences, numpy)."""

import math

import numpy as np
import pandas as pd
import pytest

from dlcore.device import tf
from dlcore.experiments import backpropagation as bp


def _random_config(seed: int, hidden_units: int) -> bp.Config:
    rng = np.random.default_rng(seed)
    names = [name for unit in (1, 2, 3) for name in bp.hidden_parameter_names(unit)] + ["c"]
    weights = {name: float(rng.uniform(-3, 3)) for name in names}
    x1, x2 = rng.uniform(-2, 2, size=2)
    return bp.Config(x1=float(x1), x2=float(x2), target=float(rng.uniform(0, 1)), hidden_units=hidden_units, **weights)


CONFIGS = [bp.Config(), bp.Config(hidden_units=3), _random_config(1, 2), _random_config(2, 3), _random_config(3, 3)]


def _own_tape_gradients(config: bp.Config) -> dict[str, float]:
    """tf.GradientTape on the Keras network, read back by layer and position (not through the module's slot table)."""
    model = bp.keras_network(config)
    with tf.GradientTape() as tape:
        prediction = model(tf.constant([[config.x1, config.x2]], dtype=tf.float64))[0, 0]
        loss = 0.5 * (prediction - config.target) ** 2
    hidden_kernel, hidden_bias, output_kernel, output_bias = (g.numpy() for g in tape.gradient(loss, model.trainable_variables))
    gradients = {"c": output_bias[0]}
    for j in range(1, config.hidden_units + 1):
        gradients.update({f"w1{j}": hidden_kernel[0, j - 1], f"w2{j}": hidden_kernel[1, j - 1], f"b{j}": hidden_bias[j - 1], f"v{j}": output_kernel[j - 1, 0]})
    return gradients


@pytest.mark.parametrize("config", CONFIGS, ids=lambda c: f"H{c.hidden_units}-x{c.x1:.2f}")
def test_step_through_gradients_equal_gradient_tape(config):
    result = bp.run(config)
    tape = _own_tape_gradients(config)
    by_hand = dict(zip(result.gradients["parameter"], result.gradients["by_hand"]))
    assert set(by_hand) == set(config.parameter_names) == set(tape)
    for name in config.parameter_names:
        assert by_hand[name] == pytest.approx(tape[name], rel=1e-10, abs=1e-15), name
        assert result.values[f"dL/d{name}"] == by_hand[name]
    assert result.gradients["relative_error_tape"].max() < 1e-10


@pytest.mark.parametrize("config", CONFIGS, ids=lambda c: f"H{c.hidden_units}-x{c.x1:.2f}")
def test_central_finite_differences_agree_within_tolerance(config):
    result = bp.run(config)  # h = 1e-5 in float64: truncation ~h², rounding ~1e-16/h
    np.testing.assert_allclose(result.gradients["finite_difference"], result.gradients["by_hand"], rtol=1e-6, atol=1e-10)


def test_forward_values_match_the_keras_network():
    for config in CONFIGS:
        values = bp.forward_values(config)
        model = bp.keras_network(config)
        output = float(model(tf.constant([[config.x1, config.x2]], dtype=tf.float64))[0, 0])
        assert values["y_hat"] == pytest.approx(output, rel=1e-12)
        assert values["loss"] == pytest.approx(0.5 * (output - config.target) ** 2, rel=1e-10)


def test_every_chain_rule_line_is_the_product_it_shows():
    """Each backward 'chain rule' value equals the previous gradient times the local derivative listed just before it."""
    result = bp.run(bp.Config(hidden_units=3))
    backward = [step for step in result.steps if step.phase == "backward"]
    assert [step.title.split(": ")[1] for step in backward] == ["the loss", "the output unit", "hidden unit h1", "hidden unit h2", "hidden unit h3"]
    values = result.values
    assert values["dL/dz_out"] == pytest.approx(values["dL/dy_hat"] * values["y_hat"] * (1 - values["y_hat"]), rel=1e-14)
    for j in (1, 2, 3):
        h = values[f"h{j}"]
        assert values[f"dL/dz{j}"] == pytest.approx(values["dL/dz_out"] * getattr(result.config, f"v{j}") * h * (1 - h), rel=1e-14)
    chain = [eq for step in backward for eq in step.equations if eq.role == "chain rule"]
    assert len(chain) == 1 + 2 * 3
    found = {eq.quantity for step in result.steps for eq in step.equations if eq.role == "gradient"}
    assert found == {f"dL/d{name}" for name in result.config.parameter_names}


def test_known_quantities_grow_step_by_step():
    result = bp.run(bp.Config())
    assert set(result.known_at(0)) == {"x1", "x2", "target"}
    sizes = [len(result.known_at(i)) for i in range(result.num_steps)]
    assert sizes == sorted(sizes) and sizes[0] < sizes[-1]
    assert "loss" in result.known_at(result.num_steps - 1)
    assert result.num_steps == 1 + 2 + 1 + 1 + 1 + 1 + 2


def test_one_update_is_the_textbook_step_and_lowers_the_loss():
    config = bp.Config(learning_rate=0.5)
    result = bp.run(config)
    update = result.update
    np.testing.assert_allclose(update["after_keras_sgd"], update["before"] - 0.5 * update["gradient"], rtol=0, atol=1e-14)
    after = dict(zip(update["parameter"], update["after_by_hand"]))
    assert result.loss_after == pytest.approx(bp.forward_values(config, after)["loss"], rel=1e-12)
    assert result.loss_after < result.loss_before


def test_finite_difference_error_is_smallest_for_a_middle_step():
    sweep = bp.run(bp.Config()).sweep.set_index("step")["max_relative_error"]
    assert sweep[1e-5] < 1e-8
    assert sweep[1.0] > 100 * sweep[1e-5]  # truncation error for a big h
    assert sweep[1e-12] > 100 * sweep[1e-5]  # rounding error for a tiny h


def test_zero_input_gives_its_weights_zero_gradient():
    result = bp.run(bp.Config(x2=0.0))
    table = result.gradients.set_index("parameter")
    assert table.loc["w21", "by_hand"] == 0.0 and table.loc["w22", "by_hand"] == 0.0
    assert table.loc["w21", "relative_error_finite_difference"] < 1e-3  # floor 1e-8 keeps 0 vs ~1e-12 small


def test_weights_table_round_trip_and_clear_errors():
    config = bp.Config(hidden_units=3)
    table = bp.weights_table(config)
    assert table.shape == (3, 4)
    assert bp.parameters_from_table(table) == {name: getattr(config, name) for name in config.parameter_names if name != "c"}
    bad = table.astype(object)
    bad.iloc[0, 1] = "abc"
    bad.iloc[1, 2] = None
    bad.iloc[2, 3] = 10.5
    with pytest.raises(ValueError) as error:
        bp.parameters_from_table(bad)
    message = str(error.value)
    assert "h1 'from x₂' is 'abc', not a number" in message
    assert "h2 'bias' is None" in message
    assert "h3 'to output' = 10.5 is outside [-10, 10]" in message
    edge = table.copy()
    edge.iloc[:, :] = -bp.WEIGHT_LIMIT
    assert set(bp.parameters_from_table(edge).values()) == {-10.0}
    with pytest.raises(ValueError):
        bp.parameters_from_table(pd.DataFrame({"from x₁": [1.0]}))


@pytest.mark.parametrize(
    "changes",
    [dict(w11=10.01), dict(x1=5.5), dict(target=1.2), dict(hidden_units=4), dict(learning_rate=0.0), dict(c=math.nan), dict(finite_difference_step=0.0)],
)
def test_config_rejects_bad_values(changes):
    with pytest.raises(ValueError):
        bp.Config(**changes).validate()


def test_extreme_weights_stay_finite_and_checked():
    names = [name for unit in (1, 2, 3) for name in bp.hidden_parameter_names(unit)] + ["c"]
    config = bp.Config(hidden_units=3, x1=5.0, x2=-5.0, target=0.0, learning_rate=10.0, **{n: 10.0 for n in names})
    result = bp.run(config)
    assert np.isfinite(result.gradients[["by_hand", "gradient_tape", "finite_difference"]].to_numpy()).all()
    assert result.gradients["relative_error_tape"].max() < 1e-10


def test_latex_numbers():
    assert bp.latex_number(0) == "0"
    assert bp.latex_number(0.59868766) == "0.5987"
    assert bp.latex_number(-1.2345e-7) == r"-1.234 \times 10^{-7}" or bp.latex_number(-1.2345e-7) == r"-1.235 \times 10^{-7}"


def test_bigger_network_check_agrees_layer_by_layer():
    config = bp.GradientCheckConfig(num_hidden_layers=2, units=8, activation="sigmoid", num_samples=100, weights_per_layer=4, seed=2)
    check = bp.check_bigger_network(config)
    assert list(check.layers["layer"]) == ["hidden_1", "hidden_2", "output"]
    assert list(check.layers["sampled"]) == [4, 4, 4]
    assert check.layers["relative_error_engine"].max() < 1e-5  # the engine's float32 gradients against the float32 tape (norm per layer)
    assert check.layers["relative_error_float32"].max() < 1e-5  # float32 tape vs float64 tape: float32 precision
    assert 0 < check.layers["relative_error_float32"].min()  # float32 really is rounded
    assert check.layers["relative_error_finite_difference"].max() < 1e-6  # float64 differences vs float64 tape
    assert (check.timings["seconds"] > 0).all()
    assert check.num_parameters == 2 * 8 + 8 + 8 * 8 + 8 + 8 + 1
    # the check can fail: a gradient off by 1% is flagged
    wrong = bp.relative_error(check.samples["gradient_tape"] * 1.01, check.samples["finite_difference"])
    assert wrong.max() > 5e-3
