"""RNN page, numerical truths: numpy cells against Keras, ∂L/∂h_t against GradientTape, sampling, entropy, texts and uploads."""

import math
import pickle
import types
from collections import Counter

import keras
import numpy as np
import pytest

from dlcore import texts
from dlcore.device import tf
from dlcore.experiments import rnn as lab
from dlcore.experiments.rnn import cells, charmodel, inside, long_lag

# ---------------------------------------------------------------- the cells in numpy equal Keras


def _keras_layer(cell: str, units: int, inputs: int, seed: int = 0):
    kind = {"simple_rnn": keras.layers.SimpleRNN, "gru": keras.layers.GRU, "lstm": keras.layers.LSTM}[cell]
    layer = kind(units, return_sequences=True, return_state=True, kernel_initializer=keras.initializers.RandomNormal(stddev=0.7, seed=seed),
                 recurrent_initializer=keras.initializers.RandomNormal(stddev=0.7, seed=seed + 1), bias_initializer=keras.initializers.RandomNormal(stddev=0.5, seed=seed + 2))  # fmt: skip
    layer.build((None, None, inputs))
    return layer


@pytest.mark.parametrize("cell", ["simple_rnn", "gru", "lstm"])
def test_numpy_recurrence_with_the_layers_own_weights_equals_keras(cell):
    layer = _keras_layer(cell, units=5, inputs=3)
    x = np.random.default_rng(1).normal(size=(2, 9, 3)).astype(np.float32)
    outputs = layer(tf.constant(x))
    sequence, states = outputs[0].numpy(), [s.numpy() for s in outputs[1:]]
    weights = cells.layer_weights(layer, cell)
    hidden, final, gates = cells.run_layer(weights, np.transpose(x, (1, 0, 2)))  # numpy runs time first
    np.testing.assert_allclose(np.transpose(hidden, (1, 0, 2)), sequence, atol=2e-6)
    np.testing.assert_allclose(final[0], states[0], atol=2e-6)
    if cell == "lstm":  # the gates Keras does not expose, recomputed: the cell state they make is Keras' own
        np.testing.assert_allclose(final[1], states[1], atol=2e-6)
        np.testing.assert_allclose(gates["cell"][-1], states[1], atol=2e-6)
        assert set(gates) == {"input", "forget", "candidate", "output", "cell"}
        assert all(0 < gates[name].min() and gates[name].max() < 1 for name in ("input", "forget", "output"))


def test_the_unrolled_tab_checks_numpy_against_keras_and_reports_it():
    result = lab.unrolled(lab.UnrolledConfig(units=4, updates=0))
    assert result.numpy_vs_keras < 1e-5
    view = lab.unroll(result, "Beautiful ✓ is")
    assert view.skipped == ("✓",) and view.sequence == "Beautiful  is"
    assert view.hidden.shape == (len(view.sequence), 4) and np.abs(view.hidden).max() <= 1
    np.testing.assert_allclose(view.hidden, np.tanh(view.input_part + view.recurrent_part), atol=1e-6)
    assert len(view.predicted) == len(view.sequence)


# ---------------------------------------------------------------- ∂L/∂h_t is the total derivative


def _tape_reference(model, x, y, t):
    """∂L/∂h_t with Keras' own layer: run it to step t, then feed h_t (and c_t) as the initial state of the rest."""
    layer = model.get_layer("recurrent")
    config = layer.get_config() | {"return_sequences": False, "return_state": True, "name": None}
    head, tail = type(layer).from_config(config), type(layer).from_config(config | {"return_state": False})
    head.build(x[:, : t + 1].shape)
    tail.build(x[:, t + 1 :].shape)
    head.set_weights(layer.get_weights())
    tail.set_weights(layer.get_weights())
    states = [tf.Variable(s) for s in head(tf.constant(x[:, : t + 1]))[1:]]
    with tf.GradientTape() as tape:
        last = tail(tf.constant(x[:, t + 1 :]), initial_state=states if len(states) > 1 else states[0]) if t + 1 < x.shape[1] else states[0]
        loss = tf.reduce_sum(tf.nn.sparse_softmax_cross_entropy_with_logits(labels=y[:, -1], logits=model.get_layer("answer")(last)))
    gradient = tape.gradient(loss, states[0]).numpy()
    return np.linalg.norm(gradient, axis=-1).mean()


@pytest.mark.parametrize("cell", ["simple_rnn", "lstm"])
def test_gradient_through_time_equals_gradient_tape_through_keras_own_layer(cell):
    x, y = long_lag.recall_task(6, lag=7, symbols=3, seed=2)
    model = long_lag.build_recall_model(cell, units=4, symbols=3, seed=5)
    profile = long_lag.gradient_through_time(model, x, y)
    assert profile.shape == (8,)
    for t in (0, 3, 6, 7):
        np.testing.assert_allclose(profile[t], _tape_reference(model, x, y, t), rtol=1e-4)
    # the direct path alone (∂L/∂ of the output sequence) would be zero before the last step; this is not
    assert profile[0] > 0


