"""The admin refuses what the API refuses: booking and money rows are written only by the services (the admin
has no form for them, even for a super admin), and the coupon form refuses what ``coupons/`` refuses."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from apps.bookings.models import Booking, Coupon, Payment, PaymentEvent, Refund, WaitlistEntry
from apps.common.models import AuditLog

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


def _admin_form(start, **change):
    data = {
        "code": "monsoon",
        "description": "",
        "kind": "fixed",
        "value": "500",
        "valid_from_0": start.date().isoformat(),
        "valid_from_1": "00:00:00",
        "valid_until_0": (start + timedelta(days=30)).date().isoformat(),
        "valid_until_1": "00:00:00",
        "per_user_limit": "1",
        "max_uses": "",
        "is_active": "on",
    }
    return data | change


def _api_body(form):
    body = {k: v for k, v in form.items() if k[-2:] not in ("_0", "_1") and k != "is_active"}
    for name in ("valid_from", "valid_until"):
        body[name] = f"{form[name + '_0']}T{form[name + '_1']}"
    body["max_uses"] = int(form["max_uses"]) if form["max_uses"] else None
    return body


@pytest.mark.parametrize(
    ("change", "field", "status"),
    [
        ({"kind": "percent", "value": "120"}, "value", 400),
        ({"value": "0"}, "value", 400),
        ({"value": "NaN"}, "value", 400),
        ({"valid_until_0": "2026-01-01"}, "valid_until", 400),
        ({"code": "two words"}, "code", 400),
        ({"max_uses": "0"}, "max_uses", 400),
        ({"per_user_limit": "0"}, "per_user_limit", 400),
        ({"code": "Summit"}, "code", 409),  # SUMMIT exists
        ({}, None, 201),
    ],
)
def test_the_coupon_form_refuses_what_the_api_refuses(client, client_for, staff_user, change, field, status):
    Coupon.objects.create(
        code="SUMMIT", kind="fixed", value=1, valid_from=timezone.now(), valid_until=timezone.now() + timedelta(days=1)
    )
    form = _admin_form(timezone.localtime() + timedelta(days=1), **change)
    finance = staff_user("finance")
    api = client_for(finance).post("/api/v1/coupons/", _api_body(form), format="json")
    assert api.status_code == status, api.content
    if field is None:  # the same values, valid: the admin saves them too, upper-case, audited as from the admin
        Coupon.objects.filter(code="MONSOON").delete()
        AuditLog.objects.all().delete()
        client.force_login(finance)
        assert client.post("/admin/bookings/coupon/add/", form).status_code == 302
        assert AuditLog.objects.get(action="coupon.created").changes["via"] == "admin"
        assert Coupon.objects.filter(code="MONSOON").exists()
        return
    assert field in api.json()["error"]["details"]
    client.force_login(finance)
    response = client.post("/admin/bookings/coupon/add/", form)
    assert response.status_code == 200  # the form again, with the error
    assert field in response.context["adminform"].form.errors
    assert Coupon.objects.count() == 1
    assert not AuditLog.objects.filter(action="coupon.created").exists()


def test_the_coupon_change_form_keeps_the_limit_over_the_uses_taken(client, staff_user, make_user, batch, book):
    coupon = Coupon.objects.create(
        code="TWICE",
        kind="percent",
        value=10,
        valid_from=timezone.now() - timedelta(days=1),
        valid_until=timezone.now() + timedelta(days=1),
        max_uses=3,
    )
    book(make_user(), batch, coupon_code="twice")
    book(make_user(), batch, coupon_code="twice")
    client.force_login(staff_user("ops_manager"))
    url = f"/admin/bookings/coupon/{coupon.pk}/change/"
    form = client.get(url).context["adminform"].form
    data = {name: form[name].value() for name in form.fields if form[name].value() is not None}
    for name in ("valid_from", "valid_until"):
        value = timezone.localtime(data.pop(name))
        data[f"{name}_0"], data[f"{name}_1"] = value.date().isoformat(), value.time().isoformat()
    response = client.post(url, {**data, "max_uses": "1"})
    assert response.status_code == 200
    assert "max_uses" in response.context["adminform"].form.errors
    response = client.post(url, {**data, "max_uses": "2"})
    assert response.status_code == 302
    assert Coupon.objects.get(pk=coupon.pk).max_uses == 2
    log = AuditLog.objects.get(action="coupon.updated", target_id=str(coupon.pk))
    assert log.changes == {"max_uses": [3, 2], "via": "admin"}


def test_coupons_are_deactivated_never_deleted(client, staff_user):
    coupon = Coupon.objects.create(
        code="GONE", kind="fixed", value=1, valid_from=timezone.now(), valid_until=timezone.now() + timedelta(days=1)
    )
    client.force_login(staff_user("super_admin"))
    assert client.get(f"/admin/bookings/coupon/{coupon.pk}/delete/").status_code == 403
    response = client.post("/admin/bookings/coupon/", {"action": "deactivate", "_selected_action": [str(coupon.pk)]})
    assert response.status_code == 302
    assert not Coupon.objects.get(pk=coupon.pk).is_active
    assert AuditLog.objects.filter(action="coupon.deactivated", target_id=str(coupon.pk)).count() == 1
