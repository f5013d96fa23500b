"""The guide's day: marking who turned up at the base, and the daily word that the group reached camp.

Authority is the caller's business (``selectors.can_mark_base``, ``guides_batch``); these write and audit.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from apps.bookings.models import BaseCheckIn, BookingParticipant, CampCheckIn
from apps.common.audit import AuditAction, audit
from apps.common.realtime import OPS_GROUP, publish
from apps.treks.models import Batch
from apps.users.models import User


def base_check_in_mark(
    *, actor: User, batch: Batch, participant: BookingParticipant, status: str, note: str = "", now: Any = None
) -> BaseCheckIn:
    """Set a participant's base check-in (present / late / no-show); a change of mind overwrites it, audited."""
    now = now or timezone.now()
    with transaction.atomic():
        current = BaseCheckIn.objects.select_for_update().filter(participant=participant).first()
        before = current.status if current is not None else None
        if current is None:
            current = BaseCheckIn(participant=participant, batch=batch)
        current.status, current.note, current.marked_by, current.marked_at = status, note.strip(), actor, now
        current.save()
        audit(
            actor=actor,
            action=AuditAction.PARTICIPANT_CHECKED_IN,
            target=participant,
            changes={"batch": str(batch.pk), "status": [before, status], "note": current.note},
        )
        # Ops follow the base live (``apps.realtime`` shows it to whoever may read the roster).
        publish(
            "departure.base_check_in", groups=[OPS_GROUP], cursor=now, batch_id=batch.pk, participant_id=participant.pk
        )
    return current


def camp_check_in_post(
    *,
    actor: User,
    batch: Batch,
    camp: str,
    note: str = "",
    latitude: Decimal | None = None,
    longitude: Decimal | None = None,
    now: datetime | None = None,
) -> CampCheckIn:
    """The guide posts "reached camp X" (optionally where) for today's local date; audited."""
    now = now or timezone.now()
    with transaction.atomic():
        posted = CampCheckIn.objects.create(
            batch=batch,
            camp=camp.strip(),
            day=timezone.localdate(now),
            note=note.strip(),
            latitude=latitude,
            longitude=longitude,
            posted_by=actor,
            posted_at=now,
        )
        audit(
            actor=actor,
            action=AuditAction.BATCH_CAMP_REACHED,
            target=batch,
            changes={"camp": posted.camp, "day": posted.day.isoformat(), "check_in": str(posted.pk)},
        )
        publish("departure.camp_check_in", groups=[OPS_GROUP], cursor=now, batch_id=batch.pk, check_in_id=posted.pk)
    return posted
