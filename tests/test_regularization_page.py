"""The regularization page under AppTest: defaults, each part's controls at their extremes, a preset, URL sharing."""

from tests.apptest_helpers import assert_clean, open_page, set_widget

PAGE = "pages/regularization.py"
CHARTS = 5  # with and without: curves, 2 boundaries, histogram, norm (the other tabs train when opened)


def _submit(app, label_start: str, prefix: str, **values):
    for name, value in values.items():
        set_widget(app, f"{prefix}.{name}", value)
    next(b for b in app.button if b.label.startswith(label_start)).click().run()


def _open_tab(app, label: str):
    app.session_state["regularization.tab"] = label
    app.run()


def _metric(app, label: str):
    return next(m for m in app.metric if m.label == label)


def test_defaults_draw_every_figure_and_the_penalties():
    app = open_page(PAGE)
    assert_clean(app, min_charts=CHARTS)
    assert all(not v for v in app.query_params.values())
    latex = " ".join(block.value for block in app.latex)
    assert r"\lambda \sum_j |w_j|" in latex and r"\lambda \sum_j w_j^2" in latex
    assert [m.label for m in app.metric] == ["Validation accuracy", "Validation error", "Gap (validation − training)", "Weights exactly 0", "Penalty at the end"]
    # The default L2 run narrows the train/validation gap of the same-seed plain run and lowers validation error.
    assert _metric(app, "Gap (validation − training)").delta.startswith("-")
    assert _metric(app, "Validation error").delta.startswith("-")


def test_comparison_at_the_low_extremes_is_two_identical_runs():
    app = open_page(PAGE)
    _submit(app, "▶ Train with and without", "regularization", l1=0.0, l2=0.0, dropout_rate=0.0, num_hidden_layers=1, units=4, num_points=20, noise=0.0, epochs=10, seed=10_000, dataset="xor")
    assert_clean(app, min_charts=CHARTS)
    assert any("All regularization is off" in i.value for i in app.info)
    assert _metric(app, "Validation accuracy").delta == "+0.0% vs none"
    assert app.query_params.get("units") in ("4", ["4"]) and app.query_params.get("l2") in ("0.0", ["0.0"])


def test_comparison_at_the_high_extremes():
    app = open_page(PAGE)
    _submit(app, "▶ Train with and without", "regularization", l1=1.0, l2=1.0, dropout_rate=0.9, num_hidden_layers=6, units=128, num_points=300, noise=0.5, epochs=200, dataset="spiral")
    assert_clean(app, min_charts=CHARTS)
    # Huge penalties drive nearly every weight to zero.
    assert float(_metric(app, "Weights exactly 0").value.rstrip("%")) > 90


def test_l1_preset_makes_weights_sparse():
    app = open_page(PAGE)
    next(b for b in app.button if b.label.startswith("L1")).click().run()
    assert_clean(app, min_charts=CHARTS)
    assert app.session_state["regularization.l1"] == 0.003 and app.session_state["regularization.l2"] == 0.0
    assert _metric(app, "Weights exactly 0").delta.startswith("+")


def test_lambda_sweep_at_extremes():
    app = open_page(PAGE)
    assert "trained together" not in " ".join(c.value for c in app.caption)  # closed tabs do not train
    _submit(app, "▶ Run the λ sweep", "regularization_lambda", num_points=20, noise=0.5, epochs=10, num_hidden_layers=1, units=4, dataset="circles", seed=10_000)
    _open_tab(app, "2 · Sweep λ")
    assert_clean(app, min_charts=1)
    _submit(app, "▶ Run the λ sweep", "regularization_lambda", num_points=300, noise=0.0, epochs=10, num_hidden_layers=6, units=128, dataset="moons")
    assert_clean(app, min_charts=1)
    assert "9 networks trained together" in " ".join(c.value for c in app.caption)


def test_dropout_rate_extremes():
    app = open_page(PAGE)
    _submit(app, "▶ Train with dropout", "regularization_dropout", dropout_rate=0.0, units=4, epochs=10, seed=0)
    _open_tab(app, "3 · Dropout")
    assert_clean(app, min_charts=1)  # the rate sweep; no mask to draw
    assert len(app.get("plotly_chart")) == 1
    assert any("nothing is dropped" in i.value for i in app.info)
    _submit(app, "▶ Train with dropout", "regularization_dropout", dropout_rate=0.9, units=128, epochs=25, seed=10_000)
    assert_clean(app, min_charts=2)
    assert "0.9 dropout vs none" in " ".join(c.value for c in app.caption)


def test_out_of_range_link_values_are_clamped_with_one_message():
    from streamlit.testing.v1 import AppTest

    from tests.apptest_helpers import APP

    app = AppTest.from_file(APP, default_timeout=300)
    for key, value in {"l1": "5", "dropout_rate": "0.95", "units": "1000", "num_points": "7", "epochs": "-3", "sweep.units": "37", "dropout.dropout_rate": "abc"}.items():
        app.query_params[key] = value
    app.switch_page(PAGE)
    app.run()
    assert_clean(app, min_charts=CHARTS)
    warning = " ".join(w.value for w in app.warning)
    assert all(f"`{name}`" in warning for name in ("l1", "dropout_rate", "units", "num_points", "epochs"))
    assert (app.session_state["regularization.l1"], app.session_state["regularization.epochs"], app.session_state["regularization_lambda.units"]) == (1.0, 1, 32)
