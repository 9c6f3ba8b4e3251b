"""What the optimizer race on screen shows, in sentences computed from its paths and losses.

The caption follows the chosen landscape and the run: who got lowest, who
diverged, stalled or kept bouncing, how Adam's first steps really point, how
AdaGrad's steps shrink. Nothing here is a fixed claim about "the ravine".
"""

from __future__ import annotations

import numpy as np

from dlcore import landscapes

STALLED = 0.5  # a runner whose final loss gap is still above half its starting gap has stalled
BOUNCE = 100.0  # ended this many times further above the minimum than its best point: it bounces around it
ESCAPED = 0.5  # saddle: |y| beyond this has left the ridge toward a minimum
ARRIVED = 0.1  # Rosenbrock: within this distance of (1, 1)


def loss_gaps(result, name: str) -> np.ndarray:
    """Loss above the landscape's true minimum at each step (NaN once the runner dropped out), never below 0."""
    return np.maximum(np.asarray(result.losses[name], np.float64) - result.minimum_loss, 0.0)


def gap_text(gap: float, minimum_loss: float) -> str:
    """A loss gap in words; below float32 resolution it is 'at the minimum'."""
    if gap <= precision_floor(minimum_loss):
        return "at the minimum (to float32 precision)"
    return f"{gap:.1e} above the minimum loss"


def precision_floor(minimum_loss: float) -> float:
    """The smallest loss gap float32 can show next to this minimum (a few units in the last place, at least 1e-12)."""
    return max(1e-12, 4 * float(np.spacing(np.float32(abs(minimum_loss)))))


def first_step(path: np.ndarray, condition) -> int | None:
    """The first step at which `condition(points)` holds, or None."""
    hits = np.flatnonzero(condition(path))
    return int(hits[0]) if len(hits) else None


def angle(vector) -> float:
    """Direction of a 2-D vector in degrees (0° = +x, 90° = +y)."""
    return float(np.degrees(np.arctan2(vector[1], vector[0])))


def adam_first_steps(result) -> dict | None:
    """Adam's first step (dx, dy and its angle), the angle from the start to the nearest minimum, and the angle of
    its 10th step; None when Adam did not make a first step."""
    path = result.paths["adam"]
    if len(path) < 2 or not np.all(np.isfinite(path[1])):
        return None
    start = path[0]
    minima = np.asarray(result.landscape.minima, np.float64)
    target = minima[np.argmin(np.linalg.norm(minima - start, axis=1))]
    step = path[1] - path[0]
    tenth = path[10] - path[9] if len(path) > 10 and np.all(np.isfinite(path[9:11])) else None
    return dict(dx=float(step[0]), dy=float(step[1]), angle=angle(step), target=angle(target - start), tenth=None if tenth is None else angle(tenth))