@pytest.fixture(scope="module")
def tiny_comparison():
    return long_lag.compare_cells(long_lag.LagConfig(lag=6, cells=("lstm",), units=4, symbols=3, sequences=100, epochs=2))


def test_the_engine_records_the_gradient_through_time_at_every_epoch(tiny_comparison):
    result = tiny_comparison
    run = result.runs["lstm"]
    assert sorted(run.gradient_by_epoch) == [0, 1, 2]
    assert run.gradient_at_start.shape == (7,) and np.all(run.gradient_at_start > 0)
    assert list(run.epochs.columns[:5]) == ["epoch", "train_loss", "train_accuracy", "val_loss", "val_accuracy"]
    assert 0 <= run.final_accuracy <= 1 and result.chance == pytest.approx(1 / 3)
    assert long_lag.decay_per_ten_steps(10.0 ** np.arange(11.0)) == pytest.approx(1e-10)  # ×10 per step toward the end


def test_recall_task_marks_the_first_symbol_and_asks_for_it_at_every_step():
    x, y = long_lag.recall_task(50, lag=5, symbols=4, seed=0)
    assert x.shape == (50, 6, 5) and y.shape == (50, 6)
    assert np.all(x[:, 0, 4] == 1) and np.all(x[:, 1:, 4] == 0)
    np.testing.assert_array_equal(x[:, 0, :4].argmax(-1), y[:, -1])
    assert np.all(y == y[:, :1])
    assert len(set(x[:, 3, :4].argmax(-1))) == 4  # distractors come from the same symbols


# ---------------------------------------------------------------- sampling


def test_temperature_to_zero_is_the_argmax():
    rng = np.random.default_rng(0)
    for _ in range(50):
        logits = rng.normal(size=12)
        assert cells.sample_index(logits, 1e-6, rng) == int(np.argmax(logits))
        assert cells.sample_index(logits, 0.0, rng) == int(np.argmax(logits))


def test_temperature_one_follows_the_softmax():
    logits = np.array([2.0, 1.0, 0.5, 0.0, -1.0, -3.0])
    expected = cells.softmax(logits)
    rng = np.random.default_rng(1234)
    draws = 20_000
    counts = np.bincount([cells.sample_index(logits, 1.0, rng) for _ in range(draws)], minlength=len(logits))
    chi_square = float(((counts - draws * expected) ** 2 / (draws * expected)).sum())
    assert chi_square < 20.5  # the 0.999 quantile of chi-square with 5 degrees of freedom
    hot = np.bincount([cells.sample_index(logits, 3.0, rng) for _ in range(4000)], minlength=len(logits)) / 4000
    assert hot[-1] > expected[-1] * 3  # a higher temperature flattens the distribution


def test_generation_skips_unknown_prompt_characters_and_is_seeded():
    result = lab.unrolled(lab.UnrolledConfig(units=4, updates=0))
    first = cells.generate(result.weights, "Beautiful €€ ü", 30, 0.8, seed=3)
    again = cells.generate(result.weights, "Beautiful €€ ü", 30, 0.8, seed=3)
    assert first.skipped == ("€", "ü") and first.prompt == "Beautiful  "
    assert first.text == again.text and len(first.text) == 30 and set(first.text) <= set(result.weights.vocabulary)


# ---------------------------------------------------------------- bits per character and the unigram baseline


def test_unigram_baseline_is_the_character_entropy():
    assert texts.unigram_entropy_bits("aab") == pytest.approx(-(2 / 3) * math.log2(2 / 3) - (1 / 3) * math.log2(1 / 3))
    assert texts.unigram_entropy_bits("abcd" * 10) == pytest.approx(2.0)
    zen = texts.zen_of_python()
    counts = np.array(list(Counter(zen).values())) / len(zen)
    assert texts.unigram_entropy_bits(zen) == pytest.approx(float(-(counts * np.log2(counts)).sum()))


def test_char_windows_predict_the_next_character_and_keep_validation_apart():
    data = charmodel.char_data(texts.zen_of_python(), 32)
    assert np.array_equal(data.x_train[0][1:], data.y_train[0][:-1])
    assert data.train_text + data.val_text == texts.zen_of_python()
    decoded = "".join(data.vocabulary[c] for c in data.x_val[0])
    assert decoded in data.val_text


# ---------------------------------------------------------------- texts that ship with Python


def test_the_zen_is_decoded_without_printing(capsys):
    zen = texts.zen_of_python()
    assert capsys.readouterr().out == ""
    lines = [line for line in zen.splitlines() if line.strip()]
    assert lines[0] == "The Zen of Python, by Tim Peters" and lines[1] == "Beautiful is better than ugly." and len(lines) == 20


