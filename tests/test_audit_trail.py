"""The audit contract across the apps: one row per transition, written in the transition's transaction, and the
trail on each audited object's admin page."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from django.contrib import admin
from django.db import models
from django.test import Client
from django.utils import timezone

from apps.bookings import services as bookings
from apps.bookings.models import Booking, Payment, Refund, TaxDocument
from apps.bookings.tests.conftest import people, with_emergency_contact
from apps.bookings.tests.test_webhooks import deliver, payment_event
from apps.common.audit import AuditAction
from apps.common.audit_admin import AuditTrailMixin
from apps.common.models import AuditLog
from apps.emergency import services as emergency
from apps.emergency.models import Incident
from apps.emergency.tests.factories import IncidentFactory
from apps.emergency.tests.test_guide_reports import confirmed_booking
from apps.treks.models import Batch
from apps.treks.tests.factories import BatchFactory
from apps.users.models import User

pytestmark = pytest.mark.django_db
A = AuditAction


@dataclass
class World:
    """What a transition needs: a trekker with an API client, a staff member, an open batch."""

    trekker: User
    staff: User
    batch: Batch
    client: Any
    staff_client: Any

    @property
    def staff_session(self) -> Client:
        """The staff member signed in to the admin."""
        session = Client()
        session.force_login(self.staff)
        return session

    def book(self, **kwargs: Any) -> Booking:
        return bookings.booking_create(user=self.trekker, batch_id=self.batch.pk, participants=people(1), **kwargs)

    def order(self, booking: Booking) -> Payment:
        return bookings.payment_order_create(booking=booking)

    def captured(self, payment: Payment) -> None:
        """The gateway's webhook says the order was paid."""
        assert deliver(payment_event("payment.captured", payment), uuid.uuid4().hex).status_code == 200

    def paid(self) -> Booking:
        return confirmed_booking(self.trekker, self.batch)  # booked, then paid through checkout verification

    def refund(self) -> Refund:
        booking = self.paid()
        bookings.booking_cancel(booking=booking, actor=self.staff, full_refund=True)
        return Refund.objects.get(booking=booking)

    def incident(self) -> Incident:
        return IncidentFactory(trekker=self.trekker, next_escalation_at=timezone.now() - timedelta(minutes=1))


# Each case prepares what the transition needs, then returns the transition: a call through the public service
# or endpoint that returns (the audited object, the actor the row must name: a user, or None for the system).
Transition = Callable[[], tuple[models.Model, User | None]]


def _booking_created(w: World) -> Transition:
    def go() -> tuple[models.Model, User | None]:
        response = w.client.post("/api/v1/bookings/", {"batch": str(w.batch.pk), "participants": people(1)})
        assert response.status_code == 201, response.content
        return Booking.objects.get(pk=response.json()["id"]), w.trekker

    return go


def _booking_created_from_the_waitlist(w: World) -> Transition:
    full = BatchFactory(total_seats=1, start_date=timezone.localdate() + timedelta(days=60))
    holder = bookings.booking_create(user=w.staff, batch_id=full.pk, participants=people(1))
    bookings.waitlist_join(user=w.trekker, batch=Batch.objects.get(pk=full.pk), participants=people(1))

    def go() -> tuple[models.Model, User | None]:
        bookings.booking_cancel(booking=holder, actor=w.staff)  # the seat goes to the first in line
        return Booking.objects.get(user=w.trekker, batch=full), None

    return go


def _booking_confirmed(w: World) -> Transition:
    booking = w.book()
    payment = w.order(booking)

    def go() -> tuple[models.Model, User | None]:
        w.captured(payment)
        return booking, None

    return go


def _booking_cancelled(w: World) -> Transition:
    booking = w.book()

    def go() -> tuple[models.Model, User | None]:
        response = w.client.post(f"/api/v1/bookings/{booking.pk}/cancel/", {"reason": "plans changed"})
        assert response.status_code == 200, response.content
        return booking, w.trekker

    return go


