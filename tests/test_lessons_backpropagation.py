"""Lesson tests of the backpropagation page: every preset, caption and claim holds for the run that shows it.

Each test goes through the page's own experiment functions (bp.run, bp.check_bigger_network,
bp.cost_scaling) with the settings the page uses, or small ones where the lesson still holds (said where).
"""

import dataclasses
import pickle

import numpy as np
import pytest

from dlcore.experiments import backpropagation as bp

INPUT_WEIGHTS = [name for unit in (1, 2, 3) for name in bp.hidden_parameter_names(unit) if not name.startswith("v")]


def _gradients(result) -> dict[str, float]:
    return dict(zip(result.gradients["parameter"], result.gradients["gradient_tape"]))


def _tape_claim_holds(result) -> None:
    """The caption under the error chart says what the run shows: last digits when the errors are float64-tiny, else the number."""
    caption = result.agreement_caption()
    worst = result.gradients["relative_error_tape"].max()
    assert worst < 1e-9  # backprop by hand and by tape agree in every case (float64)
    if worst <= bp.step_through.FLOAT64_AGREEMENT:
        assert "last digits" in caption
    else:
        assert f"{worst:.0e}" in caption and "last digits" not in caption
    assert f"{result.gradients['relative_error_finite_difference'].max():.0e}" in caption


# ---- presets of the step-through ----


def test_defaults_preset_resets_every_field():
    defaults = {field.name: getattr(bp.Config(), field.name) for field in dataclasses.fields(bp.Config)}
    assert bp.preset_values("Defaults") == defaults  # hidden units, learning rate and h included
    for name in bp.PRESETS:
        values = bp.preset_values(name)
        assert set(values) == set(defaults)  # every preset sets every field, so none keeps a stale value
        bp.Config(**values).validate()
    assert set(bp.PRESET_LESSONS) == set(bp.PRESETS)  # every button has its tooltip, checked by the tests below


def test_defaults_preset_one_step_lowers_the_loss():
    result = bp.run(bp.Config(**bp.preset_values("Defaults")))
    assert result.loss_after < result.loss_before  # the page's "the loss fell" sentence is chosen for this run
    _tape_claim_holds(result)


def test_saturated_preset_starves_the_input_weights():
    result = bp.run(bp.Config(**bp.preset_values("Saturated units")))
    gradients = _gradients(result)
    output_bias = abs(gradients["c"])
    # every hidden unit sits on a flat part of its sigmoid: the weights into it get almost no gradient
    assert max(abs(gradients[name]) for name in INPUT_WEIGHTS if name in gradients) < 1e-4 * output_bias
    assert all(min(result.values[f"h{j}"], 1 - result.values[f"h{j}"]) < 1e-3 for j in (1, 2))
    _tape_claim_holds(result)


def test_on_target_preset_has_almost_no_loss_and_gradient():
    result = bp.run(bp.Config(**bp.preset_values("Output on target")))
    assert result.loss_before < 1e-9
    assert result.gradients["gradient_tape"].abs().max() < 1e-5
    assert result.update["change"].abs().max() < 1e-5  # "one update changes almost nothing"
    _tape_claim_holds(result)  # here ŷ − t cancels: the caption gives the number, not "last digits"


def test_zero_input_preset_gives_its_weights_exactly_zero_gradient():
    result = bp.run(bp.Config(**bp.preset_values("Input x₂ = 0")))
    gradients = _gradients(result)
    assert gradients["w21"] == 0 and gradients["w22"] == 0
    assert abs(gradients["w11"]) > 1e-3 and abs(gradients["w12"]) > 1e-3
    _tape_claim_holds(result)


@pytest.mark.parametrize("sign", [1.0, -1.0])
def test_tape_claim_holds_at_the_widget_extremes(sign):
    weights = {name: sign * bp.WEIGHT_LIMIT for name in bp.Config().parameter_names + ("w13", "w23", "b3", "v3")}
    config = bp.Config(**{**weights, "x1": sign * bp.INPUT_LIMIT, "x2": -sign * bp.INPUT_LIMIT, "hidden_units": 3, "target": 1.0 if sign > 0 else 0.0})
    _tape_claim_holds(bp.run(config))


