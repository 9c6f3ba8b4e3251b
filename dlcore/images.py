"""Image sources, offline first.

Bundled with scikit-learn (always there): the 8x8 handwritten digits (also
offered enlarged to 28x28 and 32x32 by bilinear interpolation, for the classic
architectures) and two sample photos. MNIST, Fashion-MNIST and CIFAR-10 come
through Keras' own downloaders, which keep the files under
``~/.keras/datasets`` (or ``$KERAS_HOME/datasets``).

Downloading and reading are separate steps, so that a download never holds a
training slot:

- :func:`fetch` downloads a set once (in a background thread, waiting at most
  ``timeout_s`` seconds) and returns one line to show the user;
- :func:`read_cached` reads the files Keras left, in Keras' own formats, and
  never touches the network;
- :func:`load_images` gives any set by name: bundled, cached, downloaded (when
  ``download=True``) or, failing all that, the bundled digits with a
  one-line ``note`` saying why (offline, or ``DLTEACH_OFFLINE=1``).

Images are float32 in [0, 1], shaped (n, height, width, channels).
"""

from __future__ import annotations

import dataclasses
import gzip
import os
import pickle
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

IMAGE_DATASETS = {  # the sets the augmentation page offers
    "digits": "8×8 handwritten digits (bundled, 1,797 images)",
    "mnist": "MNIST 28×28 digits (downloaded once, then cached)",
    "fashion_mnist": "Fashion-MNIST 28×28 clothing (downloaded once, then cached)",
}
ENLARGED_DIGITS = {
    "digits28": "8×8 digits enlarged to 28×28 (bundled, bilinear)",
    "digits32": "8×8 digits enlarged to 32×32 (bundled, bilinear)",
}
ALL_DATASETS = {
    "digits": IMAGE_DATASETS["digits"],
    **ENLARGED_DIGITS,
    "mnist": IMAGE_DATASETS["mnist"],
    "fashion_mnist": IMAGE_DATASETS["fashion_mnist"],
    "cifar10": "CIFAR-10 32×32 colour photos (downloaded once, then cached)",
}
PHOTOS = {"china": "Photo: a temple in China (bundled)", "flower": "Photo: a flower (bundled)"}
IMAGE_SOURCES = {**IMAGE_DATASETS, **PHOTOS}
FASHION_CLASSES = ("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot")
CIFAR10_CLASSES = ("airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck")
MAX_DOWNLOADED_IMAGES = 6000  # the pages train on a few thousand at most; keep memory small

def _download_timeout() -> float:
    """Seconds a page waits for a download: 60 by default; DLTEACH_DOWNLOAD_TIMEOUT_S (1 to 600) changes it."""
    try:
        return min(600.0, max(1.0, float(os.environ.get("DLTEACH_DOWNLOAD_TIMEOUT_S", "60"))))
    except ValueError:
        return 60.0


DOWNLOAD_TIMEOUT_S = _download_timeout()


@dataclass(frozen=True)
class Download:
    """Where Keras keeps one downloadable set, relative to its cache folder, and how big the download is."""

    keras_module: str  # keras.datasets.<keras_module>.load_data
    files: tuple[str, ...]  # what must exist under <cache>/datasets/ for read_cached
    archive: str  # the file that grows while downloading (for progress)
    megabytes: float
    class_names: tuple[str, ...]


DOWNLOADS = {
    "mnist": Download("mnist", ("mnist.npz",), "mnist.npz", 11.5, tuple(str(d) for d in range(10))),
    "fashion_mnist": Download(
        "fashion_mnist",
        ("fashion-mnist/train-labels-idx1-ubyte.gz", "fashion-mnist/train-images-idx3-ubyte.gz"),
        "fashion-mnist/train-images-idx3-ubyte.gz",
        30.9,
        FASHION_CLASSES,
    ),
    "cifar10": Download(
        "cifar10",
        ("cifar-10-batches-py-target/cifar-10-batches-py/data_batch_1",),
        "cifar-10-batches-py-target_archive",
        170.5,
        CIFAR10_CLASSES,
    ),
}


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


