"""Route simplification: Douglas-Peucker to a point budget."""

from __future__ import annotations

import math
import random

import pytest

from apps.treks.routes import _projected, _segment_distance, drop_tolerances, point_count, simplify_route


def _reference_dp(points: list[tuple[float, float]], tolerance: float) -> set[int]:
    """Textbook recursive Douglas-Peucker: the indices kept at ``tolerance``."""
    kept = {0, len(points) - 1}

    def split(first: int, last: int) -> None:
        if last - first < 2:
            return
        distances = [(_segment_distance(points[i], points[first], points[last]), i) for i in range(first + 1, last)]
        farthest, index = max(distances)
        if farthest > tolerance:
            kept.add(index)
            split(first, index)
            split(index, last)

    split(0, len(points) - 1)
    return kept


def _wander(n: int, seed: int) -> list[list[float]]:
    rng = random.Random(seed)
    lon, lat, heading, coords = 78.0, 31.0, 0.0, []
    for _ in range(n):
        heading += rng.gauss(0, 0.3)
        lon += 0.0002 * math.sin(heading)
        lat += 0.0002 * math.cos(heading)
        coords.append([lon, lat, 2000.0 + rng.uniform(-5, 5)])
    return coords


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_budget_equals_douglas_peucker_at_the_tolerance_reached(seed):
    coords = _wander(1500, seed)
    projected = _projected(coords, sum(c[1] for c in coords) / len(coords))
    tolerances = drop_tolerances(projected)
    limit = 120
    threshold = sorted(tolerances, reverse=True)[limit]  # the best point left out
    assert {i for i, t in enumerate(tolerances) if t > threshold} == _reference_dp(projected, threshold)
    geometry, tolerance = simplify_route({"type": "LineString", "coordinates": coords}, limit=limit)
    assert point_count(geometry) == limit
    assert tolerance == round(threshold, 1)
    assert geometry["coordinates"][0] == [round(coords[0][0], 5), round(coords[0][1], 5), round(coords[0][2])]
    assert geometry["coordinates"][-1][:2] == [round(coords[-1][0], 5), round(coords[-1][1], 5)]


def test_out_and_back_keeps_the_far_end():
    out = [[78.0 + i * 0.001, 31.0, 2000.0 + i] for i in range(200)]
    coords = out + out[-2::-1]  # back the same way: start == end
    geometry, _ = simplify_route({"type": "LineString", "coordinates": coords}, limit=10)
    lons = [c[0] for c in geometry["coordinates"]]
    assert max(lons) == round(78.0 + 199 * 0.001, 5)


def test_short_routes_and_multilines():
    line = {"type": "LineString", "coordinates": [[78.0, 31.0], [78.1, 31.1]]}
    assert simplify_route(line, limit=400) == ({"type": "LineString", "coordinates": [[78.0, 31.0], [78.1, 31.1]]}, 0.0)
    multi = {"type": "MultiLineString", "coordinates": [_wander(300, 4), _wander(300, 5)]}
    geometry, _ = simplify_route(multi, limit=50)
    assert geometry["type"] == "MultiLineString"
    assert point_count(geometry) == 50
    assert all(len(part) >= 2 for part in geometry["coordinates"])
    with pytest.raises(ValueError, match="Not a line"):
        simplify_route({"type": "Point", "coordinates": [78.0, 31.0]})
