"""The residual-networks page under AppTest: every tab with its controls at their extremes, the shortcut toggle, bad settings, bad links."""

from streamlit.testing.v1 import AppTest

from dlcore import limits
from tests.apptest_helpers import APP, assert_clean

PAGE = "pages/resnet.py"
TABS = ["① Degradation", "② Gradients through depth", "③ The residual unit", "④ Lesion test", "⑤ Loss landscape"]
CHARTS = {1: 2, 2: 4, 3: 3, 4: 1, 5: 5}
SMALL = {  # the cheap end of every group, with the other extremes where they cost nothing
    "resnet.degradation": dict(network="cnn", shallow_blocks=1, deep_blocks=2, width=4, epochs=1, batch_size=256, learning_rate=0.3, seed=10_000, batch_norm=True),
    "resnet.gradients": dict(network="cnn", blocks=1, width=4, epochs=1, batch_norm=True, learning_rate=0.0001, seed=10_000),
    "resnet.unit": dict(order="pre", shortcut="projection", batch_norm=False, blocks=2, width=2, epochs=1, downsample=False),
    "resnet.lesion": dict(network="mlp", dataset="xor", blocks=2, width=4, epochs=1),
    "resnet.landscape": dict(dataset="circles", blocks=1, width=4, epochs=1, resolution=5, span=2.0, direction_seed=10_000),
}


def _app(values: dict, query: dict | None = None) -> AppTest:
    """The page with these widget values set before its first run (so the defaults never train)."""
    app = AppTest.from_file(APP, default_timeout=600)
    for key, value in (query or {}).items():
        app.query_params[key] = value
    app.switch_page(PAGE)
    for prefix, fields in values.items():
        for name, value in fields.items():
            app.session_state[f"{prefix}.{name}"] = value
    return app


def _open_tab(app: AppTest, number: int) -> None:
    app.session_state["resnet.tab"] = TABS[number - 1]
    app.run()


def test_every_tab_at_its_small_extremes():
    app = _app(SMALL)
    for number in range(1, 6):
        _open_tab(app, number)
        assert_clean(app, min_charts=CHARTS[number])
    _open_tab(app, 1)
    assert any("plain-6" in block.value for block in list(app.success) + list(app.info))
    assert app.query_params.get("network") in ("cnn", ["cnn"])


def test_shortcut_toggle_and_block_choice_change_what_the_unit_tab_shows():
    app = _app({"resnet.unit": dict(blocks=3, width=2, epochs=1)})
    _open_tab(app, 3)
    assert_clean(app, min_charts=3)
    assert app.metric[0].value.endswith("%") and "+0.0%" in app.metric[0].delta
    app.session_state["resnet.unit.skips_on"] = False
    app.session_state["resnet.unit.which_off"] = "block 3"
    app.session_state["resnet.unit.shown_block"] = 3
    app.run()
    assert_clean(app, min_charts=3)
    assert any("Block 3 " in chart.proto.spec for chart in app.get("plotly_chart"))
    app.session_state["resnet.unit.blocks"] = 2  # the chosen block no longer exists
    next(b for b in app.button if b.label.startswith("▶ Train the residual CNN")).click().run()
    assert_clean(app, min_charts=3)


def test_the_deepest_and_widest_settings_train_without_trouble():
    high = {
        "resnet.lesion": dict(blocks=limits.current().max_hidden_layers, width=4, epochs=1, batch_size=256),
        "resnet.landscape": dict(blocks=1, width=limits.current().max_units, epochs=1, resolution=51, span=0.25),
        "resnet.degradation": dict(shallow_blocks=1, deep_blocks=2, width=limits.current().max_units, num_samples=limits.current().max_samples, noise=1.0, epochs=1, batch_size=256, dataset="xor"),
    }
    app = _app(high)
    for number in (1, 4, 5):
        _open_tab(app, number)
        assert_clean(app, min_charts=CHARTS[number])


def test_settings_that_cannot_train_get_a_message_and_train_nothing():
    app = _app({"resnet.degradation": dict(network="cnn", shallow_blocks=20, deep_blocks=40, width=128, batch_size=256)})
    app.run()
    assert not app.exception
    assert any("GB of memory" in e.value for e in app.error)
    assert not app.get("plotly_chart")
    app = _app({"resnet.degradation": dict(shallow_blocks=5, deep_blocks=5)})
    app.run()
    assert any("more blocks than the shallow" in e.value for e in app.error)


def test_out_of_range_link_values_are_repaired_with_one_message():
    query = {"tab": "5", "landscape.resolution": "20", "landscape.blocks": "999", "landscape.epochs": "1", "deep_blocks": "-3", "unit.order": "<b>x</b>"}
    app = _app({"resnet.landscape": dict(width=4)}, query)
    app.session_state["resnet.landscape.blocks"] = 1  # keep the run small; the repaired link value is checked below
    app.run()
    assert not app.exception
    warnings = " ".join(w.value for w in app.warning)
    assert all(f"`{name}`" in warnings for name in ("resolution", "blocks", "deep_blocks", "order")) and "<b>" not in warnings
    assert app.session_state["resnet.landscape.resolution"] in (19, 21)