def label_of(name: str) -> str:
    """The set's short name for messages ("MNIST 28×28 digits")."""
    return ALL_DATASETS[name].split(" (")[0]


def _frozen(array: np.ndarray) -> np.ndarray:
    array.setflags(write=False)
    return array


# ---------------------------------------------------------------- bundled


@lru_cache(maxsize=1)
def digits() -> ImageSet:
    """scikit-learn's 8x8 digits as (1797, 8, 8, 1) images in [0, 1]."""
    import sklearn.datasets

    bunch = sklearn.datasets.load_digits()
    images = (bunch.images.astype(np.float32) / 16.0)[..., None]
    return ImageSet(_frozen(images), _frozen(bunch.target.astype(np.int32)), tuple(str(d) for d in range(10)), "digits")


def enlarged(image_set: ImageSet, size: int) -> ImageSet:
    """The same images resized to size x size by bilinear interpolation (no new detail, smoother edges)."""
    from dlcore.device import tf

    if image_set.images.shape[1] == size:
        return image_set
    resized = tf.image.resize(image_set.images, (size, size), method="bilinear").numpy().astype(np.float32)
    return dataclasses.replace(image_set, images=_frozen(np.clip(resized, 0.0, 1.0)))


@lru_cache(maxsize=3)
def enlarged_digits(size: int) -> ImageSet:
    """The bundled digits at size x size (still named "digits": the same images, resampled)."""
    return enlarged(digits(), size)


# ---------------------------------------------------------------- Keras' cache, read without the network


def keras_cache_dir() -> Path:
    """Keras' cache folder as its downloaders choose it: $KERAS_HOME, else ~/.keras (or /tmp/.keras when that is read-only)."""
    home = Path(os.path.expanduser(os.environ.get("KERAS_HOME", os.path.join("~", ".keras"))))
    if home.exists() and not os.access(home, os.W_OK):
        return Path("/tmp/.keras")
    return home


class _ArraysOnly(pickle.Unpickler):
    """Unpickles numpy arrays, lists, dicts and numbers, nothing that could run code."""

    ALLOWED = {(m, n) for m in ("numpy.core.multiarray", "numpy._core.multiarray") for n in ("_reconstruct", "scalar")} | {("numpy", "ndarray"), ("numpy", "dtype"), ("_codecs", "encode")}  # encode: bytes in a protocol-2 pickle

    def find_class(self, module, name):
        if (module, name) in self.ALLOWED:
            return super().find_class(module, name)
        raise pickle.UnpicklingError(f"{module}.{name} is not allowed in a CIFAR-10 batch")


def _read_idx(path: Path, magic: int) -> np.ndarray:
    """An IDX file (the MNIST family's format, gzipped): a big-endian header, then uint8 values."""
    with gzip.open(path, "rb") as handle:
        raw = handle.read()
    dimensions = raw[3]
    header = np.frombuffer(raw, ">u4", count=1 + dimensions)
    if int(header[0]) != magic:
        raise ValueError(f"{path.name} is not an IDX file of the expected kind (magic {int(header[0])}, expected {magic})")
    shape = tuple(int(d) for d in header[1:])
    return np.frombuffer(raw, np.uint8, offset=4 * (1 + dimensions), count=int(np.prod(shape))).reshape(shape)


