"""TensorFlow start-up: quiet logging, CPU threading, device facts, seeds.

Import `tf` from here (``from dlcore.device import tf``) so that the set-up
below runs once per process, before TensorFlow builds its first op.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import lru_cache

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

tf.get_logger().setLevel("ERROR")
# The app's models are small chains of ops: running independent ops in parallel buys nothing and
# costs scheduling time, and on a shared server every session already trains on its own thread.
# Each op still uses all cores for its own work (intra-op threads stay at TensorFlow's default).
try:
    tf.config.threading.set_inter_op_parallelism_threads(1)
except RuntimeError:  # TensorFlow was already initialised by the host process
    pass

__all__ = ["tf", "DeviceInfo", "describe_device", "seeds_for"]


@dataclass(frozen=True)
class DeviceInfo:
    kind: str  # "GPU" or "CPU"
    name: str
    cpu_cores: int
    tensorflow_version: str
    keras_version: str

    @property
    def label(self) -> str:
        if self.kind == "GPU":
            return f"GPU: {self.name}"
        return f"CPU: {self.cpu_cores} cores"


@lru_cache(maxsize=1)
def describe_device() -> DeviceInfo:
    """What TensorFlow will train on in this process."""
    import keras

    gpus = tf.config.list_physical_devices("GPU")
    cores = os.cpu_count() or 1
    if gpus:
        details = tf.config.experimental.get_device_details(gpus[0])
        name = details.get("device_name", gpus[0].name)
        if len(gpus) > 1:
            name = f"{name} (x{len(gpus)})"
        return DeviceInfo("GPU", name, cores, tf.__version__, keras.__version__)
    return DeviceInfo("CPU", "CPU", cores, tf.__version__, keras.__version__)


def seeds_for(seed: int, count: int) -> list[int]:
    """Independent, reproducible integer seeds for `count` layers or streams.

    Every random piece (initializers, dropout masks, shuffles) gets its own
    explicit seed so that no global random state is shared between users.
    """
    sequence = np.random.SeedSequence(int(seed))
    return [int(s) for s in sequence.generate_state(count, dtype="uint32") % (2**31 - 1)]


_light_reset_installed = False


def keep_reruns_light() -> None:
    """Make Streamlit's after-run Keras reset cheap in the server process (once per process; call it from the app).

    After every script run of every session Streamlit calls
    ``keras.backend.clear_session()``, whose full garbage collection over
    TensorFlow's object graph holds the GIL for 0.5-3 s on two cores: while one
    student moved a slider a few times a second, the server stopped answering
    everyone else for 10-36 s at a time. Nothing trains in the server process
    (the runner's worker processes do), so the reset still clears Keras' global
    state but skips the collection; Python's own collector runs as usual (and
    ``runner.postScriptGC`` is off in .streamlit/config.toml for the same reason).
    """
    global _light_reset_installed
    import sys

    if _light_reset_installed or "keras" not in sys.modules:
        return
    import functools

    import keras

    original = keras.backend.clear_session
    keras.backend.clear_session = functools.wraps(original)(functools.partial(original, free_memory=False))
    _light_reset_installed = True
