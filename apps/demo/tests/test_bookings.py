"""Demo bookings: one in every state, captured payments, the coupon used once and a waitlist, loaded once."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

from apps.bookings.models import Booking, Coupon, Payment, Refund, TaxDocument, WaitlistEntry
from apps.users.models import User

pytestmark = pytest.mark.django_db


def test_seed_demo_adds_bookings_in_every_state_once():
    call_command("seed_demo", stdout=StringIO())
    trekker = User.objects.get(email="trekker@demo.obsexperiences.in")
    statuses = set(Booking.objects.filter(user=trekker).values_list("status", flat=True))
    assert statuses == {"pending", "confirmed", "completed", "expired", "cancelled"}
    # the confirmed, completed and cancelled bookings were paid, and the confirmed one's add-on balance
    assert Payment.objects.filter(booking__user=trekker, status="captured").count() == 4
    assert Coupon.objects.filter(code="TRIBE10", uses=1).exists()
    assert WaitlistEntry.objects.filter(user=trekker, status="waiting").exists()
    count = Booking.objects.count()
    call_command("seed_demo", stdout=StringIO())
    assert Booking.objects.count() == count


def test_seed_demo_issues_tax_invoices_and_credit_notes():
    call_command("seed_demo", stdout=StringIO())
    trekker = User.objects.get(email="trekker@demo.obsexperiences.in")
    documents = TaxDocument.objects.filter(booking__user=trekker)
    invoices = documents.filter(kind="invoice")
    assert invoices.count() == Payment.objects.filter(booking__user=trekker, status="captured").count() == 4
    billed = invoices.filter(booking__billing_gstin="29OBSDM0001D1ZB")  # the booking and its add-on balance
    assert billed.count() == 2
    for doc in billed:
        assert doc.inter_state
        assert doc.igst_amount > 0
        assert doc.data["buyer"]["name"] == "Tribe Adventures LLP"
    assert all(not doc.inter_state and doc.igst_amount == 0 for doc in invoices.exclude(pk__in=billed))
    refunds = Refund.objects.filter(booking__user=trekker)
    notes = documents.filter(kind="credit_note")
    assert sorted(notes.values_list("refund_id", flat=True)) == sorted(refunds.values_list("pk", flat=True))
    for note in notes:
        assert note.booking.status == "cancelled"
        assert note.original.booking_id == note.booking_id
    numbers = sorted(TaxDocument.objects.filter(kind="invoice").values_list("sequence", flat=True))
    assert numbers == list(range(1, len(numbers) + 1))
