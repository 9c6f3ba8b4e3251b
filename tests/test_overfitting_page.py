"""The overfitting page under AppTest: defaults, each part's controls at their extremes, presets, URL sharing."""

from tests.apptest_helpers import assert_clean, open_page, set_widget

PAGE = "pages/overfitting.py"
CHARTS = 4  # in the capacity tab; the sweep (1 chart) and early stopping (2) train when their tab opens


def _submit(app, label_start: str, prefix: str, **values):
    for name, value in values.items():
        set_widget(app, f"{prefix}.{name}", value)
    next(b for b in app.button if b.label.startswith(label_start)).click().run()


def _apply(app, prefix: str, **values):
    """The sweep and early-stopping tabs train in under a second: their controls apply at once, without a form."""
    for name, value in values.items():
        set_widget(app, f"{prefix}.{name}", value)
    app.run()


def _open_tab(app, label: str):
    app.session_state["overfitting.tab"] = label
    app.run()


def test_defaults_draw_every_figure_and_a_diagnosis():
    app = open_page(PAGE)
    assert_clean(app, min_charts=CHARTS)
    labels = " ".join(m.value for m in list(app.success) + list(app.warning) + list(app.info))
    assert "Polynomial of degree 12" in labels and "Network 3×64" in labels
    assert all(not v for v in app.query_params.values())
    assert len(app.get("plotly_chart")) == CHARTS and not app.metric  # closed tabs do not train


def test_capacity_at_the_low_extremes():
    app = open_page(PAGE)
    _submit(app, "▶ Train both", "overfitting", degree=1, num_hidden_layers=0, units=1, num_points=5, noise=0.0, epochs=10, seed=10_000, dataset="xor")
    assert_clean(app, min_charts=CHARTS)
    assert app.query_params.get("degree") in ("1", ["1"])


def test_underfit_preset_is_diagnosed_as_underfitting():
    app = open_page(PAGE)
    next(b for b in app.button if b.label.startswith("Underfit")).click().run()
    assert_clean(app, min_charts=CHARTS)
    assert any("Polynomial of degree 1: underfitting" in i.value for i in app.info)


def test_capacity_at_the_high_extremes():
    app = open_page(PAGE)
    _submit(app, "▶ Train both", "overfitting", degree=15, num_hidden_layers=8, units=128, num_points=200, noise=1.0, epochs=25, dataset="spiral")
    assert_clean(app, min_charts=CHARTS)


def test_overfit_preset_is_diagnosed_as_overfitting():
    app = open_page(PAGE)
    next(b for b in app.button if b.label.startswith("Overfit")).click().run()
    assert_clean(app, min_charts=CHARTS)
    assert any("Polynomial of degree 15: overfitting" in w.value for w in app.warning)


def test_every_sweep_kind_at_extremes():
    app = open_page(PAGE)
    _open_tab(app, "2 · Sweeps")
    for kind, values in (("training_size", dict(degree=15, noise=1.0)), ("noise", dict(degree=1, num_points=5, epochs=10)), ("capacity", dict(num_points=200, noise=0.0, epochs=300))):
        _apply(app, "overfitting_sweep", kind=kind, **values)
        assert_clean(app, min_charts=1)
        assert "trained together" in " ".join(c.value for c in app.caption)


def test_early_stopping_off_and_shortest_patience():
    app = open_page(PAGE)
    _open_tab(app, "3 · Early stopping")
    assert [m.label for m in app.metric][0] == "Stopped at epoch"
    assert not any(b.label.startswith(("▶ Train with", "▶ Run the sweep")) for b in app.button)  # live controls: no submit buttons there
    _apply(app, "overfitting_stop", early_stopping=True, patience=1, degree=15, epochs=300)
    assert_clean(app, min_charts=2)
    stopped_at = next(m for m in app.metric if m.label == "Stopped at epoch").value
    assert stopped_at.isdigit() and int(stopped_at) < 300
    _apply(app, "overfitting_stop", early_stopping=False, patience=100, degree=1, epochs=10)
    assert_clean(app, min_charts=2)
    assert next(m for m in app.metric if m.label == "Stopped at epoch").value == "ran to the end"


def test_out_of_range_link_values_are_clamped_with_one_message():
    from streamlit.testing.v1 import AppTest

    from tests.apptest_helpers import APP

    app = AppTest.from_file(APP, default_timeout=300)
    for key, value in {"degree": "99", "units": "1000", "num_points": "1", "epochs": "0", "noise": "nan", "stop.patience": "500", "sweep.kind": "<b>x</b>"}.items():
        app.query_params[key] = value
    app.switch_page(PAGE)
    app.run()
    assert_clean(app, min_charts=CHARTS)
    warning = " ".join(w.value for w in app.warning)
    assert all(f"`{name}`" in warning for name in ("degree", "units", "num_points", "epochs", "noise", "patience", "kind"))
    assert (app.session_state["overfitting.degree"], app.session_state["overfitting.epochs"], app.session_state["overfitting_stop.patience"]) == (15, 1, 100)
