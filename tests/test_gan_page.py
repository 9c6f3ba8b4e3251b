"""The GAN page under AppTest: every tab with its controls at their extremes, your own points, and bad uploads."""

import numpy as np
from streamlit.testing.v1 import AppTest

from dlcore import limits
from dlcore.experiments.gan import targets
from tests.apptest_helpers import APP, assert_clean, set_widget, submit_form

PAGE = "pages/gan.py"
TABS = ["① The game on 2-D points", "② Why GANs are hard to train", "③ DCGAN on digits", "④ Conditional GAN"]


def _open(tab: int, **state) -> AppTest:
    """The page opened straight on one tab (no other tab trains), with some settings already in the session."""
    app = AppTest.from_file(APP, default_timeout=600)
    app.session_state["gan.tab"] = TABS[tab - 1]
    for key, value in state.items():
        app.session_state[key] = value
    app.switch_page(PAGE)
    app.run()
    assert not app.exception, [e.value for e in app.exception]
    return app


def _metric(app, label):
    return next(m.value for m in app.metric if m.label == label)


def test_game_at_the_small_and_large_ends_of_its_controls():
    small = {
        "target": "spiral",
        "generator_loss": "minimax",
        "hidden_layers": 1,
        "units": 8,
        "latent_dim": 1,
        "batch_size": 16,
        "steps": 100,
        "snapshot_every": 10,
    }
    app = _open(1, **{f"gan.game.{key}": value for key, value in small.items()})
    assert_clean(app, min_charts=3)
    assert _metric(app, "Updates") == "128"  # 100 updates asked, rounded to whole passes: one pass over 2,048 points in batches of 16
    for key, value in (
        ("target", "grid"),
        ("generator_loss", "wasserstein"),
        ("g_learning_rate", 0.1),
        ("d_learning_rate", 1e-5),
        ("beta_1", 0.9),
        ("label_smoothing", 0.3),
        ("hidden_layers", 4),
        ("units", limits.current().max_units),
        ("latent_dim", 8),
        ("batch_size", 512),
        ("steps", 100),
        ("snapshot_every", 1000),
    ):
        set_widget(app, f"gan.game.{key}", value)
    submit_form(app)
    assert_clean(app, min_charts=3)
    assert _metric(app, "Updates") == "100" and "of 25" in _metric(app, "Modes covered")  # 25 passes of 4 batches of 512


def test_your_own_points_drawn_or_uploaded_and_bad_files_named():
    drawn = targets.paint(targets.brush_grid()[::40], stroke=0).tolist()  # 43 cells, 4 points each
    app = _open(1, **{"gan.game.target": "custom", "gan.game.steps": 100, "gan.game.drawn": drawn})
    assert_clean(app, min_charts=4)  # the drawing board, the replay and two curves
    assert "of 8" in _metric(app, "Modes covered")  # 8 regions of your points
    app.session_state["gan.game.drawn"] = drawn[:5]
    app.run()
    assert not app.exception and any("at least 20" in e.value for e in app.error)
    set_widget(app, "gan.game.source", "a CSV file")
    app.run()
    assert not app.exception and app.info  # asks for a file
    for content, words in (
        (b"x,y,z\n1,2,3\n" * 30, "two columns"),
        (b"x,y\n" + b"1,nan\n" * 30, "not finite"),
        (b"x,y\n1,2\n", "at least 20"),
        (b"x,y\n" + b"".join(f"{i},{i % 7}\n".encode() for i in range(targets.MAX_POINTS + 5)), "at most"),
    ):
        app.get("file_uploader")[0].set_value(("points.csv", content, "text/csv"))
        app.run()
        assert not app.exception, [e.value for e in app.exception]
        assert any(words in e.value for e in app.error), (words, [e.value for e in app.error])
    rows = np.random.default_rng(0).normal(size=(60, 2))
    app.get("file_uploader")[0].set_value(("points.csv", b"x,y\n" + "\n".join(f"{x},{y}" for x, y in rows).encode(), "text/csv"))
    app.run()
    assert_clean(app, min_charts=4)


def test_hard_tab_with_every_remedy_on():
    """Every remedy at once (the preset buttons are clicked in the browser test, which trains fewer runs)."""
    remedies = {f"gan.hard.{name}": True for name in ("non_saturating", "balanced_rates", "beta_half", "label_smoothing", "wasserstein")}
    app = _open(2, **{"gan.hard.scenario": "saturating_loss", **remedies})
    assert_clean(app, min_charts=6)
    assert any("With the remedies" in m.value for m in app.markdown)
    assert any("Wasserstein loss with gradient penalty" in c.value for c in app.caption)  # the remedy that wins over the others
    assert len([b for b in app.button if b.key and b.key.startswith("gan.hard.preset.")]) == 4


def test_dcgan_tab_at_its_extremes_and_mnist_offline_falls_back(monkeypatch):
    monkeypatch.setenv("DLTEACH_OFFLINE", "1")  # no test touches the network: MNIST is "not available", the digits stand in
    small = {
        "dataset": "mnist",
        "epochs": 1,
        "batch_size": 256,
        "latent_dim": 2,
        "learning_rate": 5e-3,
        "beta_1": 0.9,
        "batch_norm": False,
        "generator_loss": "minimax",
    }
    app = _open(3, **{f"gan.dcgan.{key}": value for key, value in small.items()})
    assert_clean(app, min_charts=5)
    assert any("MNIST" in i.value and "bundled 8×8 digits" in i.value for i in app.info)
    for key, value in (
        ("batch_size", 16),
        ("latent_dim", 100),
        ("learning_rate", 5e-5),
        ("generator_loss", "wasserstein"),
        ("batch_norm", True),
        ("beta_1", 0.0),
    ):
        set_widget(app, f"gan.dcgan.{key}", value)
    submit_form(app)
    assert_clean(app, min_charts=5)
    assert _metric(app, "Updates") == "113"  # one pass over 1,797 digits in batches of 16


def test_conditional_tab_ask_for_each_digit_and_page_through_samples():
    app = _open(4, **{"gan.cgan.epochs": 1, "gan.cgan.batch_size": 256, "gan.cgan.latent_dim": 100, "gan.cgan.learning_rate": 5e-3})
    assert_clean(app, min_charts=3)
    assert "%" in _metric(app, "Judge agrees with the request")
    app.session_state["gan.cgan.asked"] = 9
    app.button(key="gan.cgan.more").click().run()
    app.button(key="gan.cgan.more").click().run()
    assert_clean(app, min_charts=3)
    assert app.session_state["gan.cgan.page"] == 2
