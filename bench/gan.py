"""GAN figures: the default 2-D game on the ring of 8, DCGAN epochs on the digits, the default conditional GAN,
and whether each preset's lesson holds for three seeds.

- gan_2d_ring: seconds for the default 2-D run (the page's first tab) and the modes it covers;
  targets: at most 10 s, at least 7 of 8 modes.
- dcgan_digits_epoch_s: seconds per epoch of the default DCGAN on the bundled 8x8 digits (the
  steady epochs after the first, which also compiles), with the judge's view of its samples.
- cgan_digits: seconds for the default conditional GAN and how often an independent classifier
  names the requested digit; target at least 0.8.
- gan_lessons: for seeds 0, 1, 2, each preset of part 2 (and the default game) against the promise
  its name makes (:func:`dlcore.experiments.gan.hard.promise_kept`).
(page_first_figure_s.gan is timed with every page's first figure by bench/pages.py.)
"""

from __future__ import annotations

import dataclasses
import time

from dlcore.experiments.gan import conditional, dcgan, game, hard

RING_TARGET_S, RING_TARGET_MODES = 10.0, 7
CGAN_TARGET_AGREEMENT = 0.8
SEEDS = (0, 1, 2)


def gan_2d_ring() -> dict:
    started = time.perf_counter()
    run = game.play(game.GameConfig())
    seconds = time.perf_counter() - started
    return {
        "seconds": round(seconds, 2),
        "modes_covered": run.final.modes_covered,
        "of_modes": run.final.num_modes,
        "high_quality_share": round(run.final.high_quality_share, 3),
        "updates": run.history.num_steps,
        "target_s": RING_TARGET_S,
        "target_modes": RING_TARGET_MODES,
        "ratio_to_target": round(seconds / RING_TARGET_S, 2),
    }


def dcgan_digits_epoch_s() -> dict:
    result = dcgan.dcgan(dcgan.DCGANConfig())
    steady = result.history.epochs["seconds"].iloc[1:]
    return {
        "seconds": round(float(steady.mean()), 3),
        "first_epoch_s": round(float(result.history.epochs["seconds"].iloc[0]), 2),
        "epochs": result.config.epochs,
        "classes_the_judge_names": result.final.classes_seen,
        "judge_confidence": round(result.final.judge_confidence, 3),
    }


def cgan_digits() -> dict:
    started = time.perf_counter()
    result = conditional.conditional_gan(conditional.ConditionalConfig())
    seconds = time.perf_counter() - started
    return {
        "seconds": round(seconds, 2),
        "agreement": round(result.agreement, 3),
        "worst_class_agreement": round(float(result.agreement_by_class.min()), 3),
        "epochs": result.config.epochs,
        "target_agreement": CGAN_TARGET_AGREEMENT,
    }


def gan_lessons() -> dict:
    lessons = {"default_game_7_of_8": [game.play(dataclasses.replace(game.GameConfig(), seed=seed)).final.modes_covered >= RING_TARGET_MODES for seed in SEEDS]}
    for scenario in hard.SCENARIOS:
        lessons[scenario] = [hard.promise_kept(hard.hard_lessons(hard.HardConfig(seed=seed, **hard.preset(scenario)))) for seed in SEEDS]
    return {name: {"seeds": list(SEEDS), "holds": held, "all_hold": all(held)} for name, held in lessons.items()}


def measure() -> dict:
    game.play(game.GameConfig(steps=100))  # warm-up: TensorFlow loaded, kernels ready
    return {"gan_2d_ring": gan_2d_ring(), "dcgan_digits_epoch_s": dcgan_digits_epoch_s(), "cgan_digits": cgan_digits(), "gan_lessons": gan_lessons()}


if __name__ == "__main__":
    import json

    print(json.dumps(measure(), indent=1))
