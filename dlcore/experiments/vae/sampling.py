"""Part 3, sampling: decode z ~ N(0, I) with both decoders and ask an independent classifier what it sees.

The judge (:func:`dlcore.judge.digit_judge`) is a classifier trained on real
images of the same set only; it never saw either network. A sample counts as
recognised when the judge gives its class a probability above
:data:`CONFIDENT`. Both decoders get the very same draws of z.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from dlcore.experiments.vae.networks import DATASETS, LATENT_SIZES
from dlcore.experiments.vae.training import TrainedModel
from dlcore.judge import Judge, digit_judge
from dlcore.limits import Settings, choice, integer

CONFIDENT = 0.5
STATISTIC_DRAWS = 500  # the headline shares are over this many draws; the grid shows the first `count`
SHOWN_COUNTS = (20, 40, 60, 100)


@dataclass(frozen=True)
class SamplingSettings(Settings):
    latent_dim: int = integer(8, options=LATENT_SIZES)
    count: int = integer(40, options=SHOWN_COUNTS)
    draw: int = integer(0, 0, 1_000_000)  # which draws of z (the 🎲 button counts up)


@dataclass(frozen=True)
class JudgeConfig(Settings):
    dataset: str = choice("digits", DATASETS)


def judge_for(config: JudgeConfig, progress=None) -> Judge:
    """The independent classifier of real images of one set (trained once per process, kept as numpy weights)."""
    config.validate()
    return digit_judge(config.dataset)


@dataclass(frozen=True)
class Verdicts:
    labels: np.ndarray  # the class the judge names for each image
    confidences: np.ndarray  # its probability for that class
    num_classes: int

    @property
    def confident(self) -> np.ndarray:
        return self.confidences > CONFIDENT

    @property
    def confident_share(self) -> float:
        return float(np.mean(self.confident))

    @property
    def class_shares(self) -> np.ndarray:
        """Share of all images that the judge recognises (confidently) as each class."""
        return np.bincount(self.labels[self.confident], minlength=self.num_classes)[: self.num_classes] / max(1, len(self.labels))

    @property
    def classes_covered(self) -> int:
        """Classes holding at least 2% of the images, recognised confidently."""
        return int(np.sum(self.class_shares >= 0.02))


def judged(judge: Judge, pictures: np.ndarray, image_shape: tuple[int, int]) -> Verdicts:
    labels, confidences = judge.verdicts(np.asarray(pictures).reshape(len(pictures), *image_shape, 1))
    return Verdicts(labels, confidences, len(judge.class_names))


@dataclass(frozen=True)
class PriorSamples:
    model: str
    codes: np.ndarray  # (STATISTIC_DRAWS, latent_dim)
    images: np.ndarray  # (STATISTIC_DRAWS, pixels)
    verdicts: Verdicts


def prior_draws(latent_dim: int, draw: int, count: int = STATISTIC_DRAWS) -> np.ndarray:
    """z ~ N(0, I): the same draws for every model of the same latent size."""
    return np.random.default_rng([draw, latent_dim]).normal(size=(count, latent_dim)).astype(np.float32)


def prior_samples(trained: TrainedModel, judge: Judge, draw: int) -> PriorSamples:
    codes = prior_draws(trained.config.latent_dim, draw)
    pictures = trained.decoder(codes)
    return PriorSamples(trained.label, codes, pictures, judged(judge, pictures, trained.image_shape))


def real_verdicts(trained: TrainedModel, judge: Judge) -> Verdicts:
    """The judge on the real validation images: what 'recognised' looks like for real data."""
    return judged(judge, trained.val_images, trained.image_shape)


def sampling_note(samples: dict, models: dict) -> str:
    """What the judge made of both networks' prior samples, from the numbers of this run."""
    vae, autoencoder = samples["VAE"].verdicts, samples["autoencoder"].verdicts
    latent_dim = models["VAE"].config.latent_dim
    spread = float(np.mean(models["autoencoder"].spread))
    comparison = "more" if vae.confident_share > autoencoder.confident_share else ("as many" if vae.confident_share == autoencoder.confident_share else "fewer")
    text = (
        f"with {latent_dim} latent dimensions the judge recognises {vae.confident_share:.0%} of the VAE's samples and {autoencoder.confident_share:.0%} of the autoencoder's "
        f"({comparison} for the VAE), spread over {vae.classes_covered} and {autoencoder.classes_covered} classes. N(0, I) is the distribution the VAE was trained to fill; "
        f"the autoencoder's codes spread {spread:.1f} units (sd, mean over dimensions) around a centre of their own, so the draws land where its decoder rarely or never trained."
    )
    if latent_dim == 2:
        text += " In two dimensions its decoder still draws something image-like almost everywhere: the difference shows in which classes appear. Try 8 dimensions."
    return text
