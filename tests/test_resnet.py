"""Residual networks: blocks against hand computations, the identity at zero init, lesions, filter normalisation, landscapes."""

import pickle

import numpy as np
import pandas as pd
import pytest

from dlcore import engine, limits
from dlcore.device import tf
from dlcore.experiments import resnet
from dlcore.experiments.resnet import common, degradation, gradients, landscape, lesion, unit
from dlcore.experiments.resnet.blocks import NetworkSpec, ResidualBlock, build_network, forward
from dlcore.experiments.resnet.side_by_side import SideBySideStep, network_table


def _block(input_shape, **options):
    block = ResidualBlock(options.pop("width"), seed=options.pop("seed", 3), name="block", **options)
    block.build((None, *input_shape))
    return block


@pytest.mark.parametrize(
    ("input_shape", "options", "output_shape", "parameters"),
    [
        # Dense 16 -> 16 twice, no bias (batch norm follows), two batch norms of 4·16
        ((16,), dict(width=16, kind="mlp", batch_norm=True), (16,), 16 * 16 + 16 * 16 + 2 * 4 * 16),
        # without batch norm each Dense keeps its bias
        ((16,), dict(width=16, kind="mlp", batch_norm=False), (16,), 2 * (16 * 16 + 16)),
        # 3x3 conv 8 -> 16 with stride 2, 3x3 conv 16 -> 16, two batch norms, 1x1 projection 8 -> 16 (no bias)
        ((8, 8, 8), dict(width=16, kind="cnn", stride=2, shortcut="projection"), (4, 4, 16), 3 * 3 * 8 * 16 + 3 * 3 * 16 * 16 + 2 * 4 * 16 + 8 * 16),
        # the same with the parameter-free identity (subsampled, zero-padded channels)
        ((8, 8, 8), dict(width=16, kind="cnn", stride=2, shortcut="identity"), (4, 4, 16), 3 * 3 * 8 * 16 + 3 * 3 * 16 * 16 + 2 * 4 * 16),
        # pre-activation: the first batch norm sees the 8 input channels
        ((8, 8, 8), dict(width=16, kind="cnn", order="pre", shortcut="projection"), (8, 8, 16), 4 * 8 + 3 * 3 * 8 * 16 + 4 * 16 + 3 * 3 * 16 * 16 + 8 * 16),
        # a plain block has no shortcut and so no projection, whatever the setting
        ((8, 8, 4), dict(width=4, kind="cnn", residual=False, batch_norm=False, shortcut="projection"), (8, 8, 4), 2 * (3 * 3 * 4 * 4 + 4)),
    ],
)
def test_block_output_shapes_and_parameter_counts_match_the_hand_computation(input_shape, options, output_shape, parameters):
    block = _block(input_shape, **options)
    x = tf.random.normal((2, *input_shape), seed=1)
    assert tuple(block(x).shape[1:]) == output_shape
    assert tuple(block.compute_output_shape((None, *input_shape))[1:]) == output_shape
    assert block.count_params() == parameters


@pytest.mark.parametrize("kind", ["mlp", "cnn"])
@pytest.mark.parametrize("batch_norm", [True, False])
def test_a_block_whose_branch_ends_at_zero_is_the_identity(kind, batch_norm):
    shape = (6,) if kind == "mlp" else (4, 4, 6)
    x = tf.random.normal((5, *shape), seed=2)
    pre = _block(shape, width=6, kind=kind, order="pre", batch_norm=batch_norm, zero_init_last=True)
    np.testing.assert_array_equal(pre(x, training=False).numpy(), x.numpy())  # any input, any sign
    post = _block(shape, width=6, kind=kind, order="post", batch_norm=batch_norm, zero_init_last=True)
    inputs = tf.nn.relu(x)  # a post-activation block receives the ReLU output of the block before
    np.testing.assert_array_equal(post(inputs, training=False).numpy(), inputs.numpy())
    ordinary = _block(shape, width=6, kind=kind, order="pre", batch_norm=batch_norm)
    assert not np.allclose(ordinary(x, training=False).numpy(), x.numpy())


