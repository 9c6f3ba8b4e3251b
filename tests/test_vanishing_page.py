"""The vanishing/exploding page under AppTest: defaults, extremes, presets, pinning, URL sharing."""

import pytest

from dlcore import limits
from tests.apptest_helpers import assert_clean, open_page, set_widget, submit_form

PAGE = "pages/vanishing.py"


def _configure(app, **values):
    for name, value in values.items():
        set_widget(app, f"vanishing.{name}", value)
    submit_form(app)


def test_defaults_draw_every_figure_and_metric():
    app = open_page(PAGE)
    assert_clean(app, min_charts=5)
    assert [m.label for m in app.metric][0] == "Validation accuracy"
    assert app.query_params == {} or all(not v for v in app.query_params.values())


def test_worst_case_deepest_sigmoid_large_init_no_remedies():
    app = open_page(PAGE)
    _configure(app, num_hidden_layers=limits.current().max_hidden_layers, activation="sigmoid", initializer="large_normal", batch_norm=False, clipping="off", learning_rate=3.0, epochs=2, batch_size=1)
    assert_clean(app, min_charts=5)


def test_every_remedy_on_at_the_extremes():
    app = open_page(PAGE)
    _configure(app, num_hidden_layers=30, units=2, activation="elu", initializer="he", batch_norm=True, clipping="value", clip_threshold=0.1, optimizer="adam", learning_rate=1e-4, epochs=1, batch_size=0, dataset="digits")
    assert_clean(app, min_charts=5)


def test_exploding_preset_is_a_lesson_not_an_error():
    app = open_page(PAGE)
    next(b for b in app.button if b.label.startswith("Exploding")).click().run()
    assert_clean(app, min_charts=5)
    assert any("at step" in w.value and "exploding from the first update" in w.value for w in app.warning)
    assert app.query_params.get("initializer") in ("large_normal", ["large_normal"])


def test_pin_overlays_two_runs():
    app = open_page(PAGE)
    next(b for b in app.button if b.label.startswith("📌")).click().run()
    next(b for b in app.button if b.label.startswith("Fix: ReLU")).click().run()
    assert_clean(app, min_charts=5)
    first_chart = app.get("plotly_chart")[0].proto.spec
    assert "pinned:" in first_chart and "current:" in first_chart


@pytest.mark.parametrize("query", [{"num_hidden_layers": "999"}, {"activation": "nonsense"}, {"epochs": "abc"}])
def test_bad_url_settings_fall_back_to_defaults_with_a_message(query):
    from streamlit.testing.v1 import AppTest

    from tests.apptest_helpers import APP

    app = AppTest.from_file(APP, default_timeout=300)
    for key, value in query.items():
        app.query_params[key] = value
    app.switch_page(PAGE)
    app.run()
    assert not app.exception
    assert any(f"`{next(iter(query))}`" in w.value for w in app.warning)
    assert len(app.get("plotly_chart")) >= 5
