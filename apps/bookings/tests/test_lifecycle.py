from __future__ import annotations

from datetime import datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.utils import timezone

from apps.bookings import services
from apps.bookings.domain import TRANSITIONS, check_transition
from apps.bookings.models import BatchCancellation, Booking, Refund
from apps.bookings.policy import refund_percent_for
from apps.bookings.selectors import current_or_next_confirmed_booking
from apps.bookings.signals import booking_completed
from apps.common.exceptions import ApplicationError
from apps.common.models import AuditLog
from apps.messaging.models import ConversationParticipant
from apps.notifications.models import Notification
from apps.treks.models import Batch
from apps.treks.tests.factories import BatchFactory
from apps.users.models import PointsTransaction

pytestmark = pytest.mark.django_db
IST = ZoneInfo("Asia/Kolkata")


# --- hold expiry -----------------------------------------------------------------------------------


def test_expiry_job_releases_seats_notifies_and_is_idempotent(user, batch, book):
    booking = book(user, batch, seats=3)
    assert services.bookings_expire_holds(now=booking.hold_expires_at - timedelta(seconds=1)) == 0
    assert services.bookings_expire_holds(now=booking.hold_expires_at) == 1
    assert services.bookings_expire_holds(now=booking.hold_expires_at + timedelta(minutes=1)) == 0
    booking.refresh_from_db()
    batch.refresh_from_db()
    assert booking.status == "expired"
    assert batch.seats_taken == 0
    assert batch.status == "open"
    assert Notification.objects.filter(user=user, template="booking_expired").count() == 1


def test_expiry_task_runs_the_service(user, batch, book):
    from apps.bookings.tasks import expire_holds

    booking = book(user, batch)
    with time_machine.travel(booking.hold_expires_at + timedelta(seconds=1), tick=False):
        assert expire_holds.apply().get() == 1


def test_hold_minutes_setting(settings, user, batch, book):
    settings.BOOKINGS_HOLD_MINUTES = 10
    now = timezone.now()
    with time_machine.travel(now, tick=False):
        booking = book(user, batch)
    assert booking.hold_expires_at == now + timedelta(minutes=10)


# --- state machine ---------------------------------------------------------------------------------

ALL = ["pending", "confirmed", "completed", "expired", "cancelled"]
LEGAL = {
    ("pending", "confirmed"),
    ("pending", "expired"),
    ("pending", "cancelled"),
    ("confirmed", "completed"),
    ("confirmed", "cancelled"),
}


@pytest.mark.parametrize("source", ALL)
@pytest.mark.parametrize("target", ALL)
def test_every_transition(source, target):
    booking = Booking(status=source)
    if (source, target) in LEGAL:
        check_transition(booking, target)
    else:
        with pytest.raises(ApplicationError) as exc:
            check_transition(booking, target)
        assert exc.value.code == "invalid_transition"
    assert {(s, t) for s, targets in TRANSITIONS.items() for t in targets} == LEGAL


@pytest.mark.parametrize("status", ["expired", "cancelled", "completed"])
def test_cancelling_a_closed_booking_is_409(client_for, user, batch, book, status):
    booking = book(user, batch)
    Booking.objects.filter(pk=booking.pk).update(status=status, hold_expires_at=None)
    response = client_for(user).post(f"/api/v1/bookings/{booking.pk}/cancel/", {}, format="json")
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "invalid_transition"


def test_completing_early_or_twice(user, book, pay):
    batch = BatchFactory()
    booking = pay(book(user, batch))
    with pytest.raises(ApplicationError) as exc:
        services.booking_complete(booking=booking)
    assert exc.value.code == "invalid_transition"
    pending = book(user, BatchFactory())
    with pytest.raises(ApplicationError) as exc:
        services.booking_complete(booking=pending, today=pending.batch.end_date + timedelta(days=1))
    assert exc.value.code == "invalid_transition"


# --- completion and points -------------------------------------------------------------------------


def test_completion_grants_points_once_and_signals(user, book, pay, django_capture_on_commit_callbacks):
    batch = BatchFactory()
    booking = pay(book(user, batch))
    received: list[Booking] = []

    def listener(sender, booking, **kwargs):
        received.append(booking)

    booking_completed.connect(listener)
    try:
        after_end = batch.end_date + timedelta(days=1)
        with django_capture_on_commit_callbacks(execute=True):
            assert services.bookings_complete_finished(today=after_end) == 1
            services.booking_complete(booking=booking, today=after_end)  # again: nothing more
    finally:
        booking_completed.disconnect(listener)
    booking.refresh_from_db()
    user.refresh_from_db()
    assert booking.status == "completed"
    assert user.obs_points == 100
    assert PointsTransaction.objects.filter(user=user).count() == 1
    assert [b.pk for b in received] == [booking.pk]


