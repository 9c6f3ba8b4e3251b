"""The step contract, proven on every kind of model the course needs, through the same engine.fit.

A tiny VAE (scalars recon and kl), a GAN on 2-D points (two models, two
optimizers), a character-level LSTM (sequence targets, recurrent-kernel
gradients checked against tf.GradientTape), a small CNN (batched evaluation),
and the engine's own promises: norms that never underflow, ∂L/∂a norms,
progress every N steps, snapshots, optional validation.
"""

import pydoc_data.topics

import keras
import numpy as np
import pytest
from keras import layers

from dlcore import data, engine
from dlcore.device import tf
from dlcore.experiments import vanishing
from dlcore.generative import GANStep, VAEStep, kl_to_standard_normal
from dlcore.models import CNNSpec, MLPSpec, build_mlp, build_small_cnn
from dlcore.optimizers import make_optimizer
from dlcore.steps import SupervisedStep, safe_norm, variable_groups

MOONS = data.toy_dataset("moons", num_samples=300, noise=0.2, seed=1)


def _tape_gradients(model, x, y, task, targets):
    with tf.GradientTape() as tape:
        loss, _ = engine.loss_and_accuracy(task, y, model(x, training=True))
    return [tf.convert_to_tensor(g).numpy() for g in tape.gradient(loss, targets)]


# ---------------------------------------------------------------- norms


def test_gradient_norms_do_not_underflow_where_a_plain_norm_does():
    """The vanishing preset's first layers get gradients near 1e-20 and below: squaring them underflows float32."""
    config = vanishing.Config(epochs=1, **vanishing.PRESETS["Vanishing"])
    split, model, step = vanishing.build(config)
    x, y = split.x_train, split.y_train
    kernels = [group.variables[0] for group in step.groups]
    gradients = _tape_gradients(model, x, y, "binary", kernels)
    exact = np.array([np.linalg.norm(g.astype(np.float64)) for g in gradients])  # float64: no underflow
    plain = np.array([float(tf.norm(tf.constant(g))) for g in gradients])  # float32 squares: underflow
    history = engine.fit(step, (x, y), None, engine.TrainSpec(epochs=1, batch_size=0))
    recorded = history.initial_gradient_norms
    reached = exact > 0  # layers whose float32 gradient has at least one non-zero entry
    assert np.sum(reached & (plain == 0)) >= 3  # the bug this guards against, reproduced: layers with a gradient shown as 0
    normal = exact > 1e-30  # entries well inside float32's normal range; below it they are subnormal and round coarsely
    np.testing.assert_allclose(recorded[normal], exact[normal], rtol=1e-4)
    np.testing.assert_allclose(recorded[reached], exact[reached], rtol=0.05)
    assert np.all(recorded[~reached] == 0.0)  # a gradient that is exactly zero in float32 stays exactly 0, never NaN
    assert recorded[reached][0] / recorded[-1] < 1e-20  # the lesson survives as a number, not a 0


def test_safe_norm_keeps_tiny_values_and_exact_zeros_and_flags_nan():
    assert float(safe_norm(tf.zeros([3, 4]))) == 0.0
    assert float(safe_norm(tf.fill([4], 1e-30))) == pytest.approx(2e-30, rel=1e-6)  # a plain norm gives 0 here
    assert float(tf.norm(tf.fill([4], 1e-30))) == 0.0
    assert float(safe_norm([tf.constant([3.0]), tf.constant([[4.0]])])) == pytest.approx(5.0)  # several tensors as one group
    assert not np.isfinite(float(safe_norm(tf.constant([1.0, np.nan])))) and not np.isfinite(float(safe_norm(tf.constant([1.0, np.inf]))))


def test_a_layer_with_an_exactly_zero_gradient_is_reported_as_zero():
    model = build_mlp(MLPSpec(num_hidden_layers=1, units=4, seed=0))
    step = SupervisedStep(model, make_optimizer("sgd", 0.1), "binary", kinds=("kernel",))
    x = np.zeros((20, 2), np.float32)  # zero inputs: the first kernel's gradient x^T δ is exactly 0
    history = engine.fit(step, (x, np.ones(20, np.int32)), None, engine.TrainSpec(epochs=1, batch_size=0))
    assert history.initial_gradient_norms[0] == 0.0 and history.divergence is None


