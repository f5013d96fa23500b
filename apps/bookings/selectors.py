"""Booking reads: lists with everything a page shows fetched in a constant number of queries."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.db.models import Count, F, Prefetch, Q, QuerySet, Sum
from django.db.models.functions import TruncMonth

from apps.bookings.models import Booking, BookingDocument, BookingParticipant, BookingStatus, Payment, Refund
from apps.common.exceptions import NotFound
from apps.notifications.models import Delivery
from apps.treks.domain import local_today
from apps.treks.models import Batch
from apps.treks.selectors import guides_batch
from apps.users.roles import Capability, has_capability


def _with_relations(qs: QuerySet[Booking]) -> QuerySet[Booking]:
    return qs.select_related("batch__trek", "user", "coupon").prefetch_related(
        Prefetch("participants", queryset=BookingParticipant.objects.order_by("position")),
        Prefetch("documents", queryset=BookingDocument.objects.order_by("kind", "-created_at")),
    )


def booking_list(*, user: Any, everyone: bool = False) -> QuerySet[Booking]:
    """The caller's bookings; every booking for staff holding ``bookings.view`` who ask for ``everyone``."""
    qs = Booking.objects.all()
    if not (everyone and has_capability(user, Capability.BOOKINGS_VIEW)):
        qs = qs.filter(user=user)
    return _with_relations(qs).order_by("-created_at", "-id")


def _visible(*, user: Any, booking_id: Any, staff_capability: str) -> QuerySet[Booking]:
    qs = Booking.objects.filter(pk=booking_id)
    return qs if has_capability(user, staff_capability) else qs.filter(user=user)


def booking_get(*, user: Any, booking_id: Any, staff_capability: str = Capability.BOOKINGS_VIEW) -> Booking:
    """The booking if the caller owns it or holds ``staff_capability``; 404 otherwise (never 403)."""
    booking = _with_relations(_visible(user=user, booking_id=booking_id, staff_capability=staff_capability)).first()
    if booking is None:
        raise NotFound("No such booking.")
    return booking


def trip_pack_booking(*, user: Any, booking_id: Any) -> Booking:
    """The booking for its trip pack, as :func:`booking_get` decides who sees it: departure, trek, region, guide."""
    booking = (
        _visible(user=user, booking_id=booking_id, staff_capability=Capability.BOOKINGS_VIEW)
        .select_related("batch__trek__region", "batch__guide__user")
        .prefetch_related(Prefetch("participants", queryset=BookingParticipant.objects.order_by("position")))
        .first()
    )
    if booking is None:
        raise NotFound("No such booking.")
    return booking


def current_or_next_confirmed_booking(user: Any, *, today: date | None = None) -> Booking | None:
    """The confirmed booking the trekker is on now, or else their next one (the emergency app asks this)."""
    today = today or local_today()
    return (
        Booking.objects.filter(user=user, status=Booking.Status.CONFIRMED, batch__end_date__gte=today)
        .select_related("batch__trek", "batch__guide__user")
        .order_by("batch__start_date", "created_at")
        .first()
    )


def manifest_bookings(*, batch: Batch) -> QuerySet[Booking]:
    """Pending and confirmed bookings of a batch with participants, documents and payments."""
    return (
        _with_relations(Booking.objects.filter(batch=batch, status__in=("pending", "confirmed")))
        .prefetch_related(Prefetch("payments", queryset=Payment.objects.order_by("created_at")))
        .order_by("created_at", "id")
    )


def can_view_manifest(*, user: Any, batch: Batch) -> bool:
    """``manifest.view``, or the batch's acting guide (``apps.treks.selectors.guides_batch``)."""
    return has_capability(user, Capability.MANIFEST_VIEW) or guides_batch(user, batch)


def revenue_report(*, date_from: date, date_to: date, group_by: str) -> list[dict[str, Any]]:
    """Captured payments and processed refunds in ``[date_from, date_to]`` (local dates), summed in the database."""
    payments = Payment.objects.filter(
        status=Payment.Status.CAPTURED, flagged=False, captured_at__date__gte=date_from, captured_at__date__lte=date_to
    )
    refunds = Refund.objects.filter(
        status=Refund.Status.PROCESSED, processed_at__date__gte=date_from, processed_at__date__lte=date_to
    )
    paid: Any
    back: Any
    if group_by == "trek":
        paid = payments.values(k=F("booking__batch__trek__slug"), l=F("booking__batch__trek__name"))
        back = refunds.values(k=F("booking__batch__trek__slug"), l=F("booking__batch__trek__name"))
    else:
        paid = payments.annotate(k=TruncMonth("captured_at")).values("k")
        back = refunds.annotate(k=TruncMonth("processed_at")).values("k")
    rows: dict[Any, dict[str, Any]] = {}
    for row in paid.annotate(gross=Sum("amount_paise"), payments=Count("id"), bookings=Count("booking", distinct=True)):
        rows[row["k"]] = {
            "key": row["k"],
            "label": row.get("l") or row["k"],
            "gross_paise": row["gross"],
            "payments": row["payments"],
            "bookings": row["bookings"],
            "refunded_paise": 0,
        }
    for row in back.annotate(refunded=Sum("amount_paise")):
        entry = rows.setdefault(
            row["k"],
            {"key": row["k"], "label": row.get("l") or row["k"], "gross_paise": 0, "payments": 0, "bookings": 0},
        )
        entry["refunded_paise"] = row["refunded"]
    return [rows[key] for key in sorted(rows, key=str)]


def staff_search(qs: QuerySet[Booking], q: str) -> QuerySet[Booking]:
    return qs.filter(
        Q(trekker_name__icontains=q)
        | Q(trekker_email__icontains=q)
        | Q(trekker_phone__icontains=q)
        | Q(user__email__icontains=q)
        | Q(user__phone__icontains=q)
        | Q(user__first_name__icontains=q)
        | Q(user__last_name__icontains=q)
        | Q(reference__iexact=q)
    )


# --- reminders -----------------------------------------------------------------------------------


def bookings_starting_on(*, start_date: date) -> QuerySet[Booking]:
    """Pending or confirmed bookings whose batch starts on ``start_date`` (the pre-trek reminders)."""
    return (
        Booking.objects.filter(
            batch__start_date=start_date, status__in=(BookingStatus.PENDING, BookingStatus.CONFIRMED)
        )
        .select_related("user", "batch__trek")
        .prefetch_related("documents")
    )


def bookings_with_hold_expiring(*, after: datetime, until: datetime) -> QuerySet[Booking]:
    """Pending bookings whose seat hold lapses in ``(after, until]`` (the hold-expiry reminders)."""
    return (
        Booking.objects.filter(status=BookingStatus.PENDING, hold_expires_at__gt=after, hold_expires_at__lte=until)
        .select_related("user", "batch__trek")
        .prefetch_related("documents")
    )


def booking_messages(booking: Booking, limit: int = 50) -> QuerySet[Delivery]:
    """The messages sent about a booking (newest first): built with its context or keyed ``booking:<id>:...``."""
    about = Q(context__booking_id=str(booking.pk)) | Q(dedupe_key__startswith=f"booking:{booking.pk}:")
    return Delivery.objects.filter(about).order_by("-created_at")[:limit]