def landscape_sentence(result, names, labels) -> str:
    """What this landscape is and what it did to the runners shown."""
    kind, steps = result.landscape.name, len(result.paths[names[0]]) - 1
    curved = f"At its minimum this loss is {result.curvature_ratio:.0f} times more curved in its steepest direction than in its flattest."
    if kind == "ravine":
        text = f"The ravine is {landscapes.RAVINE_CURVATURES[1] / landscapes.RAVINE_CURVATURES[0]:.0f} times more curved across (y) than along (x)."
        if "sgd" in names and result.diverged_at["sgd"] is None:
            path = result.paths["sgd"]
            across = first_step(path, lambda p: np.abs(p[:, 1]) < 0.01 * abs(path[0, 1]))
            along = first_step(path, lambda p: np.abs(p[:, 0]) < 0.01 * abs(path[0, 0]))
            text += (
                f" Plain SGD's learning rate is limited by the steep direction: it came within 1 % of the floor across the valley "
                f"{f'by step {across}' if across is not None else 'never'}, and within 1 % of the minimum along the valley "
                f"{f'only by step {along}' if along is not None else f'not in {steps} steps (still {abs(path[-1, 0]):.2f} away in x)'}."
            )
        return text
    if kind == "saddle":
        escapes = {name: first_step(result.paths[name], lambda p: np.abs(p[:, 1]) > ESCAPED) for name in names}
        out = sorted((step, labels[name]) for name, step in escapes.items() if step is not None)
        stuck = [labels[name] for name, step in escapes.items() if step is None]
        text = f"The start lies almost on the ridge (y = {result.landscape.start[1]:g}), where the slope toward either minimum is nearly zero."
        if out:
            text += f" First off the ridge (|y| > {ESCAPED}): {', '.join(f'{label} at step {step}' for step, label in out[:3])}."
        if stuck:
            text += f" Still on it after {steps} steps: {', '.join(stuck)}."
        return text
    if kind == "rosenbrock":
        arrivals = {name: first_step(result.paths[name], lambda p: np.linalg.norm(p - np.array([1.0, 1.0]), axis=1) < ARRIVED) for name in names}
        arrived = sorted((step, labels[name]) for name, step in arrivals.items() if step is not None)
        text = "The banana valley is quick to fall into and slow to follow along its curved, nearly flat floor. " + curved
        if arrived:
            return text + f" Within {ARRIVED} of the minimum: {', '.join(f'{label} at step {step}' for step, label in arrived)}."
        return text + f" No optimizer came within {ARRIVED} of the minimum in {steps} steps."
    return f"This is the loss of the real two-parameter model of part 1. {curved}"


def race_notes(result, names, labels: dict) -> list[str]:
    """The caption under the race, one sentence or two per point: the landscape, then the outcome for the optimizers
    shown, from the run's numbers."""
    sentences = [landscape_sentence(result, names, labels)]
    finals = {}
    for name in names:
        gaps = loss_gaps(result, name)
        if result.diverged_at[name] is not None:
            continue
        finals[name] = gaps[-1]
        best = int(np.nanargmin(gaps))
        if gaps[-1] > BOUNCE * gaps[best] and gaps[-1] > 1e-4 * gaps[0]:
            sentences.append(
                f"{labels[name]} came within {gaps[best]:.1e} of the minimum at step {best} but ends {gaps[-1]:.1e} above it: its steps did not shrink there, so it bounces around the minimum."
            )
    if finals:
        leader = min(finals, key=finals.get)
        sentences.insert(1, f"Lowest at the end: **{labels[leader]}**, {gap_text(finals[leader], result.minimum_loss)}.")
        stalled = [labels[name] for name in finals if finals[name] > STALLED * loss_gaps(result, name)[0]]
        if stalled:
            sentences.append(f"Stalled (still more than half-way up from the start): {', '.join(stalled)}.")
    gone = [f"{labels[name]} (step {result.diverged_at[name]})" for name in names if result.diverged_at[name] is not None]
    if gone:
        sentences.append(f"Diverged: {', '.join(gone)}.")
    if "adam" in names and (first := adam_first_steps(result)) is not None:
        turned = f"; by its 10th step it heads at {first['tenth']:.0f}°" if first["tenth"] is not None else ""
        sentences.append(
            f"Adam's first step moved {first['dx']:+.2f} in x and {first['dy']:+.2f} in y, at {first['angle']:.0f}°, while the nearest minimum lies at "
            f"{first['target']:.0f}° from the start: its first update is about the learning rate times the sign of each gradient coordinate, "
            f"so it sets off diagonally whatever the slopes{turned}."
        )
    if "adagrad" in names and result.diverged_at["adagrad"] is None:
        lengths = np.linalg.norm(np.diff(result.paths["adagrad"], axis=0), axis=1)
        sentences.append(
            f"AdaGrad divides each coordinate's step by the root of the sum of all its past squared gradients, so its effective learning rate per coordinate only shrinks: "
            f"its last step was {lengths[-1] / max(lengths[0], 1e-300):.1e} times its first."
        )
    return sentences
