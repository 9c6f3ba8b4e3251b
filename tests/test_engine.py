"""The training engine against independent computations."""

import math
import threading

import keras
import numpy as np
import pytest

from dlcore import data, engine
from dlcore.device import tf
from dlcore.models import MLPSpec, build_mlp
from dlcore.optimizers import make_optimizer
from dlcore.steps import SupervisedStep

SPLIT = data.toy_dataset("moons", num_samples=200, noise=0.2, seed=3)
TRAIN, VALIDATION = (SPLIT.x_train, SPLIT.y_train), (SPLIT.x_val, SPLIT.y_val)


def _numpy_loss(weights, x, y, activation):
    """Binary cross-entropy of an MLP written in plain float64 numpy (independent of TensorFlow)."""
    act = {"tanh": np.tanh, "sigmoid": lambda z: 1 / (1 + np.exp(-z)), "relu": lambda z: np.maximum(z, 0)}[activation]
    h = x.astype(np.float64)
    for index in range(0, len(weights) - 2, 2):
        h = act(h @ weights[index] + weights[index + 1])
    logits = (h @ weights[-2] + weights[-1])[:, 0]
    return np.mean(np.maximum(logits, 0) - logits * y + np.log1p(np.exp(-np.abs(logits))))


def _one_full_batch_sgd_step(spec: MLPSpec):
    """One engine update with plain SGD, learning rate 1: the parameter change IS minus the gradient."""
    model = build_mlp(spec)
    step = SupervisedStep(model, make_optimizer("sgd", 1.0), "binary")
    history = engine.fit(step, TRAIN, VALIDATION, engine.TrainSpec(epochs=1, batch_size=0, record_parameters=True))
    before, after = history.parameters[0], history.parameters[1]
    return model, history, before - after


def _unflatten(flat, shapes):
    arrays, offset = [], 0
    for shape in shapes:
        size = int(np.prod(shape))
        arrays.append(flat[offset : offset + size].reshape(shape).astype(np.float64))
        offset += size
    return arrays


def test_gradient_norms_match_gradient_tape():
    spec = MLPSpec(num_hidden_layers=3, units=8, activation="tanh", seed=5)
    _, history, _ = _one_full_batch_sgd_step(spec)
    fresh = build_mlp(spec)  # same seed, same starting weights
    with tf.GradientTape() as tape:
        logits = fresh(SPLIT.x_train, training=True)
        loss, _ = engine.loss_and_accuracy("binary", SPLIT.y_train, logits)
    kernels = [layer.kernel for layer in fresh.layers if getattr(layer, "kernel", None) is not None]
    expected = [float(tf.norm(g)) for g in tape.gradient(loss, kernels)]
    np.testing.assert_allclose(history.initial_gradient_norms, expected, rtol=1e-5)
    assert history.group_names == ("hidden_1", "hidden_2", "hidden_3", "output")


@pytest.mark.parametrize("activation", ["tanh", "sigmoid"])
def test_engine_gradient_matches_central_finite_differences(activation):
    spec = MLPSpec(num_hidden_layers=2, units=5, activation=activation, seed=11)
    model, history, gradient = _one_full_batch_sgd_step(spec)
    shapes = [tuple(v.shape) for v in model.trainable_variables]
    weights = _unflatten(history.parameters[0], shapes)
    x, y = SPLIT.x_train, SPLIT.y_train.astype(np.float64)
    rng = np.random.default_rng(0)
    flat = np.concatenate([w.ravel() for w in weights])
    checked = rng.choice(flat.size, size=min(40, flat.size), replace=False)
    epsilon = 1e-6
    finite_differences = []
    for index in checked:
        plus, minus = flat.copy(), flat.copy()
        plus[index] += epsilon
        minus[index] -= epsilon
        finite_differences.append((_numpy_loss(_unflatten(plus, shapes), x, y, activation) - _numpy_loss(_unflatten(minus, shapes), x, y, activation)) / (2 * epsilon))
    finite_differences = np.array(finite_differences)
    relative_error = np.linalg.norm(gradient[checked] - finite_differences) / np.linalg.norm(finite_differences)
    print(f"{activation}: relative error engine vs finite differences = {relative_error:.2e}")
    assert relative_error < 1e-4


