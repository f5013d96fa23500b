"""A trek's track simplified to a point budget (Douglas-Peucker), for the offline trip pack and small maps.

The stored track (``Trek.route_geojson``) keeps up to 5,000 points; a phone that must carry the route with no
signal needs a few hundred. Douglas-Peucker (Ramer 1972, Douglas & Peucker 1973) keeps the points that carry
the shape: a point survives at tolerance ``e`` when it lies more than ``e`` from the chord between the points
kept around it. Here each point gets the tolerance at which it would be dropped (its deviation from the chord of
the step that kept it, never more than that step's own: so the ranking is exactly Douglas-Peucker's order), and
the ``limit`` highest are kept. That is Douglas-Peucker at the smallest tolerance that meets the budget, found in
one pass instead of a search over tolerances.

Distances are measured in metres on a local equirectangular projection (longitudes shrink with the cosine of the
latitude), so the tolerance means the same east-west as north-south; over a trek's few tens of kilometres its
error is far below GPS noise. Deviation is to the chord *segment*, not the infinite line, so out-and-back treks
(start = end) simplify correctly.
"""

from __future__ import annotations

import heapq
import math
from typing import Any

EARTH_RADIUS_M = 6_371_008.8
DEFAULT_LIMIT = 400


def _projected(coords: list[list[float]], lat0: float) -> list[tuple[float, float]]:
    scale_x = math.radians(1) * EARTH_RADIUS_M * math.cos(math.radians(lat0))
    scale_y = math.radians(1) * EARTH_RADIUS_M
    return [(c[0] * scale_x, c[1] * scale_y) for c in coords]


def _segment_distance(p: tuple[float, float], a: tuple[float, float], b: tuple[float, float]) -> float:
    dx, dy = b[0] - a[0], b[1] - a[1]
    length2 = dx * dx + dy * dy
    if length2 == 0.0:
        return math.hypot(p[0] - a[0], p[1] - a[1])
    t = max(0.0, min(1.0, ((p[0] - a[0]) * dx + (p[1] - a[1]) * dy) / length2))
    return math.hypot(p[0] - (a[0] + t * dx), p[1] - (a[1] + t * dy))


def drop_tolerances(points: list[tuple[float, float]]) -> list[float]:
    """For each point, the largest Douglas-Peucker tolerance (metres) at which it is still kept; ends: infinity."""
    n = len(points)
    keep = [0.0] * n
    if n == 0:
        return keep
    keep[0] = keep[-1] = math.inf
    stack = [(0, n - 1, math.inf)]
    while stack:
        first, last, ceiling = stack.pop()
        if last - first < 2:
            continue
        a, b = points[first], points[last]
        best, farthest = first, -1.0
        for index in range(first + 1, last):
            d = _segment_distance(points[index], a, b)
            if d > farthest:
                best, farthest = index, d
        keep[best] = min(farthest, ceiling)
        stack.append((first, best, keep[best]))
        stack.append((best, last, keep[best]))
    return keep


def _lines(geometry: dict[str, Any]) -> list[list[list[float]]]:
    if geometry.get("type") == "LineString":
        return [geometry["coordinates"]]
    if geometry.get("type") == "MultiLineString":
        return list(geometry["coordinates"])
    raise ValueError(f"Not a line geometry: {geometry.get('type')!r}")


def simplify_route(geometry: dict[str, Any], *, limit: int = DEFAULT_LIMIT) -> tuple[dict[str, Any], float]:
    """``geometry`` (a GeoJSON LineString or MultiLineString, ``[lon, lat(, ele)]``) with at most ``limit`` points
    in all, each line keeping its two ends; returns the geometry and the tolerance reached, in metres (0 when
    nothing had to go). Coordinates are rounded to 5 decimals (about 1 m) and elevations to the metre."""
    lines = [line for line in _lines(geometry) if len(line) >= 2]
    if not lines:
        raise ValueError("The route has no line with two points.")
    limit = max(limit, 2 * len(lines))
    lat0 = sum(c[1] for line in lines for c in line) / sum(len(line) for line in lines)
    ranked: list[tuple[float, int, int]] = []  # (tolerance, line, index)
    for line_no, line in enumerate(lines):
        for index, tolerance in enumerate(drop_tolerances(_projected(line, lat0))):
            ranked.append((tolerance, line_no, index))
    tolerance = 0.0
    chosen = ranked
    if len(ranked) > limit:
        top = heapq.nlargest(limit + 1, ranked)
        chosen, tolerance = top[:limit], top[limit][0]  # the best point left out: the tolerance needed
    kept: dict[int, set[int]] = {}
    for _, line_no, index in chosen:
        kept.setdefault(line_no, set()).add(index)
    out = [[_rounded(line[index]) for index in sorted(kept.get(line_no, ()))] for line_no, line in enumerate(lines)]
    simplified: dict[str, Any] = (
        {"type": "LineString", "coordinates": out[0]}
        if len(out) == 1
        else {"type": "MultiLineString", "coordinates": out}
    )
    return simplified, round(tolerance, 1)


def _rounded(coordinate: list[float]) -> list[float]:
    head = [round(float(coordinate[0]), 5), round(float(coordinate[1]), 5)]
    return head + ([float(round(float(coordinate[2])))] if len(coordinate) > 2 and coordinate[2] is not None else [])


def point_count(geometry: dict[str, Any]) -> int:
    return sum(len(line) for line in _lines(geometry))
