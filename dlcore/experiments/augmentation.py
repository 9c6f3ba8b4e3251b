"""Data augmentation: random, label-preserving changes to training images.

A network trained on a few hundred images memorises them: training accuracy
reaches 100% while validation accuracy stalls. Augmentation puts seeded Keras
preprocessing layers (flip, rotation, zoom, translation, contrast, cutout,
Gaussian noise) in front of the CNN. They change every training batch and do
nothing at inference, so the network never sees exactly the same picture
twice (the 8x8 digits are enlarged to 16x16 first, so that a rotation of a
few degrees does not smear their 64 pixels). Nothing is added to the loss: the regularisation comes from more
varied data. A change that alters what the label means (mirroring a 2 or a 5)
teaches the wrong thing and costs accuracy instead.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np
import pandas as pd

from dlcore import engine, images
from dlcore.choices import BATCH_SIZES, LEARNING_RATES
from dlcore.device import seeds_for, tf
from dlcore.limits import Settings, choice, integer, number
from dlcore.models import CNNSpec, build_small_cnn
from dlcore.optimizers import make_optimizer
from dlcore.steps import SupervisedStep

PAGE = "pages/augmentation.py"
FLIPS = {"none": "No flip", "horizontal": "Left ↔ right (mirror)", "vertical": "Upside down", "horizontal_and_vertical": "Both"}
AUGMENTATION_FIELDS = ("flip", "rotation_degrees", "zoom", "translation", "contrast", "cutout", "noise_std")
LAYER_ORDER = ("augment_flip", "augment_rotation", "augment_zoom", "augment_translation", "augment_contrast", "augment_cutout", "augment_noise")
VALIDATION_SIZE = 500
MAX_TRAIN_SIZE = 1000
MAX_EPOCHS = 200
DIGIT_SIZE = 16  # the 8x8 digits are enlarged so that a small rotation or shift does not smear their few pixels
FILTER_CHOICES = (4, 8, 16, 32)
ADAM_LEARNING_RATES = tuple(rate for rate in LEARNING_RATES if rate <= 0.1)  # Adam on a small CNN


@dataclass(frozen=True)
class Augmentations(Settings):
    """The seven random changes, each off at zero: shared by the training comparison and the grid."""

    flip: str = choice("none", FLIPS)
    rotation_degrees: float = number(15.0, 0.0, 180.0, step=5.0)
    zoom: float = number(0.1, 0.0, 0.5, step=0.05)
    translation: float = number(0.1, 0.0, 0.5, step=0.05)  # a fraction of the image size
    contrast: float = number(0.0, 0.0, 0.9, step=0.1)
    cutout: float = number(0.0, 0.0, 1.0, step=0.1)  # the probability of erasing a patch
    noise_std: float = number(0.0, 0.0, 0.5, step=0.05)

    @property
    def augments(self) -> bool:
        return bool(augmentation_layers(self, 0, names_only=True))

    def without_augmentation(self):
        return dataclasses.replace(self, flip="none", rotation_degrees=0.0, zoom=0.0, translation=0.0, contrast=0.0, cutout=0.0, noise_std=0.0)


@dataclass(frozen=True)
class Config(Augmentations):
    """The with/without comparison: one CNN architecture and seed, trained twice."""

    dataset: str = choice("digits", images.IMAGE_DATASETS)
    train_size: int = integer(100, 20, MAX_TRAIN_SIZE, cap="samples", step=10)
    filters: int = integer(8, options=FILTER_CHOICES)
    epochs: int = integer(50, 1, MAX_EPOCHS, cap="epochs")
    learning_rate: float = number(0.005, options=ADAM_LEARNING_RATES)
    batch_size: int = integer(32, options=BATCH_SIZES)
    seed: int = integer(0, 0, 10_000)


def augmentation_layers(settings, seed: int, names_only: bool = False) -> list:
    """Seeded Keras preprocessing layers for the non-zero settings, in a fixed order.

    Each layer draws its seed from a fixed slot, so switching one layer on or
    off leaves the random draws of the others unchanged. ``names_only`` lists
    the layer names without building anything.
    """
    wanted = [
        settings.flip != "none",
        settings.rotation_degrees > 0,
        settings.zoom > 0,
        settings.translation > 0,
        settings.contrast > 0,
        settings.cutout > 0,
        settings.noise_std > 0,
    ]
    if names_only:
        return [name for name, on in zip(LAYER_ORDER, wanted) if on]
    from keras import layers

    seeds = dict(zip(LAYER_ORDER, seeds_for(seed + 7919, len(LAYER_ORDER))))
    edge = dict(fill_mode="constant", fill_value=0.0)
    builders = {
        "augment_flip": lambda s: layers.RandomFlip(settings.flip, seed=s, name="augment_flip"),
        "augment_rotation": lambda s: layers.RandomRotation(settings.rotation_degrees / 360.0, seed=s, name="augment_rotation", **edge),
        "augment_zoom": lambda s: layers.RandomZoom(settings.zoom, seed=s, name="augment_zoom", **edge),
        "augment_translation": lambda s: layers.RandomTranslation(settings.translation, settings.translation, seed=s, name="augment_translation", **edge),
        "augment_contrast": lambda s: layers.RandomContrast(settings.contrast, value_range=(0.0, 1.0), seed=s, name="augment_contrast"),
        "augment_cutout": lambda s: layers.RandomErasing(factor=(settings.cutout, settings.cutout), scale=(0.1, 0.3), fill_value=0.0, value_range=(0.0, 1.0), seed=s, name="augment_cutout"),
        "augment_noise": lambda s: layers.GaussianNoise(settings.noise_std, seed=s, name="augment_noise"),
    }
    return [builders[name](seeds[name]) for name, on in zip(LAYER_ORDER, wanted) if on]


# ---- the comparison: the same CNN trained with and without augmentation ----


@dataclass(frozen=True)
class RunSummary:
    label: str
    history: engine.History
    per_class_val_accuracy: np.ndarray  # (classes,)


@dataclass(frozen=True)
class Result:
    config: Config
    runs: tuple[RunSummary, ...]  # without augmentation first, then with (if any is switched on)
    summary: pd.DataFrame  # one row per run: final and best numbers
    class_names: tuple[str, ...]
    dataset_used: str
    dataset_note: str | None
    train_size: int
    val_size: int


def small_split(config: Config):
    """A seeded training subset of `train_size` images and a fixed validation set of up to 500."""
    image_set = images.load_images(config.dataset)
    if image_set.name == "digits":
        image_set = dataclasses.replace(images.enlarged_digits(DIGIT_SIZE), note=image_set.note)
    rng = np.random.default_rng(config.seed)
    order = rng.permutation(len(image_set.images))
    val_size = min(VALIDATION_SIZE, len(order) - config.train_size)
    val, train = order[:val_size], order[val_size : val_size + config.train_size]
    return image_set, (image_set.images[train], image_set.labels[train], image_set.images[val], image_set.labels[val])


def build_model(config: Config, image_shape, num_classes: int, augment: bool):
    front = augmentation_layers(config, config.seed) if augment else []
    return build_small_cnn(CNNSpec(input_shape=image_shape, num_classes=num_classes, filters=config.filters, seed=config.seed), tuple(front))


def _per_class_accuracy(model, x, y, num_classes: int) -> np.ndarray:
    predicted = np.argmax(engine.predict(model, x, "multiclass"), axis=1)
    return np.array([np.mean(predicted[y == c] == c) if np.any(y == c) else np.nan for c in range(num_classes)])


def _summary_row(run: RunSummary) -> dict:
    epochs = run.history.epochs
    last = epochs.iloc[-1]
    best = int(epochs["val_accuracy"].idxmax())
    return {
        "run": run.label,
        "final train accuracy": float(last["train_accuracy"]),
        "final validation accuracy": float(last["val_accuracy"]),
        "gap (train − validation)": float(last["train_accuracy"] - last["val_accuracy"]),
        "best validation accuracy": float(epochs["val_accuracy"].iloc[best]),
        "at epoch": int(epochs["epoch"].iloc[best]),
        "final validation loss": float(last["val_loss"]),
        "seconds": float(run.history.seconds),
    }


def describe(config: Config) -> str:
    parts = []
    if config.flip != "none":
        parts.append(f"flip {config.flip.replace('_and_', '+')}")
    named = (("rotation_degrees", "rotate ±{:g}°"), ("zoom", "zoom ±{:.0%}"), ("translation", "shift ±{:.0%}"), ("contrast", "contrast ±{:.0%}"), ("cutout", "cutout p={:g}"), ("noise_std", "noise σ={:g}"))
    parts += [template.format(getattr(config, field)) for field, template in named if getattr(config, field) > 0]
    return ", ".join(parts) if parts else "no augmentation"


def run(config: Config, progress=None) -> Result:
    """The same seeded CNN trained without augmentation and (when any is switched on) with it, on the same images in the same order."""
    config.validate()
    image_set, (x_train, y_train, x_val, y_val) = small_split(config)
    num_classes = len(image_set.class_names)
    variants = [("without augmentation", False)] + ([(f"with {describe(config)}", True)] if config.augments else [])
    spec = engine.TrainSpec(epochs=config.epochs, batch_size=config.batch_size, seed=config.seed)
    runs = []
    for index, (label, augment) in enumerate(variants):
        model = build_model(config, image_set.image_shape, num_classes, augment)
        step = SupervisedStep(model, make_optimizer("adam", config.learning_rate), "multiclass", kinds=("kernel",))
        report = engine.sweep_progress(progress, index, len(variants), f"Training {label}")
        history = engine.fit(step, (x_train, y_train), (x_val, y_val), spec, report)
        runs.append(RunSummary(label, history, _per_class_accuracy(model, x_val, y_val, num_classes)))
    return Result(
        config=config,
        runs=tuple(runs),
        summary=pd.DataFrame([_summary_row(r) for r in runs]),
        class_names=image_set.class_names,
        dataset_used=image_set.name,
        dataset_note=image_set.note,
        train_size=len(x_train),
        val_size=len(x_val),
    )


def first_figure(config: Config = Config()):
    """The page's first figure is the with/without comparison: both default trainings."""
    return run(config)


