"""GANStep's numbers against their definitions: the two losses, which weights each update moves, the gradient penalty,
and the per-point arrows of the 2-D game against finite differences."""

import keras
import numpy as np
import pytest
from keras import layers

from dlcore import engine
from dlcore.device import tf
from dlcore.experiments.gan import game, metrics, networks, targets
from dlcore.generative import GANStep
from dlcore.optimizers import make_optimizer

LATENT, SEED, COUNT = 2, 5, 64
REAL = (np.random.default_rng(0).normal(size=(COUNT, 2)) + [2.0, 0.0]).astype(np.float32)


def _sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def _bce(target, logits):
    p = _sigmoid(logits.astype(np.float64))
    return -(target * np.log(p) + (1 - target) * np.log(1 - p))


def _sgd(rate):
    return make_optimizer("sgd", rate) if rate > 0 else keras.optimizers.SGD(learning_rate=0.0)  # the app's optimizers refuse a zero rate


def _networks():
    return networks.point_networks(LATENT, 1, 8, seed=3)


def _one_update(generator_loss, g_rate=0.05, d_rate=0.05, smoothing=0.0):
    """One full-batch update through engine.fit, with everything needed to recompute it by hand."""
    generator, discriminator = _networks()
    g_before, d_before = generator.get_weights(), discriminator.get_weights()
    step = GANStep(generator, discriminator, _sgd(g_rate), _sgd(d_rate), latent_dim=LATENT,
                   generator_loss=generator_loss, label_smoothing=smoothing, seed=SEED)
    noise = tf.random.Generator.from_seed(SEED)  # the step's own stream: first draw for D's update, second for G's
    z_discriminator, z_generator = noise.normal([COUNT, LATENT]), noise.normal([COUNT, LATENT])
    history = engine.fit(step, (REAL,), None, engine.TrainSpec(epochs=1, batch_size=0))
    assert history.num_steps == 1
    return history.steps.iloc[0], (generator, discriminator), (g_before, d_before), (z_discriminator, z_generator)


def _with_weights(model, weights):
    copy = keras.models.clone_model(model)
    copy.set_weights(weights)
    return copy


@pytest.mark.parametrize("generator_loss", ["non_saturating", "minimax"])
@pytest.mark.parametrize("smoothing", [0.0, 0.2])
def test_recorded_losses_equal_their_formulas_in_numpy(generator_loss, smoothing):
    record, (generator, discriminator), (g_before, d_before), (z_d, z_g) = _one_update(generator_loss, smoothing=smoothing)
    g0, d0 = _with_weights(generator, g_before), _with_weights(discriminator, d_before)
    real_logits = d0(REAL).numpy()[:, 0].astype(np.float64)
    fake_logits = d0(g0(z_d)).numpy()[:, 0].astype(np.float64)
    d_loss = np.mean(_bce(1.0 - smoothing, real_logits)) + np.mean(_bce(0.0, fake_logits))
    assert record.d_loss == pytest.approx(d_loss, rel=1e-5)
    assert record.d_real == pytest.approx(np.mean(_sigmoid(real_logits)), rel=1e-5)
    assert record.d_fake == pytest.approx(np.mean(_sigmoid(fake_logits)), rel=1e-5)
    # the generator's update sees the discriminator after its own update, on fresh noise
    second = discriminator(g0(z_g)).numpy()[:, 0].astype(np.float64)
    d_of_fake = _sigmoid(second)
    g_loss = np.mean(-np.log(d_of_fake)) if generator_loss == "non_saturating" else np.mean(np.log(1.0 - d_of_fake))
    assert record.g_loss == pytest.approx(g_loss, rel=1e-5)


def _gradients(loss_fn, variables):
    with tf.GradientTape() as tape:
        loss = loss_fn()
    return [g.numpy() for g in tape.gradient(loss, variables)]


@pytest.mark.parametrize("generator_loss", ["non_saturating", "minimax"])
def test_each_update_moves_only_its_own_network_by_its_own_gradient(generator_loss):
    rate = 0.05
    _, (generator, discriminator), (g_before, d_before), (z_d, z_g) = _one_update(generator_loss, g_rate=rate, d_rate=rate)
    g0, d0 = _with_weights(generator, g_before), _with_weights(discriminator, d_before)
    step = GANStep(g0, d0, make_optimizer("sgd", rate), make_optimizer("sgd", rate), latent_dim=LATENT, generator_loss=generator_loss)
    d_gradient = _gradients(lambda: step.discriminator_loss(d0(REAL, training=True), d0(g0(z_d, training=True), training=True)), d0.trainable_variables)
    for after, before, gradient in zip(discriminator.get_weights(), d_before, d_gradient):
        np.testing.assert_allclose(after - before, -rate * gradient, atol=1e-6)  # SGD: the step is exactly −η·∂d_loss/∂θ_D
    d1 = _with_weights(discriminator, discriminator.get_weights())
    g_gradient = _gradients(lambda: step.generator_loss_value(d1(g0(z_g, training=True), training=True)), g0.trainable_variables)
    for after, before, gradient in zip(generator.get_weights(), g_before, g_gradient):
        np.testing.assert_allclose(after - before, -rate * gradient, atol=1e-6)


