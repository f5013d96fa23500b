"""GPX parsing: route statistics, an elevation profile and a GeoJSON track, computed with gpxpy."""

from __future__ import annotations

import math
from typing import Any
from xml.etree.ElementTree import ParseError

import gpxpy
import gpxpy.gpx
from gpxpy import geo

MAX_GPX_BYTES = 5 * 1024 * 1024
PROFILE_POINTS = 200
TRACK_POINTS = 5000  # points kept in the stored GeoJSON track


class GPXInvalid(ValueError):
    """The upload is not a usable GPX document."""


def _segments(gpx: gpxpy.gpx.GPX) -> list[list[gpxpy.gpx.GPXTrackPoint | gpxpy.gpx.GPXRoutePoint]]:
    segments: list[list[Any]] = [
        list(segment.points) for track in gpx.tracks for segment in track.segments if segment.points
    ]
    if not segments:
        segments = [list(route.points) for route in gpx.routes if route.points]
    return segments


def _downsample(items: list[Any], limit: int) -> list[Any]:
    if len(items) <= limit:
        return items
    step = (len(items) - 1) / (limit - 1)
    return [items[round(i * step)] for i in range(limit)]


def _smoothed_gain_loss(elevations: list[float]) -> tuple[float, float]:
    """Elevation gain and loss with a small hysteresis so GPS noise does not add up."""
    threshold = 3.0
    gain = loss = 0.0
    if not elevations:
        return gain, loss
    reference = elevations[0]
    for elevation in elevations[1:]:
        delta = elevation - reference
        if delta >= threshold:
            gain += delta
            reference = elevation
        elif delta <= -threshold:
            loss -= delta
            reference = elevation
    return gain, loss


def parse_gpx(data: bytes) -> dict[str, Any]:  # noqa: C901  a flat list of refusals, then one pass over the points
    """Parse GPX bytes into ``{"stats": {...}, "geojson": {...}}``; raise :class:`GPXInvalid` otherwise."""
    if len(data) > MAX_GPX_BYTES:
        raise GPXInvalid(f"A GPX file may be at most {MAX_GPX_BYTES // (1024 * 1024)} MB.")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise GPXInvalid("The file is not UTF-8 text, so not a GPX document.") from exc
    if "<gpx" not in text[:4096]:
        raise GPXInvalid("The file is not a GPX document.")
    if "<!DOCTYPE" in text[:4096] or "<!ENTITY" in text:
        raise GPXInvalid("GPX documents with a DOCTYPE or entities are not accepted.")
    try:
        gpx = gpxpy.parse(text)
    except (gpxpy.gpx.GPXException, ParseError, ValueError, TypeError, AttributeError) as exc:
        raise GPXInvalid(f"The GPX document could not be read: {exc}") from exc

    segments = _segments(gpx)
    points = [point for segment in segments for point in segment]
    if len(points) < 2:
        raise GPXInvalid("The GPX document has no track or route with at least two points.")
    for point in points:
        if not (-90 <= point.latitude <= 90 and -180 <= point.longitude <= 180):
            raise GPXInvalid("The GPX document has coordinates outside the valid range.")
        if point.elevation is not None and not math.isfinite(point.elevation):
            raise GPXInvalid("The GPX document has an elevation that is not a finite number (NaN or Infinity).")

    # Cumulative distance along the track (3D when elevations exist), segment by segment.
    profile: list[tuple[float, float | None]] = []
    distance_m = 0.0
    for segment in segments:
        previous = None
        for point in segment:
            if previous is not None:
                step = geo.distance(
                    previous.latitude,
                    previous.longitude,
                    previous.elevation,
                    point.latitude,
                    point.longitude,
                    point.elevation,
                )
                distance_m += step if step and math.isfinite(step) else 0.0
            profile.append((distance_m, point.elevation))
            previous = point

    elevations = [float(p.elevation) for p in points if p.elevation is not None]
    gain, loss = _smoothed_gain_loss(elevations)
    lats = [p.latitude for p in points]
    lons = [p.longitude for p in points]
    sampled = _downsample([p for p in profile if p[1] is not None], PROFILE_POINTS)
    stats = {
        "distance_km": round(distance_m / 1000, 2),
        "elevation_gain_m": round(gain),
        "elevation_loss_m": round(loss),
        "min_altitude_m": round(min(elevations)) if elevations else None,
        "max_altitude_m": round(max(elevations)) if elevations else None,
        "bounds": {
            "min_lat": round(min(lats), 6),
            "min_lon": round(min(lons), 6),
            "max_lat": round(max(lats), 6),
            "max_lon": round(max(lons), 6),
        },
        "points": len(points),
        "profile": [{"distance_km": round(d / 1000, 3), "altitude_m": round(float(e))} for d, e in sampled],
    }

    budget = max(2, TRACK_POINTS // max(1, len(segments)))
    lines = [
        [
            [round(p.longitude, 6), round(p.latitude, 6)]
            + ([round(float(p.elevation), 1)] if p.elevation is not None else [])
            for p in _downsample(segment, budget)
        ]
        for segment in segments
        if len(segment) >= 2
    ]
    geometry: dict[str, Any] = (
        {"type": "LineString", "coordinates": lines[0]}
        if len(lines) == 1
        else {"type": "MultiLineString", "coordinates": lines}
    )
    return {"stats": stats, "geometry": geometry}