def test_built_in_texts_are_large_and_stable():
    help_text, code = texts.built_in("pydoc"), texts.built_in("stdlib")
    assert help_text.characters > 400_000 and "Python" in help_text.content
    assert 100_000 < code.characters <= texts.STDLIB_CHARACTERS and "def " in code.content
    assert texts.built_in("pydoc") == help_text and hash(texts.built_in("pydoc")) == hash(help_text)


# ---------------------------------------------------------------- uploads


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("poem.txt", b"", "empty"),
        ("poem.txt", b"x" * (texts.MAX_UPLOAD_BYTES + 1), "limit"),
        ("poem.pdf", b"hello " * 100, ".txt"),
        ("poem.txt", b"\x89PNG\r\n\x1a\n\x00\x00" + b"a" * 500, "binary"),
        ("poem.txt", "café ".encode("latin-1") * 100, "UTF-8"),
        ("poem.txt", b"too short", "at least"),
        ("poem.txt", b"\x01\x02\x03\x04" * 200, "control"),
    ],
    ids=["empty", "oversized", "not-txt", "binary", "latin-1", "tiny", "control-characters"],
)
def test_bad_uploads_get_a_message_naming_the_problem(name, data, message):
    with pytest.raises(texts.UploadError, match=message):
        texts.read_upload(name, data)


def test_a_good_upload_is_normalised_and_keyed_by_its_content():
    poem = "Roses are red,\r\nviolets are blue.\r\n" * 20
    text = texts.read_upload("../../etc/My Poem.txt", ("\ufeff" + poem).encode("utf-8"))
    assert text.source == "upload" and "\r" not in text.content and not text.content.startswith("\ufeff")
    assert "My Poem.txt" in text.label and "/" not in text.label
    same = texts.read_upload("other name.txt", poem.encode("utf-8"))
    other = texts.read_upload("My Poem.txt", (poem + "x").encode("utf-8"))
    assert same == text and hash(same) == hash(text)  # keyed by content only: another session's file never collides
    assert other != text
    assert pickle.loads(pickle.dumps(text)).content == text.content


def test_an_upload_with_too_many_distinct_characters_keeps_the_common_ones():
    rare = "".join(chr(0x4E00 + i) for i in range(400))
    text = texts.read_upload("han.txt", ("common text here " * 50 + rare).encode("utf-8"))
    assert len(set(text.content)) <= texts.MAX_VOCABULARY and texts.RARE in text.content and "became" in text.note


# ---------------------------------------------------------------- public-domain poetry, downloaded once


GUTENBERG = """\ufeffThe Project Gutenberg eBook of Shakespeare's Sonnets\r
\r
This ebook is for the use of anyone anywhere.\r
\r
*** START OF THE PROJECT GUTENBERG EBOOK SHAKESPEARE'S SONNETS ***\r
THE SONNETS\r
\r
by William Shakespeare\r
\r
                    I\r
\r
  From fairest creatures we desire increase,\r
  That thereby beauty's rose might never die,\r
{more}
*** END OF THE PROJECT GUTENBERG EBOOK SHAKESPEARE'S SONNETS ***\r
Licence text that must not be learned.\r
"""


def _gutenberg_file() -> bytes:
    return GUTENBERG.replace("{more}", "  But as the riper should by time decease,\r\n" * 400).encode("utf-8")


class _Response:
    def __init__(self, data):
        self.data = data

    def read(self, limit=-1):
        return self.data

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


def test_sonnets_download_once_strip_the_licence_and_come_from_the_cache(tmp_path):
    calls = []

    def opener(url, timeout):
        calls.append((url, timeout))
        return _Response(_gutenberg_file())

    text = texts.sonnets(timeout=3, opener=opener, folder=tmp_path)
    assert calls == [(texts.SONNETS_URL, 3)] and text.note is None and text.source == "sonnets"
    assert text.content.startswith("THE SONNETS") and "From fairest creatures" in text.content
    assert "Licence" not in text.content and "Gutenberg" not in text.content and "\r" not in text.content
    again = texts.sonnets(timeout=3, opener=opener, folder=tmp_path)
    assert len(calls) == 1 and again == text  # the second time it came from the cache


def test_sonnets_offline_fall_back_with_one_line_naming_the_timeout(tmp_path):
    def offline(url, timeout):
        raise OSError("Temporary failure in name resolution")

    text = texts.sonnets(timeout=10, opener=offline, folder=tmp_path)
    assert text == texts.built_in("pydoc") and "\n" not in text.note and "10 s" in text.note and "help texts" in text.note
    assert not list(tmp_path.iterdir())


