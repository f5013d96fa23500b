"""Demo deposits for ``manage.py seed_demo``: two treks that take a 20 % deposit, a booking confirmed on its deposit
with the balance's payment link sent by ops, and one whose balance is overdue (ops see it with ``?balance=overdue``).

Idempotent: nothing is added when the demo deposit trekkers already have bookings.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from apps.bookings import services
from apps.bookings.models import Booking
from apps.demo.accounts import demo_user
from apps.demo.bookings import DEMO_FRIEND_DOMAIN, demo_paid
from apps.treks.models import Batch, Trek
from apps.users.models import EmergencyContact, User

DEPOSIT_PERCENT = Decimal("20")
BALANCE_DUE_DAYS = 30


def _trekker(local: str, first: str, last: str) -> User:
    user, _ = User.objects.get_or_create(
        email=f"{local}@{DEMO_FRIEND_DOMAIN}", defaults={"first_name": first, "last_name": last}
    )
    if not EmergencyContact.objects.filter(user=user).exists():  # no booking is paid without someone to call
        EmergencyContact.objects.create(
            user=user, name=f"{first}'s mother", relationship="mother", phone="+919810000021", is_primary=True
        )
    return user


def _deposit_paid(user: User, batch: Batch) -> Booking:
    level = batch.trek.min_experience_level or "never"  # experienced enough for the trek (its eligibility rules)
    booking = services.booking_create(
        user=user,
        batch_id=batch.pk,
        participants=[
            {"name": user.get_full_name(), "age": 31, "experience_level": level},
            {"name": "Friend", "age": 30, "experience_level": level},
        ],
    )
    return demo_paid(booking, deposit_only=True)


def seed_deposits(write: Callable[[str], None]) -> None:
    meera = _trekker("deposit.meera", "Meera", "Joshi")
    arjun = _trekker("deposit.arjun", "Arjun", "Negi")
    if Booking.objects.filter(user__in=[meera, arjun]).exists():
        return
    today = timezone.localdate()
    ahead = (
        Batch.objects.filter(
            status=Batch.Status.OPEN,
            start_date__gt=today + timedelta(days=BALANCE_DUE_DAYS + 10),
            total_seats__gte=6,
        )
        .select_related("trek")
        .order_by("-start_date")
    )
    later = ahead.first()
    earlier = ahead.filter(start_date__lt=later.start_date).first() if later else None
    if later is None or earlier is None:
        write("  demo deposits: not enough open departures far enough ahead, skipped")
        return
    with transaction.atomic():
        Trek.objects.filter(pk__in=[later.trek_id, earlier.trek_id]).update(
            deposit_kind=Trek.DepositKind.PERCENT, deposit_value=DEPOSIT_PERCENT, balance_due_days=BALANCE_DUE_DAYS
        )
        later.refresh_from_db()
        earlier.refresh_from_db()
        due = _deposit_paid(meera, later)
        overdue = _deposit_paid(arjun, earlier)
    services.payment_link_send(actor=demo_user("ops"), booking=due)
    # the overdue job as it will run the day after the earlier booking's due date (the later one is not due yet)
    if overdue.balance_due_date is not None:
        services.balances_overdue_process(today=overdue.balance_due_date + timedelta(days=1))
    write(
        f"  demo deposits: {due.reference} confirmed on its deposit with a payment link sent, "
        f"{overdue.reference} with its balance overdue"
    )
