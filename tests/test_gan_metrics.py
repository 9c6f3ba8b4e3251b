"""The 2-D targets, the checks on a student's points, and the two numbers that judge generated points."""

import numpy as np
import pytest

from dlcore.experiments.gan import metrics, targets


def _around(centers, per_mode, std, seed=0):
    rng = np.random.default_rng(seed)
    return np.concatenate([c + rng.normal(0.0, std, (per_mode, 2)) for c in centers])


RING = metrics.named_modes(targets.ring_centers(), targets.RING_STD)


def test_every_mode_of_the_ring_covered_by_points_on_every_mode():
    cover = metrics.coverage(_around(targets.ring_centers(), 60, targets.RING_STD), RING)
    assert cover.modes_covered == 8 and cover.num_modes == 8
    assert cover.high_quality_share > 0.97  # 3 standard deviations hold 98.9% of a 2-D Gaussian's points
    assert cover.counts.sum() == pytest.approx(cover.high_quality_share * 480)


def test_one_mode_and_no_mode():
    one = metrics.coverage(_around(targets.ring_centers()[:1], 400, targets.RING_STD), RING)
    assert one.modes_covered == 1 and one.high_quality_share > 0.97
    between = 2.0 * np.stack([np.cos(np.pi / 8 + np.arange(8) * np.pi / 4), np.sin(np.pi / 8 + np.arange(8) * np.pi / 4)], axis=1)
    none = metrics.coverage(_around(between, 50, 0.02), RING)  # halfway between neighbouring modes: on none
    assert none.modes_covered == 0 and none.high_quality_share == 0.0
    origin = metrics.coverage(np.zeros((300, 2)), RING)  # a collapsed generator at the centre of the ring
    assert origin.modes_covered == 0 and origin.high_quality_share == 0.0


def test_a_few_stray_points_do_not_cover_a_mode():
    centers = targets.ring_centers()
    points = np.concatenate([_around(centers[:1], 390, 0.01), _around(centers[1:], 1, 0.01)])  # one point on each other mode
    cover = metrics.coverage(points, RING)
    assert cover.modes_covered == 1 and np.all(cover.counts[1:] == 1)
    # a fifth of the fair share is enough: 397 points, 8 modes -> 49.6 each, so 10 points cover a mode and 9 do not
    points = np.concatenate([_around(centers[:1], 377, 0.01), _around(centers[1:2], 10, 0.01), _around(centers[2:3], 9, 0.01)])
    assert metrics.coverage(points, RING).modes_covered == 2


def test_nan_points_count_as_off_the_data():
    points = _around(targets.ring_centers(), 20, 0.01)
    points[:80] = np.nan
    cover = metrics.coverage(points, RING)
    assert cover.high_quality_share == pytest.approx(0.5) and cover.modes_covered == 4


def test_regions_of_a_target_without_named_modes():
    sample = targets.sample_target("moons", 2000, seed=0)
    reference = metrics.reference_for(sample)
    assert not reference.named and reference.num_modes == metrics.REGIONS
    fresh = targets.sample_target("moons", 1000, seed=1).points  # new real points: all regions, nearly all on the data
    cover = metrics.coverage(fresh, reference)
    assert cover.modes_covered == metrics.REGIONS and cover.high_quality_share > 0.85
    in_one_region = sample.points[reference.region_of_real == 0]
    assert metrics.coverage(in_one_region, reference).modes_covered == 1
    assert metrics.coverage(np.full((100, 2), 10.0), reference).modes_covered == 0


@pytest.mark.parametrize("name", ["ring", "grid", "moons", "spiral"])
def test_targets_are_seeded_and_inside_the_drawn_square(name):
    a, b = targets.sample_target(name, 500, seed=3), targets.sample_target(name, 500, seed=3)
    np.testing.assert_array_equal(a.points, b.points)
    assert a.points.shape == (500, 2) and a.points.dtype == np.float32
    assert np.abs(a.points).max() < targets.PLANE
    assert not np.array_equal(a.points, targets.sample_target(name, 500, seed=4).points)


def test_grid_has_25_modes_and_real_points_cover_them():
    sample = targets.sample_target("grid", 3000, seed=0)
    cover = metrics.coverage(sample.points, metrics.reference_for(sample))
    assert cover.num_modes == 25 and cover.modes_covered == 25 and cover.high_quality_share > 0.97


# ---------------------------------------------------------------- a student's points


def _csv(rows, header="x,y"):
    return ((header + "\n") if header else "").encode() + "\n".join(",".join(map(str, row)) for row in rows).encode()


def test_a_good_csv_is_read_with_or_without_header_and_fitted_to_the_plane():
    rows = np.random.default_rng(0).normal(50.0, 10.0, (100, 2))
    points = targets.parse_points_csv(_csv(rows))
    assert points.shape == (100, 2)
    assert np.ptp(points, axis=0).max() == pytest.approx(2 * targets.FIT_HALF_WIDTH)
    np.testing.assert_allclose(targets.parse_points_csv(_csv(rows, header=None)), points)
    semicolons = "\n".join(f"{x};{y}" for x, y in rows).encode()
    np.testing.assert_allclose(targets.parse_points_csv(semicolons), points)


@pytest.mark.parametrize(
    ("content", "words"),
    [
        (_csv([[1, 2, 3]] * 30, header="a,b,c"), "exactly two columns"),
        (_csv([[1.0, 2.0]] * 29 + [["nan", 1.0]]), "not finite"),
        (_csv([[1.0, 2.0]] * 29 + [["", 1.0]]), "not two numbers"),
        (_csv([[1.0, "abc"]] * 30), "not two numbers"),
        (_csv([[1.0, 2.0]]), "at least 20"),
        (_csv([[i, i] for i in range(targets.MAX_POINTS + 1)]), "at most 3,000"),
        (_csv([[1.0, 2.0]] * 40), "the same point"),
        (b"", "empty"),
        (b"\xff\xfe\x00binary", "not UTF-8"),
        (b"x" * (targets.MAX_UPLOAD_BYTES + 1), "MB"),
        (_csv([[1.0, "inf"]] * 30), "not finite"),
    ],
    ids=["three-columns", "nan", "blank-value", "text", "one-point", "too-many-rows", "all-equal", "empty", "binary", "too-big", "infinite"],
)
def test_a_bad_csv_gets_a_message_naming_what_is_wrong(content, words):
    with pytest.raises(targets.PointsError, match=words):
        targets.parse_points_csv(content)


def test_painting_on_the_grid_is_seeded_and_stays_near_the_cells():
    cells = targets.brush_grid()[:10]
    points = targets.paint(cells, stroke=1)
    assert points.shape == (10 * targets.POINTS_PER_CELL, 2)
    np.testing.assert_array_equal(points, targets.paint(cells, stroke=1))
    spacing = 2 * targets.FIT_HALF_WIDTH / (targets.BRUSH_CELLS - 1)
    assert np.abs(points - np.repeat(cells, targets.POINTS_PER_CELL, axis=0)).max() <= spacing / 2
    as_tuple = targets.as_config_points(points)
    assert isinstance(hash(as_tuple), int) and len(as_tuple) == len(points)
