"""Every preset of the vanishing page teaches what its name and help text promise, on three seeds.

One rule (vanishing.read_gradients) gives the page's verdict from the run; these
tests check each preset against that rule and against the numbers its help
text names, through the page's own experiment function.
"""

from dataclasses import replace

import numpy as np
import pytest

from dlcore.experiments import vanishing

SEEDS = (0, 1, 2)


def _run(name: str, seed: int, **extra):
    return vanishing.run(replace(vanishing.Config(), seed=seed, **vanishing.PRESETS[name], **extra))


@pytest.mark.parametrize("seed", SEEDS)
def test_vanishing_preset_underflows_to_zero_before_the_first_layers(seed):
    result = _run("Vanishing", seed, epochs=2)
    reading = vanishing.read_gradients(result.history)
    assert reading.verdict == "vanishing"
    assert reading.zero_signal_layers >= 1 and reading.zero_weight_layers >= 1  # "fades to exactly 0"
    assert 0 < reading.weight_ratio < 1e-20  # the first non-zero layer is still far below the output
    # the units are not saturated (they sit near 0.5), and the page's caption says so
    assert np.max(result.flat_fraction_at_start) < 0.05
    assert "not saturated" in vanishing.saturation_sentence(result)


@pytest.mark.parametrize("seed", SEEDS)
def test_exploding_preset_signal_grows_toward_the_input_and_the_loss_overflows_early(seed):
    result = _run("Exploding", seed, epochs=3)
    reading = vanishing.read_gradients(result.history)
    assert reading.verdict == "exploding" and reading.signal_ratio > 100
    assert reading.weight_ratio < 10  # the weight gradients stay level: small inputs meet a large δ (the page explains both)
    assert result.history.divergence is not None and result.history.divergence.step <= 10  # "within a few updates"


@pytest.mark.parametrize("seed", SEEDS)
def test_relu_he_fix_is_healthy_and_learns(seed):
    result = _run("Fix: ReLU + He", seed)
    reading = vanishing.read_gradients(result.history)
    assert reading.verdict == "healthy" and result.history.divergence is None
    assert result.final_val_accuracy > 0.9


@pytest.mark.parametrize("seed", SEEDS)
def test_batch_norm_learns_although_its_gradient_grows_toward_the_input(seed):
    result = _run("Batch norm", seed)
    reading = vanishing.read_gradients(result.history)
    assert reading.signal_ratio > 10 and reading.per_layer_factor > 1  # "grows toward the input"
    assert reading.verdict == "healthy"  # ... within the page's band, so the page never calls it exploding
    assert result.final_val_accuracy > 0.8


@pytest.mark.parametrize("seed", SEEDS)
def test_clipping_keeps_the_exploding_gradient_but_training_survives(seed):
    result = _run("Fix: clipping", seed)
    reading = vanishing.read_gradients(result.history)
    assert reading.verdict == "exploding"  # "the gradient still explodes"
    assert result.history.divergence is None and result.final_val_accuracy > 0.8


def test_default_sigmoid_network_is_read_as_vanishing_and_one_layer_as_healthy():
    reading = vanishing.read_gradients(vanishing.run(vanishing.Config(epochs=1)).history)
    assert reading.verdict == "vanishing" and reading.per_layer_factor < 1 / vanishing.HEALTHY_FACTOR
    shallow = vanishing.read_gradients(vanishing.run(vanishing.Config(epochs=1, num_hidden_layers=1)).history)
    assert shallow.verdict == "healthy" and "one hidden layer" in shallow.sentence()
