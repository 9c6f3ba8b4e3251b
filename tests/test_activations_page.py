"""The activation-functions page under AppTest: every tab, controls at their extremes."""

from dlcore import limits
from dlcore.activation_functions import GALLERY
from tests.apptest_helpers import assert_clean, open_page, set_widget, submit_form

PAGE = "pages/activations.py"


def _open_tab(app, name):
    app.session_state["activations.tab"] = name
    app.run()
    assert not app.exception, [e.value for e in app.exception]


def test_gallery_with_every_function_and_sliders_at_extremes():
    app = open_page(PAGE)
    assert_clean(app, min_charts=1)
    links = [link.proto.page for link in app.get("page_link")]
    assert any("vanishing" in page for page in links)
    set_widget(app, "activations.gallery.names", list(GALLERY))
    for key, value in (("leaky_slope", 0.5), ("elu_alpha", 2.0), ("maxout_pieces", 6), ("x_limit", 10.0)):
        set_widget(app, f"activations.gallery.{key}", value)
    app.run()
    assert_clean(app, min_charts=1)
    assert len(app.get("latex")) >= len(GALLERY)
    set_widget(app, "activations.gallery.names", [])
    set_widget(app, "activations.gallery.leaky_slope", 0.01)
    app.run()
    assert not app.exception and app.info  # an empty selection asks for a function instead of failing


def test_training_tabs_at_small_and_large_settings():
    app = open_page(PAGE)
    _open_tab(app, "② Why non-linear?")
    for key, value in (("dataset", "xor"), ("activation", "tanh"), ("num_hidden_layers", 10), ("units", 2), ("epochs", 5), ("learning_rate", 1.0), ("noise", 0.6)):
        set_widget(app, f"activations.nonlinear.{key}", value)
    submit_form(app)
    assert_clean(app, min_charts=2)
    _open_tab(app, "④ Maxout")
    for key, value in (("pieces", 6), ("units", 1), ("epochs", 5), ("dataset", "spiral")):
        set_widget(app, f"activations.maxout.{key}", value)
    submit_form(app)
    assert_clean(app, min_charts=3)
    _open_tab(app, "⑤ Live training")
    for key, value in (("activation", "linear"), ("epochs", 5), ("snapshot_every", 50), ("num_hidden_layers", 1), ("units", 64)):
        set_widget(app, f"activations.live.{key}", value)
    submit_form(app)
    assert_clean(app, min_charts=2)


def test_why_relu_tab_with_the_deepest_network_and_adam():
    app = open_page(PAGE)
    for key, value in (("gradient.num_hidden_layers", 30), ("gradient.epochs", 1), ("sparsity.optimizer", "adam"), ("sparsity.epochs", 2), ("cost.seconds_per_cell", 0.01)):
        app.session_state[f"activations.relu.{key}"] = value
    _open_tab(app, "③ Why ReLU?")
    assert_clean(app, min_charts=5)
    set_widget(app, "activations.relu.shown_rate", 2.0)
    app.run()
    assert_clean(app, min_charts=5)
    assert [m.label for m in app.metric][:1] == ["1 · Cost: sigmoid ÷ ReLU time"]


def test_a_link_beyond_the_bounds_opens_the_tab_with_a_warning_not_a_crash():
    from streamlit.testing.v1 import AppTest

    from tests.apptest_helpers import APP

    app = AppTest.from_file(APP, default_timeout=300)
    for key, value in {"tab": "2", "nonlinear.units": "999", "nonlinear.epochs": "1", "nonlinear.learning_rate": "<b>x</b>"}.items():
        app.query_params[key] = value
    app.switch_page(PAGE)
    app.run()
    assert_clean(app, min_charts=2)
    warnings = " ".join(w.value for w in app.warning)
    assert "`units`" in warnings and "`learning_rate`" in warnings and "<b>" not in warnings
    assert app.session_state["activations.nonlinear.units"] == limits.current().max_units


def test_maxout_unit_choice_survives_a_narrower_network():
    app = open_page(PAGE)
    app.session_state["activations.maxout.units"] = 4
    app.session_state["activations.maxout.epochs"] = 1
    _open_tab(app, "④ Maxout")
    set_widget(app, "activations.maxout.unit", 3)
    app.run()
    set_widget(app, "activations.maxout.units", 2)
    submit_form(app)
    assert_clean(app, min_charts=3)
    assert app.session_state["activations.maxout.unit"] == 1
