"""Writes that carry fields the actor may not set (status, amounts, user, role, points, is_staff)
change nothing: the fields are ignored (or the write is refused) and the stored row keeps its values."""

from __future__ import annotations

import uuid
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from apps.bookings.models import Booking
from apps.messaging.models import Message
from apps.messaging.tests.factories import MessageFactory, group_with
from apps.notifications.models import Device
from apps.treks.models import Batch, Trek
from apps.treks.tests.factories import BatchFactory, TrekFactory
from apps.users.models import User

pytestmark = pytest.mark.django_db

PRIVILEGED_USER_FIELDS = {
    "staff_role": "super_admin",
    "role": "super_admin",
    "is_staff": True,
    "is_superuser": True,
    "is_active": False,
    "obs_points": 100000,
    "tribe_tier": "legend",
    "email_verified": True,
    "phone_verified": True,
    "id": "00000000-0000-0000-0000-000000000001",
}


def test_register_ignores_role_points_and_staff_flags(api_client) -> None:
    body = {"email": "climber@example.com", "password": "Fresh-Trail-2026!", "first_name": "A", "last_name": "B"}
    response = api_client.post("/api/v1/auth/register/", {**body, **PRIVILEGED_USER_FIELDS}, format="json")
    assert response.status_code in (201, 400), response.content
    user = User.objects.filter(email="climber@example.com").first()
    if user is None:  # refused outright: nothing was written
        assert response.status_code == 400
        return
    assert user.staff_role in (None, "")
    assert not user.is_staff
    assert not user.is_superuser
    assert user.is_active
    assert user.obs_points == 0
    assert str(user.pk) != PRIVILEGED_USER_FIELDS["id"]
    fresh = User.objects.get(pk=user.pk)
    assert fresh.tribe_tier != "legend"


def test_batch_writes_cannot_set_seats_taken_or_status(client_for, staff_user) -> None:
    ops = client_for(staff_user("ops_manager"))
    trek = TrekFactory(duration_days=3, max_group_size=12)
    batch = BatchFactory(trek=trek, total_seats=10, seats_taken=2)
    response = ops.patch(
        f"/api/v1/batches/{batch.id}/",
        {"seats_taken": 0, "status": "completed", "trek": str(TrekFactory().id), "id": str(trek.id)},
        format="json",
    )
    assert response.status_code in (200, 400), response.content
    batch.refresh_from_db()
    assert (batch.seats_taken, batch.status, batch.trek_id) == (2, Batch.Status.OPEN, trek.id)

    created = ops.post(
        f"/api/v1/treks/{trek.slug}/batches/",
        {
            "start_date": str(batch.start_date.replace(year=batch.start_date.year + 1)),
            "total_seats": 8,
            "price": "9000.00",
            "seats_taken": 8,
            "status": "completed",
        },
        format="json",
    )
    assert created.status_code in (201, 400), created.content
    if created.status_code == 201:
        row = Batch.objects.get(pk=created.json()["id"])
        assert (row.seats_taken, row.status, row.price) == (0, Batch.Status.OPEN, Decimal("9000.00"))


def test_trek_patch_cannot_set_computed_fields(client_for, staff_user) -> None:
    content = client_for(staff_user("content"))
    trek = TrekFactory()
    response = content.patch(
        f"/api/v1/treks/{trek.slug}/",
        {"route_stats": {"distance_km": 1}, "route_geojson": {"type": "Feature"}, "id": "x", "slug": "hijack"},
        format="json",
    )
    assert response.status_code in (200, 400), response.content
    fresh = Trek.objects.get(pk=trek.pk)
    assert (fresh.route_stats, fresh.route_geojson, fresh.slug) == (None, None, trek.slug)


def test_device_and_message_writes_cannot_pick_their_owner(client_for, make_user) -> None:
    me, victim = make_user(), make_user()
    client = client_for(me)
    response = client.post(
        "/api/v1/notifications/devices/",
        {"token": "fcm-" + "z" * 60, "platform": "android", "user": str(victim.pk)},
        format="json",
    )
    assert response.status_code == 201, response.content
    assert Device.objects.get(pk=response.json()["id"]).user_id == me.pk

    conversation = group_with(me, victim)
    response = client.post(
        f"/api/v1/conversations/{conversation.id}/messages/",
        {"message_body": "hello", "sender": str(victim.pk), "is_deleted": True, "sent_at": "2001-01-01T00:00:00Z"},
        format="json",
    )
    assert response.status_code == 201, response.content
    message = Message.objects.get(pk=response.json()["id"])
    assert message.sender_id == me.pk
    assert message.sent_at.year != 2001

    theirs = MessageFactory(conversation=conversation, sender=victim, message_body="original")
    edit = client.patch(
        f"/api/v1/conversations/{conversation.id}/messages/{theirs.id}/",
        {"message_body": "forged", "sender": str(me.pk)},
        format="json",
    )
    assert edit.status_code == 403
    theirs.refresh_from_db()
    assert (theirs.message_body, theirs.sender_id) == ("original", victim.pk)


def test_profile_patch_cannot_raise_role_points_or_verification(client_for, make_user) -> None:
    me = make_user(email_verified=False)
    before = User.objects.values("staff_role", "is_staff", "is_superuser", "obs_points", "email_verified").get(pk=me.pk)
    response = client_for(me).patch(
        "/api/v1/users/me/", {**PRIVILEGED_USER_FIELDS, "email": "elsewhere@example.com"}, format="json"
    )
    assert response.status_code in (200, 400), response.content
    after = User.objects.values("staff_role", "is_staff", "is_superuser", "obs_points", "email_verified").get(pk=me.pk)
    assert after == before
    assert User.objects.get(pk=me.pk).email == me.email  # the address changes only through verification


