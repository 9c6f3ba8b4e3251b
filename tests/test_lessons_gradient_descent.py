"""Lessons of the gradient-descent page: every word, preset and caption it prints holds for the run it describes.

Runs go through the page's own experiment functions (dlcore.experiments.gradient_descent) with the page's
defaults or presets; where a shorter run shows the same lesson it says so (fewer epochs), to keep the file fast.
"""

import numpy as np
import pytest

from dlcore import landscapes
from dlcore.device import tf
from dlcore.experiments import gradient_descent as gd
from dlcore.plots import descent as plots

MODE_LABELS = {"batch": "Batch GD", "minibatch": "Mini-batch", "stochastic": "Stochastic"}
LABELS = {"sgd": "SGD", "momentum": "Momentum", "nesterov": "Nesterov", "rmsprop": "RMSProp", "adam": "Adam", "adagrad": "AdaGrad"}
PRESETS = [("ravine", "linear"), ("rosenbrock", "linear"), ("saddle", "linear"), ("model", "linear"), ("model", "logistic")]


# ---- part 1: batch vs mini-batch vs stochastic (the page's default, 8 epochs instead of 20: the same shapes) ----


@pytest.fixture(scope="module")
def modes():
    return gd.run(gd.Config(epochs=8))


def test_part_one_words_follow_each_curve(modes):
    path_note, loss_note = gd.mode_notes(modes, MODE_LABELS)
    words = {run.mode: gd.curve_shape(run.path_loss).word for run in modes.runs}
    assert words["batch"] == "smooth" and np.all(np.diff(modes.runs[0].path_loss) <= 0)  # each step used every example
    stochastic = modes.runs[2].path_loss
    assert words["stochastic"] == "jumpy" and np.max(stochastic[1:] / stochastic[:-1]) >= 2  # one example per step: the loss jumps
    for run in modes.runs:
        assert f"**{MODE_LABELS[run.mode]}** ({run.num_updates:,} updates) is {words[run.mode]}" in path_note
    after_one = {MODE_LABELS[run.mode]: float(run.epochs["train_loss"].iloc[0]) for run in modes.runs}
    assert f"**{min(after_one, key=after_one.get)}** was ahead" in loss_note
    assert "only Batch GD fell without a rise" in loss_note


def test_the_star_is_the_true_minimum(modes):
    x, y, _, _ = gd.make_data("linear", 100, 0)
    objective = landscapes.model_objective(x, y, "regression")
    assert modes.minimum_loss <= float(np.min(modes.surface.values)) + 1e-6  # no grid point is lower
    for run in modes.runs:
        assert np.nanmin(run.path_loss) >= modes.minimum_loss - 1e-5  # no descent gets below it
    assert float(landscapes.evaluate_path(objective, np.array([modes.lowest_point]))[0]) == pytest.approx(modes.minimum_loss, rel=1e-5)


# ---- part 2: the learning rate (10 epochs instead of 40 where the word shows in the first updates) ----


@pytest.mark.parametrize("mode", gd.MODES)
@pytest.mark.parametrize("learning_rate", [0.01, 0.2])
def test_curve_word_is_computed_from_the_curve(mode, learning_rate):
    result = gd.run_learning_rate(gd.LearningRateConfig(mode=mode, learning_rate=learning_rate, epochs=10))
    loss = result.run.path_loss
    ratios = loss[1:] / loss[:-1]
    word = result.shape.word
    if word == "smooth":
        assert np.all(ratios <= gd.shapes.RISE)  # never "smooth" while the loss rose
    elif word == "noisy":
        assert np.any(ratios > gd.shapes.RISE) and np.all(ratios < gd.shapes.JUMP)
    else:
        assert word == "jumpy" and np.any(ratios >= gd.shapes.JUMP)
    assert result.verdict in ("diverged", "growing", word) or (word == "smooth" and result.verdict == "oscillating")
    if mode == "stochastic" and learning_rate == 0.2:
        assert word == "jumpy" and result.verdict != "smooth"  # the run the issue found called "smooth": its loss jumps by 2x and more


@pytest.mark.parametrize(("learning_rate", "verdict"), [(0.1, "smooth"), (0.2, "oscillating"), (0.3, "growing"), (3.0, "diverged")])
def test_batch_regimes_follow_the_curvature(learning_rate, verdict):
    """Below 1/λ the path curves in; between 1/λ and 2/λ it crosses the valley floor every step; above 2/λ it grows."""
    result = gd.run_learning_rate(gd.LearningRateConfig(learning_rate=learning_rate))  # the page's 40 epochs: 40 batch updates
    product = learning_rate * result.hessian_eigenvalues[-1]
    assert result.verdict == verdict
    assert (product < 1, 1 < product < 2, product > 2) == (verdict == "smooth", verdict == "oscillating", verdict in ("growing", "diverged"))
    crossings = result.crossings
    if verdict == "smooth":
        assert crossings.crossings == 0
    if verdict == "oscillating":
        assert crossings.crossings == crossings.steps >= 2


