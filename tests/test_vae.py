"""The VAE page's numbers: KL against its closed form, the reparameterised sample, gradients into μ and σ, numpy copies, plain data."""

import dataclasses
import pickle

import keras
import numpy as np
import pytest
from keras import layers

from dlcore import images
from dlcore.device import tf
from dlcore.experiments import vae as lab
from dlcore.generative import VAEStep
from dlcore.optimizers import make_optimizer
from dlcore.plots import vae as plots

SMALL = lab.ModelConfig(epochs=6, hidden_units=64)
TINY = lab.ModelConfig(epochs=2, hidden_units=32)  # trained twice: once watched, once not


@pytest.fixture(scope="module")
def pair():
    return lab.train_vae(SMALL), lab.train_autoencoder(SMALL)


# ---------------------------------------------------------------- the KL term and the sample


def test_kl_equals_the_closed_form_on_the_same_batch(pair):
    """VAEStep's kl (the engine's validation metric after the last epoch) against −½ Σ(1 + log σ² − μ² − σ²) in numpy on the same images."""
    vae, _ = pair
    by_hand = np.mean(np.sum(-0.5 * (1 + vae.val_log_variances.astype(np.float64) - vae.val_means**2 - np.exp(vae.val_log_variances.astype(np.float64))), axis=1))
    assert vae.final["kl"] == pytest.approx(by_hand, rel=1e-4)
    assert vae.final["kl"] > 0.1  # an informative code, not the prior: the comparison means something
    np.testing.assert_allclose(vae.kl_per_dimension.sum(), by_hand, rtol=1e-6)


def test_step_losses_match_numpy_on_one_batch():
    data = lab.image_data("digits")
    encoder, decoder = lab.build_networks(SMALL, data.x_train.shape[1])
    step = VAEStep(encoder, decoder, make_optimizer("adam", 0.005), seed=3)
    batch = data.x_val[:64]
    _, recon, kl = (float(v) for v in step.losses(tf.constant(batch), training=False))
    mean, log_variance = lab.Encoder.from_keras(encoder)(batch)
    assert kl == pytest.approx(lab.kl_per_example(mean, log_variance).sum(axis=1).mean(), rel=1e-5)
    assert recon > 0


def _constant_encoder(mean, log_variance, pixels=4):
    inputs = keras.Input(shape=(pixels,))
    heads = [layers.Dense(len(mean), kernel_initializer="zeros", bias_initializer=keras.initializers.Constant(value), name=name)(inputs) for value, name in ((mean, "m"), (log_variance, "v"))]
    return keras.Model(inputs, heads)


def test_the_reparameterised_sample_has_the_requested_mean_and_variance():
    """Through VAEStep.encode itself: 20,000 draws of z = μ + σ·ε, each statistic within four standard errors."""
    mean, log_variance = np.array([1.5, -0.7], np.float32), np.array([np.log(0.25), np.log(4.0)], np.float32)
    decoder = keras.Sequential([keras.Input(shape=(2,)), layers.Dense(4)])
    step = VAEStep(_constant_encoder(mean, log_variance), decoder, make_optimizer("adam", 0.01), seed=11)
    count = 20_000
    got_mean, got_log_variance, z = (t.numpy().astype(np.float64) for t in step.encode(tf.zeros([count, 4])))
    np.testing.assert_allclose(got_mean[0], mean, rtol=1e-6)
    np.testing.assert_allclose(got_log_variance[0], log_variance, rtol=1e-6)
    variance = np.exp(log_variance.astype(np.float64))
    assert np.all(np.abs(z.mean(axis=0) - mean) < 4 * np.sqrt(variance / count))
    assert np.all(np.abs(z.var(axis=0, ddof=1) - variance) < 4 * variance * np.sqrt(2 / (count - 1)))
    assert abs(np.corrcoef(z.T)[0, 1]) < 4 / np.sqrt(count)  # independent dimensions
    numpy_draws = lab.reparameterised_sample(mean, np.sqrt(variance), count, seed=2)  # the page's histogram
    assert np.all(np.abs(numpy_draws.mean(axis=0) - mean) < 4 * np.sqrt(variance / count))


# ---------------------------------------------------------------- gradients into μ and σ


