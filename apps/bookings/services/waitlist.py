"""The waitlist of a full batch: join, leave, and a 24-hour hold offered to the first in line when seats free."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from apps.bookings.errors import (
    AlreadyBooked,
    AlreadyWaitlisted,
    BatchFull,
    BatchNotBookable,
    WaitlistClosed,
    WaitlistNotNeeded,
)
from apps.bookings.models import ACTIVE_STATUSES, Booking, BookingSource, WaitlistEntry
from apps.bookings.services.common import _notify_booking
from apps.bookings.services.eligibility import eligibility_check, participant_experience
from apps.bookings.services.holds import _validate_participants, booking_hold
from apps.common.exceptions import NotFound
from apps.common.services import require_atomic
from apps.treks.domain import local_today
from apps.treks.models import Batch
from apps.users.models import User

logger = logging.getLogger(__name__)


def _closed(batch: Batch, today: Any) -> bool:
    return (batch.start_date - today).days <= settings.BOOKINGS_WAITLIST_CLOSES_DAYS


def waitlist_join(*, user: User, batch: Batch, participants: list[dict[str, Any]]) -> WaitlistEntry:
    """Queue for a full batch (first come, first served) until 7 days before the start."""
    _validate_participants(participants)
    lead_level = user.experience_level
    eligibility_check(
        batch.trek,
        [
            {**row, "experience_level": participant_experience(row, lead_default=lead_level if i == 0 else None)}
            for i, row in enumerate(participants)
        ],
    )
    today = local_today()
    if batch.status == Batch.Status.OPEN:
        raise WaitlistNotNeeded()
    if batch.status != Batch.Status.FULL:
        raise BatchNotBookable(details={"status": batch.status})
    if _closed(batch, today):
        raise WaitlistClosed()
    if Booking.objects.filter(user=user, batch=batch, status__in=ACTIVE_STATUSES).exists():
        raise AlreadyBooked()
    try:
        with transaction.atomic():
            return WaitlistEntry.objects.create(
                batch=batch, user=user, seats=len(participants), participants=participants
            )
    except IntegrityError as exc:
        raise AlreadyWaitlisted() from exc


def waitlist_leave(*, user: User, batch: Batch) -> None:
    left = WaitlistEntry.objects.filter(
        batch=batch, user=user, status__in=(WaitlistEntry.Status.WAITING, WaitlistEntry.Status.OFFERED)
    ).update(status=WaitlistEntry.Status.LEFT)
    if not left:
        raise NotFound("You are not on this waitlist.")


def waitlist_offer_next(*, batch_id: Any, now: datetime | None = None) -> int:
    """Seats came free: hold them for the first in line (24 hours) and tell them. Inside the caller's transaction.

    Strictly first in line: when the first entry needs more seats than are free, nobody behind jumps it.
    """
    require_atomic()
    now = now or timezone.now()
    offered = 0
    batch = Batch.objects.select_related("trek").filter(pk=batch_id).first()
    if batch is None or _closed(batch, timezone.localdate(now)):
        return 0
    while True:
        batch.refresh_from_db(fields=["seats_taken", "status"])
        if batch.status != Batch.Status.OPEN:
            return offered
        entry = (
            WaitlistEntry.objects.select_for_update(skip_locked=True)
            .select_related("user")
            .filter(batch=batch, status=WaitlistEntry.Status.WAITING)
            .order_by("created_at", "id")
            .first()
        )
        if entry is None or entry.seats > batch.seats_left:
            return offered
        try:
            with transaction.atomic():
                booking = booking_hold(
                    user=entry.user,
                    batch_id=batch.pk,
                    participants=entry.participants,
                    source=BookingSource.WAITLIST,
                    hold=timedelta(hours=settings.BOOKINGS_WAITLIST_OFFER_HOURS),
                    now=now,
                )
        except (AlreadyBooked, BatchFull, BatchNotBookable):
            WaitlistEntry.objects.filter(pk=entry.pk).update(status=WaitlistEntry.Status.DONE)
            continue
        WaitlistEntry.objects.filter(pk=entry.pk).update(
            status=WaitlistEntry.Status.OFFERED, offered_at=now, booking=booking
        )
        _notify_booking(
            booking,
            "waitlist_offer",
            hold_expires_at=timezone.localtime(booking.hold_expires_at).strftime("%d %b %H:%M"),
        )
        logger.info("waitlist: batch %s offered %s seat(s) to entry %s", batch.pk, entry.seats, entry.pk)
        offered += 1
