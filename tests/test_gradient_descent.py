"""Numerical truth for the gradient-descent experiment: surfaces, batch modes, optimizer paths."""

import numpy as np
import pytest

from dlcore import landscapes
from dlcore.device import tf
from dlcore.experiments import gradient_descent as gd
from dlcore.optimizers import make_optimizer
from dlcore.steps import loss_and_accuracy


@pytest.mark.parametrize("problem", ["linear", "logistic"])
def test_loss_surface_matches_the_keras_model(problem):
    x, y, _, _ = gd.make_data(problem, 60, seed=1)
    objective = landscapes.model_objective(x, y, gd.TASKS[problem])
    grid = landscapes.surface(objective, (-2.0, 3.0), (-1.0, 2.0), resolution=5)
    model = gd.build_two_parameter_model((0.0, 0.0))
    for row, column in [(0, 0), (2, 3), (4, 1)]:
        model.get_layer("output").set_weights([np.array([[grid.xs[column]]], np.float32), np.array([grid.ys[row]], np.float32)])
        direct, _ = loss_and_accuracy(gd.TASKS[problem], tf.constant(y), model(tf.constant(x)))
        assert grid.values[row, column] == pytest.approx(float(direct), rel=1e-5)


@pytest.mark.parametrize("mode, expected", [("batch", 1), ("minibatch", 5), ("stochastic", 40)])
def test_updates_per_epoch_for_each_batch_mode(mode, expected):
    split = gd.make_data("linear", 40, seed=0)
    run = gd.train_mode(mode, "linear", split, 0.05, 3, 8, 0)
    assert run.updates_per_epoch == expected
    assert run.num_updates == 3 * expected and run.path.shape == (3 * expected + 1, 2)
    assert run.examples[-1] == 3 * 40


def _race(name, learning_rate, steps, report_every=gd.optimizer_race.REPORT_EVERY_STEPS, **hyper):
    race = gd.race(landscapes.ravine, (-4.0, 1.0), {name: make_optimizer(name, learning_rate, **hyper)}, steps, report_every=report_every)
    return race, race.paths[name]


def test_keras_sgd_path_is_the_textbook_update():
    _, path = _race("sgd", 0.05, 30)
    point, curvature = np.array([-4.0, 1.0]), np.array(landscapes.RAVINE_CURVATURES)
    for k in range(30):
        point = point - 0.05 * curvature * point
        np.testing.assert_allclose(path[k + 1], point, rtol=1e-4, atol=1e-6)


def test_keras_momentum_path_is_the_textbook_update():
    _, path = _race("momentum", 0.05, 30, momentum=0.8)
    point, velocity, curvature = np.array([-4.0, 1.0]), np.zeros(2), np.array(landscapes.RAVINE_CURVATURES)
    for k in range(30):
        velocity = 0.8 * velocity - 0.05 * curvature * point
        point = point + velocity
        np.testing.assert_allclose(path[k + 1], point, rtol=1e-4, atol=1e-5)


def test_race_is_traced_once_for_any_step_count():
    race, _ = _race("adam", 0.1, 5)
    assert race.traces == 1
    race, path = _race("adam", 0.1, 17, report_every=5)  # four calls of the compiled chunk: 5, 5, 5 and 2 updates
    assert race.traces == 1
    assert path.shape == (18, 2)


def test_too_large_learning_rate_ends_cleanly():
    result = gd.run_learning_rate(gd.LearningRateConfig(learning_rate=3.0, epochs=40))
    assert result.verdict == "diverged" and result.run.divergence is not None
    assert result.run.num_updates < 40


@pytest.mark.parametrize("problem", ["linear", "logistic"])
def test_exact_minimum_is_a_stationary_point_below_every_grid_point(problem):
    x, y, _, _ = gd.make_data(problem, 100, seed=0)
    point, loss, hessian = gd.exact_minimum(problem, x, y)
    variable = tf.Variable(point.astype(np.float32))
    objective = landscapes.model_objective(x, y, gd.TASKS[problem])
    with tf.GradientTape() as tape:
        value = objective(variable[0], variable[1])
    assert np.max(np.abs(tape.gradient(value, variable).numpy())) < 1e-4
    assert float(value) == pytest.approx(loss, rel=1e-5)
    assert np.all(np.linalg.eigvalsh(hessian) > 0)
    grid = landscapes.surface(objective, gd.PROBLEM_SETTINGS[problem].w_range, gd.PROBLEM_SETTINGS[problem].b_range, resolution=40)
    assert loss <= grid.values.min() + 1e-6


def test_results_pickle():
    import pickle

    results = [
        gd.run(gd.Config(epochs=1, num_samples=50)),
        gd.run_learning_rate(gd.LearningRateConfig(epochs=1)),
        gd.run_optimizers(gd.OptimizersConfig(steps=10)),
        gd.run_network(gd.NetworkConfig(epochs=1, optimizers=("sgd",), clipping="global")),
    ]
    for result in results:
        again = pickle.loads(pickle.dumps(result))
        assert type(again) is type(result) and again.config == result.config
