"""Convolutional-networks experiments: every number against Keras, TensorFlow, a hand formula or a gradient."""

import importlib
import itertools
import pickle

import numpy as np
import pytest

from dlcore.device import tf
from dlcore.experiments import cnn as lab
from dlcore.experiments.cnn import architectures, formula, networks, receptive, sharing

stepping = importlib.import_module("dlcore.experiments.cnn.step_through")  # the package exports a function of the same name


# ---------------------------------------------------------------- 1 · the formula


def _keras_size(config, layers_by_setting) -> int:
    """Keras' own output-shape arithmetic for the same settings (explicit padding = ZeroPadding2D, then 'valid')."""
    key = (config.kernel_size, config.stride, config.dilation, "same" if config.padding == "same" else "valid")
    if key not in layers_by_setting:
        import keras

        layers_by_setting[key] = keras.layers.Conv2D(1, config.kernel_size, strides=config.stride, dilation_rate=config.dilation, padding=key[3])
    n = config.input_size + (2 * config.explicit_padding if config.padding == "explicit" else 0)
    return layers_by_setting[key].compute_output_shape((1, n, n, 1))[1]


def test_formula_agrees_with_keras_over_every_setting_the_widgets_allow():
    bounds = {name: formula.FormulaConfig.__dataclass_fields__[name].metadata["bounds"] for name in ("input_size", "kernel_size", "explicit_padding", "stride", "dilation")}
    values = {name: range(int(b.low), int(b.high) + 1) for name, b in bounds.items()}
    layers, checked, refused = {}, 0, 0
    for n, k, p, s, d, padding in itertools.product(*values.values(), formula.PADDINGS):
        if padding != "explicit" and p != 0:
            continue
        config = formula.FormulaConfig(input_size=n, kernel_size=k, padding=padding, explicit_padding=p, stride=s, dilation=d)
        g = formula.geometry(config)
        starts = [start for start in range(g.padded_size) if start % s == 0 and start + g.span <= g.padded_size]
        assert g.output_size == len(starts) or (g.output_size < 1 and not starts)  # the formula counts the windows that fit
        if s > 1 and d > 1:
            refused += 1  # Keras refuses these; the window count above is the check
            continue
        if g.output_size < 1:
            assert formula.problem_of(config, g) and "kernel size" in formula.problem_of(config, g)
            continue
        assert g.output_size == _keras_size(config, layers), config
        checked += 1
    assert checked > 5000 and refused > 0


@pytest.mark.parametrize(("padding", "stride", "dilation"), [("valid", 1, 1), ("same", 3, 1), ("explicit", 2, 1), ("same", 1, 3), ("explicit", 1, 2)])
def test_formula_result_runs_a_real_conv2d(padding, stride, dilation):
    config = formula.FormulaConfig(input_size=13, kernel_size=4, padding=padding, explicit_padding=2, stride=stride, dilation=dilation)
    result = lab.conv_formula(config)
    assert result.keras_output_size == result.output_size and result.problem is None
    assert f"= {result.output_size}" in result.latex


def test_same_padding_puts_the_odd_pixel_after_and_keras_refusal_is_explained():
    assert formula.padding_for(formula.FormulaConfig(input_size=8, kernel_size=4, padding="same", stride=1, dilation=1)) == (1, 2)
    refused = lab.conv_formula(formula.FormulaConfig(stride=2, dilation=2))
    assert refused.keras_output_size is None and "refuses" in refused.keras_note


# ---------------------------------------------------------------- 2 · step through


@pytest.mark.parametrize(("kernel", "stride", "padding", "activation"), [(k, s, p, a) for k in stepping.STEP_KERNELS for s, p, a in ((1, "valid", "relu"), (2, "same", "tanh"), (3, "same", "linear"))])
def test_step_through_sums_equal_tf_conv2d(kernel, stride, padding, activation):
    result = lab.step_through(lab.StepConfig(source="flower", patch_size=9, kernel=kernel, stride=stride, padding=padding, bias=0.3, activation=activation))
    assert result.max_difference_from_tensorflow < 1e-5
    for step in (0, result.num_steps - 1):
        row, column = result.position(step)
        assert np.isclose(result.products(step).sum() + 0.3, result.pre_activation[row, column])


