"""The RNN page under AppTest: every tab, controls at their extremes (cheap where training is costly), uploads and bad links."""

from streamlit.testing.v1 import AppTest

from dlcore.experiments.rnn import FEATURES
from tests.apptest_helpers import APP, assert_clean, open_page, set_widget, submit_form

PAGE = "pages/rnn.py"
TABS = ["① Unrolled", "② Long-range dependency", "③ Inside the LSTM", "④ Write like…"]


def _open_tab(app, index, settings=None):
    for key, value in (settings or {}).items():
        app.session_state[key] = value
    app.session_state["rnn.tab"] = TABS[index]
    app.run()
    assert not app.exception, [e.value for e in app.exception]


def _file_uploader(app):
    return app.get("file_uploader")[0]


def test_unrolled_tab_at_its_extremes_and_with_unknown_characters():
    app = open_page(PAGE)
    assert_clean(app, min_charts=3)
    assert [m.label for m in app.metric] == ["Recurrent-layer parameters", "Largest |numpy − Keras| of h", "Next characters guessed right"]
    set_widget(app, "rnn.unrolled.units", 32)
    set_widget(app, "rnn.unrolled.updates", 0)
    set_widget(app, "rnn.unrolled.seed", 10_000)
    set_widget(app, "rnn.unrolled.sequence", "Ünïcödé → never seen… but 'this' is fine!")
    app.run()
    assert_clean(app, min_charts=3)
    assert any("skipped" in w.value and "'Ü'" in w.value for w in app.warning)
    set_widget(app, "rnn.unrolled.sequence", "€€€")
    app.run()
    assert not app.exception and not app.error and app.info  # nothing the model knows: a message, not a crash


def test_long_lag_tab_at_the_shortest_and_longest_lag():
    app = open_page(PAGE)
    small = {"rnn.lag.epochs": 1, "rnn.lag.sequences": 100, "rnn.lag.units": 2, "rnn.lag.symbols": 32, "rnn.lag.cells": ["lstm"], "rnn.lag.lag": 1}
    _open_tab(app, 1, small)
    assert_clean(app, min_charts=2)
    set_widget(app, "rnn.lag.lag", 100)
    set_widget(app, "rnn.lag.cells", ["simple_rnn", "gru"])
    set_widget(app, "rnn.lag.learning_rate", 0.1)
    submit_form(app)
    assert_clean(app, min_charts=2)
    assert len([m for m in app.metric if "accuracy at lag 100" in m.label]) == 2
    assert "What to notice" in " ".join(m.value for m in app.markdown)
    sweep = {"rnn.sweep.lags": ["5"], "rnn.sweep.requested": True}
    _open_tab(app, 1, sweep)
    assert_clean(app, min_charts=3)


def test_inside_tab_with_a_tiny_model_a_typed_passage_and_every_property():
    app = open_page(PAGE)
    small = {"rnn.inside.source": "zen", "rnn.inside.units": 8, "rnn.inside.updates": 20, "rnn.inside.sequence_length": 200, "rnn.inside.characters": 10_000}
    _open_tab(app, 2, small)
    assert_clean(app, min_charts=3)
    passage = next(area for area in app.text_area if area.key.startswith("rnn.inside.passage"))
    passage.set_value("Now is better than never. «Jamais» (never) \"quoted\"")
    app.run()
    assert_clean(app, min_charts=3)
    assert any("'«'" in w.value for w in app.warning)
    by_label = {label: name for name, label in FEATURES.items()}
    for label in app.selectbox(key="rnn.inside.feature").options:
        app.selectbox(key="rnn.inside.feature").set_value(by_label[label]).run()
        assert_clean(app, min_charts=3)


def test_writer_tab_every_cell_extremes_and_a_prompt_with_unseen_characters():
    app = open_page(PAGE)
    small = {"rnn.writer.source": "zen", "rnn.writer.units": 8, "rnn.writer.updates": 20, "rnn.writer.num_layers": 3, "rnn.writer.cell": "gru",
             "rnn.writer.sequence_length": 200, "rnn.writer.temperature": 2.0, "rnn.writer.characters": 10_000}  # fmt: skip
    _open_tab(app, 3, small)
    assert_clean(app, min_charts=1)
    assert [b.label for b in app.get("download_button")] == ["⬇ Download this text"]
    set_widget(app, "rnn.writer.prompt", "Ω naïve prompt")
    set_widget(app, "rnn.writer.gen_temperature", 0.1)
    set_widget(app, "rnn.writer.length", 2000)
    app.run()
    assert_clean(app, min_charts=1)
    assert any("'Ω'" in w.value for w in app.warning)
    set_widget(app, "rnn.writer.cell", "simple_rnn")
    set_widget(app, "rnn.writer.num_layers", 1)
    set_widget(app, "rnn.writer.sequence_length", 8)
    submit_form(app)
    assert_clean(app, min_charts=1)


def test_uploads_are_checked_and_stay_in_their_session():
    app = open_page(PAGE)
    small = {"rnn.writer.source": "upload", "rnn.writer.units": 8, "rnn.writer.updates": 20, "rnn.writer.sequence_length": 16}
    _open_tab(app, 3, small)
    assert not app.exception and not app.error and app.info  # asks for a file
    for name, data, words in (("song.txt", b"\xff\xfe\x00b\x00a\x00d", "binary"), ("song.txt", "é".encode("latin-1") * 500, "UTF-8"), ("song.txt", b"la la", "at least")):
        _file_uploader(app).set_value((name, data, "text/plain")).run()
        assert not app.exception
        assert any(words in e.value for e in app.error), [e.value for e in app.error]
    lyrics = ("Twinkle, twinkle, little star,\nHow I wonder what you are!\n" * 12).encode("utf-8")
    _file_uploader(app).set_value(("lyrics.txt", lyrics, "text/plain")).run()
    assert_clean(app, min_charts=1)
    other = open_page(PAGE)  # a second session asking for an upload sees nothing of the first one's
    _open_tab(other, 3, small)
    assert not other.error and other.info and not other.get("plotly_chart")
    assert "rnn.uploaded_text" not in other.session_state


def test_a_link_beyond_the_bounds_is_repaired_with_a_warning():
    app = AppTest.from_file(APP, default_timeout=300)
    for key, value in {"tab": "2", "lag.lag": "5000", "lag.epochs": "1", "lag.sequences": "100", "lag.cells": "lstm", "lag.units": "<b>x</b>"}.items():
        app.query_params[key] = value
    app.switch_page(PAGE)
    app.run()
    assert_clean(app, min_charts=2)
    warnings = " ".join(w.value for w in app.warning)
    assert "`lag`" in warnings and "`units`" in warnings and "<b>" not in warnings
    assert app.session_state["rnn.lag.lag"] == 100 and app.session_state["rnn.lag.units"] == 16
