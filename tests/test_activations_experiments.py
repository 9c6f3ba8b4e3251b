"""The activation experiments: linear collapse, dead-unit counting, live snapshots, Maxout pieces, bounded configs."""

import dataclasses

import numpy as np
import pandas as pd
import pytest

from dlcore import data, engine, limits
from dlcore.activation_functions import GALLERY
from dlcore.experiments import activations as lab
from dlcore.models import MLPSpec, build_mlp


def test_linear_collapse_holds_on_a_trained_linear_network():
    result = lab.why_nonlinear(lab.NonLinearityConfig(num_hidden_layers=3, units=8, epochs=5, num_samples=200))
    collapse = result.collapse
    assert collapse.layer_shapes == ((2, 8), (8, 8), (8, 8), (8, 1))
    assert collapse.output_scale > 0.1  # trained: outputs are not trivially zero
    assert collapse.relative_difference < 1e-5  # float32 network vs float64 product
    # the single map's sign reproduces the linear network's decision on the grid
    grid_x, grid_y = np.meshgrid(result.linear.xs, result.linear.ys)
    logits = np.stack([grid_x.ravel(), grid_y.ravel()], 1) @ collapse.weight[:, 0] + collapse.bias[0]
    agree = (logits > 0) == (result.linear.probabilities.ravel() > 0.5)
    assert agree.mean() > 0.999


def test_collapse_fails_for_a_network_with_relu():
    """The check can fail: with a non-linearity the multiplied-out map does not reproduce the outputs."""
    model = build_mlp(MLPSpec(num_hidden_layers=2, units=8, activation="relu", seed=1))
    points = np.random.default_rng(0).normal(size=(200, 2)).astype(np.float32)
    assert lab.collapse_linear_network(model, points).relative_difference > 1e-2


def test_dead_unit_counting_on_a_constructed_network():
    model = build_mlp(MLPSpec(num_hidden_layers=2, units=4, activation="relu", seed=0))
    first, second = model.get_layer("hidden_1"), model.get_layer("hidden_2")
    kernel, bias = first.get_weights()
    kernel[:, 1], bias[1] = 0.0, -1.0  # unit 1 of layer 1: always -1 before ReLU -> dead
    kernel[:, 3], bias[3] = 0.0, 2.0  # unit 3: always 2 -> alive
    first.set_weights([kernel, bias])
    kernel2, bias2 = second.get_weights()
    kernel2[:, 0], bias2[0] = -np.abs(kernel2[:, 0]), -0.5  # non-negative inputs times non-positive weights, minus 0.5 -> dead
    second.set_weights([kernel2, bias2])
    x = np.random.default_rng(0).normal(size=(300, 2)).astype(np.float32)
    activations = lab.hidden_activations(model, x)
    dead = lab.dead_units(activations)
    assert dead[0][1] and dead[1][0] and not dead[0][3]
    assert lab.dead_fraction(activations) == pytest.approx(np.concatenate(dead).mean())
    assert lab.zero_fraction(activations)[0] >= 0.25  # one of four units is zero everywhere
    assert lab.dead_units([np.array([[0.0, 1.0], [0.0, 0.0]])])[0].tolist() == [True, False]


def test_live_boundary_takes_snapshots_through_the_step_and_hands_them_to_progress():
    seen = []

    def progress(info):
        seen.append(info.snapshot[0])

    config = lab.LiveConfig(dataset="moons", epochs=12, snapshot_every=5, num_samples=100, units=8)
    result = lab.live_boundary(config, progress)
    assert result.snapshot_epochs == (0, 5, 10, 12)
    assert result.snapshots.shape == (4, lab.GRID_RESOLUTION, lab.GRID_RESOLUTION)
    assert seen[:5] == [0, 0, 0, 0, 5] and seen[-1] == 12
    assert lab.snapshot_epochs(300, 1)[-1] == 300 and len(lab.snapshot_epochs(300, 1)) <= lab.MAX_LIVE_FRAMES
    np.testing.assert_allclose(result.snapshots[-1], result.final.probabilities)


def test_maxout_network_pieces_reproduce_the_layer_output():
    result = lab.maxout(lab.MaxoutConfig(units=3, pieces=2, epochs=3, num_samples=100))
    model = lab.build_maxout_network(3, 2, 0)
    model.get_layer("maxout_1").set_weights([result.kernel, result.bias])
    points = np.random.default_rng(1).normal(size=(50, 2)).astype(np.float32)
    layer_output = np.asarray(model.get_layer("maxout_1")(points))
    for unit in range(3):
        by_hand = lab.maxout_unit_pieces(result.kernel, result.bias, 2, unit, points).max(axis=1)
        np.testing.assert_allclose(layer_output[:, unit], by_hand, atol=1e-5)
    grid, xs, line, _ = lab.maxout_unit_views(result, 1)
    assert grid.shape == (len(xs) ** 2, 2) and line.shape == (len(xs), 2)
    with pytest.raises(ValueError):
        lab.maxout_unit_views(result, 3)


