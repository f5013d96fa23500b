"""GPX documents generated for the tests (never checked-in fixtures)."""

from __future__ import annotations

import math

import gpxpy.gpx


def make_gpx(points: int = 500, *, start_lat: float = 31.0, start_lon: float = 78.0, climb_m: float = 1200.0) -> bytes:
    """A track climbing ``climb_m`` then descending half of it, roughly 10 m between points."""
    gpx = gpxpy.gpx.GPX()
    track = gpxpy.gpx.GPXTrack(name="Test route")
    segment = gpxpy.gpx.GPXTrackSegment()
    track.segments.append(segment)
    gpx.tracks.append(track)
    half = points // 2
    for i in range(points):
        elevation = 2000 + climb_m * (i / half) if i <= half else 2000 + climb_m - (climb_m / 2) * ((i - half) / half)
        segment.points.append(
            gpxpy.gpx.GPXTrackPoint(
                start_lat + i * 0.0001, start_lon + 0.00005 * math.sin(i / 10), elevation=round(elevation, 1)
            )
        )
    return gpx.to_xml().encode()
