"""Reads: which incidents a user may see, with everything the API shows loaded up front."""

from __future__ import annotations

import functools
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db import connection
from django.db.models import Case, F, IntegerField, Prefetch, Q, QuerySet, Value, When, prefetch_related_objects

from apps.bookings.models import Booking, BookingStatus
from apps.bookings.selectors import current_or_next_confirmed_booking
from apps.common.prepared import execute_prepared
from apps.common.sql import instance_from_json, json_rows
from apps.emergency.models import ACTIVE_STATUSES, CheckIn, Incident, IncidentSeverity, IncidentUpdate
from apps.notifications.models import Channel, Delivery, Device
from apps.treks.models import Batch, Guide, Trek
from apps.treks.selectors import guided_by_q, guides_batch
from apps.users.models import EmergencyContact, User
from apps.users.roles import Capability, StaffRole, has_capability, roles_with


def batch_for_trekker(trekker: User, *, today: date | None = None) -> Batch | None:
    """The batch of the trekker's current or next confirmed booking, or None (the incident's batch)."""
    booking = current_or_next_confirmed_booking(trekker, today=today)
    return booking.batch if booking is not None else None


def incident_by_key_sql(trekker: User, key: Any) -> tuple[str, list[Any]]:
    """A scalar subquery (PostgreSQL): the trekker's incident opened with Idempotency-Key ``key`` as one JSON value
    with its batch and trek (what the SOS answer shows; :func:`incident_from_json` reads it), or NULL."""
    return _incident_by_key_text(), [trekker.pk, key]


@functools.cache
def _incident_by_key_text() -> str:
    """:func:`incident_by_key_sql`'s text, the same for every trekker and key: built once per process."""
    quote = connection.ops.quote_name
    incident, batch, trek = (quote(model._meta.db_table) for model in (Incident, Batch, Trek))
    return (
        "(SELECT json_build_object('incident', to_json(i), 'batch', to_json(b), "  # noqa: S608  table names from _meta, values as parameters
        f"'trek', json_build_object('id', t.id, 'name', t.name, 'slug', t.slug)) FROM {incident} i "
        f"LEFT JOIN {batch} b ON b.id = i.batch_id LEFT JOIN {trek} t ON t.id = b.trek_id "
        "WHERE i.trekker_id = %s AND i.client_key = %s)"
    )


def incident_from_json(data: dict[str, Any]) -> Incident:
    """The incident :func:`incident_by_key_sql` read, with its batch and trek."""
    found = instance_from_json(Incident, data["incident"])
    found.batch = None
    if data["batch"] is not None:
        found.batch = instance_from_json(Batch, data["batch"])
        found.batch.trek = instance_from_json(Trek, data["trek"])
    return found


def incident_by_key(trekker: User, key: Any) -> Incident | None:
    """The trekker's incident opened with Idempotency-Key ``key``, with its batch and trek (what the SOS answer
    shows), or None: one query, composed once (no ORM compilation on the SOS path)."""
    if connection.vendor != "postgresql":
        return Incident.objects.select_related("batch__trek").filter(trekker=trekker, client_key=key).first()
    sql, params = incident_by_key_sql(trekker, key)
    with connection.cursor() as cursor:
        execute_prepared(cursor, f"SELECT {sql}", params)
        (found,) = cursor.fetchone()
    return incident_from_json(found) if found is not None else None


def can_manage_all(user: Any) -> bool:
    return has_capability(user, Capability.INCIDENTS_MANAGE)


def incidents_visible_to(user: Any) -> QuerySet[Incident]:
    """Trekkers: their own; acting guides: those of their batches; incidents.manage: all; anyone else: none."""
    qs = Incident.objects.select_related(
        "trekker", "batch__trek", "batch__guide__user", "reported_by", "acknowledged_by", "resolved_by"
    )
    if not getattr(user, "is_authenticated", False):
        return qs.none()
    if can_manage_all(user):
        return qs
    return qs.filter(Q(trekker=user) | guided_by_q(user, via="batch__"))


def incident_detail_queryset(user: Any) -> QuerySet[Incident]:
    return incidents_visible_to(user).prefetch_related(
        Prefetch("updates", queryset=IncidentUpdate.objects.select_related("author")), "pings"
    )


def incident_alerts(incident: Incident) -> list[Any]:
    """Every delivery sent about the incident (first alert, escalations, all-clear), oldest first."""
    return list(
        Delivery.objects.filter(dedupe_key__startswith=f"emergency:{incident.pk}:").order_by("created_at", "id")
    )


@dataclass(frozen=True)
class ToldContact:
    """An emergency contact texted the first alert, as the delivery recorded them (whatever the contacts are now)."""

    phone: str
    language: str
    name: str


