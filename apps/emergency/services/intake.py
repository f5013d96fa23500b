"""Opening incidents: the trekker's SOS (idempotent on the client's key) and a guide's report.

An SOS must be accepted every time, so this path touches PostgreSQL only: no cache, no broker, no throttle.
The incident, its first timeline entry and breadcrumb, and every alert delivery commit in one transaction;
the delivery tasks are enqueued after commit, and if the broker is down the notifications sweeper sends them.

Concurrent requests with one key are serialised on a transaction-scoped advisory lock named after
(trekker, key): the first creates the incident; the others wait, then find it and answer as replays.

A new SOS costs two statements whatever the number of recipients: the lock, taken in the statement that reads the
trekker's own row (authentication hands the trekker on unread, ``apps.users.authentication``) and who to alert
(the trekker's batch with its trek and guide, their contacts, the responders and everyone's push devices:
``apps.emergency.selectors.audience_sql``) and looks the key up; then
one statement writing the incident, its breadcrumb, timeline entry and audit row with the alerts' inbox rows and
deliveries (``apps.emergency.services.alerts``, ``notify_many(with_rows=...)``). A replay is the first.

That statement's snapshot is taken before it waits for the lock, so it cannot see an incident that a request with
the same key committed while this one waited: that one's write is then refused by the unique index on (trekker,
key), its transaction rolls back, and the incident is looked up again and answered as a replay (one statement more,
only in that race).
"""

from __future__ import annotations

import hashlib
import json
import logging
import uuid
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from apps.common.audit import AuditAction, audit_entry
from apps.common.db import is_violation
from apps.common.exceptions import NotFound
from apps.common.prepared import execute_prepared
from apps.emergency.domain import to_coordinate
from apps.emergency.errors import IdempotencyKeyReused
from apps.emergency.models import (
    Incident,
    IncidentKind,
    IncidentSeverity,
    IncidentSource,
    IncidentStatus,
    IncidentUpdate,
    LocationPing,
)
from apps.emergency.selectors import (
    Audience,
    audience,
    audience_from_row,
    audience_sql,
    batch_for_trekker,
    incident_by_key,
    incident_by_key_sql,
    incident_from_json,
)
from apps.emergency.services.alerts import publish_incident, queue_incident_alerts
from apps.treks.selectors import guides_batch
from apps.users.authentication import ensure_verified, user_checked, with_user_row
from apps.users.models import User

logger = logging.getLogger(__name__)

MESSAGE_MAX = 2000


