"""The image loaders on small files written here in Keras' own cache formats: never the network, never skipped."""

import gzip
import pickle
import threading
import time

import numpy as np
import pytest

from dlcore import images


@pytest.fixture
def keras_home(tmp_path, monkeypatch):
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    monkeypatch.delenv("DLTEACH_OFFLINE", raising=False)
    images._cached_set.cache_clear()
    (tmp_path / "datasets").mkdir()
    yield tmp_path / "datasets"
    images._cached_set.cache_clear()


def _pixels(count, *shape, seed=0):
    return np.random.default_rng(seed).integers(0, 256, (count, *shape), dtype=np.uint8)


def write_mnist(folder, count=30):
    x, y = _pixels(count, 28, 28), (np.arange(count) % 10).astype(np.uint8)
    np.savez(folder / "mnist.npz", x_train=x, y_train=y, x_test=x[:5], y_test=y[:5])
    return x, y


def _idx(path, array):
    """IDX: two zero bytes, 0x08 (unsigned bytes), the number of dimensions, each dimension as a big-endian uint32, the values."""
    with gzip.open(path, "wb") as handle:
        handle.write(bytes([0, 0, 8, array.ndim]) + np.array(array.shape, dtype=">u4").tobytes() + array.astype(np.uint8).tobytes())


def write_fashion(folder, count=25):
    (folder / "fashion-mnist").mkdir()
    x, y = _pixels(count, 28, 28, seed=1), (np.arange(count) % 10).astype(np.uint8)
    _idx(folder / "fashion-mnist" / "train-images-idx3-ubyte.gz", x)
    _idx(folder / "fashion-mnist" / "train-labels-idx1-ubyte.gz", y)
    return x, y


def write_cifar(folder, count=20):
    batches = folder / "cifar-10-batches-py-target" / "cifar-10-batches-py"
    batches.mkdir(parents=True)
    x = _pixels(count, 3, 32, 32, seed=2)
    y = [int(v) for v in np.arange(count) % 10]
    with open(batches / "data_batch_1", "wb") as handle:
        pickle.dump({b"batch_label": b"training batch 1 of 5", b"labels": y, b"data": x.reshape(count, 3072)}, handle, protocol=2)
    return x.transpose(0, 2, 3, 1), np.array(y)


@pytest.mark.parametrize(("name", "writer", "shape"), [("mnist", write_mnist, (28, 28, 1)), ("fashion_mnist", write_fashion, (28, 28, 1)), ("cifar10", write_cifar, (32, 32, 3))])
def test_cached_files_in_keras_format_are_read_without_the_network(keras_home, monkeypatch, name, writer, shape):
    monkeypatch.setattr(images, "_keras_loader", lambda _: pytest.fail("the downloader was called"))
    assert images.read_cached(name) is None and not images.is_cached(name)
    x, y = writer(keras_home)
    assert images.is_cached(name) and images.fetch(name) is None  # already here: nothing to download, nothing to say
    loaded = images.read_cached(name)
    assert loaded.name == name and loaded.image_shape == shape and loaded.note is None
    np.testing.assert_allclose(loaded.images.reshape(x.shape), x / 255.0, atol=1e-7)
    np.testing.assert_array_equal(loaded.labels, y)
    assert loaded.class_names == images.DOWNLOADS[name].class_names
    by_name = images.load_images(name, download=False)
    assert by_name.name == name and len(by_name.images) == len(x)


def test_a_damaged_or_hostile_file_is_refused(keras_home):
    write_fashion(keras_home)
    _idx(keras_home / "fashion-mnist" / "train-images-idx3-ubyte.gz", np.arange(5))  # a label file where the images belong
    with pytest.raises(ValueError, match="magic"):
        images.read_cached("fashion_mnist")
    batches = keras_home / "cifar-10-batches-py-target" / "cifar-10-batches-py"
    batches.mkdir(parents=True)

    class Hostile:
        def __reduce__(self):
            return (print, ("this must not run",))

    (batches / "data_batch_1").write_bytes(pickle.dumps({b"data": Hostile(), b"labels": [0]}))
    with pytest.raises(pickle.UnpicklingError, match="not allowed"):
        images.read_cached("cifar10")
    assert images.load_images("cifar10", download=False).name == "digits"  # and the page falls back instead of failing


def test_not_downloaded_falls_back_to_bundled_digits_with_one_line(keras_home):
    loaded = images.load_images("cifar10", download=False)
    assert loaded.name == "digits" and loaded.note.count("\n") == 0 and "not been downloaded" in loaded.note


def test_fetch_downloads_once_then_reports(keras_home):
    calls = []

    def fake_download():
        calls.append(1)
        time.sleep(0.3)
        write_mnist(keras_home)

    message = images.fetch("mnist", timeout_s=10, loader=fake_download, progress=lambda f: None)
    assert message.startswith("Downloaded MNIST") and "cached" in message and calls == [1]
    assert images.fetch("mnist", loader=fake_download) is None and calls == [1]


def test_fetch_failure_and_timeout_give_one_line_with_the_seconds(keras_home):
    def offline():
        raise Exception("URL fetch failure on https://example.invalid/x: None -- [Errno -2] Name or service not known")

    message = images.fetch("fashion_mnist", timeout_s=5, loader=offline)
    assert "could not be downloaded within 5 s" in message and "Name or service not known" in message and "\n" not in message
    release = threading.Event()
    message = images.fetch("cifar10", timeout_s=0.3, loader=lambda: release.wait(5))
    assert "did not finish downloading within 0 s" in message and "background" in message
    release.set()


def test_forced_offline_fetch_never_downloads(keras_home, monkeypatch):
    monkeypatch.setenv("DLTEACH_OFFLINE", "1")
    message = images.fetch("mnist", loader=lambda: pytest.fail("downloaded"))
    assert "DLTEACH_OFFLINE" in message and images.fetch("digits28") is None


def test_enlarged_digits_by_name():
    for side in (28, 32):
        loaded = images.load_images(f"digits{side}")
        assert loaded.name == f"digits{side}" and loaded.image_shape == (side, side, 1) and len(loaded.images) == 1797
        assert 0.0 <= loaded.images.min() and loaded.images.max() <= 1.0
    with pytest.raises(ValueError, match="unknown image data set"):
        images.load_images("imagenet")
