"""Lesson tests: what each preset's name and each caption promise holds for the runs the page trains.

GAN training is seed-sensitive. To keep this file within its time budget every lesson is checked here
for seed 0, the page's default; ``bench/gan.py`` (``gan_lessons``) checks the issue's two headline
lessons (the default covers at least 7 of the ring's 8 modes, the collapse preset at most 3) and every
other preset's promise for seeds 0, 1 and 2 and reports any seed where one fails.
"""

import dataclasses
import pickle

import numpy as np
import pytest

from dlcore.experiments import gan
from dlcore.experiments.gan import conditional, dcgan, game, hard

_GAMES = {}


def _play(config, progress=None):
    """game.play, run once per config in this test session (it is a pure function of its config).

    The remedied runs of the collapse and oscillation presets are the default game itself, so they are trained once.
    """
    if config not in _GAMES:
        _GAMES[config] = game.play(config, progress)
    return _GAMES[config]


@pytest.fixture(autouse=True)
def games_trained_once(monkeypatch):
    monkeypatch.setattr(hard, "play", _play)


def test_the_default_game_covers_at_least_7_of_the_8_modes():
    run = _play(game.GameConfig())
    assert run.config.target == "ring" and run.final.num_modes == 8
    assert run.final.modes_covered >= 7, run.modes_over_time
    assert run.final.high_quality_share >= 0.5
    assert run.history.divergence is None and run.history.compiled_traces == 1  # one trace for the whole run
    assert run.frame_steps[0] == 0 and run.frame_steps[-1] == run.history.num_steps and np.all(np.diff(run.frame_steps) > 0)
    assert len(run.frames) <= game.MAX_FRAMES


def test_the_collapse_preset_ends_on_at_most_3_modes_with_its_points_on_the_data():
    config = hard.HardConfig(**{**hard.preset("mode_collapse"), "balanced_rates": False})  # the failing run alone
    result = hard.hard_lessons(config)
    assert result.remedied is None
    p = result.problem_diagnosis
    assert p.modes_final <= 3 and p.high_quality_final >= 0.5, (p.modes_final, p.high_quality_final)
    assert hard.promise_kept(result)
    assert hard.verdicts(result)[0].startswith("**Mode collapse:**")


@pytest.mark.parametrize("scenario", list(hard.SCENARIOS))
def test_each_preset_keeps_its_promise_with_its_remedies(scenario):
    result = hard.hard_lessons(hard.HardConfig(**hard.preset(scenario)))
    assert result.remedied is not None
    assert hard.promise_kept(result), (scenario, result.problem_diagnosis, result.remedied_diagnosis)
    p, r = result.problem_diagnosis, result.remedied_diagnosis
    first = hard.verdicts(result)[0]
    if scenario == "mode_collapse":
        assert first.startswith("**Mode collapse:**") and r.modes_final >= 2 * max(p.modes_final, 1)
    elif scenario == "oscillation":
        assert first.startswith("**Oscillation:**") and p.d_fake_swing >= 0.3 and r.d_fake_swing <= p.d_fake_swing / 3
    elif scenario == "discriminator_wins":
        assert first.startswith("**The discriminator wins:**") and p.d_fake_final <= 0.01
        assert p.g_gradient_late <= 0.01 * p.g_gradient_early and r.g_gradient_late >= 100 * p.g_gradient_late
        assert np.median(np.linalg.norm(result.problem.final.arrows, axis=1)) < np.median(np.linalg.norm(result.remedied.final.arrows, axis=1)) / 100
    else:
        early = dict(hard.early_d_fake(result))["failing"]
        assert early < 0.5 and r.g_gradient_early >= 3 * p.g_gradient_early  # D ahead: the minimax push (∝ D) is the weaker one
    assert pickle.loads(pickle.dumps(result)).problem_diagnosis == p


