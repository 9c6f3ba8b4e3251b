"""Overfitting and regularization experiments against formulas and constructed cases (issue 5)."""

from dataclasses import fields, replace

import keras
import numpy as np
import pytest

from dlcore import diagnosis, engine, limits
from dlcore.device import tf
from dlcore.experiments import overfitting, regularization
from dlcore.models import MLPSpec, build_mlp
from dlcore.optimizers import make_optimizer
from dlcore.steps import SupervisedStep

EPOCHS = np.arange(1, 61)


def test_diagnosis_labels_constructed_curves():
    falling = 1.0 / EPOCHS
    overfit = diagnosis.diagnose(falling * 0.5, 0.3 + (EPOCHS - 20) ** 2 / 2000, high_error=0.5)
    assert overfit.label == diagnosis.OVERFITTING and overfit.best_epoch == 20
    under = diagnosis.diagnose(np.full(60, 0.68), np.full(60, 0.69), high_error=0.5)
    assert under.label == diagnosis.UNDERFITTING
    good = diagnosis.diagnose(0.1 + falling * 0.2, 0.12 + falling * 0.2, high_error=0.5)
    assert good.label == diagnosis.GOOD_FIT and good.best_epoch == 60
    gap_only = diagnosis.diagnose(np.full(60, 0.01), np.full(60, 0.3), high_error=0.5)
    assert gap_only.label == diagnosis.OVERFITTING
    with pytest.raises(ValueError):
        diagnosis.diagnose([np.nan], [np.nan], high_error=0.5)


def test_penalty_reported_by_keras_matches_the_formula_on_known_weights():
    spec = MLPSpec(num_inputs=2, num_hidden_layers=2, units=3, l1=0.01, l2=0.002, seed=0)
    model = build_mlp(spec)
    kernels = []
    for index, layer in enumerate(layer for layer in model.layers if getattr(layer, "kernel", None) is not None):
        known = np.arange(np.prod(layer.kernel.shape), dtype=np.float32).reshape(layer.kernel.shape) / 10 - 0.2 * index
        layer.kernel.assign(known)
        kernels.append(known)
    reported = float(sum(float(loss) for loss in model.losses))
    expected = sum(0.01 * np.abs(k).sum() + 0.002 * np.square(k).sum() for k in kernels)
    assert reported == pytest.approx(expected, rel=1e-5)
    assert regularization.penalty_formula(kernels, 0.01, 0.002) == pytest.approx(expected, rel=1e-9)


def test_comparison_run_reports_its_own_penalty_correctly():
    result = regularization.run_comparison(replace(regularization.Config(), l1=0.001, l2=0.001, epochs=20))
    run = result.regularized
    assert run.penalty_reported == pytest.approx(run.penalty_formula, rel=1e-4)
    assert result.baseline.penalty_reported == 0.0
    assert len(run.epochs) == 20 and len(result.baseline.epochs) == 20


def test_l1_zeroes_more_weights_than_l2_and_than_none():
    """Same seed, same data, same network; only the penalty differs."""
    base = replace(regularization.Config(), epochs=150, seed=0)
    l1 = regularization.run_comparison(replace(base, l1=0.003, l2=0.0)).regularized.near_zero_share
    l2 = regularization.run_comparison(replace(base, l1=0.0, l2=0.003)).regularized.near_zero_share
    none = regularization.run_comparison(replace(base, l1=0.0, l2=0.001)).baseline.near_zero_share
    print(f"near-zero share: L1 {l1:.1%}, L2 {l2:.1%}, none {none:.1%}")
    assert l1 > l2 + 0.1 and l1 > none + 0.1


def test_dropout_is_inactive_at_inference_and_active_in_training():
    model = build_mlp(MLPSpec(num_inputs=2, num_hidden_layers=2, units=32, dropout_rate=0.5, seed=3))
    x = tf.constant(np.random.default_rng(0).normal(size=(64, 2)).astype(np.float32))
    np.testing.assert_array_equal(model(x, training=False).numpy(), model(x, training=False).numpy())
    assert not np.allclose(model(x, training=True).numpy(), model(x, training=False).numpy())
    result = regularization.run_comparison(replace(regularization.Config(), l2=0.0, dropout_rate=0.5, epochs=5))
    kept = result.mask_kept
    assert kept is not None and 0.3 < kept.mean() < 0.7  # about half the units dropped in a training pass


def test_capacity_sweep_shows_the_u_shape():
    sweep = overfitting.capacity_sweep_default()
    degrees, val, train = sweep.values, sweep.val_error, sweep.train_error
    best = sweep.best_index
    assert 0 < best < len(degrees) - 1  # neither the simplest nor the most flexible model is best
    assert val[0] > val[best] and val[-1] > val[best]
    assert train[-1] < train[0]  # more capacity always fits the training points better


