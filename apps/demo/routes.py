"""Demo routes and field safety notes: a GPX track for every demo trek that has no route, and evacuation notes.

The tracks are drawn, not surveyed: from the trailhead of the trek's region, day by day along the itinerary, one
point every ~20 m at the itinerary's distances, climbing or descending to each night's camp altitude, with a
deterministic meander (seeded by the slug). They go through the catalog's own GPX upload service, so route
statistics and the stored GeoJSON are made as for a real upload, and a long trek carries thousands of points
(what the trip pack simplifies).
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable

from django.core.files.uploadedfile import SimpleUploadedFile

from apps.treks import services
from apps.treks.models import Trek, TrekItineraryDay

# (latitude, longitude) of each region's usual trailhead
TRAILHEADS: dict[str, tuple[float, float]] = {
    "uttarakhand": (31.0236, 78.1785),  # Sankri
    "himachal-pradesh": (32.3182, 77.1874),  # Jobra, above Manali
    "kashmir": (34.3047, 75.2933),  # Sonamarg
    "sikkim": (27.3667, 88.2222),  # Yuksom
    "darjeeling": (27.0956, 88.0058),  # Manebhanjan
    "ladakh": (34.0311, 77.5117),  # Chilling
}
STEP_M = 20.0

# Field safety notes by trek and camp (the demo's "where the trek has them").
SAFETY: dict[str, dict[str, tuple[str, str]]] = {
    "goechala": {
        "Yuksom": (
            "Road head: jeeps to Gangtok (4 h).",
            "PHC Yuksom, in the village; District Hospital Geyzing 40 km.",
        ),
        "Sachen": ("Walk down to Yuksom (3 h) with two staff.", "PHC Yuksom, 8 km down the trail."),
        "Tshoka": (
            "Down to Yuksom in one day; horses at Tshoka.",
            "PHC Yuksom, 16 km; the Tshoka forest hut has a radio.",
        ),
        "Dzongri": (
            "Descend to Tshoka at the first sign of AMS; helipad at Dzongri for evacuation by air (ops call it).",
            "Himalayan Mountaineering Institute base camp hut at Dzongri has first aid; PHC Yuksom 25 km.",
        ),
        "Thansing": ("Back over Kokchurang to Tshoka (one long day).", "First aid with the guide; PHC Yuksom 33 km."),
        "Lamuney": ("Down to Thansing at once for any AMS.", "First aid and oxygen with the guide; PHC Yuksom 37 km."),
    },
    "kedarkantha": {
        "Sankri": ("Road head: Dehradun 8 h by road.", "PHC Mori, 30 km; Purola hospital 55 km."),
        "Juda ka Talab": ("Down to Sankri in 2 h.", "PHC Mori via Sankri."),
        "Kedarkantha Base": ("Down to Sankri in 3 h; mules at base camp.", "PHC Mori via Sankri."),
    },
}


def _track(trek: Trek, days: list[TrekItineraryDay]) -> list[tuple[float, float, float]]:
    rng = random.Random(trek.slug)  # noqa: S311  a drawn demo track, repeatable, not a secret
    lat, lon = TRAILHEADS.get(trek.region.slug, (30.0, 79.0))
    altitude = float(days[0].altitude) if days else 2000.0
    heading = rng.uniform(0, 2 * math.pi)
    points = [(lat, lon, altitude)]
    for day in days[1:]:
        steps = int(float(day.distance_km) * 1000 / STEP_M)
        if steps == 0:
            altitude = float(day.altitude)
            continue
        climb = (day.altitude - altitude) / steps
        for _ in range(steps):
            heading += rng.gauss(0, 0.25)
            lat += STEP_M * math.cos(heading) / 111_320
            lon += STEP_M * math.sin(heading) / (111_320 * math.cos(math.radians(lat)))
            altitude += climb + rng.gauss(0, 1.5)
            points.append((lat, lon, altitude))
        altitude = float(day.altitude)
    return points


def _gpx(name: str, points: list[tuple[float, float, float]]) -> bytes:
    rows = "".join(f'<trkpt lat="{lat:.6f}" lon="{lon:.6f}"><ele>{ele:.1f}</ele></trkpt>' for lat, lon, ele in points)
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<gpx version="1.1" creator="OBS demo" xmlns="http://www.topografix.com/GPX/1/1">'
        f"<trk><name>{name}</name><trkseg>{rows}</trkseg></trk></gpx>"
    ).encode()


def seed_routes(write: Callable[[str], None]) -> None:
    drawn = 0
    for trek in Trek.objects.select_related("region").filter(route_geojson__isnull=True):
        days = list(trek.itinerary.order_by("day_number"))
        points = _track(trek, days)
        if len(points) < 2:
            continue
        upload = SimpleUploadedFile(f"{trek.slug}.gpx", _gpx(trek.name, points), content_type="application/gpx+xml")
        services.trek_attach_gpx(actor=None, trek=trek, upload=upload)
        drawn += 1
    noted = 0
    for slug, camps in SAFETY.items():
        for camp, (evacuation, medical) in camps.items():
            noted += TrekItineraryDay.objects.filter(trek__slug=slug, camp_name=camp, evacuation_notes="").update(
                evacuation_notes=evacuation, nearest_medical_point=medical
            )
    if noted:
        services.catalog_version_bump()
    write(f"    {drawn} demo route(s) drawn")
