"""The offline trip pack of a confirmed booking: everything the app needs on the trail with no signal.

Read-only: built from the booking, its departure, trek, itinerary and route, the acting guide, the trekker's
emergency contacts and the operator's emergency numbers. ``trip_pack_body`` renders it to the exact bytes served,
so its ETag is a hash of what the app stores: any change to any part makes a new ETag, and nothing that does not
change the content (no timestamp of the build) does.
"""

from __future__ import annotations

import hashlib
from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.cache import cache
from rest_framework.renderers import JSONRenderer

from apps.bookings.errors import BookingNotConfirmed
from apps.bookings.models import Booking
from apps.bookings.trip_pass import pass_payload, verification_key
from apps.treks.domain import guide_name
from apps.treks.models import Batch, Trek
from apps.treks.routes import point_count, simplify_route
from apps.treks.selectors import acting_guide
from apps.users.models import EmergencyContact

FORMAT_VERSION = 1
_ROUTE_CACHE_SECONDS = 24 * 3600


def _route(trek: Trek) -> dict[str, Any] | None:
    """The trek's track simplified to ``TRIP_PACK_ROUTE_POINTS`` as a GeoJSON Feature; None without a route."""
    stored = trek.route_geojson
    if not stored or not stored.get("geometry"):
        return None
    limit = settings.TRIP_PACK_ROUTE_POINTS
    key = f"trip-pack:route:{trek.pk}:{trek.updated_at.timestamp()}:{limit}"
    feature: dict[str, Any] | None = cache.get(key)
    if feature is None:
        geometry, tolerance = simplify_route(stored["geometry"], limit=limit)
        feature = {
            "type": "Feature",
            "properties": {
                "points": point_count(geometry),
                "source_points": point_count(stored["geometry"]),
                "tolerance_m": tolerance,
                "bounds": (trek.route_stats or {}).get("bounds"),
            },
            "geometry": geometry,
        }
        cache.set(key, feature, timeout=_ROUTE_CACHE_SECONDS)
    return feature


def _itinerary(batch: Batch) -> list[dict[str, Any]]:
    return [
        {
            "day_number": day.day_number,
            "date": (batch.start_date + timedelta(days=day.day_number - 1)).isoformat(),
            "title": day.title,
            "camp_name": day.camp_name,
            "altitude_m": day.altitude,
            "distance_km": str(Decimal(day.distance_km).quantize(Decimal("0.1"))),
            "description": day.description,
            "meal_plan": day.meal_plan,
            "evacuation_notes": day.evacuation_notes,
            "nearest_medical_point": day.nearest_medical_point,
        }
        for day in batch.trek.itinerary.order_by("day_number")
    ]


def _guide(batch: Batch) -> dict[str, Any] | None:
    guide = acting_guide(batch)
    if guide is None:
        return None
    return {"name": guide_name(guide), "phone": guide.user.phone or "", "satellite_phone": guide.satellite_phone}


def _emergency_contacts(booking: Booking) -> list[dict[str, Any]]:
    """The trekker's emergency contacts now, then the one given on the booking if it is not among them."""
    contacts = [
        {"name": c.name, "relationship": c.relationship, "phone": c.phone, "is_primary": c.is_primary}
        for c in EmergencyContact.objects.filter(user_id=booking.user_id).order_by("-is_primary", "created_at")
    ]
    if booking.emergency_contact_phone and booking.emergency_contact_phone not in {c["phone"] for c in contacts}:
        contacts.append(
            {
                "name": booking.emergency_contact_name,
                "relationship": booking.emergency_contact_relation,
                "phone": booking.emergency_contact_phone,
                "is_primary": not contacts,
            }
        )
    return contacts


def trip_pack(booking: Booking) -> dict[str, Any]:
    """The pack of ``booking`` (loaded with ``batch__trek`` and ``batch__guide__user``); 409 unless confirmed."""
    if booking.status != Booking.Status.CONFIRMED:
        raise BookingNotConfirmed(details={"status": booking.status})
    batch = booking.batch
    trek = batch.trek
    guide = _guide(batch)
    return {
        "format": FORMAT_VERSION,
        "booking": {
            "id": str(booking.pk),
            "reference": booking.reference,
            "status": booking.status,
            "seats": booking.seats,
            "participants": [{"name": p.name, "is_lead": p.is_lead} for p in booking.participants.all()],
            "pass": {
                "payload": pass_payload(reference=booking.reference, batch_id=batch.pk, seats=booking.seats),
                "verification_key": verification_key(),
            },
        },
        "departure": {
            "id": str(batch.pk),
            "start_date": batch.start_date.isoformat(),
            "end_date": batch.end_date.isoformat(),
            "status": batch.status,
        },
        "trek": {
            "slug": trek.slug,
            "name": trek.name,
            "region": trek.region.name,
            "difficulty": trek.difficulty,
            "max_altitude_m": trek.max_altitude,
            "duration_days": trek.duration_days,
            "total_distance_km": str(trek.total_distance),
        },
        "itinerary": _itinerary(batch),
        "route": _route(trek),
        "guide": guide,
        "satellite_phone": batch.satellite_phone or (guide or {}).get("satellite_phone", ""),
        "emergency_contacts": _emergency_contacts(booking),
        "operator": {"emergency_numbers": settings.OBS_EMERGENCY_NUMBERS, "ops_phone": settings.OBS_OPS_PHONE},
    }


def trip_pack_body(booking: Booking) -> tuple[bytes, str]:
    """The rendered pack and its strong ETag (a hash of those bytes)."""
    body = JSONRenderer().render(trip_pack(booking))
    return body, f'"tp1-{hashlib.sha256(body).hexdigest()[:32]}"'