def test_a_slow_download_goes_on_in_the_background_and_is_used_once_it_arrives(tmp_path):
    import time

    def slow(url, timeout):
        time.sleep(1.0)
        return _Response(_gutenberg_file())

    first = texts.sonnets(timeout=0.2, opener=slow, folder=tmp_path)
    assert first == texts.built_in("pydoc") and "finish downloading within 0.2 s" in first.note and "background" in first.note
    texts._downloads[tmp_path].join(5)  # the download went on after the page stopped waiting
    assert texts.sonnets_cached(tmp_path)
    second = texts.sonnets(timeout=0.2, opener=slow, folder=tmp_path)
    assert second.source == "sonnets" and second.note is None and "From fairest creatures" in second.content


# ---------------------------------------------------------------- inside the LSTM


def test_features_follow_what_the_text_shows():
    values = inside.features('ab (c "d" e)\nf')
    np.testing.assert_array_equal(values["line_position"], [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 0, 1])
    np.testing.assert_array_equal(values["in_brackets"], [0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0])
    np.testing.assert_array_equal(values["in_quotes"], [0, 0, 0, 0, 0, 0, 1, 1, 0, 0, 0, 0, 0, 0])
    np.testing.assert_array_equal(values["word_position"], [1, 2, 0, 0, 1, 0, 0, 1, 0, 0, 1, 0, 0, 1])


def _track(feature, unit, r, r0, present=True):
    return inside.UnitTrack(feature, unit, r, r0, present)


def test_the_unit_search_verdict_judges_each_finding_against_chance():
    tracks = (_track("in_brackets", 3, 0.9, 0.2), _track("line_position", 1, -0.5, 0.42), _track("in_quotes", 0, 0.0, 0.0, present=False))
    result = types.SimpleNamespace(tracks=tracks, weights=types.SimpleNamespace(layers=[types.SimpleNamespace(units=6)]))
    text = inside.tracking_verdict(result)
    assert "unit 4, r = +0.90, well above the untrained network's best (0.20)" in text
    assert "unit 2, r = -0.50, above the untrained network's best (0.42)" in text and "double quotes" not in text
    assert inside.units_to_show(result, most=4) == [3, 1, 0, 2]


def test_the_lag_verdict_names_the_cell_that_kept_the_gradient_and_the_one_that_lost_it():
    t = np.arange(21.0)
    def run(cell, profile, accuracy):
        return long_lag.CellRun(cell, None, {0: 10.0 ** (0.1 * t - 2), 3: profile}, accuracy, None, 1.0)
    runs = {"simple_rnn": run("simple_rnn", 10.0 ** (0.1 * t - 2), 0.08), "lstm": run("lstm", np.full(21, 0.3), 0.97)}
    text = long_lag.verdict(long_lag.LagResult(long_lag.LagConfig(lag=20), runs, 1 / 16))
    assert "×0.1 (SimpleRNN, 8% correct), ×1 (LSTM, 97% correct) after" in text
    assert "LSTM learned to keep the path back" in text and "SimpleRNN still loses the gradient" in text
    assert "the gates have to *learn* to keep it" in text


def test_correlation_search_finds_a_unit_built_to_count():
    states = np.random.default_rng(0).normal(size=(200, 6))
    feature = np.tile(np.arange(20.0), 10)
    states[:, 4] = -0.5 * feature + 0.01 * states[:, 4]
    r = inside.correlations(states, feature)
    assert int(np.argmax(np.abs(r))) == 4 and r[4] == pytest.approx(-1, abs=1e-3)


# ---------------------------------------------------------------- results are plain data


def test_results_pickle(tiny_comparison):
    unrolled_result = lab.unrolled(lab.UnrolledConfig(units=3, updates=0))
    lag_result = tiny_comparison
    sweep = long_lag.sweep_lags(long_lag.LagSweepConfig(lags=("5",), cells=("gru",), units=3, symbols=2, sequences=100, epochs=1))
    zen = texts.built_in("zen")
    writer = lab.write_like(lab.WriterRun(lab.WriterConfig(source="zen", units=8, sequence_length=16, updates=20), zen))
    inner = lab.inside_lstm(lab.InsideRun(lab.InsideConfig(source="zen", units=8, sequence_length=16, updates=20), zen))
    for result in (unrolled_result, lag_result, sweep, writer, inner):
        copy = pickle.loads(pickle.dumps(result))
        assert type(copy) is type(result)
    assert len(writer.samples) >= 2 and writer.samples[0].epoch == 0 and writer.samples[0].text
    assert writer.weights.parameters > 0 and writer.epochs["val_bits"].notna().all()


def test_a_run_refuses_a_text_that_does_not_match_its_settings():
    run = lab.WriterRun(lab.WriterConfig(source="stdlib"), texts.built_in("zen"))
    with pytest.raises(ValueError, match="stdlib"):
        run.validate()