def wrong_augmentation(config: Config) -> Config:
    """The same training with only a left-right mirror: wrong for digits, whose shape carries the label."""
    return dataclasses.replace(config.without_augmentation(), flip="horizontal")


PRESETS = {
    "Sensible for digits": dict(flip="none", rotation_degrees=15.0, zoom=0.1, translation=0.1, contrast=0.0, cutout=0.0, noise_std=0.0),
    "Wrong for digits: mirror": dict(flip="horizontal", rotation_degrees=0.0, zoom=0.0, translation=0.0, contrast=0.0, cutout=0.0, noise_std=0.0),
    "Too strong: rotate up to 180°": dict(flip="none", rotation_degrees=180.0, zoom=0.0, translation=0.0, contrast=0.0, cutout=0.0, noise_std=0.0),
    "None at all": dict(flip="none", rotation_degrees=0.0, zoom=0.0, translation=0.0, contrast=0.0, cutout=0.0, noise_std=0.0),
}


# ---- the grid: one image and its augmented variants ----


@dataclass(frozen=True)
class GridImage(Settings):
    """Which image the grid shows, how many augmented copies, and the seed of their random draws."""

    image_source: str = choice("digits", images.IMAGE_SOURCES)
    image_index: int = integer(0, 0, 99)  # ignored for the photos, which are single images
    grid_seed: int = integer(0, 0, 10_000)
    num_variants: int = integer(11, 1, 47)


