"""Guides open incidents for trekkers of their batches; the incident's batch comes from the booking."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from apps.emergency.models import Incident
from apps.emergency.selectors import batch_for_trekker
from apps.emergency.tests.conftest import Cast
from apps.notifications.models import Delivery
from apps.treks.tests.factories import BatchFactory, GuideFactory

LIST = "/api/v1/emergency/incidents/"


def confirmed_booking(user: Any, batch: Any) -> Any:
    """Book and pay through the bookings app's own services (as its tests do), so the booking is real."""
    from apps.bookings import services as bookings
    from apps.bookings.gateways import LocalGateway
    from apps.users.models import EmergencyContact

    if not EmergencyContact.objects.filter(user=user).exists():  # a booking is paid for only with one on file
        EmergencyContact.objects.create(
            user=user, name="Asha Verma", phone="+919800000001", relationship="Sister", is_primary=True
        )
    booking = bookings.booking_create(user=user, batch_id=batch.pk, participants=[{"name": "Priya", "age": 29}])
    payment = bookings.payment_order_create(booking=booking)
    signed = LocalGateway().simulate_payment(order_id=payment.gateway_order_id)
    bookings.payment_verify(
        user=user,
        order_id=signed["razorpay_order_id"],
        payment_id=signed["razorpay_payment_id"],
        signature=signed["razorpay_signature"],
    )
    booking.refresh_from_db()
    assert booking.status == "confirmed"
    return booking


def test_the_batch_is_that_of_the_current_or_next_confirmed_booking(cast: Cast) -> None:
    assert batch_for_trekker(cast.trekker) is None  # no booking yet
    batch = BatchFactory(guide=GuideFactory())
    confirmed_booking(cast.trekker, batch)
    assert batch_for_trekker(cast.trekker) == batch


def test_only_guides_open_incidents_for_others(cast: Cast, client_for: Any) -> None:
    body = {"trekker": str(cast.trekker.pk), "kind": "injury"}
    for user in (cast.trekker, cast.ops, cast.finance):
        assert client_for(user).post(LIST, body, format="json").status_code == 403
    assert client_for(None).post(LIST, body, format="json").status_code == 401


def test_a_guide_cannot_open_for_a_trekker_outside_their_batches(cast: Cast, client_for: Any) -> None:
    guide = GuideFactory()
    response = client_for(guide.user).post(LIST, {"trekker": str(cast.trekker.pk), "kind": "injury"}, format="json")
    assert response.status_code == 404
    unknown = client_for(guide.user).post(LIST, {"trekker": str(uuid.uuid4()), "kind": "injury"}, format="json")
    assert unknown.status_code == 404
    assert not Incident.objects.exists()


@pytest.mark.parametrize(
    "body", [{}, {"trekker": "x", "kind": "injury"}, {"kind": "injury"}, {"trekker": str(uuid.uuid4()), "kind": "?"}]
)
def test_bad_guide_reports_are_400(client_for: Any, body: dict[str, Any], db: None) -> None:
    assert client_for(GuideFactory().user).post(LIST, body, format="json").status_code == 400


def test_a_guide_opens_an_incident_for_a_trekker_of_their_batch(
    cast: Cast, client_for: Any, django_capture_on_commit_callbacks: Any
) -> None:
    guide = GuideFactory(user__phone="+919899999999")
    batch = BatchFactory(guide=guide)
    confirmed_booking(cast.trekker, batch)
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(guide.user).post(
            LIST,
            {"trekker": str(cast.trekker.pk), "kind": "altitude_sickness", "severity": "high", "message": "AMS"},
            format="json",
        )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["source"] == "guide"
    assert body["batch"]["id"] == str(batch.pk)
    assert body["reported_by"]["id"] == str(guide.user.pk)
    incident = Incident.objects.get(pk=body["id"])
    keyed = Delivery.objects.filter(dedupe_key=f"emergency:{incident.pk}:alert")
    assert keyed.filter(recipient="+919822222222").exists()  # the contacts are told
    assert not keyed.filter(user=guide.user).exists()  # the reporting guide is not alerted
    assert keyed.filter(recipient=guide.satellite_phone).exists()


def test_an_sos_takes_the_batch_of_the_confirmed_booking_and_alerts_its_guide(cast: Cast, client_for: Any) -> None:
    guide = GuideFactory(user__phone="+919899999999")
    batch = BatchFactory(guide=guide)
    confirmed_booking(cast.trekker, batch)
    response = client_for(cast.trekker).post(
        "/api/v1/emergency/sos/", {}, format="json", HTTP_IDEMPOTENCY_KEY=str(uuid.uuid4())
    )
    assert response.status_code == 201
    assert response.json()["batch"]["id"] == str(batch.pk)
    incident = Incident.objects.get()
    assert Delivery.objects.filter(
        dedupe_key=f"emergency:{incident.pk}:alert", channel="sms", recipient="+919899999999"
    ).exists()
    # The guide of the batch sees and handles it.
    guide_client = client_for(guide.user)
    assert guide_client.get(f"/api/v1/emergency/incidents/{incident.pk}/").status_code == 200
    assert guide_client.post(f"/api/v1/emergency/incidents/{incident.pk}/acknowledge/").status_code == 200
