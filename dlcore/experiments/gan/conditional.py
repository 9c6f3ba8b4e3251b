"""Part 4, a conditional GAN: ask for a digit and get it (Mirza & Osindero 2014).

Both networks are told the class: the generator reads [noise, label] and the
discriminator [image, label] (the DCGAN networks with a learned label code),
so the discriminator rejects a good "3" offered as a "7" and the generator
must draw the class it was asked for. An independent classifier trained only
on real images (:mod:`dlcore.judge`) then says which class each generated
image looks like: its agreement with the requested class is the measure.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np

from dlcore import engine, images
from dlcore.experiments.gan.dcgan import IMAGE_LEARNING_RATES, frame_epochs, image_gan_step, judge_view, to_tanh_range, to_unit_range, training_images
from dlcore.experiments.gan.networks import dcgan_networks
from dlcore.limits import Settings, choice, integer, number

SAMPLES_PER_CLASS = 48  # drawn once after training; the page shows them a few at a time
GRID_COLUMNS = 8  # the replayed grid: one row per class
JUDGED_PER_CLASS = 20  # samples per class the judge looks at in every snapshot


@dataclass(frozen=True)
class ConditionalConfig(Settings):
    dataset: str = choice("digits", images.IMAGE_DATASETS)
    epochs: int = integer(10, 1, 200, cap="epochs")
    batch_size: int = integer(64, 16, 256, options=(16, 32, 64, 128, 256))
    latent_dim: int = integer(64, 2, 100, options=(2, 8, 16, 32, 64, 100))  # 16 gave near copies within a class (variety 45% of real); 64 gave 68-82%
    learning_rate: float = number(2e-3, options=IMAGE_LEARNING_RATES)
    seed: int = integer(0, 0, 10_000)

    # fixed parts of the recipe, read by the shared image-GAN step
    beta_1 = 0.5
    generator_loss = "non_saturating"


@dataclass(frozen=True)
class ConditionalFrame:
    epoch: int
    grid: np.ndarray  # (classes, GRID_COLUMNS, h, w) in [0, 1]: row c was asked for class c
    agreement: float  # share of judged samples the judge assigns to the class they were asked for


@dataclass(frozen=True)
class ConditionalResult:
    config: ConditionalConfig
    dataset: str
    note: str | None
    class_names: tuple[str, ...]
    frames: tuple[ConditionalFrame, ...]
    samples: np.ndarray  # (classes, SAMPLES_PER_CLASS, h, w) after training
    verdicts: np.ndarray  # (classes, SAMPLES_PER_CLASS) the judge's class for each sample
    confidence: np.ndarray  # (classes, SAMPLES_PER_CLASS) the judge's probability of that class
    judge_accuracy: float  # the judge on real images it never trained on
    history: engine.History
    variety: float  # mean over classes of the mean pixel difference between two samples of the class (0 = copies)
    real_variety: float  # the same on real images, SAMPLES_PER_CLASS per class

    @property
    def agreement(self) -> float:
        """Share of all final samples that the judge assigns to the class they were generated for."""
        return float(np.mean(self.verdicts == np.arange(len(self.class_names))[:, None]))

    @property
    def agreement_by_class(self) -> np.ndarray:
        return np.mean(self.verdicts == np.arange(len(self.class_names))[:, None], axis=1)

    @property
    def confusion(self) -> np.ndarray:
        """(asked for, judged as) counts over the final samples."""
        classes = len(self.class_names)
        table = np.zeros((classes, classes), int)
        for asked in range(classes):
            np.add.at(table[asked], self.verdicts[asked], 1)
        return table


def variety(pictures: np.ndarray) -> float:
    """Mean absolute pixel difference over all pairs of images (n, h, w): 0 when every image is the same."""
    flat = pictures.reshape(len(pictures), -1).astype(np.float64)
    if len(flat) < 2:
        return 0.0
    pairs = np.triu_indices(len(flat), 1)
    return float(np.abs(flat[pairs[0]] - flat[pairs[1]]).mean())


def _requests(classes: int, per_class: int) -> np.ndarray:
    return np.repeat(np.arange(classes, dtype=np.int32), per_class)[:, None]


def conditional_gan(config: ConditionalConfig, progress=None) -> ConditionalResult:
    """Train the conditional GAN on (image, label) batches; the judge scores each snapshot and the final samples."""
    from dlcore.device import tf
    from dlcore.judge import digit_judge

    config.validate()
    source = training_images(config.dataset)
    judge = digit_judge(source.name)
    classes, size = len(source.class_names), source.image_shape[0]
    generator, discriminator = dcgan_networks(size, config.latent_dim, classes=classes, seed=config.seed)
    per_epoch = engine.steps_per_epoch(len(source.images), config.batch_size)
    rng = np.random.default_rng([config.seed, 8])
    grid_labels, judged_labels = _requests(classes, GRID_COLUMNS), _requests(classes, JUDGED_PER_CLASS)
    noise = tf.constant(rng.normal(size=(len(grid_labels) + len(judged_labels), config.latent_dim)).astype(np.float32))
    labels = tf.constant(np.concatenate([grid_labels, judged_labels]))

    def snapshot(step) -> ConditionalFrame:
        pictures = to_unit_range(step.generator([noise, labels], training=False).numpy())
        grid, judged = pictures[: len(grid_labels)], pictures[len(grid_labels) :]
        _, _, named, _ = judge_view(judge, judged)
        updates = int(step.generator_optimizer.iterations.numpy())
        return ConditionalFrame(updates // per_epoch, grid.reshape(classes, GRID_COLUMNS, size, size), float(np.mean(named == judged_labels[:, 0])))

    step = image_gan_step(generator, discriminator, config, snapshot)
    spec = engine.TrainSpec(epochs=config.epochs, batch_size=config.batch_size, seed=config.seed, snapshot_epochs=frame_epochs(config.epochs), evaluation_samples=512)
    history = engine.fit(step, (to_tanh_range(source.images), source.labels[:, None].astype(np.int32)), None, spec, progress)
    frames = tuple(frame for _, frame in sorted(history.snapshots.items()))

    asked = _requests(classes, SAMPLES_PER_CLASS)
    final_noise = np.random.default_rng([config.seed, 9]).normal(size=(len(asked), config.latent_dim)).astype(np.float32)
    samples = to_unit_range(generator([final_noise, asked], training=False).numpy())
    _, _, verdicts, confidence = judge_view(judge, samples)
    samples = samples.reshape(classes, SAMPLES_PER_CLASS, size, size)
    real = [source.images[source.labels == c][:SAMPLES_PER_CLASS, ..., 0] for c in range(classes)]
    return ConditionalResult(
        config, source.name, source.note, source.class_names, frames, samples, verdicts.reshape(classes, -1), confidence.reshape(classes, -1),
        judge.validation_accuracy, dataclasses.replace(history, snapshots={}),
        float(np.mean([variety(s) for s in samples])), float(np.mean([variety(r) for r in real])),
    )
