"""The 2-D target distributions of the game, and the checks every drawn or uploaded point set passes.

Each target is a sampler: a pure function of (number of points, seed). The
ring of 8 and the grid of 25 are mixtures of narrow Gaussians whose centres
are known, so "modes covered" counts them exactly; two moons, a spiral and the
student's own points have no named modes, so :mod:`.metrics` finds regions
of them instead. Every set is scaled to lie within ``[-PLANE, PLANE]²``, the
square the page draws.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

import numpy as np

TARGETS = {
    "ring": "Ring of 8 Gaussians",
    "grid": "Grid of 25 Gaussians",
    "moons": "Two moons",
    "spiral": "Spiral",
    "custom": "Your own points (draw or upload)",
}
PLANE = 2.5  # the drawn square is [-PLANE, PLANE]²; targets fit inside [-2, 2]²
FIT_HALF_WIDTH = 2.0  # uploaded and drawn sets are rescaled to this half-width
RING_RADIUS, RING_STD = 2.0, 0.05
GRID_SPACING, GRID_STD = 0.9, 0.05
MIN_POINTS, MAX_POINTS = 20, 3000  # a custom set's size (rows of a CSV)
MAX_UPLOAD_BYTES = 1_000_000


@dataclass(frozen=True)
class TargetSample:
    """Real points of one target, with its known mode centres (None when the target names none)."""

    name: str
    points: np.ndarray  # (n, 2) float32
    centers: np.ndarray | None = None  # (modes, 2) for the Gaussian mixtures
    std: float | None = None  # each mixture component's standard deviation


def ring_centers() -> np.ndarray:
    angles = 2 * np.pi * np.arange(8) / 8
    return RING_RADIUS * np.stack([np.cos(angles), np.sin(angles)], axis=1)


def grid_centers() -> np.ndarray:
    ticks = GRID_SPACING * np.arange(-2, 3)
    return np.array([(x, y) for y in ticks for x in ticks], dtype=np.float64)


def _mixture(centers: np.ndarray, std: float, count: int, rng) -> np.ndarray:
    which = rng.integers(0, len(centers), count)
    return centers[which] + rng.normal(0.0, std, (count, 2))


def _moons(count: int, rng) -> np.ndarray:
    upper = rng.integers(0, 2, count).astype(bool)
    angle = rng.uniform(0.0, np.pi, count)
    x = np.where(upper, np.cos(angle), 1.0 - np.cos(angle))
    y = np.where(upper, np.sin(angle), 0.5 - np.sin(angle))
    points = np.stack([x - 0.5, y - 0.25], axis=1) * 1.3
    return points + rng.normal(0.0, 0.06, points.shape)


def _spiral(count: int, rng) -> np.ndarray:
    turn = np.sqrt(rng.uniform(0.02, 1.0, count))  # even density along the arm
    angle = 3.0 * np.pi * turn
    points = np.stack([turn * np.cos(angle), turn * np.sin(angle)], axis=1) * 2.0
    return points + rng.normal(0.0, 0.05, points.shape)


def sample_target(name: str, count: int, seed: int, points: tuple = ()) -> TargetSample:
    """`count` real points of target `name` (for "custom", the given `points`, checked and used as they are)."""
    rng = np.random.default_rng([seed, 7])
    if name == "ring":
        return TargetSample(name, _mixture(ring_centers(), RING_STD, count, rng).astype(np.float32), ring_centers(), RING_STD)
    if name == "grid":
        return TargetSample(name, _mixture(grid_centers(), GRID_STD, count, rng).astype(np.float32), grid_centers(), GRID_STD)
    if name == "moons":
        return TargetSample(name, _moons(count, rng).astype(np.float32))
    if name == "spiral":
        return TargetSample(name, _spiral(count, rng).astype(np.float32))
    if name == "custom":
        return TargetSample(name, check_points(np.asarray(points, dtype=np.float64)).astype(np.float32))
    raise ValueError(f"unknown target {name!r}; choose from {tuple(TARGETS)}")


# ---------------------------------------------------------------- the student's own points


class PointsError(ValueError):
    """A drawn or uploaded point set that cannot be trained on; the message says what is wrong."""


def check_points(points: np.ndarray) -> np.ndarray:
    """The same points if they can be a target: an (n, 2) array of finite numbers, MIN_POINTS <= n <= MAX_POINTS, not all equal."""
    if points.ndim != 2 or points.shape[1] != 2:
        raise PointsError(f"points need exactly two columns (x and y); got shape {points.shape}")
    if len(points) < MIN_POINTS:
        raise PointsError(f"a target needs at least {MIN_POINTS} points; got {len(points)}")
    if len(points) > MAX_POINTS:
        raise PointsError(f"at most {MAX_POINTS:,} points; got {len(points):,}")
    bad = ~np.isfinite(points).all(axis=1)
    if bad.any():
        rows = ", ".join(str(i + 1) for i in np.flatnonzero(bad)[:5])
        raise PointsError(f"{int(bad.sum())} point(s) are missing a value or are not finite (NaN or infinity), first at data row(s) {rows}")
    if np.ptp(points, axis=0).max() == 0:
        raise PointsError("all points are the same point: there is no distribution to learn")
    return points


def fit_to_plane(points: np.ndarray) -> np.ndarray:
    """Points moved and scaled (one factor for both axes) so they are centred and fill [-2, 2] along their wider side."""
    center = (points.max(axis=0) + points.min(axis=0)) / 2
    half_width = np.ptp(points, axis=0).max() / 2
    return (points - center) * (FIT_HALF_WIDTH / half_width)


def parse_points_csv(data: bytes) -> np.ndarray:
    """Points from a CSV file's bytes: two numeric columns, with or without a header row, comma, semicolon or tab separated.

    Raises :class:`PointsError` naming what is wrong (size, encoding, columns,
    non-numbers, NaN, too few or too many rows). Returns the points fitted to the plane.
    """
    if len(data) > MAX_UPLOAD_BYTES:
        raise PointsError(f"the file is {len(data) / 1e6:.1f} MB; at most {MAX_UPLOAD_BYTES / 1e6:.0f} MB")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise PointsError("the file is not UTF-8 text; save it as CSV") from None
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    if not lines:
        raise PointsError("the file is empty")
    separator = next((s for s in (",", ";", "\t") if s in lines[0]), None)
    split = [line.split(separator) if separator else line.split() for line in lines]
    widths = {len(row) for row in split}
    if widths != {2}:
        raise PointsError(f"every row needs exactly two columns (x and y); found rows with {', '.join(map(str, sorted(widths)))} column(s)")
    if _is_header(split[0]):
        split = split[1:]
    if len(split) > MAX_POINTS:
        raise PointsError(f"at most {MAX_POINTS:,} points; the file has {len(split):,} rows")
    try:
        points = np.loadtxt(io.StringIO("\n".join(",".join(row) for row in split)), delimiter=",", ndmin=2, dtype=np.float64)
    except ValueError:
        row = next(i for i, r in enumerate(split) if not _numbers(r))
        raise PointsError(f"data row {row + 1} is not two numbers: {','.join(split[row])[:40]!r}") from None
    return fit_to_plane(check_points(points))


def _numbers(row) -> bool:
    try:
        [float(value) for value in row]
    except ValueError:
        return False
    return True


def _is_header(row) -> bool:
    return not _numbers(row) and all(value.strip().strip('"').replace("_", "").isalpha() for value in row)


# ---------------------------------------------------------------- drawing by selecting cells of a grid

BRUSH_CELLS = 41  # the drawing grid is BRUSH_CELLS x BRUSH_CELLS positions over [-2, 2]²
POINTS_PER_CELL = 4


def brush_grid() -> np.ndarray:
    """The positions a student can select with the box or lasso tool: (BRUSH_CELLS², 2)."""
    ticks = np.linspace(-FIT_HALF_WIDTH, FIT_HALF_WIDTH, BRUSH_CELLS)
    x, y = np.meshgrid(ticks, ticks)
    return np.stack([x.ravel(), y.ravel()], axis=1)


def paint(cells, stroke: int) -> np.ndarray:
    """POINTS_PER_CELL points scattered around each selected grid position (a seeded jitter: the same stroke gives the same points)."""
    cells = np.asarray(cells, dtype=np.float64).reshape(-1, 2)
    spacing = 2 * FIT_HALF_WIDTH / (BRUSH_CELLS - 1)
    jitter = np.random.default_rng([stroke, 11]).uniform(-0.5, 0.5, (len(cells), POINTS_PER_CELL, 2)) * spacing
    return (cells[:, None, :] + jitter).reshape(-1, 2)


def as_config_points(points: np.ndarray) -> tuple:
    """Points as a hashable tuple of (x, y) pairs rounded to 4 decimals, for a frozen Config."""
    return tuple((round(float(x), 4), round(float(y), 4)) for x, y in np.asarray(points))
