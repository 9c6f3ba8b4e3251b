"""Data augmentation: the layers, the seeded grid, the offline fallback and the with/without runs."""

import dataclasses

import numpy as np
import pandas as pd
import pytest

from dlcore import engine, images, limits
from dlcore.device import tf
from dlcore.experiments import augmentation
from dlcore.optimizers import make_optimizer
from dlcore.steps import SupervisedStep

EVERYTHING_ON = dict(flip="horizontal_and_vertical", rotation_degrees=30.0, zoom=0.2, translation=0.2, contrast=0.5, cutout=1.0, noise_std=0.1)
TINY = augmentation.Config(train_size=40, epochs=3, filters=4, batch_size=16)
TINY_EPOCHS = pd.DataFrame(dict(epoch=[1], train_accuracy=[0.5], val_accuracy=[0.4], seconds=[0.1]))


def _digit_batch(count=16):
    return images.enlarged_digits(augmentation.DIGIT_SIZE).images[:count]


def test_every_augmentation_layer_changes_training_inputs_and_passes_inference_inputs_unchanged():
    settings = augmentation.Config(**EVERYTHING_ON)
    layers = augmentation.augmentation_layers(settings, seed=3)
    assert [layer.name for layer in layers] == list(augmentation.LAYER_ORDER)
    x = tf.constant(_digit_batch())
    for layer in layers:
        assert np.array_equal(np.asarray(layer(x, training=False)), np.asarray(x)), layer.name
        assert np.max(np.abs(np.asarray(layer(x, training=True)) - np.asarray(x))) > 0.05, layer.name


def test_model_with_augmentation_equals_plain_model_at_inference_and_differs_in_training():
    config = augmentation.Config(**EVERYTHING_ON)
    x = _digit_batch(32)
    plain = augmentation.build_model(config, x.shape[1:], 10, augment=False)
    augmented = augmentation.build_model(config, x.shape[1:], 10, augment=True)
    # same seed -> same starting CNN weights whatever sits in front of it
    for a, b in zip(plain.trainable_variables, augmented.trainable_variables):
        np.testing.assert_array_equal(np.asarray(a), np.asarray(b))
    # validation inputs (training=False) are untouched: identical logits
    np.testing.assert_allclose(np.asarray(augmented(x, training=False)), np.asarray(plain(x, training=False)), atol=1e-6)
    # training inputs are changed: the logits move (the CNN itself has no dropout or batch norm)
    assert np.max(np.abs(np.asarray(augmented(x, training=True)) - np.asarray(plain(x, training=True)))) > 1e-3
    # augmentation is not a penalty: nothing is added to the loss
    assert augmented.losses == [] and plain.losses == []


def test_horizontal_flip_mirrors_each_image_or_leaves_it():
    x = _digit_batch(64)
    (flip,) = augmentation.augmentation_layers(augmentation.Config(**{**dataclasses.asdict(augmentation.Config().without_augmentation()), "flip": "horizontal"}), seed=0)
    out = np.asarray(flip(tf.constant(x), training=True))
    mirrored = np.array([np.array_equal(o, i[:, ::-1]) for o, i in zip(out, x)])
    unchanged = np.array([np.array_equal(o, i) for o, i in zip(out, x)])
    assert np.all(mirrored | unchanged)
    assert 10 <= mirrored.sum() <= 54  # about half of 64 (binomial, p=0.5: outside this range has odds < 1e-7)


def test_gaussian_noise_has_the_requested_standard_deviation():
    x = np.zeros((64, 16, 16, 1), dtype=np.float32)
    (noise,) = augmentation.augmentation_layers(dataclasses.replace(augmentation.Config().without_augmentation(), noise_std=0.2), seed=1)
    sample = np.asarray(noise(tf.constant(x), training=True))
    assert abs(sample.std() - 0.2) < 0.01 and abs(sample.mean()) < 0.01  # 16,384 draws: std error ~0.0011


def test_grid_is_reproducible_from_its_seed():
    grid_config = augmentation.GridConfig(grid_seed=5, **EVERYTHING_ON)
    first, again = augmentation.variant_grid(grid_config), augmentation.variant_grid(grid_config)
    np.testing.assert_array_equal(first.variants, again.variants)
    other = augmentation.variant_grid(dataclasses.replace(grid_config, grid_seed=6))
    assert not np.array_equal(first.variants, other.variants)
    assert first.variants.shape == (grid_config.num_variants, 16, 16, 1)
    assert len({v.tobytes() for v in first.variants}) == grid_config.num_variants  # every copy drew its own changes
    assert first.variants.min() >= 0.0 and first.variants.max() <= 1.0


def test_grid_on_a_bundled_photo_keeps_colour_and_size():
    grid = augmentation.variant_grid(augmentation.GridConfig(image_source="flower", num_variants=3))
    assert grid.original.shape[-1] == 3 and grid.variants.shape[1:] == grid.original.shape


def test_offline_download_falls_back_to_bundled_digits_with_a_message():
    def offline_loader():
        raise Exception("URL fetch failure on https://example.invalid/mnist.npz: None -- [Errno -2] Name or service not known")

    fallback = images.load_images("mnist", loader=offline_loader)
    assert fallback.name == "digits" and fallback.images.shape == (1797, 8, 8, 1)
    assert "not available" in fallback.note and "Name or service not known" in fallback.note


