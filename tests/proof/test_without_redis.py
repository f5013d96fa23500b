"""A trekker's whole journey with Redis unreachable: everything answers 2xx except phone codes (503).

The cache, the Celery broker and the OTP store all point at a Redis that is down, with the production
throttles on (the test settings turn them off elsewhere). Two ways of being down: connections refused,
and a server that accepts connections and never answers (hung, or failed over behind a proxy). The
second must not hold every request on a timeout: after the first failure each client leaves Redis alone,
so a second journey opens no connection to it at all.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone
from rest_framework.test import APIClient
from rest_framework.throttling import AnonRateThrottle, UserRateThrottle
from rest_framework.views import APIView

from apps.bookings.gateways import LocalGateway
from apps.bookings.models import Payment
from apps.bookings.tests.test_webhooks import deliver as deliver_webhook
from apps.bookings.tests.test_webhooks import payment_event
from apps.common.tests.redis_doubles import DEAD_REDIS, SilentRedis, redis_unreachable, silent_redis
from apps.treks.tests.factories import BatchFactory, TrekFactory
from apps.users.tests.factories import DEFAULT_PASSWORD, UserFactory

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

A_LONG_TIME = 3600.0  # retry windows that outlast the test, however slow the machine


@contextmanager
def _redis(kind: str) -> Iterator[SilentRedis | None]:
    if kind == "refused":
        with redis_unreachable(DEAD_REDIS, retry_seconds=A_LONG_TIME):
            yield None
        return
    with silent_redis() as server, redis_unreachable(server.url, timeout=0.3, retry_seconds=A_LONG_TIME):
        yield server


def _ok(response: Any, *codes: int) -> Any:
    assert response.status_code in (codes or (200,)), (response.status_code, response.content[:500])
    return response


def _journey(number: int) -> dict[str, Any]:
    """Browse, sign in, refresh, profile, book, pay (local gateway and its webhook), message, SOS."""
    trek = TrekFactory(slug=f"kedarkantha-{number}", name=f"Kedarkantha {number}", duration_days=4)
    batch = BatchFactory(trek=trek, start_date=timezone.localdate() + timedelta(days=60), price=Decimal("10000"))
    email = f"walker-{number}@example.com"
    UserFactory(email=email, phone=f"+9198123456{number:02d}")

    anonymous = APIClient()
    seen: dict[str, Any] = {}
    listing = _ok(anonymous.get("/api/v1/treks/"))
    assert trek.slug in [t["slug"] for t in listing.json()["results"]]
    _ok(anonymous.get("/api/v1/regions/"))
    _ok(anonymous.get(f"/api/v1/treks/{trek.slug}/"))
    _ok(anonymous.get(f"/api/v1/treks/{trek.slug}/batches/"))
    _ok(anonymous.get("/api/schema/"))
    _ok(anonymous.get("/api/docs/"))

    pair = _ok(anonymous.post("/api/v1/auth/login/", {"email": email, "password": DEFAULT_PASSWORD}, format="json"))
    refreshed = _ok(
        anonymous.post("/api/v1/auth/token/refresh/", {"refresh": pair.json()["refresh"]}, format="json")
    ).json()
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {refreshed['access']}")
    _ok(client.get("/api/v1/users/me/"))
    _ok(client.patch("/api/v1/users/me/", {"first_name": "Asha"}, format="json"))
    contact = {"name": "Mohan Rawat", "relationship": "father", "phone": "+919810000009"}
    _ok(client.post("/api/v1/users/me/emergency-contacts/", contact, format="json"), 201)

    booking = _ok(
        client.post(
            "/api/v1/bookings/",
            {"batch": str(batch.pk), "participants": [{"name": "Asha Rawat", "age": 29}]},
            format="json",
        ),
        201,
    ).json()
    order = _ok(client.post(f"/api/v1/bookings/{booking['id']}/payments/", {}, format="json"), 200, 201).json()
    checkout = LocalGateway().simulate_payment(order_id=order["order_id"])
    _ok(client.post("/api/v1/payments/verify/", checkout, format="json"))
    payment = Payment.objects.get(gateway_order_id=order["order_id"])
    webhook = payment_event("payment.captured", payment, pay_id=checkout["razorpay_payment_id"])
    _ok(deliver_webhook(webhook, f"evt_without_redis_{number}"), 200, 201, 202, 204)
    seen["booking"] = _ok(client.get(f"/api/v1/bookings/{booking['id']}/")).json()

    # The seat taken shows in the catalog at once.
    detail = _ok(anonymous.get(f"/api/v1/treks/{trek.slug}/")).json()
    seen["seats_left"] = [b["seats_left"] for b in detail["batches"]]
    seen["total_seats"] = batch.total_seats

    other = UserFactory()
    conversation = _ok(
        client.post("/api/v1/conversations/", {"kind": "direct", "participants": [str(other.pk)]}, format="json"),
        200,
        201,
    ).json()
    _ok(
        client.post(
            f"/api/v1/conversations/{conversation['id']}/messages/", {"message_body": "Bus at 5?"}, format="json"
        ),
        201,
    )
    _ok(client.get(f"/api/v1/conversations/{conversation['id']}/messages/"))

    sos = client.post(
        "/api/v1/emergency/sos/",
        {"latitude": 30.7, "longitude": 78.5, "message": "Twisted ankle below the pass"},
        format="json",
        HTTP_IDEMPOTENCY_KEY=str(uuid.uuid4()),
    )
    _ok(sos, 201)

    otp = anonymous.post("/api/v1/auth/otp/send/", {"phone": f"+9198123457{number:02d}"}, format="json")
    assert otp.status_code == 503, otp.content
    assert otp.json()["error"]["code"] == "otp_unavailable"
    return seen


@pytest.fixture
def production_throttles(monkeypatch: pytest.MonkeyPatch, settings: Any) -> None:
    monkeypatch.setattr(APIView, "throttle_classes", (AnonRateThrottle, UserRateThrottle))
    settings.REDIS_RETRY_SECONDS = A_LONG_TIME
    settings.CELERY_ENQUEUE_BACKOFF_SECONDS = A_LONG_TIME


@pytest.mark.parametrize("kind", ["refused", "silent"])
def test_the_api_serves_a_whole_journey_without_redis(kind: str, production_throttles: None) -> None:
    with _redis(kind) as server:
        first = _journey(1)
        opened = server.connections if server else None
        second = _journey(2)
        if server is not None:
            assert server.connections == opened, "a request waited on the dead Redis again"
    for seen in (first, second):
        assert seen["booking"]["status"] == "confirmed"
        assert seen["seats_left"] == [seen["total_seats"] - 1]