def _booking_expired(w: World) -> Transition:
    booking = w.book()

    def go() -> tuple[models.Model, User | None]:
        assert bookings.bookings_expire_holds(now=timezone.now() + timedelta(days=1)) == 1
        return booking, None

    return go


def _booking_reinstated(w: World) -> Transition:
    booking = w.book()
    payment = w.order(booking)
    bookings.bookings_expire_holds(now=timezone.now() + timedelta(days=1))

    def go() -> tuple[models.Model, User | None]:
        w.captured(payment)  # paid after the hold lapsed, with the seats still free
        return booking, None

    return go


def _booking_completed(w: World) -> Transition:
    booking = w.paid()

    def go() -> tuple[models.Model, User | None]:
        assert bookings.bookings_complete_finished(today=w.batch.end_date + timedelta(days=1)) == 1
        return booking, None

    return go


def _booking_payment_link_sent(w: World) -> Transition:
    booking = w.book()

    def go() -> tuple[models.Model, User | None]:
        response = w.staff_session.post(f"/admin/bookings/booking/{booking.pk}/payment-link/")
        assert response.status_code == 302, response.content
        return booking, w.staff

    return go


def _booking_add_ons_added(w: World) -> Transition:
    from decimal import Decimal

    from apps.bookings.models import AddOn

    booking = w.paid()
    bag = AddOn.objects.create(
        trek=w.batch.trek, kind="offloading", name="Offloading", price=Decimal("350.00"), gst_rate=Decimal("0.18")
    )

    def go() -> tuple[models.Model, User | None]:
        response = w.client.post(
            f"/api/v1/bookings/{booking.pk}/add-ons/", {"add_ons": [{"add_on": str(bag.pk)}]}, format="json"
        )
        assert response.status_code == 201, response.content
        return booking, w.trekker

    return go


def _participants_added(w: World) -> Transition:
    booking = w.book()

    def go() -> tuple[models.Model, User | None]:
        response = w.client.post(
            f"/api/v1/bookings/{booking.pk}/participants/",
            {"participants": [{"name": "Kabir Rao", "age": 31}]},
            format="json",
        )
        assert response.status_code == 200, response.content
        return booking, w.trekker

    return go


def _participant_updated(w: World) -> Transition:
    booking = w.book()

    def go() -> tuple[models.Model, User | None]:
        response = w.client.patch(
            f"/api/v1/bookings/{booking.pk}/participants/0/", {"name": "Asha Rawat"}, format="json"
        )
        assert response.status_code == 200, response.content
        return booking, w.trekker

    return go


def _participant_cancelled(w: World) -> Transition:
    booking = bookings.booking_create(user=w.trekker, batch_id=w.batch.pk, participants=people(2))

    def go() -> tuple[models.Model, User | None]:
        response = w.client.post(
            f"/api/v1/bookings/{booking.pk}/participants/1/cancel/", {"reason": "Ill"}, format="json"
        )
        assert response.status_code == 200, response.content
        return booking, w.trekker

    return go


def _booking_transferred(w: World) -> Transition:
    booking = w.book()
    other = BatchFactory(trek=w.batch.trek, start_date=w.batch.start_date + timedelta(days=7))

    def go() -> tuple[models.Model, User | None]:
        response = w.client.post(f"/api/v1/bookings/{booking.pk}/transfer/", {"batch": str(other.pk)}, format="json")
        assert response.status_code == 200, response.content
        return booking, w.trekker

    return go


def _payment_link_created(w: World) -> Transition:
    booking = w.book()

    def go() -> tuple[models.Model, User | None]:
        return bookings.payment_link_current(booking=booking, actor=w.staff), w.staff

    return go


def _payment_link_sent(w: World) -> Transition:
    booking = w.book()
    bookings.payment_link_current(booking=booking, actor=w.staff)

    def go() -> tuple[models.Model, User | None]:
        return bookings.payment_link_send(actor=w.staff, booking=booking), w.staff

    return go


