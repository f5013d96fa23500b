"""Demo trek credit for ``manage.py seed_demo``: a trekker who cancelled for credit and paid a later trek with part
of it, and a departure the operator cancelled whose booker still has to choose credit at a bonus or a refund.

Idempotent: nothing is added when the demo credit trekker already has bookings.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from apps.bookings import services
from apps.bookings.models import Booking
from apps.demo.accounts import demo_user
from apps.demo.bookings import DEMO_FRIEND_DOMAIN, demo_paid
from apps.treks.models import Batch
from apps.treks.services.batches import batch_create
from apps.users.models import EmergencyContact, User

DEMO_CREDIT_EMAIL = f"meera.credit@{DEMO_FRIEND_DOMAIN}"


def seed_credit(write: Callable[[str], None]) -> None:
    ops = demo_user("ops")
    if ops is None:
        return
    trekker, _ = User.objects.get_or_create(
        email=DEMO_CREDIT_EMAIL, defaults={"first_name": "Meera", "last_name": "Negi"}
    )
    if Booking.objects.filter(user=trekker).exists():
        return
    if not EmergencyContact.objects.filter(user=trekker).exists():  # no booking is paid without someone to call
        EmergencyContact.objects.create(
            user=trekker, name="Kiran Negi", relationship="brother", phone="+919810000012", is_primary=True
        )
    today = timezone.localdate()
    batches = list(
        Batch.objects.filter(status=Batch.Status.OPEN, start_date__gt=today + timedelta(days=30))
        .select_related("trek")
        .order_by("-start_date")[:2]
    )
    if len(batches) < 2:
        write("  demo credit: not enough open batches, skipped")
        return
    people = [{"name": "Meera Negi", "age": 34}]
    with transaction.atomic():
        # cancelled for credit at a better rate than the refund, then part of a later trek paid with it
        first = demo_paid(services.booking_create(user=trekker, batch_id=batches[0].pk, participants=people))
        services.booking_cancel(booking=first, actor=trekker, reason="Moved to a later date", settle="credit")
        later = services.booking_create(user=trekker, batch_id=batches[1].pk, participants=people)
        half = (later.final_amount / 2).quantize(later.final_amount)
        services.credit_redeem(user=trekker, booking_id=later.pk, amount=half, key=uuid.uuid4())
        # a small departure the operator cancelled: credit at a bonus or a full refund, not chosen yet
        trek = batches[1].trek
        small = batch_create(
            actor=None, trek=trek, start_date=batches[1].start_date + timedelta(days=5), total_seats=4,
            price=batches[1].price,
        )  # fmt: skip
        demo_paid(services.booking_create(user=trekker, batch_id=small.pk, participants=people))
        job = services.batch_bulk_cancel_start(actor=ops, batch=Batch.objects.get(pk=small.pk), reason="Heavy snow")
    services.batch_bulk_cancel_run(job_id=job.pk)
    write(f"  demo credit: {DEMO_CREDIT_EMAIL} took credit on a cancellation, paid half a trek with it, and has a "
          "cancelled departure's credit-or-refund choice open")  # fmt: skip