def _read_arrays(name: str, folder: Path) -> tuple[np.ndarray, np.ndarray]:
    """(uint8 images (n, h, w[, 3]), labels) of the training split, as Keras' downloader left them."""
    if name == "mnist":
        with np.load(folder / "mnist.npz", allow_pickle=False) as arrays:
            return arrays["x_train"][:MAX_DOWNLOADED_IMAGES], arrays["y_train"][:MAX_DOWNLOADED_IMAGES]
    if name == "fashion_mnist":
        labels = _read_idx(folder / "fashion-mnist" / "train-labels-idx1-ubyte.gz", 2049)
        return _read_idx(folder / "fashion-mnist" / "train-images-idx3-ubyte.gz", 2051)[:MAX_DOWNLOADED_IMAGES], labels[:MAX_DOWNLOADED_IMAGES]
    with open(folder / DOWNLOADS["cifar10"].files[0], "rb") as handle:
        batch = _ArraysOnly(handle, encoding="bytes").load()
    data = np.asarray(batch[b"data"], dtype=np.uint8)[:MAX_DOWNLOADED_IMAGES]
    return data.reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1), np.asarray(batch[b"labels"])[:MAX_DOWNLOADED_IMAGES]


def _to_image_set(name: str, x_train, y_train) -> ImageSet:
    x = np.asarray(x_train[:MAX_DOWNLOADED_IMAGES], dtype=np.float32) / 255.0
    y = np.asarray(y_train[:MAX_DOWNLOADED_IMAGES]).reshape(-1).astype(np.int32)
    if x.ndim == 3:
        x = x[..., None]
    if x.ndim != 4 or len(x) != len(y) or len(x) == 0 or y.min() < 0 or y.max() >= 10:
        raise ValueError(f"unexpected arrays for {name}: images {x.shape}, labels {y.shape}")
    return ImageSet(_frozen(x), _frozen(y), DOWNLOADS[name].class_names, name)


def is_cached(name: str, cache_dir: Path | None = None) -> bool:
    folder = (cache_dir or keras_cache_dir()) / "datasets"
    return name in DOWNLOADS and all((folder / file).is_file() for file in DOWNLOADS[name].files)


def read_cached(name: str, cache_dir: Path | None = None) -> ImageSet | None:
    """The first MAX_DOWNLOADED_IMAGES training images of a downloaded set, read from Keras' cache; None if not there.

    Never downloads. A damaged file raises ValueError (or the reader's own error).
    """
    if name not in DOWNLOADS:
        raise ValueError(f"{name!r} is not a downloadable set; choose from {tuple(DOWNLOADS)}")
    if not is_cached(name, cache_dir):
        return None
    return _to_image_set(name, *_read_arrays(name, (cache_dir or keras_cache_dir()) / "datasets"))


# ---------------------------------------------------------------- downloading, with a timeout


def _keras_loader(name: str) -> Callable:
    import keras

    return getattr(keras.datasets, DOWNLOADS[name].keras_module if name in DOWNLOADS else name).load_data


_downloads: dict[str, threading.Thread] = {}  # process-wide: one download per set at a time
_download_errors: dict[str, str] = {}
_downloads_lock = threading.Lock()


def _download(name: str, loader: Callable) -> None:
    try:
        loader()  # Keras downloads into its cache (and reads the arrays once, which we drop)
        _download_errors.pop(name, None)
    except Exception as error:  # Keras' downloader raises a bare Exception when offline
        _download_errors[name] = str(error).splitlines()[0][:160] if str(error) else type(error).__name__


def _downloaded_fraction(name: str, cache_dir: Path) -> float:
    path = cache_dir / "datasets" / DOWNLOADS[name].archive
    size = path.stat().st_size if path.is_file() else 0
    return min(1.0, size / (DOWNLOADS[name].megabytes * 1e6))


