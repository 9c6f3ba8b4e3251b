"""Part 7, draw a digit: a drawing prepared the way the training images were, then read by the trained CNN.

The bundled digits (UCI's optdigits) were made by scaling each handwritten
digit to fill a 32×32 box, centring it and counting the ink in each 4×4 block
(0..16), so a digit is bright ink on black, about as wide as the frame.
A drawing goes through the same steps: invert (dark strokes on a light canvas
become bright ink on black), crop to the ink, scale the longer side to fill
the box, centre, and average 4×4 blocks down to 8×8. For the enlarged sets,
the 8×8 result is then enlarged by the same bilinear interpolation. For MNIST,
as its makers did, the digit is scaled into a 20×20 box and centred by its
centre of mass in 28×28.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from dlcore.experiments.cnn.training import TrainConfig, TrainResult, feature_maps_of
from dlcore.limits import Settings, choice, integer

INK_THRESHOLD = 0.1  # a pixel with less ink than this does not count towards the digit's box
MIN_INK_PIXELS = 20  # fewer inked canvas pixels than this is not a drawing yet


@dataclass(frozen=True)
class Reading:
    ink: np.ndarray  # (H, W) the canvas as ink in [0, 1]
    box: tuple[int, int, int, int]  # top, left, bottom, right of the ink on the canvas
    framed: np.ndarray  # (32, 32) or (28, 28): scaled and centred
    network_input: np.ndarray  # (h, w, 1): exactly what the network saw
    probabilities: np.ndarray  # (10,)
    class_names: tuple[str, ...]
    feature_maps: tuple  # ((layer name, (h, w, <= 16)), ...)

    @property
    def prediction(self) -> str:
        return self.class_names[int(np.argmax(self.probabilities))]

    @property
    def confidence(self) -> float:
        return float(np.max(self.probabilities))


def ink_of(rgba: np.ndarray) -> np.ndarray:
    """Ink in [0, 1] of an RGBA (or RGB, or grey) canvas: dark and opaque strokes are 1, a light or transparent background 0."""
    array = np.asarray(rgba, dtype=np.float32)
    if array.ndim == 2:
        return 1.0 - array / 255.0
    darkness = 1.0 - array[..., :3].mean(axis=-1) / 255.0
    alpha = array[..., 3] / 255.0 if array.shape[-1] == 4 else 1.0
    return np.clip(darkness * alpha, 0.0, 1.0)


def _resize(image: np.ndarray, height: int, width: int) -> np.ndarray:
    from dlcore.device import tf

    resized = tf.image.resize(image[None, ..., None], (max(1, height), max(1, width)), method="area", antialias=True)
    return resized.numpy()[0, ..., 0]


def framed(ink: np.ndarray, frame: int, box_size: int, centre_of_mass: bool) -> tuple[np.ndarray, tuple[int, int, int, int]]:
    """The inked part cropped, its longer side scaled to box_size, placed in the middle (or at its centre of mass) of a frame×frame square."""
    rows, columns = np.nonzero(ink > INK_THRESHOLD)
    top, bottom, left, right = rows.min(), rows.max() + 1, columns.min(), columns.max() + 1
    crop = ink[top:bottom, left:right]
    scale = box_size / max(crop.shape)
    small = np.clip(_resize(crop, round(crop.shape[0] * scale), round(crop.shape[1] * scale)), 0.0, 1.0)
    canvas = np.zeros((frame, frame), np.float32)
    if centre_of_mass and small.sum() > 0:
        grid_rows, grid_columns = np.indices(small.shape)
        centre = (np.sum(grid_rows * small) / small.sum(), np.sum(grid_columns * small) / small.sum())
    else:
        centre = ((small.shape[0] - 1) / 2, (small.shape[1] - 1) / 2)
    offset_row = int(round((frame - 1) / 2 - centre[0]))
    offset_column = int(round((frame - 1) / 2 - centre[1]))
    offset_row = min(max(offset_row, 0), frame - small.shape[0])
    offset_column = min(max(offset_column, 0), frame - small.shape[1])
    canvas[offset_row : offset_row + small.shape[0], offset_column : offset_column + small.shape[1]] = small
    return canvas, (int(top), int(left), int(bottom), int(right))


def prepared(ink: np.ndarray, dataset: str) -> tuple[np.ndarray, np.ndarray, tuple[int, int, int, int]]:
    """(framed image, network input (h, w, 1), ink box) for a network trained on `dataset`."""
    if dataset == "mnist":
        frame, box = framed(ink, 28, 20, centre_of_mass=True)
        return frame, frame[..., None], box
    frame, box = framed(ink, 32, 32, centre_of_mass=False)
    eight = frame.reshape(8, 4, 8, 4).mean(axis=(1, 3))
    eight = np.round(eight * 16) / 16  # the bundled digits count ink in sixteenths
    side = {"digits": 8, "digits28": 28, "digits32": 32}[dataset]
    if side == 8:
        return frame, eight[..., None].astype(np.float32), box
    from dlcore.images import ImageSet, enlarged

    single = ImageSet(eight[None, ..., None].astype(np.float32), np.zeros(1, np.int32), ("",), "drawing")
    return frame, enlarged(single, side).images[0], box


def has_drawing(rgba) -> bool:
    return rgba is not None and int(np.sum(ink_of(rgba) > INK_THRESHOLD)) >= MIN_INK_PIXELS


DRAWABLE_SETS = ("digits", "digits28", "digits32", "mnist")


def read_drawing(result: TrainResult, rgba: np.ndarray) -> Reading:
    """The trained CNN of `result` reading a canvas (ValueError when there is no drawing or the network is not a digit reader)."""
    from dlcore.engine import predict
    from dlcore.experiments.cnn.networks import rebuilt

    if result.dataset_used not in DRAWABLE_SETS:
        raise ValueError(f"the network was trained on {result.dataset_used}, not on digits")
    if not has_drawing(rgba):
        raise ValueError("the canvas is empty: draw a digit first")
    ink = ink_of(rgba)
    frame, network_input, box = prepared(ink, result.dataset_used)
    model = rebuilt(result.cnn.spec, result.cnn.weights)
    batch = network_input[None].astype(np.float32)
    probabilities = predict(model, batch, "multiclass")[0]
    maps = tuple((name, values[0]) for name, values in feature_maps_of(model, batch))
    return Reading(ink, box, frame, network_input, probabilities, result.class_names, maps)


@dataclass(frozen=True)
class DrawConfig(Settings):
    """Which digit reader to train for the canvas (the CNN of the training tab's defaults, without the MLP)."""

    dataset: str = choice("digits", DRAWABLE_SETS)
    epochs: int = integer(20, 1, 100, cap="epochs")
    seed: int = integer(0, 0, 10_000)


def reader_config(config: DrawConfig) -> TrainConfig:
    """The training tab's config that trains the digit reader (so a run there and here is the same cached run)."""
    return TrainConfig(dataset=config.dataset, epochs=config.epochs, seed=config.seed, compare_mlp=False)