def alerted_contacts(*, key: str, templates: Iterable[str]) -> list[ToldContact]:
    """The contacts texted under the incident's alert ``key`` with one of the contact ``templates``: they must hear
    that it ended, in the language they were alerted in, even if the trekker has removed them since."""
    rows = Delivery.objects.filter(dedupe_key=key, channel=Channel.SMS, template__in=list(templates)).order_by("id")
    return [
        ToldContact(phone=phone, language=language, name=str((context or {}).get("contact_name", "")))
        for phone, language, context in rows.values_list("recipient", "language", "context")
    ]


def active_incidents_with_location() -> QuerySet[Incident]:
    """The map feed: open incidents (not closed) that have a known location."""
    return (
        Incident.objects.filter(status__in=ACTIVE_STATUSES, latitude__isnull=False)
        .select_related("trekker", "batch__trek")
        .order_by("-received_at", "-id")
    )


def incident_responders() -> QuerySet[User]:
    """Active staff who receive every SOS (holders of incidents.manage); ``notify_many`` reads their devices."""
    return User.objects.filter(staff_role__in=roles_with(Capability.INCIDENTS_MANAGE), is_active=True)


def escalation_recipients() -> QuerySet[User]:
    """Active ops managers and super admins, re-alerted while an incident stays unacknowledged."""
    return User.objects.filter(staff_role__in=[StaffRole.OPS_MANAGER, StaffRole.SUPER_ADMIN], is_active=True)


def is_batch_guide(user: Any, incident: Incident) -> bool:
    """``user`` is the acting guide of the incident's batch (``apps.treks.selectors.guides_batch``)."""
    return guides_batch(user, incident.batch)


def can_handle(user: Any, incident: Incident) -> bool:
    """Acknowledge, update, resolve: staff with incidents.manage and the guide of the incident's batch."""
    return can_manage_all(user) or is_batch_guide(user, incident)


@dataclass
class Audience:
    """Who the first alert of a trekker's incident goes to, read before the incident is written: the trekker's
    batch (:func:`batch_for_trekker`, with its trek, guide and guide's user), their emergency contacts and the
    responders (:func:`incident_responders`); every user here carries their push devices (prefetched as
    ``devices``, newest first), so ``notify_many`` reads none."""

    batch: Batch | None
    contacts: list[EmergencyContact]
    responders: list[User]


def _devices_of(user_column: str) -> str:
    return json_rows(Device, f"x.user_id = {user_column}", "x.last_seen_at DESC, x.id")


def audience_sql(trekker: User, *, today: date) -> tuple[str, list[Any]]:
    """One ``SELECT`` of one row (columns ``batch``, ``contacts``, ``responders``, JSON) reading the
    :class:`Audience` of an incident of ``trekker`` (PostgreSQL only; :func:`audience_from_row` reads it).

    The batch is :func:`batch_for_trekker`'s (the confirmed booking on now, else the next one), the responders
    :func:`incident_responders`, the contacts in their model's order.
    """
    return _audience_text(), [trekker.pk, BookingStatus.CONFIRMED, today, trekker.pk]


@functools.cache
def _audience_text() -> str:
    """:func:`audience_sql`'s text, the same for every trekker and day: built once per process."""
    quote = connection.ops.quote_name
    booking, batch, trek, guide, user = (quote(model._meta.db_table) for model in (Booking, Batch, Trek, Guide, User))
    batch_sql = (
        "(SELECT json_build_object('batch', to_json(b), 'trek', json_build_object('id', t.id, 'name', t.name, "  # noqa: S608  table names from _meta, values as parameters
        "'slug', t.slug), 'guide', to_json(g), 'guide_user', to_json(gu), 'guide_devices', "
        f"{_devices_of('gu.id')}) FROM {booking} bk JOIN {batch} b ON b.id = bk.batch_id "
        f"JOIN {trek} t ON t.id = b.trek_id LEFT JOIN {guide} g ON g.id = b.guide_id "
        f"LEFT JOIN {user} gu ON gu.id = g.user_id "
        "WHERE bk.user_id = %s AND bk.status = %s AND b.end_date >= %s "
        "ORDER BY b.start_date, bk.created_at LIMIT 1)"
    )
    contacts = json_rows(EmergencyContact, "x.user_id = %s", "x.is_primary DESC, x.created_at")
    responders = (
        f"(SELECT coalesce(json_agg(json_build_object('user', to_json(u), 'devices', {_devices_of('u.id')}) "  # noqa: S608  table names from _meta, values as parameters
        f"ORDER BY u.id), '[]') FROM {user} u WHERE u.staff_role IN ({_responder_roles()}) AND u.is_active)"
    )
    return f"SELECT {batch_sql} AS batch, {contacts} AS contacts, {responders} AS responders"


def _responder_roles() -> str:
    """The roles of :func:`incident_responders` as SQL literals, written into the statement rather than sent as a
    parameter. The statement is prepared with a generic plan (``apps.common.prepared``), planned once from the
    statistics of the moment: ``staff_role = ANY($1)`` is then estimated without knowing the roles, and with
    statistics taken while the table held staff only (a new deployment, a database whose analyze lags behind its
    sign-ups) the plan read every user on every SOS (4.3 ms with 8,700 users on the bench database). The roles
    written out are estimated from the column's own statistics and read through its index."""
    roles = roles_with(Capability.INCIDENTS_MANAGE)
    if not all(role.isidentifier() for role in roles):  # role names are code constants: never quoting to escape
        raise ValueError(f"unexpected role names: {roles}")
    return ", ".join(f"'{role}'" for role in roles)


