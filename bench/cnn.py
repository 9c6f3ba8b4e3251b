"""Convolutional-networks figures: the default CNN on the bundled 8x8 digits, and LeNet-5 at 32x32.

- cnn_digits: seconds from the call until the default CNN (alone, without the
  comparison MLP) first reaches 95% validation accuracy, measured from the
  engine's per-epoch progress, and the accuracy its run ends with. Targets:
  at most 20 s, final at least 97%.
- lenet_digits32_epoch_s: seconds per epoch of LeNet-5 on the digits enlarged
  to 32x32 (the steady epochs after the first, which also compiles); reported.
(page_first_figure_s.cnn is timed with every page's first figure by bench/pages.py.)
"""

from __future__ import annotations

import dataclasses
import time

from dlcore.experiments import cnn

TARGET_SECONDS_TO_95 = 20.0
TARGET_FINAL_ACCURACY = 0.97


def cnn_digits() -> dict:
    config = dataclasses.replace(cnn.TrainConfig(), compare_mlp=False)
    reached = []
    started = time.perf_counter()

    def progress(info):
        table = info.epochs_table
        if not reached and table is not None and len(table) and table["val_accuracy"].iloc[-1] >= 0.95:
            reached.append((time.perf_counter() - started, int(table["epoch"].iloc[-1])))

    result = cnn.train_cnn(config, progress)
    total = time.perf_counter() - started
    seconds, epoch = reached[0] if reached else (float("nan"), None)
    return {
        "seconds_to_95": round(seconds, 2),
        "epoch_reaching_95": epoch,
        "final_val_accuracy": round(result.cnn.val_accuracy, 4),
        "epochs": config.epochs,
        "total_s": round(total, 2),
        "parameters": result.cnn.parameters,
        "target_s": TARGET_SECONDS_TO_95,
        "target_final_accuracy": TARGET_FINAL_ACCURACY,
        "ratio_to_target": round(seconds / TARGET_SECONDS_TO_95, 2),
    }


def lenet_digits32_epoch_s() -> dict:
    config = cnn.LeNetConfig(epochs=5)
    result = cnn.train_lenet(config)
    return {"seconds": round(result.seconds_per_epoch, 3), "epochs": config.epochs, "train_images": result.train_size, "val_accuracy": round(result.network.val_accuracy, 4)}


def measure() -> dict:
    cnn.train_cnn(cnn.TrainConfig(epochs=1, train_size=100, compare_mlp=False))  # warm-up: TensorFlow loaded, kernels ready
    return {"cnn_digits": cnn_digits(), "lenet_digits32_epoch_s": lenet_digits32_epoch_s()}


if __name__ == "__main__":
    import json

    print(json.dumps(measure(), indent=1))
