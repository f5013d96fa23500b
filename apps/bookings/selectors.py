"""Booking reads: lists with everything a page shows fetched in a constant number of queries."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.db.models import Case, Count, Exists, F, OuterRef, Prefetch, Q, QuerySet, Sum, When
from django.db.models.functions import TruncMonth

from apps.bookings.models import (
    CREDIT_GATEWAY,
    BaseCheckIn,
    Booking,
    BookingAddOn,
    BookingDocument,
    BookingParticipant,
    BookingStatus,
    CampCheckIn,
    Coupon,
    Payment,
    Refund,
    TaxDocument,
    TaxDocumentKind,
)
from apps.bookings.pricing import to_paise
from apps.common.exceptions import NotFound
from apps.notifications.models import Delivery
from apps.treks.domain import local_today
from apps.treks.models import Batch
from apps.treks.selectors import guided_by_q, guides_batch
from apps.users.models import EmergencyContact
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
    """Pending and confirmed bookings of a batch with participants, documents, payments and the booker's current
    emergency contacts."""
    return (
        _with_relations(Booking.objects.filter(batch=batch, status__in=("pending", "confirmed")))
        .prefetch_related(
            Prefetch("payments", queryset=Payment.objects.order_by("created_at")),
            Prefetch("add_ons", queryset=BookingAddOn.objects.order_by("created_at", "name")),
            Prefetch("user__emergency_contacts", queryset=_CONTACTS),
        )
        .order_by("created_at", "id")
    )


def can_view_manifest(*, user: Any, batch: Batch) -> bool:
    """``manifest.view``, or the batch's acting guide (``apps.treks.selectors.guides_batch``)."""
    return has_capability(user, Capability.MANIFEST_VIEW) or guides_batch(user, batch)


# --- the guide's day ------------------------------------------------------------------------------


_CONTACTS = EmergencyContact.objects.order_by("-is_primary", "created_at")


def guide_departures(user: Any, *, today: date) -> QuerySet[Batch]:
    """The departures ``user`` leads now (``guided_by_q``: role, active profile, the batch's guide) that have not
    ended by ``today`` and are not cancelled, soonest first; nothing for anyone else."""
    return (
        Batch.objects.filter(guided_by_q(user), end_date__gte=today)
        .exclude(status=Batch.Status.CANCELLED)
        .select_related("trek")
        .order_by("start_date", "id")
    )


def departure_bookings(batch_ids: list[Any]) -> QuerySet[Booking]:
    """Confirmed bookings of these batches with their documents and the booker's current emergency contacts."""
    return (
        Booking.objects.filter(batch_id__in=batch_ids, status=BookingStatus.CONFIRMED)
        .prefetch_related(
            Prefetch("participants", queryset=BookingParticipant.objects.order_by("position")),
            Prefetch("documents", queryset=BookingDocument.objects.order_by("kind", "-created_at")),
            Prefetch("user__emergency_contacts", queryset=_CONTACTS),
        )
        .order_by("created_at", "id")
    )


def roster_bookings(*, batch: Batch) -> QuerySet[Booking]:
    """The departure's confirmed bookings: participants with their base check-in, documents, the booker's
    current emergency contacts (the manifest's rows, narrowed to the people who are coming)."""
    return (
        Booking.objects.filter(batch=batch, status=BookingStatus.CONFIRMED)
        .select_related("user")
        .prefetch_related(
            Prefetch(
                "participants",
                queryset=BookingParticipant.objects.select_related("base_check_in__marked_by").order_by("position"),
            ),
            Prefetch("documents", queryset=BookingDocument.objects.order_by("kind", "-created_at")),
            Prefetch("user__emergency_contacts", queryset=_CONTACTS),
            Prefetch("add_ons", queryset=BookingAddOn.objects.order_by("created_at", "name")),
        )
        .order_by("created_at", "id")
    )


def roster_participant(*, batch: Batch, participant_id: Any) -> BookingParticipant:
    """A participant of a confirmed booking of ``batch``; 404 for any other id."""
    found = (
        BookingParticipant.objects.filter(
            pk=participant_id, booking__batch=batch, booking__status=BookingStatus.CONFIRMED
        )
        .select_related("booking")
        .first()
    )
    if found is None:
        raise NotFound("No participant of this departure has this id.")
    return found


