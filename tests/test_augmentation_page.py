"""The augmentation page under AppTest: defaults, controls at their extremes, the offline note, the mirror run."""

import pytest

from tests.apptest_helpers import assert_clean, open_page, set_widget, submit_form

PAGE = "pages/augmentation.py"


@pytest.fixture
def offline(monkeypatch):
    monkeypatch.setenv("DLTEACH_OFFLINE", "1")  # choosing MNIST must never reach the network in a test


def _infos(app) -> str:
    return " ".join(block.value for block in app.info)


def test_page_at_the_controls_extremes(offline):
    app = open_page(PAGE)
    assert_clean(app, min_charts=5)
    assert not any(app.query_params.values())  # every widget shows its default (a default outside a widget's options would land in the URL)
    highest = dict(flip="horizontal_and_vertical", rotation_degrees=180.0, zoom=0.5, translation=0.5, contrast=0.9, cutout=1.0, noise_std=0.5)
    lowest_training = dict(dataset="mnist", train_size=20, epochs=1, filters=32, learning_rate=0.1, batch_size=1, seed=10_000)
    for field, value in {**highest, **lowest_training}.items():
        set_widget(app, f"augmentation.{field}", value)
    set_widget(app, "augmentation_grid.image_source", "china")
    set_widget(app, "augmentation_grid.grid_seed", 10_000)
    submit_form(app)
    assert_clean(app, min_charts=5)
    assert "MNIST 28×28 digits is not available" in _infos(app)
    assert app.metric[0].label == "Validation accuracy, plain"

    set_widget(app, "augmentation_grid.image_source", "fashion_mnist")
    app.run()  # the image slider is disabled while a photo is chosen
    set_widget(app, "augmentation_grid.image_index", 99)
    for field in highest:
        set_widget(app, f"augmentation.{field}", "none" if field == "flip" else 0.0)
    set_widget(app, "augmentation.dataset", "digits")
    set_widget(app, "augmentation.train_size", 1000)
    set_widget(app, "augmentation.batch_size", 0)
    submit_form(app)
    assert_clean(app, min_charts=5)
    assert "Every augmentation is switched off" in _infos(app)
    assert "Fashion-MNIST" in _infos(app)  # the grid's fallback note


def test_mirror_button_trains_the_wrong_augmentation(offline):
    app = open_page(PAGE)
    set_widget(app, "augmentation.epochs", 2)
    set_widget(app, "augmentation.train_size", 30)
    submit_form(app)
    charts_before = len(app.get("plotly_chart"))
    next(button for button in app.button if button.key == "augmentation.measure_button").click().run()
    assert_clean(app, min_charts=charts_before + 2)
    assert any("flip horizontal" in str(frame.value) for frame in app.dataframe)


def test_a_link_beyond_the_bounds_warns_and_still_trains(offline):
    from streamlit.testing.v1 import AppTest

    from tests.apptest_helpers import APP

    app = AppTest.from_file(APP, default_timeout=300)
    for key, value in {"epochs": "1", "train_size": "5", "grid.image_index": "500", "grid.grid_seed": "nan"}.items():
        app.query_params[key] = value
    app.switch_page(PAGE)
    app.run()
    assert_clean(app, min_charts=5)
    warnings = " ".join(w.value for w in app.warning)
    assert all(f"`{name}`" in warnings for name in ("train_size", "image_index", "grid_seed"))
    assert app.session_state["augmentation_grid.image_index"] == 99 and app.session_state["augmentation.train_size"] == 20
