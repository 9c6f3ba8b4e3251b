"""Part 3, DCGAN on digits: the recipe of Radford et al. (2015) on the bundled 8x8 digits (MNIST or Fashion-MNIST online).

The generator upsamples noise with strided transposed convolutions, batch
norm and ReLU and ends in tanh; the discriminator downsamples with strided
convolutions and LeakyReLU and ends in one logit; both train with Adam at
β1 = 0.5. The snapshot hook draws the same fixed noise through the generator
after every few epochs, so the grid of samples evolves on screen; it also asks
an independent digit classifier (:mod:`dlcore.judge`) what it sees in 100
fresh samples: how many different classes, and how sure it is.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from dlcore import engine, images
from dlcore.experiments.gan.networks import dcgan_networks
from dlcore.generative import GENERATOR_LOSSES, GANStep
from dlcore.limits import Settings, choice, flag, integer, number
from dlcore.optimizers import make_optimizer

GRID_SAMPLES = 36  # the fixed-noise grid: 6 x 6
JUDGED_SAMPLES = 100  # samples the judge looks at in every snapshot
MAX_FRAMES = 31
INTERPOLATION_PAIRS, INTERPOLATION_STEPS = 4, 9
IMAGE_LEARNING_RATES = (5e-5, 1e-4, 2e-4, 5e-4, 1e-3, 2e-3, 5e-3)


@dataclass(frozen=True)
class DCGANConfig(Settings):
    dataset: str = choice("digits", images.IMAGE_DATASETS)
    epochs: int = integer(15, 1, 200, cap="epochs")
    batch_size: int = integer(64, 16, 256, options=(16, 32, 64, 128, 256))
    latent_dim: int = integer(16, 2, 100, options=(2, 8, 16, 32, 64, 100))
    learning_rate: float = number(2e-3, options=IMAGE_LEARNING_RATES)
    beta_1: float = number(0.5, options=(0.0, 0.5, 0.9))
    batch_norm: bool = flag(True)
    generator_loss: str = choice("non_saturating", GENERATOR_LOSSES)
    seed: int = integer(0, 0, 10_000)


@dataclass(frozen=True)
class ImageFrame:
    """One snapshot: the fixed-noise grid, and the judge's view of fresh samples."""

    epoch: int
    grid: np.ndarray  # (GRID_SAMPLES, h, w) in [0, 1]
    classes_seen: int  # distinct classes the judge names among JUDGED_SAMPLES samples
    judge_confidence: float  # the judge's mean probability for the class it names


@dataclass(frozen=True)
class DCGANResult:
    config: DCGANConfig
    dataset: str  # the set actually trained on
    note: str | None  # why another set replaced the one asked for
    class_names: tuple[str, ...]
    real_examples: np.ndarray  # (GRID_SAMPLES, h, w)
    frames: tuple[ImageFrame, ...]
    interpolations: np.ndarray  # (pairs, steps, h, w): the generator along straight lines between two noise vectors
    history: engine.History
    real_classes_seen: int  # the judge on real images, for comparison
    real_judge_confidence: float

    @property
    def final(self) -> ImageFrame:
        return self.frames[-1]

    @property
    def seconds_per_epoch(self) -> float:
        return float(self.history.epochs["seconds"].mean()) if len(self.history.epochs) else float("nan")


def training_images(dataset: str) -> images.ImageSet:
    """The image set, offline first: MNIST and Fashion-MNIST are read from Keras' cache (the page fetched them before
    training, with a timeout); a set that is not there falls back to the bundled digits with a note. Never downloads."""
    return images.load_images(dataset, download=False)


def to_tanh_range(pictures: np.ndarray) -> np.ndarray:
    return (2.0 * pictures - 1.0).astype(np.float32)


def to_unit_range(pictures: np.ndarray) -> np.ndarray:
    return np.clip((np.asarray(pictures, dtype=np.float32)[..., 0] + 1.0) / 2.0, 0.0, 1.0)


def judge_view(judge, pictures: np.ndarray) -> tuple[int, float, np.ndarray, np.ndarray]:
    """(classes named, mean confidence, labels, confidences) of the judge on images in [0, 1] shaped (n, h, w)."""
    labels, confidence = judge.verdicts(pictures[..., None])
    return len(np.unique(labels)), float(confidence.mean()), labels, confidence


def frame_epochs(epochs: int) -> tuple[int, ...]:
    every = max(1, -(-epochs // (MAX_FRAMES - 1)))
    return (0, *range(every, epochs + 1, every), epochs)


def image_gan_step(generator, discriminator, config, snapshot) -> GANStep:
    return GANStep(
        generator, discriminator,
        make_optimizer("adam", config.learning_rate, beta_1=config.beta_1),
        make_optimizer("adam", config.learning_rate, beta_1=config.beta_1),
        latent_dim=config.latent_dim, generator_loss=config.generator_loss, seed=config.seed, snapshot=snapshot,
    )


def dcgan(config: DCGANConfig, progress=None) -> DCGANResult:
    """Train the DCGAN; snapshots of the fixed-noise grid, then straight-line walks between noise vectors."""
    from dlcore.device import tf
    from dlcore.judge import digit_judge

    config.validate()
    source = training_images(config.dataset)
    judge = digit_judge(source.name)
    size = source.image_shape[0]
    generator, discriminator = dcgan_networks(size, config.latent_dim, batch_norm=config.batch_norm, seed=config.seed)
    rng = np.random.default_rng([config.seed, 5])
    per_epoch = engine.steps_per_epoch(len(source.images), config.batch_size)
    fixed = tf.constant(rng.normal(size=(GRID_SAMPLES + JUDGED_SAMPLES, config.latent_dim)).astype(np.float32))

    def snapshot(step) -> ImageFrame:
        pictures = to_unit_range(step.generator(fixed, training=False).numpy())
        seen, confidence, _, _ = judge_view(judge, pictures[GRID_SAMPLES:])
        updates = int(step.generator_optimizer.iterations.numpy())
        return ImageFrame(updates // per_epoch, pictures[:GRID_SAMPLES], seen, confidence)

    step = image_gan_step(generator, discriminator, config, snapshot)
    spec = engine.TrainSpec(epochs=config.epochs, batch_size=config.batch_size, seed=config.seed, snapshot_epochs=frame_epochs(config.epochs), evaluation_samples=512)
    history = engine.fit(step, (to_tanh_range(source.images),), None, spec, progress)
    frames = tuple(frame for _, frame in sorted(history.snapshots.items()))

    ends = rng.normal(size=(INTERPOLATION_PAIRS, 2, config.latent_dim))
    weights = np.linspace(0.0, 1.0, INTERPOLATION_STEPS)[None, :, None]
    walk = (1 - weights) * ends[:, :1] + weights * ends[:, 1:]
    interpolations = to_unit_range(generator(walk.reshape(-1, config.latent_dim).astype(np.float32), training=False).numpy()).reshape(INTERPOLATION_PAIRS, INTERPOLATION_STEPS, size, size)
    real = source.images[np.random.default_rng([config.seed, 6]).choice(len(source.images), GRID_SAMPLES + JUDGED_SAMPLES, replace=False)][..., 0]
    real_seen, real_confidence, _, _ = judge_view(judge, real[GRID_SAMPLES:])
    return DCGANResult(config, source.name, source.note, source.class_names, real[:GRID_SAMPLES], frames, interpolations,
                       _without_snapshots(history), real_seen, real_confidence)


def _without_snapshots(history: engine.History) -> engine.History:
    import dataclasses

    return dataclasses.replace(history, snapshots={})