def _balance_marked_overdue(w: World) -> Transition:
    from decimal import Decimal

    from django.db.models import F

    booking = w.paid()
    # confirmed with 100.00 still to pay, due yesterday (as a deposit-confirmed booking is)
    Booking.objects.filter(pk=booking.pk).update(
        final_amount=F("final_amount") + Decimal("100.00"),
        balance_due_date=timezone.localdate() - timedelta(days=1),
    )

    def go() -> tuple[models.Model, User | None]:
        assert bookings.balances_overdue_process()["flagged"] == 1
        return booking, None

    return go


def _payment_created(w: World) -> Transition:
    booking = w.book()

    def go() -> tuple[models.Model, User | None]:
        response = w.client.post(f"/api/v1/bookings/{booking.pk}/payments/")
        assert response.status_code == 201, response.content
        return Payment.objects.get(booking=booking), w.trekker

    return go


def _webhook(event: str, **kwargs: Any) -> Callable[[World], Transition]:
    def case(w: World) -> Transition:
        payment = w.order(w.book())

        def go() -> tuple[models.Model, User | None]:
            assert deliver(payment_event(event, payment, **kwargs), uuid.uuid4().hex).status_code == 200
            return payment, None

        return go

    return case


def _refund_requested(w: World) -> Transition:
    booking = w.paid()

    def go() -> tuple[models.Model, User | None]:
        bookings.booking_cancel(booking=booking, actor=w.staff, full_refund=True)
        return Refund.objects.get(booking=booking), None

    return go


def _booking_billing_updated(w: World) -> Transition:
    booking = w.book()

    def go() -> tuple[models.Model, User | None]:
        body = {"billing_name": "Acme Outdoors LLP", "billing_gstin": "27AAPFU0939F1ZV"}
        response = w.client.put(f"/api/v1/bookings/{booking.pk}/billing/", body, format="json")
        assert response.status_code == 200, response.content
        return booking, w.trekker

    return go


def _invoice_issued(w: World) -> Transition:
    booking = w.book()
    payment = w.order(booking)

    def go() -> tuple[models.Model, User | None]:
        w.captured(payment)
        return TaxDocument.objects.get(payment=payment), None

    return go


def _credit_note_issued(w: World) -> Transition:
    booking = w.paid()

    def go() -> tuple[models.Model, User | None]:
        bookings.booking_cancel(booking=booking, actor=w.staff, full_refund=True)
        return TaxDocument.objects.get(refund__booking=booking), None

    return go


def _refund_processed(w: World) -> Transition:
    refund = w.refund()

    def go() -> tuple[models.Model, User | None]:
        assert bookings.refund_send(refund_id=refund.pk).status == Refund.Status.PROCESSED
        return refund, None

    return go


def _refund_failed(w: World) -> Transition:
    refund = w.refund()

    def go() -> tuple[models.Model, User | None]:
        bookings.refund_settled(refund=refund, processed=False, error="gateway: failed")
        return refund, None

    return go


def _incident_raised(w: World) -> Transition:
    confirmed_booking(w.trekker, w.batch)

    def go() -> tuple[models.Model, User | None]:
        response = w.client.post(
            "/api/v1/emergency/sos/",
            {"latitude": 32.3182, "longitude": 77.1874, "message": "fell"},
            HTTP_IDEMPOTENCY_KEY=str(uuid.uuid4()),
        )
        assert response.status_code == 201, response.content
        return Incident.objects.get(pk=response.json()["id"]), w.trekker

    return go


def _incident_escalated(w: World) -> Transition:
    incident = w.incident()

    def go() -> tuple[models.Model, User | None]:
        assert emergency.incidents_escalate() == 1
        return incident, None

    return go


def _incident_moved(status: str) -> Callable[[World], Transition]:
    def case(w: World) -> Transition:
        incident = w.incident()

        def go() -> tuple[models.Model, User | None]:
            emergency.incident_change_status(actor=w.staff, incident=incident, status=status, note="checked")
            return incident, w.staff

        return go

    return case