def test_step_through_is_cross_correlation_not_flipped_convolution():
    result = lab.step_through(lab.StepConfig(kernel="sobel_x", bias=0.0, activation="linear"))
    flipped = stepping.by_hand(result.padded, result.kernel[::-1, ::-1], 1, 0.0)
    assert np.allclose(result.output, -flipped)  # Sobel x flipped is its negative: the page's maps are not flipped


# ---------------------------------------------------------------- 3 · filters and bad kernels


def test_identity_kernel_returns_the_photo_and_relu_pooling_follow():
    config = lab.FilterConfig(preset="identity", colour="per_channel", pooling="max", pool_size=2)
    result = lab.filter_photo(lab.default_run(config))
    assert np.allclose(result.feature_map, result.photo, atol=1e-6)
    h, w = result.rectified.shape[:2]
    expected = result.rectified[: h // 2 * 2, : w // 2 * 2].reshape(h // 2, 2, w // 2, 2, 3).max(axis=(1, 3))
    assert np.allclose(result.pooled, expected)


def test_bad_kernel_cells_are_named():
    problems = lab.kernel_problems([[1, None, 0], [float("nan"), 1e9, "x"], [0, 0, float("inf")]])
    text = " ".join(problems)
    for cell in ("row 1, column 2) is empty", "row 2, column 1) is empty (NaN)", "row 2, column 2) is 1e+09", "row 2, column 3) is not a number", "row 3, column 3)"):
        assert cell in text
    with pytest.raises(ValueError, match="row 1, column 2"):
        lab.FilterRun(lab.FilterConfig(), ((1.0, float("nan")), (0.0, 0.0))).validate()


# ---------------------------------------------------------------- 4 · shared weights


@pytest.mark.parametrize(("n", "c", "f", "k"), [(4, 1, 1, 1), (28, 1, 8, 3), (32, 3, 16, 5), (64, 3, 64, 7)])
def test_parameter_counts_match_count_params(n, c, f, k):
    counts = sharing.parameter_count(lab.SharingConfig(input_size=n, channels=c, filters=f, kernel_size=k))
    assert counts.conv_keras == counts.conv_formula == k * k * c * f + f
    assert counts.dense_formula == (n * n * c) * (n * n * f) + n * n * f
    assert counts.dense_keras in (counts.dense_formula, None) and (counts.dense_keras is None) == (counts.dense_formula > sharing.KERAS_DENSE_LIMIT)


def test_convolution_is_shift_equivariant_and_pooling_shrinks():
    result = lab.shared_weights(lab.SharingConfig(shift=5, crop_size=48))
    assert result.equivariance_error < 1e-5 * max(result.map_scale, 1.0)
    assert all(m.shape == (24, 24) for m in result.pooled.values())
    assert set(result.shift_table["subsampling"]) == set(lab.SUBSAMPLINGS) and len(result.shift_table) == 4 * 5


# ---------------------------------------------------------------- 5 · receptive fields


STACKS_TO_MEASURE = [
    (receptive.LayerSpec("conv", 3), receptive.LayerSpec("conv", 3), receptive.LayerSpec("conv", 3)),
    (receptive.LayerSpec("conv", 5), receptive.LayerSpec("avg_pool", 2, 2), receptive.LayerSpec("conv", 3, 1, 2)),
    (receptive.LayerSpec("conv", 3, 2), receptive.LayerSpec("conv", 3, 2), receptive.LayerSpec("avg_pool", 3, 1), receptive.LayerSpec("conv", 2)),
    tuple(receptive.LayerSpec("conv", 3, 1, d) for d in (1, 2, 4)),
]


@pytest.mark.parametrize("layers", STACKS_TO_MEASURE, ids=lambda layers: "-".join(f"{x.kind}{x.kernel}s{x.stride}d{x.dilation}" for x in layers))
def test_theoretical_field_equals_the_gradient_support_of_a_linear_stack(layers):
    field = int(receptive.theoretical(layers)["receptive_field"].iloc[-1])
    size = field + 12
    model = receptive.build_stack(layers, size, filters=4, seed=1, activation=None)
    rng = np.random.default_rng(0)
    gradient = receptive.centre_gradient(model, rng.normal(size=(2, size, size)).astype(np.float32))
    rows, columns = np.nonzero(gradient > 1e-12)
    assert rows.max() - rows.min() + 1 == field and columns.max() - columns.min() + 1 == field


def test_effective_field_is_smaller_than_the_theoretical_one_on_the_default_stack():
    result = lab.receptive_field(lab.preset_run(lab.ReceptiveConfig()))
    assert result.theoretical_size == 13 and result.support == (1, 1, 13, 13)
    assert result.effective_size < result.theoretical_size and result.effective_share < 0.8
    middle = result.gradient[result.gradient.shape[0] // 2]
    assert middle[len(middle) // 2 - 1 : len(middle) // 2 + 2].max() > 2 * max(middle[1], middle[-2])  # a bell: the centre outweighs the edges


def test_impossible_or_bad_stacks_are_named():
    assert receptive.layer_problems(()) == ["the stack is empty: add at least one layer"]
    problems = receptive.layer_problems((receptive.LayerSpec("conv", 0), receptive.LayerSpec("pool", 3, 9), receptive.LayerSpec("conv", 3, 1, float("nan"))))
    assert any("layer 1: kernel" in p for p in problems) and any("layer 2: kind" in p for p in problems) and any("layer 2: stride" in p for p in problems) and any("layer 3: dilation" in p for p in problems)
    huge = lab.ReceptiveRun(lab.ReceptiveConfig(), tuple(receptive.LayerSpec("conv", 11, 1, 8) for _ in range(3)))
    assert any("receptive field grows" in p for p in huge.problems())


# ---------------------------------------------------------------- 8 · architectures


def test_classic_architectures_have_their_published_sizes():
    lenet = lab.architecture(lab.ArchitectureConfig(architecture="lenet5"))
    assert lenet.total_parameters == 61_706 and lenet.table.set_index("layer").loc["C5", "receptive_field"] == 32
    assert lenet.table.set_index("layer").loc["C1", "multiply_adds"] == 28 * 28 * 6 * 5 * 5
    googlenet = lab.architecture(lab.ArchitectureConfig(architecture="googlenet", module="4e"))
    assert 6.5e6 < googlenet.total_parameters < 7.1e6 and 1.4e9 < googlenet.total_multiply_adds < 1.7e9  # "about 1.5 billion multiply-adds"
    module = googlenet.module_table.set_index("module")
    naive, reduced = module.iloc[0], module.iloc[1]
    assert reduced["parameters"] < naive["parameters"] and reduced["multiply_adds"] < naive["multiply_adds"]
    assert reduced["output_channels"] == 256 + 320 + 128 + 128


def test_alexnet_count_and_inception_3a_by_hand():
    model = networks.build_alexnet()
    assert model.count_params() == 62_378_344
    del model
    table = architectures.module_comparison("3a").set_index("module")
    reduced = table.iloc[1]
    by_hand = (192 * 64 + 64) + (192 * 96 + 96) + (9 * 96 * 128 + 128) + (192 * 16 + 16) + (25 * 16 * 32 + 32) + (192 * 32 + 32)
    assert reduced["parameters"] == by_hand


# ---------------------------------------------------------------- results are plain data


def test_results_pickle():
    results = [
        lab.conv_formula(lab.FormulaConfig()),
        lab.step_through(lab.StepConfig()),
        lab.filter_photo(lab.default_run(lab.FilterConfig())),
        lab.shared_weights(lab.SharingConfig(crop_size=32, shift=1)),
        lab.receptive_field(lab.preset_run(lab.ReceptiveConfig(num_images=2, preset="lenet"))),
        lab.architecture(lab.ArchitectureConfig()),
    ]
    for result in results:
        assert pickle.loads(pickle.dumps(result)).__class__ is result.__class__
    assert not any(isinstance(value, tf.Tensor) for result in results for value in vars(result).values())


def test_first_figure_is_the_formula_drawing():
    figure = lab.first_figure()
    assert "window" in figure.layout.title.text and len(figure.data) >= 3
