"""The residual-networks page's claims, checked through its own experiment functions at the page's settings."""

import dataclasses

import numpy as np
import pytest

from dlcore.experiments.resnet import degradation, lesion
from dlcore.experiments.resnet.common import load_task, weight_layers


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_degradation_shows_and_is_cured_at_the_default_depths(seed):
    """The deeper plain network ends at a higher training loss than the shallower one; the deeper residual one does not."""
    result = degradation.run(dataclasses.replace(degradation.Config(), seed=seed))
    plain_shallow, plain_deep = result.run(False, False), result.run(False, True)
    residual_shallow, residual_deep = result.run(True, False), result.run(True, True)
    assert plain_deep.final_train_loss > plain_shallow.final_train_loss
    assert residual_deep.final_train_loss <= residual_shallow.final_train_loss
    assert residual_deep.final_train_loss < plain_deep.final_train_loss
    finding = result.finding
    assert finding.plain_degrades and not finding.residual_degrades
    assert finding.sentence.startswith("Degradation, and its cure")
    assert f"{plain_deep.final_train_loss:.3g}" in finding.sentence and f"{residual_deep.final_train_loss:.3g}" in finding.sentence
    assert [run.label for run in result.runs] == ["plain-10", "plain-34", "ResNet-10", "ResNet-34"]


def test_the_lesion_curve_of_the_residual_network_stays_above_the_plain_one():
    result = lesion.run(lesion.Config())
    plain, residual = result.plain, result.residual
    assert np.all(residual.accuracy > plain.accuracy)
    assert plain.intact_accuracy > result.chance_accuracy + 0.2  # the plain network did learn: its collapse is a real loss
    assert plain.mean_drop > 3 * max(residual.mean_drop, 0.01)
    assert "At every position the residual network keeps more accuracy" in lesion.describe(result)


def _layers(network, kinds) -> int:
    return sum(isinstance(layer, kinds) for layer in network._flatten_layers(include_self=False, recursive=True))


@pytest.mark.parametrize("name", list(degradation.PRESETS))
def test_each_preset_builds_what_its_name_and_help_promise(name):
    """A preset promises its networks (the finding on screen is computed from the run, see degradation.describe)."""
    import keras

    config = dataclasses.replace(degradation.Config(), **degradation.PRESETS[name])
    config.validate()
    task = load_task(config.network, config.dataset, config.num_samples, config.noise, config.seed)
    networks = degradation.build_networks(config, task)
    weight_kinds = (keras.layers.Dense, keras.layers.Conv2D)
    layers = [_layers(network, weight_kinds) for network in networks]
    assert layers == [weight_layers(config.shallow_blocks), weight_layers(config.deep_blocks)] * 2
    help_text = degradation.PRESET_HELP[name]
    assert f"{layers[0]} vs {layers[1]} layers" in help_text
    norms = [_layers(network, keras.layers.BatchNormalization) for network in networks]
    assert all(n > 0 for n in norms) if config.batch_norm else norms == [0] * 4
    assert ("no batch norm" in help_text) == (not config.batch_norm)
    if "CNN" in name:
        assert config.network == "cnn" and all(_layers(n, keras.layers.Conv2D) == _layers(n, weight_kinds) - 1 for n in networks)  # all but the output layer
        assert task.split.x_train.shape[1:] == (8, 8, 1) and task.chance_loss == pytest.approx(np.log(10), rel=0.01)
    else:
        assert config.network == "mlp" and config.dataset == "spiral"
    if "default" in name:
        assert config == degradation.Config()
    if "batch norm" in name:
        assert dataclasses.replace(config, batch_norm=False) == degradation.Config()  # "the default networks"