@pytest.mark.parametrize(("batch_size", "expected"), [(1, 140), (32, math.ceil(140 / 32)), (0, 1), (10_000, 1)])
def test_steps_per_epoch_for_stochastic_minibatch_and_batch(batch_size, expected):
    model = build_mlp(MLPSpec(num_hidden_layers=1, units=4))
    step = SupervisedStep(model, make_optimizer("sgd", 0.1), "binary")
    history = engine.fit(step, TRAIN, VALIDATION, engine.TrainSpec(epochs=2, batch_size=batch_size))
    assert len(SPLIT.x_train) == 140
    assert history.steps_per_epoch == expected
    assert history.num_steps == 2 * expected
    assert list(history.steps.groupby("epoch").size()) == [expected, expected]
    assert history.compiled_traces == 1  # one trace serves every epoch


def _train(seed, clipping="off", epochs=3):
    model = build_mlp(MLPSpec(num_hidden_layers=2, units=8, dropout_rate=0.2, seed=seed))
    step = SupervisedStep(model, make_optimizer("adam", 0.01, clipping, 0.5), "binary")
    return engine.fit(step, TRAIN, VALIDATION, engine.TrainSpec(epochs=epochs, batch_size=16, seed=seed))


def test_seeded_runs_are_identical_and_seeds_matter():
    first, second, other = _train(7), _train(7), _train(8)
    np.testing.assert_array_equal(first.gradient_norms, second.gradient_norms)
    pd_first, pd_second = first.epochs.drop(columns="seconds"), second.epochs.drop(columns="seconds")
    assert pd_first.equals(pd_second)
    assert not np.array_equal(first.gradient_norms, other.gradient_norms)


def test_nan_detection_fires_on_exploding_config_and_not_on_healthy_one():
    exploding = build_mlp(MLPSpec(num_hidden_layers=8, units=16, activation="relu", initializer="large_normal", seed=0))
    step = SupervisedStep(exploding, make_optimizer("sgd", 0.5), "binary")
    history = engine.fit(step, TRAIN, VALIDATION, engine.TrainSpec(epochs=20, batch_size=16))
    assert history.divergence is not None
    assert history.num_steps == history.divergence.step  # training stopped at the failing step
    assert f"at step {history.divergence.step}" in history.divergence.message()
    assert np.all(np.isfinite(history.steps["loss"].to_numpy()[:-1]))
    # the weights were not overwritten with NaN by the failing update
    assert all(np.all(np.isfinite(w)) for w in exploding.get_weights())
    assert _train(1).divergence is None


def test_clipping_by_value_bounds_every_update():
    model = build_mlp(MLPSpec(num_hidden_layers=2, units=8, initializer="large_normal", seed=2))
    step = SupervisedStep(model, make_optimizer("sgd", 1.0, "value", 0.01), "binary")
    history = engine.fit(step, TRAIN, VALIDATION, engine.TrainSpec(epochs=1, batch_size=0, record_parameters=True))
    change = np.abs(history.parameters[1] - history.parameters[0])
    assert change.max() <= 0.01 + 1e-6
    assert history.initial_gradient_norms.max() > 1.0  # the raw gradient really was larger


def test_clipping_by_norm_bounds_each_variable_update():
    model = build_mlp(MLPSpec(num_hidden_layers=2, units=8, initializer="large_normal", seed=2))
    step = SupervisedStep(model, make_optimizer("sgd", 1.0, "norm", 0.5), "binary")
    history = engine.fit(step, TRAIN, VALIDATION, engine.TrainSpec(epochs=1, batch_size=0, record_parameters=True))
    shapes = [tuple(v.shape) for v in model.trainable_variables]
    changes = _unflatten(history.parameters[0] - history.parameters[1], shapes)
    assert max(np.linalg.norm(c) for c in changes) <= 0.5 + 1e-5


