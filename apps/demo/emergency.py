"""Demo incidents for ``manage.py seed_demo``: one resolved, one open. Seeded history alerts nobody."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from apps.demo.accounts import demo_user
from apps.emergency.models import Incident, IncidentKind, IncidentSeverity, IncidentStatus, IncidentUpdate, LocationPing
from apps.treks.models import Batch


def seed_emergency(write: Callable[[str], None]) -> None:
    trekker, guide, ops = (demo_user(r) for r in ("trekker", "guide", "ops"))
    if trekker is None or guide is None or ops is None:
        write("  emergency: demo users missing, skipped")
        return
    if Incident.objects.filter(trekker=trekker).exists():
        write("  emergency: demo incidents exist")
        return
    batch = Batch.objects.filter(guide__user=guide).select_related("trek").order_by("start_date").first()
    now = timezone.now()
    with transaction.atomic():
        resolved_at = now - timedelta(days=20)
        resolved = Incident.objects.create(
            trekker=trekker,
            batch=batch,
            kind=IncidentKind.ALTITUDE_SICKNESS,
            severity=IncidentSeverity.HIGH,
            status=IncidentStatus.RESOLVED,
            received_at=resolved_at - timedelta(hours=2),
            device_time=resolved_at - timedelta(hours=2, minutes=1),
            latitude=Decimal("32.270000"),
            longitude=Decimal("77.390000"),
            altitude_m=4270.0,
            location_at=resolved_at - timedelta(hours=2, minutes=1),
            battery_pct=41,
            message="Bad headache and nausea at Balu ka Ghera",
            acknowledged_by=ops,
            acknowledged_at=resolved_at - timedelta(hours=1, minutes=57),
            resolved_by=guide,
            resolved_at=resolved_at,
            resolution_notes="Descended 600 m with the guide; symptoms gone by evening. Continued the next day.",
        )
        previous = ""
        for to, author, note in [
            (IncidentStatus.OPEN, trekker, "SOS from the trekker's app"),
            (IncidentStatus.ACKNOWLEDGED, ops, ""),
            (IncidentStatus.RESPONDING, guide, "With the trekker, starting descent"),
            (IncidentStatus.RESOLVED, guide, resolved.resolution_notes),
        ]:
            IncidentUpdate.objects.create(
                incident=resolved,
                author=author,
                kind=IncidentUpdate.Kind.STATUS_CHANGE,
                from_status=previous,
                to_status=to,
                note=note,
            )
            previous = to
        LocationPing.objects.create(
            incident=resolved,
            recorded_at=resolved_at - timedelta(hours=2, minutes=1),
            latitude=Decimal("32.270000"),
            longitude=Decimal("77.390000"),
            altitude_m=4270.0,
            battery_pct=41,
        )
        opened = now - timedelta(minutes=2)
        current = Incident.objects.create(
            trekker=trekker,
            batch=batch,
            kind=IncidentKind.SOS,
            severity=IncidentSeverity.CRITICAL,
            status=IncidentStatus.OPEN,
            received_at=opened,
            device_time=opened,
            latitude=Decimal("32.318200"),
            longitude=Decimal("77.187400"),
            accuracy_m=15.0,
            altitude_m=4470.0,
            location_at=opened,
            battery_pct=18,
            message="Twisted ankle below the pass, cannot walk",
            next_escalation_at=opened + timedelta(minutes=5),
        )
        IncidentUpdate.objects.create(
            incident=current,
            author=trekker,
            kind=IncidentUpdate.Kind.STATUS_CHANGE,
            to_status=IncidentStatus.OPEN,
            note="SOS from the trekker's app",
        )
        for i in range(3):
            LocationPing.objects.create(
                incident=current,
                recorded_at=opened + timedelta(seconds=30 * i),
                latitude=Decimal("32.318200") + Decimal("0.000100") * i,
                longitude=Decimal("77.187400"),
                accuracy_m=15.0,
                battery_pct=18,
            )
    write("  emergency: 1 resolved and 1 open demo incident")