def can_mark_base(*, user: Any, batch: Batch) -> bool:
    """Base check-ins: the batch's acting guide, or staff holding ``bookings.manage`` (corrections)."""
    return guides_batch(user, batch) or has_capability(user, Capability.BOOKINGS_MANAGE)


def base_check_ins(*, batch: Batch) -> QuerySet[BaseCheckIn]:
    return BaseCheckIn.objects.filter(batch=batch).select_related("participant__booking", "marked_by")


def camp_check_ins(*, batch: Batch) -> QuerySet[CampCheckIn]:
    return CampCheckIn.objects.filter(batch=batch).select_related("posted_by").order_by("-posted_at", "-id")


def batches_missing_camp_check_in(*, day: date) -> QuerySet[Batch]:
    """Departures on the mountain on ``day`` (started, not yet on their last day, not cancelled) with no camp
    check-in for ``day``: the guide's word that the group reached camp is overdue once the day's hour passes."""
    posted = CampCheckIn.objects.filter(batch=OuterRef("pk"), day=day)
    return (
        Batch.objects.filter(start_date__lte=day, end_date__gt=day)
        .exclude(status=Batch.Status.CANCELLED)
        .filter(~Exists(posted))
        .select_related("trek", "guide__user")
        .order_by("start_date", "id")
    )


def revenue_report(*, date_from: date, date_to: date, group_by: str) -> list[dict[str, Any]]:
    """Captured payments and processed refunds in ``[date_from, date_to]`` (local dates), summed in the database.

    Money only: payments made with trek credit (and their refunds, which go back to the credit) are left out, the
    money behind that credit having been counted when it was first paid."""
    payments = Payment.objects.filter(
        status=Payment.Status.CAPTURED, flagged=False, captured_at__date__gte=date_from, captured_at__date__lte=date_to
    ).exclude(gateway=CREDIT_GATEWAY)
    refunds = Refund.objects.filter(
        status=Refund.Status.PROCESSED, processed_at__date__gte=date_from, processed_at__date__lte=date_to
    ).exclude(payment__gateway=CREDIT_GATEWAY)
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
        entry = rows.setdefault(row["k"], _revenue_row(row))
        entry["refunded_paise"] = row["refunded"]
    for row in _gst_by(group_by=group_by, date_from=date_from, date_to=date_to):
        entry = rows.setdefault(row["k"], _revenue_row(row))
        entry.update({f"{tax}_paise": to_paise(row[tax] or Decimal(0)) for tax in GST_COLUMNS})
    for entry in rows.values():
        for tax in GST_COLUMNS:
            entry.setdefault(f"{tax}_paise", 0)
    return [rows[key] for key in sorted(rows, key=str)]


GST_COLUMNS = ("taxable", "cgst", "sgst", "igst")


def _revenue_row(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "key": row["k"],
        "label": row.get("l") or row["k"],
        "gross_paise": 0,
        "payments": 0,
        "bookings": 0,
        "refunded_paise": 0,
    }


def _gst_by(*, group_by: str, date_from: date, date_to: date) -> Any:
    """Tax invoices less credit notes issued in the range (local dates), summed per trek or month."""
    documents: Any = TaxDocument.objects.filter(issued_at__date__gte=date_from, issued_at__date__lte=date_to)
    if group_by == "trek":
        documents = documents.values(k=F("booking__batch__trek__slug"), l=F("booking__batch__trek__name"))
    else:
        documents = documents.annotate(k=TruncMonth("issued_at")).values("k")
    signed = {
        tax: Sum(
            Case(
                When(kind=TaxDocumentKind.CREDIT_NOTE, then=-F(f"{tax}_amount")),
                default=F(f"{tax}_amount"),
            )
        )
        for tax in GST_COLUMNS
    }
    return documents.annotate(**signed)


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
        .prefetch_related("participants", "documents")
    )