def test_early_stopping_restores_best_epoch_and_progress_can_stop():
    model = build_mlp(MLPSpec(num_hidden_layers=3, units=64, seed=0))
    step = SupervisedStep(model, make_optimizer("adam", 0.05), "binary")
    history = engine.fit(step, TRAIN, VALIDATION, engine.TrainSpec(epochs=200, batch_size=16, early_stopping_patience=5))
    assert history.stopped_early_epoch is not None
    assert history.stopped_early_epoch - history.best_epoch == 5
    best = history.epochs.set_index("epoch").loc[history.best_epoch, "val_loss"]
    restored, _ = engine.loss_and_accuracy("binary", SPLIT.y_val, model(SPLIT.x_val, training=False))
    assert float(restored) == pytest.approx(best, rel=1e-5)

    seen = []
    stopper = engine.fit(
        SupervisedStep(build_mlp(MLPSpec(seed=1)), make_optimizer("sgd", 0.1), "binary"),
        TRAIN, VALIDATION, engine.TrainSpec(epochs=50),
        progress=lambda info: seen.append(info.fraction) or info.epoch < 3,
    )
    assert len(stopper.epochs) == 3 and seen == pytest.approx([1 / 50, 2 / 50, 3 / 50])


def test_training_in_threads_survives_clear_session_from_another_thread():
    """Streamlit clears the Keras session after every script run, in any thread."""
    def run(seed, results):
        results[seed] = _train(seed, epochs=4)

    expected = {seed: _train(seed, epochs=4) for seed in (21, 22)}
    results, stop = {}, threading.Event()

    clears = []

    def clear_repeatedly():  # far more often than Streamlit's once per script run
        while not stop.wait(0.01):
            keras.backend.clear_session()
            clears.append(1)

    clearer = threading.Thread(target=clear_repeatedly)
    workers = [threading.Thread(target=run, args=(seed, results)) for seed in (21, 22)]
    clearer.start()
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    stop.set()
    clearer.join()
    assert len(clears) >= 3  # the sessions really were cleared while both trained
    for seed in (21, 22):
        np.testing.assert_allclose(results[seed].gradient_norms, expected[seed].gradient_norms, rtol=1e-5)


@pytest.mark.parametrize("name", ["sgd", "momentum", "nesterov", "adam"])
def test_fused_optimizer_kernels_follow_keras_update_step(name):
    """make_optimizer's plain update loop (Adam through TensorFlow's fused kernel, the rest through Keras' update_step) equals Keras' own rule."""
    from keras.src.optimizers.base_optimizer import BaseOptimizer

    def train(keras_rule: bool):
        model = build_mlp(MLPSpec(num_hidden_layers=2, units=8, activation="tanh", seed=5))
        optimizer = make_optimizer(name, 0.05)
        if keras_rule:
            optimizer._backend_update_step = BaseOptimizer._backend_update_step.__get__(optimizer)
        step = SupervisedStep(model, optimizer, "binary")
        history = engine.fit(step, TRAIN, VALIDATION, engine.TrainSpec(epochs=3, batch_size=16, seed=1, record_parameters=True))
        return history.parameters

    fused, reference = train(False), train(True)
    assert fused.shape == reference.shape and fused.shape[0] == 1 + 3 * math.ceil(len(SPLIT.x_train) / 16)
    assert np.abs(fused[-1] - fused[0]).max() > 1e-3  # the weights really moved
    np.testing.assert_allclose(fused, reference, rtol=1e-4, atol=1e-5)


def test_fused_kernel_is_what_runs_in_the_graph():
    model = build_mlp(MLPSpec(num_hidden_layers=1, units=4, seed=0))
    optimizer = make_optimizer("adam", 0.01)
    optimizer.build(model.trainable_variables)
    graph = tf.function(lambda: optimizer.apply_gradients(zip([tf.ones_like(v) for v in model.trainable_variables], model.trainable_variables)))
    op_types = {op.type for op in graph.get_concrete_function().graph.get_operations()}
    assert "ResourceApplyAdam" in op_types


def test_sgd_keeps_keras_update_because_a_fused_kernel_did_not_pay():
    """bench (fused_update_speedup) measured SGD's fused kernel at about 1.0x Keras' update: only Adam's is kept."""
    model = build_mlp(MLPSpec(num_hidden_layers=1, units=4, seed=0))
    optimizer = make_optimizer("sgd", 0.01)
    optimizer.build(model.trainable_variables)
    graph = tf.function(lambda: optimizer.apply_gradients(zip([tf.ones_like(v) for v in model.trainable_variables], model.trainable_variables)))
    op_types = {op.type for op in graph.get_concrete_function().graph.get_operations()}
    assert not {"ResourceApplyGradientDescent", "ResourceApplyKerasMomentum"} & op_types
