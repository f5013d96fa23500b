"""Overdue check-ins: arm ("we expect to reach <place> by <time>"), check in, and the alarm when nobody did.

- A trekker on a confirmed departure under way, or the departure's acting guide, arms one check-in at a time
  (``checkin_arm``). Checking in (``checkin_complete``) disarms it.
- ``check_ins_raise_overdue`` (beat, every minute) claims every armed check-in past its time plus the grace with
  ``FOR UPDATE SKIP LOCKED`` and, in the same transaction, opens one ``overdue`` incident through the SOS path
  (``intake.incident_open``: timeline, audit, the first alert, escalation until acknowledged) and marks the
  check-in overdue. A retried task, two workers at once or a worker whose clock runs ahead meet a row that is
  locked or no longer armed: one incident per check-in (also held by the one-to-one column).
- Ops and the batch's guide are always alerted; the trekker's emergency contacts only if they chose so when arming.
- A check-in after the alarm closes the incident as a false alarm: everyone who was told hears it is over.
- ``camp_check_ins_missed``: a departure on the mountain with no camp check-in by the day's hour alerts ops once.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from apps.bookings.selectors import batches_missing_camp_check_in, camp_check_ins
from apps.common.audit import AuditAction, audit
from apps.common.exceptions import ValidationFailed
from apps.emergency.domain import overdue_at, to_coordinate
from apps.emergency.errors import CheckInAlreadyArmed, NoArmedCheckIn, NotOnTrek
from apps.emergency.models import (
    ACTIVE_STATUSES,
    CheckIn,
    IncidentKind,
    IncidentSeverity,
    IncidentSource,
    IncidentStatus,
    MissedCampCheckIn,
)
from apps.emergency.selectors import Audience, batch_with_guide, check_in_batch, incident_responders
from apps.emergency.services.alerts import queue_missed_camp_alert
from apps.emergency.services.handling import incident_change_status
from apps.emergency.services.intake import IncidentReport, incident_open
from apps.treks.selectors import guides_batch
from apps.users.models import User

logger = logging.getLogger(__name__)


def _ist(moment: datetime) -> str:
    return f"{timezone.localtime(moment):%d %b %H:%M} IST"


def checkin_arm(
    *,
    user: User,
    place: str,
    expected_at: datetime,
    latitude: Decimal | float | None = None,
    longitude: Decimal | float | None = None,
    alert_contacts: bool = False,
    now: datetime | None = None,
) -> CheckIn:
    """Arm a check-in. 409 ``not_on_trek`` off a departure under way, ``check_in_already_armed`` with one armed."""
    now = now or timezone.now()
    if expected_at <= now or expected_at > now + timedelta(hours=settings.EMERGENCY_CHECKIN_MAX_AHEAD_HOURS):
        raise ValidationFailed(
            f"The expected time must be ahead, and at most {settings.EMERGENCY_CHECKIN_MAX_AHEAD_HOURS} hours ahead.",
            details={"expected_at": ["Out of range."]},
        )
    batch = check_in_batch(user, today=timezone.localdate(now))
    if batch is None:
        raise NotOnTrek()
    try:
        with transaction.atomic():
            check_in = CheckIn.objects.create(
                user=user,
                batch=batch,
                place=place.strip(),
                expected_at=expected_at,
                due_at=overdue_at(expected_at, grace_seconds=settings.EMERGENCY_CHECKIN_GRACE_SECONDS),
                latitude=to_coordinate(latitude),
                longitude=to_coordinate(longitude),
                alert_contacts=alert_contacts,
            )
            audit(
                actor=user,
                action=AuditAction.CHECKIN_ARMED,
                target=check_in,
                changes={"place": check_in.place, "expected_at": expected_at.isoformat(), "contacts": alert_contacts},
            )
    except IntegrityError as exc:  # checkin_one_armed_per_user: one armed already (or armed at the same moment)
        raise CheckInAlreadyArmed() from exc
    return check_in


def checkin_complete(*, user: User, now: datetime | None = None) -> CheckIn:
    """Check in to the user's armed check-in; after the alarm, close its incident as a false alarm (all told)."""
    now = now or timezone.now()
    with transaction.atomic():
        check_in = (
            CheckIn.objects.select_for_update(of=("self",))
            .select_related("incident")
            .filter(user=user, status__in=(CheckIn.Status.ARMED, CheckIn.Status.OVERDUE))
            .order_by("-created_at", "-id")
            .first()
        )
        if check_in is None:
            raise NoArmedCheckIn()
        late = check_in.status == CheckIn.Status.OVERDUE
        check_in.status = CheckIn.Status.CHECKED_IN_LATE if late else CheckIn.Status.CHECKED_IN
        check_in.checked_in_at = now
        check_in.save(update_fields=["status", "checked_in_at", "updated_at"])
        audit(actor=user, action=AuditAction.CHECKIN_COMPLETED, target=check_in, changes={"late": late})
        incident = check_in.incident
        if late and incident is not None and incident.status in ACTIVE_STATUSES:
            incident_change_status(
                actor=user,
                incident=incident,
                status=IncidentStatus.FALSE_ALARM,
                note=f"Checked in late at {_ist(now)} (expected at {check_in.place} by {_ist(check_in.expected_at)}).",
                now=now,
            )
    return check_in


