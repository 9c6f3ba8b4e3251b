"""RNN page, lessons: what the page's words promise holds for the runs it shows (its own experiment functions, real training)."""

import dataclasses

import numpy as np
import pytest

from dlcore import texts
from dlcore.experiments import rnn as lab


def test_at_the_default_lag_the_lstm_remembers_and_the_simple_rnn_does_not():
    """The page's default comparison (seed 0; bench's long_lag repeats it for seeds 0, 1 and 2), and the verdict it prints."""
    config = dataclasses.replace(lab.LagConfig(), cells=("simple_rnn", "lstm"))
    result = lab.compare_cells(config)
    lstm, simple = result.runs["lstm"], result.runs["simple_rnn"]
    assert lstm.final_accuracy >= 0.9
    assert simple.final_accuracy <= 0.35  # far from solving it: chance is 1/16
    # the verdict's words: the LSTM's gradient path back to the symbol is open after training, the plain RNN's is not
    assert lab.decay_per_ten_steps(lstm.gradient_at_end) >= 0.5
    assert lab.decay_per_ten_steps(simple.gradient_at_end) < 0.5
    assert lab.decay_per_ten_steps(lstm.gradient_at_start) < 1 and lab.decay_per_ten_steps(simple.gradient_at_start) < 1
    verdict = lab.lag_verdict(result)
    assert "LSTM learned to keep the path back to step 0 open" in verdict and "SimpleRNN still loses the gradient" in verdict


def test_the_char_model_beats_the_unigram_baseline_and_writes_better_as_it_learns():
    """The default model and text, trained for a third of the default updates (the full default run is bench's char_model)."""
    config = dataclasses.replace(lab.WriterConfig(), updates=96)
    result = lab.write_like(lab.WriterRun(config, texts.built_in(config.source)))
    bits = result.epochs["val_bits"].to_numpy()
    assert result.ratio_to_unigram < 0.85 and np.all(np.diff(bits) < 0)
    assert result.unigram_bits == pytest.approx(texts.unigram_entropy_bits(texts.built_in("pydoc").content[: config.characters]))

    def words(text):
        return sum(word in {"the", "of", "is", "a", "to", "and", "in"} for word in text.split())

    assert words(result.samples[-1].text) > words(result.samples[0].text)  # gibberish before training, common words after
    assert not set(result.samples[0].text.split()) & {"the", "of", "and"}


def test_the_zen_is_small_enough_to_memorise():
    """On 19 lines the default model soon learns the training text far better than the held-out last lines: the memorising remark."""
    config = dataclasses.replace(lab.WriterConfig(), source="zen", updates=60)
    result = lab.write_like(lab.WriterRun(config, texts.built_in("zen")))
    final = result.epochs.iloc[-1]
    assert final["val_bits"] - final["train_bits"] > 0.3
    assert "memorises this text" in lab.writer_verdict(result)
