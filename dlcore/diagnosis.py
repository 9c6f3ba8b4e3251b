"""A plain-language fit diagnosis read off training and validation error curves.

Pure numpy, so it can be checked on curves built by hand. The rules, in order:

1. **Overfitting (rising)**: the validation error ended more than
   ``rise_tolerance`` above its lowest value while the training error kept
   falling after that epoch: the model is learning the training set's noise.
2. **Underfitting**: the final training error is above ``high_error`` (a
   level the caller knows is poor for its problem): the model cannot even
   fit the data it sees, so both errors are high.
3. **Overfitting (gap)**: validation error is more than ``1 / (1 - gap_tolerance)``
   times the training error (by default over twice): the model does far
   better on what it memorised than on new data.
4. Otherwise a **good fit**.

:func:`diagnose_against_floor` is the stricter reading for data whose noise
floor is known: it compares each error with the best any model can do.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

UNDERFITTING, GOOD_FIT, OVERFITTING = "underfitting", "good fit", "overfitting"


@dataclass(frozen=True)
class Diagnosis:
    label: str  # UNDERFITTING, GOOD_FIT or OVERFITTING
    best_epoch: int  # 1-based epoch with the lowest validation error
    best_val_error: float
    final_train_error: float
    final_val_error: float
    reason: str  # one sentence with the numbers behind the label

    @property
    def gap(self) -> float:
        return self.final_val_error - self.final_train_error

    @property
    def rise(self) -> float:
        """How far the validation error ended above its lowest, as a fraction of the lowest."""
        return (self.final_val_error - self.best_val_error) / max(abs(self.best_val_error), 1e-12)


def _finite_curve(values, name: str) -> np.ndarray:
    curve = np.asarray(values, dtype=float).ravel()
    if curve.size == 0:
        raise ValueError(f"{name} error curve is empty")
    return curve


def _last_and_best(train_error, val_error):
    """Both curves as float arrays, the last epoch where both are finite, and the epoch of lowest finite validation error."""
    train = _finite_curve(train_error, "training")
    val = _finite_curve(val_error, "validation")
    if train.shape != val.shape:
        raise ValueError(f"training and validation curves differ in length: {train.size} vs {val.size}")
    finite = np.isfinite(train) & np.isfinite(val)
    if not finite.any():
        raise ValueError("no epoch has finite training and validation errors")
    return train, val, int(np.flatnonzero(finite)[-1]), int(np.nanargmin(np.where(finite, val, np.nan)))


def diagnose(train_error, val_error, high_error: float, rise_tolerance: float = 0.1, gap_tolerance: float = 0.5) -> Diagnosis:
    """Label a run from its per-epoch errors (any error where lower is better: MSE, cross-entropy, error rate).

    Non-finite entries (a diverged run) are ignored; a run with no finite
    validation value raises ValueError.
    """
    train, val, last, best = _last_and_best(train_error, val_error)
    final_train, final_val, best_val = float(train[last]), float(val[last]), float(val[best])
    rise = (final_val - best_val) / max(abs(best_val), 1e-12)
    kept_falling = train[last] < train[best]
    numbers = f"training error {final_train:.3g}, validation error {final_val:.3g}"
    if rise > rise_tolerance and kept_falling:
        label = OVERFITTING
        reason = (
            f"Validation error was lowest at epoch {best + 1} ({best_val:.3g}) and then rose {rise:.0%} while training "
            f"error kept falling (now {numbers}): the model is learning the noise of its training set."
        )
    elif final_train > high_error:
        label = UNDERFITTING
        reason = f"Both errors are high ({numbers}; poor is above {high_error:.3g}): the model is too simple or has not trained enough."
    elif final_val - final_train > gap_tolerance * final_val:
        label = OVERFITTING
        reason = f"Validation error is {final_val / max(final_train, 1e-12):.1f}× the training error ({numbers}): the model fits what it saw far better than new data."
    else:
        label = GOOD_FIT
        reason = f"Both errors are low and close ({numbers}); validation error was lowest at epoch {best + 1}."
    return Diagnosis(label, best + 1, best_val, final_train, final_val, reason)


def diagnose_against_floor(train_error, val_error, floor: float, baseline: float, tolerance: float = 0.25, rise_tolerance: float = 0.1) -> Diagnosis:
    """Label a run by where its errors sit between the noise floor and a know-nothing baseline.

    ``floor`` is the error a perfect model would still make on the validation
    points (the noise in the data cannot be predicted); ``baseline`` is the
    error of a model that learned nothing (the training mean, a coin flip).
    Both errors are read as a share of the way from the floor up to the
    baseline: 0 is perfect, 1 is no better than guessing. The rules, in order:

    1. **Underfitting**: the final training error is more than ``tolerance``
       of the way up (the model cannot even fit the points it sees).
    2. **Overfitting (rising)**: validation error ended more than
       ``rise_tolerance`` above its lowest while the training error kept
       falling, and it sits visibly above the floor (over 40% of ``tolerance``).
    3. **Overfitting (far from the floor)**: validation error is more than
       ``tolerance`` of the way up although the training error is not.
    4. Otherwise a **good fit**: validation error close to the floor.

    Unlike :func:`diagnose`, a gap between training and validation error is
    not overfitting by itself: a good model's training error is often below
    the floor by luck of the draw, and validation error can never go below it.
    """
    train, val, last, best = _last_and_best(train_error, val_error)
    final_train, final_val, best_val = float(train[last]), float(val[last]), float(val[best])
    span = max(baseline - floor, 1e-12)
    train_share, val_share = (final_train - floor) / span, (final_val - floor) / span
    rise = (final_val - best_val) / max(abs(best_val), 1e-12)
    numbers = f"training error {final_train:.3g}, validation error {final_val:.3g}, noise floor {floor:.3g}"
    if train_share > tolerance:
        label = UNDERFITTING
        reason = (
            f"Even the training error is far above the noise floor ({numbers}; a model that learned nothing scores {baseline:.3g}): "
            "the model is too simple, or has not trained enough, to follow the pattern."
        )
    elif rise > rise_tolerance and train[last] < train[best] and val_share > 0.4 * tolerance:
        label = OVERFITTING
        reason = (
            f"Validation error was lowest at epoch {best + 1} ({best_val:.3g}) and then rose {rise:.0%} while the training "
            f"error kept falling ({numbers}): the model is learning the noise of its training points."
        )
    elif val_share > tolerance:
        label = OVERFITTING
        reason = (
            f"The training points are fitted well but new points are not ({numbers}): the validation error is {val_share:.0%} "
            "of the way from the floor to knowing nothing, so the model learned its own points' noise."
        )
    else:
        label = GOOD_FIT
        reason = (
            f"Validation error is close to the noise floor, the best any model can do on these points ({numbers}); "
            f"it was lowest at epoch {best + 1}."
        )
    return Diagnosis(label, best + 1, best_val, final_train, final_val, reason)