def test_output_gradient_norms_match_gradient_tape():
    model = build_mlp(MLPSpec(num_hidden_layers=3, units=8, activation="tanh", seed=2))
    names = ("activation_1", "activation_2", "activation_3", "output")
    probe = keras.Model(model.input, [model.get_layer(name).output for name in names])
    x, y = MOONS.x_train, MOONS.y_train
    with tf.GradientTape() as tape:
        outputs = probe(x, training=True)
        loss, _ = engine.loss_and_accuracy("binary", y, outputs[-1])
    expected = [float(np.linalg.norm(g.numpy())) for g in tape.gradient(loss, outputs)]
    step = SupervisedStep(model, make_optimizer("sgd", 0.1), "binary", output_layers=names)
    history = engine.fit(step, (x, y), None, engine.TrainSpec(epochs=1, batch_size=0))
    assert history.output_names == names
    np.testing.assert_allclose(history.initial_output_gradient_norms, expected, rtol=1e-5)


# ---------------------------------------------------------------- the loop's promises


def test_progress_every_n_steps_snapshots_and_one_trace():
    model = build_mlp(MLPSpec(num_hidden_layers=1, units=8, seed=0))
    seen = []
    step = SupervisedStep(model, make_optimizer("adam", 0.01), "binary", snapshot=lambda s: float(s.model.get_layer("output").kernel.numpy().sum()))
    spec = engine.TrainSpec(epochs=3, batch_size=21, progress_every_steps=4, snapshot_epochs=(0, 2))  # 210 examples: 10 updates per epoch
    history = engine.fit(step, (MOONS.x_train, MOONS.y_train), (MOONS.x_val, MOONS.y_val), spec, progress=lambda info: seen.append(info) and None)
    assert len(MOONS.x_train) == 210 and history.steps_per_epoch == 10
    assert [info.step for info in seen] == [4, 8, 10, 14, 18, 20, 24, 28, 30]  # within epochs and at their ends
    assert all(b.fraction > a.fraction for a, b in zip(seen, seen[1:])) and seen[-1].fraction == 1.0
    assert sorted(history.snapshots) == [0, 2, 3] and seen[-1].snapshot[0] == 2
    assert history.snapshots[0] != history.snapshots[3]
    assert history.compiled_traces == 1


def test_validation_is_optional_and_names_come_from_the_step():
    step = SupervisedStep(build_mlp(MLPSpec(num_hidden_layers=1, units=4)), make_optimizer("sgd", 0.1), "binary")
    history = engine.fit(step, (MOONS.x_train, MOONS.y_train), None, engine.TrainSpec(epochs=2))
    assert list(history.epochs.columns) == ["epoch", "train_loss", "train_accuracy", "weight_norm", "seconds"]
    assert list(history.steps.columns) == ["step", "epoch", "loss", "data_loss"]


def test_cnn_batched_evaluation_equals_one_call_and_learns():
    split = data.digits_dataset(seed=0, flat=False)

    def train(evaluation_batch_size):
        model = build_small_cnn(CNNSpec(filters=8, dense_units=32, seed=0))
        step = SupervisedStep(model, make_optimizer("adam", 0.003), "multiclass")
        spec = engine.TrainSpec(epochs=4, batch_size=32, evaluation_batch_size=evaluation_batch_size)
        return engine.fit(step, (split.x_train, split.y_train), (split.x_val, split.y_val), spec)

    batched, whole = train(100), train(10_000)  # 1,258 training and 539 validation images: 13 and 6 batches
    np.testing.assert_allclose(batched.epochs[["train_loss", "val_loss", "val_accuracy"]], whole.epochs[["train_loss", "val_loss", "val_accuracy"]], rtol=1e-5)
    assert batched.group_names == ("conv_1", "conv_2", "dense_1", "output")
    assert whole.epochs["val_accuracy"].iloc[-1] > 0.85


# ---------------------------------------------------------------- a character-level LSTM