def test_identity_shortcut_subsamples_and_pads_with_zeros():
    block = _block((4, 4, 2), width=3, kind="cnn", stride=2)
    x = tf.reshape(tf.range(32, dtype=tf.float32), (1, 4, 4, 2))
    shortcut = block.shortcut_of(x).numpy()
    np.testing.assert_array_equal(shortcut[0, :, :, :2], x.numpy()[0, ::2, ::2, :])
    np.testing.assert_array_equal(shortcut[0, :, :, 2], np.zeros((2, 2)))


def test_deleting_an_identity_block_changes_nothing_but_deleting_a_plain_block_does():
    x = np.random.default_rng(0).normal(size=(20, 2)).astype(np.float32)
    residual = build_network(NetworkSpec(blocks=3, width=8, residual=True, batch_norm=False, zero_init_last=True, seed=1))
    plain = build_network(NetworkSpec(blocks=3, width=8, residual=False, batch_norm=False, seed=1))
    intact = forward(residual, x).numpy()
    np.testing.assert_allclose(residual(x).numpy(), intact, rtol=1e-6)
    for k in (1, 2, 3):
        np.testing.assert_allclose(forward(residual, x, deleted=k).numpy(), intact, rtol=1e-6)
        assert not np.allclose(forward(plain, x, deleted=k).numpy(), forward(plain, x).numpy())
    # a shortcut switched off leaves only the branch, which starts at zero: the block outputs ReLU(0) = 0
    block_2 = residual.get_layer("block_2")
    np.testing.assert_array_equal(block_2.without_skip(tf.constant(np.abs(x[:, :1]) * np.ones((1, 8), np.float32))).numpy(), 0.0)


def test_filter_normalisation_gives_each_filter_the_norm_of_the_weights_filter():
    rng = np.random.default_rng(4)
    weights = [rng.normal(size=(5, 3)), rng.normal(size=(3, 3, 4, 6)) * 0.1, rng.normal(size=(6,))]
    direction = landscape.filter_normalized_direction(weights, np.random.default_rng(9))
    for weight, d in zip(weights[:2], direction[:2]):
        assert d.shape == weight.shape
        for j in range(weight.shape[-1]):
            assert np.linalg.norm(d[..., j]) == pytest.approx(np.linalg.norm(weight[..., j]), rel=1e-12)
        assert not np.allclose(d, weight)
    np.testing.assert_array_equal(direction[2], 0.0)  # biases and batch-norm parameters do not move
    again = landscape.filter_normalized_direction(weights, np.random.default_rng(9))
    assert all(np.array_equal(a, b) for a, b in zip(direction, again))  # seeded


