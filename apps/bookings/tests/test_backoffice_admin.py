"""The booking pages of the admin by role: the list, its filters, the change page and its actions."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.files.base import ContentFile

from apps.bookings.models import Booking, BookingDocument, BookingStatus
from apps.common.audit import AuditAction
from apps.common.models import AuditLog
from apps.notifications.models import Delivery
from apps.treks.domain import local_today
from apps.treks.tests.factories import BatchFactory

pytestmark = pytest.mark.django_db


def _fitness_proof(booking: Booking) -> BookingDocument:
    return BookingDocument.objects.create(
        booking=booking,
        kind=BookingDocument.Kind.FITNESS_PROOF,
        file=ContentFile(b"%PDF-1.4", name="proof.pdf"),
        content_type="application/pdf",
        size=8,
    )


@pytest.fixture
def soon(book, make_user) -> Booking:
    """A pending booking on a departure in three days."""
    return book(make_user(first_name="Asha"), BatchFactory(start_date=local_today() + timedelta(days=3)), seats=2)


@pytest.mark.parametrize(("role", "status"), [("ops_manager", 200), ("cs", 200), ("finance", 200), ("content", 403)])
def test_the_list_reads_trek_departure_lead_and_money(client, staff_user, soon, role, status):
    client.force_login(staff_user(role))
    response = client.get("/admin/bookings/booking/")
    assert response.status_code == status
    if status == 200:
        page = response.content.decode()
        assert soon.batch.trek.name in page
        assert soon.trekker_name in page
        assert f"{soon.final_amount:,.2f}" in page  # the whole amount, grouped, never cut
        assert "/admin/bookings/booking/add/" not in page  # no Add button that would answer 403


def test_filters_departing_this_week_balance_due_and_documents_missing(client, staff_user, soon, book, pay, user):
    later = pay(book(user, BatchFactory(start_date=local_today() + timedelta(days=40))))
    client.force_login(staff_user("ops_manager"))

    def shown(query: str) -> set[str]:
        return {b.reference for b in client.get(f"/admin/bookings/booking/?{query}").context["cl"].result_list}

    assert shown("departing=week") == {soon.reference}
    assert shown("departing=30days") == {soon.reference}
    assert shown("balance=due") == {soon.reference}
    assert shown("balance=paid") == {later.reference}
    assert shown("documents=missing") == {soon.reference, later.reference}
    assert shown(f"batch__trek__id__exact={later.batch.trek_id}") == {later.reference}
    assert shown(f"batch__id__exact={soon.batch_id}") == {soon.reference}


def test_the_change_page_shows_participants_documents_messages_and_trail(client, staff_user, soon):
    _fitness_proof(soon)
    client.force_login(staff_user("cs"))
    page = client.get(f"/admin/bookings/booking/{soon.pk}/change/").content.decode()
    for part in ("Trekker 0", "Trekker 1", 'id="booking-documents"', "Fitness proof", 'id="booking-messages"'):
        assert part in page
    assert "booking_held" in page  # the message sent when the seats were held
    assert 'id="booking-cancel"' in page
    client.force_login(staff_user("finance"))
    page = client.get(f"/admin/bookings/booking/{soon.pk}/change/").content.decode()
    assert 'id="booking-cancel"' not in page  # finance may look, not cancel


def test_cancel_shows_the_quote_then_cancels_as_the_staff_member(client, staff_user, soon):
    ops = staff_user("ops_manager")
    client.force_login(ops)
    quote = client.get(f"/admin/bookings/booking/{soon.pk}/cancel/")
    assert quote.status_code == 200
    assert "Refund by the policy" in quote.content.decode()
    response = client.post(f"/admin/bookings/booking/{soon.pk}/cancel/", {"reason": "customer called"})
    assert response.status_code == 302
    soon.refresh_from_db()
    assert soon.status == BookingStatus.CANCELLED
    assert soon.cancelled_by == ops
    row = AuditLog.objects.get(action=AuditAction.BOOKING_CANCELLED, target_id=str(soon.pk))
    assert row.actor == ops
    # a second cancel is refused by the service, said on the page
    again = client.post(f"/admin/bookings/booking/{soon.pk}/cancel/", {"reason": "again"}, follow=True)
    assert "cannot" in again.content.decode().lower() or "not allowed" in again.content.decode().lower()


@pytest.mark.parametrize("role", ["finance", "content"])
def test_roles_without_bookings_manage_cannot_cancel_or_remind(client, staff_user, soon, role):
    client.force_login(staff_user(role))
    assert client.get(f"/admin/bookings/booking/{soon.pk}/cancel/").status_code == 403
    assert client.post(f"/admin/bookings/booking/{soon.pk}/cancel/", {"reason": "x"}).status_code == 403
    assert client.post(f"/admin/bookings/booking/{soon.pk}/payment-link/").status_code == 403
    soon.refresh_from_db()
    assert soon.status == BookingStatus.PENDING


def test_resend_the_payment_reminder(client, staff_user, soon, pay):
    cs = staff_user("cs")
    client.force_login(cs)
    before = Delivery.objects.filter(template="booking_held", user=soon.user).count()
    assert client.post(f"/admin/bookings/booking/{soon.pk}/payment-link/").status_code == 302
    assert Delivery.objects.filter(template="booking_held", user=soon.user).count() > before
    assert AuditLog.objects.get(action=AuditAction.BOOKING_PAYMENT_REMINDER_QUEUED, target_id=str(soon.pk)).actor == cs
    paid = pay(soon)
    client.post(f"/admin/bookings/booking/{paid.pk}/payment-link/")
    assert AuditLog.objects.filter(action=AuditAction.BOOKING_PAYMENT_REMINDER_QUEUED).count() == 1  # refused: paid


def test_reject_a_fitness_proof_tells_the_trekker(client, staff_user, soon):
    document = _fitness_proof(soon)
    client.force_login(staff_user("finance"))
    url = f"/admin/bookings/booking/{soon.pk}/documents/{document.pk}/review/"
    assert client.post(url, {"decision": "reject"}).status_code == 403
    reviewer = staff_user("cs")
    client.force_login(reviewer)
    response = client.post(url, {"decision": "reject", f"note-{document.pk}": "The letter is not signed."})
    assert response.status_code == 302
    document.refresh_from_db()
    assert (document.status, document.reviewed_by, document.review_note) == (
        BookingDocument.Status.REJECTED,
        reviewer,
        "The letter is not signed.",
    )
    told = Delivery.objects.filter(template="document_rejected", user=soon.user)
    assert told.exists()
    assert "The letter is not signed." in told.first().context["note"]
    assert AuditLog.objects.get(action=AuditAction.DOCUMENT_REJECTED).actor == reviewer


def test_approve_a_fitness_proof(client, staff_user, soon):
    document = _fitness_proof(soon)
    client.force_login(staff_user("ops_manager"))
    client.post(f"/admin/bookings/booking/{soon.pk}/documents/{document.pk}/review/", {"decision": "approve"})
    document.refresh_from_db()
    assert document.status == BookingDocument.Status.APPROVED
    assert not Delivery.objects.filter(template="document_rejected").exists()