def test_forced_offline_never_calls_the_downloader(monkeypatch):
    def must_not_download(name):
        raise AssertionError("the downloader was called")

    monkeypatch.setenv("DLTEACH_OFFLINE", "1")
    monkeypatch.setattr(images, "_keras_loader", must_not_download)
    result = images.load_images("fashion_mnist")
    assert result.name == "digits" and "DLTEACH_OFFLINE" in result.note


def test_a_working_downloader_is_scaled_to_unit_range():
    rng = np.random.default_rng(0)
    fake = ((rng.integers(0, 256, (30, 28, 28), dtype=np.uint8), np.arange(30) % 10), (None, None))
    loaded = images.load_images("fashion_mnist", loader=lambda: fake)
    assert loaded.name == "fashion_mnist" and loaded.note is None
    np.testing.assert_allclose(loaded.images[..., 0], fake[0][0] / 255.0, atol=1e-7)
    assert loaded.class_names[9] == "Ankle boot"


def test_run_is_seeded_and_reports_the_numbers_it_trained():
    first = augmentation.run(TINY)
    again = augmentation.run(TINY)
    assert [run.label for run in first.runs][0] == "without augmentation" and len(first.runs) == 2
    for a, b in zip(first.runs, again.runs):
        np.testing.assert_array_equal(a.history.epochs["val_loss"], b.history.epochs["val_loss"])
    # the baseline of the mirror comparison is the very same training (same seed, same data, same order)
    wrong = augmentation.run(augmentation.wrong_augmentation(TINY))
    np.testing.assert_array_equal(wrong.runs[0].history.epochs["val_accuracy"], first.runs[0].history.epochs["val_accuracy"])
    assert "flip horizontal" in wrong.runs[1].label
    # per-class accuracy, re-weighted by class counts, gives back the overall validation accuracy
    _, (_, _, _, y_val) = augmentation.small_split(TINY)
    counts = np.bincount(y_val, minlength=10)
    for run in first.runs:
        overall = np.nansum(run.per_class_val_accuracy * counts) / counts.sum()
        assert overall == pytest.approx(run.history.epochs["val_accuracy"].iloc[-1], abs=1e-6)
    assert first.summary["gap (train − validation)"].to_numpy() == pytest.approx((first.summary["final train accuracy"] - first.summary["final validation accuracy"]).to_numpy())
    assert first.train_size == 40 and first.val_size == augmentation.VALIDATION_SIZE
    assert all(run.history.compiled_traces == 1 for run in first.runs)


def test_no_augmentation_trains_only_the_plain_network():
    result = augmentation.run(TINY.without_augmentation())
    assert [run.label for run in result.runs] == ["without augmentation"]


@pytest.mark.parametrize(
    "change",
    [dict(flip="sideways"), dict(rotation_degrees=181.0), dict(zoom=-0.1), dict(translation=0.6), dict(contrast=1.0), dict(cutout=1.5), dict(noise_std=0.6), dict(train_size=5), dict(epochs=0), dict(dataset="cifar"), dict(learning_rate=0.0)],
)
def test_bad_settings_are_refused_with_a_message(change):
    with pytest.raises(ValueError):
        dataclasses.replace(augmentation.Config(), **change).validate()


def test_engine_evaluation_uses_clean_images():
    """The engine's train accuracy is measured in inference mode, so augmentation cannot lower it by itself."""
    config = augmentation.Config(**EVERYTHING_ON)
    x = _digit_batch(20)
    y = images.digits().labels[:20]
    model = augmentation.build_model(config, x.shape[1:], 10, augment=True)
    step = SupervisedStep(model, make_optimizer("adam", 0.01), "multiclass")
    loss, _ = step.evaluate_batch(tf.constant(x), tf.constant(y))
    probabilities = engine.predict(augmentation.build_model(config, x.shape[1:], 10, augment=False), x, "multiclass")
    expected = -np.mean(np.log(probabilities[np.arange(20), y]))
    assert float(loss) == pytest.approx(expected, rel=1e-4)


def test_hosted_mode_caps_epochs(monkeypatch):
    monkeypatch.setenv("DLTEACH_HOSTED", "1")
    hosted_cap = limits.current().max_epochs
    augmentation.Config(epochs=hosted_cap).validate()
    with pytest.raises(ValueError, match="epochs"):
        augmentation.Config(epochs=hosted_cap + 1).validate()


@pytest.mark.parametrize("hosted", ["0", "1"])
def test_every_default_is_valid_and_every_field_is_bounded(monkeypatch, hosted):
    monkeypatch.setenv("DLTEACH_HOSTED", hosted)
    for config_class in (augmentation.Config, augmentation.GridImage, augmentation.GridConfig):
        config_class().validate()
        for field in dataclasses.fields(config_class):
            limits.bounds_of(config_class, field.name)  # raises for a field that declares no bounds


def test_the_grid_shows_the_chosen_image_with_the_training_changes():
    config = augmentation.Config(**EVERYTHING_ON, epochs=3)
    grid_config = augmentation.grid_for(config, augmentation.GridImage(image_source="flower", grid_seed=4))
    assert (grid_config.image_source, grid_config.grid_seed, grid_config.num_variants) == ("flower", 4, augmentation.GridImage().num_variants)
    assert all(getattr(grid_config, field) == value for field, value in EVERYTHING_ON.items())


def test_the_live_chart_waits_for_the_first_epoch():
    from dlcore.plots import augmentation as plots

    assert plots.live_accuracy(engine.ProgressInfo(0, 3)) is None
    first_epoch = engine.ProgressInfo(1, 3, TINY_EPOCHS)
    assert len(plots.live_accuracy(first_epoch).data) == 2
