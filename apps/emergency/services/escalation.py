"""Escalation: an incident still open (nobody acknowledged it) re-alerts ops and super admins, repeatedly."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from apps.common.audit import AuditAction, audit
from apps.emergency.models import Incident, IncidentStatus, IncidentUpdate
from apps.emergency.services.alerts import queue_escalation

logger = logging.getLogger(__name__)


def incidents_escalate(*, now: datetime | None = None, limit: int = 100) -> int:
    """Escalate every open incident whose escalation is due; returns how many were escalated.

    Rows are claimed with ``FOR UPDATE SKIP LOCKED`` and moved to their next escalation time in the same
    transaction as the alert deliveries, so two beat runs never escalate one incident twice for one slot.
    """
    now = now or timezone.now()
    every = timedelta(seconds=settings.EMERGENCY_ESCALATE_EVERY_SECONDS)
    escalated = 0
    with transaction.atomic():
        due = list(
            Incident.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(status=IncidentStatus.OPEN, next_escalation_at__lte=now)
            .select_related("trekker", "batch__trek")
            .order_by("next_escalation_at")[:limit]
        )
        for incident in due:
            incident.escalation_count += 1
            incident.next_escalation_at = now + every
            incident.save(update_fields=["escalation_count", "next_escalation_at", "updated_at"])
            IncidentUpdate.objects.create(
                incident=incident,
                kind=IncidentUpdate.Kind.NOTE,
                note=f"Not acknowledged: escalation {incident.escalation_count} sent to ops and super admins",
            )
            audit(
                actor=None,
                action=AuditAction.INCIDENT_ESCALATED,
                target=incident,
                changes={"escalation": incident.escalation_count},
            )
            queue_escalation(incident)
            escalated += 1
            logger.warning("incident %s unacknowledged: escalation %d", incident.pk, incident.escalation_count)
    return escalated
