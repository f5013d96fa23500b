"""Breadcrumbs: batches of location pings from the trekker's device, idempotent per device time."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.db import transaction

from apps.emergency.domain import coordinate
from apps.emergency.models import Incident, IncidentUpdate, LocationPing
from apps.emergency.services.alerts import publish_incident
from apps.users.models import User


@dataclass(frozen=True)
class Ping:
    recorded_at: datetime
    latitude: Decimal | float
    longitude: Decimal | float
    accuracy_m: float | None = None
    altitude_m: float | None = None
    battery_pct: int | None = None


@dataclass(frozen=True)
class PingResult:
    accepted: int
    duplicates: int
    ignored: int
    incident: Incident


def incident_add_locations(*, actor: User, incident: Incident, pings: list[Ping]) -> PingResult:
    """Store new pings (a device time already stored is a duplicate, skipped); move the latest location on.

    Pings recorded after the incident was closed are ignored: tracking ends with the incident.
    """
    with transaction.atomic():
        locked = Incident.objects.select_for_update().get(pk=incident.pk)
        cutoff = locked.resolved_at
        kept = [ping for ping in pings if cutoff is None or ping.recorded_at <= cutoff]
        rows = [
            LocationPing(
                incident=locked,
                recorded_at=ping.recorded_at,
                latitude=coordinate(ping.latitude),
                longitude=coordinate(ping.longitude),
                accuracy_m=ping.accuracy_m,
                altitude_m=ping.altitude_m,
                battery_pct=ping.battery_pct,
            )
            for ping in kept
        ]
        LocationPing.objects.bulk_create(rows, ignore_conflicts=True)  # ON CONFLICT DO NOTHING
        stored = set(LocationPing.objects.filter(pk__in=[row.pk for row in rows]).values_list("pk", flat=True))
        new = [row for row in rows if row.pk in stored]
        latest = max(new, key=lambda row: row.recorded_at, default=None)
        if latest is not None and (locked.location_at is None or latest.recorded_at > locked.location_at):
            locked.latitude, locked.longitude = latest.latitude, latest.longitude
            locked.accuracy_m, locked.altitude_m = latest.accuracy_m, latest.altitude_m
            locked.location_at = latest.recorded_at
            if latest.battery_pct is not None:
                locked.battery_pct = latest.battery_pct
            locked.save(
                update_fields=[
                    "latitude",
                    "longitude",
                    "accuracy_m",
                    "altitude_m",
                    "location_at",
                    "battery_pct",
                    "updated_at",
                ]
            )
            IncidentUpdate.objects.create(
                incident=locked,
                author=actor,
                kind=IncidentUpdate.Kind.LOCATION,
                latitude=latest.latitude,
                longitude=latest.longitude,
                note=f"{len(new)} new location(s)",
            )
            publish_incident("incident.location", locked)
    return PingResult(
        accepted=len(new), duplicates=len(rows) - len(new), ignored=len(pings) - len(kept), incident=locked
    )
