"""The convolutional-networks page under AppTest: every tab, its controls at their extremes, and bad input named."""

import pandas as pd
import pytest
import streamlit

from tests.apptest_helpers import assert_clean, open_page, set_widget, submit_form

PAGE = "pages/cnn.py"
TABS = ["① The conv2d formula", "② One convolution, step by step", "③ Filters on a photo", "④ Shared weights & pooling", "⑤ Receptive field", "⑥ Train a CNN", "⑦ Draw a digit", "⑧ Architectures"]


@pytest.fixture(autouse=True)
def offline(monkeypatch):
    monkeypatch.setenv("DLTEACH_OFFLINE", "1")  # a download is never attempted by a test


def _tab(app, number: int, **state):
    for key, value in state.items():
        app.session_state[f"cnn.{key}"] = value
    app.session_state["cnn.tab"] = TABS[number - 1]
    app.run()
    assert not app.exception, [e.value for e in app.exception]
    return app


def _warnings(app) -> str:
    return " ".join(w.value for w in app.warning)


def test_formula_tab_at_its_extremes():
    app = open_page(PAGE)
    assert_clean(app)
    assert any("formula agrees" in s.value for s in app.success)
    for values in (dict(input_size=32, kernel_size=7, padding="explicit", explicit_padding=3, stride=4, dilation=3), dict(input_size=32, kernel_size=1, padding="same", stride=4, dilation=1)):
        for key, value in values.items():
            set_widget(app, f"cnn.formula.{key}", value)
        app.run()
        assert_clean(app)
    assert app.info or app.success
    for key, value in dict(input_size=1, kernel_size=7, padding="valid", stride=1, dilation=3).items():
        set_widget(app, f"cnn.formula.{key}", value)
    app.run()
    assert not app.exception and not app.error
    assert "kernel size" in _warnings(app) and "No output" in _warnings(app)


def test_step_tab_photo_and_last_step():
    app = _tab(open_page(PAGE), 2, **{"step.source": "china", "step.patch_size": 12, "step.stride": 3, "step.padding": "same", "step.bias": 2.0, "step.activation": "tanh", "step.kernel": "emboss"})
    assert_clean(app)
    set_widget(app, "cnn.step.position", 16)
    app.run()
    assert_clean(app)
    assert len(app.latex) >= 2 and any("cross-correlation" in c.value for c in app.caption)


def test_filters_tab_colour_and_a_bad_kernel_is_named(monkeypatch):
    app = _tab(open_page(PAGE), 3, **{"filters.colour": "per_channel", "filters.preset": "gaussian_blur_5", "filters.kernel_size": 5, "filters.stride": 4, "filters.pool_size": 4, "filters.padding": "valid", "filters.pooling": "average", "filters.photo": "flower"})
    assert_clean(app)
    bad = pd.DataFrame([[1.0, None, 0.0], [float("nan"), 1e9, 0.0], [0.0, 0.0, 0.0]], columns=["col 1", "col 2", "col 3"])
    monkeypatch.setattr(streamlit, "data_editor", lambda *args, **kwargs: bad)
    app = _tab(open_page(PAGE), 3)
    assert_clean(app)  # the preset is shown meanwhile
    assert "row 1, column 2) is empty" in _warnings(app) and "row 2, column 2) is 1e+09" in _warnings(app)


def test_sharing_tab_at_both_ends():
    app = _tab(open_page(PAGE), 4, **{"sharing.input_size": 64, "sharing.channels": 3, "sharing.filters": 64, "sharing.kernel_size": 7, "sharing.shift": 8, "sharing.crop_size": 96})
    assert_clean(app, min_charts=4)
    assert any("not built" in c.value for c in app.caption)
    app = _tab(app, 4, **{"sharing.input_size": 4, "sharing.channels": 1, "sharing.filters": 1, "sharing.kernel_size": 1, "sharing.shift": 1, "sharing.crop_size": 32})
    assert_clean(app, min_charts=4)


def test_receptive_tab_presets_and_a_bad_stack(monkeypatch):
    app = open_page(PAGE)
    for preset in ("dilated", "strided", "pooled"):
        app = _tab(app, 5, **{"receptive.preset": preset, "receptive.num_images": 1, "receptive.filters": 1})
        assert_clean(app, min_charts=2)
    bad = pd.DataFrame([dict(kind="conv", kernel=3, stride=1, dilation=1), dict(kind="conv", kernel=None, stride=9, dilation=1)])
    monkeypatch.setattr(streamlit, "data_editor", lambda *args, **kwargs: bad)
    app = _tab(open_page(PAGE), 5)
    assert_clean(app, min_charts=2)
    assert "layer 2: kernel" in _warnings(app) and "layer 2: stride" in _warnings(app)


def test_training_tab_smallest_and_largest_settings():
    app = _tab(open_page(PAGE), 6, **{"train.epochs": 1, "train.train_size": 100, "train.compare_mlp": False})
    assert_clean(app, min_charts=5)
    for key, value in dict(dataset="mnist", conv_layers=4, pooling="none", filters=4, kernel_size=7, dropout=0.5, batch_norm=True, batch_size=128, learning_rate=0.03, seed=10_000).items():
        set_widget(app, f"cnn.train.{key}", value)
    submit_form(app)
    assert_clean(app, min_charts=5)
    assert any("not available" in i.value for i in app.info)  # offline: the bundled digits at 28×28 instead, said in one line
    set_widget(app, "cnn.train.dataset", "digits")
    set_widget(app, "cnn.train.pooling", "max")
    submit_form(app)
    assert not app.exception and not app.error
    assert "conv_layers" in _warnings(app) and "8×8" in _warnings(app)


def test_draw_tab_asks_for_a_drawing():
    app = _tab(open_page(PAGE), 7, **{"draw.epochs": 1, "draw.dataset": "digits32"})
    assert_clean(app, min_charts=1)  # the reader's learning curve until something is drawn
    assert any("Draw a digit on the canvas" in i.value for i in app.info)


def test_architecture_tab_every_network_and_the_lenet_extremes():
    app = open_page(PAGE)
    for architecture, module in (("alexnet", "5b"), ("googlenet", "4a")):
        app = _tab(app, 8, **{"arch.architecture": architecture, "arch.module": module, "lenet.epochs": 1, "lenet.train_size": 100, "lenet.activation": "relu", "lenet.pooling": "max", "lenet.batch_size": 128, "lenet.learning_rate": 0.01})
        assert_clean(app, min_charts=3)
    assert len(app.dataframe) >= 2 and [m.label for m in app.metric][:1] == ["Parameters (Keras count_params)"]
