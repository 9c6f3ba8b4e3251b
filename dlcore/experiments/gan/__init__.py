"""Generative adversarial networks: the two-player game on 2-D points, why it is hard, DCGAN and a conditional GAN.

One module per part of the page:

- :mod:`.targets` and :mod:`.metrics`: the 2-D target distributions, the checks on drawn or uploaded
  points, and the two numbers that judge generated points (modes covered, share of high-quality samples)
- :mod:`.game`: :func:`play`, GAN Lab's views (discriminator map, per-point gradient arrows, the
  generator's manifold) as snapshots of a real training run
- :mod:`.hard`: :func:`hard_lessons`, presets that reproduce the classic failures, measured, with remedies
- :mod:`.dcgan`: :func:`dcgan`, the DCGAN recipe on digits with a fixed-noise grid and a latent walk
- :mod:`.conditional`: :func:`conditional_gan`, a digit on demand, judged by an independent classifier
"""

from dlcore.experiments.gan.game import GameConfig, GameFrame, GameRun, GameWithPoints, play
from dlcore.experiments.gan.metrics import Coverage, ModeReference, coverage
from dlcore.experiments.gan.targets import TARGETS, PointsError, parse_points_csv

PAGE = "pages/gan.py"
Config = GameConfig  # the config of the page's first figure (the benchmark times it)


def first_figure(config: GameConfig = Config()):
    """The page's first figure: the first live frame of the default 2-D game (networks built, loop compiled, one epoch run)."""
    from dlcore.plots import gan as plots

    frames = []

    def stop_after_first_frame(info):
        frames.append(info)
        return False

    play(config, stop_after_first_frame)
    return plots.live_game(frames[0])


__all__ = [
    "PAGE",
    "TARGETS",
    "Config",
    "Coverage",
    "GameConfig",
    "GameFrame",
    "GameRun",
    "GameWithPoints",
    "ModeReference",
    "PointsError",
    "coverage",
    "first_figure",
    "parse_points_csv",
    "play",
]
