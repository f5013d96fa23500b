"""Running an incident: acknowledge, timeline notes, status changes, resolve, false alarm.

The states form a small machine (``TRANSITIONS``); any other move answers 409 ``invalid_transition``. Leaving
``open`` stops escalation. Marking a false alarm (by the trekker, staff or the guide) tells the contacts the
trekker is safe. Every change is made on the row locked ``FOR UPDATE`` and audited.
"""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone

from apps.common.audit import AuditAction, audit
from apps.common.exceptions import InvalidTransition, ValidationFailed
from apps.emergency.models import CLOSED_STATUSES, Incident, IncidentStatus, IncidentUpdate
from apps.emergency.services.alerts import publish_incident, queue_resolved_messages, queue_safe_messages
from apps.users.models import User

S = IncidentStatus

TRANSITIONS: dict[str, frozenset[str]] = {
    S.OPEN: frozenset({S.ACKNOWLEDGED, S.RESPONDING, S.RESOLVED, S.FALSE_ALARM}),
    S.ACKNOWLEDGED: frozenset({S.RESPONDING, S.RESOLVED, S.FALSE_ALARM}),
    S.RESPONDING: frozenset({S.RESOLVED, S.FALSE_ALARM}),
    S.RESOLVED: frozenset(),
    S.FALSE_ALARM: frozenset(),
}

_MOVES: dict[str, AuditAction] = {
    S.ACKNOWLEDGED: AuditAction.INCIDENT_ACKNOWLEDGED,
    S.RESPONDING: AuditAction.INCIDENT_RESPONSE_STARTED,
    S.RESOLVED: AuditAction.INCIDENT_RESOLVED,
    S.FALSE_ALARM: AuditAction.INCIDENT_MARKED_FALSE_ALARM,
}


def _locked(incident: Incident) -> Incident:
    return Incident.objects.select_for_update(of=("self",)).select_related("trekker", "batch__trek").get(pk=incident.pk)


def _transition(*, incident: Incident, actor: User, to: str, note: str, now: datetime) -> Incident:
    current = incident.status
    if to not in TRANSITIONS[current]:
        raise InvalidTransition(
            f"An incident that is {current} cannot become {to}.", details={"from": current, "to": to}
        )
    incident.status = to
    incident.next_escalation_at = None
    if to in (S.ACKNOWLEDGED, S.RESPONDING) and incident.acknowledged_at is None:
        incident.acknowledged_by, incident.acknowledged_at = actor, now
    if to in CLOSED_STATUSES:
        incident.resolved_by, incident.resolved_at = actor, now
        incident.resolution_notes = note
    incident.save()
    IncidentUpdate.objects.create(
        incident=incident,
        author=actor,
        kind=IncidentUpdate.Kind.STATUS_CHANGE,
        from_status=current,
        to_status=to,
        note=note,
    )
    audit(actor=actor, action=_MOVES[to], target=incident, changes={"status": [current, to]})
    if to == S.FALSE_ALARM:
        queue_safe_messages(incident)
    elif to == S.RESOLVED:
        queue_resolved_messages(incident)
    publish_incident("incident.acknowledged" if to == S.ACKNOWLEDGED else "incident.status_changed", incident)
    return incident


def incident_acknowledge(*, actor: User, incident: Incident, now: datetime | None = None) -> Incident:
    """Open -> acknowledged (stops escalation). Already acknowledged or responding: unchanged."""
    with transaction.atomic():
        locked = _locked(incident)
        if locked.status in (S.ACKNOWLEDGED, S.RESPONDING):
            return locked
        return _transition(incident=locked, actor=actor, to=S.ACKNOWLEDGED, note="", now=now or timezone.now())


def incident_change_status(
    *, actor: User, incident: Incident, status: str, note: str = "", now: datetime | None = None
) -> Incident:
    if status == S.RESOLVED and not note.strip():
        raise ValidationFailed("Resolving an incident needs notes.", details={"note": ["This field is required."]})
    with transaction.atomic():
        return _transition(
            incident=_locked(incident), actor=actor, to=status, note=note.strip(), now=now or timezone.now()
        )


def incident_resolve(*, actor: User, incident: Incident, notes: str, now: datetime | None = None) -> Incident:
    return incident_change_status(actor=actor, incident=incident, status=S.RESOLVED, note=notes, now=now)


def incident_mark_false_alarm(
    *, actor: User, incident: Incident, note: str = "", now: datetime | None = None
) -> Incident:
    """The trekker cancels their SOS, or staff/the guide find it was a false alarm; the contacts are told."""
    return incident_change_status(actor=actor, incident=incident, status=S.FALSE_ALARM, note=note, now=now)


def incident_add_note(*, actor: User, incident: Incident, note: str) -> IncidentUpdate:
    with transaction.atomic():
        locked = _locked(incident)
        update = IncidentUpdate.objects.create(
            incident=locked, author=actor, kind=IncidentUpdate.Kind.NOTE, note=note.strip()
        )
        audit(actor=actor, action=AuditAction.INCIDENT_NOTE_ADDED, target=locked, changes={"update": str(update.pk)})
        locked.save(update_fields=["updated_at"])  # the incident changed: a client catching up by cursor sees it
        publish_incident("incident.updated", locked, update_id=update.pk)
    return update