def _text_windows(length=32, characters=6000):
    text = "".join(pydoc_data.topics.topics[name] for name in sorted(pydoc_data.topics.topics))[:characters]
    vocabulary = sorted(set(text))
    codes = np.array([vocabulary.index(c) for c in text], np.int32)
    starts = np.arange(0, len(codes) - length - 1, length // 2)
    x = np.stack([codes[s : s + length] for s in starts])
    y = np.stack([codes[s + 1 : s + length + 1] for s in starts])
    counts = np.bincount(codes, minlength=len(vocabulary)) / len(codes)
    unigram_entropy = float(-np.sum(counts[counts > 0] * np.log(counts[counts > 0])))  # nats per character
    return x, y, len(vocabulary), unigram_entropy


def _char_model(vocabulary_size, seed=0):
    inputs = keras.Input(shape=(None,), dtype="int32", name="characters")
    x = layers.Embedding(vocabulary_size, 16, embeddings_initializer=keras.initializers.RandomUniform(-0.05, 0.05, seed=seed), name="embedding")(inputs)
    x = layers.LSTM(64, return_sequences=True, kernel_initializer=keras.initializers.GlorotUniform(seed=seed + 1),
                    recurrent_initializer=keras.initializers.Orthogonal(seed=seed + 2), name="lstm")(x)
    outputs = layers.Dense(vocabulary_size, kernel_initializer=keras.initializers.GlorotUniform(seed=seed + 3), name="next_character")(x)
    return keras.Model(inputs, outputs, name="char_lstm")


def test_char_lstm_records_recurrent_gradients_like_the_tape_and_beats_the_unigram_model():
    x, y, vocabulary_size, unigram_entropy = _text_windows()
    groups = variable_groups(_char_model(vocabulary_size))
    assert [(g.name, g.kind) for g in groups] == [("embedding", "embedding"), ("lstm", "kernel"), ("lstm/recurrent", "recurrent_kernel"), ("next_character", "kernel")]

    model = _char_model(vocabulary_size)
    expected = [np.linalg.norm(g) for g in _tape_gradients(model, x, y, "multiclass", [v for g in variable_groups(model) for v in g.variables])]
    step = SupervisedStep(model, make_optimizer("adam", 0.01), "multiclass")
    first = engine.fit(step, (x, y), None, engine.TrainSpec(epochs=1, batch_size=0))
    np.testing.assert_allclose(first.initial_gradient_norms, expected, rtol=1e-4)
    assert first.group_kinds == ("embedding", "kernel", "recurrent_kernel", "kernel")

    cut = int(0.85 * len(x))
    trained = engine.fit(SupervisedStep(_char_model(vocabulary_size, seed=3), make_optimizer("adam", 0.01), "multiclass"), (x[:cut], y[:cut]), (x[cut:], y[cut:]), engine.TrainSpec(epochs=12, batch_size=32))
    final = trained.epochs.iloc[-1]
    print(f"char LSTM: validation {final.val_loss:.3f} nats/char vs unigram {unigram_entropy:.3f}")
    assert final.val_loss < unigram_entropy  # it learned more than how often each character occurs
    assert trained.gradient_norms[:, 2].min() > 0  # the recurrent kernel got a gradient at every step


# ---------------------------------------------------------------- a VAE with a 2-D latent


def _vae(seed=0):
    init = lambda k: keras.initializers.GlorotUniform(seed=seed + k)  # noqa: E731
    inputs = keras.Input(shape=(64,), name="pixels")
    hidden = layers.Dense(64, activation="relu", kernel_initializer=init(0), name="encoder_hidden")(inputs)
    mean = layers.Dense(2, kernel_initializer=init(1), name="mean")(hidden)
    log_variance = layers.Dense(2, kernel_initializer=init(2), name="log_variance")(hidden)
    encoder = keras.Model(inputs, [mean, log_variance], name="encoder")
    codes = keras.Input(shape=(2,), name="code")
    hidden = layers.Dense(64, activation="relu", kernel_initializer=init(3), name="decoder_hidden")(codes)
    decoder = keras.Model(codes, layers.Dense(64, kernel_initializer=init(4), name="pixel_logits")(hidden), name="decoder")
    return encoder, decoder


def test_vae_records_recon_and_kl_through_the_same_engine():
    split = data.digits_dataset(seed=0)
    encoder, decoder = _vae()
    step = VAEStep(encoder, decoder, make_optimizer("adam", 0.003), beta=1.0, seed=0)
    history = engine.fit(step, (split.x_train,), (split.x_val,), engine.TrainSpec(epochs=25, batch_size=64))
    assert list(history.steps.columns) == ["step", "epoch", "loss", "recon", "kl"]
    assert {"train_recon", "val_recon", "train_kl", "val_kl"} <= set(history.epochs.columns)
    assert history.group_names[0] == "encoder/encoder_hidden" and history.group_names[-1] == "decoder/pixel_logits"
    first, last = history.epochs.iloc[0], history.epochs.iloc[-1]
    assert last.val_recon < 0.85 * first.val_recon and last.val_kl > 0.5  # it learned to reconstruct through an informative code
    np.testing.assert_allclose(history.steps.loss, history.steps.recon + history.steps.kl, rtol=1e-5)

    mean, log_variance = (t.numpy().astype(np.float64) for t in encoder(split.x_val[:50]))
    by_hand = -0.5 * np.sum(1 + log_variance - mean**2 - np.exp(log_variance), axis=1)
    np.testing.assert_allclose(kl_to_standard_normal(tf.constant(mean), tf.constant(log_variance)).numpy(), by_hand, rtol=1e-10)


# ---------------------------------------------------------------- a GAN on 2-D points

TARGET_MEAN = np.array([2.0, -1.0])


def _mlp(inputs, outputs, name, seed):
    x = keras.Input(shape=(inputs,))
    h = x
    for index in range(2):
        h = layers.Dense(32, activation="relu", kernel_initializer=keras.initializers.HeNormal(seed=seed + index), name=f"{name}_{index + 1}")(h)
    return keras.Model(x, layers.Dense(outputs, kernel_initializer=keras.initializers.GlorotUniform(seed=seed + 9), name=f"{name}_out")(h), name=name)


@pytest.mark.parametrize("generator_loss", ["non_saturating", "wasserstein"])
def test_gan_trains_two_models_with_two_optimizers(generator_loss):
    generator, discriminator = _mlp(2, 2, "generator", 0), _mlp(2, 1, "discriminator", 20)
    step = GANStep(generator, discriminator, make_optimizer("adam", 0.002, beta_1=0.5), make_optimizer("adam", 0.002, beta_1=0.5), latent_dim=2, generator_loss=generator_loss, seed=0)
    real = (TARGET_MEAN + np.random.default_rng(0).normal(0.0, 0.2, (1024, 2))).astype(np.float32)
    z = np.random.default_rng(1).normal(size=(500, 2)).astype(np.float32)
    before = np.linalg.norm(generator(z).numpy().mean(axis=0) - TARGET_MEAN)
    discriminator_before = [w.copy() for w in discriminator.get_weights()]
    history = engine.fit(step, (real,), None, engine.TrainSpec(epochs=25, batch_size=64))
    after = np.linalg.norm(generator(z).numpy().mean(axis=0) - TARGET_MEAN)
    print(f"{generator_loss}: generated mean {before:.2f} -> {after:.2f} away from the data's mean")
    assert list(history.steps.columns) == ["step", "epoch", "d_loss", "g_loss", "d_real", "d_fake"]
    assert history.group_names[0].startswith("generator/") and history.group_names[-1].startswith("discriminator/")
    assert history.divergence is None and np.all(history.gradient_norms > 0)
    assert any(np.abs(a - b).max() > 1e-3 for a, b in zip(discriminator.get_weights(), discriminator_before))
    assert after < 0.25 * before  # the generator moved its samples onto the data


def test_the_digit_judge_is_independent_plain_data_and_right_on_real_digits():
    from dlcore.judge import digit_judge

    judge = digit_judge("digits")
    assert judge.validation_accuracy > 0.95 and all(isinstance(w, np.ndarray) for w in judge.weights)
    split = data.digits_dataset(seed=5, flat=False)
    labels, confidence = judge.verdicts(split.x_val)
    assert np.mean(labels == split.y_val) > 0.95 and np.all((confidence > 0) & (confidence <= 1))
    noise_labels, noise_confidence = judge.verdicts(np.random.default_rng(0).uniform(size=(200, 8, 8, 1)))
    assert np.median(noise_confidence) < np.median(confidence)  # it is less sure of noise than of digits
    with pytest.raises(ValueError):
        judge.probabilities(np.zeros((2, 28, 28, 1)))
