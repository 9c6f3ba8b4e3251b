"""fused_update_speedup: TensorFlow's fused optimizer kernels against Keras' own update_step, side by side.

The same 3x16 MLP trains 20 epochs through the engine twice per repeat: once
with the update the app uses, once with Keras' ``update_step`` for every
variable. Adam is what dlcore.optimizers ships (ResourceApplyAdam). SGD's
candidate (ResourceApplyGradientDescent), which the app dropped because it did
not pay, is rebuilt here only to keep measuring that decision.
"""

from __future__ import annotations

import statistics
import types

from dlcore import data, engine
from dlcore.models import MLPSpec, build_mlp
from dlcore.optimizers import make_optimizer
from dlcore.steps import SupervisedStep

KEEP_AT = 1.3  # a fused kernel stays in the app only when it is at least this much faster


def _sgd_fused_candidate(optimizer, gradients, variables, learning_rate):
    from dlcore.device import tf

    for gradient, variable in zip(gradients, variables):
        tf.raw_ops.ResourceApplyGradientDescent(var=variable.handle, alpha=tf.cast(learning_rate, tf.float32), delta=gradient)


def _keras_rule(optimizer, gradients, variables, learning_rate):
    for gradient, variable in zip(gradients, variables):
        optimizer.update_step(gradient, variable, learning_rate)


def _ms_per_epoch(name: str, update, split) -> float:
    optimizer = make_optimizer(name, 0.01)
    if update is not None:
        optimizer._backend_update_step = types.MethodType(update, optimizer)
    step = SupervisedStep(build_mlp(MLPSpec(num_hidden_layers=3, units=16, seed=0)), optimizer, "binary")
    history = engine.fit(step, (split.x_train, split.y_train), None, engine.TrainSpec(epochs=20, batch_size=32))
    return 1000 * float(history.epochs["seconds"].iloc[1:].median())


def measure(repeats: int = 7) -> dict:
    split = data.toy_dataset("moons", num_samples=1000, noise=0.2, validation_fraction=0.01, seed=0)
    candidates = {"adam": None, "sgd": _sgd_fused_candidate}  # None: the app's own update (fused for Adam)
    results = {}
    for name, fused in candidates.items():
        fused_ms, keras_ms = [], []
        for _ in range(repeats):  # interleaved
            fused_ms.append(_ms_per_epoch(name, fused, split))
            keras_ms.append(_ms_per_epoch(name, _keras_rule, split))
        ratio = statistics.median(keras_ms) / statistics.median(fused_ms)
        results[name] = {
            "fused_ms_per_epoch": round(statistics.median(fused_ms), 2),
            "keras_ms_per_epoch": round(statistics.median(keras_ms), 2),
            "speedup": round(ratio, 2),
            "kept_in_app": name == "adam",
        }
    results["keep_at"] = KEEP_AT
    return results