# ---- the bigger-network check ----


def _caption_holds(check) -> None:
    layers = check.layers
    caption = check.caption()
    assert layers["relative_error_engine"].max() < 1e-5  # "the same float32 arithmetic"
    assert 0 < layers["relative_error_float32"].max() < 1e-5  # "only to float32 precision"
    # finite differences miss exactly as far as their rounding noise predicts (eps L / h over the gradients' size), plus truncation
    expected = check.finite_difference_noise / np.maximum(layers["sampled_gradient_rms"], 1e-300)
    assert (layers["relative_error_finite_difference"] <= 50 * expected + 1e-5).all()
    missed = check.unresolved_layers()
    if missed:
        assert "miss by up to" in caption and missed[0] in caption and missed[-1] in caption
        assert (layers.set_index("layer").loc[missed, "sampled_gradient_rms"] < 1e5 * check.finite_difference_noise).all()
    else:
        assert "in every layer" in caption and "miss" not in caption
    pickle.loads(pickle.dumps(check))


def test_check_caption_holds_for_the_default_network():
    check = bp.check_bigger_network(bp.GradientCheckConfig())
    _caption_holds(check)
    assert not check.unresolved_layers()  # a healthy tanh network: every layer checks out


def test_ten_sigmoid_layers_vanish_below_what_finite_differences_resolve():
    """The issue's case: 10 sigmoid layers. Fewer samples and weights than the page's default (same lesson, faster)."""
    config = bp.GradientCheckConfig(num_hidden_layers=10, activation="sigmoid", initializer="small_normal", num_samples=100, weights_per_layer=3)
    check = bp.check_bigger_network(config)
    _caption_holds(check)
    assert check.unresolved_layers()[0] == "hidden_1"  # the input side, where the gradient has vanished
    assert check.layers["relative_error_float32"].max() < 1e-5  # the tape is still right there: backprop checks what FD cannot


@pytest.mark.parametrize(
    "changes",
    [
        dict(num_hidden_layers=1, units=2, num_samples=40, weights_per_layer=50, activation="relu", initializer="large_normal", seed=10_000),
        dict(num_hidden_layers=10, units=16, num_samples=40, weights_per_layer=2, activation="sigmoid"),  # the glorot case of the issue, small
    ],
)
def test_check_caption_holds_at_the_extremes(changes):
    _caption_holds(bp.check_bigger_network(bp.GradientCheckConfig(**changes)))


def test_tracing_is_kept_out_of_the_timings():
    check = bp.check_bigger_network(bp.GradientCheckConfig(num_hidden_layers=2, num_samples=40, weights_per_layer=2))
    compiled = check.timings.set_index("label").loc["compiled", "seconds"]
    assert check.tracing_seconds > compiled  # tracing a graph costs far more than running it: it is reported apart
    assert not check.timings["method"].str.contains("tracing included").any()


# ---- what backprop costs ----


def test_backprop_costs_a_small_multiple_of_a_forward_pass_and_grows_with_the_network():
    """Two hidden layers and three repeats instead of the page's three and five: the same lesson, faster."""
    result = bp.cost_scaling(bp.CostConfig(num_hidden_layers=2, repeats=3))
    table = result.table
    assert list(table["units"]) == list(bp.COST_WIDTHS)
    assert table["weights"].is_monotonic_increasing
    largest = table.iloc[-1]
    assert 1.2 < largest["ratio"] < 8  # a small multiple of one forward pass, not a constant, not a factor of the weights
    assert result.growth > 5  # the absolute time grows with the network
    assert largest["finite_difference_seconds"] > 1000 * largest["backprop_seconds"]
    assert (table["tracing_seconds"] > table["backprop_seconds"]).all()  # tracing, excluded, would dwarf small networks' times
    caption = result.caption()
    assert f"{largest['ratio']:.1f}×" in caption and "grows with the network" in caption
    assert "does not grow" not in caption
    pickle.loads(pickle.dumps(result))
