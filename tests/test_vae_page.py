"""The VAE page under AppTest: every tab, its controls at their extremes, one-epoch trainings, bad links."""

from streamlit.testing.v1 import AppTest

from dlcore import limits
from tests.apptest_helpers import APP, assert_clean, set_widget, submit_form

PAGE = "pages/vae.py"


def _open(query: dict, monkeypatch=None) -> AppTest:
    app = AppTest.from_file(APP, default_timeout=400)
    for key, value in {"epochs": "1", **query}.items():
        app.query_params[key] = value
    app.switch_page(PAGE)
    app.run()
    assert not app.exception, [e.value for e in app.exception]
    return app


def _texts(app: AppTest) -> str:
    """Every markdown and caption on the page (the 'what to notice' lines among them)."""
    return " ".join([m.value for m in app.markdown] + [c.value for c in app.caption])


def test_compare_tab_at_the_extremes_and_an_offline_download(monkeypatch):
    monkeypatch.setenv("DLTEACH_OFFLINE", "1")  # MNIST is asked for, never downloaded: the page says so and uses the digits
    app = _open({})
    assert_clean(app, min_charts=4)
    for key, value in (("dataset", "mnist"), ("hidden_units", 32), ("batch_size", 256), ("learning_rate", 0.03), ("seed", 10_000), ("epochs", 2)):
        set_widget(app, f"vae.{key}", value)
    submit_form(app)
    assert_clean(app, min_charts=4)
    assert len(app.get("image")) == 3  # originals, the autoencoder's and the VAE's rebuilds
    notes = " ".join(w.value for w in app.warning) + " ".join(i.value for i in app.info)
    assert "MNIST" in notes and "digits" in notes
    assert [m.label for m in app.metric][:3] == ["Spread (sd)", "Centre to 0", "kNN accuracy"]


def test_walk_tab_with_every_control_at_an_end():
    app = _open({"tab": "2"})  # the pair tab ① trained (cached): this test moves the walk's own controls
    assert_clean(app, min_charts=1)
    for key, value in (("model", "autoencoder"), ("z1", 3.0), ("z2", -3.0), ("start_class", 9), ("end_class", 0), ("example", 9), ("steps", 16), ("show_codes", False)):
        set_widget(app, f"vae.walk.{key}", value)
    app.run()
    assert_clean(app, min_charts=1)
    assert "pairs of classes" in _texts(app) and len(app.get("image")) == 3  # the decoded point and the two paths
    set_widget(app, "vae.walk.steps", 3)
    set_widget(app, "vae.walk.start_class", 0)
    app.run()
    assert_clean(app, min_charts=1)


def test_sampling_tab_from_two_to_sixteen_dimensions():
    app = _open({"tab": "3", "sampling.latent_dim": "16", "sampling.count": "100"})
    assert_clean(app, min_charts=1)
    assert len(app.get("image")) == 2
    assert [m.label for m in app.metric][0] == "VAE samples: recognised"
    before = app.session_state["vae.sampling.draw"]
    next(b for b in app.button if "Draw again" in b.label).click().run()
    assert app.session_state["vae.sampling.draw"] == before + 1
    set_widget(app, "vae.sampling.latent_dim", 2)
    set_widget(app, "vae.sampling.count", 20)
    app.run()
    assert_clean(app, min_charts=1)
    assert "Try 8 dimensions" in _texts(app)


def test_loss_tab_extreme_beta_with_the_sweep_then_the_other_end():
    app = _open({"tab": "4", "loss.beta": "16", "loss.latent_dim": "16", "loss.image": "99", "loss.sweep": "true"})
    assert_clean(app, min_charts=4)  # the curves, the KL bars, the ellipse and the sweep
    assert "of 16 latent dimensions" in _texts(app)
    set_widget(app, "vae.loss.beta", 0.0)
    set_widget(app, "vae.loss.latent_dim", 2)
    set_widget(app, "vae.loss.image", 0)
    set_widget(app, "vae.loss.sweep", False)
    app.run()
    assert_clean(app, min_charts=3)
    assert len(app.get("plotly_chart")) == 3


def test_reparameterisation_tab_with_the_most_and_fewest_draws():
    app = _open({"tab": "5", "reparam.draws": "10000", "reparam.image": "99", "reparam.seed": "10000"})
    assert_clean(app, min_charts=2)
    assert len(app.get("graphviz_chart")) == 1
    assert [m.value for m in app.metric][2] == "None"
    set_widget(app, "vae.reparam.draws", 10)
    app.run()
    assert_clean(app, min_charts=2)


def test_a_link_beyond_the_bounds_opens_with_a_warning_naming_the_fields():
    app = _open({"tab": "4", "epochs": "-3", "loss.beta": "999", "loss.latent_dim": "5", "hidden_units": "<b>x</b>"})
    assert_clean(app, min_charts=3)
    warnings = " ".join(w.value for w in app.warning)
    assert "`epochs`" in warnings and "`beta`" in warnings and "`latent_dim`" in warnings and "`hidden_units`" in warnings and "<b>" not in warnings
    assert app.session_state["vae.epochs"] == 1 and app.session_state["vae.loss.beta"] == 16.0
    assert app.session_state["vae.hidden_units"] == min(128, limits.current().max_units)