def _incident_note(w: World) -> Transition:
    incident = w.incident()

    def go() -> tuple[models.Model, User | None]:
        emergency.incident_add_note(actor=w.staff, incident=incident, note="radio check")
        return incident, w.staff

    return go


def _role(role: str | None) -> Callable[[World], Transition]:
    def case(w: World) -> Transition:
        target = User.objects.create_user(email=f"{uuid.uuid4().hex[:8]}@example.com", password=None)
        if role is None:
            User.objects.filter(pk=target.pk).update(staff_role="finance")

        def go() -> tuple[models.Model, User | None]:
            response = w.staff_client.put(f"/api/v1/users/{target.pk}/role/", {"role": role}, format="json")
            assert response.status_code == 200, response.content
            return target, w.staff

        return go

    return case


def _batch_cancelled(w: World) -> Transition:
    def go() -> tuple[models.Model, User | None]:
        bookings.batch_bulk_cancel_start(actor=w.staff, batch=w.batch, reason="weather")
        return w.batch, w.staff

    return go


def _batch_rescheduled(w: World) -> Transition:
    def go() -> tuple[models.Model, User | None]:
        start = w.batch.start_date + timedelta(days=3)
        response = w.staff_client.patch(f"/api/v1/batches/{w.batch.pk}/", {"start_date": str(start)}, format="json")
        assert response.status_code == 200, response.content
        return w.batch, w.staff

    return go


def _batch_guide_changed(w: World) -> Transition:
    from apps.treks.tests.factories import GuideFactory

    guide = GuideFactory()

    def go() -> tuple[models.Model, User | None]:
        response = w.staff_client.patch(f"/api/v1/batches/{w.batch.pk}/", {"guide": str(guide.pk)}, format="json")
        assert response.status_code == 200, response.content
        return w.batch, w.staff

    return go


def _booking_created_by_staff(w: World) -> Transition:
    def go() -> tuple[models.Model, User | None]:
        body = {"batch": str(w.batch.pk), "participants": people(1), "source": "walk_in"}
        response = w.staff_client.post(f"/api/v1/customers/{w.trekker.pk}/bookings/", body, format="json")
        assert response.status_code == 201, response.content
        return Booking.objects.get(pk=response.json()["id"]), w.staff

    return go


def _payment_recorded(w: World) -> Transition:
    booking = w.book()

    def go() -> tuple[models.Model, User | None]:
        body = {"amount_paise": 100, "method": "upi", "payment_reference": "UPI-1", "receipt_reference": "R-1"}
        response = w.staff_client.post(
            f"/api/v1/bookings/{booking.pk}/offline-payments/",
            body,
            format="json",
            HTTP_IDEMPOTENCY_KEY=str(uuid.uuid4()),
        )
        assert response.status_code == 201, response.content
        return Payment.objects.get(booking=booking), w.staff

    return go


def _refund_settled_offline(w: World) -> Transition:
    refund = w.refund()

    def go() -> tuple[models.Model, User | None]:
        body = {"method": "bank_transfer", "receipt_reference": "UTR-1"}
        response = w.staff_client.post(f"/api/v1/refunds/{refund.pk}/manual/", body, format="json")
        assert response.status_code == 200, response.content
        return refund, w.staff

    return go


