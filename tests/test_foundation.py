"""Layering rules, data sets, model builders and the vanishing experiment."""

import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from dlcore import data, limits
from dlcore.experiments import vanishing
from dlcore.models import MLPSpec, activation_probe, build_mlp

ROOT = Path(__file__).resolve().parent.parent


def test_dlcore_never_imports_streamlit():
    code = (
        "import importlib, pkgutil, sys, dlcore, dlcore.experiments, dlcore.plots\n"
        "for package in (dlcore, dlcore.experiments, dlcore.plots):\n"
        "    for module in pkgutil.iter_modules(package.__path__):\n"
        "        importlib.import_module(f'{package.__name__}.{module.name}')\n"
        "print('streamlit' in sys.modules, len([m for m in sys.modules if m.startswith('dlcore.')]))\n"
    )
    output = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True, env={"TF_CPP_MIN_LOG_LEVEL": "3", "PATH": ""})
    imported_streamlit, count = output.stdout.split()
    assert imported_streamlit == "False" and int(count) >= 8


def test_pages_never_import_tensorflow_or_keras():
    for page in list((ROOT / "pages").glob("*.py")) + [ROOT / "app.py"]:
        text = page.read_text()
        for banned in ("import tensorflow", "from tensorflow", "import keras", "from keras"):
            assert banned not in text, f"{page.name} imports TensorFlow/Keras"


@pytest.mark.parametrize("name", data.TOY_DATASETS)
def test_toy_sets_are_seeded_two_class_and_split(name):
    first, again = data.toy_dataset(name, 500, 0.1, seed=4), data.toy_dataset(name, 500, 0.1, seed=4)
    np.testing.assert_array_equal(first.x_train, again.x_train)
    assert first.x_train.shape == (350, 2) and first.x_val.shape == (150, 2)
    assert first.x_train.dtype == np.float32 and set(np.unique(first.y_train)) == {0, 1}
    assert 0.3 < first.y_train.mean() < 0.7
    assert np.abs(first.x_train).max() < 4
    assert not np.array_equal(first.x_train, data.toy_dataset(name, 500, 0.1, seed=5).x_train)


def test_digits_and_bad_names():
    digits = data.digits_dataset(seed=0)
    assert digits.num_classes == 10 and digits.x_train.shape[1] == 64 and len(digits.x_train) + len(digits.x_val) == 1797
    assert data.digits_dataset(flat=False).x_train.shape[1:] == (8, 8, 1)
    with pytest.raises(ValueError):
        data.toy_dataset("nope")
    with pytest.raises(ValueError):
        data.toy_dataset("moons", validation_fraction=1.5)


def test_mlp_builder_layers_and_options():
    model = build_mlp(MLPSpec(num_inputs=2, num_hidden_layers=4, units=6, batch_norm=True, dropout_rate=0.3, l2=1e-3, seed=1))
    names = [layer.name for layer in model.layers]
    assert names.count("batch_norm_1") == 1 and "dropout_4" in names and names[-1] == "output"
    assert len(model.losses) == 5  # one L2 penalty per Dense kernel
    assert len(activation_probe(model).outputs) == 4
    same = build_mlp(MLPSpec(num_inputs=2, num_hidden_layers=4, units=6, batch_norm=True, dropout_rate=0.3, l2=1e-3, seed=1))
    for a, b in zip(model.get_weights(), same.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)
    with pytest.raises(ValueError):
        build_mlp(MLPSpec(activation="wobbly"))


@pytest.mark.parametrize(("initializer", "expected_std"), [("small_normal", 0.01), ("large_normal", 1.0), ("he", np.sqrt(2 / 64))])
def test_initializers_have_their_documented_scale(initializer, expected_std):
    model = build_mlp(MLPSpec(num_inputs=64, num_hidden_layers=1, units=256, initializer=initializer, seed=0))
    kernel = model.get_layer("hidden_1").kernel.numpy()
    assert kernel.std() == pytest.approx(expected_std, rel=0.15)


def test_vanishing_signature_and_remedy():
    """Deep sigmoid with tiny weights: the first layer's gradient is orders of magnitude below the output's."""
    fast = dict(epochs=2, num_samples=300)
    vanishing_run = vanishing.run(replace(vanishing.Config(), **vanishing.PRESETS["Vanishing"], **fast))
    norms = vanishing_run.history.initial_gradient_norms
    assert norms[0] < 1e-6 * norms[-1]
    remedy = vanishing.run(replace(vanishing.Config(), **vanishing.PRESETS["Fix: ReLU + He"], **fast))
    remedy_norms = remedy.history.initial_gradient_norms
    assert remedy_norms[0] > 1e-2 * remedy_norms[-1]
    assert len(vanishing_run.activations_at_start) == 20 and vanishing_run.flat_fraction_at_start.shape == (20,)


def test_vanishing_exploding_preset_reports_where_it_blew_up():
    result = vanishing.run(replace(vanishing.Config(), **vanishing.PRESETS["Exploding"], epochs=3))
    assert result.history.divergence is not None and result.history.divergence.step >= 1
    clipped = vanishing.run(replace(vanishing.Config(), **vanishing.PRESETS["Fix: clipping"], epochs=3))
    assert clipped.history.divergence is None


def test_vanishing_config_validation():
    with pytest.raises(ValueError):
        vanishing.Config(num_hidden_layers=0).validate()
    with pytest.raises(ValueError):
        vanishing.Config(activation="linear-ish").validate()
    assert vanishing.Config().validate() == vanishing.Config()


def test_hosted_limits_are_smaller(monkeypatch):
    monkeypatch.setenv("DLTEACH_HOSTED", "1")
    assert limits.current() == limits.HOSTED and limits.HOSTED.max_epochs < limits.LOCAL.max_epochs
    assert limits.HOSTED.concurrent_trainings <= limits.LOCAL.concurrent_trainings
