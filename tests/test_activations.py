"""The gallery registry and the Maxout layer against independent computations."""

import numpy as np
import pytest

from dlcore.activation_functions import GALLERY, curve, maxout_pieces, saturation_intervals

X = np.linspace(-4.0, 4.0, 161) + 0.013  # avoids x = 0 exactly


def _away_from_kinks(entry, parameter, x, margin=1e-3):
    kinks = entry.kinks(entry.resolve(parameter))
    return x[np.all(np.abs(np.subtract.outer(x, kinks)) > margin, axis=1)] if len(kinks) else x


@pytest.mark.parametrize("name", tuple(GALLERY))
def test_derivative_matches_central_finite_difference(name):
    entry = GALLERY[name]
    for parameter in ((None,) if entry.parameter is None else (entry.parameter.low, entry.parameter.default, entry.parameter.high)):
        x = _away_from_kinks(entry, parameter, X)
        h = 1e-6
        numeric = (entry.value(x + h, parameter) - entry.value(x - h, parameter)) / (2 * h)
        np.testing.assert_allclose(entry.slope(x, parameter), numeric, atol=1e-6, rtol=1e-6)


@pytest.mark.parametrize("name", [n for n, e in GALLERY.items() if e.keras_name])
def test_values_match_keras_activations(name):
    import keras

    entry = GALLERY[name]
    parameter = entry.parameter.default if entry.parameter else None
    function = getattr(keras.activations, entry.keras_name)
    kwargs = {}
    if name == "leaky_relu":
        kwargs = dict(negative_slope=parameter)
    elif name == "elu":
        kwargs = dict(alpha=parameter)
    elif name == "gelu":
        kwargs = dict(approximate=False)
    expected = np.asarray(function(X.astype(np.float32), **kwargs))
    np.testing.assert_allclose(entry.value(X, parameter), expected, atol=2e-6, rtol=2e-6)


def test_known_peaks_and_saturation():
    x = np.linspace(-6, 6, 1201)
    sigmoid = curve("sigmoid", x)
    assert sigmoid.peak_slope == pytest.approx(0.25) and sigmoid.peak_x == pytest.approx(0.0, abs=1e-9)
    # sigmoid'(x) < 0.025 exactly where |x| > 3.636 (solve s(1-s) = 0.025)
    assert len(sigmoid.saturated) == 2 and sigmoid.saturated[0][0] == -6 and sigmoid.saturated[1][1] == 6
    assert sigmoid.saturated[0][1] == pytest.approx(-3.64, abs=0.011) and sigmoid.saturated[1][0] == pytest.approx(3.64, abs=0.011)
    assert curve("relu", x).saturated == ((-6.0, 0.0),)
    assert curve("leaky_relu", x, 0.1).saturated == ()  # slope 0.1 is exactly 10% of 1: not under it
    assert curve("gelu", x).peak_slope == pytest.approx(1.1289, abs=1e-3)
    assert saturation_intervals(np.arange(5.0), np.array([0, 1, 1, 0, 0.0])) == [(0.0, 0.0), (3.0, 4.0)]


def test_gallery_maxout_with_two_pieces_is_near_relu_and_more_pieces_approach_softplus():
    x = np.linspace(-5, 5, 501)
    maxout = GALLERY["maxout"]
    gap = [np.max(np.abs(maxout.value(x, k) - np.logaddexp(0, x))) for k in (2, 4, 6)]
    assert gap[0] > gap[1] > gap[2]
    slopes, _ = maxout_pieces(2)
    assert slopes[0] < 0.05 and slopes[1] > 0.95
    with pytest.raises(ValueError):
        maxout.resolve(7)


# ---- the Keras Maxout layer


def _maxout_layer(units, pieces, inputs, dtype="float32"):
    from dlcore.layers import Maxout

    layer = Maxout(units, pieces, name="maxout_test", seed=3, dtype=dtype)
    layer.build((None, inputs))
    return layer


def test_maxout_output_matches_a_hand_computation():
    layer = _maxout_layer(units=2, pieces=3, inputs=2)
    kernel = np.array([[1.0, -1.0, 0.5, 2.0, 0.0, -3.0], [0.0, 2.0, 0.5, 1.0, 1.0, 0.0]], dtype=np.float32)
    bias = np.array([0.0, 0.0, 1.0, -1.0, 0.5, 0.0], dtype=np.float32)
    layer.set_weights([kernel, bias])
    x = np.array([[1.0, 2.0], [-1.0, 0.0]], dtype=np.float32)
    # sample 1: unit 0 pieces (1, 3, 2.5) -> 3; unit 1 pieces (3, 2.5, -3) -> 3
    # sample 2: unit 0 pieces (-1, 1, 0.5) -> 1; unit 1 pieces (-3, 0.5, 3) -> 3
    np.testing.assert_allclose(np.asarray(layer(x)), [[3.0, 3.0], [1.0, 3.0]], atol=1e-6)


def test_maxout_gradient_matches_finite_differences():
    import tensorflow as tf

    layer = _maxout_layer(units=3, pieces=4, inputs=2, dtype="float64")
    x = tf.constant(np.random.default_rng(0).normal(size=(5, 2)))
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(tf.square(layer(x)))
    grad_kernel = tape.gradient(loss, layer.kernel).numpy()
    kernel = layer.kernel.numpy()
    numeric = np.zeros_like(kernel)
    h = 1e-6
    for index in np.ndindex(kernel.shape):
        for sign in (1, -1):
            shifted = kernel.copy()
            shifted[index] += sign * h
            layer.kernel.assign(shifted)
            numeric[index] += sign * float(tf.reduce_sum(tf.square(layer(x)))) / (2 * h)
    layer.kernel.assign(kernel)
    np.testing.assert_allclose(grad_kernel, numeric, atol=1e-6, rtol=1e-5)
    assert np.count_nonzero(grad_kernel) < kernel.size  # only the winning pieces receive gradient


def test_maxout_needs_a_name_and_a_seed():
    from dlcore.layers import Maxout

    with pytest.raises(TypeError):
        Maxout(2, 3)
    with pytest.raises(ValueError):
        Maxout(0, 3, name="bad", seed=0)
    assert Maxout.from_config(Maxout(2, 3, name="m", seed=5).get_config()).pieces == 3
