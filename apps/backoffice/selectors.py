"""What the admin index shows, each part in a fixed number of queries (no query per row)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.core.cache import caches
from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet
from django.utils import timezone

from apps.bookings.models import ACTIVE_STATUSES as BOOKING_ACTIVE
from apps.bookings.models import Booking, Refund
from apps.common.services import broker_recently_failed
from apps.emergency.models import ACTIVE_STATUSES as INCIDENT_ACTIVE
from apps.emergency.models import Incident
from apps.emergency.selectors import incidents_by_priority
from apps.notifications.models import Delivery
from apps.treks.domain import local_today
from apps.treks.models import Batch, BatchStatus
from apps.users.models import PointsTransaction, User
from apps.users.phones import to_e164

ROWS = 10
POINTS_ROWS = 20
FAILED_DELIVERY_DAYS = 7


@dataclass
class Departure:
    batch: Batch
    seats_booked: int = 0
    unpaid: Decimal = Decimal("0.00")
    missing_documents: int = 0
    bookings: list[Booking] = field(default_factory=list)

    @property
    def guide(self) -> str:
        guide = self.batch.guide
        return (guide.user.get_full_name() or guide.user.email or "") if guide else ""


def departures_between(*, first: date, last: date) -> list[Departure]:
    """Departures starting in [first, last] (cancelled ones left out) with their active bookings, their
    participants and documents: 4 queries."""
    active = Booking.objects.filter(status__in=BOOKING_ACTIVE).prefetch_related("participants", "documents")
    batches = (
        Batch.objects.filter(start_date__range=(first, last))
        .exclude(status=BatchStatus.CANCELLED)
        .select_related("trek", "guide__user")
        .prefetch_related(Prefetch("bookings", queryset=active, to_attr="active_bookings"))
        .order_by("start_date", "trek__name")
    )
    departures = []
    for batch in batches:
        bookings = batch.active_bookings
        departures.append(
            Departure(
                batch=batch,
                bookings=bookings,
                seats_booked=sum(b.seats for b in bookings),
                unpaid=sum((b.balance_due for b in bookings), Decimal("0.00")),
                missing_documents=sum(1 for b in bookings if b.missing_documents),
            )
        )
    return departures


def incidents_needing_attention(limit: int = ROWS) -> QuerySet[Incident]:
    """Active incidents: the most severe first, then unacknowledged ones, then the oldest (one query)."""
    return incidents_by_priority(
        Incident.objects.filter(status__in=INCIDENT_ACTIVE).select_related("trekker", "batch__trek")
    )[:limit]


def refunds_pending(limit: int = ROWS) -> QuerySet[Refund]:
    return (
        Refund.objects.filter(status__in=(Refund.Status.PENDING, Refund.Status.FAILED))
        .select_related("booking__batch__trek")
        .order_by("created_at")[:limit]
    )


def deliveries_failed(*, limit: int = ROWS, days: int = FAILED_DELIVERY_DAYS) -> QuerySet[Delivery]:
    since = timezone.now() - timedelta(days=days)
    return Delivery.objects.filter(status=Delivery.Status.FAILED, updated_at__gte=since).order_by("-updated_at")[:limit]


CACHE_DOWN = (
    "Redis (the shared cache) is unreachable: each server caches in its own memory, rate limits count per "
    "server, and phone sign-in codes cannot be sent (503). Everything on this page is read from the database."
)
BROKER_DOWN = (
    "The task queue (Redis) refused a task moments ago: e-mails, SMS, push messages, reminders and refunds "
    "queued since wait for the sweepers, which send them once it is back. SOS alerts are sent from the request."
)


def platform_outages() -> list[str]:
    """What the back-office lacks now, in words for staff: the shared cache (probed through the cache, which
    leaves a failed Redis alone for a while, so a hung server costs one timeout, not one per page) and the
    task queue (as the last enqueue of this process found it). Empty when nothing is missing."""
    outages = []
    default = caches["default"]
    default.get("backoffice:probe")
    if getattr(default, "redis_down", False):
        outages.append(CACHE_DOWN)
    if broker_recently_failed():
        outages.append(BROKER_DOWN)
    return outages


def dashboard(*, sections: set[str], today: date | None = None) -> dict[str, Any]:
    """The index's data for the sections the viewer may see (``departures``, ``incidents``, ``refunds``,
    ``deliveries``): at most 3 + 3 + 1 + 1 + 1 queries, whatever the number of rows."""
    today = today or local_today()
    week_end = today + timedelta(days=6)
    data: dict[str, Any] = {"today": today, "week_end": week_end, "outages": platform_outages()}
    if "departures" in sections:
        week = departures_between(first=today, last=week_end)
        data["departures_today"] = [d for d in week if d.batch.start_date == today]
        data["departures_week"] = [d for d in week if d.batch.start_date != today]
    if "incidents" in sections:
        data["incidents"] = list(incidents_needing_attention())
    if "refunds" in sections:
        data["refunds"] = list(refunds_pending())
    if "deliveries" in sections:
        data["deliveries"] = list(deliveries_failed())
    return data


# --- customers (the customers API and the admin's phone booking) ---------------------------------------


def customers() -> QuerySet[User]:
    """Accounts of customers: no staff role, not anonymised."""
    return User.objects.filter(staff_role__isnull=True, deleted_at__isnull=True)


def customer_search(q: str = "") -> QuerySet[User]:
    """Customers whose name, e-mail, phone (normalised like sign-up: ``98123 45678`` finds ``+919812345678``)
    or booking reference matches ``q``; newest first, each with the number of their bookings."""
    qs = customers().annotate(bookings_count=Count("bookings", distinct=True))
    q = q.strip()
    if q:
        match = Q(email__icontains=q) | Q(first_name__icontains=q) | Q(last_name__icontains=q)
        first, _, rest = q.partition(" ")
        if rest:
            match |= Q(first_name__iexact=first, last_name__icontains=rest.strip())
        phone = to_e164(q)
        if phone:
            match |= Q(phone=phone)
        match |= Q(Exists(Booking.objects.filter(user=OuterRef("pk"), reference__iexact=q)))
        qs = qs.filter(match)
    return qs.order_by("-date_joined", "-id")


def customer_detail(customer_id: Any) -> tuple[User, list[Booking], list[PointsTransaction], list[Incident]] | None:
    """A customer with their bookings (newest first), their last points lines and their incidents."""
    customer = customers().filter(pk=customer_id).first()
    if customer is None:
        return None
    bookings = list(customer.bookings.select_related("batch__trek", "created_by").order_by("-created_at")[:100])
    points = list(PointsTransaction.objects.filter(user=customer).order_by("-created_at")[:POINTS_ROWS])
    incidents = list(Incident.objects.filter(trekker=customer).select_related("batch__trek").order_by("-received_at"))
    return customer, bookings, points, incidents
