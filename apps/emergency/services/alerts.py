"""Who is told what about an incident. Every occasion's messages are written together by ``notify_many()``
inside the caller's transaction (a fixed number of statements, however many recipients).

Each call carries a ``dedupe_key`` naming the incident and the occasion (``emergency:<id>:alert``,
``...:escalation:<n>``, ``...:safe``); ``notify`` keeps one delivery per (key, channel, recipient), so however
often an alert is queued, retried or raced, a recipient gets one message per channel and occasion. The
delivery rows commit with the incident; the delivery tasks are enqueued on commit and the notifications
sweeper re-enqueues whatever the broker did not take.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db.models import Model
from django.utils import timezone

from apps.common.realtime import OPS_GROUP, publish
from apps.emergency.models import Incident, IncidentKind
from apps.emergency.selectors import Audience, alerted_contacts, escalation_recipients, incident_responders
from apps.notifications.models import Category, Channel
from apps.notifications.services import Message, message, notify_many
from apps.treks.selectors import acting_guide

logger = logging.getLogger(__name__)

E164 = re.compile(r"^\+[1-9]\d{7,14}$")
ALERT_TEMPLATE = "emergency_alert"  # staff, guide, satellite phone, ops list
CONTACT_TEMPLATE = "emergency_contact_alert"
SAFE_TEMPLATE = "emergency_contact_safe"
RESOLVED_TEMPLATE = "emergency_contact_resolved"  # contacts who were alerted: the incident is over, the trekker safe
ESCALATION_TEMPLATE = "emergency_escalation"
CANCELLED_TEMPLATE = "emergency_cancelled"  # responders: the SOS they were paged about was a false alarm
# An overdue check-in (kind ``overdue``) says so in every message of its own; escalation reads the same.
OVERDUE_TEMPLATES = {
    ALERT_TEMPLATE: "emergency_overdue_alert",
    CONTACT_TEMPLATE: "emergency_overdue_contact_alert",
    SAFE_TEMPLATE: "emergency_overdue_safe",
    CANCELLED_TEMPLATE: "emergency_overdue_cancelled",
}
MISSED_CAMP_TEMPLATE = "camp_check_in_missed"


def _template(incident: Incident, name: str) -> str:
    return OVERDUE_TEMPLATES.get(name, name) if incident.kind == IncidentKind.OVERDUE else name


def _alert_key(incident: Incident, occasion: str) -> str:
    return f"emergency:{incident.pk}:{occasion}"


def _ist(moment: datetime) -> str:
    return f"{timezone.localtime(moment):%d %b %Y %H:%M} IST"


def _incident_context(incident: Incident) -> dict[str, Any]:
    trekker = incident.trekker
    batch = incident.batch
    context: dict[str, Any] = {
        "incident_id": str(incident.pk),
        "kind": incident.get_kind_display(),
        "severity": incident.get_severity_display(),
        "trekker_name": trekker.get_full_name() or trekker.tribe_handle or "A trekker",
        "trekker_phone": trekker.phone or "",
        "trek_name": batch.trek.name if batch is not None else "",
        "batch_dates": (f"{batch.start_date:%d %b} - {batch.end_date:%d %b %Y}" if batch is not None else ""),
        "maps_url": incident.maps_url,
        "location_time": (f"{timezone.localtime(incident.location_at):%d %b %H:%M}" if incident.location_at else ""),
        "battery_pct": incident.battery_pct,
        "message": incident.message[:300],
        # When the device raised it and when it reached us; they differ for a delayed SOS (queued offline).
        "raised_at": _ist(incident.device_time) if incident.device_time else "",
        "received_at": _ist(incident.received_at),
        "delayed": incident.delayed,
        "escalation_count": incident.escalation_count,
        "ops_phone": settings.OBS_OPS_PHONE,
    }
    return context


def _message(**kwargs: Any) -> Message | None:
    """One recipient's message; a bad address is logged and left out, never raised (it cannot fail the SOS)."""
    try:
        return message(category=Category.EMERGENCY, **kwargs)
    except ValueError:
        logger.exception("emergency alert %s not queued for one recipient", kwargs.get("dedupe_key"))
        return None


def _send(messages: list[Message | None], with_rows: Sequence[Sequence[Model]] = ()) -> int:
    """Every recipient's message written in one go (``notify_many``, with the caller's ``with_rows``); returns
    the deliveries created."""
    return len(notify_many([m for m in messages if m is not None], with_rows=with_rows))


def _staff_messages(
    users: Any, *, template: str, context: dict[str, Any], key: str, skip: Any = None
) -> list[Message | None]:
    messages = [
        _message(
            user=user,
            template=template,
            context=context,
            channels=[Channel.PUSH, Channel.SMS, Channel.INBOX],
            dedupe_key=key,
        )
        for user in users
        if skip is None or user.pk != skip.pk
    ]
    messages.extend(
        _message(email=address, template=template, context=context, channels=[Channel.EMAIL], dedupe_key=key)
        for address in settings.OBS_OPS_EMAILS
    )
    return messages


def _guide_message(guide: Any, *, template: str, context: dict[str, Any], key: str) -> Message | None:
    return _message(
        user=guide.user, template=template, context=context, channels=[Channel.SMS, Channel.PUSH], dedupe_key=key
    )


def _contact_messages(
    incident: Incident, *, template: str, context: dict[str, Any], key: str, contacts: Any = None
) -> list[Message | None]:
    return [
        _message(
            phone=contact.phone,
            template=template,
            context={**context, "contact_name": contact.name},
            channels=[Channel.SMS],
            dedupe_key=key,
            language=contact.language,  # the contact's own language, not the trekker's
        )
        for contact in (incident.trekker.emergency_contacts.all() if contacts is None else contacts)
    ]