@dataclass(frozen=True)
class IncidentReport:
    """What a device or a guide reports; every field but the kind is optional."""

    kind: str = IncidentKind.SOS
    latitude: Decimal | None = None
    longitude: Decimal | None = None
    accuracy_m: float | None = None
    altitude_m: float | None = None
    battery_pct: int | None = None
    message: str = ""
    client_created_at: datetime | None = None
    severity: str | None = None

    def normalised(self) -> dict[str, Any]:
        data = asdict(self)
        for name in ("latitude", "longitude"):
            data[name] = None if data[name] is None else str(to_coordinate(data[name]))
        for name in ("accuracy_m", "altitude_m"):
            data[name] = None if data[name] is None else round(float(data[name]), 2)
        data["message"] = (self.message or "").strip()[:MESSAGE_MAX]
        at = self.client_created_at
        data["client_created_at"] = at.astimezone(UTC).isoformat() if at is not None else None
        return data

    def digest(self) -> str:
        canonical = json.dumps(self.normalised(), sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(canonical.encode()).hexdigest()


def _lock_and_read(trekker: User, key: uuid.UUID, today: date) -> tuple[Audience, Incident | None]:
    """Take a lock on (trekker, key) held until the transaction ends, read who an incident of ``trekker`` alerts
    and look the key up, in one statement (SQLite, for `make run`, serialises writers anyway: there they are two).

    Both are read in the statement's snapshot, taken before it waits for the lock: the audience (batch, contacts,
    responders) is what the SOS found when it arrived; an incident committed while it waited is not seen (see the
    module docstring).
    """
    if connection.vendor != "postgresql":
        ensure_verified(trekker)
        return audience(trekker, today=today), incident_by_key(trekker, key)
    sql, params = audience_sql(trekker, today=today)
    found, found_params = incident_by_key_sql(trekker, key)
    statement = f"SELECT a.*, {found} FROM pg_advisory_xact_lock(hashtextextended(%s, 0)), ({sql}) a"  # noqa: S608  SQL from code, values as parameters
    # a trekker authentication handed on unread (apps.users.authentication) is read and checked here too
    statement, values = with_user_row(trekker, statement, [*found_params, f"emergency.sos:{trekker.pk}:{key}", *params])
    with connection.cursor() as cursor:
        execute_prepared(cursor, statement, values)
        row = user_checked(trekker, cursor.fetchone())  # 401 (the transaction rolls back) for a refused trekker
    assert row is not None
    *alerted, existing = row
    return audience_from_row(*alerted), incident_from_json(existing) if existing is not None else None


def _replay(incident: Incident, digest: str) -> tuple[Incident, bool]:
    if incident.payload_hash != digest:
        raise IdempotencyKeyReused(details={"incident_id": str(incident.pk)})
    return incident, False


def incident_report_sos(
    *, trekker: User, key: uuid.UUID, report: IncidentReport, now: datetime | None = None
) -> tuple[Incident, bool]:
    """The trekker's SOS. Returns (incident, created); a replay of the same request returns created=False.

    Raises ``IdempotencyKeyReused`` (422) when the key was used with a different payload.
    """
    digest = report.digest()
    now = now or timezone.now()
    try:
        with transaction.atomic():
            alerted, existing = _lock_and_read(trekker, key, timezone.localdate(now))
            if existing is None:
                incident = incident_open(
                    trekker=trekker,
                    report=report,
                    source=IncidentSource.APP,
                    key=key,
                    digest=digest,
                    audience=alerted,
                    now=now,
                )
                return incident, True
    except IntegrityError as exc:
        # the same key's first request committed while this one waited for the lock (see the module docstring)
        existing = incident_by_key(trekker, key) if is_violation(exc, _ONE_PER_KEY) else None
        if existing is None:
            raise
    existing.trekker = trekker  # what the response shows, without reading it again
    return _replay(existing, digest)


_ONE_PER_KEY = "incident_unique_client_key"


def incident_open_for_trekker(
    *, guide_user: User, trekker_id: uuid.UUID, report: IncidentReport, now: datetime | None = None
) -> Incident:
    """A guide opens an incident for a trekker of a batch they act for now (anyone else: 404)."""
    now = now or timezone.now()
    trekker = User.objects.filter(pk=trekker_id, is_active=True).first()
    batch = batch_for_trekker(trekker, today=timezone.localdate(now)) if trekker is not None else None
    if trekker is None or not guides_batch(guide_user, batch):
        raise NotFound("No trekker of your batches has this id.")
    with transaction.atomic():
        incident = incident_open(
            trekker=trekker,
            report=report,
            source=IncidentSource.GUIDE,
            reported_by=guide_user,
            batch=batch,
            now=now,
        )
    return incident


def incident_open(
    *,
    trekker: User,
    report: IncidentReport,
    source: str,
    key: uuid.UUID | None = None,
    digest: str = "",
    reported_by: User | None = None,
    batch: Any = None,
    audience: Audience | None = None,
    now: datetime | None = None,
    origin: str = "",
    skip: User | None = None,
    location_at: datetime | None = None,
) -> Incident:
    """Write an incident with its first location, timeline entry and audit row, and queue its first alert
    (``queue_incident_alerts``). Opened by the system (an overdue check-in) when neither ``reported_by`` nor the
    source is the trekker's app: the audit row then has no actor. ``origin`` overrides the timeline's first note;
    ``skip`` is a user not alerted (default: the reporter)."""
    now = now or timezone.now()
    data = report.normalised()
    device_time = report.client_created_at
    delayed = device_time is not None and now - device_time > timedelta(
        seconds=settings.EMERGENCY_DELAYED_AFTER_SECONDS
    )
    if audience is not None:
        batch = audience.batch
    elif batch is None:
        batch = batch_for_trekker(trekker, today=timezone.localdate(now))
    latitude, longitude = to_coordinate(report.latitude), to_coordinate(report.longitude)
    has_location = latitude is not None and longitude is not None
    location_at = (location_at or device_time or now) if has_location else None
    severity = report.severity or (
        IncidentSeverity.CRITICAL if report.kind == IncidentKind.SOS else IncidentSeverity.HIGH
    )
    incident = Incident(
        trekker=trekker,
        batch=batch,
        reported_by=reported_by,
        kind=report.kind,
        severity=severity,
        status=IncidentStatus.OPEN,
        source=source,
        client_key=key,
        payload_hash=digest,
        device_time=device_time,
        received_at=now,
        delayed=delayed,
        latitude=latitude if has_location else None,
        longitude=longitude if has_location else None,
        accuracy_m=data["accuracy_m"] if has_location else None,
        altitude_m=data["altitude_m"] if has_location else None,
        location_at=location_at,
        battery_pct=report.battery_pct,
        message=data["message"],
        next_escalation_at=now + timedelta(seconds=settings.EMERGENCY_ESCALATE_AFTER_SECONDS),
    )
    pings = []
    if latitude is not None and longitude is not None and location_at is not None:
        pings.append(
            LocationPing(
                incident=incident,
                recorded_at=location_at,
                latitude=latitude,
                longitude=longitude,
                accuracy_m=incident.accuracy_m,
                altitude_m=incident.altitude_m,
                battery_pct=report.battery_pct,
            )
        )
    origin = origin or ("SOS from the trekker's app" if source == IncidentSource.APP else "Reported by the guide")
    by_system = source == IncidentSource.CHECK_IN
    if delayed:
        assert device_time is not None
        origin += f" (delayed: raised on the device at {timezone.localtime(device_time):%d %b %H:%M})"
    opened = IncidentUpdate(
        incident=incident,
        author=None if by_system else reported_by or trekker,
        kind=IncidentUpdate.Kind.STATUS_CHANGE,
        to_status=IncidentStatus.OPEN,
        note=origin,
    )
    raised = audit_entry(
        actor=None if by_system else reported_by or trekker,
        action=AuditAction.INCIDENT_RAISED,
        target=incident,
        changes={"kind": report.kind, "source": source},
    )
    # the incident, its breadcrumb, timeline entry and audit row, and its alerts: one statement on PostgreSQL
    queue_incident_alerts(
        incident, skip=skip or reported_by, audience=audience, with_rows=([incident], pings, [opened], [raised])
    )
    publish_incident("incident.created", incident)
    logger.info("incident %s opened (%s, %s)%s", incident.pk, source, incident.kind, " delayed" if delayed else "")
    return incident
