"""Words for curves, computed from the curve: is a loss curve smooth, noisy or jumpy; does a path zig-zag.

Every word the page prints about a descent comes from here, so it always
describes the run on screen (a stochastic run whose loss jumps from 0.3 to 5
is never called smooth).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

RISE = 1.01  # an update "raised the loss" when it multiplied it by more than 1.01 (+1 %)
JUMP = 2.0  # a "jump": one update at least doubled the loss
TINY_OFFSET = 1e-4  # path offsets below this fraction of the largest one are float noise, not a crossing


@dataclass(frozen=True)
class CurveShape:
    """How a loss curve moves from one update to the next (finite part only)."""

    updates: int  # updates compared
    rises: int  # updates that raised the loss by more than 1 %
    biggest_jump: float  # largest loss(t) / loss(t-1); 1 or less when the loss never rose

    @property
    def word(self) -> str:
        """'smooth' (never rose more than 1 %), 'noisy' (rose, never doubled) or 'jumpy' (at least doubled once)."""
        if self.rises == 0:
            return "smooth"
        return "jumpy" if self.biggest_jump >= JUMP else "noisy"

    def sentence(self) -> str:
        """What the curve did, in words and the run's numbers."""
        if self.rises == 0:
            return f"fell (or held) at every one of its {self.updates:,} updates"
        jump = f"once multiplying it by {self.biggest_jump:.1f}" if self.biggest_jump >= JUMP else f"by at most {100 * (self.biggest_jump - 1):.0f} %"
        return f"rose on {self.rises:,} of its {self.updates:,} updates, {jump}"


def curve_shape(loss: np.ndarray) -> CurveShape:
    """Step-to-step behaviour of a loss curve (NaN/inf points at the end, after a divergence, are left out)."""
    loss = np.asarray(loss, np.float64)
    finite = loss[: int(np.argmax(~np.isfinite(loss))) if not np.all(np.isfinite(loss)) else len(loss)]
    if len(finite) < 2:
        return CurveShape(0, 0, 1.0)
    ratios = finite[1:] / np.maximum(finite[:-1], 1e-300)
    return CurveShape(len(ratios), int(np.sum(ratios > RISE)), float(np.max(ratios)))


@dataclass(frozen=True)
class PathCrossings:
    """How often a path crossed the valley floor (the line through the minimum along its flat direction)."""

    steps: int  # consecutive pairs of points compared (both clearly off the floor)
    crossings: int  # how many of them lie on opposite sides

    @property
    def oscillates(self) -> bool:
        """The path bounces from one side of the valley to the other on at least half its steps."""
        return self.crossings >= 2 and self.crossings >= 0.5 * self.steps


def path_crossings(path: np.ndarray, minimum, steep_direction) -> PathCrossings:
    """Sign changes of the path's offset across the valley (its component along the steepest curvature)."""
    path = np.asarray(path, np.float64)
    path = path[np.all(np.isfinite(path), axis=1)]
    offsets = (path - np.asarray(minimum, np.float64)) @ np.asarray(steep_direction, np.float64)
    if len(offsets) < 2:
        return PathCrossings(0, 0)
    clear = np.abs(offsets) > TINY_OFFSET * np.max(np.abs(offsets))
    pairs = clear[1:] & clear[:-1]
    flips = pairs & (np.sign(offsets[1:]) != np.sign(offsets[:-1]))
    return PathCrossings(int(pairs.sum()), int(flips.sum()))


def last_epoch_range(run) -> tuple[float, float]:
    """(lowest, highest) full training loss over the last epoch's updates of a run."""
    tail = np.asarray(run.path_loss[-run.updates_per_epoch :], np.float64)
    tail = tail[np.isfinite(tail)]
    return (float(tail.min()), float(tail.max())) if len(tail) else (float("nan"), float("nan"))


def mode_notes(result, labels: dict) -> tuple[str, str]:
    """The two captions of part 1 (paths, then loss per epoch), computed from the three runs.

    ``labels`` maps a mode to its name on screen.
    """
    minimum = result.minimum_loss
    path_parts, epoch_losses = [], {}
    for run in result.runs:
        label = labels[run.mode]
        if run.divergence is not None:
            path_parts.append(f"**{label}** overflowed at update {run.divergence.step}")
            continue
        low, high = last_epoch_range(run)
        ending = f"; over its last epoch the loss stayed between {low:.3g} and {high:.3g}" if run.updates_per_epoch > 1 else ""
        path_parts.append(
            f"**{label}** ({run.num_updates:,} updates) is {curve_shape(run.path_loss).word}: its loss {curve_shape(run.path_loss).sentence()}{ending}"
        )
        after_one = float(run.epochs["train_loss"].iloc[0])
        if np.isfinite(after_one):
            epoch_losses[label] = after_one
    path_note = "; ".join(path_parts) + f". The lowest possible training loss is {minimum:.3g} (the star)."
    if not epoch_losses:
        return path_note, "every variant overflowed: lower the learning rate."
    ranked = sorted(epoch_losses, key=epoch_losses.get)
    after = ", ".join(f"{name} {epoch_losses[name]:.3g}" for name in ranked)
    finals = {labels[run.mode]: float(run.path_loss[-1]) for run in result.runs if run.divergence is None and np.isfinite(run.path_loss[-1])}
    best_final = min(finals, key=finals.get)
    loss_note = (
        f"after one epoch (every example seen once) the training loss was {after}: **{ranked[0]}** was ahead, "
        f"having made the most progress per example. At the end, **{best_final}** is lowest ({finals[best_final]:.3g})."
    )
    smooth = [labels[run.mode] for run in result.runs if run.divergence is None and curve_shape(run.path_loss).word == "smooth"]
    if smooth and len(smooth) < len(finals):
        loss_note += (
            f" Per update, only {', '.join(smooth)} fell without a rise: each of {'its' if len(smooth) == 1 else 'their'} steps averaged over more examples."
        )
    return path_note, loss_note