def queue_incident_alerts(
    incident: Incident,
    *,
    skip: Any = None,
    audience: Audience | None = None,
    with_rows: Sequence[Sequence[Model]] = (),
) -> int:
    """The first alert: contacts, the batch's guide (+ satellite phone), responders, the ops list.

    ``skip`` is a user not to alert (the guide who reported the incident). ``audience``: the contacts and
    responders (with their devices) already read, with the incident's batch (``selectors.audience``); without
    it they are read here. ``with_rows``: the incident's own new rows, written in the alerts' statement (see
    ``notify_many``). Returns the deliveries created.
    """
    key = _alert_key(incident, "alert")
    context = _incident_context(incident)
    contacts = audience.contacts if audience is not None else None
    alert = _template(incident, ALERT_TEMPLATE)
    messages = _contact_messages(
        incident, template=_template(incident, CONTACT_TEMPLATE), context=context, key=key, contacts=contacts
    )
    guide = acting_guide(incident.batch)  # a former or deactivated guide is not told
    if guide is not None:
        if skip is None or guide.user_id != skip.pk:
            messages.append(_guide_message(guide, template=alert, context=context, key=key))
        satellite = guide.satellite_phone.replace(" ", "")
        if satellite and E164.match(satellite):
            messages.append(
                _message(phone=satellite, template=alert, context=context, channels=[Channel.SMS], dedupe_key=key)
            )
        elif satellite:
            logger.warning("guide %s: satellite phone is not an E.164 number; not texted", guide.pk)
    responders = audience.responders if audience is not None else incident_responders()
    messages += _staff_messages(responders, template=alert, context=context, key=key, skip=skip)
    queued = _send(messages, with_rows)
    logger.info("incident %s: %d alert deliveries queued", incident.pk, queued)
    return queued


def queue_escalation(incident: Incident) -> int:
    """Re-alert ops managers and super admins (and the ops list) for escalation number ``escalation_count``."""
    key = _alert_key(incident, f"escalation:{incident.escalation_count}")
    return _send(
        _staff_messages(
            escalation_recipients(), template=ESCALATION_TEMPLATE, context=_incident_context(incident), key=key
        )
    )


def queue_safe_messages(incident: Incident) -> int:
    """A false alarm: tell the trekker's contacts who were alerted that they are safe, and stand down the
    responders paged (and the batch's guide)."""
    key = _alert_key(incident, "safe")
    context = _incident_context(incident)
    stand_down = [Channel.PUSH, Channel.SMS, Channel.INBOX]
    cancelled = _template(incident, CANCELLED_TEMPLATE)
    messages = [
        _message(user=user, template=cancelled, context=context, channels=stand_down, dedupe_key=key)
        for user in incident_responders()
    ]
    guide = acting_guide(incident.batch)  # a former or deactivated guide is not told
    if guide is not None:
        messages.append(_guide_message(guide, template=cancelled, context=context, key=key))
    messages += _told_contacts_messages(incident, template=_template(incident, SAFE_TEMPLATE), key=key)
    return _send(messages)


def _told_contacts_messages(incident: Incident, *, template: str, key: str) -> list[Message | None]:
    """The all-clear to each contact texted the first alert (``selectors.alerted_contacts``), in their language."""
    context = _incident_context(incident)
    told = alerted_contacts(
        key=_alert_key(incident, "alert"), templates={CONTACT_TEMPLATE, _template(incident, CONTACT_TEMPLATE)}
    )
    return [
        _message(
            phone=contact.phone,
            template=template,
            context={**context, "contact_name": contact.name},
            channels=[Channel.SMS],
            dedupe_key=key,
            language=contact.language,
        )
        for contact in told
    ]


def queue_missed_camp_alert(*, batch: Any, day: Any, latest: str, last_camp: str) -> int:
    """Ops (``incidents.manage``) and the ops list: the departure's guide posted no camp check-in for ``day``."""
    guide = acting_guide(batch)
    satellite = guide.satellite_phone if guide is not None else ""
    context = {
        "batch_id": str(batch.pk),
        "trek_name": batch.trek.name,
        "batch_dates": f"{batch.start_date:%d %b} - {batch.end_date:%d %b %Y}",
        "day": f"{day:%d %b %Y}",
        "latest": latest,
        "guide_name": guide.user.get_full_name() if guide is not None else "",
        "guide_phone": guide.user.phone or "" if guide is not None else "",
        "satellite_phone": satellite,
        "last_camp": last_camp,
        "ops_phone": settings.OBS_OPS_PHONE,
    }
    key = f"camp:{batch.pk}:{day.isoformat()}:missed"
    return _send(_staff_messages(incident_responders(), template=MISSED_CAMP_TEMPLATE, context=context, key=key))


def queue_resolved_messages(incident: Incident) -> int:
    """A resolved incident: tell each contact who was texted the first alert (in the contact's language) that the
    trekker is safe. Responders are not stood down: they handled it."""
    return _send(_told_contacts_messages(incident, template=RESOLVED_TEMPLATE, key=_alert_key(incident, "safe")))


def publish_incident(event: str, incident: Incident, **ids: Any) -> None:
    """Tell the sockets following incidents (``apps.common.realtime``; each socket's user is checked on delivery
    against the REST rule, ``selectors.incidents_visible_to``), after commit. The cursor is ``updated_at``."""
    publish(event, groups=[OPS_GROUP], cursor=incident.updated_at or timezone.now(), incident_id=incident.pk, **ids)