CASES: dict[str, tuple[AuditAction, Callable[[World], Transition]]] = {
    "booking.created by staff for a customer": (A.BOOKING_CREATED, _booking_created_by_staff),
    "booking.created": (A.BOOKING_CREATED, _booking_created),
    "booking.created from the waitlist": (A.BOOKING_CREATED, _booking_created_from_the_waitlist),
    "booking.confirmed": (A.BOOKING_CONFIRMED, _booking_confirmed),
    "booking.cancelled": (A.BOOKING_CANCELLED, _booking_cancelled),
    "booking.expired": (A.BOOKING_EXPIRED, _booking_expired),
    "booking.reinstated": (A.BOOKING_REINSTATED, _booking_reinstated),
    "booking.completed": (A.BOOKING_COMPLETED, _booking_completed),
    "booking.payment_reminder_queued": (A.BOOKING_PAYMENT_REMINDER_QUEUED, _booking_payment_link_sent),
    "booking.add_ons_added": (A.BOOKING_ADD_ONS_ADDED, _booking_add_ons_added),
    "booking.participants_added": (A.BOOKING_PARTICIPANTS_ADDED, _participants_added),
    "booking.participant_updated": (A.BOOKING_PARTICIPANT_UPDATED, _participant_updated),
    "booking.participant_cancelled": (A.BOOKING_PARTICIPANT_CANCELLED, _participant_cancelled),
    "booking.transferred": (A.BOOKING_TRANSFERRED, _booking_transferred),
    "booking.balance_marked_overdue": (A.BOOKING_BALANCE_OVERDUE, _balance_marked_overdue),
    "payment.link_created": (A.PAYMENT_LINK_CREATED, _payment_link_created),
    "payment.link_shared": (A.PAYMENT_LINK_SENT, _payment_link_sent),
    "payment.created": (A.PAYMENT_CREATED, _payment_created),
    "payment.authorized": (A.PAYMENT_AUTHORIZED, _webhook("payment.authorized")),
    "payment.captured": (A.PAYMENT_CAPTURED, _webhook("payment.captured")),
    "payment.failed": (A.PAYMENT_FAILED, _webhook("payment.failed")),
    "payment.flagged": (A.PAYMENT_FLAGGED, _webhook("payment.captured", amount=1)),
    "refund.requested": (A.REFUND_REQUESTED, _refund_requested),
    "booking.billing_updated": (A.BOOKING_BILLING_UPDATED, _booking_billing_updated),
    "invoice.issued": (A.INVOICE_ISSUED, _invoice_issued),
    "invoice.credit_note_issued": (A.CREDIT_NOTE_ISSUED, _credit_note_issued),
    "refund.processed": (A.REFUND_PROCESSED, _refund_processed),
    "refund.failed": (A.REFUND_FAILED, _refund_failed),
    "refund.settled_offline": (A.REFUND_SETTLED_OFFLINE, _refund_settled_offline),
    "payment.recorded": (A.PAYMENT_RECORDED, _payment_recorded),
    "incident.raised": (A.INCIDENT_RAISED, _incident_raised),
    "incident.escalated": (A.INCIDENT_ESCALATED, _incident_escalated),
    "incident.acknowledged": (A.INCIDENT_ACKNOWLEDGED, _incident_moved("acknowledged")),
    "incident.response_started": (A.INCIDENT_RESPONSE_STARTED, _incident_moved("responding")),
    "incident.resolved": (A.INCIDENT_RESOLVED, _incident_moved("resolved")),
    "incident.marked_false_alarm": (A.INCIDENT_MARKED_FALSE_ALARM, _incident_moved("false_alarm")),
    "incident.note_added": (A.INCIDENT_NOTE_ADDED, _incident_note),
    "user.role_granted": (A.USER_ROLE_GRANTED, _role("ops_manager")),
    "user.role_revoked": (A.USER_ROLE_REVOKED, _role(None)),
    "batch.cancelled": (A.BATCH_CANCELLED, _batch_cancelled),
    "batch.cancellation_queued": (A.BATCH_CANCELLATION_QUEUED, _batch_cancelled),
    "batch.rescheduled": (A.BATCH_RESCHEDULED, _batch_rescheduled),
    "batch.guide_changed": (A.BATCH_GUIDE_CHANGED, _batch_guide_changed),
}


@pytest.fixture
def world(make_user: Callable[..., User], client_for: Callable[[User], Any]) -> World:
    trekker = with_emergency_contact(make_user(phone="+919811111111"))  # paying needs one
    staff = make_user(staff_role="super_admin")
    batch = BatchFactory(total_seats=10, start_date=timezone.localdate() + timedelta(days=60))
    return World(trekker=trekker, staff=staff, batch=batch, client=client_for(trekker), staff_client=client_for(staff))