def bookings_with_hold_expiring(*, after: datetime, until: datetime) -> QuerySet[Booking]:
    """Pending bookings whose seat hold lapses in ``(after, until]`` (the hold-expiry reminders)."""
    return (
        Booking.objects.filter(status=BookingStatus.PENDING, hold_expires_at__gt=after, hold_expires_at__lte=until)
        .select_related("user", "batch__trek")
        .prefetch_related("participants", "documents")
    )


def booking_messages(booking: Booking, limit: int = 50) -> QuerySet[Delivery]:
    """The messages sent about a booking (newest first): built with its context or keyed ``booking:<id>:...``."""
    about = Q(context__booking_id=str(booking.pk)) | Q(dedupe_key__startswith=f"booking:{booking.pk}:")
    return Delivery.objects.filter(about).order_by("-created_at")[:limit]


def batch_booked(*, batch: Batch) -> QuerySet[Booking]:
    """The pending and confirmed bookings of ``batch``: whom a new date or another guide is told to."""
    return (
        Booking.objects.filter(batch_id=batch.pk, status__in=(BookingStatus.PENDING, BookingStatus.CONFIRMED))
        .select_related("batch__trek", "user")
        .order_by("created_at", "id")
    )


# --- coupons -------------------------------------------------------------------------------------


def coupon_list(*, search: str = "", active: bool | None = None) -> QuerySet[Coupon]:
    """Coupons with their usage: ``redemptions`` (every booking that took the coupon) and ``released``
    (those given back when a hold lapsed or a booking was cancelled unpaid); ``uses`` counts the ones held."""
    qs = Coupon.objects.annotate(
        redemptions_total=Count("redemptions"),
        redemptions_released=Count("redemptions", filter=Q(redemptions__released_at__isnull=False)),
    )
    if search:
        qs = qs.filter(Q(code__icontains=search) | Q(description__icontains=search))
    if active is not None:
        qs = qs.filter(is_active=active)
    return qs.order_by("code")


def coupon_get(*, coupon_id: Any) -> Coupon:
    coupon = coupon_list().filter(pk=coupon_id).first()
    if coupon is None:
        raise NotFound("No such coupon.")
    return coupon


# --- tax documents -------------------------------------------------------------------------------


def booking_tax_documents(*, user: Any, booking_id: Any) -> QuerySet[TaxDocument]:
    """The tax invoices and credit notes of a booking the caller owns, or any booking for ``invoices.view``; 404
    for a booking they may not see."""
    booking = _visible(user=user, booking_id=booking_id, staff_capability=Capability.INVOICES_VIEW).first()
    if booking is None:
        raise NotFound("No such booking.")
    return TaxDocument.objects.filter(booking=booking).order_by("issued_at", "kind", "sequence")


def tax_document_get(*, user: Any, document_id: Any) -> TaxDocument:
    """One tax document of the caller's own bookings, or any for ``invoices.view``; 404 otherwise (never 403)."""
    qs = TaxDocument.objects.filter(pk=document_id)
    if not has_capability(user, Capability.INVOICES_VIEW):
        qs = qs.filter(booking__user=user)
    document = qs.first()
    if document is None:
        raise NotFound("No such invoice or credit note.")
    return document


@dataclass(frozen=True)
class AddOnLine:
    """One add-on line as an invoice prints it (INR): ``amount`` before GST, ``tax_amount``, ``total``."""

    name: str
    size: str
    quantity: int
    unit_price: Decimal
    gst_rate: Decimal
    amount: Decimal
    tax_amount: Decimal
    total: Decimal


def booking_add_on_lines(booking: Booking) -> list[AddOnLine]:
    """The booking's add-on lines, in the order they were taken (for invoices and receipts)."""
    return [
        AddOnLine(
            name=f"{line.name} ({line.size})" if line.size else line.name,
            size=line.size,
            quantity=line.quantity,
            unit_price=line.unit_price,
            gst_rate=line.gst_rate,
            amount=line.amount,
            tax_amount=line.tax_amount,
            total=line.total,
        )
        for line in BookingAddOn.objects.filter(booking=booking).order_by("created_at", "name")
    ]