@pytest.mark.parametrize(("g_rate", "d_rate"), [(0.05, 0.0), (0.0, 0.05)])
def test_a_frozen_network_stays_frozen_while_the_other_learns(g_rate, d_rate):
    _, (generator, discriminator), (g_before, d_before), _ = _one_update("non_saturating", g_rate=g_rate, d_rate=d_rate)
    g_moved = max(np.abs(a - b).max() for a, b in zip(generator.get_weights(), g_before))
    d_moved = max(np.abs(a - b).max() for a, b in zip(discriminator.get_weights(), d_before))
    assert (g_moved == 0.0) == (g_rate == 0.0) and (d_moved == 0.0) == (d_rate == 0.0)
    assert max(g_moved, d_moved) > 1e-4


def _critic(kind):
    x = keras.Input(shape=(2,))
    if kind == "linear":
        out = layers.Dense(1, kernel_initializer=keras.initializers.Constant([[0.6], [-2.0]]), bias_initializer="ones")(x)
    else:  # D(x) = ½‖x‖², whose gradient at x is x itself
        out = layers.Lambda(lambda v: 0.5 * keras.ops.sum(v * v, axis=1, keepdims=True))(x)
    return keras.Model(x, out)


@pytest.mark.parametrize("kind", ["linear", "half_squared_norm"])
def test_gradient_penalty_equals_its_definition(kind):
    penalty_weight = 7.0
    generator, _ = _networks()
    step = GANStep(generator, _critic(kind), make_optimizer("sgd", 0.1), make_optimizer("sgd", 0.1), latent_dim=LATENT, generator_loss="wasserstein", gradient_penalty=penalty_weight, seed=SEED)
    fake = np.random.default_rng(1).normal(size=(COUNT, 2)).astype(np.float32)
    twin = tf.random.Generator.from_state(step.noise.state.numpy(), step.noise.algorithm)  # a copy of the state, not the same variable
    weight = twin.uniform([COUNT, 1]).numpy().astype(np.float64)
    between = weight * REAL + (1 - weight) * fake
    slopes = np.tile([0.6, -2.0], (COUNT, 1)) if kind == "linear" else between
    expected = penalty_weight * np.mean((np.linalg.norm(slopes, axis=1) - 1.0) ** 2)
    assert float(step.penalty(tf.constant(REAL), tf.constant(fake), None)) == pytest.approx(expected, rel=1e-5)
    if kind == "linear":
        assert expected == pytest.approx(penalty_weight * (np.hypot(0.6, 2.0) - 1.0) ** 2)


@pytest.mark.parametrize("generator_loss", ["non_saturating", "minimax", "wasserstein"])
def test_arrows_are_minus_each_points_loss_gradient(generator_loss):
    config = game.GameConfig(generator_loss=generator_loss, seed=4)
    sample = targets.sample_target("ring", 256, 4)
    generator, discriminator = networks.point_networks(config.latent_dim, config.hidden_layers, config.units, config.seed)
    step = GANStep(generator, discriminator, make_optimizer("adam", 1e-3), make_optimizer("adam", 1e-3), latent_dim=config.latent_dim, generator_loss=generator_loss)
    step.build()
    # At the start D's biases are 0, so its ReLU kinks pass through (0, 0), where the generator's first points sit;
    # random biases move the kinks off the points, so that finite differences measure a smooth function.
    for index, name in enumerate(("discriminator_hidden_1", "discriminator_hidden_2")):
        layer = discriminator.get_layer(name)
        layer.bias.assign(np.random.default_rng(index).normal(0.0, 1.0, layer.bias.shape).astype(np.float32))
    frame = game.snapshotter(config, sample.points, metrics.reference_for(sample), 16)(step)
    points = frame.generated[: game.ARROW_POINTS].astype(np.float64)

    def loss(x):
        return game.per_point_generator_loss(discriminator(tf.constant(x, tf.float32)), generator_loss).numpy()[:, 0].astype(np.float64)

    h = 3e-4
    numeric = np.stack([(loss(points + h * e) - loss(points - h * e)) / (2 * h) for e in np.eye(2)], axis=1)
    error = np.linalg.norm(frame.arrows + numeric, axis=1) / np.maximum(np.linalg.norm(numeric, axis=1), 1e-3)
    # D is piecewise linear (ReLU): a difference quotient straddling a kink is wrong, so a few points may disagree
    assert np.median(error) < 1e-2 and np.mean(error < 0.03) >= 0.95, np.sort(error)[-10:]
    assert frame.d_map.shape == (game.MAP_RESOLUTION, game.MAP_RESOLUTION) and frame.step == 0
    if generator_loss != "wasserstein":
        assert 0.0 < frame.d_map.min() and frame.d_map.max() < 1.0
