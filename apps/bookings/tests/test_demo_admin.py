from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

from apps.bookings.models import Booking, Coupon, Payment, PaymentEvent, WaitlistEntry
from apps.users.models import User

pytestmark = pytest.mark.django_db


def test_seed_demo_adds_bookings_in_every_state_once():
    call_command("seed_demo", stdout=StringIO())
    trekker = User.objects.get(email="trekker@demo.obsexperiences.in")
    statuses = set(Booking.objects.filter(user=trekker).values_list("status", flat=True))
    assert statuses == {"pending", "confirmed", "completed", "expired", "cancelled"}
    assert Payment.objects.filter(booking__user=trekker, status="captured").count() == 3
    assert Coupon.objects.filter(code="TRIBE10", uses=1).exists()
    assert WaitlistEntry.objects.filter(user=trekker, status="waiting").exists()
    count = Booking.objects.count()
    call_command("seed_demo", stdout=StringIO())
    assert Booking.objects.count() == count


def test_admin_pages_for_finance_and_ops(client, staff_user, user, batch, book, pay):
    booking = pay(book(user, batch))
    finance = staff_user("finance")
    client.force_login(finance)
    assert client.get("/admin/bookings/payment/").status_code == 200
    assert client.get("/admin/bookings/booking/").status_code == 200
    assert client.get(f"/admin/bookings/booking/{booking.pk}/change/").status_code == 200
    assert client.get("/admin/bookings/coupon/add/").status_code == 200
    response = client.post(f"/admin/bookings/booking/{booking.pk}/delete/", {"post": "yes"})
    assert response.status_code == 403
    assert Booking.objects.filter(pk=booking.pk).exists()
    client.force_login(staff_user("content"))
    assert client.get("/admin/bookings/booking/").status_code == 403


def test_money_rows_are_protected(user, batch, book, pay):
    from django.db import IntegrityError, transaction
    from django.db.models import ProtectedError

    booking = pay(book(user, batch))
    for obj in (booking, user, batch):
        with pytest.raises(ProtectedError), transaction.atomic():
            obj.delete()
    # rows nothing points at are refused by the database itself
    event = PaymentEvent.objects.create(gateway="local", event_id="evt_keep", type="payment.captured", payload={})
    for obj in (Payment.objects.get(booking=booking), event):
        with pytest.raises(IntegrityError), transaction.atomic():
            obj.delete()
    with pytest.raises(IntegrityError), transaction.atomic():
        PaymentEvent.objects.all().delete()
    assert PaymentEvent.objects.filter(pk=event.pk).exists()
