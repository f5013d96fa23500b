"""Demo bookings for ``manage.py seed_demo``: one booking in every state, payments, a coupon and a waitlist.

Idempotent: nothing is added when the demo trekker already has bookings.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from apps.bookings import services
from apps.bookings.gateways import LocalGateway
from apps.bookings.models import Booking, Coupon
from apps.bookings.services.payments import payment_order_create
from apps.demo.accounts import demo_user
from apps.treks.models import Batch
from apps.treks.services.batches import batch_create
from apps.users.models import EmergencyContact, User

DEMO_COUPON = "TRIBE10"
DEMO_FRIEND_DOMAIN = "tribe.demo.obsexperiences.in"
# a registered buyer in Karnataka (a made-up GSTIN with a valid check character): its invoice is charged IGST
DEMO_BILLING = {"billing_name": "Tribe Adventures LLP", "billing_gstin": "29OBSDM0001D1ZB", "billing_state": "29"}


def demo_paid(booking: Booking, *, deposit_only: bool = False) -> Booking:
    """The booking's balance (or its deposit) ordered and paid as the local gateway's checkout would."""
    payment = payment_order_create(booking=booking, deposit_only=deposit_only)
    signed = LocalGateway().simulate_payment(order_id=payment.gateway_order_id)
    services.payment_verify(
        user=booking.user,
        order_id=signed["razorpay_order_id"],
        payment_id=signed["razorpay_payment_id"],
        signature=signed["razorpay_signature"],
    )
    booking.refresh_from_db()
    return booking


def _participants(user: User, n: int = 1) -> list[dict[str, object]]:
    lead = {"name": user.get_full_name() or "Demo Trekker", "age": 29}
    return [lead] + [{"name": f"Friend {i}", "age": 27 + i} for i in range(1, n)]


def seed_bookings(write: Callable[[str], None]) -> None:
    now = timezone.now()
    Coupon.objects.get_or_create(
        code=DEMO_COUPON,
        defaults={
            "description": "10% off for the Tribe",
            "kind": Coupon.Kind.PERCENT,
            "value": Decimal("10"),
            "valid_from": now - timedelta(days=1),
            "valid_until": now + timedelta(days=365),
            "max_uses": 100,
        },
    )
    trekker = demo_user("trekker")
    if trekker is None or Booking.objects.filter(user=trekker).exists():
        return
    batches = list(
        Batch.objects.filter(status=Batch.Status.OPEN, start_date__gt=now.date() + timedelta(days=10))
        .select_related("trek")
        .order_by("start_date")[:6]
    )
    if len(batches) < 5:
        write("  demo bookings: not enough open batches, skipped")
        return
    with transaction.atomic():
        # pending
        services.booking_create(user=trekker, batch_id=batches[0].pk, participants=_participants(trekker, 2))
        # confirmed, with a coupon, billed to a registered business in another state (an IGST tax invoice)
        with_coupon = services.booking_create(
            user=trekker, batch_id=batches[1].pk, participants=_participants(trekker), coupon_code=DEMO_COUPON
        )
        demo_paid(services.booking_billing_update(actor=trekker, booking=with_coupon, **DEMO_BILLING))
        # cancelled after paying: a tax invoice (CGST + SGST), and a credit note for the refund the policy gives
        cancelled = demo_paid(
            services.booking_create(user=trekker, batch_id=batches[2].pk, participants=_participants(trekker))
        )
        services.booking_cancel(booking=cancelled, actor=trekker, reason="Plans changed")
        # expired
        lapsed = services.booking_create(user=trekker, batch_id=batches[3].pk, participants=_participants(trekker))
        services.booking_expire(booking_id=lapsed.pk, now=now + timedelta(minutes=31))
        # completed: a confirmed booking on a departure that has since ended
        done = demo_paid(
            services.booking_create(user=trekker, batch_id=batches[4].pk, participants=_participants(trekker))
        )
        ended = batches[4]
        Batch.objects.filter(pk=ended.pk).update(
            start_date=now.date() - timedelta(days=ended.trek.duration_days + 3),
            end_date=now.date() - timedelta(days=3),
            status=Batch.Status.COMPLETED,
        )
        services.booking_complete(booking=done)
        # a waitlist on a small departure that a group of friends has booked out
        if len(batches) > 5:
            trek = batches[5].trek
            start = batches[5].start_date + timedelta(days=3)
            small = batch_create(actor=None, trek=trek, start_date=start, total_seats=4, price=batches[5].price)
            friend, _ = User.objects.get_or_create(
                email=f"tribe.friend@{DEMO_FRIEND_DOMAIN}", defaults={"first_name": "Kabir", "last_name": "Rao"}
            )
            if not EmergencyContact.objects.filter(user=friend).exists():  # paid only with someone to call
                EmergencyContact.objects.create(
                    user=friend, name="Meera Rao", relationship="mother", phone="+919810000002", is_primary=True
                )
            demo_paid(services.booking_create(user=friend, batch_id=small.pk, participants=_participants(friend, 4)))
            services.waitlist_join(
                user=trekker, batch=Batch.objects.get(pk=small.pk), participants=_participants(trekker)
            )
    write(
        "  demo bookings: pending, confirmed, cancelled, expired and completed bookings, a waitlist, coupon TRIBE10, "
        "GST tax invoices"
    )