def test_remedies_change_exactly_what_they_name():
    base = hard.problem_settings(hard.HardConfig(scenario="discriminator_wins"))
    assert base.generator_loss == "minimax"
    remedied = hard.remedied_settings(hard.HardConfig(scenario="discriminator_wins", non_saturating=True, balanced_rates=False))
    assert dataclasses.replace(base, generator_loss="non_saturating") == remedied
    assert hard.remedied_settings(hard.HardConfig(scenario="mode_collapse", balanced_rates=False)) is None
    both = hard.remedied_settings(hard.HardConfig(scenario="oscillation", balanced_rates=True, beta_half=True, label_smoothing=True, wasserstein=True))
    assert (both.g_learning_rate, both.d_learning_rate, both.beta_1, both.generator_loss, both.label_smoothing) == (1e-3, 1e-3, 0.5, "wasserstein", 0.0)


def test_the_saturation_curves_are_the_two_losses_and_their_slopes():
    curves = hard.saturation_curves()
    d = curves["d_fake"].to_numpy()
    logit = np.log(d / (1 - d))
    h = 1e-6
    sigmoid = lambda x: 1 / (1 + np.exp(-x))  # noqa: E731
    minimax_slope = (np.log1p(-sigmoid(logit + h)) - np.log1p(-sigmoid(logit - h))) / (2 * h)
    saturating_slope = (-np.log(sigmoid(logit + h)) + np.log(sigmoid(logit - h))) / (2 * h)
    np.testing.assert_allclose(curves["minimax_gradient"], np.abs(minimax_slope), rtol=1e-4)
    np.testing.assert_allclose(curves["non_saturating_gradient"], np.abs(saturating_slope), rtol=1e-4)


def test_the_conditional_gan_draws_the_requested_digit_at_least_80_percent_of_the_time():
    result = conditional.conditional_gan(conditional.ConditionalConfig())
    assert result.dataset == "digits" and result.note is None
    assert result.agreement >= 0.8, result.agreement_by_class
    assert result.judge_accuracy > 0.9  # the judge itself reads real digits well
    assert result.confusion.sum() == 10 * conditional.SAMPLES_PER_CLASS and np.trace(result.confusion) == round(result.agreement * result.confusion.sum())
    assert result.frames[0].agreement < 0.3 < 0.8 <= result.frames[-1].agreement + 0.1  # untrained: about chance; trained: the requested digit
    assert pickle.loads(pickle.dumps(result)).agreement == result.agreement


def test_a_short_dcgan_run_evolves_its_fixed_noise_grid_and_pickles():
    result = dcgan.dcgan(dataclasses.replace(dcgan.DCGANConfig(), epochs=2))
    assert [f.epoch for f in result.frames] == [0, 1, 2]
    assert result.frames[0].grid.shape == (dcgan.GRID_SAMPLES, 8, 8) and 0.0 <= result.frames[-1].grid.min() and result.frames[-1].grid.max() <= 1.0
    assert np.abs(result.frames[-1].grid - result.frames[0].grid).mean() > 0.05  # the same noise, a changed generator
    assert result.interpolations.shape == (dcgan.INTERPOLATION_PAIRS, dcgan.INTERPOLATION_STEPS, 8, 8)
    walk = result.interpolations[0]
    assert np.abs(np.diff(walk, axis=0)).mean() < np.abs(walk[-1] - walk[0]).mean()  # each step changes the image less than the whole walk
    assert 1 <= result.final.classes_seen <= 10 and result.real_classes_seen == 10
    assert pickle.loads(pickle.dumps(result)).final.classes_seen == result.final.classes_seen


def test_a_game_is_a_pure_function_of_its_config_and_pickles():
    config = game.GameConfig(steps=100, snapshot_every=25, hidden_layers=1, units=16, seed=3)
    first, second = game.play(config), game.play(config)
    np.testing.assert_array_equal(first.final.generated, second.final.generated)
    np.testing.assert_array_equal(first.history.steps["d_loss"], second.history.steps["d_loss"])
    assert pickle.loads(pickle.dumps(first)).final.modes_covered == first.final.modes_covered


def test_first_figure_is_the_first_live_frame():
    figure = gan.first_figure(game.GameConfig(steps=100))
    assert "Live" in figure.layout.title.text and len(figure.data) == 5
