"""``coupons/``: staff with ``coupons.manage`` list, read, create, change and deactivate coupons (audited); the
rules are ``coupon_check``'s, shared with the admin; bookings redeem what was written here as before."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from apps.bookings.errors import CouponExhausted, CouponInvalid
from apps.bookings.models import Coupon
from apps.bookings.services.coupons import coupon_create, coupon_update
from apps.bookings.tests.factories import CouponFactory
from apps.common.exceptions import ValidationFailed
from apps.common.models import AuditLog

pytestmark = pytest.mark.django_db

URL = "/api/v1/coupons/"


def body(**changes: Any) -> dict[str, Any]:
    now = timezone.now()
    return {
        "code": "monsoon25",
        "description": "Monsoon treks",
        "kind": "percent",
        "value": "25",
        "valid_from": (now - timedelta(hours=1)).isoformat(),
        "valid_until": (now + timedelta(days=30)).isoformat(),
        "max_uses": 2,
        "per_user_limit": 1,
        **changes,
    }


@pytest.fixture
def finance(client_for, staff_user):
    user = staff_user("finance")
    return user, client_for(user)


def test_create_read_list_with_usage_and_audit(finance, user, batch, book):
    staff, api = finance
    created = api.post(URL, body(), format="json")
    assert created.status_code == 201, created.content
    data = created.json()
    assert (data["code"], data["uses"], data["remaining"], data["state"]) == ("MONSOON25", 0, 2, "active")
    log = AuditLog.objects.get(action="coupon.created", target_id=data["id"])
    assert log.actor == staff
    assert log.changes["code"] == "MONSOON25"

    book(user, batch, coupon_code="Monsoon25")  # a booking redeems it, case aside
    detail = api.get(f"{URL}{data['id']}/").json()
    assert (detail["uses"], detail["redemptions_total"], detail["remaining"]) == (1, 1, 1)
    listed = api.get(URL, {"q": "monsoon", "active": "true"}).json()
    assert [c["code"] for c in listed["results"]] == ["MONSOON25"]
    assert api.get(URL, {"active": "false"}).json()["results"] == []
    assert api.get(URL, {"active": "perhaps"}).status_code == 400


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"kind": "percent", "value": "120"}, "value"),
        ({"value": "0"}, "value"),
        ({"value": "NaN"}, "value"),
        ({"value": "Infinity"}, "value"),
        ({"kind": "fixed", "value": "5000000"}, "value"),
        ({"code": "a b"}, "code"),
        ({"code": "x" * 41}, "code"),
        ({"code": "NUL\x00"}, None),  # refused by the JSON parser, before any field
        ({"valid_until": (timezone.now() - timedelta(days=2)).isoformat()}, "valid_until"),
        ({"max_uses": 0}, "max_uses"),
        ({"per_user_limit": 0}, "per_user_limit"),
        ({"per_user_limit": 10**6}, "per_user_limit"),
        ({"kind": "bogus"}, "kind"),
        ({"max_uses": "many"}, "max_uses"),
    ],
)
def test_refusals_name_the_field_and_write_nothing(finance, changes, field):
    response = finance[1].post(URL, body(**changes), format="json")
    assert response.status_code == 400, response.content
    assert field is None or field in response.json()["error"]["details"]
    assert not Coupon.objects.exists()
    assert not AuditLog.objects.filter(action="coupon.created").exists()


def test_codes_are_unique_whatever_the_case(finance):
    CouponFactory(code="SUMMIT")
    response = finance[1].post(URL, body(code=" summit "), format="json")
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "coupon_code_taken"
    other = CouponFactory(code="VALLEY")
    response = finance[1].patch(f"{URL}{other.pk}/", {"code": "Summit"}, format="json")
    assert response.status_code == 409
    assert Coupon.objects.get(pk=other.pk).code == "VALLEY"


def test_update_is_audited_and_a_limit_cannot_go_under_the_uses_taken(finance, make_user, batch, book):
    staff, api = finance
    coupon = CouponFactory(max_uses=5)
    for _ in range(2):
        book(make_user(), batch, coupon_code=coupon.code)
    refused = api.patch(f"{URL}{coupon.pk}/", {"max_uses": 1}, format="json")
    assert refused.status_code == 400
    assert "max_uses" in refused.json()["error"]["details"]
    changed = api.patch(f"{URL}{coupon.pk}/", {"max_uses": 2, "description": "Two only"}, format="json")
    assert changed.status_code == 200
    assert (changed.json()["max_uses"], changed.json()["state"]) == (2, "used_up")
    log = AuditLog.objects.get(action="coupon.updated", target_id=str(coupon.pk))
    assert log.actor == staff
    assert log.changes["max_uses"] == [5, 2]
    with pytest.raises(CouponExhausted):  # the booking path refuses it, as before
        book(make_user(), batch, coupon_code=coupon.code)


def test_deactivate_refuses_bookings_and_is_idempotent(finance, user, batch, book):
    coupon = CouponFactory()
    for _ in range(2):
        response = finance[1].post(f"{URL}{coupon.pk}/deactivate/")
        assert response.status_code == 200
        assert response.json()["state"] == "inactive"
    assert AuditLog.objects.filter(action="coupon.deactivated", target_id=str(coupon.pk)).count() == 1
    with pytest.raises(CouponInvalid):
        book(user, batch, coupon_code=coupon.code)


def test_an_expired_coupon_written_here_is_refused_at_booking(finance, user, batch, book):
    start = timezone.now() - timedelta(days=3)
    response = finance[1].post(
        URL, body(valid_from=start.isoformat(), valid_until=(start + timedelta(days=1)).isoformat()), format="json"
    )
    assert response.status_code == 201
    assert response.json()["state"] == "expired"
    with pytest.raises(CouponInvalid):
        book(user, batch, coupon_code="MONSOON25")


@pytest.mark.parametrize("role", ["cs", "content", "guide", None])
def test_roles_without_coupons_manage_are_refused(client_for, make_user, role):
    coupon = CouponFactory()
    api = client_for(make_user(staff_role=role) if role else make_user())
    assert api.get(URL).status_code == 403
    assert api.post(URL, body(), format="json").status_code == 403
    assert api.patch(f"{URL}{coupon.pk}/", {"value": "5"}, format="json").status_code == 403
    assert api.post(f"{URL}{coupon.pk}/deactivate/").status_code == 403
    assert Coupon.objects.get(pk=coupon.pk).value == Decimal("10")


def test_the_service_refuses_what_the_api_refuses():
    now = timezone.now()
    values = {"code": "ok-code", "kind": "percent", "value": Decimal("101"), "valid_from": now}
    with pytest.raises(ValidationFailed) as refused:
        coupon_create(actor=None, valid_until=now + timedelta(days=1), **values)
    assert set(refused.value.details or {}) == {"value"}
    coupon = coupon_create(actor=None, valid_until=now + timedelta(days=1), **{**values, "value": Decimal("10")})
    assert coupon.code == "OK-CODE"
    with pytest.raises(ValidationFailed):
        coupon_update(actor=None, coupon=coupon, changes={"valid_until": now - timedelta(days=1)})
