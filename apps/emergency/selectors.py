"""Reads: which incidents a user may see, with everything the API shows loaded up front."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db.models import Case, F, IntegerField, Prefetch, Q, QuerySet, Value, When

from apps.bookings.selectors import current_or_next_confirmed_booking
from apps.emergency.models import ACTIVE_STATUSES, Incident, IncidentSeverity, IncidentUpdate
from apps.notifications.models import Delivery
from apps.treks.models import Batch
from apps.treks.selectors import guided_by_q, guides_batch
from apps.users.models import User
from apps.users.roles import Capability, StaffRole, has_capability, roles_with


def batch_for_trekker(trekker: User, *, today: date | None = None) -> Batch | None:
    """The batch of the trekker's current or next confirmed booking, or None (the incident's batch)."""
    booking = current_or_next_confirmed_booking(trekker, today=today)
    return booking.batch if booking is not None else None


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