@dataclass(frozen=True)
class GridConfig(GridImage, Augmentations):
    """One image and the augmentations to apply to its copies."""


@dataclass(frozen=True)
class Grid:
    original: np.ndarray  # (h, w, c) in [0, 1]
    variants: np.ndarray  # (num_variants, h, w, c), clipped to [0, 1] for display
    caption: str
    note: str | None
    layer_names: tuple[str, ...]


def grid_for(config: Config, image: GridImage) -> GridConfig:
    """The grid of the training config's augmentation settings on the chosen image."""
    chosen = {field.name: getattr(image, field.name) for field in dataclasses.fields(GridImage)}
    return GridConfig(**chosen, **{field: getattr(config, field) for field in AUGMENTATION_FIELDS})


def variant_grid(config: GridConfig, progress=None, *, loader=None) -> Grid:
    """`num_variants` augmented copies of one image, exactly as a training batch would see them (instant: `progress` is never called)."""
    config.validate()
    original, caption, note = images.one_image(config.image_source, config.image_index, loader, DIGIT_SIZE)
    front = augmentation_layers(config, config.grid_seed)
    batch = tf.constant(np.repeat(original[None], config.num_variants, axis=0))
    for layer in front:
        batch = layer(batch, training=True)
    variants = np.clip(np.asarray(batch), 0.0, 1.0).astype(np.float32)
    return Grid(np.asarray(original), variants, caption, note, tuple(layer.name for layer in front))


def mirrored_examples(class_ids=(2, 3, 5, 7)) -> tuple[np.ndarray, np.ndarray, tuple[str, ...]]:
    """First bundled digit of each class and its left-right mirror (what a horizontal flip feeds the network)."""
    digits = images.enlarged_digits(DIGIT_SIZE)
    picks = [int(np.flatnonzero(digits.labels == c)[0]) for c in class_ids]
    originals = digits.images[picks]
    return originals, originals[:, :, ::-1, :], tuple(str(c) for c in class_ids)