def _last_camp_location(check_in: CheckIn) -> tuple[Decimal | None, Decimal | None, datetime | None]:
    """Where the check-in was armed, else the departure's latest camp check-in with a location."""
    if check_in.latitude is not None and check_in.longitude is not None:
        return check_in.latitude, check_in.longitude, check_in.created_at
    camp = camp_check_ins(batch=check_in.batch).filter(latitude__isnull=False).first()
    if camp is None:
        return None, None, None
    return camp.latitude, camp.longitude, camp.posted_at


def _raise_alarm(check_in: CheckIn, now: datetime) -> None:
    batch = batch_with_guide(check_in.batch)
    user = check_in.user
    latitude, longitude, located_at = _last_camp_location(check_in)
    message = f"Expected at {check_in.place} by {_ist(check_in.expected_at)}; no check-in by {_ist(check_in.due_at)}."
    audience = Audience(
        batch=batch,
        contacts=list(user.emergency_contacts.all()) if check_in.alert_contacts else [],
        responders=list(incident_responders().prefetch_related("devices")),
    )
    incident = incident_open(
        trekker=user,
        report=IncidentReport(
            kind=IncidentKind.OVERDUE,
            latitude=latitude,
            longitude=longitude,
            message=message,
            severity=IncidentSeverity.HIGH,
        ),
        source=IncidentSource.CHECK_IN,
        audience=audience,
        now=now,
        origin=f"Overdue check-in: {message}",
        skip=user if guides_batch(user, batch) else None,  # a guide's own alarm: told to everyone else
        location_at=located_at,
    )
    check_in.status, check_in.incident = CheckIn.Status.OVERDUE, incident
    check_in.save(update_fields=["status", "incident", "updated_at"])
    audit(actor=None, action=AuditAction.CHECKIN_MISSED, target=check_in, changes={"incident": str(incident.pk)})
    logger.warning("check-in %s overdue: incident %s opened", check_in.pk, incident.pk)


def check_ins_raise_overdue(*, now: datetime | None = None, limit: int = 100) -> int:
    """Open an ``overdue`` incident for every armed check-in past its time plus the grace; returns how many."""
    now = now or timezone.now()
    with transaction.atomic():
        due = list(
            CheckIn.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(status=CheckIn.Status.ARMED, due_at__lte=now)
            .select_related("user", "batch")
            .order_by("due_at")[:limit]
        )
        for check_in in due:
            _raise_alarm(check_in, now)
    return len(due)


def camp_check_ins_missed(*, now: datetime | None = None) -> int:
    """After the day's latest hour, alert ops once per departure on the mountain with no camp check-in today."""
    now = now or timezone.now()
    local = timezone.localtime(now)
    if local.hour < settings.EMERGENCY_CAMP_CHECK_IN_LATEST_HOUR:
        return 0
    day = local.date()
    latest = f"{settings.EMERGENCY_CAMP_CHECK_IN_LATEST_HOUR:02d}:00"
    alerted = 0
    for batch in batches_missing_camp_check_in(day=day):
        with transaction.atomic():
            _, created = MissedCampCheckIn.objects.get_or_create(batch=batch, day=day)
            if not created:  # alerted already (an earlier run, or another worker now)
                continue
            last = camp_check_ins(batch=batch).first()
            audit(actor=None, action=AuditAction.BATCH_CAMP_CHECK_IN_MISSED, target=batch, changes={"day": str(day)})
            queue_missed_camp_alert(
                batch=batch, day=day, latest=latest, last_camp=f"{last.camp} ({last.day:%d %b})" if last else ""
            )
            alerted += 1
            logger.warning("departure %s: no camp check-in for %s by %s", batch.pk, day, latest)
    return alerted