def _user_with_devices(data: dict[str, Any], devices: list[dict[str, Any]]) -> User:
    user = instance_from_json(User, data)
    user._prefetched_objects_cache = {"devices": [instance_from_json(Device, device) for device in devices]}  # type: ignore[attr-defined]
    return user


def audience_from_row(batch: dict[str, Any] | None, contacts: list[Any], responders: list[Any]) -> Audience:
    """The :class:`Audience` of the row :func:`audience_sql` read."""
    found = None
    if batch is not None:
        found = instance_from_json(Batch, batch["batch"])
        found.trek = instance_from_json(Trek, batch["trek"])
        guide = None
        if batch["guide"] is not None:
            guide = instance_from_json(Guide, batch["guide"])
            guide.user = _user_with_devices(batch["guide_user"], batch["guide_devices"])
        found.guide = guide
    return Audience(
        batch=found,
        contacts=[instance_from_json(EmergencyContact, contact) for contact in contacts],
        responders=[_user_with_devices(entry["user"], entry["devices"]) for entry in responders],
    )


def audience(trekker: User, *, today: date) -> Audience:
    """The :class:`Audience` of an incident of ``trekker`` (one query on PostgreSQL; a few elsewhere)."""
    if connection.vendor != "postgresql":
        return audience_by_orm(trekker, today=today)
    sql, params = audience_sql(trekker, today=today)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return audience_from_row(*cursor.fetchone())


def audience_by_orm(trekker: User, *, today: date) -> Audience:
    """:func:`audience` read with the selectors it stands for (up to six queries): SQLite's, and the reference."""
    batch = batch_for_trekker(trekker, today=today)
    if batch is not None and batch.guide is not None:
        prefetch_related_objects([batch.guide.user], "devices")
    return Audience(
        batch=batch,
        contacts=list(trekker.emergency_contacts.all()),
        responders=list(incident_responders().prefetch_related("devices")),
    )


def incidents_by_priority(qs: QuerySet[Incident]) -> QuerySet[Incident]:
    """Active incidents first, then the most severe, the unacknowledged, the oldest (the staff list's order)."""
    severity = Case(
        *(When(severity=value, then=Value(rank)) for rank, value in enumerate(IncidentSeverity.values)),
        output_field=IntegerField(),
    )
    active = Case(When(status__in=ACTIVE_STATUSES, then=Value(0)), default=Value(1), output_field=IntegerField())
    return qs.annotate(active_rank=active, severity_rank=severity).order_by(*PRIORITY_ORDER)


# The order of ``incidents_by_priority`` (on its annotations), for lists that set their ordering themselves.
PRIORITY_ORDER = ("active_rank", "-severity_rank", F("acknowledged_at").asc(nulls_first=True), "received_at", "pk")


# --- check-ins -------------------------------------------------------------------------------------


def check_in_batch(user: Any, *, today: date) -> Batch | None:
    """The departure under way ``today`` that ``user`` leads as its acting guide, else the one of their confirmed
    booking; None when they are on none (a check-in needs one)."""
    on_now = Q(start_date__lte=today, end_date__gte=today) & ~Q(status=Batch.Status.CANCELLED)
    led = Batch.objects.filter(on_now, guided_by_q(user)).order_by("start_date", "id").first()
    if led is not None:
        return led
    booking = current_or_next_confirmed_booking(user, today=today)
    if booking is None or booking.batch.start_date > today:
        return None
    return booking.batch


def latest_open_check_in(user: Any) -> CheckIn | None:
    """The user's check-in still waiting for them: armed, or overdue (the alarm went off)."""
    return (
        CheckIn.objects.filter(user=user, status__in=(CheckIn.Status.ARMED, CheckIn.Status.OVERDUE))
        .order_by("-created_at", "-id")
        .first()
    )


def check_ins_visible_to(user: Any) -> QuerySet[CheckIn]:
    """Own check-ins; the acting guide: their departures'; incidents.manage: all."""
    qs = CheckIn.objects.select_related("user", "batch__trek", "incident").order_by("-created_at", "-id")
    if can_manage_all(user):
        return qs
    return qs.filter(Q(user=user) | guided_by_q(user, via="batch__"))


def batch_with_guide(batch: Batch) -> Batch:
    """``batch`` with its trek, guide and guide's devices loaded (whom an alert about it reaches)."""
    loaded = Batch.objects.select_related("trek", "guide__user").get(pk=batch.pk)
    if loaded.guide is not None:
        prefetch_related_objects([loaded.guide.user], "devices")
    return loaded