@pytest.mark.parametrize("name", list(CASES))
def test_one_audit_row_per_transition(name: str, world: World) -> None:
    action, case = CASES[name]
    transition = case(world)
    before = AuditLog.objects.filter(action=action).count()
    target, actor = transition()
    assert AuditLog.objects.filter(action=action).count() == before + 1
    row = AuditLog.objects.filter(action=action).latest("id")
    assert (row.target_type, row.target_id) == (target._meta.label_lower, str(target.pk))
    assert row.actor_id == (actor.pk if actor is not None else None)


def test_every_transition_family_is_driven() -> None:
    """The cases cover every booking, payment, refund and incident action and both role moves."""
    families = {"booking", "payment", "refund", "incident"}
    wanted = {a for a in AuditAction if a.entity in families} | {A.USER_ROLE_GRANTED, A.USER_ROLE_REVOKED}
    assert wanted <= {action for action, _ in CASES.values()}


def test_a_refused_booking_leaves_no_row(world: World) -> None:
    full = BatchFactory(total_seats=1)
    bookings.booking_create(user=world.staff, batch_id=full.pk, participants=people(1))
    before = AuditLog.objects.count()
    response = world.client.post("/api/v1/bookings/", {"batch": str(full.pk), "participants": people(1)})
    assert response.status_code == 409
    assert AuditLog.objects.count() == before


def test_the_row_rolls_back_with_its_transition(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    """A transition that fails after its row was written leaves neither behind."""
    from apps.bookings.services import bookings as booking_services

    booking = world.paid()

    def broken(**kwargs: Any) -> None:
        raise RuntimeError("points ledger down")

    monkeypatch.setattr(booking_services, "points_award", broken)
    with pytest.raises(RuntimeError):
        bookings.booking_complete(booking=booking, today=world.batch.end_date + timedelta(days=1))
    assert not AuditLog.objects.filter(action=A.BOOKING_COMPLETED).exists()
    assert Booking.objects.get(pk=booking.pk).status == "confirmed"


# --- the admin ----------------------------------------------------------------------------------------

AUDITED_ADMINS = [
    "bookings.booking",
    "bookings.payment",
    "bookings.refund",
    "emergency.incident",
    "users.user",
    "treks.batch",
    "treks.trek",
    "treks.region",
    "treks.guide",
    "community.post",
    "community.comment",
    "notifications.delivery",
]


def test_every_audited_model_admin_shows_the_trail() -> None:
    registry = {model._meta.label_lower: model_admin for model, model_admin in admin.site._registry.items()}
    assert [label for label in AUDITED_ADMINS if not isinstance(registry[label], AuditTrailMixin)] == []


def test_the_change_page_shows_the_objects_trail(world: World) -> None:
    booking = world.paid()
    bookings.booking_cancel(booking=booking, actor=world.staff, reason="weather")
    browser = Client()
    browser.force_login(world.staff)
    page = browser.get(f"/admin/bookings/booking/{booking.pk}/change/")
    assert page.status_code == 200
    assert [entry.action for entry in page.context["audit_trail"]] == [
        A.BOOKING_CANCELLED,
        A.BOOKING_CONFIRMED,
        A.BOOKING_CREATED,
    ]
    html = page.content.decode()
    assert 'id="audit-trail"' in html
    assert "booking.cancelled" in html
    assert f"target_id={booking.pk}" in page.context["audit_trail_url"]
    assert browser.get(page.context["audit_trail_url"]).status_code == 200


def test_the_trail_is_hidden_from_staff_who_may_not_read_the_audit_log(world: World, make_user: Any) -> None:
    booking = world.book()
    browser = Client()
    browser.force_login(make_user(staff_role="finance"))  # may view bookings, not the audit log
    page = browser.get(f"/admin/bookings/booking/{booking.pk}/change/")
    assert page.status_code == 200
    assert "audit_trail" not in page.context
    assert 'id="audit-trail"' not in page.content.decode()