def test_no_points_for_booking_then_cancelling(user, batch, book, pay):
    booking = pay(book(user, batch))
    services.booking_cancel(booking=booking, actor=user)
    user.refresh_from_db()
    assert user.obs_points == 0
    assert not PointsTransaction.objects.filter(user=user).exists()


# --- cancellation policy at the day boundaries (frozen time) ------------------------------------------


@pytest.mark.parametrize(
    ("days_before", "percent"),
    [(45, 90), (30, 90), (29, 50), (21, 50), (20, 0), (1, 0)],
)
def test_refund_tiers_at_day_boundaries(
    client_for, user, book, pay, days_before, percent, django_capture_on_commit_callbacks
):
    batch = BatchFactory(start_date=timezone.localdate() + timedelta(days=60))
    booking = pay(book(user, batch))
    # just before local midnight of the boundary day, and the quote agrees with the cancellation
    moment = datetime.combine(batch.start_date - timedelta(days=days_before), time(23, 59, 30), tzinfo=IST)
    with time_machine.travel(moment, tick=False):
        quote = client_for(user).get(f"/api/v1/bookings/{booking.pk}/cancel/").json()
        assert (quote["days_before_start"], quote["refund_percent"]) == (days_before, percent)
        expected = (Decimal("13125.00") * percent / 100).quantize(Decimal("0.01"))
        assert Decimal(quote["refund_amount"]) == expected
        with django_capture_on_commit_callbacks(execute=True):
            response = client_for(user).post(f"/api/v1/bookings/{booking.pk}/cancel/", {"reason": "ill"}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "cancelled"
    assert response.json()["cancellation_refund_percent"] == percent
    booking.refresh_from_db()
    assert booking.amount_refunded == expected
    refunds = Refund.objects.filter(booking=booking)
    assert sum(r.amount_paise for r in refunds) == int(expected * 100)
    assert all(r.status == "processed" for r in refunds)  # the local gateway refunds at once
    batch.refresh_from_db()
    assert batch.seats_taken == 0


def test_policy_table_is_configurable(settings):
    settings.BOOKINGS_CANCELLATION_POLICY = [
        {"min_days": 10, "refund_percent": 100},
        {"min_days": 0, "refund_percent": 25},
    ]
    assert refund_percent_for(10) == 100
    assert refund_percent_for(9) == 25


def test_cancel_permissions(client_for, make_user, staff_user, batch, book):
    owner, stranger = make_user(), make_user()
    booking = book(owner, batch)
    assert client_for(stranger).get(f"/api/v1/bookings/{booking.pk}/").status_code == 404
    assert client_for(stranger).post(f"/api/v1/bookings/{booking.pk}/cancel/").status_code == 404
    assert client_for(stranger).get(f"/api/v1/bookings/{booking.pk}/cancel/").status_code == 404
    assert client_for(None).post(f"/api/v1/bookings/{booking.pk}/cancel/").status_code == 401
    finance = staff_user("finance")  # may view, may not cancel
    assert client_for(finance).get(f"/api/v1/bookings/{booking.pk}/").status_code == 200
    assert client_for(finance).post(f"/api/v1/bookings/{booking.pk}/cancel/").status_code == 404
    cs = staff_user("cs")
    response = client_for(cs).post(f"/api/v1/bookings/{booking.pk}/cancel/", {"reason": "on request"}, format="json")
    assert response.status_code == 200
    assert AuditLog.objects.filter(action="booking.cancelled", target_id=str(booking.pk), actor=cs).exists()
    assert Notification.objects.filter(user=owner, template="booking_cancelled").exists()


def test_cancel_leaves_the_batch_conversation(user, batch, book, pay):
    booking = pay(book(user, batch))
    membership = ConversationParticipant.objects.get(user=user, conversation__batch_id=batch.pk)
    assert membership.left_at is None
    services.booking_cancel(booking=booking, actor=user)
    membership.refresh_from_db()
    assert membership.left_at is not None


# --- a whole departure -----------------------------------------------------------------------------


def test_ops_cancel_a_batch_with_full_refunds(
    client_for, make_user, staff_user, book, pay, django_capture_on_commit_callbacks
):
    batch = BatchFactory(start_date=timezone.localdate() + timedelta(days=5))
    paid = pay(book(make_user(), batch, seats=2))
    pending = book(make_user(), batch)
    ops = client_for(staff_user("ops_manager"))
    assert client_for(staff_user("cs")).post(f"/api/v1/batches/{batch.pk}/cancel/").status_code == 403
    with django_capture_on_commit_callbacks(execute=True):
        response = ops.post(f"/api/v1/batches/{batch.pk}/cancel/", {"reason": "Landslide"}, format="json")
    assert response.status_code == 202, response.content
    assert response.json()["total"] == 2
    progress = ops.get(f"/api/v1/batches/{batch.pk}/cancel/").json()
    assert (progress["state"], progress["processed"], progress["total"]) == ("done", 2, 2)
    assert progress["refunded_paise"] == 0  # the paid booking chooses credit or a full refund first
    paid.refresh_from_db()
    pending.refresh_from_db()
    batch.refresh_from_db()
    assert paid.status == pending.status == "cancelled"
    assert paid.amount_refunded == 0
    assert batch.status == "cancelled"
    assert batch.seats_taken == 0
    assert Notification.objects.filter(template="batch_cancelled").count() == 1  # the unpaid one
    assert Notification.objects.filter(template="batch_cancelled_choice", user=paid.user).count() == 1
    assert BatchCancellation.objects.get().state == "done"
    owner = client_for(paid.user)
    offer = owner.get(f"/api/v1/bookings/{paid.pk}/credit-offer/").json()
    assert (offer["choice"], offer["refund_amount"], offer["credit_amount"]) == ("pending", "26250.00", "28875.00")
    with django_capture_on_commit_callbacks(execute=True):
        chosen = owner.post(f"/api/v1/bookings/{paid.pk}/credit-offer/", {"choice": "refund"}, format="json")
    assert chosen.status_code == 200, chosen.content
    paid.refresh_from_db()
    assert paid.amount_refunded == paid.amount_paid == Decimal("26250.00")  # full refund, 5 days out
    assert Refund.objects.filter(booking=paid, reason="batch_cancelled").count() == 1


def test_bulk_cancel_of_a_completed_batch_is_409(client_for, staff_user):
    batch = BatchFactory(status=Batch.Status.COMPLETED)
    response = client_for(staff_user("ops_manager")).post(f"/api/v1/batches/{batch.pk}/cancel/")
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "invalid_transition"


# --- selectors other apps use -----------------------------------------------------------------------


def test_current_or_next_confirmed_booking(user, book, pay):
    later = pay(book(user, BatchFactory(start_date=timezone.localdate() + timedelta(days=40))))
    sooner = pay(book(user, BatchFactory(start_date=timezone.localdate() + timedelta(days=20))))
    book(user, BatchFactory(start_date=timezone.localdate() + timedelta(days=10)))  # pending: not counted
    assert current_or_next_confirmed_booking(user) == sooner
    assert current_or_next_confirmed_booking(user, today=sooner.batch.end_date + timedelta(days=1)) == later
    assert current_or_next_confirmed_booking(user, today=later.batch.end_date + timedelta(days=1)) is None


def test_reminder_jobs_find_real_bookings(user, book):
    batch = BatchFactory(start_date=timezone.localdate() + timedelta(days=7))
    booking = book(user, batch)
    assert services.send_hold_expiry_reminders(now=booking.hold_expires_at - timedelta(minutes=5)) > 0
    assert services.send_pretrek_reminders(today=timezone.localdate()) > 0
    hold = Notification.objects.get(user=user, template="hold_expiring")
    assert booking.reference in hold.body or hold.title
    assert Notification.objects.filter(user=user, template="pretrek_reminder").exists()


def test_completion_job_carries_on_past_a_failing_booking(make_user, book, pay, monkeypatch):
    from apps.bookings.services import bookings as booking_services
    from apps.common.exceptions import Conflict

    batch = BatchFactory()
    first, second = pay(book(make_user(), batch)), pay(book(make_user(), batch))
    real = booking_services.booking_complete

    def flaky(*, booking, today=None):
        if booking.pk == first.pk:
            raise Conflict("ledger busy")
        return real(booking=booking, today=today)

    monkeypatch.setattr(booking_services, "booking_complete", flaky)
    assert services.bookings_complete_finished(today=batch.end_date + timedelta(days=1)) == 1
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, second.status) == ("confirmed", "completed")
