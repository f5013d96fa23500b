"""The admin refuses what the API refuses: booking and money rows are written only by the services (the admin
has no form for them, even for a super admin), and a coupon form is held to the model's rules."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from apps.bookings.models import Booking, Coupon, Payment, PaymentEvent, Refund, WaitlistEntry

pytestmark = pytest.mark.django_db

SERVICE_WRITTEN = [Booking, Payment, PaymentEvent, Refund, WaitlistEntry]


@pytest.mark.parametrize("model", SERVICE_WRITTEN, ids=lambda m: m.__name__)
def test_no_admin_form_writes_a_service_written_row(client, staff_user, user, batch, book, pay, model):
    booking = pay(book(user, batch))
    rows = {Booking: booking, Payment: booking.payments.first()}
    client.force_login(staff_user("super_admin"))
    url = f"/admin/bookings/{model._meta.model_name}/"
    assert client.get(f"{url}add/").status_code == 403
    assert client.post(f"{url}add/", {}).status_code == 403
    if model in rows:
        obj = rows[model]
        response = client.post(f"{url}{obj.pk}/change/", {"status": "cancelled", "amount_paid": "0"})
        assert response.status_code == 403
        obj.refresh_from_db()
        assert obj.status != "cancelled"


def test_booking_status_changes_only_through_its_service(client, staff_user, user, batch, book):
    """The API answers 409 to cancelling a cancelled booking; the admin's cancel button says the same."""
    booking = book(user, batch)
    client.force_login(staff_user("super_admin"))
    client.post(f"/admin/bookings/booking/{booking.pk}/cancel/", {"reason": "first"})
    response = client.post(f"/admin/bookings/booking/{booking.pk}/cancel/", {"reason": "second"}, follow=True)
    assert "cannot become cancelled" in response.content.decode() or "not allowed" in response.content.decode()
    assert Booking.objects.get(pk=booking.pk).cancellation_reason == "first"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"kind": "percent", "value": "120"}, "coupon_percent_max_100"),
        ({"value": "0"}, "coupon_value_positive"),
        ({"valid_until_0": "2026-01-01"}, "coupon_window_valid"),
        ({}, None),
    ],
)
def test_the_coupon_form_refuses_what_the_model_refuses(client, staff_user, change, field):
    start = timezone.localtime() + timedelta(days=1)
    data = {
        "code": "monsoon",
        "kind": "fixed",
        "value": "500",
        "valid_from_0": start.date().isoformat(),
        "valid_from_1": "00:00:00",
        "valid_until_0": (start + timedelta(days=30)).date().isoformat(),
        "valid_until_1": "00:00:00",
        "per_user_limit": "1",
        "is_active": "on",
        **change,
    }
    client.force_login(staff_user("finance"))
    response = client.post("/admin/bookings/coupon/add/", data)
    if field is None:  # the same form, valid: saved (upper-case, as the API matches it)
        assert response.status_code == 302
        assert Coupon.objects.get().code == "MONSOON"
        return
    assert response.status_code == 200  # the form again, with the error
    assert not Coupon.objects.exists()
    assert field in str(response.context["adminform"].form.errors)
