"""Residual-networks page: the default four-network degradation run and one 2-D loss landscape.

- ``resnet_degradation_s``: the page's default comparison (plain and residual MLPs of 10 and 34
  layers on the spiral, 20 epochs), trained to the end, with the final training losses it found;
- ``loss_landscape_2d_s``: a 21x21 landscape (441 evaluations of the whole training set) around one
  trained default network of the landscape tab, training not included.

``page_first_figure_s.resnet`` (the live chart's first draw: build, compile and one epoch of the
four networks) is timed with every other page by bench/pages.py.
"""

from __future__ import annotations

import time

TARGETS_S = {"resnet_degradation_s": 30.0, "loss_landscape_2d_s": 10.0}


def _figure(seconds: float, target: float, **extra) -> dict:
    return {"seconds": round(seconds, 3), "target_s": target, "ratio_to_target": round(seconds / target, 2), **extra}


def measure() -> dict:
    from dlcore.experiments.resnet import degradation, landscape

    degradation.run(degradation.Config(epochs=1))  # warm-up: TensorFlow imported, kernels loaded
    start = time.perf_counter()
    result = degradation.run(degradation.Config())
    degradation_s = time.perf_counter() - start
    losses = {run.label: round(run.final_train_loss, 5) for run in result.runs}

    config = landscape.Config()
    task, networks, _ = landscape.train_pair(config)
    grid = landscape.grid_values(21, config.span)
    start = time.perf_counter()
    surface = landscape.landscape(networks[1], task.split.x_train, task.split.y_train, task.task, grid, grid, config.direction_seed)
    landscape_s = time.perf_counter() - start
    return {
        "resnet_degradation_s": _figure(degradation_s, TARGETS_S["resnet_degradation_s"], final_training_loss=losses, finding=result.finding.sentence.replace("**", "")),
        "loss_landscape_2d_s": _figure(landscape_s, TARGETS_S["loss_landscape_2d_s"], network=networks[1].name, grid="21x21", centre_loss=round(float(surface[10, 10]), 5)),
    }


if __name__ == "__main__":
    import json

    print(json.dumps(measure(), indent=2))
