"""Demo booking changes: a group of three, one cancelled, moved to another trek; loaded once."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

from apps.bookings.models import Booking, Refund
from apps.bookings.tests.changes_helpers import assert_books_balance
from apps.common.models import AuditLog
from apps.demo.changes import DEMO_GROUP_EMAIL

pytestmark = pytest.mark.django_db


def test_seed_demo_shows_a_participant_cancelled_and_a_transfer_once():
    call_command("seed_demo", stdout=StringIO())
    booking = Booking.objects.select_related("batch__trek").get(user__email=DEMO_GROUP_EMAIL)
    assert booking.status == "confirmed"
    assert booking.seats == 2
    assert booking.change_fees > 0
    assert Refund.objects.filter(booking=booking, reason="participant_cancelled").exists()
    actions = set(AuditLog.objects.filter(target_id=str(booking.pk)).values_list("action", flat=True))
    assert {"booking.participant_cancelled", "booking.transferred"} <= actions
    assert booking.balance_due == 0
    assert_books_balance(booking)
    count = Booking.objects.count()
    call_command("seed_demo", stdout=StringIO())
    assert Booking.objects.count() == count
