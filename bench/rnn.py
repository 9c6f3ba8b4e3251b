"""The RNN page's figures: the default character model against the unigram baseline, and the long-lag race.

- ``char_model``: validation bits per character of the default "Write like…" model on the default text
  after its default training, divided by the unigram entropy of that text, and the seconds it took
  (targets: ratio at most 0.6 within at most 60 s); with one sample from early and one from late in training;
- ``long_lag``: accuracy at the last step of each cell at the default lag, and the seconds
  (targets: LSTM at least 0.9, SimpleRNN near chance).

(``page_first_figure_s.rnn`` is timed with every other page by :mod:`bench.pages`.)
"""

from __future__ import annotations

import dataclasses
import time

CHAR_TARGET_RATIO = 0.6
CHAR_TARGET_S = 60.0
LSTM_TARGET_ACCURACY = 0.9


def char_model() -> dict:
    from dlcore import texts
    from dlcore.experiments import rnn

    config = rnn.WriterConfig()
    text = texts.built_in(config.source)
    started = time.perf_counter()
    result = rnn.write_like(rnn.WriterRun(config, text))
    seconds = time.perf_counter() - started
    early = next(sample for sample in result.samples if sample.epoch > 0)
    late = result.samples[-1]
    return {
        "text": config.source,
        "characters": result.characters,
        "model": f"{config.num_layers}x{rnn.CELLS[config.cell]}({config.units}), sequence {config.sequence_length}, {config.updates} updates",
        "val_bits_per_character": round(result.final_bits, 3),
        "unigram_bits": round(result.unigram_bits, 3),
        "ratio": round(result.ratio_to_unigram, 3),
        "seconds": round(seconds, 1),
        "target_ratio": CHAR_TARGET_RATIO,
        "target_s": CHAR_TARGET_S,
        "met": result.ratio_to_unigram <= CHAR_TARGET_RATIO and seconds <= CHAR_TARGET_S,
        "sample_early": {"updates": early.updates, "text": result.prompt + early.text},
        "sample_late": {"updates": late.updates, "text": result.prompt + late.text},
    }


def long_lag(seeds: tuple[int, ...] = (0, 1, 2)) -> dict:
    """The default comparison at each seed (the lesson test runs seed 0 only, to keep the suite fast)."""
    from dlcore.experiments import rnn

    by_seed, seconds = {}, {}
    for seed in seeds:
        config = dataclasses.replace(rnn.LagConfig(), seed=seed)
        started = time.perf_counter()
        result = rnn.compare_cells(config)
        seconds[seed] = round(time.perf_counter() - started, 1)
        by_seed[seed] = {rnn.CELLS[cell]: round(run.final_accuracy, 3) for cell, run in result.runs.items()}
        by_seed[seed]["gradient_decay_per_10_steps_after_training"] = {
            rnn.CELLS[cell]: round(rnn.decay_per_ten_steps(run.gradient_at_end), 3) for cell, run in result.runs.items()
        }
    lstm = [row["LSTM"] for row in by_seed.values()]
    simple = [row["SimpleRNN"] for row in by_seed.values()]
    return {
        "lag": rnn.LagConfig().lag,
        "chance": round(1 / rnn.LagConfig().symbols, 4),
        "accuracy_by_seed": by_seed,
        "lstm_min": min(lstm),
        "simple_rnn_max": max(simple),
        "seconds_by_seed": seconds,
        "seconds": seconds[seeds[0]],
        "target": f"LSTM >= {LSTM_TARGET_ACCURACY} at every seed, SimpleRNN near chance",
        "met": min(lstm) >= LSTM_TARGET_ACCURACY and max(simple) <= 0.35,
    }


def measure() -> dict:
    return {"char_model": char_model(), "long_lag": long_lag()}


if __name__ == "__main__":
    import json
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    print(json.dumps(measure(), indent=2, ensure_ascii=False))