@pytest.mark.parametrize(("learning_rate", "mark"), [(0.5, "left the chart"), (3.0, "NaN/inf")])
def test_a_diverging_loss_is_clipped_and_marked(learning_rate, mark):
    result = gd.run_learning_rate(gd.LearningRateConfig(learning_rate=learning_rate, epochs=40))
    run = result.run
    figure = plots.loss_per_update(run.path_loss, 0, "batch", result.minimum_loss, run.divergence.step if run.divergence else None)
    low, top = figure.layout.yaxis.range
    assert top == pytest.approx(np.log10(run.path_loss[0]) + 1)  # a decade above the start, whatever the run reaches
    assert top - low >= 1 and np.log10(result.minimum_loss) > low
    assert figure.layout.yaxis.type == "log" and figure.layout.yaxis.exponentformat == "power" and figure.layout.yaxis.dtick == 1
    assert any(mark in annotation.text for annotation in figure.layout.annotations)
    if learning_rate == 0.5:
        assert np.nanmax(run.path_loss) > 1e20  # it really left the chart (7.7e31), and the chart did not follow it


def test_a_falling_loss_gets_no_exit_mark():
    result = gd.run_learning_rate(gd.LearningRateConfig(learning_rate=0.1, epochs=10))
    figure = plots.loss_per_update(result.run.path_loss, 0, "batch", result.minimum_loss)
    assert len(figure.layout.annotations) == 0


# ---- part 3: every "Suggested rates and steps" preset ----


@pytest.fixture(scope="module", params=PRESETS, ids=[f"{land}-{problem}" for land, problem in PRESETS])
def race(request):
    landscape, problem = request.param
    return gd.run_optimizers(gd.OptimizersConfig(landscape=landscape, problem=problem, **gd.suggested_settings(landscape, problem)))


def test_suggested_settings_suit_the_landscape(race):
    """The preset's promise: no optimizer blows up, and the best one gets close to the minimum."""
    assert all(step is None for step in race.diverged_at.values())
    gaps = {name: gd.loss_gaps(race, name) for name in gd.OPTIMIZERS}
    assert min(gap[-1] for gap in gaps.values()) < 0.01 * gaps["sgd"][0]


def test_loss_chart_measures_from_the_true_minimum(race):
    truth = {"ravine": 0.0, "rosenbrock": 0.0, "saddle": -0.25}.get(race.landscape.name)
    if truth is None:  # the model: its exact minimum (least squares / Newton), not a grid point or the lowest value seen
        x, y, _, _ = gd.make_data(race.config.problem, gd.Config().num_samples, race.config.seed)
        truth = gd.exact_minimum(race.config.problem, x, y)[1]
    assert race.minimum_loss == pytest.approx(truth, rel=1e-6, abs=1e-7)
    floor = gd.precision_floor(race.minimum_loss)
    figure = plots.race_losses(race, list(gd.OPTIMIZERS), LABELS, floor)
    assert figure.layout.yaxis.title.text == "loss − minimum loss (log scale)"
    for trace, name in zip(figure.data, gd.OPTIMIZERS):
        shown = np.asarray(trace.y, float)
        expected = np.maximum(race.losses[name] - race.minimum_loss, floor)[np.asarray(trace.x, int)]
        np.testing.assert_allclose(shown, expected)
        assert np.all(race.losses[name] >= race.minimum_loss - 4 * floor)  # nothing sits below the true minimum


def test_caption_follows_the_landscape_and_the_run(race):
    notes = " ".join(gd.race_notes(race, list(gd.OPTIMIZERS), LABELS))
    assert ("ravine" in notes.lower()) == (race.landscape.name == "ravine")
    assert ("ridge" in notes) == (race.landscape.name == "saddle")
    finals = {name: race.losses[name][-1] for name in gd.OPTIMIZERS}
    assert f"Lowest at the end: **{LABELS[min(finals, key=finals.get)]}**" in notes
    for name in gd.OPTIMIZERS:
        gaps = gd.loss_gaps(race, name)
        bounced = gaps[-1] > 100 * np.min(gaps) and gaps[-1] > 1e-4 * gaps[0]
        assert (f"{LABELS[name]} came within" in notes) == bounced
    if race.landscape.name == "ravine":  # SGD crawls along the floor: settled across long before along
        path = race.paths["sgd"]
        across = np.argmax(np.abs(path[:, 1]) < 0.01 * abs(path[0, 1]))
        assert 0 < across < 10 and abs(path[-1, 0]) > 0.01 * abs(path[0, 0])
        assert f"by step {across}" in notes
    if race.landscape.name == "saddle":
        escapes = {name: int(np.argmax(np.abs(race.paths[name][:, 1]) > 0.5)) for name in gd.OPTIMIZERS}
        first = min(escapes, key=escapes.get)
        assert f"{LABELS[first]} at step {escapes[first]}" in notes