def test_overfitting_default_is_diagnosed_and_early_stopping_restores_the_best():
    result = overfitting.first_figure()
    assert result.diagnosis.label == diagnosis.OVERFITTING
    stopped = overfitting.fit_polynomial(replace(overfitting.PolynomialConfig(), early_stopping=True, patience=10))
    history = stopped.history
    assert history.stopped_early_epoch is not None and history.stopped_early_epoch - history.best_epoch == 10
    best_val = history.epochs.set_index("epoch").loc[history.best_epoch, "val_loss"]
    # the curve drawn comes from the restored (best) weights: its validation error is the best one
    fitted_val = np.interp(stopped.x_val, stopped.curve_x, stopped.curve_fit)
    assert np.mean((fitted_val - stopped.y_val) ** 2) == pytest.approx(best_val, rel=0.05)
    assert stopped.diagnosis.best_epoch == history.best_epoch
    keras.backend.clear_session()


# ---- Engine v2: per-branch metrics from the engine, and one source of limits ----


def test_parallel_step_equals_separate_runs_on_the_same_batches():
    """Two networks in one graph learn exactly what each learns alone: same curves, same weight norm."""
    config = replace(regularization.Config(), epochs=4, l2=0.01)
    specs = regularization.compared_specs(config)
    _, _, together = regularization.train_branches(config, specs)
    split = overfitting.classifier_split(config.dataset, config.num_points, config.noise, config.seed)
    for name, spec in specs.items():
        step = SupervisedStep(build_mlp(spec), make_optimizer(regularization.OPTIMIZER, regularization.LEARNING_RATE), "binary", kinds=("kernel",))
        alone = engine.fit(step, (split.x_train, split.y_train), (split.x_val, split.y_val), engine.TrainSpec(epochs=4, batch_size=regularization.BATCH_SIZE, seed=config.seed))
        branch = overfitting.branch_table(together.epochs, name)
        for column in ("train_loss", "val_loss", "val_accuracy", "weight_norm"):
            np.testing.assert_allclose(branch[column], alone.epochs[column], rtol=1e-5, err_msg=f"{name} {column}")


def test_parallel_step_evaluates_each_model_on_its_own_points_in_any_batch_size():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(50, 3, 4)).astype(np.float32)
    targets = rng.normal(size=(50, 3)).astype(np.float32)
    weights = (rng.uniform(size=(50, 3)) < [[0.2, 0.5, 1.0]]).astype(np.float32)  # model k sees its own share of the points
    names = ("few", "half", "all")

    def train(evaluation_batch_size: int):
        model = overfitting.build_parallel_polynomials(3, 4)
        step = overfitting.ParallelStep(model, make_optimizer("adam", 0.05), "regression", names)
        spec = engine.TrainSpec(epochs=3, batch_size=0, evaluation_batch_size=evaluation_batch_size)
        history = engine.fit(step, (x, overfitting.parallel_targets(targets, weights)), None, spec)
        return overfitting.final_values(history.epochs, "train_loss", names), model(tf.constant(x)).numpy()

    at_once, predictions = train(2048)
    in_batches, _ = train(7)
    expected = [np.average((predictions[:, k] - targets[:, k]) ** 2, weights=weights[:, k]) for k in range(3)]
    np.testing.assert_allclose(at_once, expected, rtol=1e-5)
    np.testing.assert_allclose(in_batches, expected, rtol=1e-5)


CONFIGS = (
    overfitting.Config,
    overfitting.PolynomialConfig,
    overfitting.ClassifierConfig,
    overfitting.SweepConfig,
    regularization.Config,
    regularization.SweepConfig,
)
BAD_LINK_VALUES = ("99999", "-5", "nan", "inf", "0.123", "<script>alert(1)</script>", "x" * 10_000)


@pytest.mark.parametrize("hosted", ["0", "1"])
@pytest.mark.parametrize("config_class", CONFIGS, ids=lambda c: f"{c.__module__.rsplit('.', 1)[-1]}.{c.__name__}")
def test_every_setting_is_bounded_and_no_link_value_gets_through(config_class, hosted, monkeypatch):
    monkeypatch.setenv("DLTEACH_HOSTED", hosted)
    for field in fields(config_class):
        limits.bounds_of(config_class, field.name)  # raises if a field declares no bounds
        for text in BAD_LINK_VALUES:
            config, messages = config_class.from_link({field.name: text})
            config.validate()
            assert messages or str(getattr(config, field.name)) == text


@pytest.mark.parametrize("hosted", ["0", "1"])
def test_hosted_caps_bound_the_overfitting_epochs_and_widths(hosted, monkeypatch):
    monkeypatch.setenv("DLTEACH_HOSTED", hosted)
    caps = limits.current()
    config, messages = overfitting.Config.from_link({"epochs": "2000", "units": "256"})
    assert (config.epochs, config.units) == (caps.max_epochs, caps.max_units)
    assert any("`epochs`" in message for message in messages)
    with pytest.raises(ValueError, match="epochs"):
        replace(overfitting.Config(), epochs=caps.max_epochs + 1).validate()
