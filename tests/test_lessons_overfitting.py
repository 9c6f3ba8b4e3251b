"""Every preset and caption of the overfitting page keeps its promise, through the page's own experiment functions.

Each preset is run exactly as the page runs it (run_both with the preset applied to the defaults, 200 epochs) for
seeds 0-4: these are the page's real settings, not shortened ones, because over- and underfitting only show after
the training the page does. The polynomial trains full-batch (fast); the classifier is the costly part (~1-2 s).
"""

import dataclasses
import functools
import pickle

import numpy as np
import pytest

from dlcore.diagnosis import GOOD_FIT, OVERFITTING, UNDERFITTING, diagnose_against_floor
from dlcore.experiments import overfitting as exp
from dlcore.experiments.overfitting import floors

SEEDS = range(5)
UNDERFIT, GOOD, OVERFIT, EARLY_STOP = exp.PRESETS


@functools.cache
def preset_run(name: str, seed: int) -> exp.Result:
    return exp.run_both(dataclasses.replace(exp.Config(), **exp.PRESETS[name], seed=seed))


def labels(name: str) -> list[tuple[str, str]]:
    return [(preset_run(name, seed).polynomial.diagnosis.label, preset_run(name, seed).classifier.diagnosis.label) for seed in SEEDS]


def test_preset_names_are_the_ones_tested():
    assert UNDERFIT.startswith("Underfit") and GOOD.startswith("Good fit") and OVERFIT.startswith("Overfit:") and "early stopping" in EARLY_STOP


def test_underfit_preset_underfits_both_models_for_every_seed():
    assert labels(UNDERFIT) == [(UNDERFITTING, UNDERFITTING)] * 5


def test_good_fit_preset_is_a_good_fit_for_every_seed():
    assert labels(GOOD) == [(GOOD_FIT, GOOD_FIT)] * 5
    for seed in SEEDS:
        for fit in (preset_run(GOOD, seed).polynomial, preset_run(GOOD, seed).classifier):
            # "validation error close to the noise floor": within a quarter of the way from the floor to knowing nothing
            assert fit.noise_floor <= fit.diagnosis.final_val_error < fit.noise_floor + 0.25 * (fit.baseline - fit.noise_floor)


def test_overfit_preset_overfits_both_models_and_memorises_noise():
    assert labels(OVERFIT) == [(OVERFITTING, OVERFITTING)] * 5
    for seed in SEEDS:
        for fit in (preset_run(OVERFIT, seed).polynomial, preset_run(OVERFIT, seed).classifier):
            # the page says so when it happens: training error below the floor no honest model can beat
            assert fit.diagnosis.final_train_error < fit.noise_floor


def test_early_stopping_preset_cures_the_network_but_cannot_rescue_degree_15():
    for seed in SEEDS:
        run, overfit = preset_run(EARLY_STOP, seed), preset_run(OVERFIT, seed)
        network = run.classifier
        assert network.history.stopped_early_epoch is not None
        assert network.diagnosis.label == GOOD_FIT
        assert network.diagnosis.final_val_error < overfit.classifier.diagnosis.final_val_error
        # the caption: the polynomial is not rescued (the best moment before the stop was still a poor fit)
        poly = run.polynomial
        assert poly.history.stopped_early_epoch is not None
        assert poly.diagnosis.label in (UNDERFITTING, OVERFITTING)
        assert poly.diagnosis.final_val_error > poly.noise_floor + 0.25 * (poly.baseline - poly.noise_floor)


def test_early_stopping_tab_default_claims():
    """The tab's default (degree 15, patience 40, seed 0): stopped at 80, kept epoch 40, better on new points and tamer."""
    result = exp.compare_early_stopping(exp.PolynomialConfig(degree=15, early_stopping=True, patience=40))
    history = result.stopped.history
    assert history.stopped_early_epoch - history.best_epoch == 40
    assert result.kept_val_error < result.full_val_error
    assert result.kept_is_closer and result.kept_deviation[0] < result.full_deviation[0]
    # the star on the full run's curve is exactly the kept weights: both runs follow one trajectory until the stop
    full_at_kept = result.full.history.epochs.set_index("epoch").loc[history.best_epoch, "val_loss"]
    assert result.kept_val_error == pytest.approx(full_at_kept, rel=1e-5)
    assert pickle.loads(pickle.dumps(result)).kept_val_error == result.kept_val_error


@pytest.mark.parametrize("seed", [1, 3])
def test_a_short_patience_can_stop_on_a_wobble_and_the_page_computes_which(seed):
    """With patience 20 the validation error of degree 15 can dip early and fall lower later: 'better' is not a given."""
    result = exp.compare_early_stopping(exp.PolynomialConfig(degree=15, early_stopping=True, patience=20, seed=seed))
    assert result.stopped.history.stopped_early_epoch is not None
    assert result.kept_val_error > result.full_val_error  # so the notice must (and does) choose its sentence from the run


def test_floor_diagnosis_does_not_call_a_gap_overfitting_on_its_own():
    epochs = np.arange(1, 61)
    # training error below the floor by luck, validation error near it: a good fit, not overfitting
    good = diagnose_against_floor(0.03 + 0.2 / epochs, 0.07 + 0.2 / epochs, floor=0.0625, baseline=0.56)
    assert good.label == GOOD_FIT
    assert diagnose_against_floor(np.full(60, 0.45), np.full(60, 0.5), floor=0.0625, baseline=0.56).label == UNDERFITTING
    assert diagnose_against_floor(np.full(60, 0.01), np.full(60, 0.4), floor=0.0625, baseline=0.56).label == OVERFITTING


def test_bayes_floor_is_below_a_trained_network_and_zero_without_noise():
    split = exp.classifier_split("moons", 300, 0.25, 0)
    floor = floors.classifier_floor("moons", 0.25, split.x_val, split.y_val)
    assert 0.05 < floor < floors.classifier_baseline(split.y_train, split.y_val)
    assert floors.classifier_floor("moons", 0.0, split.x_val, split.y_val) == 0.0
    # the posterior is a probability, confident far from the boundary
    probability = floors.bayes_probability("circles", 0.25, np.array([[0.0, 0.0], [2.5, 0.0]]))
    assert probability[0] > 0.95 and probability[1] < 0.05


def test_error_curves_follow_the_colour_and_axis_rules():
    """Training vs validation is a line style of one colour; a flat loss is not zoomed into a violent one; 10^k ticks only."""
    import pandas as pd

    from dlcore.plots import overfitting as plots

    epochs = pd.DataFrame({"epoch": np.arange(1, 51), "train_loss": np.linspace(0.706, 0.693, 50), "val_loss": np.linspace(0.705, 0.699, 50)})
    figure = plots.error_curves(epochs, "cross-entropy (log scale)", best_epoch=50, stopped_epoch=40, noise_floor=0.2)
    train, val = figure.data[0], figure.data[1]
    assert train.line.color == val.line.color and (train.line.dash, val.line.dash) == ("solid", "dash")
    low, high = figure.layout.yaxis.range
    assert high - low >= plots.MIN_LOG_SPAN and figure.layout.yaxis.dtick == 1 and figure.layout.yaxis.exponentformat == "power"
    assert any("early stop (epoch 40)" == trace.name for trace in figure.data)  # in the legend, not over the curves
    fit = plots.polynomial_fit(np.zeros(3), np.zeros(3), np.zeros(3), np.zeros(3), np.linspace(-1, 1, 5), np.zeros(5), np.array([0, 0, 9, 0, 0.0]))
    assert any(trace.name == "model's curve, leaves the view" for trace in fit.data)