def test_deep_sigmoid_gradient_vanishes_and_relu_does_not():
    result = lab.relu_gradients(lab.GradientConfig(num_hidden_layers=8, epochs=1))
    sigmoid, relu = (result.histories[n].initial_gradient_norms for n in ("sigmoid", "relu"))
    assert sigmoid[0] / sigmoid[-1] < 1e-3
    assert relu[0] / relu[-1] > 1e-2


def test_cost_and_sparsity_results_are_complete():
    cost = lab.relu_cost(lab.CostConfig(seconds_per_cell=0.01, num_hidden_layers=1, batch_size=16))
    assert set(cost.passes["activation"]) == {"sigmoid", "relu"} and (cost.passes["ms"] > 0).all()
    assert len(cost.passes) == 2 * len(lab.COST_WIDTHS) and (cost.passes["repeats"] >= 5).all()
    sparsity = lab.relu_sparsity(lab.SparsityConfig(num_hidden_layers=2, units=8, epochs=1))
    assert list(sparsity.sweep["learning_rate"]) == list(lab.SWEEP_LEARNING_RATES)
    assert sparsity.sweep["zero_fraction"].between(0, 1).all()
    assert len(sparsity.layers) == 2 * 2 * len(lab.SWEEP_LEARNING_RATES)


EXPERIMENTS = (
    (lab.gallery, lab.GalleryConfig),
    (lab.why_nonlinear, lab.NonLinearityConfig),
    (lab.relu_cost, lab.CostConfig),
    (lab.relu_gradients, lab.GradientConfig),
    (lab.relu_sparsity, lab.SparsityConfig),
    (lab.maxout, lab.MaxoutConfig),
    (lab.live_boundary, lab.LiveConfig),
)


def test_configs_reject_bad_values_and_each_part_is_its_own_function():
    for bad in (lab.GalleryConfig(names=("nope",)), lab.GalleryConfig(leaky_slope=2.0), lab.NonLinearityConfig(dataset="digits"), lab.LiveConfig(epochs=0), lab.MaxoutConfig(pieces=9)):
        with pytest.raises(ValueError):
            bad.validate()
    # the page's result store keys results by the function's qualified name: one name per part
    assert len({f"{function.__module__}.{function.__qualname__}" for function, _ in EXPERIMENTS}) == len(EXPERIMENTS)
    assert lab.gallery(lab.Config()).curves[0].name == "sigmoid"


@pytest.mark.parametrize("hosted", ["0", "1"])
def test_every_default_is_valid_and_every_field_is_bounded(monkeypatch, hosted):
    monkeypatch.setenv("DLTEACH_HOSTED", hosted)
    for _, config_class in EXPERIMENTS:
        config_class().validate()
        for field in dataclasses.fields(config_class):
            limits.bounds_of(config_class, field.name)  # raises for a field that declares no bounds


def test_gallery_parameters_take_their_bounds_from_the_gallery_registry():
    for field, function in (("leaky_slope", "leaky_relu"), ("elu_alpha", "elu"), ("maxout_pieces", "maxout")):
        bounds, parameter = limits.bounds_of(lab.GalleryConfig, field), GALLERY[function].parameter
        assert (bounds.low, bounds.high, getattr(lab.GalleryConfig(), field)) == (parameter.low, parameter.high, parameter.default)


def test_a_link_cannot_ask_for_more_units_than_the_deployment_allows(monkeypatch):
    monkeypatch.setenv("DLTEACH_HOSTED", "1")
    config, messages = lab.NonLinearityConfig.from_link({"units": "128", "epochs": "nan"})
    assert config.units == limits.HOSTED.max_units and config.epochs == lab.NonLinearityConfig().epochs
    assert len(messages) == 2 and "`units`" in messages[0]


def test_first_figure_is_the_gallery():
    figure = lab.first_figure()
    names = {trace.name for trace in figure.data}
    assert {"Sigmoid", "tanh", "ReLU", "Sigmoid: slope"} <= names


def test_live_figure_reads_the_snapshot_from_the_progress_info():
    from dlcore.plots import activations as plots

    split = data.toy_dataset("moons", 50)
    xs, ys, _ = data.grid_over(split.x_train, 10)
    table = pd.DataFrame(dict(epoch=[1], val_accuracy=[0.5]))
    info = engine.ProgressInfo(1, 5, table)
    assert "Waiting" in plots.live_boundary(info).layout.title.text
    frame = lab.BoundaryFrame(xs, ys, np.full((10, 10), 0.3), split.x_train, split.y_train)
    info = engine.ProgressInfo(1, 5, table, snapshot=(1, frame))
    assert "epoch 1" in plots.live_boundary(info).layout.title.text
