from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from functools import partial

import pytest
from django.utils import timezone

from apps.bookings import services
from apps.bookings.models import Booking, Coupon, CouponRedemption
from apps.bookings.pricing import price_booking, to_paisa, to_paise
from apps.bookings.tests.conftest import people
from apps.bookings.tests.factories import CouponFactory
from apps.common.exceptions import ApplicationError
from apps.common.tests.race import Race
from apps.treks.tests.factories import BatchFactory
from apps.users.tests.factories import UserFactory


def test_rounding_is_half_up_to_the_paisa():
    assert to_paisa(Decimal("0.005")) == Decimal("0.01")
    assert to_paisa(Decimal("0.004")) == Decimal("0.00")
    assert to_paisa(Decimal("2.675")) == Decimal("2.68")  # a float would say 2.67
    assert to_paise(Decimal("12345.675")) == 1234568


def test_price_parts_add_up():
    quote = price_booking(
        unit_price=Decimal("9999.99"),
        seats=3,
        tier_discount_percent=Decimal("7"),
        coupon_kind="percent",
        coupon_value=Decimal("12.5"),
        tax_rate=Decimal("0.05"),
    )
    assert quote.base_amount == Decimal("29999.97")
    assert quote.tier_discount == Decimal("2100.00")  # 2099.9979 -> 2100.00
    assert quote.coupon_discount == Decimal("3487.50")  # 12.5 % of 27899.97 = 3487.49625
    assert quote.taxable_amount == Decimal("24412.47")
    assert quote.tax_amount == Decimal("1220.62")  # 1220.6235
    assert quote.final_amount == Decimal("25633.09")
    assert quote.final_amount == (quote.base_amount - quote.tier_discount - quote.coupon_discount + quote.tax_amount)


def test_fixed_coupon_never_exceeds_the_price():
    quote = price_booking(
        unit_price=Decimal("500"), seats=1, coupon_kind="fixed", coupon_value=Decimal("800"), tax_rate=Decimal("0.05")
    )
    assert quote.coupon_discount == Decimal("500.00")
    assert quote.final_amount == Decimal("0.00")


def test_gst_rate_is_configurable(settings):
    settings.BOOKINGS_GST_RATE = Decimal("0.18")
    quote = price_booking(unit_price=Decimal("1000.00"), seats=1)
    assert quote.tax_amount == Decimal("180.00")
    assert quote.final_amount == Decimal("1180.00")


@pytest.mark.django_db
def test_coupon_applied_and_counted(client_for, make_user):
    batch = BatchFactory(price=Decimal("10000.00"))
    coupon = CouponFactory(code="SUMMIT", kind="fixed", value=Decimal("1500"))
    user = make_user()
    response = client_for(user).post(
        "/api/v1/bookings/",
        {"batch": str(batch.pk), "participants": people(1), "coupon_code": "summit"},
        format="json",
    )
    assert response.status_code == 201, response.content
    assert response.json()["pricing"]["coupon_discount"] == "1500.00"
    assert response.json()["pricing"]["final_amount"] == "8925.00"  # 8500 + 5 %
    coupon.refresh_from_db()
    assert coupon.uses == 1
    assert CouponRedemption.objects.get(coupon=coupon).amount == Decimal("1500.00")


@pytest.mark.django_db
def test_coupon_rules(make_user, book):
    batch = BatchFactory()
    now = timezone.now()
    expired = CouponFactory(valid_from=now - timedelta(days=3), valid_until=now - timedelta(days=1))
    future = CouponFactory(valid_from=now + timedelta(days=1), valid_until=now + timedelta(days=3))
    inactive = CouponFactory(is_active=False)
    for coupon in (expired, future, inactive):
        with pytest.raises(ApplicationError) as exc:
            book(make_user(), batch, coupon_code=coupon.code)
        assert exc.value.code == "coupon_invalid"
    with pytest.raises(ApplicationError) as exc:
        book(make_user(), batch, coupon_code="NOPE")
    assert exc.value.code == "coupon_invalid"
    # per-user limit: one use per user across batches
    user = make_user()
    once = CouponFactory(per_user_limit=1)
    book(user, batch, coupon_code=once.code)
    with pytest.raises(ApplicationError) as exc:
        book(user, BatchFactory(), coupon_code=once.code)
    assert exc.value.code == "coupon_invalid"
    # max uses
    single = CouponFactory(max_uses=1)
    book(make_user(), batch, coupon_code=single.code)
    with pytest.raises(ApplicationError) as exc:
        book(make_user(), batch, coupon_code=single.code)
    assert exc.value.code == "coupon_exhausted"
    batch.refresh_from_db()
    assert batch.seats_taken == Booking.objects.filter(batch=batch).count()  # failed bookings kept no seats


@pytest.mark.django_db(transaction=True)
def test_coupon_with_five_uses_under_twenty_concurrent_redemptions(race: Race):
    batch = BatchFactory(total_seats=20)
    coupon = CouponFactory(max_uses=5)
    users = [UserFactory() for _ in range(20)]
    book = partial(services.booking_create, batch_id=batch.pk, participants=people(1), coupon_code=coupon.code)
    outcomes = race(*(partial(book, user=user) for user in users), catch=Exception).codes()
    coupon.refresh_from_db()
    assert outcomes.count("ok") == 5
    assert outcomes.count("coupon_exhausted") == 15
    assert coupon.uses == 5
    assert CouponRedemption.objects.filter(coupon=coupon).count() == 5
    batch.refresh_from_db()
    assert batch.seats_taken == 5


@pytest.mark.django_db
def test_expired_hold_gives_the_coupon_use_back(make_user, book):
    coupon = CouponFactory(max_uses=1)
    booking = book(make_user(), BatchFactory(), coupon_code=coupon.code)
    services.booking_expire(booking_id=booking.pk, now=booking.hold_expires_at)
    coupon.refresh_from_db()
    assert coupon.uses == 0
    assert Coupon.objects.get(pk=coupon.pk).redemptions.get().released_at is not None
    book(make_user(), BatchFactory(), coupon_code=coupon.code)  # usable again