def test_emergency_contact_cannot_be_filed_under_someone_else(client_for, make_user) -> None:
    from apps.users.models import EmergencyContact

    me, victim = make_user(), make_user()
    response = client_for(me).post(
        "/api/v1/users/me/emergency-contacts/",
        {"name": "Pa", "relationship": "father", "phone": "+919800000002", "user": str(victim.pk)},
        format="json",
    )
    assert response.status_code == 201, response.content
    assert EmergencyContact.objects.get(pk=response.json()["id"]).user_id == me.pk
    assert not EmergencyContact.objects.filter(user=victim).exists()


def test_role_assignment_needs_users_manage(client_for, make_user, staff_user) -> None:
    target = make_user()
    for role in ("ops_manager", "cs", "finance", "content", "guide"):
        response = client_for(staff_user(role)).put(f"/api/v1/users/{target.pk}/role/", {"role": "super_admin"})
        assert response.status_code == 403, (role, response.content)
    target.refresh_from_db()
    assert target.staff_role in (None, "")
    assert not target.is_staff


def test_booking_create_ignores_status_amounts_and_owner(client_for, make_user) -> None:
    from apps.bookings.models import Booking

    me, victim = make_user(), make_user()
    batch = BatchFactory(total_seats=10)
    response = client_for(me).post(
        "/api/v1/bookings/",
        {
            "batch": str(batch.id),
            "participants": [{"name": "Asha Rawat", "age": 29}],
            "user": str(victim.pk),
            "status": "confirmed",
            "final_amount": "1.00",
            "amount_paid": "99999.00",
            "unit_price": "1.00",
            "seats": 6,
            "points_awarded": 5000,
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    booking = Booking.objects.get(pk=response.json()["id"])
    assert booking.user_id == me.pk
    assert booking.status == "pending"
    assert booking.amount_paid == Decimal("0")
    assert booking.unit_price == batch.price
    assert booking.final_amount > Decimal("1.00")
    assert booking.seats == 1
    assert not Booking.objects.filter(user=victim).exists()
    me.refresh_from_db()
    assert me.obs_points == 0


def test_booking_cancel_body_cannot_set_the_refund(client_for, make_user) -> None:
    from apps.community.tests.factories import make_booking

    me = make_user()
    batch = BatchFactory(start_date=timezone.localdate() + timedelta(days=2))
    booking = make_booking(me, batch=batch)
    response = client_for(me).post(
        f"/api/v1/bookings/{booking.id}/cancel/",
        {"reason": "x", "refund_amount": "10500.00", "refund_percent": 100, "amount_refunded": "10500.00"},
        format="json",
    )
    assert response.status_code in (200, 409), response.content
    booking.refresh_from_db()
    assert booking.amount_refunded < Decimal("10500.00")


def test_customer_account_body_cannot_verify_or_grant(client_for, staff_user) -> None:
    response = client_for(staff_user("ops_manager")).post(
        "/api/v1/customers/",
        {
            "first_name": "Meera",
            "phone": "+919876543210",
            "phone_verified": True,
            "email_verified": True,
            "staff_role": "super_admin",
            "obs_points": 9999,
            "password": "Chosen-By-Staff-1",
        },
        format="json",
    )
    assert response.status_code == 201
    customer = User.objects.get(pk=response.json()["id"])
    assert (customer.phone_verified, customer.email_verified, customer.staff_role) == (False, False, None)
    assert customer.obs_points == 0
    assert not customer.has_usable_password()


def test_staff_booking_body_cannot_pick_owner_creator_status_or_amounts(client_for, staff_user, make_user) -> None:
    ops, someone = staff_user("ops_manager"), make_user()
    customer = make_user()
    batch = BatchFactory(total_seats=10)
    response = client_for(ops).post(
        f"/api/v1/customers/{customer.pk}/bookings/",
        {
            "batch": str(batch.pk),
            "participants": [{"name": "Meera", "age": 30}],
            "source": "phone",
            "user": str(someone.pk),
            "created_by": str(someone.pk),
            "status": "confirmed",
            "amount_paid": "99999.00",
            "final_amount": "1.00",
        },
        format="json",
    )
    assert response.status_code == 201
    booking = Booking.objects.get(pk=response.json()["id"])
    assert (booking.user_id, booking.created_by_id, booking.status) == (customer.pk, ops.pk, "pending")
    assert booking.amount_paid == 0
    assert booking.final_amount > 1


def test_offline_payment_body_cannot_pick_status_gateway_or_recorder(client_for, staff_user, make_user) -> None:
    from apps.bookings import services
    from apps.bookings.models import Payment
    from apps.bookings.tests.conftest import with_emergency_contact

    ops, someone = staff_user("ops_manager"), make_user()
    booking = services.booking_create(
        user=with_emergency_contact(make_user()),
        batch_id=BatchFactory(total_seats=10).pk,
        participants=[{"name": "A", "age": 30}],
    )
    response = client_for(ops).post(
        f"/api/v1/bookings/{booking.pk}/offline-payments/",
        {
            "amount_paise": 100,
            "method": "cash",
            "receipt_reference": "R-9",
            "status": "failed",
            "gateway": "razorpay",
            "recorded_by": str(someone.pk),
            "booking": str(uuid.uuid4()),
        },
        format="json",
        HTTP_IDEMPOTENCY_KEY=str(uuid.uuid4()),
    )
    assert response.status_code == 201
    payment = Payment.objects.get(booking=booking)
    assert (payment.status, payment.gateway, payment.recorded_by_id) == ("captured", "offline", ops.pk)