def fetch(name: str, timeout_s: float | None = None, progress: Callable[[float], None] | None = None, loader: Callable | None = None) -> str | None:
    """Make sure a set is on this machine before anything trains on it; return one line for the user, or None.

    Bundled and already-cached sets return None at once. Otherwise the set is
    downloaded in a background thread (shared by every session asking for
    it), waiting at most ``timeout_s`` seconds; ``progress(fraction)`` hears
    how far the download got about twice a second. A download still running
    at the timeout goes on in the background. ``loader`` replaces Keras'
    downloader (tests pass one, so they never touch the network).
    """
    if name not in ALL_DATASETS:
        raise ValueError(f"unknown image data set {name!r}; choose from {tuple(ALL_DATASETS)}")
    if name not in DOWNLOADS or is_cached(name):
        return None
    label = label_of(name)
    timeout_s = DOWNLOAD_TIMEOUT_S if timeout_s is None else timeout_s
    if offline_forced():
        return f"{label} is not available because downloads are switched off here (DLTEACH_OFFLINE): using the bundled 8×8 digits instead."
    with _downloads_lock:
        thread = _downloads.get(name)
        if thread is None or not thread.is_alive():
            thread = threading.Thread(target=_download, args=(name, loader or _keras_loader(name)), name=f"download-{name}", daemon=True)
            _downloads[name] = thread
            thread.start()
    started, cache_dir = time.monotonic(), keras_cache_dir()
    while thread.is_alive() and time.monotonic() - started < timeout_s:
        thread.join(0.5)
        if progress is not None:
            progress(_downloaded_fraction(name, cache_dir))
    seconds = time.monotonic() - started
    if thread.is_alive():
        return f"{label} did not finish downloading within {timeout_s:.0f} s (it goes on in the background): using the bundled 8×8 digits for now."
    if name in _download_errors or not is_cached(name):
        reason = _download_errors.get(name, "the files did not appear in Keras' cache")
        return f"{label} could not be downloaded within {timeout_s:.0f} s ({reason}): using the bundled 8×8 digits instead, which need no internet."
    return f"Downloaded {label} ({DOWNLOADS[name].megabytes:g} MB) in {seconds:.0f} s; it is cached for next time."


# ---------------------------------------------------------------- any set by name


@lru_cache(maxsize=3)
def _cached_set(name: str) -> ImageSet | None:
    return read_cached(name)


@lru_cache(maxsize=2)
def _downloaded(name: str) -> ImageSet:
    (x_train, y_train), _ = _keras_loader(name)()
    return _to_image_set(name, x_train, y_train)


def _fallback(name: str, reason: str) -> ImageSet:
    fallback = digits()
    note = f"{label_of(name)} is not available because {reason}. Showing the bundled 8×8 digits instead, which need no internet."
    return ImageSet(fallback.images, fallback.labels, fallback.class_names, "digits", note)


def load_images(name: str, loader: Callable | None = None, download: bool = True) -> ImageSet:
    """A labelled image set by name; a downloadable set that is not here falls back to the bundled digits with a note.

    ``loader`` replaces Keras' downloader (a callable returning
    ``((x_train, y_train), (x_test, y_test))`` like ``keras.datasets.mnist.load_data``);
    tests pass one, so they never touch the network. With ``download=False``
    only Keras' cache is read (call :func:`fetch` first). A training worker
    process (``DLTEACH_WORKER=1``) never downloads: a download must not hold
    a training slot, so pages fetch before they ask for a training.
    """
    download = download and not os.environ.get("DLTEACH_WORKER")
    if name == "digits":
        return digits()
    if name in ENLARGED_DIGITS:
        return dataclasses.replace(enlarged_digits(int(name.removeprefix("digits"))), name=name)
    if name not in ALL_DATASETS:
        raise ValueError(f"unknown image data set {name!r}; choose from {tuple(ALL_DATASETS)}")
    if offline_forced() and loader is None:
        return _fallback(name, "downloads are switched off here (DLTEACH_OFFLINE)")
    try:
        if loader is not None:
            (x_train, y_train), _ = loader()
            return _to_image_set(name, x_train, y_train)
        cached = _cached_set(name) if is_cached(name) else None
        if cached is not None:
            return cached
        if not download:
            return _fallback(name, "it has not been downloaded to this machine yet")
        return _downloaded(name)
    except Exception as error:  # the Keras downloader raises a bare Exception when offline
        return _fallback(name, f"the download failed ({str(error).splitlines()[0][:160] if str(error) else type(error).__name__})")


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
