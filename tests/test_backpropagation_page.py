"""The backpropagation page under AppTest: controls at their extremes, stepping to both ends, bad links."""

from streamlit.testing.v1 import AppTest

from tests.apptest_helpers import APP, assert_clean, open_page, set_widget, submit_form

PAGE = "pages/backpropagation.py"
WEIGHT_NAMES = [f"{kind}{unit}" for unit in (1, 2, 3) for kind in ("w1", "w2", "b", "v")] + ["c"]


def _button(app, label):
    return next(button for button in app.button if button.label == label)


def _step_title(app) -> str:
    return next(block.value for block in app.markdown if block.value.startswith("#### "))


def test_stepping_to_both_ends_and_presets():
    app = open_page(PAGE)
    assert_clean(app, min_charts=5)
    assert app.slider(key="backprop._step").value == 1
    assert _button(app, "◀ Previous").disabled
    assert _step_title(app) == "#### Forward 1: the inputs"

    _button(app, "Next ▶").click().run()
    assert app.slider(key="backprop._step").value == 2
    app.slider(key="backprop._step").set_value(9).run()  # the last step with two hidden units
    assert _button(app, "Next ▶").disabled
    assert _step_title(app) == "#### Backward 4: hidden unit h2"
    assert len(app.get("latex")) >= 7
    assert_clean(app, min_charts=5)

    set_widget(app, "backprop.hidden_units", 3)
    app.run()
    app.slider(key="backprop._step").set_value(11).run()
    assert _step_title(app) == "#### Backward 5: hidden unit h3"
    set_widget(app, "backprop.hidden_units", 2)
    app.run()  # step 11 no longer exists: clamped to the last step
    assert app.slider(key="backprop._step").value == 9
    assert_clean(app, min_charts=5)

    for label in ("Saturated units", "Output on target", "Input x₂ = 0", "Defaults"):
        _button(app, label).click().run()
        assert_clean(app, min_charts=5)
        assert app.slider(key="backprop._step").value == 1

    # "Defaults" resets every setting, the hidden units, learning rate and h included (it used to keep them)
    set_widget(app, "backprop.hidden_units", 3)
    set_widget(app, "backprop.learning_rate", 10.0)
    set_widget(app, "backprop.finite_difference_step", 1e-12)
    app.run()
    _button(app, "Defaults").click().run()
    for name, value in {"hidden_units": 2, "learning_rate": 0.5, "finite_difference_step": 1e-5, "x2": 0.5, "w11": 0.5}.items():
        assert app.session_state[f"backprop.{name}"] == value, name

    app.toggle(key="backprop._tall").set_value(True).run()  # the phone layout of the diagram
    assert_clean(app, min_charts=5)


def test_weights_inputs_and_settings_at_their_bounds():
    app = open_page(PAGE)
    for sign in (1.0, -1.0):
        for name in WEIGHT_NAMES:
            app.session_state[f"backprop.{name}"] = sign * 10.0
        set_widget(app, "backprop.hidden_units", 3)
        set_widget(app, "backprop.x1", sign * 5.0)
        set_widget(app, "backprop.x2", -sign * 5.0)
        set_widget(app, "backprop.target", 1.0 if sign > 0 else 0.0)
        set_widget(app, "backprop.learning_rate", 10.0 if sign > 0 else 0.01)
        set_widget(app, "backprop.finite_difference_step", 1e-12 if sign > 0 else 1.0)
        app.run()
        assert_clean(app, min_charts=5)
        table = app.dataframe[0].value  # the weights editor shows the edited weights
        assert (table.to_numpy() == sign * 10.0).all()
        app.slider(key="backprop._step").set_value(11).run()
        assert_clean(app, min_charts=5)


def test_bad_link_falls_back_to_defaults_with_a_warning():
    app = AppTest.from_file(APP, default_timeout=300)
    app.query_params["w11"] = "eleven"
    app.query_params["x1"] = "99"
    app.switch_page(PAGE)
    app.run()
    assert not app.exception
    assert any("`w11`" in warning.value and "`x1`" in warning.value for warning in app.warning)
    assert app.session_state["backprop.w11"] == 0.5
    assert_clean(app, min_charts=5)


def test_bigger_network_form_at_its_extremes():
    app = open_page(PAGE)
    for key, value in (("num_hidden_layers", 1), ("units", 2), ("num_samples", 40), ("weights_per_layer", 50), ("activation", "relu"), ("initializer", "large_normal"), ("seed", 10_000)):
        set_widget(app, f"backprop_check.{key}", value)
    submit_form(app)
    assert_clean(app, min_charts=5)
    layers = next(frame.value for frame in app.dataframe if "relative_error_engine" in frame.value.columns)
    assert list(layers["layer"]) == ["hidden_1", "output"]
    assert list(layers["sampled"]) == [4, 2]  # every weight of a 2x2 and a 2x1 kernel
