"""Demo bookings: one in every state, captured payments, the coupon used once and a waitlist, loaded once."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

from apps.bookings.models import Booking, Coupon, Payment, WaitlistEntry
from apps.users.models import User

pytestmark = pytest.mark.django_db


def test_seed_demo_adds_bookings_in_every_state_once():
    call_command("seed_demo", stdout=StringIO())
    trekker = User.objects.get(email="trekker@demo.obsexperiences.in")
    statuses = set(Booking.objects.filter(user=trekker).values_list("status", flat=True))
    assert statuses == {"pending", "confirmed", "completed", "expired", "cancelled"}
    # the confirmed, completed and cancelled bookings were paid, and the confirmed one's add-on balance
    assert Payment.objects.filter(booking__user=trekker, status="captured").count() == 4
    assert Coupon.objects.filter(code="TRIBE10", uses=1).exists()
    assert WaitlistEntry.objects.filter(user=trekker, status="waiting").exists()
    count = Booking.objects.count()
    call_command("seed_demo", stdout=StringIO())
    assert Booking.objects.count() == count
