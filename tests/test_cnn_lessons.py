"""What the training tabs claim, checked on the runs themselves: the CNN beats a matched MLP, drawings are read as
the training images were, LeNet-5 learns, and impossible stacks are named."""

import pickle

import numpy as np
import pytest

from dlcore import images
from dlcore.experiments import cnn as lab
from dlcore.experiments.cnn import drawing, training


@pytest.fixture(scope="module")
def default_runs():
    return {seed: lab.train_cnn(lab.TrainConfig(seed=seed)) for seed in (0, 1, 2)}


def test_default_cnn_beats_the_parameter_matched_mlp_for_three_seeds(default_runs):
    for seed, result in default_runs.items():
        cnn, mlp = result.cnn, result.mlp
        assert cnn.val_accuracy > mlp.val_accuracy, (seed, cnn.val_accuracy, mlp.val_accuracy)
        assert mlp.parameters <= 1.02 * cnn.parameters and cnn.parameters <= 1.02 * mlp.parameters  # "about the same number"
        assert cnn.val_accuracy >= 0.97 and cnn.epoch_reaching(0.95) is not None


def test_training_result_is_complete_plain_data(default_runs):
    result = default_runs[0]
    assert result.confusion.sum() == result.val_size and np.trace(result.confusion) == round(result.cnn.val_accuracy * result.val_size)
    assert len(result.mistake_table) == min(training.MAX_MISTAKES, result.val_size - np.trace(result.confusion))
    assert result.first_filters.shape == (3, 3, 1, 16)
    names = [name for name, _ in result.feature_maps]
    assert names == ["relu_1", "pool_1", "relu_2", "pool_2"] and result.feature_maps[0][1].shape == (training.EXAMPLES, 8, 8, 16)
    assert result.cnn.layer_table["parameters"].sum() == result.cnn.parameters
    again = pickle.loads(pickle.dumps(result))
    assert again.cnn.val_accuracy == result.cnn.val_accuracy


def test_same_config_same_numbers():
    config = lab.TrainConfig(epochs=2, train_size=200, compare_mlp=False, batch_norm=True, dropout=0.3, seed=7)
    first, second = lab.train_cnn(config), lab.train_cnn(config)
    assert first.cnn.history.epochs["val_loss"].tolist() == second.cnn.history.epochs["val_loss"].tolist()


def test_impossible_stacks_name_the_setting_and_links_fall_back():
    config = lab.TrainConfig(dataset="digits", conv_layers=4, pooling="max")
    assert config.problems() and "conv_layers" in config.problems()[0] and "8×8" in config.problems()[0]
    assert not lab.TrainConfig(dataset="digits", conv_layers=4, pooling="none").problems()
    repaired, messages = lab.TrainConfig.from_link({"conv_layers": "4"})
    assert repaired == lab.TrainConfig() and any("conv_layers" in m for m in messages)


def test_offline_download_trains_on_digits_of_the_same_size(monkeypatch):
    monkeypatch.setenv("DLTEACH_OFFLINE", "1")
    result = lab.train_cnn(lab.TrainConfig(dataset="cifar10", epochs=1, train_size=100, compare_mlp=False, conv_layers=3))
    assert result.dataset_used == "digits32" and "DLTEACH_OFFLINE" in result.dataset_note
    assert result.examples.shape[1:] == (32, 32, 1)


def _canvas_of(digit: np.ndarray, size: int = 280, scale: int = 25, offset=(30, 50)) -> np.ndarray:
    """A bundled 8x8 digit drawn big on a white RGBA canvas in black ink, the way the page's canvas returns a drawing."""
    big = np.kron(digit, np.ones((scale, scale)))
    ink = np.zeros((size, size))
    ink[offset[0] : offset[0] + big.shape[0], offset[1] : offset[1] + big.shape[1]] = big
    rgba = np.full((size, size, 4), 255, np.uint8)
    rgba[..., :3] = (255 * (1 - ink))[..., None].astype(np.uint8)
    return rgba


def test_a_drawing_is_prepared_like_the_training_digits_and_read(default_runs):
    result = default_runs[0]
    digits = images.digits()
    agree, correlations = 0, []
    for index in range(20):
        digit = digits.images[index, ..., 0]
        reading = lab.read_drawing(result, _canvas_of(digit, offset=(10 + index, 60 - index)))
        correlations.append(np.corrcoef(reading.network_input[..., 0].ravel(), digit.ravel())[0, 1])
        agree += reading.prediction == digits.class_names[digits.labels[index]]
        assert np.isclose(reading.probabilities.sum(), 1.0, atol=1e-5) and reading.network_input.shape == (8, 8, 1)
    assert np.mean(correlations) > 0.8 and agree >= 17
    with pytest.raises(ValueError, match="empty"):
        lab.read_drawing(result, np.full((280, 280, 4), 255, np.uint8))
    assert not lab.has_drawing(None)


def test_mnist_style_preparation_centres_by_mass_in_a_20_pixel_box():
    ink = np.zeros((200, 200))
    ink[20:180, 90:110] = 1.0  # a tall bar: a "1"
    framed, network_input, box = drawing.prepared(ink, "mnist")
    rows, columns = np.nonzero(network_input[..., 0] > 0.5)
    assert rows.max() - rows.min() + 1 == 20 and abs((columns.min() + columns.max()) / 2 - 13.5) <= 1
    assert box == (20, 90, 180, 110)


def test_lenet5_learns_the_enlarged_digits():
    result = lab.train_lenet(lab.LeNetConfig(epochs=3, train_size=400))
    assert result.network.parameters == 61_706 and result.network.spec.input_shape == (32, 32, 1)
    assert result.network.val_accuracy > 0.5 and result.seconds_per_epoch > 0
