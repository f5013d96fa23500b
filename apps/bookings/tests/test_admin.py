from __future__ import annotations

import pytest

from apps.bookings.models import Booking, Payment, PaymentEvent

pytestmark = pytest.mark.django_db


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
