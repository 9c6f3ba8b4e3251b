"""Lesson tests of the regularization page: every preset shows what its name and caption promise.

All runs go through the page's own experiments (run_comparison, run_sweep) at the page's
defaults (100 epochs, 60 training points): about 1.5 s per paired run, so the lessons are
checked at the settings a student sees. Each paired run is trained once and shared.
"""

import functools
import pickle

import numpy as np
import pytest

from dlcore.experiments import regularization as exp

SEEDS = (0, 1, 2)


@functools.cache
def comparison(preset: str, seed: int = 0) -> exp.Result:
    return exp.run_comparison(exp.Config(seed=seed, **exp.PRESETS[preset]))


@functools.cache
def sweep(kind: str) -> exp.SweepResult:
    return exp.run_sweep(exp.SweepConfig(kind=kind))


def _helped(result: exp.Result) -> bool:
    return result.regularized.final["val_loss"] < result.baseline.final["val_loss"]


def test_the_default_is_the_l2_preset():
    assert {name: getattr(exp.Config(), name) for name in ("l1", "l2", "dropout_rate")} == exp.PRESETS["L2 (λ = 0.01)"]


def test_l1_leaves_many_exact_zeros_l2_and_no_penalty_none():
    l1, l2 = comparison("L1 (λ = 0.003)"), comparison("L2 (λ = 0.01)")
    assert l1.regularized.zero_share > 0.15  # about a quarter to a third of 8,384 weights switched off
    assert l1.baseline.zero_share == 0 and l2.regularized.zero_share == 0
    assert l1.regularized.near_zero_share > 2 * l2.regularized.near_zero_share  # L2 only shrinks: far fewer weights even near 0
    # the caption reports the run's own share
    assert f"{l1.regularized.zero_share:.0%} of the regularized weights are exactly 0" in exp.histogram_notice(l1)
    assert "switched those weights off" in exp.histogram_notice(l1)
    # the page's "penalty at the end" is the formula, for the proximal L1 as for Keras' L2
    for result in (l1, l2):
        assert result.regularized.penalty_reported == pytest.approx(result.regularized.penalty_formula, rel=1e-4)


def test_l2_shrinks_the_weights_without_zeroing_them():
    result = comparison("L2 (λ = 0.01)")
    assert result.regularized.final["weight_norm"] < 0.9 * result.baseline.final["weight_norm"]
    assert np.std(result.regularized.weights) < np.std(result.baseline.weights)
    assert "held the weights down" in exp.norm_notice(result)
    assert "squeezes the whole bell" in exp.histogram_notice(result)


@pytest.mark.parametrize("preset", ["L2 (λ = 0.01)", "L1 (λ = 0.003)", "Dropout 0.3"])
def test_each_helping_preset_lowers_validation_error_for_most_seeds(preset):
    results = [comparison(preset, seed) for seed in SEEDS]
    assert sum(_helped(r) for r in results) >= 2  # 3 of 3 when checked
    for result in results:  # the caption follows the run, whichever way it went
        assert ("brought validation error down" in exp.curves_notice(result) or "Validation error came down" in exp.curves_notice(result)) == _helped(result)
        assert f"{result.regularized.final['val_loss']:.3f}" in exp.curves_notice(result)


def test_overfit_preset_overfits_and_both_runs_coincide():
    result = comparison("Overfit: nothing")
    base = result.baseline.final
    assert base["train_loss"] < 0.5 * base["val_loss"] and base["train_accuracy"] > base["val_accuracy"]
    np.testing.assert_allclose(result.regularized.epochs["val_loss"], result.baseline.epochs["val_loss"])
    assert "coincide" in exp.curves_notice(result)


def test_too_much_l2_underfits():
    result = comparison("Too much: L2 λ = 0.1")
    reg, base = result.regularized.final, result.baseline.final
    assert reg["train_loss"] > base["val_loss"] and reg["val_accuracy"] < base["val_accuracy"] - 0.1
    assert "too strong" in exp.curves_notice(result)


def test_lambda_sweep_has_a_sweet_spot_and_its_caption_follows_the_table():
    table = sweep("lambda").table
    none = table[table["penalty"] == "none"].iloc[0]
    notice = exp.sweep_notice(table)
    for penalty in ("L1", "L2"):
        rows = table[table["penalty"] == penalty].sort_values("strength")
        best = rows.loc[rows["val_loss"].idxmin()]
        assert best["val_loss"] < none["val_loss"]  # some strength helps
        assert rows.iloc[-1]["train_loss"] > none["val_loss"]  # the largest underfits
        assert f"{penalty} is best at λ = {best['strength']:g}" in notice and "underfits" in notice


def test_dropout_sweep_trades_training_error_for_a_smaller_gap():
    table = sweep("dropout").table.sort_values("strength")
    assert table["train_loss"].iloc[-1] > table["train_loss"].iloc[0]
    assert table["gap"].iloc[-1] < table["gap"].iloc[0]
    notice = exp.dropout_sweep_notice(table)
    assert "training error rises" in notice and "gap shrinks" in notice


def test_results_pickle():
    for result in (comparison("Dropout 0.3"), sweep("dropout")):
        assert pickle.loads(pickle.dumps(result)) is not None
