"""Demo deposits: a booking confirmed on its deposit with a payment link sent, one overdue, loaded once."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

from apps.bookings.models import Booking, PaymentLink

pytestmark = pytest.mark.django_db


def test_seed_demo_shows_a_deposit_a_payment_link_and_an_overdue_balance():
    call_command("seed_demo", stdout=StringIO())
    deposits = Booking.objects.filter(user__email__startswith="deposit.", status="confirmed")
    assert deposits.count() == 2
    for booking in deposits:
        assert booking.balance_due_date is not None
        assert 0 < booking.amount_paid < booking.final_amount
    assert deposits.filter(balance_overdue_at__isnull=False).count() == 1
    link = PaymentLink.objects.get(booking__in=deposits)
    assert link.times_sent == 1
    assert link.amount_paise == int((link.booking.final_amount - link.booking.amount_paid) * 100)
    count = Booking.objects.count()
    call_command("seed_demo", stdout=StringIO())
    assert Booking.objects.count() == count
