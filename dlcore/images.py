"""Image sources for the augmentation page, offline first.

Bundled with scikit-learn (always there): the 8x8 handwritten digits and two
sample photos. MNIST and Fashion-MNIST come through Keras' own downloaders,
which cache the file under ``~/.keras/datasets``; when the machine is offline
(or ``DLTEACH_OFFLINE=1``) the loaders fall back to the bundled digits and say
so in ``ImageSet.note``. Images are float32 in [0, 1], shaped (n, height, width, channels).
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

IMAGE_DATASETS = {
    "digits": "8×8 handwritten digits (bundled, 1,797 images)",
    "mnist": "MNIST 28×28 digits (downloaded once, then cached)",
    "fashion_mnist": "Fashion-MNIST 28×28 clothing (downloaded once, then cached)",
}
PHOTOS = {"china": "Photo: a temple in China (bundled)", "flower": "Photo: a flower (bundled)"}
IMAGE_SOURCES = {**IMAGE_DATASETS, **PHOTOS}
FASHION_CLASSES = ("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot")
MAX_DOWNLOADED_IMAGES = 6000  # the page trains on a few hundred; keep memory small


@dataclass(frozen=True)
class ImageSet:
    images: np.ndarray  # (n, height, width, channels), float32 in [0, 1]
    labels: np.ndarray  # (n,) int32 class ids
    class_names: tuple[str, ...]
    name: str  # the set actually delivered
    note: str | None = None  # set when a fallback replaced the set that was asked for

    @property
    def image_shape(self) -> tuple[int, int, int]:
        return tuple(int(d) for d in self.images.shape[1:])


def offline_forced() -> bool:
    return os.environ.get("DLTEACH_OFFLINE", "") not in ("", "0", "false", "False")


def _frozen(array: np.ndarray) -> np.ndarray:
    array.setflags(write=False)
    return array


@lru_cache(maxsize=1)
def digits() -> ImageSet:
    """scikit-learn's 8x8 digits as (1797, 8, 8, 1) images in [0, 1]."""
    import sklearn.datasets

    bunch = sklearn.datasets.load_digits()
    images = (bunch.images.astype(np.float32) / 16.0)[..., None]
    return ImageSet(_frozen(images), _frozen(bunch.target.astype(np.int32)), tuple(str(d) for d in range(10)), "digits")


def _keras_loader(name: str) -> Callable:
    import keras

    return getattr(keras.datasets, name).load_data


def _to_image_set(name: str, arrays) -> ImageSet:
    (x_train, y_train), _ = arrays
    x = np.asarray(x_train[:MAX_DOWNLOADED_IMAGES], dtype=np.float32) / 255.0
    y = np.asarray(y_train[:MAX_DOWNLOADED_IMAGES]).reshape(-1).astype(np.int32)
    if x.ndim != 3 or len(x) != len(y) or len(x) == 0:
        raise ValueError(f"unexpected arrays from the {name} loader: images {x.shape}, labels {y.shape}")
    names = FASHION_CLASSES if name == "fashion_mnist" else tuple(str(d) for d in range(10))
    return ImageSet(_frozen(x[..., None]), _frozen(y), names, name)


@lru_cache(maxsize=2)
def _downloaded(name: str) -> ImageSet:
    return _to_image_set(name, _keras_loader(name)())


def load_images(name: str, loader: Callable | None = None) -> ImageSet:
    """A labelled image set by name; MNIST and Fashion-MNIST fall back to the digits offline.

    ``loader`` replaces Keras' downloader (a callable returning
    ``((x_train, y_train), (x_test, y_test))`` like ``keras.datasets.mnist.load_data``);
    tests pass one that fails, so they never touch the network.
    """
    if name == "digits":
        return digits()
    if name not in IMAGE_DATASETS:
        raise ValueError(f"unknown image data set {name!r}; choose from {tuple(IMAGE_DATASETS)}")
    if offline_forced() and loader is None:
        reason = "downloads are switched off here (DLTEACH_OFFLINE)"
    else:
        try:
            return _to_image_set(name, loader()) if loader is not None else _downloaded(name)
        except Exception as error:  # the Keras downloader raises a bare Exception when offline
            reason = f"the download failed ({str(error).splitlines()[0][:160]})"
    fallback = digits()
    note = f"{IMAGE_DATASETS[name].split(' (')[0]} is not available because {reason}. Showing the bundled 8×8 digits instead, which need no internet."
    return ImageSet(fallback.images, fallback.labels, fallback.class_names, "digits", note)


@lru_cache(maxsize=2)
def sample_photo(name: str, shrink: int = 4) -> np.ndarray:
    """One of scikit-learn's bundled photos, shrunk `shrink`-fold by block averaging: (h, w, 3) in [0, 1]."""
    import sklearn.datasets

    if name not in PHOTOS:
        raise ValueError(f"unknown photo {name!r}; choose from {tuple(PHOTOS)}")
    bunch = sklearn.datasets.load_sample_images()
    index = [os.path.basename(f).split(".")[0] for f in bunch.filenames].index(name)
    photo = bunch.images[index].astype(np.float32) / 255.0
    height, width = (photo.shape[0] // shrink) * shrink, (photo.shape[1] // shrink) * shrink
    blocks = photo[:height, :width].reshape(height // shrink, shrink, width // shrink, shrink, 3)
    return _frozen(blocks.mean(axis=(1, 3)))


def enlarged(image_set: ImageSet, size: int) -> ImageSet:
    """The same images resized to size x size by bilinear interpolation (no new detail, smoother edges)."""
    from dlcore.device import tf

    if image_set.images.shape[1] == size:
        return image_set
    resized = tf.image.resize(image_set.images, (size, size), method="bilinear").numpy().astype(np.float32)
    return dataclasses.replace(image_set, images=_frozen(np.clip(resized, 0.0, 1.0)))


@lru_cache(maxsize=2)
def enlarged_digits(size: int) -> ImageSet:
    return enlarged(digits(), size)


def one_image(source: str, index: int = 0, loader: Callable | None = None, digit_size: int = 8) -> tuple[np.ndarray, str, str | None]:
    """(image (h, w, c), caption, note) for the augmentation grid: a photo or image `index` of a set."""
    if source in PHOTOS:
        return sample_photo(source), PHOTOS[source].split(" (")[0], None
    images = load_images(source, loader)
    if images.name == "digits" and digit_size != 8:
        images = dataclasses.replace(enlarged_digits(digit_size), note=images.note)
    position = int(index) % len(images.images)
    label = images.class_names[images.labels[position]]
    return images.images[position], f"{images.name} image #{position}, label {label}", images.note
