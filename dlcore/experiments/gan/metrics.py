"""How well generated points match the target: modes covered and the share of high-quality samples.

Two standard numbers from the mode-collapse literature, computed on a fixed
set of generated points (numpy only, so they can be tested on hand-made sets):

- a generated point is **high quality** when it lies on the data: within three
  standard deviations of a mode's centre for the Gaussian mixtures (ring,
  grid); for the other targets, at most as far from the nearest real point as
  95% of real points are from their own nearest neighbour;
- a mode is **covered** when it receives at least a fifth of its fair share of
  the high-quality points (fair share: the mode's share of the real data).
  A handful of stray points on a mode does not count as covering it.

Targets without named modes (moons, spiral, your own points) are cut into
:data:`REGIONS` regions by k-means on the real points; a region plays the part of a mode.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

REGIONS = 8  # regions of a target without named modes
COVERED_SHARE = 0.2  # a mode is covered with at least this fraction of its fair share of points
SIGMAS = 3.0  # high quality: within this many standard deviations of a mode centre
NEIGHBOUR_QUANTILE = 0.95  # ... or as close to the data as this share of real points are to their nearest neighbour


@dataclass(frozen=True)
class ModeReference:
    """What generated points are compared with."""

    centers: np.ndarray  # (modes, 2): mode centres, or region centres
    share: np.ndarray  # (modes,): each mode's share of the real data
    radius: float  # the high-quality distance (to a centre, or to the nearest real point)
    named: bool  # True: known mixture modes (distance to centres); False: k-means regions (distance to real points)
    real: np.ndarray | None = None  # (n, 2) real points, for regions
    region_of_real: np.ndarray | None = None  # (n,) region of each real point

    @property
    def num_modes(self) -> int:
        return len(self.centers)

    def describe(self) -> str:
        if self.named:
            return f"{self.num_modes} Gaussian modes; high quality = within {SIGMAS:g} standard deviations ({self.radius:.2f}) of a mode's centre"
        return (f"{self.num_modes} regions of the data (k-means); high quality = within {self.radius:.2f} of a real point "
                f"({NEIGHBOUR_QUANTILE:.0%} of real points have a neighbour that close)")


@dataclass(frozen=True)
class Coverage:
    modes_covered: int
    num_modes: int
    high_quality_share: float  # of all generated points
    counts: np.ndarray  # (modes,) high-quality points on each mode


def named_modes(centers: np.ndarray, std: float) -> ModeReference:
    centers = np.asarray(centers, dtype=np.float64)
    return ModeReference(centers, np.full(len(centers), 1.0 / len(centers)), SIGMAS * float(std), True)


def data_regions(real: np.ndarray, seed: int = 0, regions: int = REGIONS) -> ModeReference:
    """k-means regions of the real points, and the nearest-neighbour distance that counts as 'on the data'."""
    from scipy.spatial import cKDTree
    from sklearn.cluster import KMeans

    real = np.asarray(real, dtype=np.float64)
    count = min(regions, len(np.unique(real, axis=0)))
    kmeans = KMeans(n_clusters=count, n_init=3, random_state=seed).fit(real)
    distances, _ = cKDTree(real).query(real, k=2)  # the nearest other point is the second hit
    radius = float(np.quantile(distances[:, 1], NEIGHBOUR_QUANTILE))
    labels = kmeans.labels_.astype(np.int32)
    share = np.bincount(labels, minlength=count) / len(real)
    return ModeReference(kmeans.cluster_centers_, share, radius, False, real, labels)


def reference_for(sample) -> ModeReference:
    """The reference of a :class:`~.targets.TargetSample`: its named modes, else regions of its points."""
    if sample.centers is not None:
        return named_modes(sample.centers, sample.std)
    return data_regions(sample.points)


def coverage(generated: np.ndarray, reference: ModeReference) -> Coverage:
    """Modes covered and the high-quality share of a set of generated points (NaN points count as off the data)."""
    points = np.asarray(generated, dtype=np.float64).reshape(-1, 2)
    finite = np.isfinite(points).all(axis=1)
    points = np.where(finite[:, None], points, 1e9)  # far from everything
    if reference.named:
        distance = np.linalg.norm(points[:, None, :] - reference.centers[None], axis=2)
        nearest, gap = distance.argmin(axis=1), distance.min(axis=1)
    else:
        from scipy.spatial import cKDTree

        gap, index = cKDTree(reference.real).query(points)
        nearest = reference.region_of_real[np.minimum(index, len(reference.real) - 1)]
    good = finite & (gap <= reference.radius)
    counts = np.bincount(nearest[good], minlength=reference.num_modes)
    fair = COVERED_SHARE * len(points) * reference.share
    covered = int(np.sum(counts >= np.maximum(fair, 1.0))) if len(points) else 0
    return Coverage(covered, reference.num_modes, float(good.mean()) if len(points) else 0.0, counts)