def test_grid_has_its_centre_exactly_at_zero():
    for resolution in landscape.RESOLUTIONS:
        values = landscape.grid_values(resolution, 1.5)
        assert values[resolution // 2] == 0.0 and values[0] == -1.5 and values[-1] == 1.5


@pytest.fixture(scope="module")
def small_landscape():
    return landscape.run(landscape.Config(blocks=2, width=8, epochs=2, resolution=5, span=0.5))


def test_landscape_at_the_centre_equals_the_trained_loss(small_landscape):
    for s in small_landscape.slices:
        assert s.centre == pytest.approx(s.trained_loss, rel=1e-5)
        assert s.line[2] == s.centre
        assert s.surface.shape == (5, 5) and np.all(np.isfinite(s.surface))
        assert s.local_minima >= 1


def test_landscape_puts_the_weights_back():
    task = common.load_task("mlp", "moons", 200, 0.1, 0)
    network = build_network(NetworkSpec(blocks=1, width=4, seed=0, batch_norm=False))
    before = [v.numpy().copy() for v in network.trainable_variables]
    values = landscape.landscape(network, task.split.x_train, task.split.y_train, "binary", np.array([-1.0, 0.0, 1.0]), np.array([-1.0, 0.0, 1.0]), 3)
    assert values.shape == (3, 3) and values[1, 1] < values.max()
    assert all(np.array_equal(a, v.numpy()) for a, v in zip(before, network.trainable_variables))


def test_side_by_side_training_equals_separate_training():
    task = common.load_task("mlp", "moons", 200, 0.1, 0)
    split = task.split
    specs = [NetworkSpec(blocks=1, width=4, residual=residual, batch_norm=False, zero_init_last=residual, seed=2, name=f"net_{residual}") for residual in (False, True)]
    spec = engine.TrainSpec(epochs=2, batch_size=32, seed=0)
    together = engine.fit(SideBySideStep([build_network(s) for s in specs], common.make_decaying_optimizer("adam", 0.01, 10), "binary", kinds=()), (split.x_train, split.y_train), None, spec)
    assert together.compiled_traces == 1
    for s in specs:
        alone = engine.fit(SideBySideStep([build_network(s)], common.make_decaying_optimizer("adam", 0.01, 10), "binary", kinds=()), (split.x_train, split.y_train), None, spec)
        np.testing.assert_allclose(network_table(together.epochs, s.name)["train_loss"], network_table(alone.epochs, s.name)["train_loss"], rtol=1e-4)


def test_bad_settings_get_a_message_and_links_never_raise(monkeypatch):
    problems = degradation.Config(shallow_blocks=8, deep_blocks=8).problems()
    assert problems and "more blocks" in problems[0]
    huge = degradation.Config(network="cnn", shallow_blocks=20, deep_blocks=40, width=128, batch_size=256)
    assert any("GB of memory" in p for p in huge.problems())
    with pytest.raises(ValueError, match="GB of memory"):
        degradation.run(huge)
    config, messages = landscape.Config.from_link({"resolution": "20", "blocks": "999", "span": "nan"})
    assert config.resolution in landscape.RESOLUTIONS and config.resolution % 2 == 1
    assert config.blocks == limits.current().max_hidden_layers and len(messages) == 3
    monkeypatch.setenv("DLTEACH_HOSTED", "1")
    assert gradients.Config(blocks=40).problems()  # above the hosted depth cap
    assert any("GB" in p for p in gradients.Config(network="cnn", blocks=30, width=64, batch_size=256, batch_norm=True).problems())


def test_chance_loss_is_the_entropy_of_the_class_shares():
    assert common.load_task("cnn", "digits", 0, 0.0, 0).chance_loss == pytest.approx(np.log(10), rel=0.01)
    assert common.load_task("mlp", "spiral", 1000, 0.2, 0).chance_loss == pytest.approx(np.log(2), rel=0.01)


def test_finding_is_worded_for_what_the_run_shows():
    def fake(losses):
        runs = tuple(degradation.NetworkRun(f"net-{i}", i >= 2, 1, 4, pd.DataFrame({"epoch": [1], "train_loss": [loss], "train_accuracy": [0.5], "val_accuracy": [0.5]})) for i, loss in enumerate(losses))
        return degradation.Result(degradation.Config(), runs, 0.693, None, 1.0).finding

    assert fake([0.1, 0.3, 0.2, 0.05]).sentence.startswith("Degradation, and its cure")
    assert fake([0.3, 0.1, 0.2, 0.05]).sentence.startswith("No degradation")
    assert fake([0.1, 0.3, 0.05, 0.2]).sentence.startswith("The deeper plain network degrades, but")
    assert "no better than guessing" in fake([0.1, 0.69, 0.2, 0.05]).sentence


def test_every_result_pickles_and_the_package_names_its_page(small_landscape):
    small = dict(epochs=1, width=4)
    results = [
        degradation.run(degradation.Config(shallow_blocks=1, deep_blocks=2, num_samples=200, **small)),
        gradients.run(gradients.Config(blocks=2, **small)),
        lesion.run(lesion.Config(blocks=2, **small)),
        unit.run(unit.Config(blocks=2, width=2, epochs=1)),
        small_landscape,
    ]
    for result in results:
        assert pickle.loads(pickle.dumps(result)).config == result.config
    assert resnet.PAGE == "pages/resnet.py" and callable(resnet.first_figure)
    gradient_result = results[1]
    assert gradient_result.plain.output_gradient_norms.shape[1] == len(gradient_result.plain.positions) == 3
    assert gradient_result.plain.weight_gradient_norms.shape[1] == len(gradient_result.plain.weight_positions) == 4
    unit_result = results[3]
    assert [b.parameters for b in unit_result.blocks] == [2 * (9 * 2 * 2) + 2 * 8, 9 * 2 * 4 + 9 * 4 * 4 + 2 * 16]
    assert unit_result.blocks[1].shortcut.shape == (4, 4, 4) and unit_result.blocks[1].main[0].shape == (4, 4, 4)


def test_skip_scores_agree_with_the_intact_network():
    config = unit.Config(blocks=2, width=2, epochs=1)
    task = common.load_task("cnn", "digits", 0, 0.0, 0)
    model = build_network(unit.network_spec(config, task))
    scores = unit.skip_scores(model, task.split.x_val[:50], task.split.y_val[:50], "multiclass", 2)
    logits = model(task.split.x_val[:50], training=False)
    assert scores.shape == (4, 2)
    assert scores[0, 0] == pytest.approx(float(engine.loss_and_accuracy("multiclass", task.split.y_val[:50], logits)[0]), rel=1e-5)


def test_first_figure_is_the_shallow_pair_the_page_draws_first(monkeypatch):
    seen = []
    monkeypatch.setattr(degradation, "_train_pair", lambda config, task, blocks, progress=None: seen.append((config, blocks)))
    resnet.first_figure()
    assert seen == [(degradation.Config(), degradation.Config().shallow_blocks)]


def test_the_live_chart_shows_the_shallow_pair_whole_before_the_deep_pair_and_then_all_four():
    """The two pairs train one after the other; the live table holds the shallow pair's whole run while the deep pair trains."""
    config = degradation.Config(shallow_blocks=1, deep_blocks=2, num_samples=200, width=4, epochs=3)
    seen = []
    result = degradation.run(config, lambda info: seen.append(([label for label, *_ in degradation.live_tables(config, info.epochs_table)], round(info.fraction, 3))))
    first_pair, all_four = ["plain-4", "ResNet-4"], ["plain-4", "plain-6", "ResNet-4", "ResNet-6"]
    assert [labels for labels, _ in seen] == [first_pair] * 3 + [all_four] * 3
    assert [fraction for _, fraction in seen] == sorted(fraction for _, fraction in seen) and seen[-1][1] == 1.0
    assert all(len(run.epochs) == 3 for run in result.runs)
    assert degradation.live_tables(config, degradation._merged(None, None)) == []
    shallow_stopped_early = degradation._merged(pd.DataFrame({"epoch": [1], "train_loss/a": [1.0]}), pd.DataFrame({"epoch": [1, 2], "train_loss/b": [2.0, 3.0]}))
    assert list(shallow_stopped_early["epoch"]) == [1, 2]  # the deep pair's later epochs are kept


def test_lesion_scores_equal_the_network_with_that_block_deleted():
    task = common.load_task("mlp", "moons", 200, 0.1, 0)
    x, y = task.split.x_val, task.split.y_val
    for residual in (False, True):
        model = build_network(NetworkSpec(blocks=3, width=8, residual=residual, batch_norm=True, seed=5))
        scores = lesion.lesion_scores(model, x, y, "binary", 3)
        assert scores.shape == (4, 2)
        for deleted in (None, 1, 2, 3):
            loss, accuracy = engine.loss_and_accuracy("binary", y, forward(model, x, deleted=deleted))
            assert scores[deleted or 0] == pytest.approx([float(loss), float(accuracy)], rel=1e-5)
