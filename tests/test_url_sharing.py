"""Links carry every tab's settings and the open tab: a URL reproduces what its sender saw."""

import pytest
from streamlit.testing.v1 import AppTest

from tests.apptest_helpers import APP, assert_clean, set_widget


def _open(page: str, query: dict) -> AppTest:
    app = AppTest.from_file(APP, default_timeout=300)
    for key, value in query.items():
        app.query_params[key] = value
    app.switch_page(page)
    app.run()
    return app


def _params(app) -> dict:
    return {key: (value[0] if isinstance(value, list) else value) for key, value in app.query_params.items()}


def test_a_link_opens_the_sweep_tab_with_its_settings():
    app = _open("pages/overfitting.py", {"tab": "2", "sweep.kind": "noise", "sweep.num_points": "30"})
    assert_clean(app, min_charts=1)
    assert app.session_state["overfitting.tab"] == "2 · Sweeps"
    assert app.session_state["overfitting_sweep.kind"] == "noise" and app.session_state["overfitting_sweep.num_points"] == 30
    assert "trained together" in " ".join(c.value for c in app.caption)


def test_changing_a_second_tab_writes_its_own_entries_and_the_tab_and_the_link_round_trips():
    app = _open("pages/overfitting.py", {})
    app.session_state["overfitting.tab"] = "3 · Early stopping"
    app.run()
    set_widget(app, "overfitting_stop.patience", 7)
    app.run()  # this tab's controls apply at once (a run takes under a second): no submit button
    params = _params(app)
    assert params["tab"] == "3" and params["stop.patience"] == "7"
    assert not any(key in params for key in ("degree", "patience"))  # the first tab's settings are untouched defaults
    again = _open("pages/overfitting.py", params)
    assert_clean(again, min_charts=2)
    assert again.session_state["overfitting_stop.patience"] == 7
    assert [m.label for m in again.metric][0] == "Stopped at epoch"


def test_gradient_descent_network_part_from_a_link():
    app = _open("pages/gradient_descent.py", {"tab": "4", "net.optimizers": "sgd,adam", "net.units": "8", "net.epochs": "3"})
    assert_clean(app, min_charts=2)
    assert app.session_state["descent_net.optimizers"] == ["sgd", "adam"]
    assert len(app.dataframe[-1].value) == 2


def test_activation_gallery_selection_from_a_link():
    app = _open("pages/activations.py", {"gallery.names": "relu,gelu"})
    assert_clean(app, min_charts=1)
    assert tuple(app.session_state["activations.gallery.names"]) == ("relu", "gelu")


@pytest.mark.parametrize(
    ("page", "query"),
    [
        ("pages/overfitting.py", {"tab": "2", "sweep.kind": "nonsense"}),
        ("pages/regularization.py", {"tab": "3", "dropout.dropout_rate": "abc"}),
        ("pages/gradient_descent.py", {"tab": "9", "rate.learning_rate": "0.123"}),
        ("pages/regularization.py", {"tab": "2", "sweep.units": "37"}),
    ],
)
def test_bad_values_in_a_link_never_crash(page, query):
    app = _open(page, query)
    assert not app.exception, [e.value for e in app.exception]


def test_a_second_session_with_the_same_link_is_told_it_sees_a_cached_training_and_a_rerun_is_not():
    query = {"seed": "91", "epochs": "2", "num_hidden_layers": "2"}
    first = _open("pages/vanishing.py", query)
    assert_clean(first, min_charts=1)
    notes = " ".join(c.value for c in first.caption)
    assert "trained earlier on this server" not in notes  # this session trained it
    first.run()
    assert "trained earlier on this server" not in " ".join(c.value for c in first.caption)  # its own rerun says nothing
    second = _open("pages/vanishing.py", query)
    assert_clean(second, min_charts=1)
    assert "trained earlier on this server" in " ".join(c.value for c in second.caption)
    assert [m.value for m in second.metric] == [m.value for m in first.metric]  # the same training's numbers, its clock included


def test_a_linked_setting_of_a_tab_not_yet_opened_survives_home_and_back(monkeypatch):
    """/rnn?lag.epochs=2 opens tab 1; after Home and back the link still carries lag.epochs, and tab 2 opens with it."""
    from pages import components
    from tests.test_link_fuzz import TrainingRecorder

    recorder = TrainingRecorder()
    monkeypatch.setattr(components, "run_experiment", recorder)  # the lesson here is the link, not the training
    app = _open("pages/rnn.py", {"lag.epochs": "2", "lag.lag": "8"})
    assert _params(app)["lag.epochs"] == "2"
    app.switch_page("pages/home.py")
    app.query_params.clear()  # what the address bar holds on Home
    app.run()
    app.switch_page("pages/rnn.py")
    app.run()
    assert not app.exception
    assert {key: _params(app).get(key) for key in ("lag.epochs", "lag.lag")} == {"lag.epochs": "2", "lag.lag": "8"}
    app.session_state["rnn.tab"] = "② Long-range dependency"
    app.run()
    assert not app.exception
    lag = [config for config in recorder.configs if hasattr(config, "lag")][-1]
    assert (lag.epochs, lag.lag) == (2, 8)