def test_adams_first_steps_are_described_as_they_are(race):
    """Adam's first update is about lr·sign(g): a diagonal step, not a step 'straight at the minimum'."""
    step = race.paths["adam"][1] - race.paths["adam"][0]
    rate = race.config.adaptive_learning_rate
    np.testing.assert_allclose(np.abs(step), [rate, rate], rtol=0.01)  # lr·g/(|g| + ε): a hair less than lr where g is tiny
    first = gd.adam_first_steps(race)
    assert abs(abs(first["angle"]) - 45) < 0.1 or abs(abs(first["angle"]) - 135) < 0.1
    notes = " ".join(gd.race_notes(race, list(gd.OPTIMIZERS), LABELS))
    assert f"at {first['angle']:.0f}°, while the nearest minimum lies at {first['target']:.0f}°" in notes
    if race.landscape.name == "ravine":
        assert round(first["target"], 1) == -16.7 and round(first["angle"]) == -45  # the numbers the issue measured


def test_adagrad_effective_learning_rate_only_shrinks():
    """On the ravine the gradient is known (curvature · position), so AdaGrad's per-coordinate step / gradient can be read
    off its path: it never grows, because the sum of squared gradients under its square root never shrinks."""
    race = gd.run_optimizers(gd.OptimizersConfig(steps=60))
    path, curvature = race.paths["adagrad"], np.array(landscapes.RAVINE_CURVATURES)
    gradients = curvature * path[:-1]
    steps = -np.diff(path, axis=0)
    clear = np.abs(gradients) > 1e-3
    rates = np.where(clear, steps / np.where(clear, gradients, 1.0), np.nan)
    for coordinate in range(2):
        column = rates[:, coordinate][clear[:, coordinate]]
        assert len(column) > 5 and np.all(np.diff(column) <= 1e-6 * column[0])
    assert race.landscape.name == "ravine" and "sum of all its past squared gradients" in " ".join(gd.race_notes(race, ["adagrad"], LABELS))


# ---- part 4: a real network (2 of the 6 optimizers, 6 epochs: the notes name whoever leads) ----


def test_network_notes_name_the_run_leaders():
    result = gd.run_network(gd.NetworkConfig(optimizers=("sgd", "adam"), epochs=6))
    loss_note, accuracy_note = gd.network_notes(result, LABELS)
    final = {name: float(t["train_loss"].iloc[-1]) for name, t in result.epochs.items()}
    accuracy = {name: float(t["val_accuracy"].iloc[-1]) for name, t in result.epochs.items()}
    assert f"at the end **{LABELS[min(final, key=final.get)]}** is lowest" in loss_note
    lowest = min(final, key=final.get)
    if accuracy[lowest] >= max(accuracy.values()) - 1e-9:
        assert "also has the best final validation accuracy" in accuracy_note
    else:
        assert "does not give the best validation accuracy" in accuracy_note


@pytest.mark.parametrize("clipping", ["norm", "global"])
def test_clipping_kinds_do_what_the_page_says(clipping):
    """clipnorm (per variable) clips each gradient on its own; global_clipnorm scales all of them by one factor."""
    variables = [tf.Variable([0.0, 0.0, 0.0]), tf.Variable([0.0])]
    gradients = [tf.constant([3.0, 0.0, 4.0]), tf.constant([0.5])]  # norms 5 and 0.5; joint norm sqrt(25.25)
    optimizer = gd.network.clipped_optimizer("sgd", 1.0, clipping, 1.0)
    optimizer.apply(gradients, variables)
    moved = [-v.numpy() for v in variables]
    if clipping == "norm":
        np.testing.assert_allclose(moved[0], [0.6, 0.0, 0.8], rtol=1e-5)  # the big one cut to norm 1 ...
        np.testing.assert_allclose(moved[1], [0.5], rtol=1e-5)  # ... the small one untouched: direction changed
    else:
        scale = 1.0 / np.sqrt(25.25)
        np.testing.assert_allclose(np.concatenate(moved), scale * np.array([3.0, 0.0, 4.0, 0.5]), rtol=1e-5)  # direction kept