def test_gradients_reach_mu_and_sigma_through_the_trick_and_not_through_a_direct_sample(pair):
    vae, _ = pair
    check = lab.gradient_check(vae, lab.ReparamSettings(image=3, draws=1000, seed=1))
    assert np.all(np.abs(check.reparam_mu) > 1e-6) and np.all(np.abs(check.reparam_sigma) > 1e-6)
    assert check.direct_mu is None and check.direct_sigma is None  # no path from a sampler's output back to its parameters
    assert check.library_sampler_has_gradient  # tf.random.normal(mean, stddev) is μ + σ·ε inside
    np.testing.assert_allclose(check.reparam_mu, check.finite_mu, rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(check.reparam_sigma, check.finite_sigma, rtol=1e-4, atol=1e-6)
    # the tape's mean gradient is the mean of the per-draw ones: ∂L/∂μ = mean ∂L/∂z, ∂L/∂σ = mean ∂L/∂z·ε
    np.testing.assert_allclose(check.per_draw_mu.mean(axis=0), check.reparam_mu, rtol=1e-9)
    np.testing.assert_allclose(check.per_draw_sigma.mean(axis=0), check.reparam_sigma, rtol=1e-9)
    np.testing.assert_allclose(check.kl_mu, check.mean, rtol=1e-9)  # ∂KL/∂μ = μ
    np.testing.assert_allclose(check.kl_sigma, check.sigma - 1 / check.sigma, rtol=1e-9)  # ∂KL/∂σ = σ − 1/σ
    # the score-function estimator aims at the same value (within its own, much larger, standard error)
    error = check.score_mu.std(axis=0) / np.sqrt(len(check.score_mu))
    assert np.all(np.abs(check.score_mu.mean(axis=0) - check.finite_mu) < 4 * error)
    assert check.spread_ratio > 3
    assert "None" in lab.reparam_note(check)
    with pytest.raises(ValueError):
        lab.gradient_check(pair[1], lab.ReparamSettings())


def test_the_autoencoder_log_variance_head_gets_exactly_no_gradient(pair):
    """z = μ without noise: the log-variance head is outside the graph, so its recorded gradient norm is exactly 0."""
    vae, autoencoder = pair
    for model in (vae, autoencoder):
        names = model.history.group_names
        assert "encoder/log_variance" in names and "encoder/mean" in names
    column = autoencoder.history.group_names.index("encoder/log_variance")
    assert np.all(autoencoder.history.gradient_norms[:, column] == 0.0)
    assert np.all(vae.history.gradient_norms[:, vae.history.group_names.index("encoder/log_variance")] > 0)
    assert np.all(autoencoder.history.epochs["val_kl"] == 0.0)


# ---------------------------------------------------------------- the numpy copies and plain data


def test_numpy_copies_compute_what_the_keras_networks_compute():
    data = lab.image_data("digits")
    encoder, decoder = lab.build_networks(SMALL, data.x_train.shape[1])
    x = data.x_val[:50]
    mean, log_variance = (t.numpy() for t in encoder(x))
    numpy_mean, numpy_log_variance = lab.Encoder.from_keras(encoder)(x)
    np.testing.assert_allclose(numpy_mean, mean, atol=1e-5)
    np.testing.assert_allclose(numpy_log_variance, log_variance, atol=1e-5)
    z = np.random.default_rng(0).normal(size=(20, SMALL.latent_dim)).astype(np.float32)
    np.testing.assert_allclose(lab.Decoder.from_keras(decoder)(z), tf.sigmoid(decoder(z)).numpy(), atol=1e-5)


def test_results_pickle_and_repeat_and_the_live_figure_reads_the_engine_snapshot(pair):
    vae, autoencoder = pair
    judge = lab.judge_for(lab.JudgeConfig())
    path = lab.interpolation(vae, 0, 1, 5)
    results = [vae, autoencoder, judge, lab.prior_samples(vae, judge, 0), path, lab.manifold(vae), lab.survey(vae, autoencoder, 5), lab.gradient_check(vae, lab.ReparamSettings(draws=10))]
    for result in results:
        pickle.loads(pickle.dumps(result))
    seen = []
    watched, again = lab.train_vae(TINY, seen.append), lab.train_vae(TINY)
    np.testing.assert_array_equal(again.val_means, watched.val_means)  # a pure function of its config, watched or not
    assert again.frames[-1].epoch == TINY.epochs and [f.epoch for f in again.frames] == list(lab.snapshot_epochs(TINY.epochs))
    figure = plots.live_latent(seen[-1])
    assert seen[-1].snapshot[1].epoch == seen[-1].snapshot[0] and "epoch" in figure.layout.title.text
    assert plots.live_latent(dataclasses.replace(seen[0], snapshot=None)) is None
    assert len(plots.latent_replay(vae).frames) == len(vae.frames) == len(lab.snapshot_epochs(SMALL.epochs))


# ---------------------------------------------------------------- the walk, the samples, the bounds


def test_map_units_and_the_path(pair):
    vae, autoencoder = pair
    for model in (vae, autoencoder):
        units = np.array([1.3, -2.2])
        np.testing.assert_allclose(lab.to_units(model, lab.walk.to_latent(model, units)), units)
        start, end = lab.example_index(model, 4, 0), lab.example_index(model, 7, 0)
        path = lab.interpolation(model, start, end, 7)
        np.testing.assert_allclose(path.images[[0, -1]], model.decoder(model.val_means[[start, end]]), atol=1e-6)
        assert path.gap.shape == (7,) and path.jumps.shape == (6,) and 1 / 6 - 1e-9 <= path.largest_jump_share <= 1
        z, picture = lab.decode_point(model, (0.0, 0.0))
        assert picture.shape == model.image_shape and np.all((picture >= 0) & (picture <= 1))
    assert lab.example_index(vae, 3, 10_000) == lab.example_index(vae, 3, 10_000 % np.sum(vae.val_labels == 3))
    manifold = lab.manifold(vae, 5)
    assert manifold.images.shape == (5, 5, 8, 8) and manifold.z1[0] == -lab.SPAN
    overall = lab.survey(vae, autoencoder, 6)
    assert overall.pairs == 45 and 0 <= overall.vae_more_even <= 45


def test_both_networks_decode_the_same_prior_draws(pair):
    vae, autoencoder = pair
    judge = lab.judge_for(lab.JudgeConfig())
    first, second = lab.prior_samples(vae, judge, 4), lab.prior_samples(autoencoder, judge, 4)
    np.testing.assert_array_equal(first.codes, second.codes)
    assert not np.array_equal(first.codes, lab.prior_samples(vae, judge, 5).codes)
    verdicts = first.verdicts
    assert verdicts.class_shares.sum() == pytest.approx(verdicts.confident_share)
    assert 0 <= verdicts.classes_covered <= 10


@pytest.mark.parametrize(
    "changes",
    [dict(latent_dim=5), dict(beta=100.0), dict(beta=-1.0), dict(epochs=0), dict(epochs=10_000), dict(hidden_units=7), dict(dataset="cifar10"), dict(learning_rate=float("nan"))],
)
def test_settings_outside_the_limits_are_refused_with_the_field_named(changes):
    config = dataclasses.replace(lab.ModelConfig(), **changes)
    problems = config.problems()
    assert problems and list(changes)[0] in problems[0]
    with pytest.raises(ValueError, match=list(changes)[0]):
        lab.train_vae(config)


def test_a_set_that_is_not_downloaded_falls_back_to_the_digits_with_a_note(tmp_path, monkeypatch):
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    monkeypatch.delenv("DLTEACH_OFFLINE", raising=False)
    data = lab.image_data("mnist")
    assert data.name == "digits" and data.image_shape == (8, 8) and "MNIST" in data.note
    monkeypatch.setenv("DLTEACH_OFFLINE", "1")
    assert lab.image_data("fashion_mnist").note


def test_a_cached_mnist_file_trains_at_28_by_28(tmp_path, monkeypatch):
    """Keras' own file format (mnist.npz), written here: the loader reads it and never touches the network."""
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    monkeypatch.delenv("DLTEACH_OFFLINE", raising=False)
    (tmp_path / "datasets").mkdir()
    rng = np.random.default_rng(0)
    x = (rng.uniform(size=(60, 28, 28)) > 0.8).astype(np.uint8) * 255
    y = np.arange(60) % 10
    np.savez(tmp_path / "datasets" / "mnist.npz", x_train=x, y_train=y, x_test=x[:5], y_test=y[:5])
    clear = getattr(images, "_cached_set", None)
    if clear is not None:
        clear.cache_clear()
    try:
        trained = lab.train_vae(lab.ModelConfig(dataset="mnist", epochs=2, hidden_units=32))
    finally:
        if clear is not None:
            clear.cache_clear()
    assert trained.dataset == "mnist" and trained.image_shape == (28, 28) and trained.dataset_note is None
    assert len(trained.val_images) == 12 and trained.val_images.shape[1] == 784
    assert lab.manifold(trained).images.shape[2:] == (28, 28)


def test_pictures_captions_and_the_trick_diagram(pair):
    vae, _ = pair
    shown = plots.pictures(vae.val_images[:3], vae.image_shape)
    assert len(shown) == 3 and shown[0].shape == (56, 56) and shown[0].dtype == np.uint8
    assert shown[0][0, 0] == round(255 * (1 - vae.val_images[0, 0]))  # ink on paper, whole-pixel enlargement
    verdicts = lab.Verdicts(np.array([3, 7]), np.array([0.98, 0.41]), 10)
    assert plots.verdict_captions(verdicts, vae.class_names) == ["3 · 98%", "7? · 41%"]
    check = lab.gradient_check(vae, lab.ReparamSettings(draws=100))
    dot = plots.reparam_graph(check)
    assert dot.startswith("digraph") and dot.count("{") == dot.count("}") and f"{check.reparam_mu[0]:.2f}" in dot and "None" in dot
